"""One backup: a directory holding Better Auth's database, the API's database and a manifest.

The manifest (``manifest.json``) says when each database was captured, what it
held (tables, columns, rows, Django's migrations), each file's size and
SHA-256, and the tools' versions. Restore reads it first and touches nothing
until every file matches it.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .databases import (
    BackupError,
    Database,
    Say,
    pg_archive_check,
    pg_dump,
    pg_restore,
    pg_version,
    sha256,
    sqlite_check,
    sqlite_copy,
    sqlite_journal_mode,
)

FORMAT = "tasks-backup/1"
MANIFEST = "manifest.json"
# The tables whose rows the messages name (every table is counted, and checked alike).
SHOWN_TABLES = {
    "user": "users",
    "session": "sessions",
    "jwks": "signing keys",
    "revocationEvent": "revocation events",
    "tasks_task": "tasks",
    "tasks_taskcount": "task counters",
}


@dataclass(frozen=True)
class Target:
    """What one file of a backup holds (``api``, ``auth``, or both from one PostgreSQL database) and where it goes."""

    holds: tuple[str, ...]
    database: Database

    @property
    def file_name(self) -> str:
        stem = "+".join(self.holds)
        return f"{stem}.sqlite3" if self.database.engine == "sqlite" else f"{stem}.dump"


def targets(api: Database, auth: Database) -> list[Target]:
    """Better Auth's first, then the API's (the docs say why); one when both live in one database."""
    if api.same_as(auth):
        return [Target(("auth", "api"), api)]
    return [Target(("auth",), auth), Target(("api",), api)]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def default_name() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


# --- backup ------------------------------------------------------------------------


def take_backup(api: Database, auth: Database, into: Path, say: Say, *, tools: dict[str, str]) -> dict[str, Any]:
    """Capture both databases into the new directory ``into``; return its manifest.

    Written under ``<into>.partial`` and renamed at the end, so a directory with
    the final name is always a whole backup.
    """
    if into.exists():
        raise BackupError(f"{into} exists already: choose a new directory (a backup never overwrites one).")
    partial = into.with_name(into.name + ".partial")
    if partial.exists():
        raise BackupError(f"{partial} exists: a backup was interrupted there. Remove it, then run the backup again.")
    for target in targets(api, auth):
        if not target.database.exists():
            raise BackupError(f"Nothing to back up for {'+'.join(target.holds)}: {target.database.label()} is missing.")
    # It holds password hashes, live session tokens and signing keys: its owner alone may read it.
    partial.mkdir(parents=True, mode=0o700)
    partial.chmod(0o700)  # whatever the umask
    started = now()
    entries = []
    for target in targets(api, auth):
        entries.append(_capture(target, partial / target.file_name, say))
    manifest = {
        "format": FORMAT,
        "started_at": started,
        "finished_at": now(),
        "databases": entries,
        "skew_seconds": _skew(entries),
        "tools": {**tools, **tool_versions(api, auth)},
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    partial.rename(into)
    return manifest


def _capture(target: Target, file: Path, say: Say) -> dict[str, Any]:
    database = target.database
    say(f"Backing up {'+'.join(target.holds)} ({database.engine}) from {database.label()} …")
    if database.engine == "sqlite" and sqlite_journal_mode(database.file) != "wal":
        say(
            "  warning: this file is in rollback-journal mode: while the copy reads it, a write that commits fails "
            "instead of waiting. Switch it to WAL once, with its server stopped (docs/backup-restore.md, 'Before the "
            "first backup')."
        )
    began = time.monotonic()
    if database.engine == "sqlite":
        captured_at = now()
        sqlite_copy(database.file, file, say)
        # What was copied, counted in the copy itself: the manifest describes exactly the file.
        with Database("sqlite", path=file).reader() as copy:
            tables = database.tables(copy)
            rows, migrations = database.count_rows(list(tables), copy), database.migrations(copy)
    else:
        # pg_dump reads in a snapshot this transaction exports, and the rows are counted in it: the
        # manifest describes exactly what the dump holds, however many writes go on meanwhile.
        with database.connect() as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            captured_at = now()
            tables = database.tables(conn)
            rows, migrations = database.count_rows(list(tables), conn), database.migrations(conn)
            pg_dump(database, file, say, snapshot=snapshot)
            conn.execute("COMMIT")
    size = file.stat().st_size
    say(f"  {file.name}: {size:,} bytes in {time.monotonic() - began:.1f} s; {_summary(rows)}")
    return {
        "holds": list(target.holds),
        "engine": database.engine,
        "source": database.label(),
        "file": file.name,
        "bytes": size,
        "sha256": sha256(file),
        "captured_at": captured_at,
        "tables": tables,
        "rows": rows,
        "migrations": migrations,
    }


def _skew(entries: list[dict[str, Any]]) -> float:
    times = [datetime.fromisoformat(e["captured_at"].replace("Z", "+00:00")) for e in entries]
    return round((max(times) - min(times)).total_seconds(), 3)


def _summary(rows: dict[str, int]) -> str:
    shown = [f"{rows[table]} {name}" for table, name in SHOWN_TABLES.items() if table in rows]
    return ", ".join(shown) or f"{len(rows)} tables"


def tool_versions(api: Database, auth: Database) -> dict[str, str]:
    versions = {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": f"{platform.system()} {platform.machine()}",
    }
    if "postgresql" in (api.engine, auth.engine):
        versions["pg_dump"] = pg_version("pg_dump")
        with (api if api.engine == "postgresql" else auth).connect() as conn:
            versions["postgresql_server"] = conn.execute("SHOW server_version").fetchone()[0]
    return versions


# --- checking ---------------------------------------------------------------------


def read_manifest(directory: Path, say: Say) -> dict[str, Any]:
    """The manifest of a whole, intact backup; anything else raises before a database is touched."""
    if not directory.is_dir():
        hint = " (an interrupted backup: use another one)" if directory.name.endswith(".partial") else ""
        raise BackupError(f"No backup directory at {directory}{hint}.")
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} has no {MANIFEST}: not a backup made by `make backup`.")
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise BackupError(f"{path} is not valid JSON ({e}): the backup is damaged.") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a {FORMAT} manifest (format: {manifest.get('format')!r}).")
    skew = manifest["skew_seconds"]
    say(f"Backup {directory.name}: taken {manifest['started_at']}, the databases captured {skew} s apart.")
    for entry in manifest["databases"]:
        file = directory / entry["file"]
        if not file.is_file():
            raise BackupError(f"{file} is missing: the backup is incomplete. Use another one.")
        if file.stat().st_size != entry["bytes"]:
            raise BackupError(
                f"{file} has {file.stat().st_size:,} bytes, the manifest says {entry['bytes']:,}: damaged. Use another."
            )
        digest = sha256(file)
        if digest != entry["sha256"]:
            raise BackupError(f"{file}: SHA-256 {digest[:16]}…, the manifest says {entry['sha256'][:16]}…: damaged.")
        if entry["engine"] == "sqlite":
            sqlite_check(file)
        else:
            pg_archive_check(file)
        say(f"  {entry['file']}: checksum and structure good ({entry['engine']}; {_summary(entry['rows'])})")
    return manifest


# --- restore ----------------------------------------------------------------------


def check_targets(
    manifest: dict[str, Any], api: Database, auth: Database, *, force: bool, say: Say, check_only: bool = False
) -> list[Target]:
    """Match the backup's files to the databases to replace, and refuse a target in use or not empty without force."""
    wanted = targets(api, auth)
    held = {tuple(e["holds"]): e for e in manifest["databases"]}
    if set(held) != {t.holds for t in wanted}:
        layout = " and ".join("+".join(h) for h in held)
        now_layout = " and ".join("+".join(t.holds) for t in wanted)
        raise BackupError(
            f"The backup holds {layout}; the targets are {now_layout}. Give --auth-database so that Better Auth's "
            "database is laid out as it was when the backup was taken."
        )
    problems = []
    for target in wanted:
        entry = held[target.holds]
        if entry["engine"] != target.database.engine:
            raise BackupError(
                f"{'+'.join(target.holds)}: the backup is {entry['engine']}, the target {target.database.label()} is "
                f"{target.database.engine}. Restore into a {entry['engine']} database (the wrong kind of database)."
            )
        if target.database.engine == "postgresql":
            target.database.connect().close()  # a missing database is said now, before anything is replaced
        elif target.database.path is not None and not target.database.path.parent.is_dir():
            raise BackupError(f"{target.database.path.parent} does not exist: create it, or give another target.")
        users = target.database.users_elsewhere()
        if users:
            problems.append(
                f"{target.database.label()} is in use by {', '.join(users[:5])}: stop the API and the web app first."
            )
        if target.database.exists():
            tables = target.database.tables()
            if tables:
                problems.append(
                    f"{target.database.label()} holds tables now ({len(tables)}): the restore replaces them."
                )
    if problems:
        verdict = "to settle before restoring" if check_only else "going on anyway (--force)" if force else "refused"
        for problem in problems:
            say(f"  {verdict}: {problem}")
        if not force and not check_only:
            raise BackupError("Nothing was changed. Pass --force to replace what is there.")
    return wanted


