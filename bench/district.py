"""The synthetic district the benchmark reads: find it, or generate it.

The generator is ``resourcelink.core.demo.district_generate`` (bulk inserts,
no history rows, which lists never read). A district of the right size
already in the database is reused, so a second run starts measuring at once.
"""

import time

from django.db.models import Count

BENCH_USER = "bench-social-worker"
SUPPLY_KEY_PREFIX = "bench-supply-"


def find_district():
    """The station with the most resources, with its sizes, or None."""
    from resourcelink.accounts.models import Station
    from resourcelink.communities.models import Community
    from resourcelink.directory.models import Resource

    # The needs district's supply lines (bench.needs_district) are not part
    # of the directory's size.
    top = (
        Resource.objects.exclude(import_key__startswith=SUPPLY_KEY_PREFIX).order_by().values("station_id")
        .annotate(n=Count("id")).order_by("-n").first()
    )
    if not top:
        return None
    station = Station.objects.get(pk=top["station_id"])
    communities = Community.objects.filter(station=station).count()
    return station, communities, top["n"]


def refresh_statistics(log) -> str:
    """Bring the planner's statistics to those of a settled deployment.

    PostgreSQL plans by table statistics, and answers counts from the index
    alone only once the visibility map is set; autovacuum does both some
    time after a bulk load. Without them it estimates 24 rows for 50,000 and
    hashes the whole table. Do it now so the figures are a settled database's.

    SQLite keeps statistics only when someone runs ANALYZE: ResourceLink does
    (core.db.database_statistics_refresh, at ``serve`` start and after bulk
    writes), so the benchmark does what the application does."""
    from django.db import connection

    from resourcelink.core.db import database_statistics_refresh

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log("ran VACUUM ANALYZE")
        return "vacuum analyze"
    database_statistics_refresh()
    connection.close()  # the planner reads statistics when a connection opens
    log("refreshed SQLite statistics as resourcelink serve does")
    return "analyze"


def ensure_district(*, communities: int, resources: int, seed: int, regenerate: bool, log) -> dict:
    """The district station of the wanted size, generated if needed."""
    from django.core.management import call_command

    found = None if regenerate else find_district()
    if found and found[1] == communities and found[2] == resources:
        log(f"reusing the district {found[0].slug!r}: {found[1]} communities, {found[2]} resources")
        statistics = refresh_statistics(log)
        return {"station": found[0], "generated": False, "seconds": 0.0, "statistics": statistics}
    if found or regenerate:
        log("emptying the database for a new district" + (f" (found {found[1]} / {found[2]})" if found else ""))
        call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    from resourcelink.core.demo import district_generate

    log(f"generating a district: {communities} communities, {resources} resources (seed {seed})")
    district_generate(communities=communities, resources=resources, seed=seed)
    seconds = time.perf_counter() - started
    found = find_district()
    log(f"generated {found[2]} resources in {found[1]} communities in {seconds:.1f} s")
    statistics = refresh_statistics(log)
    return {"station": found[0], "generated": True, "seconds": round(seconds, 1), "statistics": statistics}


def bench_user(station):
    """A social worker of the district station (created on first use)."""
    from django.contrib.auth import get_user_model

    from resourcelink.accounts.models import Membership, Role
    from resourcelink.accounts.services import membership_add, user_create

    User = get_user_model()
    user = User.objects.filter(username=BENCH_USER).first()
    if user is None:
        user = user_create(username=BENCH_USER, password="bench-not-a-secret-1", validate=False)
    if not Membership.objects.filter(user=user, station=station, ended_on__isnull=True).exists():
        membership_add(actor=None, station=station, user=user, role=Role.SOCIAL_WORKER, check=False)
    return user
