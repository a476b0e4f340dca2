"""Pages of the register: households, residents, consent, duplicates and
vulnerability tags.

Every page shows personal data masked; admins and social workers reveal one
field at a time by POST (logged). Scoping: ``get_*_for_user`` (404 for other
stations), roles checked here before showing a form (403) and again in the
services.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from resourcelink.accounts.access import can, require_role
from resourcelink.accounts.models import ADMINS, EDITORS, STAFF
from resourcelink.accounts.views import form_errors_from
from resourcelink.core.decorators import station_view
from resourcelink.core.selectors import reveals_of

from . import selectors, services
from .forms import (
    ConsentForm,
    HouseholdFilterForm,
    HouseholdForm,
    ReasonForm,
    ResidentForm,
    TagForm,
)

# --- Households ----------------------------------------------------------------


@station_view
@require_GET
def household_list(request):
    station = request.station
    show_personal = can(request.user, station, EDITORS)
    form = HouseholdFilterForm(request.GET or None, station=station, vulnerabilities=show_personal)
    page_obj = None
    if not form.is_bound or form.is_valid():
        filters = form.to_filter() if form.is_bound else selectors.HouseholdFilter()
        qs = selectors.households_for_station(station, filters)
        page_obj = Paginator(qs, settings.RL_PAGE_SIZE).get_page(request.GET.get("page"))
    # Viewers see no personal data at all, not even masked (DESIGN.md §6).
    context = {"form": form, "page_obj": page_obj, "can_write": can(request.user, station, STAFF),
               "show_personal": show_personal}
    if request.htmx:
        return render(request, "people/household_rows.html", context)
    return render(request, "people/household_list.html", context)


def _household_context(request, household, *, revealed=None) -> dict:
    staff = can(request.user, household.station_id, STAFF)
    return {
        "household": household,
        "residents": selectors.residents_of(household),
        "revealed": revealed or {},
        "can_reveal": staff,
        "can_write": staff and household.archived_on is None,
        "show_personal": can(request.user, household.station_id, EDITORS),
        "reveals": reveals_of(household) if can(request.user, household.station_id, ADMINS) else None,
        "history": selectors.masked_history(household, user=request.user),
        "archive_form": ReasonForm(),
    }


@login_required
@require_GET
def household_detail(request, pk: int):
    household = selectors.get_household_for_user(request.user, pk)
    return render(request, "people/household_detail.html", _household_context(request, household))


@station_view
def household_create(request):
    station = request.station
    require_role(request.user, station, STAFF)
    form = HouseholdForm(request.POST or None, station=station)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(actor=request.user, station=station, **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The household was added."))
            return redirect("people:household_detail", household.pk)
    return render(request, "people/household_form.html", {"form": form, "household": None})


@login_required
def household_edit(request, pk: int):
    household = selectors.get_household_for_user(request.user, pk, roles=STAFF)
    form = HouseholdForm(request.POST or None, station=household.station_id, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(actor=request.user, household=household,
                                      reason=form.cleaned_data.get("reason", ""), **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The household was saved."))
            return redirect("people:household_detail", household.pk)
    return render(request, "people/household_form.html", {"form": form, "household": household})


@login_required
@require_POST
def household_archive(request, pk: int):
    household = selectors.get_household_for_user(request.user, pk, roles=STAFF)
    try:
        services.household_archive(actor=request.user, household=household,
                                   reason=request.POST.get("reason", "")[:1000])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The household and its residents were archived."))
    return redirect("people:household_detail", household.pk)


@login_required
@require_POST
def household_reveal(request, pk: int, field: str):
    household = selectors.get_household_for_user(request.user, pk)
    if field not in services.HOUSEHOLD_REVEALABLE:
        raise Http404
    value = services.household_reveal(actor=request.user, household=household, field=field)
    if request.htmx:
        return render(request, "people/_revealed.html", {"value": value})
    return render(request, "people/household_detail.html",
                  _household_context(request, household, revealed={field: value}))


# --- Residents -------------------------------------------------------------------


def _resident_context(request, resident, *, revealed=None) -> dict:
    staff = can(request.user, resident.station_id, STAFF)
    return {
        "resident": resident,
        "household": resident.household,
        "tags": list(resident.tags.all()),
        "consents": selectors.consents_of(resident),
        "revealed": revealed or {},
        "can_reveal": staff,
        "can_write": staff and resident.archived_on is None,
        "show_personal": can(request.user, resident.station_id, EDITORS),
        "show_notes": staff,
        "reveals": reveals_of(resident) if can(request.user, resident.station_id, ADMINS) else None,
        "history": selectors.masked_history(resident, user=request.user),
    }


@login_required
@require_GET
def resident_detail(request, pk: int):
    resident = selectors.get_resident_for_user(request.user, pk)
    return render(request, "people/resident_detail.html", _resident_context(request, resident))


@login_required
def resident_create(request, household_pk: int):
    household = selectors.get_household_for_user(request.user, household_pk, roles=STAFF)
    form = ResidentForm(request.POST or None, station=household.station_id)
    candidates = None
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_create(actor=request.user, household=household,
                                     **form.service_kwargs(household.station_id))
        except services.LikelyDuplicate as exc:
            candidates = [{"resident": r, "reason": r_reason} for r, r_reason in exc.candidates]
            form.add_error(None, exc.messages)
        except services.DuplicateIdNumber as exc:
            form_errors_from(form, exc)
            candidates = [{"resident": exc.existing, "reason": "id_number"}]
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The resident was added."))
            return redirect("people:household_detail", household.pk)
    return render(request, "people/resident_form.html", {
        "form": form, "household": household, "resident": None, "candidates": _describe(candidates),
    })


def _describe(candidates):
    if not candidates:
        return None
    from .models import DuplicateReason

    labels = dict(DuplicateReason.choices)
    return [{**c, "label": labels.get(c["reason"], c["reason"])} for c in candidates]


@login_required
def resident_edit(request, pk: int):
    resident = selectors.get_resident_for_user(request.user, pk, roles=STAFF)
    form = ResidentForm(request.POST or None, station=resident.station_id, resident=resident)
    candidates = None
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_update(actor=request.user, resident=resident,
                                     **form.service_kwargs(resident.station_id))
        except services.DuplicateIdNumber as exc:
            form_errors_from(form, exc)
            candidates = [{"resident": exc.existing, "reason": "id_number"}]
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The resident was saved."))
            return redirect("people:resident_detail", resident.pk)
    return render(request, "people/resident_form.html", {
        "form": form, "household": resident.household, "resident": resident, "candidates": _describe(candidates),
    })


@login_required
@require_POST
def resident_archive(request, pk: int):
    resident = selectors.get_resident_for_user(request.user, pk, roles=STAFF)
    try:
        services.resident_archive(actor=request.user, resident=resident, reason=request.POST.get("reason", "")[:1000])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The resident was archived."))
    return redirect("people:resident_detail", resident.pk)


@login_required
@require_POST
def resident_reveal(request, pk: int, field: str):
    resident = selectors.get_resident_for_user(request.user, pk)
    if field not in services.RESIDENT_REVEALABLE:
        raise Http404
    value = services.resident_reveal(actor=request.user, resident=resident, field=field)
    if request.htmx:
        return render(request, "people/_revealed.html", {"value": value, "tel": field == "phone"})
    return render(request, "people/resident_detail.html",
                  _resident_context(request, resident, revealed={field: value}))


# --- Consent ----------------------------------------------------------------------


@login_required
def consent_create(request, resident_pk: int):
    resident = selectors.get_resident_for_user(request.user, resident_pk, roles=STAFF)
    form = ConsentForm(request.POST or None, station=resident.station_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(actor=request.user, resident=resident, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The consent was recorded."))
            return redirect("people:resident_detail", resident.pk)
    return render(request, "people/consent_form.html", {"form": form, "resident": resident})


@login_required
@require_POST
def consent_withdraw(request, pk: int):
    consent = selectors.get_consent_for_user(request.user, pk, roles=STAFF)
    try:
        services.consent_withdraw(actor=request.user, consent=consent, reason=request.POST.get("reason", "")[:300])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The consent was withdrawn."))
    return redirect("people:resident_detail", consent.resident_id)


# --- Duplicates --------------------------------------------------------------------


@station_view
@require_GET
def duplicate_list(request):
    station = request.station
    require_role(request.user, station, STAFF)
    page_obj = Paginator(selectors.duplicates_open(station), settings.RL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/duplicate_list.html", {"page_obj": page_obj})


@login_required
@require_POST
def duplicate_merge(request, pk: int):
    candidate = selectors.get_duplicate_for_user(request.user, pk, roles=STAFF)
    keep, other = candidate.resident, candidate.duplicate
    if request.POST.get("keep") == str(other.pk):
        keep, other = other, keep
    try:
        kept = services.resident_merge(actor=request.user, keep=keep, other=other,
                                       reason=request.POST.get("reason", "")[:1000])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("people:duplicate_list")
    messages.success(request, _("The residents were merged."))
    return redirect("people:resident_detail", kept.pk)


@login_required
@require_POST
def duplicate_dismiss(request, pk: int):
    candidate = selectors.get_duplicate_for_user(request.user, pk, roles=STAFF)
    try:
        services.duplicate_dismiss(actor=request.user, candidate=candidate,
                                   reason=request.POST.get("reason", "")[:1000])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Marked as different people."))
    return redirect("people:duplicate_list")


# --- Vulnerability tags (admins) ----------------------------------------------------


@station_view
@require_GET
def tag_list(request):
    station = request.station
    require_role(request.user, station, ADMINS)
    tags = selectors.tags_for_station(station, include_archived=True)
    return render(request, "people/tag_list.html", {"tags": tags})


@station_view
def tag_create(request):
    station = request.station
    require_role(request.user, station, ADMINS)
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.vulnerability_tag_create(actor=request.user, station=station, **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The vulnerability was added."))
            return redirect("people:tag_list")
    return render(request, "people/tag_form.html", {"form": form, "tag": None})


@login_required
def tag_edit(request, pk: int):
    tag = selectors.get_tag_for_user(request.user, pk, roles=ADMINS)
    form = TagForm(request.POST or None, instance=tag, edit=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.vulnerability_tag_update(actor=request.user, tag=tag, reason=form.cleaned_data.get("reason", ""),
                                              **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The vulnerability was saved."))
            return redirect("people:tag_list")
    return render(request, "people/tag_form.html", {"form": form, "tag": tag})


@login_required
@require_POST
def tag_archive(request, pk: int):
    tag = selectors.get_tag_for_user(request.user, pk, roles=ADMINS)
    services.vulnerability_tag_archive(actor=request.user, tag=tag, reason=request.POST.get("reason", "")[:1000])
    messages.success(request, _("The vulnerability was archived."))
    return redirect(reverse("people:tag_list"))
