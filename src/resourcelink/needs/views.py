"""Pages of needs and links: the need list, forms, the need page with its
links and status moves, follow-ups, the dashboard and a household's needs.

Thin views: forms parse, selectors read, services write. Outsiders get 404
(`get_scoped_object`), viewers 403 on every write. Households and residents
appear only by masked name.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from resourcelink.accounts.access import can, get_scoped_object, require_role
from resourcelink.accounts.models import ADMINS, EDITORS
from resourcelink.accounts.views import form_errors_from
from resourcelink.core.decorators import station_view
from resourcelink.core.privacy import mask_name
from resourcelink.directory.models import Resource

from . import selectors, services
from .forms import (
    LinkCreateForm,
    LinkTransitionForm,
    LinkUpdateForm,
    NeedForm,
    NeedTransitionForm,
    need_filter_from_request,
    urgency_choices_with_definitions,
)
from .models import LINK_TRANSITIONS, LinkStatus, NeedStatus, Urgency

URGENCY_CLASSES = {Urgency.CRITICAL: "danger", Urgency.HIGH: "warn", Urgency.NORMAL: "", Urgency.LOW: "ok"}


def _age_days(when, now) -> int:
    return max(0, (now - when).days) if when else 0


def _household_label(household, personal: bool) -> str:
    """The household's masked name; viewers see no personal data at all, only its number."""
    if personal:
        return mask_name(household.name)
    return _("Household #%(id)s") % {"id": household.pk}


def _need_rows(needs, now, *, personal: bool) -> list[dict]:
    detail_url = reverse("needs:need_detail", args=[0]).replace("/0/", "/{}/")
    return [{"need": n, "url": detail_url.format(n.pk), "household": _household_label(n.household, personal),
             "age": _age_days(n.created_on, now), "urgency_class": URGENCY_CLASSES.get(n.urgency, "")}
            for n in needs]


def _get_household(user, pk, *, roles=None):
    from resourcelink.people.models import Household

    return get_scoped_object(user, Household.objects.all(), pk, roles=roles)


# --- Lists ---------------------------------------------------------------------


@station_view
@require_GET
def need_list(request):
    station = request.station
    form, filters = need_filter_from_request(request, station)
    page_obj, rows = None, []
    if filters is not None:
        page_obj = selectors.needs_page(station, filters, request.GET.get("page"), per_page=settings.RL_PAGE_SIZE)
        rows = _need_rows(page_obj.object_list, timezone.now(), personal=can(request.user, station, EDITORS))
    tabs = [
        ("", _("All open")), ("urgency=critical", _("Critical")), ("due=today", _("Due today")),
        ("due=overdue", _("Overdue")), ("mine=on", _("Mine")),
    ]
    current = request.GET.urlencode()
    context = {"form": form, "filters": filters, "page_obj": page_obj, "rows": rows,
               "tabs": [{"query": q, "label": label, "active": q == current} for q, label in tabs]}
    if request.htmx:
        return render(request, "needs/need_rows.html", context)
    return render(request, "needs/need_list.html", context)


@station_view
@require_GET
def follow_ups(request):
    station = request.station
    today = timezone.localdate()
    qs = selectors.follow_ups_due(station, today)
    page_obj = Paginator(qs, settings.RL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "needs/follow_ups.html", {"page_obj": page_obj, "today": today})


@station_view
@require_GET
def dashboard(request):
    data = selectors.needs_dashboard(request.station)
    top = max([r["total"] for r in data["by_urgency"]] + [1])
    for row in data["by_urgency"]:
        row["percent"] = round(100 * row["total"] / top)
        row["css"] = URGENCY_CLASSES.get(row["urgency"], "")
    age_top = max(data["age_totals"] + [1])
    age_labels = [_("under 1 day"), _("1–3 days"), _("3–7 days"), _("7–30 days"), _("over 30 days")]
    data["ages"] = [{"label": label, "count": n, "percent": round(100 * n / age_top)}
                    for label, n in zip(age_labels, data["age_totals"], strict=True)]
    data["age_labels"] = age_labels
    for key in ("time_to_link_median", "time_to_link_p90"):
        value = data[key]
        data[f"{key}_hours"] = None if value is None else value.total_seconds() / 3600
    data["met_72h_percent"] = None if data["met_72h_share"] is None else 100 * data["met_72h_share"]
    return render(request, "needs/dashboard.html", {"d": data})


