"""Who belongs to which station with which role.

Every station-scoped read and write asks these helpers. The roles of a user
are read once per request and cached on the user object.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .models import Membership, Role, Station

_CACHE_ATTR = "_rl_roles"


def roles_for(user) -> dict[int, str]:
    """``{station_id: role}`` for the user's live memberships."""
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = dict(
            Membership.objects.filter(user=user, ended_on__isnull=True, station__archived_on__isnull=True).values_list(
                "station_id", "role"
            )
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def role_at(user, station: Station | int) -> str | None:
    station_id = station if isinstance(station, int) else station.pk
    return roles_for(user).get(station_id)


def station_ids_for(user) -> list[int]:
    return list(roles_for(user))


def stations_for(user) -> QuerySet[Station]:
    return Station.objects.filter(pk__in=station_ids_for(user))


def require_member(user, station: Station | int) -> str:
    """The user's role at the station; 404 for an outsider, so that a record's
    existence is not revealed to people of other stations."""
    role = role_at(user, station)
    if role is None:
        raise Http404(_("No such record."))
    return role


def require_role(user, station: Station | int, roles) -> str:
    """Raise PermissionDenied unless the user holds one of ``roles`` there."""
    role = require_member(user, station)
    if role not in roles:
        labels = ", ".join(str(Role(r).label) for r in sorted(roles))
        raise PermissionDenied(_("This needs one of these roles: %(roles)s.") % {"roles": labels})
    return role


def require_role_when(check: bool, user, station: Station | int, roles) -> None:
    """``require_role`` unless ``check`` is False: services take
    ``check=False`` from callers that have checked already or act for the
    system (imports, the demo, other services)."""
    if check:
        require_role(user, station, roles)


def can(user, station: Station | int | None, roles) -> bool:
    if station is None:
        return False
    return role_at(user, station) in roles


def get_station_for_user(user, pk) -> Station:
    try:
        station = Station.objects.get(pk=pk, archived_on__isnull=True)
    except (Station.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such station.")) from None
    require_member(user, station)
    return station


def get_scoped_object(user, queryset: QuerySet, pk, *, roles=None):
    """Fetch one station-owned row for a user, 404 if it belongs elsewhere.

    The one access helper behind every ``get_<model>_for_user``: the station
    filter is part of the query, so another station's row is never loaded.
    """
    try:
        obj = queryset.filter(station_id__in=station_ids_for(user)).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such record.")) from None
    if roles is not None:
        require_role(user, obj.station_id, roles)
    return obj
