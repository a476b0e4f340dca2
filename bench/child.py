"""One database, one process: migrate, find or generate the district,
measure every operation, write the figures as JSON."""

import json
import os
import platform
import statistics
import sys
import time
from contextlib import contextmanager, nullcontext


def log_to_stderr(db: str):
    def log(message: str) -> None:
        print(f"[{db}] {message}", file=sys.stderr, flush=True)

    return log


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resourcelink.settings")
    os.environ.setdefault("RL_ENV", "test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def cpu_seconds() -> float:
    """CPU time so far of this process and of the PostgreSQL backend serving
    its connection (from /proc/<pid>/schedstat, in nanoseconds; SQLite runs
    inside this process). Compared before and after a request it is what
    the request cost, however long other work on the machine delayed it."""
    from django.db import connection

    spent = time.process_time()
    if connection.vendor == "postgresql" and connection.connection is not None:
        try:
            with open(f"/proc/{connection.connection.info.backend_pid}/schedstat", encoding="ascii") as f:
                spent += int(f.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError, AttributeError):
            pass  # another machine (or no /proc): this process's time only
    return spent


def database_info() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            version = "SQLite " + cursor.fetchone()[0]
        else:
            cursor.execute("show server_version")
            version = "PostgreSQL " + cursor.fetchone()[0]
    return {"vendor": connection.vendor, "version": version}


def explain(sql: str) -> str:
    """The plan of one captured query (with its parameters already in it)."""
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    try:
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            rows = cursor.fetchall()
    except Exception as exc:  # a plan is a nice-to-have, never a failure
        return f"(no plan: {exc})"
    if connection.vendor == "sqlite":
        return "\n".join(f"{r[0]:>3} {r[1]:>3} {r[-1]}" for r in rows)
    return "\n".join(r[0] for r in rows)


class _Called:
    """A selector's answer in the place of a response."""

    status_code = "ok"

    def __init__(self, rows: int):
        self.rows = rows


def _get(client, op, params: dict, headers: dict):
    from .workload import PATH

    if op.call is not None:
        return _Called(op.call(params))
    if PATH in params:
        url, params = params[PATH], {k: v for k, v in params.items() if k != PATH}
    else:
        url = op.url
    return client.get(url, params, headers=headers)


class _RollBack(Exception):
    pass


@contextmanager
def live_links(station, n: int, need_pk: int | None):
    """``n`` proposed links with overdue follow-ups, to the candidates of
    ``need_pk`` (else to any active resources), rolled back afterwards: the
    dashboard's follow-ups and the suggestions' committed capacity and
    outcomes read them."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from resourcelink.directory.models import Resource, ResourceStatus
    from resourcelink.needs.models import Link, LinkStatus, Need

    resources = Resource.objects.filter(station=station, status=ResourceStatus.ACTIVE)
    if need_pk is not None:
        path = Need.objects.get(pk=need_pk).category.path
        resources = resources.filter(categories__path__startswith=path)
    resource_ids = list(resources.order_by("id").values_list("id", flat=True)[:n])
    need_ids = list(Need.objects.filter(station=station, status="open").exclude(pk=need_pk)
                    .order_by("id").values_list("id", flat=True)[:n])
    today = timezone.localdate()
    try:
        with transaction.atomic():
            Link.objects.bulk_create([
                Link(station=station, need_id=nid, resource_id=resource_ids[i % len(resource_ids)], quantity=1,
                     status=LinkStatus.PROPOSED, follow_up_on=today - timedelta(days=2 + i % 10))
                for i, nid in enumerate(need_ids)
            ])
            yield
            raise _RollBack
    except _RollBack:
        pass


def _rows_shown(op, response) -> int | None:
    if isinstance(response, _Called):
        return response.rows
    if op.key == "map":
        return response.json().get("shown")
    if op.api:
        return len(response.json().get("results", []))
    return None


def measure_operation(op, client, headers: dict, *, warmup: int, station) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from resourcelink.directory.forms import ResourceFilterForm
    from resourcelink.directory.selectors import resources_search

    for params in op.requests[:warmup]:
        _get(client, op, params, headers)
    times, cpu, statuses, counts = [], [], {}, []
    for params in op.requests[warmup:]:
        with CaptureQueriesContext(connection) as each:
            started, cpu_started = time.perf_counter(), cpu_seconds()
            response = _get(client, op, params, headers)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((cpu_seconds() - cpu_started) * 1000)
        counts.append(len(each))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    matches = None
    if op.group == "directory":
        form = ResourceFilterForm({k: str(v) for k, v in op.count_request.items()}, station=station)
        matches = resources_search(station=station, filters=form.to_filter()).count() if form.is_valid() else None
    by_size = {}
    for size in (20, 100):
        if op.size_by == "page_size":
            params, context = {**op.count_request, "page_size": size}, nullcontext()
        elif op.size_by == "links":
            from .workload import LINKS_AT

            params, context = op.count_request, live_links(station, LINKS_AT[size], op.links_need)
        elif op.size_by == "items":
            from .store import ITEMS_AT, extra_items

            params, context = op.count_request, extra_items(station, ITEMS_AT[size])
        else:
            params, context = op.count_request, override_settings(**{op.size_by: size})
        with context, CaptureQueriesContext(connection) as captured:
            response = _get(client, op, params, headers)
        by_size[size] = {
            "queries": len(captured), "status": response.status_code, "rows": _rows_shown(op, response),
        }
        if size == 100:
            slowest = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:3]

    # Where the time goes in a typical request: its slowest queries and the
    # plan of the slowest one.
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        _get(client, op, op.requests[warmup], headers)
        typical_ms = (time.perf_counter() - started) * 1000
    typical = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)
    return {
        "label": op.label,
        "requests": len(times),
        "statuses": {str(k): v for k, v in statuses.items()},
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        # CPU time of this process and its PostgreSQL backend: what a
        # request costs here when other work on the machine delays it.
        "cpu_p50_ms": round(percentile(cpu, 50), 1),
        "cpu_p95_ms": round(percentile(cpu, 95), 1),
        "target_ms": op.target_ms,
        "queries_range": [min(counts), max(counts)],
        "max_ms": round(max(times), 1),
        "mean_ms": round(statistics.fmean(times), 1),
        "queries": {str(k): v for k, v in by_size.items()},
        "count_request": op.count_request,
        "count_request_matches": matches,
        "size_by": op.size_by,
        "typical_request": op.requests[warmup],
        "typical_ms": round(typical_ms, 1),
        "typical_queries": [
            {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:1500]} for q in typical[:3]
        ],
        "typical_plan": explain(typical[0]["sql"]) if typical else "",
        "slowest_at_100": [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:300]} for q in slowest],
    }


def run_measure(args) -> dict:
    log = log_to_stderr(args.db)
    setup_django()
    from django.test import Client

    from resourcelink.accounts.services import api_token_create

    from . import workload
    from .district import bench_user, ensure_district, refresh_statistics

    district = ensure_district(
        communities=args.communities, resources=args.resources, seed=args.seed, regenerate=args.regenerate, log=log,
    )
    station = district.pop("station")
    user = bench_user(station)
    browser = Client()
    browser.force_login(user)
    _token, key = api_token_create(user=user, name="bench")
    api = Client()
    operations = []
    if args.only in (None, "pages"):
        operations += workload.build(station, requests=args.requests, warmup=args.warmup, seed=args.seed)
    if args.only in (None, "pages", "needs"):
        from .needs_district import ensure_needs, ensure_suggestion_needs

        register = ensure_needs(station, seed=args.seed, log=log)
        added = ensure_suggestion_needs(station, seed=args.seed, log=log)
        if register["generated"] or added["created"]:
            district["statistics"] = refresh_statistics(log)
        district["needs"] = {k: v for k, v in register.items() if k != "root"}
        district["needs"]["suggestion_needs"] = added["needs"]
        if added["created"]:
            district["needs"]["needs"] += added["created"]
        operations += workload.build_needs(station, requests=args.requests, warmup=args.warmup, seed=args.seed)
    if args.only in (None, "pages", "store"):
        from .store import build_store
        from .store_district import ensure_store

        store = ensure_store(station, seed=args.seed, regenerate=args.regenerate_store, log=log)
        if store["generated"]:
            district["statistics"] = refresh_statistics(log)
        district["store"] = store
        operations += build_store(station, requests=args.requests, warmup=args.warmup, seed=args.seed)
    if args.profile:
        operations = [op for op in operations if op.key == args.profile]
        if not operations:
            print(f"--profile {args.profile}: not among the operations of this run", file=sys.stderr)
            return {"profiled": None}
    if args.profile:
        return profile(args, operations, browser, api, key, station)
    load_before = os.getloadavg()
    results = {}
    for op in operations:
        log(f"measuring {op.label}: {args.warmup} warm-up + {args.requests} requests")
        client, headers = (api, {"Authorization": f"Bearer {key}"}) if op.api else (browser, {})
        results[op.key] = measure_operation(op, client, headers, warmup=args.warmup, station=station)
        r = results[op.key]
        log(f"  p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms (CPU p95 {r['cpu_p95_ms']} ms), queries {r['queries']['20']['queries']}"
            f"/{r['queries']['100']['queries']} at 20/100 (from {r['queries_range'][0]} to "
            f"{r['queries_range'][1]} per request), statuses {r['statuses']}")
    return {
        "db": args.db,
        "database": database_info(),
        "district": {"station": station.slug, "communities": args.communities, "resources": args.resources,
                     **district},
        "operations": results,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        # Other work on the machine inflates latencies: say how busy it was.
        "load_average": {"before": [round(x, 2) for x in load_before],
                         "after": [round(x, 2) for x in os.getloadavg()]},
    }


def profile(args, operations, browser, api, key, station) -> dict:
    """cProfile of ``args.requests`` requests of one operation, printed."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    op = next(o for o in operations if o.key == args.profile)
    client, headers = (api, {"Authorization": f"Bearer {key}"}) if op.api else (browser, {})
    for params in op.requests[: args.warmup]:
        _get(client, op, params, headers)
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as captured:
        profiler.enable()
        for params in op.requests[args.warmup :]:
            _get(client, op, params, headers)
        profiler.disable()
    sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
    print(f"\n{op.label}: {len(op.requests) - args.warmup} requests, {len(captured)} queries, "
          f"{sql_ms:.0f} ms in SQL", file=sys.stderr)
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(25)
    return {"profiled": op.key}


def main(args) -> int:
    if args.child == "measure":
        result = run_measure(args)
    elif args.child == "distribution":
        from .distribution import run_distribution

        setup_django()
        result = run_distribution(args, log_to_stderr(args.db))
    elif args.child == "allocation":
        from .allocation import run_allocation

        setup_django()
        result = run_allocation(args, log_to_stderr(args.db))
    else:
        from .importing import run_import

        setup_django()
        result = run_import(args, log_to_stderr(args.db))
    with open(args.json_out, "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False, indent=2, default=str)
    return 0
