"""Build an allocation draft end to end: load, solve, write.

``allocation_draft_build(run)`` reads ``run.parameters`` (decision 0005),
loads the needs still wanting and the supply left with a handful of
``values_list`` queries (no model instances, nothing per need), hands plain
records to ``engine.allocate`` and writes the lines and unmet needs in bulk
(COPY on PostgreSQL, executemany on SQLite) inside one transaction. The
caller (``services.allocation_run_create``) checks permissions and cleans the
parameters; this module trusts them.

What the engine is given:

- needs that still want something (``NEED_STATUSES_WANTING``), not archived,
  of households not archived;
- a need's quantity left = its quantity − the quantity of its committed links
  (``LINK_STATUSES_COMMITTED``); needs with nothing left are left out;
- its household's location, and its tags = the union of the tags of the
  household's live residents (not archived, not merged), archived tags
  included: eligibility is decided as ``needs.services.links_create`` decides
  it, so the draft offers no line that accepting would refuse;
- vulnerability = the largest weight of its live (not archived) tags / 10
  (0..1): one severe vulnerability counts fully, several mild ones do not add
  up to a severe one;
- the organisations it may be shared with (``consented_orgs``), as
  ``links_create`` decides: a need of one resident, those that resident (if
  live) gave an active share consent for (not withdrawn, given by today); a
  need of the whole household, those any of its live residents did;
- tier by ``policy.tiers``: "urgency" → critical 1, high 2, normal 3, low 4;
  "tags" → households with any of ``priority_tag_ids`` 1, others 2; "none" →
  all 1 (and no strict tiers);
- supply = active resources of the station with a quantity; capacity left =
  floor(quantity) − committed link quantity (those with none left still count
  for the unmet reasons); categories, eligible tags and location from the
  resource; ``consent_org``: none for a resource inside the community with no
  organisation, its organisation if it has one, ``engine.NEVER_CONSENTED`` for
  one outside the community without (only an admin's override links those,
  and a draft makes none);
- fit from the category tree: "same" (same id), "narrower" (the resource's
  category is inside the need's subtree), "broader" (the need's category is
  inside the resource's subtree).
"""

from __future__ import annotations

import gc
import io
import math
import time
from collections import defaultdict
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from resourcelink.directory.models import Resource, ResourceStatus
from resourcelink.needs.models import LINK_STATUSES_COMMITTED, NEED_STATUSES_WANTING, Link, Need
from resourcelink.people.models import Consent, ConsentScope, Household, Resident, VulnerabilityTag
from resourcelink.taxonomy.models import Category

from . import engine
from .models import AllocationLine, AllocationRun, AllocationUnmet

URGENCY_TIER = {"critical": 1, "high": 2, "normal": 3, "low": 4}
WRITE_BATCH = 5000


def _subtree_ids(categories: dict[int, str], ids) -> set[int]:
    """The chosen categories and everything under them."""
    prefixes = tuple(categories[i] for i in ids if i in categories)
    return {cid for cid, path in categories.items() if path.startswith(prefixes)} if prefixes else set()


def category_fit(categories: dict[int, str], need_categories, supply_categories) -> dict[int, dict[int, str]]:
    """need category -> {supply category: "same" | "narrower" | "broader"}."""
    fit: dict[int, dict[int, str]] = {}
    # Only categories under the same root can fit each other.
    by_root: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for sc in sorted(supply_categories):
        if sc in categories:
            by_root[categories[sc].split("/", 1)[0]].append((sc, categories[sc]))
    for nc in sorted(need_categories):
        path = categories.get(nc)
        if path is None:
            continue
        row = {}
        for sc, spath in by_root.get(path.split("/", 1)[0], ()):
            if sc == nc:
                row[sc] = "same"
            elif spath.startswith(path):
                row[sc] = "narrower"
            elif path.startswith(spath):
                row[sc] = "broader"
        if row:
            fit[nc] = row
    return fit


def engine_policy(policy: dict) -> engine.Policy:
    weight = policy.get("distance_weight")
    return engine.Policy(
        strict_tiers=policy.get("tiers", "none") != "none",
        household_cap=policy.get("household_cap"),
        max_distance_km=policy.get("max_distance_km"),
        distance_weight=engine.DEFAULT_DISTANCE_WEIGHT if weight is None else float(weight),
    )


