"""The printed table and the targets it is judged against."""

P95_TARGET_MS = 150.0
IMPORT_TARGET_S = 15.0
OPERATIONS = ["list", "search", "map", "api", "need_list", "dashboard", "suggestions"]


def target_of(op: dict) -> float:
    return op.get("target_ms") or P95_TARGET_MS


def judge(measured: dict, imported: dict) -> dict:
    """Add ``met`` verdicts to the results (in place) and return them."""
    for result in measured.values():
        for op in result.get("operations", {}).values():
            q20, q100 = op["queries"]["20"]["queries"], op["queries"]["100"]["queries"]
            ok_status = set(op["statuses"]) == {"200"}
            op["met"] = {
                "p95": op["p95_ms"] <= target_of(op),
                "queries_flat": q100 <= q20,
                "all_200": ok_status,
            }
    for result in imported.values():
        first = result.get("runs", {}).get("first")
        if first:
            result["met"] = first["seconds"] <= IMPORT_TARGET_S and first["errors"] == 0
    return {"p95_target_ms": P95_TARGET_MS, "import_target_s": IMPORT_TARGET_S}


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def table(measured: dict, imported: dict, skipped: dict) -> str:
    lines = []
    header = f"{'database':<10} {'operation':<46} {'p50 ms':>7} {'p95 ms':>7} {'q@20':>5} {'q@100':>6} " \
             f"{'q range':>8}  {'target':<28} {'met?':<4}"
    lines.append(header)
    lines.append("-" * len(header))
    for db, result in measured.items():
        for key in OPERATIONS:
            op = result["operations"].get(key)
            if op is None:
                continue
            q20, q100 = op["queries"]["20"]["queries"], op["queries"]["100"]["queries"]
            met = op["met"]
            verdict = _yes(met["p95"] and met["queries_flat"] and met["all_200"])
            notes = []
            if not met["p95"]:
                notes.append("p95")
            if not met["queries_flat"]:
                notes.append("queries grow")
            if not met["all_200"]:
                notes.append("statuses " + ",".join(f"{k}×{v}" for k, v in op["statuses"].items()))
            low, high = op.get("queries_range") or ("?", "?")
            q_range = f"{low}–{high}" if low != high else f"{low}"
            lines.append(
                f"{db:<10} {op['label']:<46} {op['p50_ms']:>7.1f} {op['p95_ms']:>7.1f} {q20:>5} {q100:>6} "
                f"{q_range:>8}  {'p95 ≤ %d ms, q@100 ≤ q@20' % target_of(op):<28} {verdict}"
                + (f" ({'; '.join(notes)})" if notes else "")
            )
    for db, why in skipped.items():
        lines.append(f"{db:<10} skipped: {why}")
    if imported:
        lines.append("")
        header = f"{'database':<10} {'import of a 10,000-row XLSX file':<46} {'seconds':>8} {'again':>7}  " \
                 f"{'target':<12} {'met?':<4}"
        lines.append(header)
        lines.append("-" * len(header))
        for db, result in imported.items():
            first, again = result["runs"]["first"], result["runs"]["again"]
            what = f"created {first['created']}, errors {first['errors']}; again: unchanged {again['unchanged']}"
            lines.append(
                f"{db:<10} {what:<46} {first['seconds']:>8.2f} {again['seconds']:>7.2f}  "
                f"{'≤ %d s' % IMPORT_TARGET_S:<12} {_yes(result['met'])}"
            )
    return "\n".join(lines)


