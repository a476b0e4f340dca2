from django.conf import settings

from .access import roles_for
from .models import ADMINS, EDITORS, STAFF, Station


def station(request):
    user = getattr(request, "user", None)
    current = getattr(request, "station", None)
    role = getattr(request, "role", None) if current else None
    return {
        "station": current if current else None,
        "role": role,
        "can_edit": role in EDITORS,
        "is_staff_role": role in STAFF,
        "is_station_admin": role in ADMINS,
        "my_stations": (
            Station.objects.filter(pk__in=list(roles_for(user))) if user and user.is_authenticated else []
        ),
        "LANGUAGES": settings.LANGUAGES,
    }
