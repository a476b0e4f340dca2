"""Web pages of the resource directory: the resource list, map and detail,
resource forms, and the HSDS organisation pages.

Views are thin: they parse input with the forms in forms.py, read through
selectors.py and write through services.py. Station scoping comes from
``request.station`` and the ``get_*_for_user`` helpers (404 for outsiders);
roles are enforced by the services (403 for viewers), and checked here first
so that a viewer never sees a form they cannot submit.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from resourcelink.accounts.access import can, get_scoped_object, require_role
from resourcelink.accounts.models import ADMINS, EDITORS, STAFF
from resourcelink.accounts.views import form_errors_from
from resourcelink.communities.models import Observation
from resourcelink.core.decorators import station_view
from resourcelink.core.history import history_for
from resourcelink.core.selectors import reveals_of
from resourcelink.core.services import reveal_field

from . import selectors, services
from .forms import (
    ContactForm,
    LocationForm,
    OrganizationForm,
    OrganizationSearchForm,
    ResourceForm,
    ResourceStatusForm,
    ServiceForm,
    grid_choices,
    resource_filter_from_request,
)
from .models import (
    KIND_COLOURS,
    Contact,
    Location,
    Organization,
    ResourceKind,
    ResourceStatus,
    Service,
)


def _kinds():
    return [{"kind": k.value, "label": k.label, "colour": KIND_COLOURS[k]} for k in ResourceKind]


# --- Resources ---------------------------------------------------------------


@station_view
@require_GET
def resource_list(request):
    station = request.station
    form, filters = resource_filter_from_request(request, station)
    page_obj = None
    rows = []
    if filters is not None:
        qs = selectors.resources_search(station=station, filters=filters)
        page_obj = Paginator(qs, settings.RL_PAGE_SIZE).get_page(request.GET.get("page"))
        # One reverse() for the page, not one per row: rows are the hot path.
        detail_url = reverse("directory:resource_detail", args=[0]).replace("/0/", "/{}/")
        rows = [
            {"resource": r, "url": detail_url.format(r.pk), "colour": KIND_COLOURS.get(r.kind, "#808080"),
             "distance": selectors.distance_km(r), "age": selectors.verified_age_days(r)}
            for r in page_obj.object_list
        ]
    context = {
        "form": form, "filters": filters, "page_obj": page_obj, "rows": rows, "kinds": _kinds(),
        "stale_days": settings.RL_STALE_DAYS,
    }
    if request.htmx:
        return render(request, "directory/resource_rows.html", context)
    return render(request, "directory/resource_list.html", context)


@login_required
def resource_detail(request, pk: int):
    resource = selectors.get_resource_for_user(request.user, pk)
    return render(request, "directory/resource_detail.html", _detail_context(request, resource))


@login_required
@require_POST
def resource_reveal_phone(request, pk: int):
    """Show the full contact phone to an admin or social worker, logged as a
    Reveal (htmx swaps it into the page; without htmx the page is shown again
    with the number)."""
    resource = selectors.get_resource_for_user(request.user, pk)
    phone = reveal_field(actor=request.user, obj=resource, field="contact_phone")
    if request.htmx:
        return render(request, "directory/_phone_revealed.html", {"phone": phone})
    return render(request, "directory/resource_detail.html", _detail_context(request, resource, phone=phone))


def _detail_context(request, resource, *, phone: str | None = None) -> dict:
    observation = (
        Observation.objects.filter(resource=resource).select_related("walk", "walk__community").first()
    )
    is_admin = can(request.user, resource.station_id, ADMINS)
    return {
        "resource": resource,
        "categories": list(resource.categories.all()),
        "colour": KIND_COLOURS.get(resource.kind, "#808080"),
        # Masked for everyone until a staff member asks (and the showing is logged).
        "phone": phone,
        "can_reveal": can(request.user, resource.station_id, STAFF),
        "reveals": reveals_of(resource) if is_admin else None,
        "observation": observation,
        "history": history_for(resource),
        "can_edit_this": can(request.user, resource.station_id, EDITORS),
        "status_form": ResourceStatusForm(initial={"status": resource.status}),
        "statuses": ResourceStatus.choices,
        "age": selectors.verified_age_days(resource),
        "stale_days": settings.RL_STALE_DAYS,
        **_tiles(),
    }


def _tiles() -> dict:
    return {"tile_url": settings.RL_TILE_URL, "tile_attribution": settings.RL_TILE_ATTRIBUTION}


@station_view
def resource_create(request):
    station = request.station
    require_role(request.user, station, EDITORS)
    form = ResourceForm(request.POST or None, station=station)
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.resource_create(
                actor=request.user, station=station, categories=form.cleaned_data["categories"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The resource was added."))
            return redirect("directory:resource_detail", resource.pk)
    return render(request, "directory/resource_form.html", {
        "form": form, "resource": None, "station": station, **_tiles(),
    })


@login_required
def resource_edit(request, pk: int):
    resource = selectors.get_resource_for_user(request.user, pk, roles=EDITORS)
    title = resource.name
    form = ResourceForm(request.POST or None, instance=resource, station=resource.station, edit=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_update(
                actor=request.user, resource=resource, categories=form.cleaned_data["categories"],
                reason=form.cleaned_data.get("reason", ""), **form.service_fields(),
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The resource was saved."))
            return redirect("directory:resource_detail", resource.pk)
    return render(request, "directory/resource_form.html", {
        "form": form, "resource": resource, "title": title, "station": resource.station, **_tiles(),
    })


@login_required
@require_POST
def resource_verify(request, pk: int):
    resource = selectors.get_resource_for_user(request.user, pk, roles=EDITORS)
    services.resource_verify(actor=request.user, resource=resource, note=request.POST.get("note", "")[:1000])
    messages.success(request, _("Marked as verified today."))
    return redirect("directory:resource_detail", resource.pk)


@login_required
@require_POST
def resource_status(request, pk: int):
    resource = selectors.get_resource_for_user(request.user, pk, roles=EDITORS)
    form = ResourceStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
        return redirect("directory:resource_detail", resource.pk)
    try:
        services.resource_set_status(
            actor=request.user, resource=resource, status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The status was changed."))
    return redirect("directory:resource_detail", resource.pk)


# --- Map -----------------------------------------------------------------------


@station_view
@require_GET
def resource_map(request):
    station = request.station
    form, filters = resource_filter_from_request(request, station)
    context = {"form": form, "filters": filters, "kinds": _kinds(), **_tiles()}
    if filters is not None:
        by_grid = selectors.counts_by_grid_and_kind(station=station, filters=filters)
        context["by_grid"] = by_grid
        context["by_category"] = selectors.counts_by_category_and_flags(station=station, filters=filters)
        for kind, total in zip(context["kinds"], by_grid["totals"], strict=True):
            kind["count"] = total
    return render(request, "directory/map.html", context)


@login_required
@require_GET
def map_data(request):
    """Map points as JSON. A constant handful of queries whatever the number
    of resources: the filter form's choices, then map_points (one or two)."""
    station = request.station
    if not station:
        return JsonResponse({"errors": {"__all__": [_("You are not a member of any station.")]}}, status=403)
    form, filters = resource_filter_from_request(request, station)
    if filters is None:
        errors = {field: [e["message"] for e in errs] for field, errs in form.errors.get_json_data().items()}
        return JsonResponse({"errors": errors}, status=400)
    return JsonResponse(selectors.map_points(station=station, filters=filters))


