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


def _live_resources_q(prefix: str = "resources__"):
    from resourcelink.directory.models import ResourceStatus

    return ~Q(**{f"{prefix}status": ResourceStatus.ARCHIVED})


def communities_with_counts(station: Station | int, *, include_archived: bool = False) -> QuerySet[Community]:
    """Communities with their live grids (``live_grids``) and, on each, the
    number of resources that are not archived: two queries for the list page
    however many communities and grids there are."""
    from django.db.models import Prefetch

    grids = (
        Grid.objects.filter(archived_on__isnull=True)
        .annotate(n_resources=Count("resources", filter=_live_resources_q(), distinct=True))
        .order_by("name", "id")
    )
    return (
        communities_for_station(station, include_archived=include_archived)
        .annotate(
            n_resources=Count("resources", filter=_live_resources_q(), distinct=True),
            n_walks=Count("walks", filter=Q(walks__archived_on__isnull=True), distinct=True),
        )
        .prefetch_related(Prefetch("grids", queryset=grids, to_attr="live_grids"))
    )


def grids_of_community_with_counts(community: Community) -> QuerySet[Grid]:
    """All grids of a community, archived ones last, with live resource counts."""
    from django.db.models import F

    return (
        Grid.objects.filter(community=community)
        .annotate(n_resources=Count("resources", filter=_live_resources_q(), distinct=True))
        .order_by(F("archived_on").asc(nulls_first=True), "name", "id")
    )


def walks_for_community(community: Community, *, limit: int = 20) -> QuerySet[Walk]:
    return walks_for_station(community.station_id).filter(community=community)[:limit]


def station_members(station: Station | int):
    """Users with a live membership of the station, for "who walked"."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(memberships__station=station, memberships__ended_on__isnull=True, is_active=True)
        .order_by("first_name", "username")
        .distinct()
    )


def observation_for_photo(name: str) -> Observation | None:
    """The observation whose photo is stored under ``name``, if any."""
    if not name:
        return None
    return Observation.objects.filter(photo=name).only("id", "station_id", "photo").first()


def observation_points(observations) -> list[dict]:
    """Map points of the observations that have coordinates."""
    return [
        {"id": o.pk, "lat": o.latitude, "lon": o.longitude, "title": o.title}
        for o in observations
        if o.latitude is not None and o.longitude is not None
    ]
