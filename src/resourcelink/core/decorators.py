from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def station_view(view):
    """Signed-in users working in a station only; a user of no station sees
    why they can do nothing (403), rather than an error."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.station:  # a lazy object: "is None" would never be true
            return render(request, "core/no_station.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
