"""Where each benchmark database lives, and making sure it exists."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VAR = REPO / "var" / "bench"
RESULTS = Path(__file__).resolve().parent / "results"

PG_SERVER = os.environ.get("RL_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_MEASURE_DB = "resourcelink_bench"
PG_IMPORT_DB = "resourcelink_bench_import"


def sqlite_path(purpose: str) -> Path:
    return VAR / ("district.sqlite3" if purpose == "measure" else "import.sqlite3")


def database_url(db: str, purpose: str) -> str:
    """``purpose`` is "measure" (the kept district) or "import" (throw-away)."""
    if db == "sqlite":
        return f"sqlite:///{sqlite_path(purpose)}"
    return f"{PG_SERVER}/{PG_MEASURE_DB if purpose == 'measure' else PG_IMPORT_DB}"


def postgres_problem() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure means: skip PostgreSQL
        return f"PostgreSQL at {PG_SERVER} is not reachable ({str(exc).strip().splitlines()[0]})"
    return None


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres") as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def prepare(db: str, purpose: str, *, fresh: bool) -> None:
    """Create the database if missing; with ``fresh``, start it empty."""
    VAR.mkdir(parents=True, exist_ok=True)
    if db == "sqlite":
        path = sqlite_path(purpose)
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        return
    name = PG_MEASURE_DB if purpose == "measure" else PG_IMPORT_DB
    if fresh and _pg_exists(name):
        _pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)')
    if not _pg_exists(name):
        _pg_admin(f'CREATE DATABASE "{name}"')
