from django.db.models import Count, Q, QuerySet

from resourcelink.accounts.access import get_scoped_object
from resourcelink.accounts.models import Station

from .models import Community, Grid, Observation, Walk


def communities_for_station(station: Station | int, *, include_archived: bool = False) -> QuerySet[Community]:
    qs = Community.objects.filter(station=station)
    if not include_archived:
        qs = qs.filter(archived_on__isnull=True)
    return qs.order_by("name", "id")


def grids_for_station(station: Station | int, *, community=None, include_archived: bool = False) -> QuerySet[Grid]:
    qs = Grid.objects.filter(station=station).select_related("community")
    if community is not None:
        qs = qs.filter(community=community)
    if not include_archived:
        qs = qs.filter(archived_on__isnull=True)
    return qs.order_by("community__name", "name", "id")


def walks_for_station(station: Station | int) -> QuerySet[Walk]:
    return (
        Walk.objects.filter(station=station, archived_on__isnull=True)
        .select_related("community")
        .prefetch_related("walkers")
        .annotate(
            n_observations=Count("observations", filter=Q(observations__archived_on__isnull=True)),
            n_promoted=Count("observations", filter=Q(observations__resource__isnull=False)),
        )
        .order_by("-walked_on", "-id")
    )


def observations_for_walk(walk: Walk) -> QuerySet[Observation]:
    return (
        walk.observations.filter(archived_on__isnull=True)
        .select_related("category", "grid", "resource")
        .order_by("-observed_at", "-id")
    )


def get_community_for_user(user, pk, *, roles=None) -> Community:
    return get_scoped_object(user, Community.objects.all(), pk, roles=roles)


def get_grid_for_user(user, pk, *, roles=None) -> Grid:
    return get_scoped_object(user, Grid.objects.select_related("community"), pk, roles=roles)


def get_walk_for_user(user, pk, *, roles=None) -> Walk:
    return get_scoped_object(user, Walk.objects.select_related("community"), pk, roles=roles)


def get_observation_for_user(user, pk, *, roles=None) -> Observation:
    return get_scoped_object(
        user, Observation.objects.select_related("walk", "walk__community", "category", "grid", "resource"), pk,
        roles=roles,
    )
