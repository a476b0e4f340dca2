"""Backup and restore of a whole ResourceLink installation.

A backup is ONE file, a gzipped tar archive holding:

- ``manifest.json``: format version, database engine, when it was made, and
  the number of rows of every model (so a restore can be checked, and a
  person can see what a file holds without restoring it);
- ``db.sqlite3`` (SQLite, written with the online backup API, so the server
  may keep running) or ``db.pgdump`` (PostgreSQL, ``pg_dump -Fc``);
- ``media/``: the uploaded photos.

A restore replaces the database and the photos with the archive's. It checks
the file first (a tar with our manifest, the engine of this installation, a
database dump of the right kind) and, unless told otherwise, makes a backup
of the current state before touching anything: a restore of the wrong file
must itself be undoable.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "resourcelink-backup"
FORMAT_VERSION = 1
SQLITE_MEMBER = "db.sqlite3"
PG_MEMBER = "db.pgdump"
SQLITE_HEADER = b"SQLite format 3\x00"
PG_HEADER = b"PGDMP"


class BackupError(Exception):
    """Something a person can fix: a wrong file, a missing tool, a refused step."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict


def backup_dir() -> Path:
    return Path(getattr(settings, "RL_BACKUP_DIR", None) or Path(settings.VAR_DIR) / "backups")


def engine_name(using: str = "default") -> str:
    vendor = connections[using].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(_("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor})
    return vendor


def row_counts(using: str = "default") -> dict[str, int]:
    """Rows per concrete model (history tables and many-to-many tables included)."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        counts[model._meta.label] = model._base_manager.using(using).count()
    return dict(sorted(counts.items()))


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


# --- Backup ---------------------------------------------------------------------


def backup_create(*, output: Path | str | None = None, using: str = "default") -> BackupResult:
    """Write a backup archive and return its path and manifest."""
    engine = engine_name(using)
    created_on = timezone.now()
    if output is None:
        output = backup_dir() / f"resourcelink-{timezone.localtime(created_on):%Y%m%d-%H%M%S}.tar.gz"
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rl-backup-") as tmp:
        tmp = Path(tmp)
        if engine == "sqlite":
            dump, member = tmp / SQLITE_MEMBER, SQLITE_MEMBER
            _sqlite_dump(dump, using)
        else:
            dump, member = tmp / PG_MEMBER, PG_MEMBER
            _pg_dump(dump, using)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "engine": engine,
            "created_on": created_on.isoformat(),
            "database": member,
            "counts": row_counts(using),
        }
        manifest_path = tmp / "manifest.json"
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        # Written beside the target and renamed at the end, so a backup cut
        # short never leaves a file that looks whole.
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            tar.add(manifest_path, arcname="manifest.json")
            tar.add(dump, arcname=member)
            media = _media_root()
            if media.is_dir():
                tar.add(media, arcname="media")
        os.replace(partial, output)
    return BackupResult(path=output, manifest=manifest)


BUSY_TIMEOUT_SECONDS = 60


def _give_up_after(seconds: float):
    """A progress callback for sqlite3's backup that stops waiting.

    The backup retries for as long as another connection holds a lock; a
    long-running writer would make ``resourcelink backup`` hang with no word.
    Raising from the callback aborts the copy with a message instead.
    """
    import time

    deadline = time.monotonic() + seconds

    def progress(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise BackupError(_("The database stayed busy for %(s)d seconds: try again when it is quieter.")
                              % {"s": seconds})

    return progress


def _sqlite_dump(target: Path, using: str) -> None:
    connection = connections[using]
    if connection.in_atomic_block:
        # SQLite's backup would wait for this connection's own transaction
        # to end, that is forever.
        raise BackupError(_("A backup of SQLite cannot run inside a transaction."))
    connection.ensure_connection()
    dest = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent snapshot page by page,
        # also of a database in WAL mode that others are writing to.
        connection.connection.backup(dest, progress=_give_up_after(BUSY_TIMEOUT_SECONDS))
    finally:
        dest.close()


def _pg_env(using: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore, and the environment with
    the password (never on the command line, where `ps` would show it)."""
    db = connections[using].settings_dict
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _("%(tool)s was not found. Install the PostgreSQL client tools (on Debian or Ubuntu: "
              "apt-get install postgresql-client) and try again.") % {"tool": name}
        )
    return path


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(error)s") % {"tool": Path(command[0]).name, "error": result.stderr.strip()}
        )


def _pg_dump(target: Path, using: str) -> None:
    args, env = _pg_env(using)
    name = connections[using].settings_dict["NAME"]
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args, "--dbname", name],
         env)


