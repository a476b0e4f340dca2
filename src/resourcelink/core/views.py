from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from resourcelink.directory.selectors import dashboard_summary


@login_required
def home(request):
    if not request.station:  # a lazy object: test its truth, not identity
        return render(request, "core/no_station.html", status=403)
    return render(request, "core/home.html", {"summary": dashboard_summary(station=request.station)})


@require_GET
def healthz(request):
    """For a load balancer or a monitor: the app answers and the database too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def protected_media(request, name: str):
    """Uploaded files are served only to members of the station that owns
    the record they belong to (observation photos for now)."""
    from resourcelink.communities.views import observation_photo_for_path

    return observation_photo_for_path(request, name) or redirect("core:home")