def context(measured: dict, args) -> str:
    """What the figures are: how many requests, which sizes, which data."""
    any_result = next(iter(measured.values()), None)
    lines = [
        f"{args.requests} requests per operation after {args.warmup} warm-up requests, in-process "
        f"(django.test.Client, server time, no network); latency at the default page size "
        f"(list: RL_PAGE_SIZE, API: its default page_size, map: up to RL_MAP_MAX_POINTS points).",
        "q@20 / q@100: SQL queries of one request at page size 20 and 100 (map: RL_MAP_MAX_POINTS 20 and 100; "
        "search: a broad variant of the search with more than 100 matches; need list: RL_PAGE_SIZE 20 and 100; "
        "dashboard and suggestions, whose size is fixed: with 20 and 100 live links added (overdue follow-ups; "
        "on the broadest need's candidates), rolled back). q range: fewest–most queries of the measured requests.",
    ]
    if any_result:
        d = any_result["district"]
        lines.append(f"District: {d['communities']} communities, {d['resources']} resources, "
                     f"{any_result['cpus']} CPUs, Python {any_result['python']}.")
        if d.get("needs"):
            n = d["needs"]
            lines.append(f"Needs district: {n['households']} households, {n['needs']} open needs "
                         f"({n['suggestion_needs']} of them in the directory's categories, for the suggestions), "
                         f"{n['supply']} supply lines.")
    for db, result in measured.items():
        load = result.get("load_average", {})
        stats = {"none": "no planner statistics (as shipped)", "analyze": "with ANALYZE statistics",
                 "vacuum analyze": "after VACUUM ANALYZE"}.get(result["district"].get("statistics"), "?")
        lines.append(f"{db}: {result['database']['version']}, {stats}; 1-minute load average "
                     f"{load.get('before', ['?'])[0]} before, {load.get('after', ['?'])[0]} after measuring")
        busiest = max(load.get("before", [0])[0], load.get("after", [0])[0])
        if busiest > result.get("cpus", 1):
            lines.append(f"  (more runnable processes than the {result['cpus']} CPUs: other work shared them, "
                         f"so these latencies are inflated; measure again on a quiet machine)")
    return "\n".join(lines)


RATIO_TARGET = 1.5
MEMORY_TARGET_MB = 2048


def judge_allocation(allocated: dict) -> dict:
    """Add ``met`` verdicts to the allocation results (in place)."""
    for result in allocated.values():
        if "ratio" not in result:
            continue
        result["met"] = {
            "ratio": result["ratio"] <= RATIO_TARGET,
            "objectives_equal": bool(result["objectives_equal"]),
            "greedy_not_better": result["greedy_objective"] <= result["objective"] * (1 + 1e-9),
            "memory": result["peak_mb"] <= MEMORY_TARGET_MB,
        }
    return {"allocation_ratio_target": RATIO_TARGET, "allocation_memory_target_mb": MEMORY_TARGET_MB}


def allocation_table(allocated: dict) -> str:
    lines = []
    header = f"{'database':<10} {'allocation: 100,000 needs × 5,000 supply lines':<48} {'value':>14}  " \
             f"{'target':<22} {'met?':<4}"
    lines.append(header)
    lines.append("-" * len(header))
    for db, r in allocated.items():
        if "ratio" not in r:
            lines.append(f"{db:<10} (no figures)")
            continue
        met, t = r["met"], r["timings"]
        rows = [
            ("needs / supply lines / candidate pairs", f"{r['needs']}/{r['supply']}/{r['pairs']}", "", None),
            (f"end to end (s, fastest of {r['repeats']})", f"{r['end_to_end_s']:.2f}", "", None),
            ("  load / build / solve / write (s)",
             f"{t['load']:.1f}/{t['build']:.1f}/{t['solve']:.1f}/{t['write']:.1f}", "", None),
            (f"bare OR-Tools solve (s, fastest of {r['repeats']})", f"{r['bare_s']:.2f}", "", None),
            ("  end to end minus its own solve (s)", f"{r['end_to_end_s'] - t['solve']:.2f}", "", None),
            ("end to end ÷ bare solve", f"{r['ratio']:.2f}", f"≤ {RATIO_TARGET}", met["ratio"]),
            ("objective: end to end = bare", f"{r['objective']:.1f}", "equal (1e-6)", met["objectives_equal"]),
            ("greedy objective (% of optimal)", f"{r['greedy_objective']:.1f} ({r['greedy_share']}%)",
             "≤ optimal", met["greedy_not_better"]),
            ("served / asked (units)", f"{r['allocated']}/{r['asked']}", "", None),
            ("lines / needs left unmet", f"{r['lines']}/{r['unmet']}", "", None),
            ("peak memory of the process (MB)", f"{r['peak_mb']}", f"≤ {MEMORY_TARGET_MB} MB", met["memory"]),
        ]
        for label, value, target, ok in rows:
            verdict = "" if ok is None else _yes(ok)
            lines.append(f"{db:<10} {label:<48} {value:>14}  {target:<22} {verdict}")
    return "\n".join(lines)
