"""Reads of distribution plans: lists, summaries, sheets and the surplus.

Every function takes care of its joins and prefetches, so a page's query
count does not grow with its lines.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from resourcelink.accounts.access import get_scoped_object, require_role, station_ids_for
from resourcelink.accounts.models import Station
from resourcelink.communities.models import Grid
from resourcelink.fund.models import FundAccount
from resourcelink.inventory.models import Lot
from resourcelink.people.models import Resident

from .models import (
    Allowance,
    LineStatus,
    Plan,
    PlanLine,
    PlanPortion,
    PlanShortfall,
    PlanSource,
    PlanStatus,
    ShortfallReason,
    SurplusDecision,
)

LIVE_LINE = ~Q(status=LineStatus.REMOVED)


def get_plan_for_user(user, pk, *, roles=None) -> Plan:
    return get_scoped_object(user, Plan.objects.all(), pk, roles=roles)


def get_line_for_user(user, pk, *, roles=None) -> PlanLine:
    """A plan line of one of the user's stations (404 otherwise)."""
    try:
        line = (PlanLine.objects.select_related("plan", "household", "grid", "group", "community")
                .filter(plan__station_id__in=station_ids_for(user)).get(pk=pk))
    except (PlanLine.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such record.")) from None
    if roles is not None:
        require_role(user, line.plan.station_id, roles)
    return line


def plans_for_station(station: Station, *, status=None) -> QuerySet[Plan]:
    """The station's plans, newest first, with ``lines_total`` (not removed)
    and ``lines_handed_over``. ``status``: one status or a list."""
    qs = Plan.objects.filter(station=station)
    if status:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else list(status))
    return qs.annotate(
        lines_total=Count("lines", filter=~Q(lines__status=LineStatus.REMOVED)),
        lines_handed_over=Count("lines", filter=Q(lines__status=LineStatus.HANDED_OVER)),
    ).order_by("-created_on", "-id")


def _portion_sums(plan: Plan, group_by: str) -> dict:
    """{(key, line status): (units, yuan)} over the plan's portions."""
    rows = (PlanPortion.objects.filter(line__plan=plan).values(group_by, "line__status")
            .annotate(q=Sum("quantity"), a=Sum("amount")).order_by())
    return {(r[group_by], r["line__status"]): (r["q"] or 0, r["a"] or Decimal(0)) for r in rows}


def _figure(sums: dict, key, statuses, money: bool):
    total = sum((sums.get((key, s), (0, Decimal(0)))[1 if money else 0] for s in statuses),
                Decimal(0) if money else 0)
    return total


def plan_summary(plan: Plan) -> dict:
    """The plan at a glance:

    - ``recipients``: lines not removed; ``lines``: {status: count};
    - ``allowances``: [{allowance, money, asked (at generation), planned
      (lines not removed), handed_over}] in units or yuan;
    - ``sources``: [{source, lot, fund_account, money, planned, handed_over,
      reserved}] — reserved is what the plan holds of it now (its planned
      lines while it is approved or in progress);
    - ``shortfalls``: {reason: households};
    - ``generation``: the figures of the last generation.
    """
    lines = dict(PlanLine.objects.filter(plan=plan).values("status").annotate(n=Count("id"))
                 .values_list("status", "n").order_by())
    by_status = {s: lines.get(s, 0) for s in LineStatus.values}
    live_statuses = [s for s in LineStatus.values if s != LineStatus.REMOVED]
    asked = {a["id"]: a.get("asked", 0) for a in (plan.generation or {}).get("allowances", [])}
    by_allowance = _portion_sums(plan, "allowance_id")
    allowances = []
    for allowance in Allowance.objects.filter(plan=plan).select_related("item", "tag").order_by("id"):
        money = allowance.is_money
        allowances.append({
            "allowance": allowance,
            "money": money,
            "asked": Decimal(asked.get(allowance.pk, 0)) if money else asked.get(allowance.pk, 0),
            "planned": _figure(by_allowance, allowance.pk, live_statuses, money),
            "handed_over": _figure(by_allowance, allowance.pk, [LineStatus.HANDED_OVER], money),
        })
    by_lot = _portion_sums(plan, "lot_id")
    by_account = _portion_sums(plan, "fund_account_id")
    live = plan.status in (PlanStatus.APPROVED, PlanStatus.IN_PROGRESS)
    sources = []
    for source in (PlanSource.objects.filter(plan=plan)
                   .select_related("lot__item", "lot__store", "fund_account").order_by("id")):
        money = source.fund_account_id is not None
        sums, key = (by_account, source.fund_account_id) if money else (by_lot, source.lot_id)
        sources.append({
            "source": source, "lot": source.lot, "fund_account": source.fund_account, "money": money,
            "planned": _figure(sums, key, live_statuses, money),
            "handed_over": _figure(sums, key, [LineStatus.HANDED_OVER], money),
            "reserved": _figure(sums, key, [LineStatus.PLANNED], money) if live else
            (Decimal(0) if money else 0),
        })
    shortfalls = dict(PlanShortfall.objects.filter(plan=plan).values("reason")
                      .annotate(n=Count("household_id", distinct=True)).values_list("reason", "n").order_by())
    return {
        "recipients": sum(by_status[s] for s in live_statuses),
        "lines": by_status,
        "allowances": allowances,
        "sources": sources,
        "shortfalls": shortfalls,
        "generation": plan.generation or {},
    }


def _with_portions(qs: QuerySet[PlanLine]) -> QuerySet[PlanLine]:
    return qs.select_related("household", "grid", "group", "community").prefetch_related(
        Prefetch("portions", queryset=PlanPortion.objects.select_related("lot__item", "fund_account", "allowance")
                 .order_by("id")))


