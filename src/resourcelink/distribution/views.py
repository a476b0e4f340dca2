"""Pages of distribution plans: the plan list, a draft's setup (sources,
priority tiers, allowances), generation and the plan page with its lines,
approval and the status moves, printable sign-off sheets with a QR code per
line, hand-overs (one line, in bulk, and by a volunteer's phone through a
hand-over pass), closing with the surplus decisions, and the XLSX list.

Thin views: forms parse, selectors read, services write and check roles
again. Outsiders get 404 (``get_scoped_object``), viewers 403 on every
write and read households by number only; everyone else sees them by
masked name, and phones masked (sheets only).

The volunteer's flow needs no account: ``pass_start`` keeps the pass's
secret in the session (one per plan) and ``handover_scan`` accepts it for
lines of that plan only, or a signed-in editor of the plan's station.
"""

from collections import OrderedDict
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from resourcelink.accounts.access import (
    can,
    get_scoped_object,
    require_role,
    role_at,
    station_ids_for,
)
from resourcelink.accounts.models import ADMINS, EDITORS
from resourcelink.accounts.views import form_errors_from
from resourcelink.core.decorators import station_view
from resourcelink.core.history import history_for
from resourcelink.core.privacy import mask_name, mask_phone
from resourcelink.people.models import Household, Relation

from . import io, selectors, services
from .forms import (
    SURPLUS_FORMS,
    AllowanceForm,
    BulkHandoverForm,
    FundSourceForm,
    HandoverForm,
    LineEditForm,
    LotSourceForm,
    PassForm,
    PlanFilterForm,
    PlanForm,
    ReasonForm,
    TierForm,
    lot_label,
    restriction_words,
)
from .models import (
    Allowance,
    HandoverPass,
    LineStatus,
    PlanSource,
    PlanStatus,
    PlanTier,
    SurplusKind,
)
from .qr import qr_svg

PASSES_SESSION_KEY = "rl_handover_passes"  # {plan id: secret}
STATUS_CLASSES = {PlanStatus.DRAFT: "", PlanStatus.APPROVED: "ok", PlanStatus.IN_PROGRESS: "warn",
                  PlanStatus.CLOSED: "", PlanStatus.CANCELLED: "danger"}
LINE_CLASSES = {LineStatus.PLANNED: "", LineStatus.HANDED_OVER: "ok", LineStatus.NOT_COLLECTED: "warn",
                LineStatus.REMOVED: "danger"}


# --- Helpers ---------------------------------------------------------------------------------


def _plan(request, pk, roles=None):
    return selectors.get_plan_for_user(request.user, pk, roles=roles)


def _plan_child(request, queryset, pk, roles=None):
    """A source, tier or allowance of a plan of the user's stations (404
    otherwise), with ``roles`` required at the plan's station."""
    try:
        obj = queryset.select_related("plan").filter(plan__station_id__in=station_ids_for(request.user)).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such record.")) from None
    if roles is not None:
        require_role(request.user, obj.plan.station_id, roles)
    return obj


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _money(amount) -> str:
    return "¥" + formats.number_format(amount or Decimal("0"), 2, force_grouping=True)


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return fallback


def household_label(household, personal: bool) -> str:
    """The household's masked name; viewers see its number only."""
    if personal:
        return mask_name(household.name)
    return _("Household #%(id)s") % {"id": household.pk}


def line_items(line) -> list[str]:
    """What the line gives, one entry per item (portions of several lots
    added up) and one for money."""
    items: OrderedDict = OrderedDict()
    money = Decimal("0")
    for portion in line.portions.all():
        if portion.lot_id:
            item = portion.lot.item
            key = item.pk
            name, unit, quantity = items.get(key, (item.name, item.unit, 0))
            items[key] = (name, unit, quantity + portion.quantity)
        else:
            money += portion.amount or 0
    texts = [f"{name} × {quantity} {unit}".rstrip() for name, unit, quantity in items.values()]
    if money:
        texts.append(_money(money))
    return texts


