"""Writes for communities, grids, community walks and their observations."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resourcelink.accounts.access import require_role
from resourcelink.accounts.models import ADMINS, EDITORS, Station
from resourcelink.core.services import check_same_station, save_with_history

from .models import Community, Grid, LocationSource, Observation, Walk


def _raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def community_create(*, actor, station: Station, name: str, code: str, check: bool = True, **fields) -> Community:
    if check:
        require_role(actor, station, ADMINS)
    if Community.objects.filter(station=station, code=code).exists():
        raise ValidationError({"code": _("Another community already has this code.")})
    community = Community(station=station, name=name.strip(), code=code.strip(), **fields)
    return save_with_history(community, actor=actor)


@transaction.atomic
def community_update(*, actor, community: Community, reason: str = "", **fields) -> Community:
    require_role(actor, community.station_id, ADMINS)
    for name, value in fields.items():
        setattr(community, name, value)
    return save_with_history(community, actor=actor, reason=reason)


@transaction.atomic
def community_archive(*, actor, community: Community, reason: str = "") -> Community:
    require_role(actor, community.station_id, ADMINS)
    if community.archived_on is None:
        community.archived_on = timezone.now()
        save_with_history(community, actor=actor, reason=reason or _("Archived"), clean=False)
    return community


@transaction.atomic
def grid_create(*, actor, community: Community, name: str, code: str, check: bool = True, **fields) -> Grid:
    if check:
        require_role(actor, community.station_id, ADMINS)
    if Grid.objects.filter(community=community, code=code).exists():
        raise ValidationError({"code": _("Another grid of this community already has this code.")})
    grid = Grid(station_id=community.station_id, community=community, name=name.strip(), code=code.strip(), **fields)
    return save_with_history(grid, actor=actor)


@transaction.atomic
def grid_update(*, actor, grid: Grid, reason: str = "", **fields) -> Grid:
    require_role(actor, grid.station_id, ADMINS)
    for name, value in fields.items():
        setattr(grid, name, value)
    return save_with_history(grid, actor=actor, reason=reason)


@transaction.atomic
def grid_archive(*, actor, grid: Grid, reason: str = "") -> Grid:
    require_role(actor, grid.station_id, ADMINS)
    if grid.archived_on is None:
        grid.archived_on = timezone.now()
        save_with_history(grid, actor=actor, reason=reason or _("Archived"), clean=False)
    return grid


@transaction.atomic
def walk_create(*, actor, station: Station, community: Community, walkers=(), **fields) -> Walk:
    require_role(actor, station, EDITORS)
    errors: dict = {}
    check_same_station(station.pk, errors, community=community)
    _raise_if(errors)
    walk = save_with_history(Walk(station=station, community=community, **fields), actor=actor)
    walkers = list(walkers) or ([actor] if getattr(actor, "is_authenticated", False) else [])
    walk.walkers.set(walkers)
    return walk


@transaction.atomic
def walk_update(*, actor, walk: Walk, walkers=None, reason: str = "", **fields) -> Walk:
    require_role(actor, walk.station_id, EDITORS)
    errors: dict = {}
    check_same_station(walk.station_id, errors, community=fields.get("community"))
    _raise_if(errors)
    for name, value in fields.items():
        setattr(walk, name, value)
    save_with_history(walk, actor=actor, reason=reason)
    if walkers is not None:
        walk.walkers.set(walkers)
    return walk


def _validate_observation(obs: Observation, *, kept_category_id: int | None = None) -> None:
    errors: dict = {}
    check_same_station(obs.station_id, errors, category=obs.category, grid=obs.grid)
    if obs.grid_id and obs.grid.community_id != obs.walk.community_id:
        errors.setdefault("grid", []).append(_("This grid is not in the walk's community."))
    if (obs.latitude is None) != (obs.longitude is None):
        errors.setdefault("latitude", []).append(_("Give both latitude and longitude, or neither."))
    if obs.latitude is None and not obs.address.strip():
        errors.setdefault("address", []).append(
            _("Say where it is: use the phone's location, click the map or write an address.")
        )
    if obs.latitude is None:
        obs.location_source = LocationSource.ADDRESS
    # A retired category an observation already had may stay; it may not be chosen anew.
    if obs.category_id and obs.category.is_retired and obs.category_id != kept_category_id:
        errors.setdefault("category", []).append(_("This category is retired."))
    _raise_if(errors)


@transaction.atomic
def observation_create(*, actor, walk: Walk, **fields) -> Observation:
    require_role(actor, walk.station_id, EDITORS)
    obs = Observation(station_id=walk.station_id, walk=walk, **fields)
    _validate_observation(obs)
    return save_with_history(obs, actor=actor)


@transaction.atomic
def observation_update(*, actor, observation: Observation, reason: str = "", **fields) -> Observation:
    require_role(actor, observation.station_id, EDITORS)
    kept_category_id = Observation.objects.filter(pk=observation.pk).values_list("category_id", flat=True).first()
    for name, value in fields.items():
        setattr(observation, name, value)
    _validate_observation(observation, kept_category_id=kept_category_id)
    return save_with_history(observation, actor=actor, reason=reason)


@transaction.atomic
def observation_archive(*, actor, observation: Observation, reason: str = "") -> Observation:
    require_role(actor, observation.station_id, EDITORS)
    if observation.archived_on is None:
        observation.archived_on = timezone.now()
        save_with_history(observation, actor=actor, reason=reason or _("Archived"), clean=False)
    return observation


@transaction.atomic
def observation_promote(*, actor, observation: Observation, **overrides):
    """Turn an observation into a draft-free, active resource in one step.

    The resource takes the observation's name, kind, category, place and
    notes (any of which ``overrides`` may change), its source is "community
    walk" dated the walk's day, and it counts as verified that day: someone
    stood in front of it. Promoting twice is refused.
    """
    from resourcelink.directory.models import ResourceKind, ResourceSource
    from resourcelink.directory.services import resource_create

    require_role(actor, observation.station_id, EDITORS)
    # Lock only the observation row: PostgreSQL refuses FOR UPDATE on the
    # nullable side of the outer joins to category and grid.
    observation = (
        Observation.objects.select_for_update(of=("self",))
        .select_related("walk", "category", "grid")
        .get(pk=observation.pk)
    )
    if observation.resource_id:
        raise ValidationError(_("This observation is already a resource."))
    if observation.archived_on:
        raise ValidationError(_("This observation is archived."))
    categories = overrides.pop("categories", None)
    if categories is None:
        categories = [observation.category] if observation.category_id else []
    fields = {
        "name": observation.title,
        "description": observation.notes,
        "kind": observation.kind or ResourceKind.INFORMATION,
        "community": observation.walk.community,
        "grid": observation.grid,
        "address": observation.address,
        "latitude": observation.latitude,
        "longitude": observation.longitude,
        "source": ResourceSource.WALK,
        "source_date": observation.walk.walked_on,
        "last_verified_on": observation.observed_at.date() if observation.observed_at else observation.walk.walked_on,
    }
    fields.update(overrides)
    resource = resource_create(
        actor=actor, station=observation.walk.station, categories=categories,
        reason=_("Promoted from a community walk observation"), **fields,
    )
    observation.resource = resource
    save_with_history(observation, actor=actor, reason=_("Promoted to a resource"), clean=False)
    return resource
