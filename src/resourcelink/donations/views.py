"""Pages of donors and donations: donor list and forms, the donation list,
receiving a donation (in kind or cash, lines typed in or read from a
spreadsheet), the donation page, its printable acknowledgement, and the
donations still owed feedback.

Thin views: forms parse, selectors read, services write. Outsiders get 404
(``get_scoped_object``), viewers 403 on every write. A donor's contact
details are personal data: only editors (who may write them) see them.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from resourcelink.accounts.access import can, require_role
from resourcelink.accounts.models import EDITORS
from resourcelink.accounts.views import form_errors_from
from resourcelink.core.decorators import station_view
from resourcelink.core.history import history_for
from resourcelink.interop.spreadsheets import XLSX_CONTENT_TYPE

from . import io, selectors, services
from .forms import (
    DonationFilterForm,
    DonorFilterForm,
    DonorForm,
    FeedbackForm,
    LineFormSet,
    LinesUploadForm,
    ReceiveForm,
)
from .models import Donor

# A donor's contact details: shown to editors only, hidden in history too.
CONTACT_FIELDS = {"contact_name", "phone", "email", "address", "notes"}


def optional_url(name: str, *args) -> str:
    """The URL of a page another part of the app may not have yet (the lot
    page, the donor report), or "" so the template leaves the link out."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _donor_history(donor, *, personal: bool) -> list:
    entries = history_for(donor)
    if not personal:
        for entry in entries:
            for change in entry.changes:
                if change.field in CONTACT_FIELDS:
                    change.old = change.new = _("(hidden)")
    return entries


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


# --- Donors --------------------------------------------------------------------------


@station_view
@require_GET
def donor_list(request):
    station = request.station
    form = DonorFilterForm(request.GET or None)
    filters = form.to_filter() if form.is_bound and form.is_valid() else selectors.DonorFilter()
    page_obj = Paginator(selectors.donors_for_station(station, filters), settings.RL_PAGE_SIZE) \
        .get_page(request.GET.get("page"))
    return render(request, "donations/donor_list.html", {
        "form": form, "page_obj": page_obj, "can_write": can(request.user, station, EDITORS),
    })


