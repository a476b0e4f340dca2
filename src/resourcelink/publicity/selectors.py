"""Reads for what anyone may see: the report on one donation (opened by its
unguessable link) and a station's public disclosure page.

Everything here is built from aggregates — counts of households and sums of
quantities and money grouped by vulnerability group, community, grid and
plan — and never selects a resident or a household row, nor a hand-over's
``collected_by`` or any note. Any count of recipient households between one
and four is never shown: in a breakdown such rows are merged into one
"other" row, and if that row is still under ``MIN_GROUP`` its count and what
it received are withheld (``suppress_small``); a single figure is withheld
the same way (``shown_count``).

What the donation reached is read from the ledgers it left traces in:
handed-over plan portions of its lots (``Lot.donation_line.donation``, moved
lots included) and of its own restricted fund account
(``FundAccount.donation``); stock moves of its lots made outside plans;
surplus decisions on its lots; and its account's direct grants. An
unrestricted cash gift joins the station's general fund and cannot be told
apart there, so its report describes the general fund as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from resourcelink.communities.models import Community, Grid
from resourcelink.distribution.models import (
    LineStatus,
    Plan,
    PlanPortion,
    PlanStatus,
    SurplusDecision,
    SurplusKind,
)
from resourcelink.donations.models import Donation, DonationKind, DonationLine, Donor, DonorKind
from resourcelink.donations.services import donation_number
from resourcelink.fund.models import EntryKind, FundAccount, FundEntry
from resourcelink.inventory.models import Item, Lot, MoveKind, StockMove
from resourcelink.people.models import Household, VulnerabilityTag

# The smallest number of recipient households shown on a public page or a
# donor report (DESIGN.md section 6).
MIN_GROUP = 5

ZERO = Decimal("0")
# Plans on the public page: those that handed something over.
PUBLIC_PLAN_STATUSES = (PlanStatus.IN_PROGRESS, PlanStatus.CLOSED)
# References of the moves and entries a plan or a surplus decision writes;
# what a donor report counts from the plan and decision rows themselves.
PLAN_REFERENCES = ("plan_line:", "plan:", "surplus:")


# --- suppression -------------------------------------------------------------------------------


def shown_count(n: int | None, *, min_group: int = MIN_GROUP) -> int | None:
    """``n`` if it may be shown, ``None`` (shown as "fewer than 5") for one to
    ``min_group - 1``. Nobody (0) is no one's personal data and is shown."""
    n = n or 0
    return None if 0 < n < min_group else n