def plan_lines(plan: Plan, *, grid=None, status=None, page=1, per_page: int = 50) -> Page:
    """One page of the plan's lines (by grid, then id). ``grid``: a Grid, its
    id, or ``"none"`` for lines with no grid; ``status``: one status or a list."""
    qs = PlanLine.objects.filter(plan=plan)
    if grid == "none":
        qs = qs.filter(grid__isnull=True)
    elif grid not in (None, ""):
        qs = qs.filter(grid_id=getattr(grid, "pk", grid))
    if status:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else list(status))
    qs = _with_portions(qs.select_related("handover")).order_by("grid_id", "id")
    return Paginator(qs, per_page).get_page(page)


def plan_grids(plan: Plan) -> list[dict]:
    """[{grid, lines, handed_over}] over lines not removed, by grid name;
    ``grid`` None (lines with no grid) last."""
    rows = (PlanLine.objects.filter(plan=plan).filter(LIVE_LINE).values("grid_id")
            .annotate(lines=Count("id"), handed_over=Count("id", filter=Q(status=LineStatus.HANDED_OVER)))
            .order_by())
    grids = Grid.objects.in_bulk([r["grid_id"] for r in rows if r["grid_id"]])
    result = [{"grid": grids.get(r["grid_id"]), "lines": r["lines"], "handed_over": r["handed_over"]}
              for r in rows]
    result.sort(key=lambda r: (r["grid"] is None, r["grid"].name if r["grid"] else "", r["grid"].pk
                               if r["grid"] else 0))
    return result


def sheet_rows(plan: Plan, grid_id) -> list[PlanLine]:
    """The lines to hand over and those handed over in one grid (``None``:
    lines with no grid), for the printed sign-off sheet: each with its
    household (with ``household.live_residents``, to show masked), portions
    and hand-over."""
    qs = PlanLine.objects.filter(plan=plan, status__in=[LineStatus.PLANNED, LineStatus.HANDED_OVER])
    qs = qs.filter(grid__isnull=True) if grid_id in (None, "", "none") else qs.filter(grid_id=grid_id)
    qs = _with_portions(qs.select_related("handover")).prefetch_related(
        Prefetch("household__residents", to_attr="live_residents",
                 queryset=Resident.objects.filter(archived_on__isnull=True).order_by("id")))
    return list(qs.order_by("id"))


def line_by_token(token) -> PlanLine | None:
    """The line a QR code's token names, or None."""
    if not token or not isinstance(token, str) or len(token) > 64:
        return None
    return (PlanLine.objects.select_related("plan", "household", "grid", "group", "community")
            .prefetch_related(Prefetch("portions", queryset=PlanPortion.objects.select_related(
                "lot__item", "fund_account", "allowance").order_by("id")))
            .filter(token=token).first())


def plan_shortfalls(plan: Plan) -> list[dict]:
    """[{reason, label, households, allowances: [{allowance, money,
    households, quantity, amount}]}] in the order of the reasons."""
    rows = (PlanShortfall.objects.filter(plan=plan).values("reason", "allowance_id")
            .annotate(households=Count("household_id", distinct=True), quantity=Sum("quantity"),
                      amount=Sum("amount")).order_by())
    households = dict(PlanShortfall.objects.filter(plan=plan).values("reason")
                      .annotate(n=Count("household_id", distinct=True)).values_list("reason", "n").order_by())
    allowances = Allowance.objects.select_related("item", "tag").in_bulk({r["allowance_id"] for r in rows})
    by_reason: dict[str, list] = defaultdict(list)
    for r in rows:
        allowance = allowances[r["allowance_id"]]
        by_reason[r["reason"]].append({"allowance": allowance, "money": allowance.is_money,
                                       "households": r["households"], "quantity": r["quantity"] or 0,
                                       "amount": r["amount"] or Decimal(0)})
    result = []
    for reason in ShortfallReason:
        if reason.value in by_reason:
            result.append({"reason": reason.value, "label": str(reason.label),
                           "households": households.get(reason.value, 0),
                           "allowances": sorted(by_reason[reason.value], key=lambda a: a["allowance"].pk)})
    return result


def surplus_for_plan(plan: Plan) -> list[dict]:
    """Per source lot: [{lot, released, decided, left}] — what closing
    released (portions of lines not collected), what surplus decisions took,
    and what is left to decide. Empty until the plan is closed."""
    lot_ids = list(PlanSource.objects.filter(plan=plan, lot__isnull=False).values_list("lot_id", flat=True))
    if plan.status != PlanStatus.CLOSED:
        released: dict = {}
    else:
        released = dict(PlanPortion.objects.filter(line__plan=plan, line__status=LineStatus.NOT_COLLECTED,
                                                   lot__isnull=False)
                        .values("lot_id").annotate(q=Sum("quantity")).values_list("lot_id", "q").order_by())
    decided = dict(SurplusDecision.objects.filter(plan=plan).values("lot_id").annotate(q=Sum("quantity"))
                   .values_list("lot_id", "q").order_by())
    lots = Lot.objects.select_related("item", "store").in_bulk(set(lot_ids) | set(released))
    result = []
    for lot_id in sorted(lots, key=lambda pk: (lots[pk].expires_on is None, lots[pk].expires_on, pk)):
        r, d = released.get(lot_id, 0) or 0, decided.get(lot_id, 0) or 0
        result.append({"lot": lots[lot_id], "released": r, "decided": d, "left": max(r - d, 0)})
    return result


def plan_fund_accounts(plan: Plan) -> list[FundAccount]:
    """The fund accounts the plan draws on."""
    return list(FundAccount.objects.filter(pk__in=PlanSource.objects.filter(plan=plan, fund_account__isnull=False)
                                           .values("fund_account_id")).order_by("id"))