def load(station, parameters: dict) -> tuple[list[engine.Demand], list[engine.Supply], dict]:
    """The needs and supply of a run as engine records, and the fit table."""
    needs_f = parameters.get("needs") or {}
    supply_f = parameters.get("supply") or {}
    policy = parameters.get("policy") or {}
    categories = dict(Category.objects.filter(station=station).values_list("id", "path"))

    # Supply first: whether any of it needs consent decides whether consents are read.
    resources = Resource.objects.filter(station=station, status=ResourceStatus.ACTIVE, quantity__isnull=False)
    if supply_f.get("category_ids"):
        wanted = sorted(_subtree_ids(categories, supply_f["category_ids"]))
        resources = resources.filter(pk__in=Resource.categories.through.objects.filter(category_id__in=wanted)
                                     .values("resource_id"))
    if supply_f.get("community_ids"):
        resources = resources.filter(community_id__in=supply_f["community_ids"])
    if supply_f.get("kinds"):
        resources = resources.filter(kind__in=supply_f["kinds"])
    if supply_f.get("resource_ids"):
        resources = resources.filter(pk__in=supply_f["resource_ids"])
    resources = resources.order_by()
    resource_rows = list(resources.values_list("id", "quantity", "latitude", "longitude", "is_internal",
                                               "organization_id"))
    ids = resources.values("id")
    resource_categories: dict[int, set[int]] = defaultdict(set)
    for rid, cid in (Resource.categories.through.objects.filter(resource_id__in=ids).order_by()
                     .values_list("resource_id", "category_id")):
        resource_categories[rid].add(cid)
    resource_tags: dict[int, set[int]] = defaultdict(set)
    for rid, tid in (Resource.eligible_tags.through.objects.filter(resource_id__in=ids).order_by()
                     .values_list("resource_id", "vulnerabilitytag_id")):
        resource_tags[rid].add(tid)

    committed = Link.objects.filter(station=station, status__in=LINK_STATUSES_COMMITTED).order_by()
    need_held = {k: v or 0 for k, v in committed.values("need_id").annotate(q=Sum("quantity"))
                 .values_list("need_id", "q")}
    resource_held = dict(committed.values("resource_id").annotate(q=Sum("quantity"))
                         .values_list("resource_id", "q"))

    supplies = []
    share_with: set[int] = set()
    for pk, quantity, lat, lon, is_internal, org in resource_rows:
        if pk not in resource_categories:
            continue
        left = max(math.floor(quantity) - (resource_held.get(pk) or 0), 0)
        # As links_create: outside the community or run by an organisation
        # shares the resident's details, with that organisation.
        if org is not None:
            consent_org = org
            share_with.add(org)
        else:
            consent_org = None if is_internal else engine.NEVER_CONSENTED
        supplies.append(engine.Supply(pk, frozenset(resource_categories[pk]), left,
                                      frozenset(resource_tags.get(pk, ())), lat, lon, None, consent_org))

    needs = Need.objects.filter(station=station, status__in=NEED_STATUSES_WANTING, archived_on__isnull=True,
                                household__archived_on__isnull=True)
    if needs_f.get("category_ids"):
        needs = needs.filter(category_id__in=sorted(_subtree_ids(categories, needs_f["category_ids"])))
    if needs_f.get("community_ids"):
        needs = needs.filter(community_id__in=needs_f["community_ids"])
    if needs_f.get("grid_ids"):
        needs = needs.filter(grid_id__in=needs_f["grid_ids"])
    if needs_f.get("urgencies"):
        needs = needs.filter(urgency__in=needs_f["urgencies"])
    need_rows = list(needs.order_by().values_list("id", "category_id", "quantity", "household_id", "urgency",
                                                  "resident_id"))

    places = {h: (lat, lon) for h, lat, lon in Household.objects.filter(station=station).order_by()
              .values_list("id", "latitude", "longitude")}
    # Live tags weigh; every tag (archived too) counts for eligibility, as in links_create.
    weights = dict(VulnerabilityTag.objects.filter(station=station, archived_on__isnull=True).order_by()
                   .values_list("id", "weight"))
    household_tags: dict[int, set[int]] = defaultdict(set)
    through = Resident.tags.through
    for household_id, tag_id in (through.objects.filter(resident__station=station,
                                                        resident__archived_on__isnull=True,
                                                        resident__merged_into__isnull=True).order_by()
                                 .values_list("resident__household_id", "vulnerabilitytag_id")):
        household_tags[household_id].add(tag_id)

    # Share consents, in one query: by live resident and by household.
    resident_orgs: dict[int, set[int]] = defaultdict(set)
    household_orgs: dict[int, set[int]] = defaultdict(set)
    if share_with:
        for resident_id, household_id, org in Consent.objects.filter(
            station=station, scope=ConsentScope.SHARE, withdrawn_on__isnull=True,
            given_on__lte=timezone.localdate(), organization_id__in=sorted(share_with),
            resident__archived_on__isnull=True, resident__merged_into__isnull=True,
        ).order_by().values_list("resident_id", "resident__household_id", "organization_id"):
            resident_orgs[resident_id].add(org)
            household_orgs[household_id].add(org)
    frozen_resident = {k: frozenset(v) for k, v in resident_orgs.items()}
    frozen_household = {k: frozenset(v) for k, v in household_orgs.items()}
    nobody: frozenset[int] = frozenset()

    tiers = policy.get("tiers", "none")
    priority = set(policy.get("priority_tag_ids") or ())
    no_place = (None, None)
    plain = (frozenset(), 0.0, 2 if tiers == "tags" else 1)
    # Per household once (tags, vulnerability, tier by tags), not per need.
    about: dict[int, tuple[frozenset, float, int]] = {}
    for household, tag_ids in household_tags.items():
        tags = frozenset(tag_ids)
        tier = (1 if tags & priority else 2) if tiers == "tags" else 1
        about[household] = (tags, max((weights[t] for t in tags if t in weights), default=0) / 10, tier)
    urgency_tier = tiers == "urgency"
    Demand = engine.Demand
    demands = []
    for pk, category, quantity, household, urgency, resident in need_rows:
        left = quantity - need_held.get(pk, 0)
        if left <= 0:
            continue
        tags, vulnerability, tier = about.get(household, plain)
        if urgency_tier:
            tier = URGENCY_TIER.get(urgency, 4)
        lat, lon = places.get(household, no_place)
        orgs = (frozen_resident.get(resident, nobody) if resident is not None
                else frozen_household.get(household, nobody))
        demands.append(Demand(pk, category, left, household, urgency, tier, vulnerability, tags, lat, lon, orgs))

    fit = category_fit(categories, {d.category for d in demands},
                       {c for s in supplies for c in s.categories})
    return demands, supplies, fit