def _merge(values: Sequence):
    """The sum of numbers, or of dicts of numbers key by key."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    if isinstance(present[0], dict):
        total: dict = {}
        for value in present:
            for key, n in value.items():
                total[key] = total.get(key, 0) + n
        return total
    return sum(present[1:], present[0])


def suppress_small(rows: Iterable[dict], *, other_label: str, count: str = "households",
                   add: Sequence[str] = (), min_group: int = MIN_GROUP) -> list[dict]:
    """Rows of a breakdown as they may be shown.

    Rows counting at least ``min_group`` are kept as they are. Rows counting
    one to ``min_group - 1`` are merged into one row labelled
    ``other_label``, whose count and ``add`` fields (numbers, or dicts of
    numbers such as quantities by item) are their sums; if that count is
    still under ``min_group`` the row stays, marked ``suppressed``, with its
    count and ``add`` fields set to ``None``. Rows counting nothing are
    dropped. Each row returned has ``is_other`` and ``suppressed`` set, and
    the other row ``merged``: how many rows went into it.

    A household counted in two merged rows (two groups, in two plans) is
    counted in each: a row's count is of households reached in that row.
    """
    kept: list[dict] = []
    small: list[dict] = []
    for row in rows:
        n = row.get(count) or 0
        if n >= min_group:
            kept.append({**row, "is_other": False, "suppressed": False})
        elif n > 0:
            small.append(row)
    if small:
        other = {"label": other_label, count: sum(r[count] for r in small), "is_other": True,
                 "suppressed": False, "merged": len(small)}
        for key in add:
            other[key] = _merge([r.get(key) for r in small])
        if other[count] < min_group:
            other[count] = None
            other["suppressed"] = True
            for key in add:
                other[key] = None
        kept.append(other)
    return kept


# --- breakdowns of handed-over portions ----------------------------------------------------------


def handed_over_portions() -> QuerySet[PlanPortion]:
    """Portions of lines that were handed over: what really went out."""
    return PlanPortion.objects.filter(line__status=LineStatus.HANDED_OVER)


def _breakdown(portions: QuerySet[PlanPortion], fields: Sequence[str]) -> dict[tuple, dict]:
    """Per value of ``fields``: recipient households (distinct), units per
    item and money. Two aggregate queries, whatever the number of rows."""
    rows: dict[tuple, dict] = {}
    counted = (portions.values(*fields).annotate(households=Count("line__household", distinct=True))
               .order_by())
    for r in counted:
        key = tuple(r[f] for f in fields)
        rows[key] = {"key": key, "households": r["households"], "quantities": {}, "amount": ZERO}
    summed = (portions.values(*fields, "lot__item").annotate(quantity=Sum("quantity"), money=Sum("amount"))
              .order_by())
    for r in summed:
        row = rows[tuple(r[f] for f in fields)]
        if r["lot__item"] is not None:
            row["quantities"][r["lot__item"]] = row["quantities"].get(r["lot__item"], 0) + (r["quantity"] or 0)
        if r["money"]:
            row["amount"] += r["money"]
    return rows


class _Names:
    """Labels of the items, groups, communities and grids a page mentions,
    each read in one query."""

    def __init__(self):
        self.items: dict[int, Item] = {}
        self.tags: dict[int, VulnerabilityTag] = {}
        self.communities: dict[int, Community] = {}
        self.grids: dict[int, Grid] = {}

    def load(self, *, items=(), tags=(), communities=(), grids=()) -> _Names:
        for store, model, ids in ((self.items, Item, items), (self.tags, VulnerabilityTag, tags),
                                  (self.communities, Community, communities), (self.grids, Grid, grids)):
            missing = {pk for pk in ids if pk is not None and pk not in store}
            if missing:
                store.update(model.objects.in_bulk(missing))
        return self

    def item(self, pk) -> dict:
        item = self.items[pk]
        return {"name": item.name, "unit": item.unit}

    def group(self, pk) -> str:
        return self.tags[pk].name if pk is not None else _("chosen households")

    def community(self, pk) -> str:
        return self.communities[pk].name if pk is not None else _("no community")

    def grid(self, community_pk, grid_pk) -> str:
        grid = self.grids[grid_pk].name if grid_pk is not None else _("not in a grid")
        return f"{self.community(community_pk)} · {grid}"


def given_list(quantities: dict | None, amount, names: _Names) -> list[dict]:
    """``quantities`` (item id → units) and ``amount`` as a list of
    ``{"name", "unit", "quantity"}`` and ``{"amount"}`` entries, items by name."""
    if quantities is None and amount is None:
        return []
    given = sorted(({**names.item(pk), "quantity": n} for pk, n in (quantities or {}).items() if n),
                   key=lambda g: g["name"])
    if amount:
        given.append({"amount": amount})
    return given


def _ids(rows: Iterable[dict], index: int) -> set:
    return {row["key"][index] for row in rows}


def _item_ids(rows: Iterable[dict]) -> set:
    return {pk for row in rows for pk in row["quantities"]}


def _shown(rows: list[dict], names: _Names, other_label: str) -> list[dict]:
    ordered = sorted(rows, key=lambda r: (-r["households"], r["label"]))
    shown = suppress_small(ordered, other_label=other_label, add=("quantities", "amount"))
    for row in shown:
        row["given"] = given_list(row["quantities"], row["amount"], names)
    return shown


def by_group(rows: dict[tuple, dict], names: _Names, *, index: int = 0) -> list[dict]:
    """Suppressed rows by vulnerability group (``key[index]`` the tag id)."""
    names.load(tags=_ids(rows.values(), index), items=_item_ids(rows.values()))
    return _shown([{**r, "label": names.group(r["key"][index])} for r in rows.values()], names,
                  _("other groups"))


def by_community(rows: dict[tuple, dict], names: _Names, *, index: int = 0) -> list[dict]:
    names.load(communities=_ids(rows.values(), index), items=_item_ids(rows.values()))
    return _shown([{**r, "label": names.community(r["key"][index])} for r in rows.values()], names,
                  _("other communities"))


def by_grid(rows: dict[tuple, dict], names: _Names, *, index: int = 0) -> list[dict]:
    """Rows keyed by (community, grid) at ``key[index]``, ``key[index + 1]``."""
    names.load(communities=_ids(rows.values(), index), grids=_ids(rows.values(), index + 1),
               items=_item_ids(rows.values()))
    return _shown([{**r, "label": names.grid(r["key"][index], r["key"][index + 1])} for r in rows.values()],
                  names, _("other grids"))


def _split(rows: dict[tuple, dict]) -> dict[object, dict[tuple, dict]]:
    """Rows keyed (plan, ...) as {plan: {(...): row}}."""
    result: dict[object, dict[tuple, dict]] = {}
    for key, row in rows.items():
        result.setdefault(key[0], {})[key[1:]] = {**row, "key": key[1:]}
    return result


VALUE = ExpressionWrapper(F("quantity") * F("lot__unit_value"), output_field=DecimalField(max_digits=20,
                                                                                             decimal_places=2))


# --- the donor report ----------------------------------------------------------------------------


def donation_by_report_token(token: str) -> Donation | None:
    if not token:
        return None
    return Donation.objects.filter(report_token=token).select_related("donor", "station").first()


def restrictions_in_words(donation: Donation) -> list[str]:
    """The donor's restrictions as sentences (empty: none)."""
    words = []
    tags = list(donation.target_tags.all())
    if tags:
        words.append(_("Only for these groups: %(groups)s.")
                     % {"groups": ", ".join(t.name for t in sorted(tags, key=lambda t: (t.sort_order, t.pk)))})
    communities = list(donation.communities.all())
    if communities:
        words.append(_("Only in these communities: %(communities)s.")
                     % {"communities": ", ".join(sorted(c.name for c in communities))})
    categories = list(donation.categories.all())
    if categories:
        words.append(_("Only for needs in: %(categories)s.")
                     % {"categories": ", ".join(sorted(c.name for c in categories))})
    if donation.use_by:
        words.append(_("To be used by %(date)s.") % {"date": donation.use_by.isoformat()})
    if donation.restriction_note:
        words.append(_("The donor's wishes: %(note)s") % {"note": donation.restriction_note})
    return words


