from django.urls import path, re_path

from .api import api
from .common import not_found_view

urlpatterns = [
    path("", api.urls),
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"^.*$", not_found_view),
]