@station_view
def donor_create(request):
    station = request.station
    require_role(request.user, station, EDITORS)
    form = DonorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            donor = services.donor_create(actor=request.user, station=station, **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The donor “%(name)s” was added.") % {"name": donor.name})
            return redirect("donations:donor_detail", donor.pk)
    return render(request, "donations/donor_form.html", {"form": form, "donor": None})


@station_view
@require_GET
def donor_detail(request, pk: int):
    donor = selectors.get_donor_for_user(request.user, pk)
    can_write = can(request.user, donor.station_id, EDITORS)
    giving = selectors.donor_history(donor)
    for donation in giving["donations"]:
        donation.display_number = services.donation_number(donation)
    return render(request, "donations/donor_detail.html", {
        "donor": donor, "giving": giving, "can_write": can_write,
        "personal": can_write, "history": _donor_history(donor, personal=can_write),
    })


@station_view
def donor_edit(request, pk: int):
    donor = selectors.get_donor_for_user(request.user, pk, roles=EDITORS)
    form = DonorForm(request.POST or None, donor=donor)
    if request.method == "POST" and form.is_valid():
        try:
            services.donor_update(actor=request.user, donor=donor, reason=form.cleaned_data.get("reason", ""),
                                  **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The donor was saved."))
            return redirect("donations:donor_detail", donor.pk)
    return render(request, "donations/donor_form.html", {
        "form": form, "donor": donor, "history": _donor_history(donor, personal=True)})


@station_view
@require_POST
def donor_archive(request, pk: int):
    donor = selectors.get_donor_for_user(request.user, pk, roles=EDITORS)
    services.donor_archive(actor=request.user, donor=donor, reason=request.POST.get("reason", "")[:300])
    messages.success(request, _("The donor “%(name)s” was archived. Their donations are kept.")
                     % {"name": donor.name})
    return redirect("donations:donor_detail", donor.pk)


# --- Donations -----------------------------------------------------------------------


@station_view
@require_GET
def donation_list(request):
    station = request.station
    form = DonationFilterForm(request.GET or None, station=station)
    valid = not form.is_bound or form.is_valid()
    page_obj = None
    if valid:
        filters = form.to_filter() if form.is_bound else selectors.DonationFilter()
        page_obj = Paginator(selectors.donations_for_station(station, filters), settings.RL_PAGE_SIZE) \
            .get_page(request.GET.get("page"))
        for donation in page_obj.object_list:
            donation.display_number = services.donation_number(donation)
    context = {"form": form, "valid": valid, "page_obj": page_obj, "can_write": can(request.user, station, EDITORS)}
    if request.htmx:
        return render(request, "donations/donation_rows.html", context)
    return render(request, "donations/donation_list.html", context)


def _initial_from(form_class, data, **kwargs) -> dict:
    """A posted form's values as ``initial`` of a new, unbound form: the
    page is shown again (a line added, a file read) without error messages
    for fields the user has not finished yet."""
    probe = form_class(**kwargs)
    initial = {}
    for name, field in probe.fields.items():
        if name in data:
            initial[name] = data.getlist(name) if hasattr(field, "choices") and getattr(
                field.widget, "allow_multiple_selected", False) else data.get(name)
    return initial


def _posted_lines(data, station) -> list[dict]:
    """The lines as posted, as formset ``initial`` (removed ones left out)."""
    formset = LineFormSet(data, station=station, prefix="lines")
    rows = []
    for form in formset.forms:
        if formset.can_delete and form.add_prefix("DELETE") in data:
            continue
        row = {name: data.get(form.add_prefix(name), "") for name in form.fields if name != "DELETE"}
        if any(row.values()):
            rows.append(row)
    return rows


@station_view
def donation_receive(request):
    """Receive a donation. Buttons besides "save": ``add_line`` (one more
    empty line, for browsers without script) and ``read_file`` (the lines
    from a spreadsheet, see ``io``); both show the form again, nothing is
    written."""
    station = request.station
    require_role(request.user, station, EDITORS)
    upload_form = LinesUploadForm()
    file_result = None
    if request.method == "POST" and ("add_line" in request.POST or "read_file" in request.POST):
        form = ReceiveForm(station=station, initial=_initial_from(ReceiveForm, request.POST, station=station))
        lines = _posted_lines(request.POST, station)
        if "read_file" in request.POST:
            upload_form = LinesUploadForm(request.POST, request.FILES)
            upload = request.FILES.get("lines_file")
            if upload is None:
                upload_form.add_error("lines_file", _("Choose a file to read."))
            else:
                file_result = io.read_lines(station=station, data=upload.read(), filename=upload.name)
                if file_result.ok:
                    lines = [{"item": line.item.pk, "quantity": line.quantity, "expires_on": line.expires_on,
                              "estimated_value": line.estimated_value} for line in file_result.lines]
                    form.initial["kind"] = "in_kind"
                    messages.success(request, _("%(n)s lines were read from the file. Check them and save.")
                                     % {"n": len(lines)})
        formset = LineFormSet(station=station, prefix="lines", initial=lines)
        formset.extra = 1 if ("add_line" in request.POST or not lines) else 0
        return _receive_page(request, form, formset, upload_form, file_result)

    initial = {"received_on": timezone.localdate(), "donor": request.GET.get("donor")}
    form = ReceiveForm(request.POST or None, station=station, initial=initial)
    formset = LineFormSet(request.POST or None, station=station, prefix="lines")
    if request.method == "POST":
        form_ok, lines_ok = form.is_valid(), formset.is_valid()
        in_kind = form.cleaned_data.get("kind") == "in_kind" if form_ok else True
        if form_ok and (lines_ok or not in_kind):
            donation = _receive(request, form, formset if in_kind else None)
            if donation is not None:
                messages.success(request, _("Donation %(number)s was received.")
                                 % {"number": services.donation_number(donation)})
                return redirect("donations:donation_detail", donation.pk)
    return _receive_page(request, form, formset, upload_form, file_result)


class _Refused(Exception):
    """The new donor was refused; its errors are on the form already."""


NEW_DONOR_FIELDS = {"name": "new_donor_name", "kind": "new_donor_kind", "phone": "new_donor_phone",
                    "may_be_named": "new_donor_may_be_named"}


def _receive(request, form, formset):
    """Add the new donor (if any) and receive the donation in one
    transaction: a refused donation leaves no new donor behind. The kind
    decides which part of the form counts: the lines and the store for
    goods, the amount for money."""
    station, d = request.station, form.cleaned_data
    in_kind = d["kind"] == "in_kind"
    try:
        with transaction.atomic():
            donor_fields = form.new_donor_fields()
            if donor_fields is not None:
                try:
                    donor = services.donor_create(actor=request.user, station=station, **donor_fields)
                except ValidationError as exc:
                    for field, errors in getattr(exc, "error_dict", {None: exc.error_list}).items():
                        form.add_error(NEW_DONOR_FIELDS.get(field), errors)
                    raise _Refused from None
            else:
                donor = Donor.objects.filter(station=station, pk=d["donor"]).first()
            return services.donation_receive(
                actor=request.user, station=station, donor=donor, kind=d["kind"], received_on=d["received_on"],
                lines=formset.line_specs() if in_kind else (),
                store=_store(station, d.get("store")) if in_kind else None,
                amount=None if in_kind else d.get("amount"),
                target_tags=_records(station, "people.VulnerabilityTag", d.get("target_tags")),
                categories=_records(station, "taxonomy.Category", d.get("categories")),
                communities=_records(station, "communities.Community", d.get("communities")),
                use_by=d.get("use_by"), restriction_note=d.get("restriction_note") or "",
                description=d.get("description") or "")
    except ValidationError as exc:
        form_errors_from(form, exc)
    except _Refused:
        pass
    return None


def _store(station, pk):
    from resourcelink.inventory.models import Store

    return Store.objects.filter(station=station, pk=pk).first() if pk else None


def _records(station, label: str, ids) -> list:
    from django.apps import apps

    if not ids:
        return []
    return list(apps.get_model(label).objects.filter(station=station, pk__in=ids))


def _receive_page(request, form, formset, upload_form, file_result):
    return render(request, "donations/donation_receive.html", {
        "form": form, "formset": formset, "upload_form": upload_form, "file_result": file_result,
    })


@station_view
@require_GET
def lines_template(request):
    require_role(request.user, request.station, EDITORS)
    lang = io.active_lang()
    response = HttpResponse(io.lines_template(station=request.station, lang=lang), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="donation-lines-{lang}.xlsx"'
    return response


@station_view
@require_GET
def donation_detail(request, pk: int):
    donation = selectors.get_donation_for_user(request.user, pk)
    detail = selectors.donation_detail(donation)
    for line in detail["lines"]:
        line.lot_list = list(line.lots.all())
        for lot in line.lot_list:
            lot.url = optional_url("inventory:lot_detail", lot.pk)
    can_write = can(request.user, donation.station_id, EDITORS)
    account = detail["account"]
    return render(request, "donations/donation_detail.html", {
        **detail,
        "can_write": can_write,
        "report_url": optional_url("publicity:donor_report", donation.report_token),
        "account_url": optional_url("fund:account_detail", account.pk) if account else "",
        "feedback_form": FeedbackForm(),
    })


@station_view
@require_GET
def acknowledgement(request, pk: int):
    donation = selectors.get_donation_for_user(request.user, pk)
    return render(request, "donations/acknowledgement.html", {
        "donation": donation, "ack": selectors.acknowledgement(donation),
    })


@station_view
@require_POST
def feedback_record(request, pk: int):
    donation = selectors.get_donation_for_user(request.user, pk, roles=EDITORS)
    fallback = reverse("donations:donation_detail", args=[donation.pk])
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Feedback not recorded: %(errors)s")
                       % {"errors": " ".join(e for errs in form.errors.values() for e in errs)})
        return redirect(_next_or(request, fallback))
    try:
        services.donation_feedback_record(actor=request.user, donation=donation, sent_on=form.cleaned_data["sent_on"])
    except ValidationError as exc:
        messages.error(request, _("Feedback not recorded: %(errors)s") % {"errors": " ".join(exc.messages)})
    else:
        messages.success(request, _("Feedback to the donor of %(number)s was recorded as sent on %(date)s.") % {
            "number": services.donation_number(donation), "date": form.cleaned_data["sent_on"].isoformat()})
    return redirect(_next_or(request, fallback))


@station_view
@require_GET
def awaiting_feedback(request):
    station = request.station
    page_obj = Paginator(selectors.donations_awaiting_feedback(station), settings.RL_PAGE_SIZE) \
        .get_page(request.GET.get("page"))
    today = timezone.localdate()
    for donation in page_obj.object_list:
        donation.display_number = services.donation_number(donation)
        donation.waiting_days = max(0, (today - donation.received_on).days)
    return render(request, "donations/awaiting_feedback.html", {
        "page_obj": page_obj, "can_write": can(request.user, station, EDITORS), "feedback_form": FeedbackForm(),
    })