def _portions_of(donation: Donation, account: FundAccount | None) -> QuerySet[PlanPortion]:
    """Handed-over portions of what this donation gave: units of its lots, or
    money of its own (restricted) account. Money in the general account
    cannot be traced to one gift: none."""
    if donation.kind == DonationKind.IN_KIND:
        return handed_over_portions().filter(lot__donation_line__donation_id=donation.pk)
    if account is not None:
        return handed_over_portions().filter(fund_account_id=account.pk)
    return PlanPortion.objects.none()


def _not_from_plans(qs: QuerySet) -> QuerySet:
    for prefix in PLAN_REFERENCES:
        qs = qs.exclude(reference__startswith=prefix)
    return qs


def _other_stock_uses(donation: Donation, names: _Names) -> list[dict]:
    """What happened to the donation's goods outside plan hand-overs: surplus
    decisions after a plan closed, and stock issued, returned, written off or
    corrected directly. Quantities per item; no names, no notes."""
    uses: list[dict] = []
    decisions = list(SurplusDecision.objects.filter(lot__donation_line__donation_id=donation.pk)
                     .values("kind", "lot__item", "to_station__name")
                     .annotate(quantity=Sum("quantity"), decisions=Count("id")).order_by("kind", "lot__item"))
    moves = list(_not_from_plans(StockMove.objects.filter(
        lot__donation_line__donation_id=donation.pk,
        kind__in=[MoveKind.ISSUE, MoveKind.RETURN, MoveKind.WRITE_OFF, MoveKind.ADJUST]))
        .values("kind", "lot__item").annotate(quantity=Sum("on_hand_delta"), first=Min("moved_on"),
                                               last=Max("moved_on")).order_by("kind", "lot__item"))
    names.load(items={d["lot__item"] for d in decisions} | {m["lot__item"] for m in moves})
    for d in decisions:
        kind = d["kind"]
        if kind == SurplusKind.COMMEND:
            label = _("Awarded to volunteers in commendation")
        elif kind == SurplusKind.ONLINE:
            label = _("Given away through an online activity")
        elif kind == SurplusKind.TRANSFER and d["to_station__name"]:
            label = _("Transferred to %(station)s") % {"station": d["to_station__name"]}
        elif kind == SurplusKind.TRANSFER:
            label = _("Moved to another store of the station (still held)")
        else:
            label = _("Kept in store after the plan closed")
        uses.append({"label": label, **names.item(d["lot__item"]), "quantity": d["quantity"], "signed": False})
    labels = {
        MoveKind.ISSUE: _("Issued outside distribution plans"),
        MoveKind.RETURN: _("Returned to the store"),
        MoveKind.WRITE_OFF: _("Written off (expired, damaged or lost)"),
        MoveKind.ADJUST: _("Corrected at a stocktake"),
    }
    for m in moves:
        if not m["quantity"]:
            continue
        signed = m["kind"] == MoveKind.ADJUST
        quantity = m["quantity"] if signed or m["kind"] == MoveKind.RETURN else -m["quantity"]
        uses.append({"label": labels[m["kind"]], **names.item(m["lot__item"]), "quantity": quantity,
                     "signed": signed})
    return uses