@login_required
@require_GET
def household_needs(request, pk: int):
    """A household's needs, as a partial for the household page."""
    household = _get_household(request.user, pk)
    needs = selectors.needs_of_household(household)
    return render(request, "needs/household_needs.html", {
        "household": household, "rows": _need_rows_plain(needs),
        "can_edit_this": can(request.user, household.station_id, EDITORS),
    })


def _need_rows_plain(needs) -> list[dict]:
    now = timezone.now()
    detail_url = reverse("needs:need_detail", args=[0]).replace("/0/", "/{}/")
    return [{"need": n, "url": detail_url.format(n.pk), "age": _age_days(n.created_on, now),
             "urgency_class": URGENCY_CLASSES.get(n.urgency, "")} for n in needs]


# --- One need ------------------------------------------------------------------


@station_view
def need_create(request):
    household_pk = request.GET.get("household") or request.POST.get("household")
    household = _get_household(request.user, household_pk, roles=EDITORS)
    station = request.station
    if household.station_id != station.pk:
        station = household.station
    form = NeedForm(request.POST or None, station=station, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_create(
                actor=request.user, household=household, category=form.cleaned_data["category"],
                resident=form.cleaned_data["resident"], **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The need was recorded."))
            return redirect("needs:need_detail", need.pk)
    return render(request, "needs/need_form.html", {
        "form": form, "need": None, "household": household, "household_label": mask_name(household.name)})


@login_required
def need_edit(request, pk: int):
    need = selectors.need_detail(request.user, pk)
    require_role(request.user, need.station_id, EDITORS)
    form = NeedForm(request.POST or None, instance=need, station=need.station, household=need.household, edit=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_update(actor=request.user, need=need, reason=form.cleaned_data.get("reason", ""),
                                 category=form.cleaned_data["category"], resident=form.cleaned_data["resident"],
                                 **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The need was saved."))
            return redirect("needs:need_detail", need.pk)
    return render(request, "needs/need_form.html", {
        "form": form, "need": need, "household": need.household, "household_label": mask_name(need.household.name)})


@login_required
@require_GET
def need_detail(request, pk: int):
    need = selectors.need_detail(request.user, pk)
    return render(request, "needs/need_detail.html", _detail_context(request, need))


def _detail_context(request, need, *, link_form=None) -> dict:
    links = selectors.links_of_need(need)
    can_edit = can(request.user, need.station_id, EDITORS)
    for link in links:
        link.allowed = [(s, LinkStatus(s).label) for s in sorted(LINK_TRANSITIONS.get(link.status, ()))]
        link.update_form = LinkUpdateForm(initial={"follow_up_on": link.follow_up_on, "outcome": link.outcome,
                                                   "feedback": link.feedback}, prefix=f"l{link.pk}")
    committed = selectors.committed_by_need(need_ids=[need.pk]).get(need.pk, 0)
    resources = selectors.linkable_resources(need) if can_edit and services.need_accepts_links(need) else []
    # Viewers see no personal data and no free text about the resident (the
    # role at the need's station, not at the session's current station).
    personal = can_edit
    return {
        "need": need,
        "household_label": _household_label(need.household, personal),
        "resident_label": mask_name(need.resident.name) if need.resident_id and personal else "",
        "can_see_free_text": personal,
        "allowed": [(s, NeedStatus(s).label) for s in services.need_manual_targets(need.status)],
        "transition_form": NeedTransitionForm(),
        "changes": _labelled(selectors.status_changes_of_need(need)),
        "links": links,
        "committed": committed,
        "lacking": max(0, need.quantity - committed),
        "can_edit_this": can_edit,
        "is_admin": can(request.user, need.station_id, ADMINS),
        "link_form": link_form or LinkCreateForm(initial={"quantity": max(1, need.quantity - committed)}),
        "resources": resources,
        "urgency_definitions": urgency_choices_with_definitions(),
        "urgency_class": URGENCY_CLASSES.get(need.urgency, ""),
    }


def _labelled(changes):
    for change in changes:
        change.from_label = services.status_label(change.from_status) if change.from_status else ""
        change.to_label = services.status_label(change.to_status)
    return changes


@login_required
@require_POST
def need_transition(request, pk: int):
    need = selectors.need_detail(request.user, pk)
    require_role(request.user, need.station_id, EDITORS)
    form = NeedTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
        return redirect("needs:need_detail", need.pk)
    try:
        services.need_transition(actor=request.user, need=need, to_status=form.cleaned_data["to_status"],
                                 reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The status was changed."))
    return redirect("needs:need_detail", need.pk)


# --- Links ---------------------------------------------------------------------


@login_required
@require_POST
def link_create(request, pk: int):
    """Link a need to a resource (the need page's form and the suggestion
    rows post here). Back to the need page with a message either way."""
    need = selectors.need_detail(request.user, pk)
    require_role(request.user, need.station_id, EDITORS)
    form = LinkCreateForm(request.POST)
    if not form.is_valid():
        errors = [f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}".lstrip(": ")
                  for f, e in form.errors.items()]
        messages.error(request, _("The link was not made: %(errors)s") % {"errors": " ".join(errors)})
        return redirect("needs:need_detail", need.pk)
    d = form.cleaned_data
    resource = Resource.objects.filter(pk=d["resource"], station_id=need.station_id).first()
    if resource is None:
        messages.error(request, _("The link was not made: choose one of this station's resources."))
        return redirect("needs:need_detail", need.pk)
    try:
        services.link_create(actor=request.user, need=need, resource=resource, quantity=d["quantity"],
                             follow_up_on=d["follow_up_on"], consent_override_reason=d["consent_override_reason"])
    except ValidationError as exc:
        messages.error(request, _("The link was not made: %(errors)s") % {"errors": " ".join(exc.messages)})
    else:
        messages.success(request, _("The need was linked to “%(name)s”.") % {"name": resource.name})
    return redirect("needs:need_detail", need.pk)


@login_required
@require_POST
def link_transition(request, pk: int):
    link = selectors.get_link_for_user(request.user, pk, roles=EDITORS)
    form = LinkTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
        return redirect("needs:need_detail", link.need_id)
    d = form.cleaned_data
    try:
        services.link_transition(actor=request.user, link=link, to_status=d["to_status"], reason=d["reason"],
                                 outcome=d["outcome"], feedback=d["feedback"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The link's status was changed."))
    return redirect("needs:need_detail", link.need_id)


@login_required
@require_POST
def link_update(request, pk: int):
    link = selectors.get_link_for_user(request.user, pk, roles=EDITORS)
    # The need page prefixes each link's form; other callers may not.
    prefix = f"l{link.pk}" if any(k.startswith(f"l{link.pk}-") for k in request.POST) else None
    form = LinkUpdateForm(request.POST, prefix=prefix)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("needs:need_detail", link.need_id)
    # Only the fields the POST carries change: a form without notes keeps them.
    d = {name: value for name, value in form.cleaned_data.items() if form.add_prefix(name) in request.POST}
    services.link_update(actor=request.user, link=link, follow_up_on=d.get("follow_up_on"),
                         outcome=d.get("outcome"), feedback=d.get("feedback"),
                         clear_follow_up="follow_up_on" in d and d["follow_up_on"] is None)
    messages.success(request, _("The follow-up notes were saved."))
    return redirect("needs:need_detail", link.need_id)
