"""Generate a distribution plan end to end: load, solve, write.

``plan_build(plan)`` loads the plan's settings and the station's register
with a handful of ``values_list`` queries (nothing per household), hands
plain records to ``matching.engine.allocate`` with strict tiers and writes
the lines, portions and shortfalls in bulk (``matching.draft._write``: COPY
on PostgreSQL, executemany on SQLite). The caller
(``services.plan_generate``) checks permissions, locks the plan and clears
the previous generation; this module trusts it.

What the engine is given (decision 0007):

- households: live (not archived), in the plan's communities if it names
  any, and in a tier: the first tier (by rank) one of whose tags a live
  resident has (live: not archived, not merged), or which chose the
  household;
- one demand per (household, allowance): the allowance's quantity (units, or
  whole yuan for money) per household, or times the live residents per
  person; an allowance limited to a tag counts only residents with it and
  goes only to households having one; the demand's tags are those of the
  live residents, its area the household's community, its vulnerability the
  largest weight of its live tags / 10 (orders households within a tier);
- supply: one per source lot (its item as the category; available units
  capped by the source's quantity; left out when the lot expires before the
  distribution day or its donation's use-by date is before it) and per
  source account (``MONEY`` as the category; whole yuan available, capped by
  the source's amount; left out past its donation's use-by date). The
  donation's target tags are the supply's ``eligible_tags``, its communities
  the supply's ``areas``.

Lots (or accounts) that are interchangeable for the engine — same category,
same eligible tags, same areas — are handed to it as one supply (with the
soonest expiry of the group) and split back afterwards, sooner-expiring
first (then by id), to the recipients in tier order. That keeps the flow
network at one arc per demand and group instead of one per demand and lot
(20,000 households and 200 lots of masks: 20,000 arcs, not 4 million), and
gives the same result as the engine's own tie-break: whatever is left over
sits in the lots that expire last.

With ``plan.whole_allowances`` a demand the engine fills only in part is
dropped (shortfall ``part_only``, nothing given) and the engine runs again
with what is left for the demands that got nothing for want of supply, so
the units freed can still make whole allowances for others (at most
``MAX_ROUNDS`` rounds). The tier order holds in each round; a household
dropped in one round is not offered supply in the next.
"""

from __future__ import annotations

import datetime
import gc
import math
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from resourcelink.donations.models import Donation
from resourcelink.fund.models import FundAccount
from resourcelink.inventory.models import Lot
from resourcelink.matching import engine
from resourcelink.matching.draft import _write
from resourcelink.people.models import Household, Resident, VulnerabilityTag

from .models import (
    Allowance,
    AllowanceBasis,
    LineStatus,
    Plan,
    PlanLine,
    PlanPortion,
    PlanShortfall,
    PlanSource,
    PlanTier,
    ShortfallReason,
)

MONEY = 0  # the engine category of money (item ids start at 1)
MAX_ROUNDS = 8
# Engine reasons this module can meet, as shortfall reasons; any other
# (no consent, too far, household cap: none apply to a plan) is "none left".
REASONS = {
    "no_category": ShortfallReason.NO_SOURCE,
    "not_eligible": ShortfallReason.NOT_ELIGIBLE,
    "none_left": ShortfallReason.NONE_LEFT,
}


def _live_residents(station_id: int, community_ids: list[int]):
    qs = Resident.objects.filter(station_id=station_id, archived_on__isnull=True, merged_into__isnull=True,
                                 household__archived_on__isnull=True)
    if community_ids:
        qs = qs.filter(household__community_id__in=community_ids)
    return qs


def whole_yuan(amount) -> int | None:
    """The amount as whole yuan, or None if it has fen."""
    value = Decimal(str(amount))
    return int(value) if value == value.to_integral_value() else None