def _fund_uses(account: FundAccount) -> dict:
    """What the donation's own account did besides plan hand-overs: direct
    grants (households counted, never named), transfers, corrections."""
    entries = FundEntry.objects.filter(account_id=account.pk)
    direct = _not_from_plans(entries.filter(kind=EntryKind.GRANT_OUT))
    grants = direct.aggregate(households=Count("household", distinct=True), amount=Sum("amount"),
                              first=Min("entered_on"), last=Max("entered_on"))
    other = {r["kind"]: r["amount"] for r in entries.filter(
        kind__in=[EntryKind.TRANSFER_OUT, EntryKind.TRANSFER_IN, EntryKind.CORRECTION])
        .values("kind").annotate(amount=Sum("amount")).order_by()}
    return {
        "direct": direct,
        "grants_households": grants["households"] or 0,
        "grants_amount": -(grants["amount"] or ZERO),
        "grants_first": grants["first"],
        "grants_last": grants["last"],
        "transferred_out": -(other.get(EntryKind.TRANSFER_OUT) or ZERO),
        "transferred_in": other.get(EntryKind.TRANSFER_IN) or ZERO,
        "corrections": other.get(EntryKind.CORRECTION) or ZERO,
    }


def _general_fund(donation: Donation) -> dict | None:
    """For an unrestricted cash gift: the general fund it joined, as a whole,
    since the day the gift came in."""
    general = FundAccount.objects.filter(station_id=donation.station_id, donation__isnull=True).first()
    if general is None:
        return None
    grants = FundEntry.objects.filter(account_id=general.pk, kind=EntryKind.GRANT_OUT,
                                      entered_on__date__gte=donation.received_on).aggregate(
        households=Count("household", distinct=True), amount=Sum("amount"))
    return {"balance": general.balance, "reserved": general.reserved,
            "households": shown_count(grants["households"]), "amount": -(grants["amount"] or ZERO)}


def _earliest(*values):
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _latest(*values):
    present = [v for v in values if v is not None]
    return max(present) if present else None