def line_why(line, *, personal: bool) -> list[str]:
    """Why the line is there: its tier and the group it qualified by (or
    that the household was chosen), the persons counted, the lots it draws
    on (sooner-expiring first) and, for editors, why it was changed."""
    why = [_("tier %(n)s") % {"n": line.tier}]
    if line.group_id:
        why.append(_("group: %(group)s") % {"group": line.group.name})
    else:
        why.append(_("chosen household"))
    if line.persons > 1:
        why.append(_("%(n)s persons") % {"n": line.persons})
    for portion in line.portions.all():
        if portion.lot_id and portion.lot.expires_on:
            why.append(_("from lot #%(lot)s, which expires %(date)s (sooner-expiring lots go first)") % {
                "lot": portion.lot_id, "date": portion.lot.expires_on.isoformat()})
        elif portion.lot_id:
            why.append(_("from lot #%(lot)s") % {"lot": portion.lot_id})
        else:
            why.append(_("money from %(account)s") % {"account": portion.fund_account.name})
    if personal and line.edit_reason:
        why.append(_("changed by hand: %(reason)s") % {"reason": line.edit_reason})
    return why


def household_phone(line) -> str:
    """The masked phone of the line's household: its head's, or else the
    first live resident's with one (``sheet_rows`` prefetches them)."""
    residents = [r for r in getattr(line.household, "live_residents", []) if r.phone]
    heads = [r for r in residents if r.relation == Relation.HEAD]
    chosen = (heads or residents or [None])[0]
    return mask_phone(chosen.phone) if chosen else ""


def _line_rows(lines, *, personal: bool) -> list[dict]:
    return [{"line": line, "recipient": household_label(line.household, personal), "items": line_items(line),
             "why": line_why(line, personal=personal), "status_class": LINE_CLASSES.get(line.status, "")}
            for line in lines]


def _grid_param(value):
    """``?grid=``: a grid id, "none" for lines with no grid, or absent."""
    if value == "none":
        return None, True
    if value and str(value).isdigit():
        return int(value), True
    return None, False


# --- List and plan forms -------------------------------------------------------------------


@station_view
@require_GET
def plan_list(request):
    station = request.station
    form = PlanFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    plans = selectors.plans_for_station(station, status=status or None)
    page_obj = Paginator(plans, settings.RL_PAGE_SIZE).get_page(request.GET.get("page"))
    for plan in page_obj.object_list:
        plan.status_class = STATUS_CLASSES.get(plan.status, "")
    context = {"form": form, "page_obj": page_obj, "can_write": can(request.user, station, EDITORS)}
    if request.htmx:
        return render(request, "distribution/plan_rows.html", context)
    return render(request, "distribution/plan_list.html", context)


@station_view
def plan_create(request):
    station = request.station
    require_role(request.user, station, EDITORS)
    form = PlanForm(request.POST or None, station=station)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, station=station, **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The plan was created. Now choose its sources, groups and allowances."))
            return redirect("distribution:plan_edit", plan.pk)
    return render(request, "distribution/plan_form.html", {"form": form, "plan": None})


def _setup_context(request, plan, **forms) -> dict:
    """The draft's setup: its sources, tiers and allowances with a form for each."""
    station = plan.station
    sources = list(PlanSource.objects.filter(plan=plan).select_related(
        "lot__item", "lot__store", "lot__donation_line__donation", "fund_account__donation").prefetch_related(
        "lot__donation_line__donation__target_tags", "lot__donation_line__donation__communities",
        "lot__donation_line__donation__categories", "fund_account__donation__target_tags",
        "fund_account__donation__communities", "fund_account__donation__categories"))
    for source in sources:
        if source.lot_id:
            source.label = lot_label(source.lot)
        else:
            words = restriction_words(source.fund_account.donation) or _("no restriction")
            source.label = f"{source.fund_account.name} · {_money(source.fund_account.available)} · {words}"
    tiers = list(PlanTier.objects.filter(plan=plan).prefetch_related("tags", "households").order_by("rank"))
    for tier in tiers:
        tier.household_labels = [household_label(h, True) + f" (#{h.pk})" for h in tier.households.all()]
    next_rank = (tiers[-1].rank + 1) if tiers else 1
    allowances = list(Allowance.objects.filter(plan=plan).select_related("item", "tag"))
    return {
        "plan": plan, "sources": sources, "tiers": tiers, "allowances": allowances,
        "lot_form": forms.get("lot_form") or LotSourceForm(station=station),
        "fund_form": forms.get("fund_form") or FundSourceForm(station=station),
        "tier_form": forms.get("tier_form") or TierForm(station=station, initial={"rank": next_rank}),
        "chosen": forms.get("chosen", []),
        "allowance_form": forms.get("allowance_form") or AllowanceForm(station=station),
    }