def _write(model, columns: list[str], rows: list[tuple]) -> None:
    """Many rows into one table, as fast as the database takes them."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(r"\N" if v is None else str(v) for v in row))
                buffer.write("\n")
            # Check the foreign keys now rather than at commit, so the
            # write's time is the whole cost of writing (and an error here
            # names this statement); Django's keys are deferred again after.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
        for start in range(0, len(rows), WRITE_BATCH):
            cursor.executemany(sql, rows[start:start + WRITE_BATCH])


def allocation_draft_build(run: AllocationRun, *, progress: Callable[[str], None] | None = None) -> AllocationRun:
    """Compute the draft of ``run`` and write its lines, unmet needs, counts,
    objective and timings. Returns the run, saved."""
    # Hundreds of thousands of small objects are made and dropped here, none
    # in a cycle: the cyclic collector would only walk them over and over
    # (about a tenth of the time at district scale).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(run, progress=progress)
    finally:
        if collecting:
            gc.enable()


def _build(run: AllocationRun, *, progress: Callable[[str], None] | None) -> AllocationRun:
    parameters = run.parameters or {}
    policy = engine_policy(parameters.get("policy") or {})
    with_greedy = bool(parameters.get("with_greedy") or (parameters.get("policy") or {}).get("with_greedy"))
    say = progress or (lambda message: None)
    started = time.perf_counter()
    demands, supplies, fit = load(run.station, parameters)
    load_s = time.perf_counter() - started
    say(f"loaded {len(demands)} needs and {len(supplies)} supply lines in {load_s:.2f} s")

    problem = engine.build(demands, supplies, policy, fit)
    say(f"built {problem.pairs} candidate pairs in {problem.build_seconds:.2f} s")
    started = time.perf_counter()
    result = engine.solve(problem)
    solve_s = time.perf_counter() - started
    say(f"solved in {solve_s:.2f} s: {result.served} of {result.asked} served")
    greedy_s = None
    if with_greedy:
        started = time.perf_counter()
        run.greedy_objective = engine.greedy(demands, supplies, policy, fit).objective
        greedy_s = time.perf_counter() - started

    started = time.perf_counter()
    with transaction.atomic():
        if run.pk is None:
            run.save()
        line_rows = [(run.pk, ln.demand, ln.supply, ln.quantity, ln.fit,
                      None if ln.distance_km is None else round(ln.distance_km * 1000), ln.tier, ln.weight)
                     for ln in result.lines]
        _write(AllocationLine, ["run_id", "need_id", "resource_id", "quantity", "fit", "distance_m", "tier",
                                "weight"], line_rows)
        _write(AllocationUnmet, ["run_id", "need_id", "quantity", "reason", "tier"],
               [(run.pk, u.demand, u.quantity, u.reason, u.tier) for u in result.unmet])
        run.needs_count = len(demands)
        run.supply_count = len(supplies)
        run.pairs_count = problem.pairs
        run.lines_count = len(result.lines)
        run.unmet_count = len(result.unmet)
        run.quantity_asked = result.asked
        run.quantity_allocated = result.served
        run.objective = result.objective
        write_s = time.perf_counter() - started
        run.timings = {"load": round(load_s, 3), "build": round(problem.build_seconds, 3),
                       "solve": round(solve_s, 3), "write": round(write_s, 3)}
        if greedy_s is not None:
            run.timings["greedy"] = round(greedy_s, 3)
        run.save(update_fields=["needs_count", "supply_count", "pairs_count", "lines_count", "unmet_count",
                                "quantity_asked", "quantity_allocated", "objective", "greedy_objective",
                                "timings", "updated_on"])
    say(f"wrote {len(result.lines)} lines and {len(result.unmet)} unmet needs in {write_s:.2f} s")
    return run