def donor_report(donation: Donation) -> dict:
    """Everything the donor report shows, built from aggregates (a fixed
    number of queries whatever the size of the distribution). See the module
    docstring for what is counted and what is withheld."""
    donation = (Donation.objects.select_related("donor", "station")
                .prefetch_related("target_tags", "communities", "categories").get(pk=donation.pk))
    names = _Names()
    lines = list(DonationLine.objects.filter(donation_id=donation.pk).select_related("item").order_by("id"))
    names.items.update({line.item_id: line.item for line in lines})
    account = FundAccount.objects.filter(donation_id=donation.pk).first()
    general = donation.kind == DonationKind.CASH and account is None
    values = [line.estimated_value for line in lines if line.estimated_value is not None]

    portions = _portions_of(donation, account)
    totals = portions.aggregate(households=Count("line__household", distinct=True), amount=Sum("amount"),
                                value=Sum(VALUE), first=Min("line__handover__handed_over_on"),
                                last=Max("line__handover__handed_over_on"))
    items = {r["lot__item"]: r["quantity"] for r in portions.filter(lot__isnull=False).values("lot__item")
             .annotate(quantity=Sum("quantity")).order_by()}
    names.load(items=items)
    plans = list(portions.values("line__plan", "line__plan__name", "line__plan__distribute_on",
                                 "line__plan__status")
                 .annotate(households=Count("line__household", distinct=True),
                           first=Min("line__handover__handed_over_on"),
                           last=Max("line__handover__handed_over_on"))
                 .order_by("line__plan__distribute_on", "line__plan"))
    status_labels = dict(PlanStatus.choices)
    plan_rows = [{"name": p["line__plan__name"], "distribute_on": p["line__plan__distribute_on"],
                  "status": p["line__plan__status"], "status_label": status_labels.get(p["line__plan__status"]),
                  "households": shown_count(p["households"]), "first": p["first"], "last": p["last"]}
                 for p in plans]

    fund = _fund_uses(account) if account is not None else None
    if fund is not None:
        # Households reached by plans or direct grants, each once.
        reached = Household.objects.filter(Q(pk__in=portions.values("line__household"))
                                           | Q(pk__in=fund.pop("direct").values("household"))).count()
    else:
        reached = totals["households"] or 0

    held = list(Lot.objects.filter(donation_line__donation_id=donation.pk, on_hand__gt=0).values("item")
                .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"), expires_on=Min("expires_on"))
                .order_by("item"))
    names.load(items=[r["item"] for r in held])
    remaining_lots = [{**names.item(r["item"]), "on_hand": r["on_hand"], "reserved": r["reserved"],
                       "expires_on": r["expires_on"]} for r in held]

    return {
        "donation": donation,
        "number": donation_number(donation),
        "station": donation.station,
        "donor_name": donation.donor.name,
        "kind": donation.kind,
        "kind_label": donation.get_kind_display(),
        "received_on": donation.received_on,
        "feedback_sent_on": donation.feedback_sent_on,
        "lines": [{**names.item(line.item_id), "quantity": line.quantity, "expires_on": line.expires_on,
                   "value": line.estimated_value} for line in lines],
        "goods_value": sum(values, ZERO) if values else None,
        "amount": donation.amount,
        "restrictions": restrictions_in_words(donation),
        "general_fund": _general_fund(donation) if general else None,
        "min_group": MIN_GROUP,
        "reached": {
            "households": shown_count(reached),
            "plan_households": shown_count(totals["households"]),
            "given": given_list(items, totals["amount"], names),
            "value": totals["value"],
            "first": _earliest(totals["first"], fund and fund["grants_first"]),
            "last": _latest(totals["last"], fund and fund["grants_last"]),
        },
        "plans": plan_rows,
        "by_group": by_group(_breakdown(portions, ["line__group"]), names),
        "by_community": by_community(_breakdown(portions, ["line__community"]), names),
        "by_grid": by_grid(_breakdown(portions, ["line__community", "line__grid"]), names),
        "other_uses": _other_stock_uses(donation, names) if donation.kind == DonationKind.IN_KIND else [],
        "fund": None if fund is None else {**fund, "grants_households": shown_count(fund["grants_households"])},
        "remaining": {
            "lots": remaining_lots,
            "balance": account.balance if account is not None else None,
            "reserved": account.reserved if account is not None else None,
        },
    }


# --- the station's public page -----------------------------------------------------------------


ANONYMOUS = {
    DonorKind.ENTERPRISE: lambda: _("an anonymous enterprise"),
    DonorKind.ORGANIZATION: lambda: _("an anonymous organisation"),
    DonorKind.PARTY_MEMBER: lambda: _("an anonymous party member"),
    DonorKind.INDIVIDUAL: lambda: _("an anonymous individual"),
    DonorKind.GOVERNMENT: lambda: _("an anonymous government body"),
}


def public_donor_name(donor: Donor) -> str:
    """The donor's name where they agreed to be named, otherwise "an
    anonymous <kind>"."""
    if donor.may_be_named:
        return donor.name
    anonymous = ANONYMOUS.get(donor.kind)
    return anonymous() if anonymous else _("an anonymous donor")