class Loaded:
    """Everything a generation reads, as plain Python values."""

    def __init__(self, plan: Plan):
        station_id = plan.station_id
        self.community_ids = sorted(plan.communities.values_list("pk", flat=True))
        self.allowances = list(Allowance.objects.filter(plan=plan).order_by("id")
                               .values_list("id", "item_id", "quantity", "amount", "basis", "tag_id"))
        tiers = list(PlanTier.objects.filter(plan=plan).order_by("rank").values_list("id", "rank"))
        self.tier_ranks = [rank for _, rank in tiers]
        position = {pk: i for i, (pk, _) in enumerate(tiers)}
        self.tier_tags: list[set[int]] = [set() for _ in tiers]
        for tier_id, tag_id in PlanTier.tags.through.objects.filter(plantier__plan=plan).values_list(
                "plantier_id", "vulnerabilitytag_id"):
            self.tier_tags[position[tier_id]].add(tag_id)
        self.tier_households: list[set[int]] = [set() for _ in tiers]
        for tier_id, household_id in PlanTier.households.through.objects.filter(plantier__plan=plan).values_list(
                "plantier_id", "household_id"):
            self.tier_households[position[tier_id]].add(household_id)
        tag_rows = list(VulnerabilityTag.objects.filter(station_id=station_id).order_by("sort_order", "code", "id")
                        .values_list("id", "weight", "archived_on"))
        self.tag_rank = {pk: i for i, (pk, _, _) in enumerate(tag_rows)}
        self.tag_weight = {pk: weight for pk, weight, archived in tag_rows if archived is None}

        households = Household.objects.filter(station_id=station_id, archived_on__isnull=True)
        if self.community_ids:
            households = households.filter(community_id__in=self.community_ids)
        self.households = {pk: (community, grid) for pk, community, grid in
                           households.order_by().values_list("id", "community_id", "grid_id")}
        # Live residents by household, then every resident's tags of the
        # station's tags (no join) kept for the live ones.
        household_of = dict(_live_residents(station_id, self.community_ids).order_by()
                            .values_list("id", "household_id"))
        self.persons: dict[int, int] = defaultdict(int)
        for household_id in household_of.values():
            self.persons[household_id] += 1
        # (household, tag) -> residents with it; household -> its tags.
        self.tag_count: dict[tuple[int, int], int] = defaultdict(int)
        self.household_tags: dict[int, set[int]] = defaultdict(set)
        for resident_id, tag_id in (Resident.tags.through.objects.filter(vulnerabilitytag_id__in=list(self.tag_rank))
                                    .order_by().values_list("resident_id", "vulnerabilitytag_id")):
            household_id = household_of.get(resident_id)
            if household_id is not None:
                self.tag_count[household_id, tag_id] += 1
                self.household_tags[household_id].add(tag_id)

        self.sources = list(PlanSource.objects.filter(plan=plan).order_by("id")
                            .values_list("id", "lot_id", "fund_account_id", "quantity", "amount"))
        lot_ids = [lot for _, lot, _, _, _ in self.sources if lot]
        account_ids = [acc for _, _, acc, _, _ in self.sources if acc]
        self.lots = {row[0]: row[1:] for row in Lot.objects.filter(pk__in=lot_ids).order_by().values_list(
            "id", "item_id", "on_hand", "reserved", "expires_on", "donation_line__donation_id",
            "donation_line__donation__use_by")}
        self.accounts = {row[0]: row[1:] for row in FundAccount.objects.filter(pk__in=account_ids).order_by()
                         .values_list("id", "balance", "reserved", "donation_id", "donation__use_by")}
        donation_ids = ({row[4] for row in self.lots.values() if row[4]}
                        | {row[2] for row in self.accounts.values() if row[2]})
        self.donation_tags: dict[int, set[int]] = defaultdict(set)
        for donation_id, tag_id in Donation.target_tags.through.objects.filter(
                donation_id__in=donation_ids).values_list("donation_id", "vulnerabilitytag_id"):
            self.donation_tags[donation_id].add(tag_id)
        self.donation_communities: dict[int, set[int]] = defaultdict(set)
        for donation_id, community_id in Donation.communities.through.objects.filter(
                donation_id__in=donation_ids).values_list("donation_id", "community_id"):
            self.donation_communities[donation_id].add(community_id)


class Recipient:
    __slots__ = ("household", "community", "grid", "tier", "rank", "group", "persons")

    def __init__(self, household, community, grid, tier, rank, group, persons):
        self.household, self.community, self.grid = household, community, grid
        self.tier, self.rank, self.group, self.persons = tier, rank, group, persons


def recipients(data: Loaded) -> dict[int, Recipient]:
    """Household -> its tier (1-based position), rank and group, for every
    household in a tier."""
    found: dict[int, Recipient] = {}
    tag_rank = data.tag_rank
    for household, (community, grid) in data.households.items():
        tags = data.household_tags.get(household, ())
        for position, (tier_tags, chosen) in enumerate(zip(data.tier_tags, data.tier_households, strict=True)):
            matching = tier_tags.intersection(tags) if tags else ()
            if matching or household in chosen:
                group = min(matching, key=lambda t: tag_rank.get(t, 1 << 30)) if matching else None
                found[household] = Recipient(household, community, grid, position + 1,
                                             data.tier_ranks[position], group, data.persons.get(household, 0))
                break
    return found


