"""The printed table and the targets it is judged against."""

P95_TARGET_MS = 150.0
IMPORT_TARGET_S = 15.0
STORE_OPERATIONS = ["stock_figures", "stock_page", "lot_list", "stock_lots", "ledger"]
OPERATIONS = ["list", "search", "map", "api", "need_list", "dashboard", "suggestions", *STORE_OPERATIONS]


def target_of(op: dict) -> float:
    return op.get("target_ms") or P95_TARGET_MS


def judge(measured: dict, imported: dict) -> dict:
    """Add ``met`` verdicts to the results (in place) and return them."""
    for result in measured.values():
        for op in result.get("operations", {}).values():
            q20, q100 = op["queries"]["20"]["queries"], op["queries"]["100"]["queries"]
            ok_status = set(op["statuses"]) in ({"200"}, {"ok"})  # pages answer 200, selectors "ok"
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


def table(measured: dict, imported: dict, skipped: dict, distributed: dict | None = None) -> str:
    lines = []
    header = f"{'database':<10} {'operation':<46} {'p50 ms':>7} {'p95 ms':>7} {'cpu p95':>7} {'q@20':>5} " \
             f"{'q@100':>6} {'q range':>8}  {'target':<28} {'met?':<4}"
    if measured or skipped:
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
                f"{db:<10} {op['label']:<46} {op['p50_ms']:>7.1f} {op['p95_ms']:>7.1f} "
                f"{op.get('cpu_p95_ms', float('nan')):>7.1f} {q20:>5} {q100:>6} "
                f"{q_range:>8}  {'p95 ≤ %d ms, q@100 ≤ q@20' % target_of(op):<28} {verdict}"
                + (f" ({'; '.join(notes)})" if notes else "")
            )
    for db, why in skipped.items():
        lines.append(f"{db:<10} skipped: {why}")
    if imported:
        if lines:
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
    if distributed:
        if lines:
            lines.append("")
        lines.append(distribution_rows(distributed))
    return "\n".join(lines)


def context(measured: dict, args, distributed: dict | None = None) -> str:
    """What the figures are: how many requests, which sizes, which data."""
    any_result = next(iter(measured.values()), None)
    lines = [] if not measured else [
        f"{args.requests} requests per operation after {args.warmup} warm-up requests, in-process "
        f"(django.test.Client, server time, no network); latency at the default page size "
        f"(list: RL_PAGE_SIZE, API: its default page_size, map: up to RL_MAP_MAX_POINTS points).",
        "q@20 / q@100: SQL queries of one request at page size 20 and 100 (map: RL_MAP_MAX_POINTS 20 and 100; "
        "search: a broad variant of the search with more than 100 matches; need list: RL_PAGE_SIZE 20 and 100; "
        "dashboard and suggestions, whose size is fixed: with 20 and 100 live links added (overdue follow-ups; "
        "on the broadest need's candidates), rolled back). q range: fewest–most queries of the measured requests.",
        "cpu p95: the CPU time per request of the measuring process and of the PostgreSQL backend serving it: "
        "near the latency on a quiet machine, and what to read when other work delays the requests.",
    ]
    if any(key in STORE_OPERATIONS for r in measured.values() for key in r.get("operations", {})):
        lines.append("Store room: on-hand figures and stock page q@20 / q@100 with 20 and 100 items added (one "
                     "received lot each, RL_PAGE_SIZE 20 and 100), rolled back; lot list and ledger: RL_PAGE_SIZE "
                     "20 and 100. Ledger requests: newest page or one deep into it (before=<id>), by kind (rare "
                     "ones too), store, item, a month, or these combined.")
    if any_result:
        d = any_result["district"]
        lines.append(f"District: {d['communities']} communities, {d['resources']} resources, "
                     f"{any_result['cpus']} CPUs, Python {any_result['python']}.")
        if d.get("needs"):
            n = d["needs"]
            lines.append(f"Needs district: {n['households']} households, {n['needs']} open needs "
                         f"({n['suggestion_needs']} of them in the directory's categories, for the suggestions), "
                         f"{n['supply']} supply lines.")
        if d.get("store"):
            st = d["store"]
            lines.append(f"Store room: {st['stores']} stores, {st['lots']} lots, {st['moves']} stock moves "
                         f"(the station: {st['station_lots']} lots, {st['station_moves']} moves).")
    for db, r in (distributed or {}).items():
        p = r["plan"]
        lines.append(
            f"Distribution ({db}): plan of {p['sources']} lots ({r['left_out']} past their date, left out), "
            f"{p['tiers']} tiers ({r['households_in_tiers']} households in them), {p['allowances']} allowances; "
            f"{r['recipients']} recipients, {r['portions']} portions, shortfalls {r['shortfalls']}; generated "
            f"{r['generate_all_s']} s (fresh draft, then again), hand-overs {r['handover_all_s']} s; "
            f"approve {r['approve']['seconds']} s, close {r['close']['seconds']} s; set-up {p['setup_s']} s.")
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