def restore_backup(
    directory: Path, manifest: dict[str, Any], wanted: list[Target], say: Say, *, new_signing_key: bool = True
) -> dict[str, dict[str, int]]:
    """Replace each target with the backup's copy; then count its rows again against the manifest."""
    held = {tuple(e["holds"]): e for e in manifest["databases"]}
    counted = {}
    for step, target in enumerate(wanted, 1):
        entry = held[target.holds]
        database = target.database
        say(f"[{step}/{len(wanted)}] Restoring {'+'.join(target.holds)} into {database.label()} …")
        began = time.monotonic()
        if database.engine == "sqlite":
            _sqlite_replace(directory / entry["file"], database.file, say)
        else:
            pg_restore(database, directory / entry["file"], say)
        rows = database.count_rows(list(entry["rows"]))
        differ = {t: (entry["rows"][t], rows.get(t)) for t in entry["rows"] if rows.get(t) != entry["rows"][t]}
        if differ:
            raise BackupError(f"After the restore, rows differ from the backup (backup, now): {differ}")
        say(f"  done in {time.monotonic() - began:.1f} s: {_summary(rows)} (as in the backup)")
        counted["+".join(target.holds)] = rows
        if "auth" in target.holds and new_signing_key and "jwks" in rows:
            # Tokens of sessions the backup does not know (begun after it) carry no event that could end
            # them; a new key set refuses every token signed before the restore instead.
            database.execute('DELETE FROM "jwks"')
            say(
                "  Better Auth's signing keys removed: it makes a new one as it starts, and every token signed before "
                "the restore is refused by each API once it fetches the key set"
            )
    return counted


def _sqlite_replace(backup: Path, target: Path, say: Say) -> None:
    """The backup's pages written into the target through SQLite, so a stale -wal of the old file cannot be replayed."""
    if not target.exists():
        say(f"  {target} does not exist: creating it")
    # A private copy first: the backup directory stays untouched (restoring never opens it for writing).
    scratch = target.with_name(f".{target.name}.restoring-{os.getpid()}")
    shutil.copyfile(backup, scratch)
    try:
        sqlite_copy(scratch, target, say)
    finally:
        scratch.unlink(missing_ok=True)


def compare_migrations(manifest: dict[str, Any], on_disk: set[str]) -> tuple[list[str], list[str]]:
    """The backup's migrations this code lacks (a newer version made it), and this code's that the backup lacks."""
    recorded = {m for e in manifest["databases"] if "api" in e["holds"] for m in e["migrations"]}
    return sorted(recorded - on_disk), sorted(on_disk - recorded)
