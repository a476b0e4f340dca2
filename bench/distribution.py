"""The distribution benchmark: generate a plan for some 20,000 recipient
households from 200 lots, approve it, record 1,000 hand-overs in bulk.

The households are those of ``bench.needs_district`` (40,000, a quarter of
their residents with a vulnerability tag). The plan's tiers: hardship groups
first, then other groups, then frontline workers and volunteers, then 2,500
households without a tag chosen by hand — about 20,000 households in all.
Three allowances: ten masks per person, a bag of rice per household, two
protective suits per frontline worker. The supply is 200 lots received
through ``donations.services.donation_receive`` into a store of their own
(``STORE``, generated once, found again by its name): 100 lots of masks, 80
of rice, 20 of protective clothing, some of them for named groups or
communities only, a few past their date, and somewhat fewer masks than the
tiers ask for, so the last tier comes short.

Each run, in one process per database:

1. puts the fixture back as generated (plans left live by an earlier run
   closed, each lot brought back to what its donation line received, by an
   ``adjust`` move, so the ledger stays whole);
2. sets up a new plan through the services (not timed);
3. times ``plan_generate`` end to end (load, solve, write, commit), on the
   fresh draft and then again (replacing its lines), keeping the fastest;
4. times ``plan_approve`` (reserves the 200 lots);
5. times ``handover_record_bulk`` of 1,000 lines in sheet order (grid, then
   line), twice on different lines, keeping the fastest;
6. checks the plan's lots against their ledger and reservations
   (``distribution.testing.ledger_problems``), then closes the plan.
"""

import random
import time
from contextlib import contextmanager

STORE = "基准发放仓库"
PLAN_PREFIX = "基准发放计划"
BENCH_ADMIN = "bench-admin"
HANDOVERS = 1000
CHOSEN_HOUSEHOLDS = 2500
TIERS = (
    ("special_hardship", "subsistence", "elderly_alone", "disability"),
    ("chronic_illness", "pregnant", "left_behind_child", "unemployed"),
    ("frontline_worker", "volunteer"),
)
# (item, lots, units per lot (low, high), restriction) per donation; lots
# with "expired" expire before the distribution day and are left out.
DONATIONS = (
    ("masks", 10, (3800, 5600), {}),
    ("masks", 10, (3800, 5600), {}),
    ("masks", 10, (3800, 5600), {"tags": ("elderly_alone", "special_hardship")}),
    ("masks", 10, (3800, 5600), {}),
    ("masks", 10, (3800, 5600), {"communities": 30}),
    ("masks", 10, (3800, 5600), {}),
    ("masks", 10, (3800, 5600), {}),
    ("masks", 10, (3800, 5600), {}),
    ("masks", 10, (3800, 5600), {}),
    ("masks", 7, (3800, 5600), {}),
    ("masks", 3, (3800, 5600), {"expired": True}),
    ("rice", 10, (180, 320), {}),
    ("rice", 10, (180, 320), {"communities": 30}),
    ("rice", 10, (180, 320), {}),
    ("rice", 8, (180, 320), {"tags": ("subsistence", "disability")}),
    ("rice", 10, (180, 320), {}),
    ("rice", 10, (180, 320), {}),
    ("rice", 10, (180, 320), {}),
    ("rice", 12, (180, 320), {}),
    ("protective_clothing", 5, (100, 200), {"tags": ("frontline_worker",)}),
    ("protective_clothing", 15, (100, 200), {}),
)


def bench_admin(station):
    """A station admin of the district (created on first use): approving
    and closing plans, adjusting stock."""
    from django.contrib.auth import get_user_model

    from resourcelink.accounts.models import Membership, Role
    from resourcelink.accounts.services import membership_add, user_create

    user = get_user_model().objects.filter(username=BENCH_ADMIN).first()
    if user is None:
        user = user_create(username=BENCH_ADMIN, password="bench-not-a-secret-2", validate=False)
    if not Membership.objects.filter(user=user, station=station, ended_on__isnull=True).exists():
        membership_add(actor=None, station=station, user=user, role=Role.ADMIN, check=False)
    return user


def fixture_lots(station) -> list:
    from resourcelink.inventory.models import Lot

    return list(Lot.objects.filter(station=station, store__name=STORE).select_related("donation_line")
                .order_by("id"))


