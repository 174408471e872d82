"""One backup: a directory holding Better Auth's database, the API's database and a manifest.

The manifest (``manifest.json``) says when each database was captured, what it
held (tables, columns, rows, Django's migrations), each file's size and
SHA-256, and the tools' versions. It is signed (``manifest.sig``, an HMAC keyed
from the deployment's SECRET_KEY): anyone who can write a backup directory can
recompute a checksum, nobody without the key can sign. Restore checks the
signature first, then the manifest's every field, then every file, and touches
nothing until all of them hold.
"""

from __future__ import annotations

import json
import os
import platform
import re
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
    normalized_sql,
    pg_archive_check,
    pg_dump,
    pg_restore,
    pg_version,
    sha256,
    sqlite_check,
    sqlite_copy,
    sqlite_journal_mode,
    sqlite_schema_objects,
)

FORMAT = "tasks-backup/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
# Its own salt: a signature made for anything else with the same SECRET_KEY never passes for a manifest's.
SIGNING_SALT = "backups.manifest"
# What each database must hold at least, at backup and at restore: an empty or a wrong database
# restored in place of Better Auth's would end every account.
REQUIRED_TABLES = {
    "auth": ("user", "session", "account", "jwks"),
    "api": ("tasks_task", "django_migrations"),
}
LAYOUTS = ({("auth",), ("api",)}, {("auth", "api")})
ENGINES = ("sqlite", "postgresql")
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
    """Better Auth's first, then the API's (the docs say why); one when both live in one PostgreSQL database."""
    if api.same_as(auth):
        if api.engine == "sqlite":
            # The web app and the API never share a SQLite file: this is a mistaken --auth-database.
            raise BackupError(
                f"Better Auth's database and the API's are the same file ({api.label()}): give Better Auth's own "
                "file with --auth-database (frontend/auth.sqlite3 by default)."
            )
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
        require_tables(target.holds, target.database.tables(), target.database.label())
    # It holds password hashes, live session tokens and signing keys: its owner alone may read it.
    old_umask = os.umask(0o077)
    try:
        partial.mkdir(parents=True, mode=0o700)
        partial.chmod(0o700)  # whatever the umask
        manifest = _write_backup(api, auth, partial, say, tools=tools)
    finally:
        os.umask(old_umask)
    partial.rename(into)
    return manifest


def _write_backup(api: Database, auth: Database, partial: Path, say: Say, *, tools: dict[str, str]) -> dict[str, Any]:
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
    text = json.dumps(manifest, indent=2) + "\n"
    (partial / MANIFEST).write_text(text)
    (partial / SIGNATURE).write_text(sign_manifest(text) + "\n")
    for file in partial.iterdir():
        file.chmod(0o600)  # whatever the umask was, and for any file SQLite left beside a copy
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
        refuse_foreign_objects(target.holds, file, database.label())
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


def _signer() -> Any:
    from django.core import signing  # the commands run under Django; the drill imports only databases.py

    return signing.Signer(salt=SIGNING_SALT, algorithm="sha256")


def sign_manifest(text: str) -> str:
    """HMAC-SHA256 of the manifest's exact text, keyed from SECRET_KEY."""
    return _signer().signature(text)


def manifest_signed(text: str, signature: str) -> bool:
    """True when SECRET_KEY, or one of SECRET_KEY_FALLBACKS (a rotated key), signed exactly this text."""
    from django.core import signing

    try:
        _signer().unsign(f"{text}{_signer().sep}{signature}")
    except signing.BadSignature:
        return False
    return True


UNVERIFIED_HINT = (
    "Restore with the SECRET_KEY of the deployment that made the backup (after a key rotation, keep the old one in "
    "SECRET_KEY_FALLBACKS); or, if you have verified where this backup comes from some other way, pass "
    "--accept-unsigned."
)