class Demands:
    """The engine demands and, by demand id, what they stand for."""

    def __init__(self, data: Loaded, found: dict[int, Recipient]):
        self.records: list[engine.Demand] = []
        self.household: list[int] = []
        self.allowance: list[int] = []
        self.money: list[bool] = []
        weights = data.tag_weight
        for household in sorted(found):
            r = found[household]
            tags = frozenset(data.household_tags.get(household, ()))
            vulnerability = max((weights[t] for t in tags if t in weights), default=0) / 10
            for allowance_id, item_id, quantity, amount, basis, tag_id in data.allowances:
                if tag_id is not None:
                    persons = data.tag_count.get((household, tag_id), 0)
                    if not persons:
                        continue
                else:
                    persons = r.persons
                count = persons if basis == AllowanceBasis.PERSON else 1
                each = quantity if item_id is not None else whole_yuan(amount)
                asked = each * count
                if asked <= 0:
                    continue
                self.records.append(engine.Demand(
                    id=len(self.records), category=item_id if item_id is not None else MONEY, quantity=asked,
                    household=household, tier=r.tier, vulnerability=vulnerability, tags=tags, area=r.community))
                self.household.append(household)
                self.allowance.append(allowance_id)
                self.money.append(item_id is None)


class Sources:
    """Supply groups for the engine and, per group, its member lots or
    accounts in the order they are drawn on (sooner expiry first, then id)."""

    def __init__(self, data: Loaded, distribute_on):
        self.left_out: list[dict] = []
        members: dict[tuple, list[tuple]] = defaultdict(list)  # key -> [(expiry, id, kind, quantity)]
        for source_id, lot_id, account_id, cap_quantity, cap_amount in data.sources:
            if lot_id:
                item_id, on_hand, reserved, expires_on, donation_id, use_by = data.lots[lot_id]
                if expires_on is not None and expires_on < distribute_on:
                    self.left_out.append({"source": source_id, "lot": lot_id, "reason": "expired"})
                    continue
                available = max(on_hand - reserved, 0)
                if cap_quantity is not None:
                    available = min(available, cap_quantity)
                category, kind, pk = item_id, "lot", lot_id
                expiry = min((d for d in (expires_on, use_by) if d is not None), default=None)
            else:
                balance, reserved, donation_id, use_by = data.accounts[account_id]
                available = max(math.floor(balance - reserved), 0)
                if cap_amount is not None:
                    available = min(available, math.floor(cap_amount))
                category, kind, pk = MONEY, "account", account_id
                expiry = use_by
            if use_by is not None and use_by < distribute_on:
                self.left_out.append({"source": source_id, kind: pk, "reason": "use_by"})
                continue
            tags = frozenset(data.donation_tags.get(donation_id, ())) if donation_id else frozenset()
            areas = frozenset(data.donation_communities.get(donation_id, ())) if donation_id else frozenset()
            members[category, tags, areas].append((expiry, pk, kind, available))
        self.records: list[engine.Supply] = []
        self.members: list[list[tuple[str, int, int]]] = []  # group -> [(kind, id, quantity)]
        for (category, tags, areas), rows in sorted(members.items(), key=lambda kv: min(r[1] for r in kv[1])):
            rows.sort(key=lambda r: (r[0] is None, r[0] or distribute_on, r[1]))
            self.records.append(engine.Supply(
                id=len(self.records), categories=frozenset((category,)), quantity=sum(r[3] for r in rows),
                eligible_tags=tags, expires_on=rows[0][0], areas=areas))
            self.members.append([(kind, pk, quantity) for _, pk, kind, quantity in rows])


def _serves(supply: engine.Supply, demand: engine.Demand) -> bool:
    """Whether the engine would pair them: same category, eligible by tags and area."""
    return (demand.category in supply.categories
            and (not supply.eligible_tags or bool(supply.eligible_tags & demand.tags))
            and (not supply.areas or demand.area in supply.areas))


