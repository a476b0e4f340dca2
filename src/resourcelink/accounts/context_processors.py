from django.conf import settings

from .access import roles_for
from .models import ADMINS, EDITORS, STAFF, Station


def station(request):
    user = getattr(request, "user", None)
    station_ids = list(roles_for(user)) if user and user.is_authenticated else []
    current = getattr(request, "station", None)
    role = getattr(request, "role", None) if current else None
    return {
        "station": current if current else None,
        "role": role,
        "can_edit": role in EDITORS,
        "is_staff_role": role in STAFF,
        "is_station_admin": role in ADMINS,
        # The switcher needs the names only when there is something to switch
        # to; most users have one station, and this runs on every page.
        "my_stations": Station.objects.filter(pk__in=station_ids) if len(station_ids) > 1 else [],
        "LANGUAGES": settings.LANGUAGES,
    }
