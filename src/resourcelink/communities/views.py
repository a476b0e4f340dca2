"""Communities, grids, community walks and observations. Views are thin:
selectors read, services write and check roles."""

import mimetypes

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resourcelink.accounts.access import can, require_member, require_role
from resourcelink.accounts.models import ADMINS, EDITORS
from resourcelink.accounts.views import form_errors_from
from resourcelink.core.decorators import station_view
from resourcelink.core.history import history_for
from resourcelink.directory.models import ResourceKind

from . import selectors, services
from .forms import CommunityForm, GridForm, ObservationForm, WalkForm


def _roles_context(user, station_id) -> dict:
    """Which buttons to show for a record of ``station_id`` (which may not be
    the station the user is currently working in)."""
    return {"can_edit": can(user, station_id, EDITORS), "is_station_admin": can(user, station_id, ADMINS)}


def _error_message(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# --- Communities and grids ----------------------------------------------------


@station_view
def community_list(request):
    show_archived = request.GET.get("archived") == "1"
    communities = selectors.communities_with_counts(request.station, include_archived=show_archived)
    return render(request, "communities/community_list.html", {
        "communities": communities, "show_archived": show_archived,
    })


@station_view
def community_create(request):
    station = request.station
    require_role(request.user, station, ADMINS)
    form = CommunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_create(actor=request.user, station=station, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The community “%(name)s” was added.") % {"name": community.name})
            return redirect("communities:community_detail", community.pk)
    return render(request, "communities/community_form.html", {"form": form, "community": None})


@station_view
def community_detail(request, pk: int):
    community = selectors.get_community_for_user(request.user, pk)
    return render(request, "communities/community_detail.html", {
        "community": community,
        "grids": selectors.grids_of_community_with_counts(community),
        "walks": selectors.walks_for_community(community),
        "history": history_for(community),
        **_roles_context(request.user, community.station_id),
    })


@station_view
def community_edit(request, pk: int):
    community = selectors.get_community_for_user(request.user, pk, roles=ADMINS)
    initial = {f: getattr(community, f) for f in ("name", "description", "latitude", "longitude")}
    form = CommunityForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.community_update(actor=request.user, community=community, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The community was saved."))
            return redirect("communities:community_detail", community.pk)
    return render(request, "communities/community_form.html", {
        "form": form, "community": community, "history": history_for(community),
    })


@station_view
@require_POST
def community_archive(request, pk: int):
    community = selectors.get_community_for_user(request.user, pk, roles=ADMINS)
    services.community_archive(actor=request.user, community=community)
    messages.success(request, _("The community “%(name)s” was archived.") % {"name": community.name})
    return redirect("communities:community_list")


@station_view
def grid_create(request, community_pk: int):
    community = selectors.get_community_for_user(request.user, community_pk, roles=ADMINS)
    form = GridForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grid = services.grid_create(actor=request.user, community=community, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The grid “%(name)s” was added.") % {"name": grid.name})
            return redirect("communities:community_detail", community.pk)
    return render(request, "communities/grid_form.html", {"form": form, "community": community, "grid": None})


@station_view
def grid_edit(request, pk: int):
    grid = selectors.get_grid_for_user(request.user, pk, roles=ADMINS)
    form = GridForm(request.POST or None, initial={"name": grid.name, "description": grid.description}, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.grid_update(actor=request.user, grid=grid, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The grid was saved."))
            return redirect("communities:community_detail", grid.community_id)
    return render(request, "communities/grid_form.html", {
        "form": form, "community": grid.community, "grid": grid, "history": history_for(grid),
    })


@station_view
@require_POST
def grid_archive(request, pk: int):
    grid = selectors.get_grid_for_user(request.user, pk, roles=ADMINS)
    services.grid_archive(actor=request.user, grid=grid)
    messages.success(request, _("The grid “%(name)s” was archived.") % {"name": grid.name})
    return redirect("communities:community_detail", grid.community_id)


# --- Walks -------------------------------------------------------------------


@station_view
def walk_list(request):
    station = request.station
    walks = selectors.walks_for_station(station)
    communities = selectors.communities_for_station(station)
    community_id = request.GET.get("community") or ""
    if community_id.isdigit():
        walks = walks.filter(community_id=int(community_id))
    page_obj = Paginator(walks, settings.RL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "communities/walk_list.html", {
        "page_obj": page_obj, "walks": page_obj.object_list, "communities": communities,
        "community_id": community_id,
    })


@station_view
def walk_create(request):
    station = request.station
    require_role(request.user, station, EDITORS)
    initial = {"walkers": [request.user.pk]}
    if (request.GET.get("community") or "").isdigit():
        initial["community"] = int(request.GET["community"])
    form = WalkForm(request.POST or None, station=station, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            walk = services.walk_create(
                actor=request.user, station=station, community=data["community"], walkers=data["walkers"],
                walked_on=data["walked_on"], companions=data["companions"], route_notes=data["route_notes"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The walk was saved. Add what you see as observations."))
            return redirect("communities:walk_detail", walk.pk)
    return render(request, "communities/walk_form.html", {"form": form, "walk": None})


@station_view
def walk_detail(request, pk: int):
    walk = selectors.get_walk_for_user(request.user, pk)
    observations = list(selectors.observations_for_walk(walk))
    kinds = dict(ResourceKind.choices)
    for obs in observations:
        obs.kind_label = kinds.get(obs.kind, obs.kind)
    return render(request, "communities/walk_detail.html", {
        "walk": walk,
        "walkers": list(walk.walkers.all()),
        "observations": observations,
        "points": selectors.observation_points(observations),
        "history": history_for(walk),
        "tile_url": settings.RL_TILE_URL,
        "tile_attribution": settings.RL_TILE_ATTRIBUTION,
        **_roles_context(request.user, walk.station_id),
    })


@station_view
def walk_edit(request, pk: int):
    walk = selectors.get_walk_for_user(request.user, pk, roles=EDITORS)
    initial = {
        "community": walk.community_id, "walked_on": walk.walked_on, "companions": walk.companions,
        "route_notes": walk.route_notes, "walkers": [u.pk for u in walk.walkers.all()],
    }
    lock = walk.observations.exists()
    form = WalkForm(request.POST or None, station=walk.station_id, initial=initial, lock_community=lock)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        walkers = data.pop("walkers")
        try:
            services.walk_update(actor=request.user, walk=walk, walkers=walkers, **data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The walk was saved."))
            return redirect("communities:walk_detail", walk.pk)
    return render(request, "communities/walk_form.html", {"form": form, "walk": walk, "history": history_for(walk)})


# --- Observations ------------------------------------------------------------


def _observation_form_context(walk, form, observation=None) -> dict:
    place = walk.community if walk.community.latitude is not None else walk.station
    return {
        "walk": walk, "form": form, "observation": observation,
        "tile_url": settings.RL_TILE_URL, "tile_attribution": settings.RL_TILE_ATTRIBUTION,
        # Where the map opens when there is no point yet.
        "map_centre": [place.latitude, place.longitude],
    }


@station_view
def observation_create(request, walk_pk: int):
    walk = selectors.get_walk_for_user(request.user, walk_pk, roles=EDITORS)
    initial = {}
    for name in ("grid", "category", "kind"):  # kept from the previous one by "save and add another"
        if request.GET.get(name):
            initial[name] = request.GET[name]
    form = ObservationForm(request.POST or None, request.FILES or None, walk=walk, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            observation = services.observation_create(actor=request.user, walk=walk, **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("“%(title)s” was saved.") % {"title": observation.title})
            if request.POST.get("then") == "another":
                keep = {k: v for k in ("grid", "category") if (v := getattr(observation, f"{k}_id"))}
                url = reverse("communities:observation_create", args=[walk.pk])
                return redirect(f"{url}?{urlencode(keep)}" if keep else url)
            return redirect(reverse("communities:walk_detail", args=[walk.pk]) + f"#obs-{observation.pk}")
    return render(request, "communities/observation_form.html", _observation_form_context(walk, form))


@station_view
def observation_edit(request, pk: int):
    observation = selectors.get_observation_for_user(request.user, pk, roles=EDITORS)
    walk = observation.walk
    fields = ("title", "kind", "category", "grid", "notes", "address", "latitude", "longitude", "location_source",
              "photo")
    initial = {f: getattr(observation, f) for f in fields}
    form = ObservationForm(request.POST or None, request.FILES or None, walk=walk, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.observation_update(actor=request.user, observation=observation, **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("“%(title)s” was saved.") % {"title": observation.title})
            return redirect(reverse("communities:walk_detail", args=[walk.pk]) + f"#obs-{observation.pk}")
    context = _observation_form_context(walk, form, observation)
    context["history"] = history_for(observation)
    return render(request, "communities/observation_form.html", context)


@station_view
@require_POST
def observation_archive(request, pk: int):
    observation = selectors.get_observation_for_user(request.user, pk, roles=EDITORS)
    services.observation_archive(actor=request.user, observation=observation)
    if request.htmx:
        return HttpResponse("")  # the row disappears
    messages.success(request, _("“%(title)s” was archived.") % {"title": observation.title})
    return redirect("communities:walk_detail", observation.walk_id)


@station_view
@require_POST
def observation_promote(request, pk: int):
    observation = selectors.get_observation_for_user(request.user, pk, roles=EDITORS)
    try:
        resource = services.observation_promote(actor=request.user, observation=observation)
    except ValidationError as exc:
        _error_message(request, exc)
        return redirect("communities:walk_detail", observation.walk_id)
    messages.success(
        request, _("“%(name)s” is now a resource. Add what the walk could not tell: contact, quantity, hours.")
        % {"name": resource.name},
    )
    return redirect("directory:resource_detail", resource.pk)


def observation_photo_for_path(request, name: str):
    """Serve an observation's photo to members of its station only.

    Called by core.views.protected_media for /media/<name>; returns None when
    no observation has that file, so the caller can try other owners.
    """
    observation = selectors.observation_for_photo(name)
    if observation is None:
        return None
    require_member(request.user, observation.station_id)
    try:
        handle = observation.photo.open("rb")
    except FileNotFoundError:
        raise Http404(_("The photo file is missing.")) from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    # Photos show residents' surroundings: never kept by shared caches.
    response["Cache-Control"] = "private, max-age=3600"
    return response
