"""Pages of the community charity fund: the accounts with their balances by
restriction, an account's ledger, grants to households, transfers, money
received and corrections, and the ledger as an XLSX file.

Thin views: forms parse, selectors read, services write (and check roles:
editors receive, grant and transfer; admins correct). Outsiders get 404,
viewers read only. A household appears by its number, and to editors also
by its masked name; never more.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from resourcelink.accounts.access import can, require_role
from resourcelink.accounts.models import ADMINS, EDITORS
from resourcelink.accounts.views import form_errors_from
from resourcelink.core.decorators import station_view
from resourcelink.core.privacy import mask_name
from resourcelink.interop.spreadsheets import XLSX_CONTENT_TYPE

from . import io, selectors, services
from .forms import CorrectionForm, GrantForm, ReceiveForm, TransferForm


def _restrictions(account) -> dict:
    donation = account.donation
    return {
        "target_tags": list(donation.target_tags.all()) if donation else [],
        "communities": list(donation.communities.all()) if donation else [],
        "categories": list(donation.categories.all()) if donation else [],
        "use_by": donation.use_by if donation else None,
        "note": donation.restriction_note if donation else "",
    }


@station_view
@require_GET
def account_list(request):
    station = request.station
    rows = selectors.balances_by_restriction(station)
    return render(request, "fund/account_list.html", {
        "rows": rows, "totals": selectors.fund_totals(rows), "can_write": can(request.user, station, EDITORS),
    })


@station_view
@require_GET
def account_detail(request, pk: int):
    account = selectors.get_account_for_user(request.user, pk)
    page_obj = Paginator(selectors.fund_ledger_newest_first(account), settings.RL_PAGE_SIZE) \
        .get_page(request.GET.get("page"))
    return render(request, "fund/account_detail.html", {
        "account": account, "restrictions": _restrictions(account), "page_obj": page_obj,
        "can_write": can(request.user, account.station_id, EDITORS),
        "is_admin": can(request.user, account.station_id, ADMINS),
    })


def _form_page(request, account, form, *, title: str, button: str, template: str = "fund/entry_form.html",
               extra: dict | None = None):
    return render(request, template, {
        "account": account, "restrictions": _restrictions(account), "form": form, "title": title,
        "button": button, **(extra or {}),
    })


@station_view
def grant(request, pk: int):
    account = selectors.get_account_for_user(request.user, pk, roles=EDITORS)
    form = GrantForm(request.POST or None, station=account.station, initial={"household": request.GET.get("household")})
    if request.method == "POST" and form.is_valid():
        household, d = form.cleaned_data["household"], form.cleaned_data
        try:
            services.fund_grant(actor=request.user, account=account, household=household, amount=d["amount"],
                                reason=d["reason"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("%(amount)s yuan were granted to household #%(id)s (%(name)s).") % {
                "amount": d["amount"], "id": household.pk, "name": mask_name(household.name)})
            return redirect("fund:account_detail", account.pk)
    return _form_page(request, account, form, title=_("Grant to a household"), button=_("Grant"),
                      template="fund/grant_form.html")


@station_view
@require_GET
def household_lookup(request):
    """The household a number names, by its masked name (htmx partial of
    the grant form), so the worker sees whom they are paying."""
    require_role(request.user, request.station, EDITORS)
    number = request.GET.get("household", "").strip()
    household = selectors.grantable_household(request.station, number) if number else None
    return render(request, "fund/household_lookup.html", {
        "number": number, "household": household,
        "label": mask_name(household.name) if household else "",
    })


@station_view
def transfer(request, pk: int):
    account = selectors.get_account_for_user(request.user, pk, roles=EDITORS)
    accounts = selectors.fund_accounts(account.station)
    form = TransferForm(request.POST or None, account=account, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.fund_transfer(actor=request.user, from_account=account, to_account=d["to_account"],
                                   amount=d["amount"], reason=d["reason"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("%(amount)s yuan were moved to %(account)s.") % {
                "amount": d["amount"], "account": d["to_account"].name})
            return redirect("fund:account_detail", account.pk)
    return _form_page(request, account, form, title=_("Transfer to another account"), button=_("Transfer"))


@station_view
def receive(request, pk: int):
    account = selectors.get_account_for_user(request.user, pk, roles=EDITORS)
    form = ReceiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.fund_receive(actor=request.user, account=account, amount=d["amount"], reason=d["reason"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("%(amount)s yuan were received into %(account)s.") % {
                "amount": d["amount"], "account": account.name})
            return redirect("fund:account_detail", account.pk)
    return _form_page(request, account, form, title=_("Receive other money"), button=_("Receive"))


@station_view
def correct(request, pk: int):
    account = selectors.get_account_for_user(request.user, pk, roles=ADMINS)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.fund_correct(actor=request.user, account=account, amount=d["amount"], reason=d["reason"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The correction of %(amount)s yuan was entered.") % {"amount": d["amount"]})
            return redirect("fund:account_detail", account.pk)
    return _form_page(request, account, form, title=_("Correct the balance"), button=_("Enter the correction"))


@station_view
@require_GET
def ledger_export(request):
    """The ledger of the station (or ``?account=<id>``) as XLSX."""
    station, account = request.station, None
    if request.GET.get("account"):
        # Any member of the account's station may read its ledger.
        account = selectors.get_account_for_user(request.user, request.GET["account"])
        station = account.station
    content = io.fund_ledger_xlsx(station=station, account=account)
    stamp = timezone.localdate().isoformat()
    name = f"fund-ledger-{station.slug}-{account.pk}-{stamp}.xlsx" if account else f"fund-ledger-{station.slug}-{stamp}.xlsx"
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