def ensure_fixture(station, *, seed: int, log) -> dict:
    """The 200 lots of the benchmark's plans, received once as donations."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from resourcelink.communities.models import Community
    from resourcelink.donations.services import LineSpec, donation_receive, donor_create
    from resourcelink.inventory.models import Item
    from resourcelink.inventory.services import store_create
    from resourcelink.people.models import VulnerabilityTag

    from .district import bench_user

    lots = fixture_lots(station)
    if lots:
        log(f"reusing the distribution fixture: {len(lots)} lots in {STORE}")
        return {"lots": len(lots), "generated": False, "seconds": 0.0}
    log(f"receiving {sum(d[1] for d in DONATIONS)} lots for the distribution benchmark (seed {seed})")
    started = time.perf_counter()
    rng = random.Random(seed + 29)
    user = bench_user(station)
    today = timezone.localdate()
    items = {i.code: i for i in Item.objects.filter(station=station)}
    tags = {t.code: t for t in VulnerabilityTag.objects.filter(station=station)}
    communities = list(Community.objects.filter(station=station).order_by("id"))
    with transaction.atomic():
        store = store_create(actor=None, station=station, name=STORE, check=False)
        donors = [donor_create(actor=user, station=station, kind="enterprise", name=f"基准发放捐赠方{k + 1}",
                               check=False) for k in range(5)]
        for k, (code, n, (low, high), restriction) in enumerate(DONATIONS):
            lines = []
            for _ in range(n):
                if restriction.get("expired"):
                    expires = today - dt.timedelta(days=rng.randint(1, 30))
                elif code == "protective_clothing":
                    expires = None
                else:
                    expires = today + dt.timedelta(days=rng.randint(5, 400))
                lines.append(LineSpec(items[code], rng.randint(low, high), expires))
            donation_receive(
                actor=user, station=station, donor=donors[k % len(donors)], kind="in_kind",
                received_on=today - dt.timedelta(days=rng.randint(1, 60)), lines=lines, store=store,
                target_tags=[tags[t] for t in restriction.get("tags", ())],
                communities=communities[: restriction.get("communities", 0)], check=False)
    seconds = time.perf_counter() - started
    lots = fixture_lots(station)
    log(f"received {len(lots)} lots in {seconds:.1f} s")
    return {"lots": len(lots), "generated": True, "seconds": round(seconds, 1)}


def reset(station, admin, log) -> dict:
    """Close what an earlier run left live, then bring every fixture lot
    back to what its donation line received (an ``adjust`` move each)."""
    from resourcelink.distribution.models import Plan, PlanStatus
    from resourcelink.distribution.services import plan_cancel, plan_close
    from resourcelink.inventory.services import stock_adjust

    plans = Plan.objects.filter(station=station, name__startswith=PLAN_PREFIX)
    closed = 0
    for plan in plans.filter(status__in=[PlanStatus.APPROVED, PlanStatus.IN_PROGRESS]):
        plan_close(actor=admin, plan=plan, reason="基准测试结束", check=False)
        closed += 1
    for plan in plans.filter(status=PlanStatus.DRAFT):
        plan_cancel(actor=admin, plan=plan, reason="基准测试结束", check=False)
        closed += 1
    adjusted = 0
    for lot in fixture_lots(station):
        delta = lot.donation_line.quantity - lot.on_hand
        if delta:
            stock_adjust(actor=admin, lot=lot, delta=delta, reason="基准测试：补回上次发放的数量", check=False)
            adjusted += 1
    if closed or adjusted:
        log(f"reset: {closed} earlier bench plans closed or cancelled, {adjusted} lots restocked")
    return {"plans_closed": closed, "lots_restocked": adjusted}


def make_plan(station, user, *, seed: int):
    """A new draft with the fixture's lots, four tiers and three allowances."""
    from django.utils import timezone

    from resourcelink.distribution import services
    from resourcelink.distribution.models import Plan
    from resourcelink.inventory.models import Item
    from resourcelink.people.models import Household, Resident, VulnerabilityTag

    tags = {t.code: t for t in VulnerabilityTag.objects.filter(station=station)}
    items = {i.code: i for i in Item.objects.filter(station=station)}
    number = Plan.objects.filter(station=station, name__startswith=PLAN_PREFIX).count() + 1
    plan = services.plan_create(actor=user, station=station, name=f"{PLAN_PREFIX}{number}",
                                distribute_on=timezone.localdate(), description="基准测试")
    for lot in fixture_lots(station):
        services.plan_source_set(actor=user, plan=plan, lot=lot)
    for rank, codes in enumerate(TIERS, start=1):
        services.plan_tier_set(actor=user, plan=plan, rank=rank, tags=[tags[c] for c in codes])
    # The last tier: households with no tagged resident, chosen by hand.
    tagged = Resident.tags.through.objects.filter(resident__station=station).values("resident__household_id")
    untagged = list(Household.objects.filter(station=station, archived_on__isnull=True)
                    .exclude(pk__in=tagged).order_by("id").values_list("pk", flat=True))
    chosen = sorted(random.Random(seed + 31).sample(untagged, min(CHOSEN_HOUSEHOLDS, len(untagged))))
    services.plan_tier_set(actor=user, plan=plan, rank=len(TIERS) + 1,
                           households=list(Household.objects.filter(pk__in=chosen)))
    services.plan_allowance_add(actor=user, plan=plan, item=items["masks"], quantity=10, basis="person")
    services.plan_allowance_add(actor=user, plan=plan, item=items["rice"], quantity=1, basis="household")
    services.plan_allowance_add(actor=user, plan=plan, item=items["protective_clothing"], quantity=2,
                                basis="person", tag=tags["frontline_worker"])
    return plan


@contextmanager
def counting():
    """Count the SQL statements run inside (and the time spent in them)."""
    from django.db import connection

    seen = {"queries": 0, "sql_s": 0.0}

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen["queries"] += 1
            seen["sql_s"] += time.perf_counter() - started

    with connection.execute_wrapper(wrapper):
        yield seen