@station_view
@require_GET
def grid_options(request):
    """The grid box's options for the chosen community (htmx swaps them in
    when the community filter changes)."""
    community_id = str(request.GET.get("community") or "")
    pairs = grid_choices(request.station, int(community_id)) if community_id.isdigit() else []
    return render(request, "directory/grid_options.html", {"grids": pairs})


# --- Organisations (HSDS) ---------------------------------------------------------


@station_view
@require_GET
def organization_list(request):
    station = request.station
    form = OrganizationSearchForm(request.GET)
    qs = Organization.objects.filter(station=station, archived_on__isnull=True)
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"].strip()
        qs = qs.filter(Q(name__icontains=q) | Q(alternate_name__icontains=q))
    page_obj = Paginator(qs.order_by("name", "id"), settings.RL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "directory/organization_list.html", {"form": form, "page_obj": page_obj})


def _get_organization(request, pk, roles=None) -> Organization:
    return selectors.get_organization_for_user(request.user, pk, roles=roles)


@login_required
def organization_detail(request, pk: int):
    organization = _get_organization(request, pk)
    show_phone = can(request.user, organization.station_id, STAFF)
    contacts = list(organization.contacts.filter(archived_on__isnull=True).select_related("service"))
    for contact in contacts:
        contact.shown_phone = contact.phone if show_phone else contact.masked_phone
    resources = organization.resources.exclude(status=ResourceStatus.ARCHIVED).order_by("name", "id")
    return render(request, "directory/organization_detail.html", {
        "organization": organization,
        "services": organization.services.filter(archived_on__isnull=True).prefetch_related(
            "categories", "locations"),
        "locations": organization.locations.filter(archived_on__isnull=True),
        "contacts": contacts,
        "resources": resources[:100],
        "resource_count": resources.count(),
        "history": history_for(organization),
        "can_edit_this": can(request.user, organization.station_id, EDITORS),
    })


