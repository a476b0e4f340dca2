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
        if cursor.fetchone() is None:
            cursor.execute("ANALYZE")
            return
        # PRAGMA optimize never looks at an index it has no statistics for,
        # such as one a migration has just made or remade: without them the
        # planner ignored the needs dashboard's covering index (p95 196 ms
        # instead of 120 ms). Analyse those indexes by name first.
        cursor.execute(
            "SELECT m.name FROM sqlite_master m WHERE m.type = 'index' AND m.name NOT LIKE 'sqlite_%' "
            "AND NOT EXISTS (SELECT 1 FROM sqlite_stat1 s WHERE s.idx = m.name)"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'ANALYZE "{name}"')
        cursor.execute("PRAGMA optimize")