@contextmanager
def profiled(enabled: bool, label: str):
    """cProfile the block when asked (``--profile plan_generate`` or
    ``handover_bulk``), printed to stderr."""
    if not enabled:
        yield
        return
    import cProfile
    import pstats
    import sys

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        print(f"\n== profile of {label}", file=sys.stderr)
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)


def _timed(step, log, label: str, *, profile: bool = False) -> dict:
    from .child import cpu_seconds

    with profiled(profile, label), counting() as seen:
        started, cpu_started = time.perf_counter(), cpu_seconds()
        step()
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    log(f"  {label}: {seconds:.2f} s (CPU {cpu:.2f} s), {seen['queries']} queries ({seen['sql_s']:.2f} s in SQL)")
    # CPU: this process's and its PostgreSQL backend's (``child.cpu_seconds``),
    # what the step costs when other work on the machine delays it.
    return {"seconds": round(seconds, 2), "cpu_s": round(cpu, 2), "queries": seen["queries"],
            "sql_s": round(seen["sql_s"], 2)}


def run_distribution(args, log) -> dict:
    from resourcelink.distribution import services
    from resourcelink.distribution.models import LineStatus, PlanLine
    from resourcelink.distribution.testing import ledger_problems

    from .child import database_info
    from .district import bench_user, ensure_district, refresh_statistics
    from .needs_district import ensure_needs

    district = ensure_district(
        communities=args.communities, resources=args.resources, seed=args.seed, regenerate=False, log=log,
    )
    station = district["station"]
    register = ensure_needs(station, seed=args.seed, log=log)
    fixture = ensure_fixture(station, seed=args.seed, log=log)
    if district["generated"] or register["generated"] or fixture["generated"]:
        refresh_statistics(log)
    user, admin = bench_user(station), bench_admin(station)
    reset_done = reset(station, admin, log)

    started = time.perf_counter()
    plan = make_plan(station, user, seed=args.seed)
    setup_s = time.perf_counter() - started
    log(f"plan {plan.name!r} set up in {setup_s:.1f} s: {plan.sources.count()} lots, {plan.tiers.count()} tiers, "
        f"{plan.allowances.count()} allowances")

    generations = []
    for n in range(max(1, args.plan_repeats)):
        log(f"generating ({n + 1}/{args.plan_repeats}{', replacing the lines' if n else ''})")
        timing = _timed(lambda: services.plan_generate(actor=user, plan=plan, progress=lambda m: log("    " + m)),
                        log, "plan_generate", profile=args.profile == "plan_generate" and n == 0)
        plan.refresh_from_db()
        timing["generation"] = plan.generation
        generations.append(timing)
    generate = min(generations, key=lambda g: g["seconds"])
    generation = generations[-1]["generation"]

    log("approving (reserving the lots)")
    approve = _timed(lambda: services.plan_approve(actor=admin, plan=plan), log, "plan_approve")

    sheet = list(PlanLine.objects.filter(plan=plan, status=LineStatus.PLANNED).order_by("grid_id", "id")
                 .values_list("pk", flat=True))
    handovers = []
    for n in range(max(1, args.plan_repeats)):
        ids = sheet[n * HANDOVERS:(n + 1) * HANDOVERS]
        if len(ids) < HANDOVERS:
            break
        log(f"recording {len(ids)} hand-overs in bulk ({n + 1}/{args.plan_repeats})")
        timing = _timed(lambda ids=ids: services.handover_record_bulk(actor=user, plan=plan, line_ids=ids,
                                                                      note="基准批量登记"),
                        log, "handover_record_bulk", profile=args.profile == "handover_bulk" and n == 0)
        timing["lines"] = len(ids)
        handovers.append(timing)
    handover = min(handovers, key=lambda h: h["seconds"]) if handovers else None
    plan.refresh_from_db()
    problems = ledger_problems(plan)
    if problems:
        log(f"LEDGER PROBLEMS after the hand-overs: {problems[:5]}")
    else:
        log("the plan's lots agree with their ledger and its reservations")
    close = _timed(lambda: services.plan_close(actor=admin, plan=plan, reason="基准测试结束"), log, "plan_close")
    return {
        "db": args.db,
        "database": database_info(),
        "register": {k: v for k, v in register.items() if k != "root"},
        "fixture": fixture,
        "reset": reset_done,
        "plan": {"id": plan.pk, "name": plan.name, "sources": plan.sources.count(), "tiers": plan.tiers.count(),
                 "allowances": plan.allowances.count(), "setup_s": round(setup_s, 1)},
        "recipients": generation.get("recipients"),
        "households_in_tiers": generation.get("households"),
        "portions": generation.get("portions"),
        "shortfalls": generation.get("shortfalls"),
        "left_out": len(generation.get("left_out", [])),
        "allowances": generation.get("allowances"),
        "generate": generate,
        "generate_all_s": [g["seconds"] for g in generations],
        "approve": approve,
        "handover": handover,
        "handover_all_s": [h["seconds"] for h in handovers],
        "ledger_problems": problems[:20],
        "close": close,
    }