# --- Restore --------------------------------------------------------------------


def backup_read_manifest(path: Path | str) -> dict:
    """The manifest of a backup file, after checking it is one."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("There is no file %(path)s.") % {"path": path})
    if not tarfile.is_tarfile(path):
        raise BackupError(_("%(path)s is not a ResourceLink backup (not an archive).") % {"path": path})
    with tarfile.open(path, "r:*") as tar:
        try:
            raw = tar.extractfile("manifest.json")
        except KeyError:
            raw = None
        if raw is None:
            raise BackupError(_("%(path)s is not a ResourceLink backup (no manifest).") % {"path": path})
        try:
            manifest = json.loads(raw.read().decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise BackupError(_("The manifest of %(path)s cannot be read.") % {"path": path}) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("%(path)s is not a ResourceLink backup.") % {"path": path})
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("This backup has format version %(found)s; this ResourceLink reads version %(expected)s.")
            % {"found": manifest.get("format_version"), "expected": FORMAT_VERSION}
        )
    return manifest


def backup_restore(*, path: Path | str, using: str = "default", safety_backup: bool = True) -> dict:
    """Replace the database and the photos with those of the backup at ``path``.

    Returns the restored manifest, with ``safety_backup`` set to the path of
    the backup of the state before (or None). Stop the server first: other
    processes' connections would keep seeing the old data or block the restore.
    """
    path = Path(path)
    manifest = backup_read_manifest(path)
    engine = engine_name(using)
    if manifest.get("engine") != engine:
        raise BackupError(
            _("This backup is of a %(found)s database; this installation uses %(current)s.")
            % {"found": manifest.get("engine"), "current": engine}
        )
    member = SQLITE_MEMBER if engine == "sqlite" else PG_MEMBER
    header = SQLITE_HEADER if engine == "sqlite" else PG_HEADER
    with tempfile.TemporaryDirectory(prefix="rl-restore-") as tmp:
        tmp = Path(tmp)
        with tarfile.open(path, "r:*") as tar:
            try:
                info = tar.getmember(member)
            except KeyError:
                raise BackupError(_("The backup has no database dump (%(member)s).") % {"member": member}) from None
            if not info.isfile():
                raise BackupError(_("The backup's database dump is not a file."))
            tar.extract(info, tmp, filter="data")
            dump = tmp / member
            with dump.open("rb") as f:
                if f.read(len(header)) != header:
                    raise BackupError(_("The backup's database dump is not a %(engine)s dump.") % {"engine": engine})
            media_members = [
                m for m in tar.getmembers() if m.name == "media" or m.name.startswith("media/")
            ]
            tar.extractall(tmp, members=media_members, filter="data")

        if connections[using].in_atomic_block:
            raise BackupError(_("A restore cannot run inside a transaction."))
        safety = backup_create(using=using).path if safety_backup else None
        try:
            if engine == "sqlite":
                _sqlite_load(dump, using)
            else:
                _pg_load(dump, using)
            _media_replace(tmp / "media")
        except BackupError as exc:
            if safety is None:
                raise
            raise BackupError(
                _("%(error)s The state before the restore is in %(path)s.") % {"error": exc, "path": safety}
            ) from exc
    return {**manifest, "safety_backup": str(safety) if safety else None}


def _sqlite_load(dump: Path, using: str) -> None:
    # Other connections of this process would hold the old file open; the
    # backup API then writes the dump into the live database through SQLite
    # itself, which keeps its locks and WAL consistent (copying the file over
    # a running database would not).
    for conn in connections.all(initialized_only=True):
        if conn.alias != using:
            conn.close()
    connection = connections[using]
    connection.close()  # a file database reopens below; an in-memory one stays
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection, progress=_give_up_after(BUSY_TIMEOUT_SECONDS))
    finally:
        source.close()


def _pg_load(dump: Path, using: str) -> None:
    args, env = _pg_env(using)
    name = connections[using].settings_dict["NAME"]
    # Our own connections would hold locks that pg_restore --clean waits on.
    connections.close_all()
    # --single-transaction: either the whole dump is restored or nothing is.
    _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", *args,
          "--dbname", name, str(dump)], env)


def _media_replace(source: Path) -> None:
    # The folder itself stays (it may be a mount point); its contents become
    # the backup's.
    media = _media_root()
    media.mkdir(parents=True, exist_ok=True)
    for child in media.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if source.is_dir():
        shutil.copytree(source, media, dirs_exist_ok=True)
