"""Helpers for tests and benchmarks that need distribution plans.

``make_plan`` builds a plan through the services (``check=False``): its
households (written in bulk for big plans), lots or money, one tier, one
allowance, generated and optionally approved. ``ledger_problems`` lists
every way the lots and accounts of a plan disagree with their ledgers.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from resourcelink.fund.models import FundAccount, FundEntry
from resourcelink.fund.selectors import ledger_balance, ledger_reserved
from resourcelink.inventory.models import Lot, StockMove
from resourcelink.inventory.selectors import ledger_totals
from resourcelink.inventory.testing import get_item, make_lot, make_store
from resourcelink.people.models import Household, Resident, VulnerabilityTag
from resourcelink.people.services import address_key, name_key
from resourcelink.people.testing import make_community

from . import services
from .models import LineStatus, Plan, PlanLine, PlanPortion, PlanSource

_counter = itertools.count(1)


def get_tag(station, code: str = "elderly_alone") -> VulnerabilityTag:
    return VulnerabilityTag.objects.get(station=station, code=code)


def bulk_households(station, count: int, *, community=None, grids=(), residents: int = 2, tags=(),
                    batch: int = 2000) -> list[int]:
    """``count`` households of ``residents`` residents each, every resident
    with ``tags`` (VulnerabilityTag objects or codes), written with
    ``bulk_create`` (no history, no duplicate checks): for big tests and the
    benchmarks. Households go round ``grids`` if given. Returns their ids."""
    community = community or make_community(station)
    grids = list(grids)
    tag_ids = [get_tag(station, t).pk if isinstance(t, str) else t.pk for t in tags]
    run = next(_counter)
    households = []
    for i in range(count):
        address = f"批量路{run}号{i + 1}室"
        households.append(Household(station=station, name=f"批量户{run}-{i + 1}", address=address,
                                    address_key=address_key(address), community=community,
                                    grid=grids[i % len(grids)] if grids else None))
    Household.objects.bulk_create(households, batch_size=batch)
    people = []
    for h in households:
        for j in range(residents):
            name = f"批量人{h.pk}-{j + 1}"
            people.append(Resident(station=station, household=h, name=name, name_key=name_key(name),
                                   relation="head" if j == 0 else "other"))
    Resident.objects.bulk_create(people, batch_size=batch)
    if tag_ids:
        through = Resident.tags.through
        through.objects.bulk_create([through(resident_id=r.pk, vulnerabilitytag_id=t)
                                     for r in people for t in tag_ids], batch_size=batch * 2)
    return [h.pk for h in households]


def make_plan(station, *, actor=None, households=10, lots=1, item="masks", quantity: int = 10,
              basis: str = "household", units_per_lot: int | None = None, money=None, tag="elderly_alone",
              residents: int = 2, community=None, grids=(), distribute_on: datetime.date | None = None,
              whole_allowances: bool = True, generate: bool = True, approve: bool = False, name: str = "") -> Plan:
    """A plan for ``households`` (a number: new households in bulk whose
    residents have ``tag``, tier 1 by that tag; or Household objects, tier 1
    by choice), giving ``quantity`` units of ``item`` per household (or per
    person with ``basis="person"``) from ``lots`` (a number of new lots in a
    new store, ``units_per_lot`` each — by default just enough for everyone
    — or Lot objects); with ``money`` (whole yuan per recipient) from the
    general fund account, topped up to cover everyone by a cash donation
    received by ``actor``. Generated unless
    ``generate`` is False, approved with ``approve``."""
    from resourcelink.fund.testing import general_with

    tag_obj = get_tag(station, tag) if isinstance(tag, str) else tag
    if isinstance(households, int):
        count = households
        household_ids = bulk_households(station, count, community=community, grids=grids, residents=residents,
                                        tags=[tag_obj] if tag_obj else ())
        chosen = []
    else:
        chosen = list(households)
        count = len(chosen)
        household_ids = [h.pk for h in chosen]
    plan = services.plan_create(actor=actor, station=station, name=name or f"测试发放{next(_counter)}",
                                distribute_on=distribute_on or timezone.localdate(),
                                whole_allowances=whole_allowances, check=False)
    services.plan_tier_set(actor=actor, plan=plan, rank=1, tags=[tag_obj] if not chosen else [],
                           households=chosen, check=False)
    if basis == "person":
        recipients = Resident.objects.filter(household_id__in=household_ids, archived_on__isnull=True,
                                             merged_into__isnull=True).count()
    else:
        recipients = count
    if lots:
        item_obj = get_item(station, item) if isinstance(item, str) else item
        if isinstance(lots, int):
            units = units_per_lot or max(math.ceil(recipients * quantity / lots), 1)
            store = make_store(station)
            lots = [make_lot(store, item_obj, units) for _ in range(lots)]
        for lot in lots:
            services.plan_source_set(actor=actor, plan=plan, lot=lot, check=False)
        services.plan_allowance_add(actor=actor, plan=plan, item=item_obj, quantity=quantity, basis=basis,
                                    check=False)
    if money:
        if getattr(actor, "pk", None) is None:
            raise ValueError("make_plan: money needs an actor (who received the cash donation)")
        account = general_with(station, actor, str(Decimal(money) * max(recipients, 1)))
        services.plan_source_set(actor=actor, plan=plan, fund_account=account, check=False)
        services.plan_allowance_add(actor=actor, plan=plan, amount=Decimal(money), basis=basis, check=False)
    if generate:
        services.plan_generate(actor=actor, plan=plan, check=False)
    if approve:
        services.plan_approve(actor=actor, plan=plan, check=False)
    plan.household_ids = household_ids
    return plan


def ledger_problems(plan: Plan) -> list[str]:
    """Every disagreement between the plan's lots and accounts and their
    ledgers (empty: all agree):

    - each lot's cached on hand / reserved = the sums of its moves;
    - each account's cached balance / reserved = the sums of its entries;
    - what the plan holds reserved per lot and account, by its ledger moves
      (``plan:<id>`` and ``plan_line:<id>``), = its portions not yet handed
      over while it is approved or in progress, else nothing.
    """
    problems = []
    line_ids = list(PlanLine.objects.filter(plan=plan).values_list("pk", flat=True))
    sources = PlanSource.objects.filter(plan=plan)
    portions = PlanPortion.objects.filter(line__plan=plan)
    lot_ids = set(sources.exclude(lot=None).values_list("lot_id", flat=True)) | set(
        portions.exclude(lot=None).values_list("lot_id", flat=True))
    account_ids = set(sources.exclude(fund_account=None).values_list("fund_account_id", flat=True)) | set(
        portions.exclude(fund_account=None).values_list("fund_account_id", flat=True))
    totals = ledger_totals(lot_ids)
    for lot in Lot.objects.filter(pk__in=lot_ids):
        if (lot.on_hand, lot.reserved) != totals[lot.pk]:
            problems.append(f"lot #{lot.pk}: cached {(lot.on_hand, lot.reserved)}, ledger {totals[lot.pk]}")
    for account in FundAccount.objects.filter(pk__in=account_ids):
        ledger = (ledger_balance(account.pk), ledger_reserved(account.pk))
        if (account.balance, account.reserved) != ledger:
            problems.append(f"account #{account.pk}: cached {(account.balance, account.reserved)}, ledger {ledger}")

    references = Q(reference=f"plan:{plan.pk}")
    held_lots: dict[int, int] = defaultdict(int)
    held_accounts: dict[int, Decimal] = defaultdict(Decimal)
    for start in range(0, max(len(line_ids), 1), 2000):
        refs = references | Q(reference__in=[f"plan_line:{i}" for i in line_ids[start:start + 2000]])
        for lot_id, r in (StockMove.objects.filter(refs, lot_id__in=lot_ids).values("lot_id")
                          .annotate(r=Sum("reserved_delta")).values_list("lot_id", "r").order_by()):
            held_lots[lot_id] += r or 0
        for account_id, r in (FundEntry.objects.filter(refs, account_id__in=account_ids).values("account_id")
                              .annotate(r=Sum("reserved_delta")).values_list("account_id", "r").order_by()):
            held_accounts[account_id] += r or Decimal(0)
        references = Q(pk__in=[])  # the plan's own moves counted once
    expect_lots: dict[int, int] = defaultdict(int)
    expect_accounts: dict[int, Decimal] = defaultdict(Decimal)
    if plan.is_live:
        for lot_id, account_id, q, a in portions.filter(line__status=LineStatus.PLANNED).values_list(
                "lot_id", "fund_account_id", "quantity", "amount"):
            if lot_id:
                expect_lots[lot_id] += q
            else:
                expect_accounts[account_id] += a
    for lot_id in lot_ids:
        if held_lots.get(lot_id, 0) != expect_lots.get(lot_id, 0):
            problems.append(f"lot #{lot_id}: plan holds {held_lots.get(lot_id, 0)} reserved, "
                            f"its unhanded portions {expect_lots.get(lot_id, 0)}")
    for account_id in account_ids:
        if held_accounts.get(account_id, Decimal(0)) != expect_accounts.get(account_id, Decimal(0)):
            problems.append(f"account #{account_id}: plan holds {held_accounts.get(account_id, 0)} reserved, "
                            f"its unhanded portions {expect_accounts.get(account_id, 0)}")
    return problems