def solve(demands: Demands, sources: Sources, *, whole: bool, say) -> tuple[dict, dict, float, int]:
    """Run the engine (several rounds with whole allowances). Returns
    (demand -> {group: quantity}, demand -> (shortfall reason, quantity),
    objective of what is given, rounds).

    With whole allowances, after each round the units of the part-filled
    demands are pooled again and handed out whole, in priority order (tier,
    then vulnerability, then id), to those of them that can be filled from
    what is left (the solver may split a supply between two equal demands);
    the rest are dropped (``part_only``). The demands that got nothing for
    want of supply then go to the next round with what is left."""
    policy = engine.Policy(strict_tiers=True, distance_weight=0.0)
    fit = {c: {c: "same"} for c in {d.category for d in demands.records}}
    given: dict[int, dict[int, int]] = {}
    short: dict[int, tuple[str, int]] = {}
    left = [s.quantity for s in sources.records]
    # Groups in the order whole allowances are topped up from: sooner expiry first.
    by_expiry = sorted(range(len(sources.records)), key=lambda g: (
        sources.records[g].expires_on is None, sources.records[g].expires_on or datetime.date.max, g))
    todo = demands.records
    objective = 0.0
    rounds = 0
    while todo and rounds < MAX_ROUNDS:
        rounds += 1
        supplies = [engine.Supply(s.id, s.categories, left[s.id], s.eligible_tags, expires_on=s.expires_on,
                                  areas=s.areas) for s in sources.records]
        result = engine.allocate(todo, supplies, policy, fit)
        say(f"round {rounds}: {result.served} of {result.asked} given")
        got: dict[int, dict[int, int]] = defaultdict(dict)
        weight: dict[int, float] = {}
        for line in result.lines:
            got[line.demand][line.supply] = got[line.demand].get(line.supply, 0) + line.quantity
            weight[line.demand] = line.weight
        unmet = {u.demand: u for u in result.unmet}
        retry, partial = [], []
        served = 0
        for d in todo:
            u = unmet.get(d.id)
            if u is not None and d.id in got and whole:
                partial.append(d)  # its units stay in ``left`` for now
                continue
            if d.id in got:
                given[d.id] = got[d.id]
                for g, q in got[d.id].items():
                    left[g] -= q
                objective += weight[d.id] * sum(got[d.id].values())
                served += 1
            if u is None:
                short.pop(d.id, None)
                continue
            reason = REASONS.get(u.reason, ShortfallReason.NONE_LEFT)
            short[d.id] = (reason, u.quantity)
            if whole and reason == ShortfallReason.NONE_LEFT and d.id not in got:
                retry.append(d)
        partial.sort(key=lambda d: (d.tier, -d.vulnerability, d.id))
        for d in partial:
            groups = [g for g in by_expiry if left[g] > 0 and _serves(sources.records[g], d)]
            if sum(left[g] for g in groups) < d.quantity:
                short[d.id] = (ShortfallReason.PART_ONLY, d.quantity)
                continue
            need, take = d.quantity, {}
            for g in groups:
                q = min(need, left[g])
                take[g], need = q, need - q
                left[g] -= q
                if not need:
                    break
            given[d.id] = take
            objective += weight[d.id] * d.quantity
            short.pop(d.id, None)
            served += 1
        # Another round only if this one changed something (gave, or dropped
        # and so freed units) and there is something left to give.
        if not (whole and retry and (served or partial) and any(left)):
            break
        todo = retry
    return given, short, objective, rounds


def _split(demands: Demands, sources: Sources, given: dict[int, dict[int, int]]) -> dict[int, list[tuple]]:
    """demand -> [(kind, id, quantity)]: each group's units drawn from its
    members in order, recipients in tier order (then demand id)."""
    by_group: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for demand_id, groups in given.items():
        tier = demands.records[demand_id].tier
        for g, q in groups.items():
            if q > 0:
                by_group[g].append((tier, demand_id, q))
    out: dict[int, list[tuple]] = defaultdict(list)
    for g, wanted in by_group.items():
        wanted.sort()
        members = [list(m) for m in sources.members[g]]
        i = 0
        for _, demand_id, q in wanted:
            while q > 0:
                while members[i][2] <= 0:
                    i += 1
                take = min(q, members[i][2])
                members[i][2] -= take
                q -= take
                out[demand_id].append((members[i][0], members[i][1], take))
    return out


def _delete(model, where: str, params: list) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {where}", params)