def _check_signature(directory: Path, text: str, say: Say, *, accept_unsigned: bool) -> None:
    signature_file = directory / SIGNATURE
    signature = signature_file.read_text().strip() if signature_file.is_file() else ""
    if signature and manifest_signed(text, signature):
        say(f"  {MANIFEST}: signature good (this deployment's SECRET_KEY)")
        return
    why = (
        f"{directory} has no {SIGNATURE}: nothing shows who wrote its manifest"
        if not signature
        else f"{SIGNATURE} does not match {MANIFEST} under this deployment's SECRET_KEY (nor SECRET_KEY_FALLBACKS): "
        "the backup was altered, or another deployment made it"
    )
    if not accept_unsigned:
        raise BackupError(f"{why}. Nothing was changed. {UNVERIFIED_HINT}")
    say("!" * 78)
    say(f"WARNING: {why}.")
    say("WARNING: --accept-unsigned: going on. Anyone who could write this directory could have changed what it")
    say("WARNING: restores (accounts, roles, sessions), recomputing every checksum. Go on only with a backup whose")
    say("WARNING: origin you have verified yourself.")
    say("!" * 78)


def read_manifest(directory: Path, say: Say, *, accept_unsigned: bool = False) -> dict[str, Any]:
    """The manifest of a whole, intact, signed backup; anything else raises before a database is touched."""
    if not directory.is_dir():
        hint = " (an interrupted backup: use another one)" if directory.name.endswith(".partial") else ""
        raise BackupError(f"No backup directory at {directory}{hint}.")
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} has no {MANIFEST}: not a backup made by `make backup`.")
    try:
        text = path.read_text()
    except UnicodeDecodeError as e:
        raise BackupError(f"{path} is not UTF-8 text ({e}): the backup is damaged.") from e
    _check_signature(directory, text, say, accept_unsigned=accept_unsigned)
    try:
        manifest = json.loads(text)
    except ValueError as e:
        raise BackupError(f"{path} is not valid JSON ({e}): the backup is damaged.") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
        raise BackupError(f"{path} is not a {FORMAT} manifest (format: {found!r}).")
    validate_manifest(manifest, path)
    skew = manifest["skew_seconds"]
    say(f"Backup {directory.name}: taken {manifest['started_at']}, the databases captured {skew} s apart.")
    for entry in manifest["databases"]:
        file = directory / entry["file"]
        if not file.is_file() or file.is_symlink():
            raise BackupError(f"{file} is missing: the backup is incomplete. Use another one.")
        if file.stat().st_size != entry["bytes"]:
            raise BackupError(
                f"{file} has {file.stat().st_size:,} bytes, the manifest says {entry['bytes']:,}: damaged. Use another."
            )
        digest = sha256(file)
        if digest != entry["sha256"]:
            raise BackupError(f"{file}: SHA-256 {digest[:16]}…, the manifest says {entry['sha256'][:16]}…: damaged.")
        if entry["engine"] == "sqlite":
            # SQLite reads a -wal beside the file as part of it: the checks would see pages the checksum does not
            # cover (and the restore, which copies the file alone, would not). Reading leaves an empty one.
            for sidecar in (Path(f"{file}-wal"), Path(f"{file}-journal")):
                if sidecar.exists() and (sidecar.is_symlink() or sidecar.stat().st_size > 0):
                    raise BackupError(
                        f"{sidecar} is not empty: the manifest's checksum does not cover it. A backup never leaves "
                        "one; use another backup."
                    )
            sqlite_check(file)
            # What the file holds, read from the file: each must be the database its entry says.
            require_tables(tuple(entry["holds"]), Database("sqlite", path=file).tables(), str(file))
            refuse_foreign_objects(tuple(entry["holds"]), file, str(file))
        else:
            pg_archive_check(file)
            # The dump's tables as the signed manifest records them, counted in pg_dump's own snapshot.
            require_tables(tuple(entry["holds"]), entry["tables"], str(file))
        say(f"  {entry['file']}: checksum and structure good ({entry['engine']}; {_summary(entry['rows'])})")
    return manifest


_SHA256 = re.compile(r"[0-9a-f]{64}")


