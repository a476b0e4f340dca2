from django.utils.functional import SimpleLazyObject

from .access import roles_for
from .models import Station

SESSION_KEY = "rl_station_id"


def _current_station(request) -> Station | None:
    roles = roles_for(request.user)
    if not roles:
        return None
    station_id = request.session.get(SESSION_KEY)
    if station_id not in roles:
        station_id = min(roles)
    return Station.objects.filter(pk=station_id).first()


class CurrentStationMiddleware:
    """Puts the station the user is working in on ``request.station`` and their
    role there on ``request.role`` (None for anonymous users or users with no
    live membership). The choice is kept in the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.station = SimpleLazyObject(lambda: _current_station(request))
        request.role = SimpleLazyObject(
            lambda: roles_for(request.user).get(request.station.pk) if request.station else None
        )
        return self.get_response(request)
