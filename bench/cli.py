"""``python -m bench``: run one child process per database, then print the
table and write bench/results/latest.json."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import databases, report

PAGE_PROFILES = ["list", "search", "map", "api", "need_list", "dashboard", "suggestions", "stock_figures",
                 "stock_page", "lot_list", "stock_lots", "ledger"]
DISTRIBUTION_PROFILES = ["plan_generate", "handover_bulk"]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure ResourceLink on a synthetic district, on SQLite and PostgreSQL.",
    )
    p.add_argument("--db", choices=["sqlite", "postgres", "all"], default="all")
    p.add_argument("--communities", type=int, default=100)
    p.add_argument("--resources", type=int, default=50_000)
    p.add_argument("--requests", type=int, default=60, help="measured requests per operation (default 60)")
    p.add_argument("--warmup", type=int, default=5, help="warm-up requests per operation (default 5)")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--regenerate", action="store_true", help="generate the district again even if it is there")
    p.add_argument("--regenerate-store", action="store_true",
                   help="generate the store room (stores, lots, 1,000,000 stock moves) again, keeping the district")
    p.add_argument("--skip-import", action="store_true", help="do not measure the XLSX import")
    p.add_argument("--only", choices=["pages", "needs", "store", "import", "allocation", "distribution"],
                   help="measure only the pages (all of them), the needs pages (need list, dashboard, "
                        "suggestions), the store room (on-hand figures, stock page, lot list, ledger), the import, the "
                        "allocation or the distribution plan (generating and hand-overs)")
    p.add_argument("--explain", action="store_true", help="also print each operation's slowest query and plan")
    p.add_argument("--profile", choices=[*PAGE_PROFILES, *DISTRIBUTION_PROFILES],
                   help="instead of measuring, print a cProfile of one operation's requests (plan_generate, "
                        "handover_bulk: measure the distribution and print the profile of that step)")
    p.add_argument("--allocation-repeats", type=int, default=3,
                   help="end-to-end and bare allocation runs, the fastest kept (default 3)")
    p.add_argument("--plan-repeats", type=int, default=2,
                   help="plan generations and bulk hand-overs of 1,000 lines, the fastest kept (default 2)")
    # Internal: the parent starts children with these.
    p.add_argument("--child", choices=["measure", "import", "allocation", "distribution"], help=argparse.SUPPRESS)
    p.add_argument("--json-out", help=argparse.SUPPRESS)
    return p


def _child(args, db: str, purpose: str) -> dict | None:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = Path(tmp.name)
    argv = [
        sys.executable, "-m", "bench", "--child", purpose, "--db", db, "--json-out", str(out),
        "--communities", str(args.communities), "--resources", str(args.resources),
        "--requests", str(args.requests), "--warmup", str(args.warmup), "--seed", str(args.seed),
        "--allocation-repeats", str(args.allocation_repeats), "--plan-repeats", str(args.plan_repeats),
    ]
    if args.regenerate and purpose == "measure":
        argv.append("--regenerate")
    if args.regenerate_store and purpose == "measure":
        argv.append("--regenerate-store")
    if args.profile:
        argv += ["--profile", args.profile]
    if args.only:
        argv += ["--only", args.only]
    env = {**os.environ, "DATABASE_URL": databases.database_url(db, "import" if purpose == "import" else "measure")}
    env.setdefault("RL_ENV", "test")
    done = subprocess.run(argv, env=env, cwd=databases.REPO, check=False)
    try:
        if done.returncode != 0:
            print(f"[{db}] the {purpose} run failed (exit {done.returncode}); see above.", file=sys.stderr)
            return None
        return json.loads(out.read_text(encoding="utf-8"))
    finally:
        out.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.child:
        from .child import main as child_main

        return child_main(args)

    wanted = ["sqlite", "postgres"] if args.db == "all" else [args.db]
    measured, imported, allocated, distributed, skipped = {}, {}, {}, {}, {}
    page_profile = args.profile in PAGE_PROFILES
    pages = (args.only in (None, "pages", "needs", "store") and not args.profile) or page_profile
    importing = args.only == "import" or (args.only is None and not args.skip_import and not args.profile)
    allocating = args.only == "allocation" or (args.only is None and not args.profile)
    distributing = args.only == "distribution" or (args.only is None and not args.profile) \
        or args.profile in DISTRIBUTION_PROFILES
    started = time.perf_counter()
    for db in wanted:
        if db == "postgres":
            problem = databases.postgres_problem()
            if problem:
                print(f"[postgres] skipped: {problem}", file=sys.stderr)
                skipped[db] = problem
                continue
        databases.prepare(db, "measure", fresh=args.regenerate)
        if pages:
            result = _child(args, db, "measure")
            if result is None:
                skipped[db] = "the run failed"
                continue
            if page_profile:
                continue
            measured[db] = result
        if allocating:
            result = _child(args, db, "allocation")
            if result is not None and result.get("generated"):
                result = _child(args, db, "allocation")  # measured in a fresh process
            if result is not None:
                allocated[db] = result
            else:
                skipped.setdefault(db, "the allocation run failed")
        if distributing:
            result = _child(args, db, "distribution")
            if result is not None:
                distributed[db] = result
            else:
                skipped.setdefault(db, "the distribution run failed")
        if importing:
            databases.prepare(db, "import", fresh=True)
            result = _child(args, db, "import")
            if result is not None:
                imported[db] = result

    if page_profile:
        return 0
    targets = report.judge(measured, imported)
    targets.update(report.judge_allocation(allocated))
    targets.update(report.judge_distribution(distributed))
    if measured or imported or distributed or skipped:
        print()
        print(report.table(measured, imported, skipped, distributed))
    if allocated:
        print()
        print(report.allocation_table(allocated))
    print()
    print(report.context(measured, args, distributed))
    if args.explain:
        for db, result in measured.items():
            for key, op in result["operations"].items():
                print(f"\n== {db} · {op['label']} · typical request {op['typical_request']} "
                      f"({op['typical_ms']} ms)")
                for q in op["typical_queries"]:
                    print(f"  {q['ms']:>7.1f} ms  {q['sql'][:400]}")
                print("  plan of the slowest:")
                print("    " + op["typical_plan"].replace("\n", "\n    "))
    databases.RESULTS.mkdir(parents=True, exist_ok=True)
    latest = databases.RESULTS / "latest.json"
    latest.write_text(json.dumps({
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "argv": sys.argv[1:], "targets": targets,
        "measured": measured, "imported": imported, "allocated": allocated, "distributed": distributed,
        "skipped": skipped,
        "seconds": round(time.perf_counter() - started, 1),
    }, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"\nFigures written to {latest.relative_to(databases.REPO)} "
          f"({time.perf_counter() - started:.0f} s in all).")
    return 0
