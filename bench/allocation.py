"""The allocation benchmark: one draft over the whole needs district.

Measured in a process of its own (so its peak memory is the allocation's):
end to end (an ``AllocationRun`` through ``matching.draft.allocation_draft_build``:
load, build, solve, write), then the bare OR-Tools solve (arc loading and
``SimpleMinCostFlow.solve``) of the same network, then the greedy baseline.
"""

import resource
import time

# Strict tiers by urgency and a household cap: the policy a station would
# choose for a district-wide distribution.
POLICY = {"tiers": "urgency", "priority_tag_ids": [], "household_cap": 8, "max_distance_km": None,
          "distance_weight": 0.1}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB


def run_allocation(args, log) -> dict:
    from resourcelink.matching import draft, engine
    from resourcelink.matching.models import AllocationRun

    from .child import database_info
    from .district import ensure_district
    from .needs_district import ensure_needs

    district = ensure_district(
        communities=args.communities, resources=args.resources, seed=args.seed, regenerate=False, log=log,
    )
    station = district["station"]
    register = ensure_needs(station, seed=args.seed, log=log)
    if district["generated"] or register["generated"]:
        # Measure in a fresh process: generating inflates the peak memory.
        return {"db": args.db, "generated": True}
    parameters = {"needs": {"category_ids": [register["root"]]}, "supply": {"category_ids": [register["root"]]},
                  "policy": POLICY}
    # The machine is shared: each measurement is repeated and the fastest
    # kept, end to end and bare alternating, so both see the same load.
    rss_before = peak_mb()
    ends, bares, run = [], [], None
    for n in range(args.allocation_repeats):
        log(f"end to end ({n + 1}/{args.allocation_repeats}): load, build, solve, write")
        started = time.perf_counter()
        run = AllocationRun.objects.create(station=station, parameters=parameters)
        run = draft.allocation_draft_build(run, progress=lambda m: log("  " + m))
        ends.append((time.perf_counter() - started, run))
        log(f"  end to end {ends[-1][0]:.2f} s")
        log("bare OR-Tools solve of the same network")
        demands, supplies, fit = draft.load(station, parameters)
        problem = engine.build(demands, supplies, draft.engine_policy(POLICY), fit)
        bares.append(problem.solve_bare())
        log(f"  bare solve {bares[-1]:.2f} s")
    end_to_end, run = min(ends, key=lambda pair: pair[0])
    bare = min(bares)
    peak_before_greedy = peak_mb()
    bare_objective = engine.solve(problem).objective
    log(f"fastest: bare solve {bare:.2f} s; end to end {end_to_end:.2f} s ({end_to_end / bare:.2f}×)")
    log("greedy baseline")
    started = time.perf_counter()
    greedy = engine.greedy(demands, supplies, draft.engine_policy(POLICY), fit)
    greedy_s = time.perf_counter() - started
    return {
        "db": args.db,
        "database": database_info(),
        "register": {k: v for k, v in register.items() if k != "root"},
        "policy": POLICY,
        "needs": run.needs_count, "supply": run.supply_count, "pairs": run.pairs_count,
        "lines": run.lines_count, "unmet": run.unmet_count,
        "asked": run.quantity_asked, "allocated": run.quantity_allocated,
        "repeats": args.allocation_repeats, "end_to_end_all_s": [round(t, 2) for t, _r in ends],
        "bare_all_s": [round(t, 2) for t in bares],
        "end_to_end_s": round(end_to_end, 2), "timings": run.timings,
        "bare_s": round(bare, 2), "ratio": round(end_to_end / bare, 2),
        "objective": run.objective, "bare_objective": bare_objective,
        "objectives_equal": abs(run.objective - bare_objective) <= 1e-6 * max(abs(bare_objective), 1),
        "greedy_objective": greedy.objective, "greedy_s": round(greedy_s, 2),
        "greedy_share": round(100 * greedy.objective / run.objective, 2) if run.objective else None,
        "rss_before_mb": round(rss_before), "peak_before_greedy_mb": round(peak_before_greedy),
        "peak_mb": round(peak_mb()),
    }