def _require_draft(request, plan):
    if not plan.is_draft:
        messages.error(request, _("Only a draft plan can be changed; this one is %(status)s.")
                       % {"status": plan.get_status_display()})
        return redirect("distribution:plan_detail", plan.pk)
    return None


@login_required
def plan_edit(request, pk: int):
    plan = _plan(request, pk, roles=EDITORS)
    refused = _require_draft(request, plan)
    if refused:
        return refused
    initial = {"name": plan.name, "distribute_on": plan.distribute_on, "description": plan.description,
               "communities": list(plan.communities.all()), "whole_allowances": plan.whole_allowances}
    form = PlanForm(request.POST or None, station=plan.station, edit=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(actor=request.user, plan=plan, reason=form.cleaned_data.get("reason", ""),
                                 **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The plan was saved."))
            return redirect("distribution:plan_edit", plan.pk)
    return render(request, "distribution/plan_edit.html", {"form": form, **_setup_context(request, plan)})


def _section(request, plan, template: str, anchor: str, **forms):
    """After a setup change: the section alone for htmx, else the whole
    setup page (with the bound form and its errors) or a redirect."""
    context = _setup_context(request, plan, **forms)
    if request.htmx:
        return render(request, template, context)
    if forms:  # a form with errors: show it in place
        form = PlanForm(station=plan.station, edit=True, initial={
            "name": plan.name, "distribute_on": plan.distribute_on, "description": plan.description,
            "communities": list(plan.communities.all()), "whole_allowances": plan.whole_allowances})
        return render(request, "distribution/plan_edit.html", {"form": form, **context})
    return redirect(reverse("distribution:plan_edit", args=[plan.pk]) + anchor)


@login_required
@require_POST
def source_add(request, pk: int):
    plan = _plan(request, pk, roles=EDITORS)
    station = plan.station
    if request.POST.get("kind") == "fund":
        form, key = FundSourceForm(request.POST, station=station), "fund_form"
    else:
        form, key = LotSourceForm(request.POST, station=station), "lot_form"
    if form.is_valid():
        try:
            services.plan_source_set(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The source was saved."))
            return _section(request, plan, "distribution/source_rows.html", "#sources")
    return _section(request, plan, "distribution/source_rows.html", "#sources", **{key: form})


@login_required
@require_POST
def source_remove(request, pk: int):
    source = _plan_child(request, PlanSource.objects.all(), pk, roles=EDITORS)
    plan = source.plan
    try:
        services.plan_source_remove(actor=request.user, source=source)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("The source was removed from the plan."))
    return _section(request, plan, "distribution/source_rows.html", "#sources")


@login_required
@require_POST
def tier_set(request, pk: int):
    plan = _plan(request, pk, roles=EDITORS)
    form = TierForm(request.POST, station=plan.station)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.plan_tier_set(actor=request.user, plan=plan, rank=d["rank"], tags=list(d["tags"]),
                                   households=d["households"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Tier %(n)s was saved.") % {"n": d["rank"]})
            return _section(request, plan, "distribution/tier_rows.html", "#tiers")
    chosen = list(Household.objects.filter(station=plan.station, pk__in=[
        v for v in request.POST.getlist("households") if str(v).isdigit()]))
    return _section(request, plan, "distribution/tier_rows.html", "#tiers", tier_form=form,
                    chosen=[{"pk": h.pk, "label": household_label(h, True)} for h in chosen])


@login_required
@require_POST
def tier_remove(request, pk: int):
    tier = _plan_child(request, PlanTier.objects.all(), pk, roles=EDITORS)
    try:
        services.plan_tier_remove(actor=request.user, tier=tier)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Tier %(n)s was removed.") % {"n": tier.rank})
    return _section(request, tier.plan, "distribution/tier_rows.html", "#tiers")


HOUSEHOLD_RESULTS = 20


@login_required
@require_GET
def household_search(request, pk: int):
    """Households to choose for a tier, by number (#12) or by masked name
    ("张" or "张*"): a typed full name matches nothing, so the search
    reveals no more than the list shows."""
    plan = _plan(request, pk, roles=EDITORS)
    q = (request.GET.get("q") or "").strip()
    live = Household.objects.filter(station=plan.station, archived_on__isnull=True)
    ticked = [int(v) for v in request.GET.getlist("households") if str(v).isdigit()]
    chosen = [{"pk": h.pk, "label": household_label(h, True)} for h in live.filter(pk__in=ticked).order_by("id")]
    rows = []
    if q:
        number = q.lstrip("#")
        if number.isdigit():
            found = list(live.filter(pk=int(number)))
        else:
            typed = q.replace("*", "").strip()
            found = [h for h in live.filter(name__istartswith=typed[:1]).order_by("id")[:500]
                     if typed and mask_name(h.name).replace("*", "").lower().startswith(typed.lower())]
        rows = [{"pk": h.pk, "label": household_label(h, True)} for h in found
                if h.pk not in set(ticked)][:HOUSEHOLD_RESULTS]
    return render(request, "distribution/household_rows.html", {"plan": plan, "rows": rows, "q": q,
                                                                "chosen": chosen})


@login_required
@require_POST
def allowance_add(request, pk: int):
    plan = _plan(request, pk, roles=EDITORS)
    form = AllowanceForm(request.POST, station=plan.station)
    if form.is_valid():
        try:
            services.plan_allowance_add(actor=request.user, plan=plan, **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The allowance was added."))
            return _section(request, plan, "distribution/allowance_rows.html", "#allowances")
    return _section(request, plan, "distribution/allowance_rows.html", "#allowances", allowance_form=form)


@login_required
@require_POST
def allowance_remove(request, pk: int):
    allowance = _plan_child(request, Allowance.objects.all(), pk, roles=EDITORS)
    try:
        services.plan_allowance_remove(actor=request.user, allowance=allowance)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("The allowance was removed."))
    return _section(request, allowance.plan, "distribution/allowance_rows.html", "#allowances")


# --- The plan page and its status moves ------------------------------------------------------


@login_required
@require_GET
def plan_detail(request, pk: int):
    plan = _plan(request, pk)
    personal = can(request.user, plan.station_id, EDITORS)
    grid_id, grid_given = _grid_param(request.GET.get("grid"))
    status = request.GET.get("status") if request.GET.get("status") in LineStatus.values else None
    page_obj = selectors.plan_lines(plan, grid=("none" if grid_id is None else grid_id) if grid_given else None,
                                    status=status, page=request.GET.get("page") or 1,
                                    per_page=settings.RL_PAGE_SIZE)
    context = {
        "plan": plan, "page_obj": page_obj, "rows": _line_rows(page_obj.object_list, personal=personal),
        "grid_value": request.GET.get("grid", "") if grid_given else "", "status_value": status or "",
        "line_statuses": LineStatus.choices, "personal": personal,
        "can_write": personal, "is_admin": can(request.user, plan.station_id, ADMINS),
    }
    if request.htmx:
        return render(request, "distribution/line_rows.html", context)
    summary = selectors.plan_summary(plan)
    context.update({
        "summary": summary,
        "summary_lines": [{"label": LineStatus(s).label, "count": n} for s, n in summary["lines"].items() if n],
        "allowance_figures": [_allowance_figure(row) for row in summary["allowances"]],
        "source_figures": [_source_figure(row) for row in summary["sources"]],
        "shortfalls": [_shortfall_figure(row) for row in selectors.plan_shortfalls(plan)],
        "stale": bool((plan.generation or {}).get("stale")),
        "grids": selectors.plan_grids(plan),
        "history": history_for(plan),
        "status_class": STATUS_CLASSES.get(plan.status, ""),
        "setup": _setup_context(request, plan) if plan.is_draft else None,
    })
    return render(request, "distribution/plan_detail.html", context)


def allowance_text(allowance) -> str:
    what = (f"{allowance.item.name} × {allowance.quantity} {allowance.item.unit}".rstrip() if allowance.item_id
            else _money(allowance.amount))
    text = f"{what} {allowance.get_basis_display()}"
    if allowance.tag_id:
        text += " · " + _("only for %(tag)s") % {"tag": allowance.tag.name}
    return text


def _amount(value, money: bool) -> str:
    return _money(value) if money else str(value)


def _allowance_figure(row: dict) -> dict:
    money = row["money"]
    short = row["asked"] - row["planned"] if row["asked"] and row["asked"] > row["planned"] else 0
    return {"label": allowance_text(row["allowance"]), "asked": _amount(row["asked"], money),
            "given": _amount(row["planned"], money), "short": _amount(short, money) if short else "",
            "handed_over": _amount(row["handed_over"], money)}


def _source_figure(row: dict) -> dict:
    money = row["money"]
    label = row["fund_account"].name if money else (
        _("%(item)s · lot #%(lot)s") % {"item": row["lot"].item.name, "lot": row["lot"].pk})
    return {"label": label, "planned": _amount(row["planned"], money),
            "handed_over": _amount(row["handed_over"], money), "reserved": _amount(row["reserved"], money)}


def _shortfall_figure(row: dict) -> dict:
    details = []
    for a in row["allowances"]:
        short = _money(a["amount"]) if a["money"] else a["quantity"]
        details.append(ngettext("%(allowance)s: %(households)s household, %(short)s short",
                                "%(allowance)s: %(households)s households, %(short)s short", a["households"]) % {
            "allowance": allowance_text(a["allowance"]), "households": a["households"], "short": short})
    return {"label": row["label"], "households": row["households"], "details": details}


def _status_move(request, pk: int, *, roles, service, done: str, reason_required: bool = False,
                 target: str = "distribution:plan_detail"):
    plan = _plan(request, pk, roles=roles)
    form = ReasonForm(request.POST, required=reason_required)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("distribution:plan_detail", plan.pk)
    try:
        service(actor=request.user, plan=plan, reason=form.reason_text)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("distribution:plan_detail", plan.pk)
    messages.success(request, done)
    return redirect(target, plan.pk)


@login_required
@require_POST
def plan_generate(request, pk: int):
    plan = _plan(request, pk, roles=EDITORS)
    try:
        plan = services.plan_generate(actor=request.user, plan=plan)
    except ValidationError as exc:
        messages.error(request, _("The plan was not generated: %(errors)s") % {"errors": _errors(exc)})
    else:
        figures = plan.generation or {}
        messages.success(request, _("The plan was generated: %(lines)s lines for %(recipients)s recipients.") % {
            "lines": figures.get("lines", plan.lines.count()), "recipients": figures.get("recipients", "—")})
    return redirect("distribution:plan_detail", plan.pk)


@login_required
@require_POST
def plan_approve(request, pk: int):
    plan = _plan(request, pk, roles=ADMINS)
    try:
        services.plan_approve(actor=request.user, plan=plan)
    except ValidationError as exc:
        messages.error(request, _("The plan was not approved: %(errors)s") % {"errors": _errors(exc)})
    else:
        messages.success(request, _("The plan was approved: its stock and money are reserved."))
    return redirect("distribution:plan_detail", plan.pk)


@login_required
@require_POST
def plan_unapprove(request, pk: int):
    return _status_move(request, pk, roles=ADMINS, service=services.plan_unapprove, reason_required=True,
                        done=_("The plan is a draft again; its reservations were released."))


@login_required
@require_POST
def plan_cancel(request, pk: int):
    return _status_move(request, pk, roles=EDITORS, service=services.plan_cancel, reason_required=True,
                        done=_("The plan was cancelled."))


@login_required
@require_POST
def plan_close(request, pk: int):
    return _status_move(request, pk, roles=ADMINS, service=services.plan_close, target="distribution:surplus",
                        done=_("The plan was closed: what was not handed over was released. "
                               "Now decide what happens to the surplus."))


# --- Lines -----------------------------------------------------------------------------------


@login_required
def line_edit(request, pk: int):
    line = selectors.get_line_for_user(request.user, pk, roles=EDITORS)
    plan = line.plan
    refused = _require_draft(request, plan)
    if refused:
        return refused
    portions = list(line.portions.select_related("lot__item", "fund_account").order_by("id"))
    form = LineEditForm(request.POST or None, portions=portions)
    remove_form = ReasonForm(required=True)
    if request.method == "POST" and form.is_valid():
        changed = form.quantities()
        if not changed:
            form.add_error(None, _("Change a quantity, or remove the line below."))
        else:
            try:
                services.plan_line_update(actor=request.user, line=line, quantities=changed,
                                          reason=form.cleaned_data["reason"].strip())
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("Line #%(n)s was changed.") % {"n": line.pk})
                return redirect("distribution:plan_detail", plan.pk)
    return render(request, "distribution/line_form.html", {
        "form": form, "remove_form": remove_form, "line": line, "plan": plan,
        "recipient": household_label(line.household, True), "items": line_items(line),
        "why": line_why(line, personal=True), "history": history_for(line),
    })


@login_required
@require_POST
def line_remove(request, pk: int):
    line = selectors.get_line_for_user(request.user, pk, roles=EDITORS)
    form = ReasonForm(request.POST, required=True)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("distribution:line_edit", line.pk)
    try:
        services.plan_line_remove(actor=request.user, line=line, reason=form.reason_text)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("distribution:plan_detail", line.plan_id)
    messages.success(request, _("Line #%(n)s was removed.") % {"n": line.pk})
    return redirect("distribution:plan_detail", line.plan_id)


# --- Sign-off sheets and the list ------------------------------------------------------------


@login_required
@require_GET
def plan_sheets(request, pk: int):
    """One printable A4 sheet per grid (all grids, or ``?grid=``): masked
    recipient and phone, what to hand over, a signature box and a QR code
    to the line's hand-over page. Viewers get household numbers only."""
    plan = _plan(request, pk)
    personal = can(request.user, plan.station_id, EDITORS)
    grid_id, grid_given = _grid_param(request.GET.get("grid"))
    grids = [g for g in selectors.plan_grids(plan)
             if not grid_given or (g["grid"].pk if g["grid"] else None) == grid_id]
    if grid_given and not grids:
        raise Http404(_("No such grid in this plan."))
    sheets = []
    for entry in grids:
        lines = selectors.sheet_rows(plan, entry["grid"].pk if entry["grid"] else None)
        sheets.append({"grid": entry["grid"], "lines": lines})
    scan_url = request.build_absolute_uri(reverse("distribution:handover_scan", args=["TOKEN"]))
    for sheet in sheets:
        sheet["rows"] = [{
            "line": line, "recipient": household_label(line.household, personal),
            "phone": household_phone(line) if personal else "", "items": line_items(line),
            "url": scan_url.replace("TOKEN", line.token),
            "qr": qr_svg(scan_url.replace("TOKEN", line.token), scale=2,
                         title=_("Line #%(n)s") % {"n": line.pk}),
        } for line in sheet["lines"]]
    return render(request, "distribution/plan_sheets.html", {
        "plan": plan, "sheets": sheets, "personal": personal, "printed_on": timezone.localtime(),
    })


@login_required
@require_GET
def plan_export(request, pk: int):
    plan = _plan(request, pk)
    personal = can(request.user, plan.station_id, EDITORS)
    content = io.plan_lines_xlsx(plan, personal=personal)
    response = HttpResponse(content, content_type=io.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{io.export_filename(plan)}"'
    return response


# --- Hand-overs by staff -----------------------------------------------------------------------


@login_required
@require_POST
def handover_record(request, pk: int):
    line = selectors.get_line_for_user(request.user, pk, roles=EDITORS)
    back = _next_or(request, reverse("distribution:plan_detail", args=[line.plan_id]))
    form = HandoverForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(back)
    try:
        services.handover_record(actor=request.user, line=line, method="sheet",
                                 collected_by=form.cleaned_data["collected_by"].strip(),
                                 note=form.cleaned_data["note"].strip())
    except ValidationError as exc:
        messages.error(request, _("Not recorded: %(errors)s") % {"errors": _errors(exc)})
    else:
        messages.success(request, _("Line #%(n)s was recorded as handed over.") % {"n": line.pk})
    return redirect(back)


@login_required
def handover_bulk(request, pk: int):
    """Tick the lines of one grid that were handed over (or all its planned
    lines), confirm, and record them together."""
    plan = _plan(request, pk, roles=EDITORS)
    grid_id, grid_given = _grid_param(request.POST.get("grid") or request.GET.get("grid"))
    grids = selectors.plan_grids(plan)
    if not grid_given:
        return render(request, "distribution/handover_bulk.html", {"plan": plan, "grids": grids, "grid": None})
    entry = next((g for g in grids if (g["grid"].pk if g["grid"] else None) == grid_id), None)
    if entry is None:
        raise Http404(_("No such grid in this plan."))
    lines = [line for line in selectors.sheet_rows(plan, grid_id) if line.status == LineStatus.PLANNED]
    form = BulkHandoverForm(request.POST or None, line_ids=[line.pk for line in lines])
    context = {"plan": plan, "grids": grids, "grid": entry, "grid_value": "none" if grid_id is None else grid_id,
               "form": form, "rows": _line_rows(lines, personal=True)}
    if request.method == "POST" and form.is_valid():
        chosen = form.chosen()
        if request.POST.get("confirm") != "yes":
            context.update({"confirming": True, "chosen": chosen,
                            "chosen_rows": [r for r in context["rows"] if r["line"].pk in set(chosen)]})
            return render(request, "distribution/handover_bulk.html", context)
        try:
            done = services.handover_record_bulk(actor=request.user, plan=plan, line_ids=chosen,
                                                 note=form.cleaned_data["note"].strip())
        except ValidationError as exc:
            messages.error(request, _("Nothing was recorded: %(errors)s") % {"errors": _errors(exc)})
            return redirect(reverse("distribution:handover_bulk", args=[plan.pk]) + f"?grid={context['grid_value']}")
        messages.success(request, ngettext("%(n)s hand-over was recorded.", "%(n)s hand-overs were recorded.",
                                           len(done)) % {"n": len(done)})
        return redirect("distribution:plan_detail", plan.pk)
    return render(request, "distribution/handover_bulk.html", context)


# --- Hand-over passes and the volunteer's phone ------------------------------------------------


@login_required
def pass_list(request, pk: int):
    plan = _plan(request, pk, roles=EDITORS)
    form = PassForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            handover_pass, secret = services.handover_pass_create(
                actor=request.user, plan=plan, volunteer_name=form.cleaned_data["volunteer_name"].strip(),
                hours=form.cleaned_data["hours"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            # The secret exists only in this response: its link and QR code are shown once.
            link = request.build_absolute_uri(reverse("distribution:pass_start", args=[secret]))
            created = {"pass": handover_pass, "link": link,
                       "qr": qr_svg(link, scale=4, title=_("Hand-over pass"))}
            form = PassForm()
    now = timezone.now()
    passes = list(HandoverPass.objects.filter(plan=plan).annotate(count=Count("handovers"))
                  .order_by("-created_on", "-id"))
    for p in passes:
        p.state = _("revoked") if p.revoked_on else (_("expired") if p.expires_on <= now else _("valid"))
        p.live = not p.revoked_on and p.expires_on > now
    return render(request, "distribution/pass_list.html", {
        "plan": plan, "form": form, "created": created, "passes": passes})


@login_required
@require_POST
def pass_revoke(request, pk: int):
    handover_pass = get_scoped_object(request.user, HandoverPass.objects.select_related("plan"), pk, roles=EDITORS)
    try:
        services.handover_pass_revoke(actor=request.user, handover_pass=handover_pass)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("The pass of %(name)s was revoked: its link no longer works.")
                         % {"name": handover_pass.volunteer_name})
    return redirect("distribution:pass_list", handover_pass.plan_id)


@require_GET
def pass_start(request, secret: str):
    """A volunteer opens the pass's link: the pass is kept in this
    browser's session (no account) and the page says how to scan."""
    try:
        handover_pass = services.handover_pass_check(secret=secret)
    except PermissionDenied as exc:
        return render(request, "distribution/scan_refused.html", {"problem": str(exc)}, status=403)
    passes = dict(request.session.get(PASSES_SESSION_KEY, {}))
    passes[str(handover_pass.plan_id)] = secret
    request.session[PASSES_SESSION_KEY] = passes
    return render(request, "distribution/pass_start.html", {"handover_pass": handover_pass,
                                                           "plan": handover_pass.plan})


def _scan_access(request, plan):
    """(mode, pass, refusal): mode "pass" or "staff", or a refusal page."""
    secret = request.session.get(PASSES_SESSION_KEY, {}).get(str(plan.pk))
    problem = ""
    if secret:
        try:
            return "pass", services.handover_pass_check(secret=secret, plan=plan), None
        except PermissionDenied as exc:
            problem = str(exc)
    user = request.user
    if user.is_authenticated and can(user, plan.station_id, EDITORS):
        return "staff", None, None
    if not problem:
        if user.is_authenticated and role_at(user, plan.station_id) is None and not request.session.get(
                PASSES_SESSION_KEY):
            raise Http404(_("No such record."))
        if request.session.get(PASSES_SESSION_KEY):
            problem = _("Your hand-over pass is for another distribution plan.")
        elif user.is_authenticated:
            problem = _("Your role at this station cannot record hand-overs.")
        else:
            problem = _("To record this hand-over, open the hand-over pass link your station sent you on this "
                        "phone, then scan the code again; or sign in as a member of the station's staff.")
    refusal = render(request, "distribution/scan_refused.html", {"problem": problem, "plan": plan}, status=403)
    return None, None, refusal


def handover_scan(request, token: str):
    """The page a sheet's QR code opens: the line (masked recipient, what
    to hand over) and a "handed over" button, for a volunteer holding a
    pass of this plan or an editor of its station."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405)
    line = selectors.line_by_token(token)
    if line is None:
        raise Http404(_("No such line: the code may belong to an older version of the sheet."))
    plan = line.plan
    mode, handover_pass, refusal = _scan_access(request, plan)
    if refusal is not None:
        return refusal
    # A bare "handed over" press posts no field at all: still a bound form.
    form = HandoverForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.handover_record(
                actor=request.user if mode == "staff" else None, line=line, method="qr",
                collected_by=form.cleaned_data["collected_by"].strip(), note=form.cleaned_data["note"].strip(),
                handover_pass=handover_pass)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Recorded: line #%(n)s was handed over.") % {"n": line.pk})
            return redirect("distribution:handover_scan", token)
        line = selectors.line_by_token(token)
    handover = getattr(line, "handover", None) if line.status == LineStatus.HANDED_OVER else None
    return render(request, "distribution/handover_scan.html", {
        "line": line, "plan": plan, "form": form, "mode": mode, "handover_pass": handover_pass,
        "recipient": household_label(line.household, True), "items": line_items(line), "handover": handover,
        "can_record": line.status == LineStatus.PLANNED and plan.is_live,
    })


# --- Surplus -------------------------------------------------------------------------------------


@login_required
def surplus(request, pk: int):
    """What a closed plan left in each source lot, and a decision form per
    kind for what is still to decide."""
    plan = _plan(request, pk, roles=EDITORS if request.method == "POST" else None)
    editor = can(request.user, plan.station_id, EDITORS)
    rows = selectors.surplus_for_plan(plan) if plan.status == PlanStatus.CLOSED else []
    lots = [row["lot"] for row in rows]
    bound = None
    if request.method == "POST":
        kind = request.POST.get("kind")
        form_class = SURPLUS_FORMS.get(kind)
        if form_class is None:
            messages.error(request, _("Choose what to do with the surplus."))
            return redirect("distribution:surplus", plan.pk)
        bound = form_class(request.POST, lots=lots, station=plan.station, prefix=None,
                           auto_id=f"id_{kind}_{request.POST.get('lot', '')}_%s")
        if bound.is_valid():
            try:
                services.surplus_decide(actor=request.user, plan=plan, **bound.service_fields())
            except ValidationError as exc:
                form_errors_from(bound, exc)
            else:
                messages.success(request, _("The decision was recorded."))
                return redirect("distribution:surplus", plan.pk)
    for row in rows:
        lot = row["lot"]
        row["label"] = _("%(item)s · %(store)s · lot #%(lot)s") % {"item": lot.item.name, "store": lot.store.name,
                                                                  "lot": lot.pk}
        row["forms"] = []
        if editor and row["left"] > 0:
            for kind, form_class in SURPLUS_FORMS.items():
                if bound is not None and bound.data.get("kind") == kind and str(bound.data.get("lot")) == str(
                        row["lot"].pk):
                    form = bound
                else:
                    form = form_class(lots=lots, station=plan.station, auto_id=f"id_{kind}_{row['lot'].pk}_%s",
                                      initial={"kind": kind, "lot": row["lot"].pk, "quantity": row["left"]})
                row["forms"].append({"kind": kind, "label": SurplusKind(kind).label, "form": form,
                                     "open": form is bound})
    decisions = list(plan.surplus.select_related("lot__item", "to_store", "to_station").prefetch_related(
        "awards__resident").order_by("id"))
    for decision in decisions:
        decision.award_labels = [
            f"{mask_name(a.resident.name) if a.resident_id else a.name} × {a.quantity}" for a in decision.awards.all()
        ] if editor else []
    return render(request, "distribution/surplus.html", {
        "plan": plan, "rows": rows, "decisions": decisions, "can_write": editor,
        # A decision refused for a lot with nothing left to decide has no form on the page.
        "unplaced": bound if bound is not None and bound.errors and not any(
            f["form"] is bound for r in rows for f in r["forms"]) else None})