def validate_manifest(manifest: dict[str, Any], path: Path) -> None:
    """Every field restore uses, of the type it needs: a bad manifest is refused whole, before anything is touched."""

    def bad(what: str) -> BackupError:
        return BackupError(f"{path}: {what}. The manifest is damaged or was altered: nothing was changed.")

    def is_int(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    for key in ("started_at", "finished_at"):
        if not isinstance(manifest.get(key), str):
            raise bad(f"{key} is not a time")
    skew = manifest.get("skew_seconds")
    if not isinstance(skew, int | float) or isinstance(skew, bool):
        raise bad("skew_seconds is not a number")
    entries = manifest.get("databases")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise bad("databases is not a list of entries")
    layout = []
    for n, entry in enumerate(entries, 1):
        holds = entry.get("holds")
        if not isinstance(holds, list) or not all(isinstance(h, str) for h in holds):
            raise bad(f"entry {n}: holds is not a list of names")
        layout.append(tuple(holds))
        engine = entry.get("engine")
        if engine not in ENGINES:
            raise bad(f"entry {n}: engine {engine!r} is not one of {', '.join(ENGINES)}")
        file = entry.get("file")
        expected = Target(tuple(holds), Database(engine)).file_name
        # Only the plain name backup writes for what the entry holds: never a path out of the directory,
        # and never one database's file under the other's entry.
        if not isinstance(file, str) or file != expected:
            raise bad(f"entry {n}: file {file!r} is not {expected!r}, the file for {'+'.join(holds)} on {engine}")
        if not is_int(entry.get("bytes")):
            raise bad(f"entry {n}: bytes is not a whole number")
        if not isinstance(entry.get("sha256"), str) or not _SHA256.fullmatch(entry["sha256"]):
            raise bad(f"entry {n}: sha256 is not a SHA-256 in hex")
        if not isinstance(entry.get("captured_at"), str):
            raise bad(f"entry {n}: captured_at is not a time")
        tables = entry.get("tables")
        if not isinstance(tables, dict) or not all(
            isinstance(c, list) and all(isinstance(x, str) for x in c) for c in tables.values()
        ):
            raise bad(f"entry {n}: tables is not a map of table to column names")
        rows = entry.get("rows")
        if not isinstance(rows, dict) or not all(is_int(v) for v in rows.values()):
            raise bad(f"entry {n}: rows is not a map of table to a row count")
        migrations = entry.get("migrations")
        if not isinstance(migrations, list) or not all(isinstance(m, str) for m in migrations):
            raise bad(f"entry {n}: migrations is not a list of names")
    if len(set(layout)) != len(layout) or set(layout) not in LAYOUTS:
        raise bad(f"its databases hold {' and '.join('+'.join(h) for h in layout)}, not auth and api")


def require_tables(holds: tuple[str, ...], tables: Any, where: str) -> None:
    """Refuse a database without the tables of what it is said to hold (an empty one, or the other one)."""
    for role in holds:
        missing = [t for t in REQUIRED_TABLES[role] if t not in tables]
        if missing:
            name = "Better Auth's" if role == "auth" else "the API's"
            raise BackupError(
                f"{where} is not {name} database: it lacks the tables {', '.join(missing)}"
                f"{' (it holds no tables at all)' if not tables else ''}. Nothing was changed. Check which database "
                "is given (--auth-database, DATABASE_URL), and that its migrations ran."
            )


def allowed_objects(holds: tuple[str, ...]) -> set[str]:
    """The triggers and views the application creates in a SQLite database holding ``holds``, as normalized SQL.

    Better Auth's migrations create tables and indexes only; the API's create the task-counter triggers.
    """
    if "api" not in holds:
        return set()
    import importlib

    counters = importlib.import_module("tasks.migrations.0002_taskcount")
    return {normalized_sql(sql) for sql in counters.SQLITE_TRIGGERS}


def refuse_foreign_objects(holds: tuple[str, ...], file: Path, where: str) -> None:
    """Refuse a SQLite file with a trigger or view the application does not create (e.g. one dropping sign-outs)."""
    allowed = allowed_objects(holds)
    foreign = sorted(name for name, sql in sqlite_schema_objects(file).items() if normalized_sql(sql) not in allowed)
    if foreign:
        raise BackupError(
            f"{where} holds {', '.join(foreign[:5])}, which the application never creates: a trigger or view runs "
            "code on every write or read, and this one was added by hand or by an attacker. Nothing was changed. "
            "Use another backup, or drop it from a copy after reading what it does."
        )


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
