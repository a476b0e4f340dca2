"""Database housekeeping that both SQLite and PostgreSQL deployments need."""

from django.db import connection


def database_statistics_refresh() -> None:
    """Give SQLite's query planner statistics after a bulk change.

    Without ``sqlite_stat1`` SQLite guesses, and at district scale it walks a
    coordinate index through every row for a filtered count (130 ms instead
    of 20 ms on 50,000 resources). ``ANALYZE`` the first time, then the
    cheaper ``PRAGMA optimize``, which re-analyses only what changed enough.
    PostgreSQL's autovacuum keeps its own statistics.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        cursor.execute("ANALYZE" if cursor.fetchone() is None else "PRAGMA optimize")