GENERATE_TARGET_S = 10.0
HANDOVER_TARGET_S = 5.0


def judge_distribution(distributed: dict) -> dict:
    """Add ``met`` verdicts to the distribution results (in place)."""
    for result in distributed.values():
        handover = result.get("handover")
        result["met"] = {
            "generate": result["generate"]["seconds"] <= GENERATE_TARGET_S,
            "handover": handover is not None and handover["seconds"] <= HANDOVER_TARGET_S
            and handover["lines"] >= 1000,
            "ledger": not result.get("ledger_problems"),
        }
    return {"plan_generate_target_s": GENERATE_TARGET_S, "handover_bulk_target_s": HANDOVER_TARGET_S}


def distribution_rows(distributed: dict) -> str:
    lines = []
    header = f"{'database':<10} {'distribution plan':<58} {'seconds':>8} {'cpu s':>7} {'queries':>8}  " \
             f"{'target':<12} {'met?':<4}"
    lines.append(header)
    lines.append("-" * len(header))

    def row(db, what, step, target="", verdict=""):
        return (f"{db:<10} {what:<58} {step['seconds']:>8.2f} {step.get('cpu_s', float('nan')):>7.2f} "
                f"{step['queries']:>8}  {target:<12} {verdict}").rstrip()

    for db, r in distributed.items():
        met, g, a, h = r["met"], r["generate"], r["approve"], r.get("handover")
        t = g["generation"].get("timings", {})
        runs = len(r["generate_all_s"])
        what = (f"generate: {r['recipients']} recipients from {r['plan']['sources']} lots"
                + (f" (fastest of {runs})" if runs > 1 else ""))
        lines.append(row(db, what, g, f"≤ {GENERATE_TARGET_S:g} s", _yes(met["generate"])))
        lines.append(f"{db:<10} {'  load / solve / write (s)':<58} "
                     f"{'%.1f/%.1f/%.1f' % (t.get('load', 0), t.get('solve', 0), t.get('write', 0)):>8}")
        lines.append(row(db, "approve: reserve the lots", a))
        if h is None:
            lines.append(f"{db:<10} {'hand-overs in bulk: fewer than 1,000 lines planned':<58} {'':>8} {'':>7} "
                         f"{'':>8}  {'≤ %g s' % HANDOVER_TARGET_S:<12} NO")
        else:
            runs = len(r["handover_all_s"])
            what = f"{h['lines']} hand-overs in bulk" + (f" (fastest of {runs})" if runs > 1 else "")
            lines.append(row(db, what, h, f"≤ {HANDOVER_TARGET_S:g} s", _yes(met["handover"] and met["ledger"])
                             + ("" if met["ledger"] else " (ledger problems)")))
        lines.append(row(db, "close: release what was not handed over", r["close"]))
    return "\n".join(lines)