def public_donations(station, *, page=1, per_page: int = 25) -> Page:
    """The station's donations, newest first, a page at a time, each with its
    donor (``public_donor_name`` decides what is shown) and lines."""
    qs = (Donation.objects.filter(station=station).select_related("donor")
          .prefetch_related(Prefetch("lines", queryset=DonationLine.objects.order_by("id")))
          .order_by("-received_on", "-number"))
    return Paginator(qs, per_page).get_page(page)


def public_plans(station, *, page=1, per_page: int = 10) -> Page:
    """Plans that handed something over (in progress or closed), the latest first."""
    qs = (Plan.objects.filter(station=station, status__in=PUBLIC_PLAN_STATUSES)
          .order_by("-distribute_on", "-id").only("id", "name", "distribute_on", "status", "closed_on"))
    return Paginator(qs, per_page).get_page(page)


def station_disclosure(station, *, donations_page=1, plans_page=1, donations_per_page: int = 25,
                       plans_per_page: int = 10) -> dict:
    """What the station's public page shows: totals received and given out,
    a page of donations (donors named only where they allowed it) and a page
    of distributions, each with its recipients by group and by grid (small
    groups merged or withheld) and what was handed over. The number of
    queries does not grow with the rows shown."""
    donations = public_donations(station, page=donations_page, per_page=donations_per_page)
    received = Donation.objects.filter(station=station).aggregate(count=Count("id"), cash=Sum("amount"))
    received_items = {r["item"]: r["quantity"] for r in DonationLine.objects.filter(donation__station=station)
                      .values("item").annotate(quantity=Sum("quantity")).order_by()}

    station_portions = handed_over_portions().filter(line__plan__station=station)
    given = station_portions.aggregate(households=Count("line__household", distinct=True), amount=Sum("amount"))
    given_items = {r["lot__item"]: r["quantity"] for r in station_portions.filter(lot__isnull=False)
                   .values("lot__item").annotate(quantity=Sum("quantity")).order_by()}

    plans = public_plans(station, page=plans_page, per_page=plans_per_page)
    portions = handed_over_portions().filter(line__plan_id__in=[p.pk for p in plans.object_list])
    per_plan = _breakdown(portions, ["line__plan"])
    groups = _breakdown(portions, ["line__plan", "line__group"])
    grids = _breakdown(portions, ["line__plan", "line__community", "line__grid"])
    # Every name the page shows, one query per kind (the page's donation
    # lines hold only items the station received).
    names = _Names().load(items=set(received_items) | set(given_items) | _item_ids(per_plan.values()),
                          tags=_ids(groups.values(), 1), communities=_ids(grids.values(), 1),
                          grids=_ids(grids.values(), 2))
    groups, grids = _split(groups), _split(grids)

    donation_rows = [{
        "received_on": donation.received_on, "donor": public_donor_name(donation.donor),
        "kind": donation.kind, "kind_label": donation.get_kind_display(), "amount": donation.amount,
        "given": [{**names.item(line.item_id), "quantity": line.quantity} for line in donation.lines.all()],
    } for donation in donations.object_list]
    plan_rows = []
    for plan in plans.object_list:
        totals = per_plan.get((plan.pk,), {"households": 0, "quantities": {}, "amount": ZERO})
        plan_rows.append({
            "name": plan.name, "distribute_on": plan.distribute_on, "status": plan.status,
            "status_label": plan.get_status_display(), "households": shown_count(totals["households"]),
            "given": given_list(totals["quantities"], totals["amount"], names),
            "by_group": by_group(groups.get(plan.pk, {}), names),
            "by_grid": by_grid(grids.get(plan.pk, {}), names),
        })

    return {
        "station": station,
        "min_group": MIN_GROUP,
        "received": {"donations": received["count"], "cash": received["cash"] or ZERO,
                     "given": given_list(received_items, None, names)},
        "distributed": {"households": shown_count(given["households"]),
                        "given": given_list(given_items, given["amount"], names),
                        "amount": given["amount"] or ZERO},
        "donations": donation_rows,
        "donations_page": donations,
        "plans": plan_rows,
        "plans_page": plans,
        "as_of": timezone.localdate(),
    }