@station_view
def organization_create(request):
    station = request.station
    require_role(request.user, station, EDITORS)
    form = OrganizationForm(request.POST or None, station=station)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(actor=request.user, station=station,
                                                        **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The organisation was added."))
            return redirect("directory:organization_detail", organization.pk)
    return render(request, "directory/organization_form.html", {"form": form, "organization": None})


@login_required
def organization_edit(request, pk: int):
    organization = _get_organization(request, pk, roles=EDITORS)
    title = organization.name
    form = OrganizationForm(request.POST or None, instance=organization, station=organization.station_id, edit=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(actor=request.user, organization=organization,
                                         reason=form.cleaned_data.get("reason", ""), **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The organisation was saved."))
            return redirect("directory:organization_detail", organization.pk)
    return render(request, "directory/organization_form.html",
                  {"form": form, "organization": organization, "title": title})


@login_required
@require_POST
def organization_archive(request, pk: int):
    organization = _get_organization(request, pk, roles=EDITORS)
    services.organization_archive(actor=request.user, organization=organization,
                                  reason=request.POST.get("reason", "")[:1000])
    messages.success(request, _("The organisation was archived."))
    return redirect("directory:organization_list")


# --- Services, locations and contacts of an organisation --------------------------

_PARTS = {"service": (Service, ServiceForm), "location": (Location, LocationForm), "contact": (Contact, ContactForm)}


def _part_create(request, org_pk: int, part: str):
    organization = _get_organization(request, org_pk, roles=EDITORS)
    form_class = _PARTS[part][1]
    form = form_class(request.POST or None, station=organization.station_id, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            _create_part(request, organization, part, form)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("directory:organization_detail", organization.pk)
    return render(request, "directory/part_form.html", {
        "form": form, "organization": organization, "part": part, "obj": None, **_tiles(),
    })


def _create_part(request, organization, part, form):
    common = {"actor": request.user, "station": organization.station}
    if part == "service":
        return services.service_create(
            **common, organization=organization, categories=form.cleaned_data["categories"],
            locations=list(form.cleaned_data.get("locations") or []), **form.service_fields())
    if part == "location":
        return services.location_create(**common, organization=organization, **form.service_fields())
    return services.contact_create(**common, organization=organization, **form.service_fields())


def _part_edit(request, pk: int, part: str):
    model, form_class = _PARTS[part]
    queryset = model.objects.select_related("organization")
    obj = get_scoped_object(request.user, queryset, pk, roles=EDITORS)
    organization = obj.organization
    title = str(obj)
    form = form_class(request.POST or None, instance=obj, station=obj.station_id, organization=organization,
                      edit=True)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data.get("reason", "")
        try:
            if part == "service":
                services.service_update(
                    actor=request.user, service=obj, categories=form.cleaned_data["categories"],
                    locations=list(form.cleaned_data.get("locations") or []), reason=reason,
                    **form.service_fields())
            elif part == "location":
                services.location_update(actor=request.user, location=obj, reason=reason, **form.service_fields())
            else:
                services.contact_update(actor=request.user, contact=obj, reason=reason, **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Saved."))
            if organization is not None:
                return redirect("directory:organization_detail", organization.pk)
            return redirect("directory:organization_list")
    return render(request, "directory/part_form.html", {
        "form": form, "organization": organization, "part": part, "obj": obj, "title": title,
        "history": history_for(obj), **_tiles(),
    })


@login_required
def service_create(request, org_pk: int):
    return _part_create(request, org_pk, "service")


@login_required
def service_edit(request, pk: int):
    return _part_edit(request, pk, "service")


@login_required
def location_create(request, org_pk: int):
    return _part_create(request, org_pk, "location")


@login_required
def location_edit(request, pk: int):
    return _part_edit(request, pk, "location")


@login_required
def contact_create(request, org_pk: int):
    return _part_create(request, org_pk, "contact")


@login_required
def contact_edit(request, pk: int):
    return _part_edit(request, pk, "contact")