def clear(plan: Plan) -> None:
    """Drop the plan's lines, portions and shortfalls (a draft's only: no
    hand-over refers to them). Plain deletes, so 20,000 rows go in three
    statements (lines keep the history rows of their edits)."""
    lines = connection.ops.quote_name(PlanLine._meta.db_table)
    _delete(PlanPortion, f"line_id IN (SELECT id FROM {lines} WHERE plan_id = %s)", [plan.pk])
    _delete(PlanShortfall, "plan_id = %s", [plan.pk])
    _delete(PlanLine, "plan_id = %s", [plan.pk])


def plan_build(plan: Plan, *, progress: Callable[[str], None] | None = None) -> dict:
    """Generate ``plan`` (see the module doc); returns the generation figures
    (also set on ``plan.generation``; the caller saves the plan)."""
    # Many small objects are made and dropped, none in a cycle (see matching.draft).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(plan, progress or (lambda message: None))
    finally:
        if collecting:
            gc.enable()


def _build(plan: Plan, say: Callable[[str], None]) -> dict:
    started = time.perf_counter()
    data = Loaded(plan)
    found = recipients(data)
    demands = Demands(data, found)
    sources = Sources(data, plan.distribute_on)
    load_s = time.perf_counter() - started
    say(f"loaded {len(found)} households, {len(demands.records)} allowances due and "
        f"{len(sources.records)} supply groups in {load_s:.2f} s")

    started = time.perf_counter()
    given, short, objective, rounds = solve(demands, sources, whole=plan.whole_allowances, say=say)
    portions = _split(demands, sources, given)
    solve_s = time.perf_counter() - started

    started = time.perf_counter()
    clear(plan)
    recipients_hh = sorted({demands.household[d] for d in portions})
    line_rows = []
    for household in recipients_hh:
        r = found[household]
        line_rows.append((plan.pk, household, r.community, r.grid, r.rank, r.group, min(r.persons, 32767),
                          LineStatus.PLANNED, "", secrets.token_urlsafe(32)))
    _write(PlanLine, ["plan_id", "household_id", "community_id", "grid_id", "tier", "group_id", "persons",
                      "status", "edit_reason", "token"], line_rows)
    line_of = dict(PlanLine.objects.filter(plan=plan).values_list("household_id", "id"))
    portion_rows = []
    for demand_id in sorted(portions):
        line_id = line_of[demands.household[demand_id]]
        allowance_id = demands.allowance[demand_id]
        for kind, pk, quantity in portions[demand_id]:
            if kind == "lot":
                portion_rows.append((line_id, allowance_id, pk, None, quantity, None))
            else:
                portion_rows.append((line_id, allowance_id, None, pk, None, Decimal(quantity)))
    _write(PlanPortion, ["line_id", "allowance_id", "lot_id", "fund_account_id", "quantity", "amount"],
           portion_rows)
    shortfall_rows = []
    by_reason: dict[str, int] = defaultdict(int)
    for demand_id in sorted(short):
        reason, quantity = short[demand_id]
        household = demands.household[demand_id]
        money = demands.money[demand_id]
        shortfall_rows.append((plan.pk, household, demands.allowance[demand_id], found[household].rank,
                               None if money else quantity, Decimal(quantity) if money else None, str(reason)))
        by_reason[str(reason)] += 1
    _write(PlanShortfall, ["plan_id", "household_id", "allowance_id", "tier", "quantity", "amount", "reason"],
           shortfall_rows)
    write_s = time.perf_counter() - started
    say(f"wrote {len(line_rows)} lines, {len(portion_rows)} portions and {len(shortfall_rows)} shortfalls "
        f"in {write_s:.2f} s")

    asked: dict[int, int] = defaultdict(int)
    got: dict[int, int] = defaultdict(int)
    for d in demands.records:
        asked[demands.allowance[d.id]] += d.quantity
    for demand_id, rows in portions.items():
        got[demands.allowance[demand_id]] += sum(q for _, _, q in rows)
    generation = {
        "recipients": len(line_rows),
        "households": len(found),
        "lines": len(line_rows),
        "portions": len(portion_rows),
        "allowances": [{"id": a[0], "money": a[1] is None, "asked": asked.get(a[0], 0), "given": got.get(a[0], 0)}
                       for a in data.allowances],
        "objective": round(objective, 6),
        "rounds": rounds,
        "shortfalls": dict(sorted(by_reason.items())),
        "left_out": sources.left_out,
        "seconds": round(load_s + solve_s + write_s, 3),
        "timings": {"load": round(load_s, 3), "solve": round(solve_s, 3), "write": round(write_s, 3)},
    }
    plan.generation = generation
    plan.generated_on = timezone.now()
    return generation
