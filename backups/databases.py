"""The two databases a backup holds, SQLite files or PostgreSQL databases, and how each is copied.

Stdlib plus psycopg only (no Django), so the drill and the tests can use it as it is.
SQLite goes through its online backup API, PostgreSQL through pg_dump and pg_restore.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

Say = Callable[[str], None]

# Pages copied per step: between steps the source is unlocked, so its writers (Better Auth's
# file is in rollback-journal mode, where a reader blocks a commit) wait one step at most.
SQLITE_PAGES_PER_STEP = 1024
# A step restarts from the first page when another process wrote meanwhile; after this many,
# the copy is done in one step (writers wait for the whole copy, once).
SQLITE_MAX_RESTARTS = 5
PG_TIMEOUT_SECONDS = 3600
# libpq's TLS settings, as a URL's query or Django's OPTIONS carry them: kept, so a backup never
# connects with less protection than the app does.
LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "target_session_attrs")


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Database:
    """One database: a SQLite file (``path``) or a PostgreSQL database (libpq parameters)."""

    engine: str  # "sqlite" or "postgresql"
    path: Path | None = None
    host: str = ""
    port: str = ""
    name: str = ""
    user: str = ""
    password: str = ""
    options: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_url(cls, url: str, *, base: Path) -> Database:
        """A ``postgres://`` or ``sqlite:///`` URL, or a plain file path (relative to ``base``)."""
        parts = urlsplit(url)
        if parts.scheme in ("postgres", "postgresql", "pgsql"):
            return cls(
                "postgresql",
                host=unquote(parts.hostname or ""),
                port=str(parts.port or ""),
                name=unquote(parts.path.lstrip("/")),
                user=unquote(parts.username or ""),
                password=unquote(parts.password or ""),
                options=tuple((k, v) for k, v in parse_qsl(parts.query) if k in LIBPQ_OPTIONS),
            )
        if parts.scheme == "sqlite":
            # sqlite:////abs/path and sqlite:///relative, as django-environ reads them.
            return cls("sqlite", path=(base / unquote(parts.path[1:])).resolve())
        if parts.scheme in ("", "file"):
            return cls("sqlite", path=(base / unquote(parts.path)).resolve())
        raise BackupError(f'Unsupported database URL "{parts.scheme}:…": a postgres:// URL, or a SQLite file path.')

    @classmethod
    def from_django(cls, settings: dict[str, Any]) -> Database:
        """Django's ``DATABASES["default"]``."""
        if settings["ENGINE"] == "django.db.backends.sqlite3":
            return cls("sqlite", path=Path(settings["NAME"]).resolve())
        if settings["ENGINE"] == "django.db.backends.postgresql":
            return cls(
                "postgresql",
                host=settings.get("HOST") or "",
                port=str(settings.get("PORT") or ""),
                name=settings["NAME"],
                user=settings.get("USER") or "",
                password=settings.get("PASSWORD") or "",
                options=tuple((k, str(v)) for k, v in (settings.get("OPTIONS") or {}).items() if k in LIBPQ_OPTIONS),
            )
        raise BackupError(f"The API's database engine {settings['ENGINE']} is not one this backup knows.")

    @property
    def file(self) -> Path:
        if self.path is None:
            raise BackupError("No SQLite file given.")
        return self.path

    def label(self) -> str:
        """Where it is, without the password: for messages and the manifest."""
        if self.engine == "sqlite":
            return str(self.path)
        user = f"{self.user}@" if self.user else ""
        return f"postgresql://{user}{self.host or 'localhost'}:{self.port or '5432'}/{self.name}"

    def same_as(self, other: Database) -> bool:
        if self.engine == "sqlite":
            return other.engine == "sqlite" and self.path == other.path
        return other.engine == "postgresql" and (self.host, self.port or "5432", self.name) == (
            other.host,
            other.port or "5432",
            other.name,
        )

    # --- PostgreSQL ----------------------------------------------------------------

    def libpq_env(self) -> dict[str, str]:
        """The connection for pg_dump and pg_restore: in the environment, so no password is on a command line."""
        env = dict(os.environ)
        for key, value in (("PGHOST", self.host), ("PGPORT", self.port), ("PGUSER", self.user)):
            if value:
                env[key] = value
        if self.password:
            env["PGPASSWORD"] = self.password
        env["PGDATABASE"] = self.name
        env["PGCONNECT_TIMEOUT"] = "5"
        for key, value in self.options:
            env[f"PG{key.upper()}"] = value  # PGSSLMODE, PGSSLROOTCERT, …
        return env

    def connect(self) -> Any:
        import psycopg

        kwargs = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            **dict(self.options),
        }
        try:
            return psycopg.connect(
                dbname=self.name, connect_timeout=5, autocommit=True, **{k: v for k, v in kwargs.items() if v}
            )
        except psycopg.OperationalError as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise BackupError(f"Cannot connect to {self.label()}: {first}") from e

    # --- what it holds -------------------------------------------------------------

    @contextlib.contextmanager
    def reader(self) -> Iterator[Any]:
        """A connection for reading (sqlite3 or psycopg: both ``execute(...).fetchall()``)."""
        if self.engine == "sqlite":
            with closing_sqlite(self.path, readonly=True) as conn:
                yield conn
        else:
            with self.connect() as conn:
                yield conn

    def tables(self, conn: Any = None) -> dict[str, list[str]]:
        """Each table's columns, in order: the schema state the manifest records."""
        if conn is None:
            with self.reader() as conn:
                return self.tables(conn)
        if self.engine == "sqlite":
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            return {n: [r[1] for r in conn.execute(f'PRAGMA table_info("{n}")')] for n in names}
        rows = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "ORDER BY table_name, ordinal_position"
        ).fetchall()
        tables: dict[str, list[str]] = {}
        for table, column in rows:
            tables.setdefault(table, []).append(column)
        return tables

    def count_rows(self, tables: list[str], conn: Any = None) -> dict[str, int]:
        """Rows per table, for those of ``tables`` that exist."""
        if conn is None:
            with self.reader() as conn:
                return self.count_rows(tables, conn)
        present = self.tables(conn)
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables if t in present}  # noqa: S608 (names from the schema)

    def migrations(self, conn: Any = None) -> list[str]:
        """Django's applied migrations, ``app.name``; empty where there is no django_migrations table."""
        if conn is None:
            with self.reader() as conn:
                return self.migrations(conn)
        if "django_migrations" not in self.tables(conn):
            return []
        rows = conn.execute("SELECT app, name FROM django_migrations ORDER BY app, name").fetchall()
        return [f"{app}.{name}" for app, name in rows]

    def execute(self, statement: str) -> None:
        """One statement, committed."""
        if self.engine == "sqlite":
            with closing_sqlite(self.path) as conn:
                conn.execute(statement)
                conn.commit()
            return
        with self.connect() as conn:
            conn.execute(statement)

    def values(self, table: str, column: str) -> set[str]:
        """The distinct values of one column; empty when the table is missing."""
        if table not in self.tables():
            return set()
        query = f'SELECT DISTINCT "{column}" FROM "{table}"'  # noqa: S608 (names fixed by the caller)
        if self.engine == "sqlite":
            with closing_sqlite(self.path, readonly=True) as conn:
                return {r[0] for r in conn.execute(query)}
        with self.connect() as conn:
            return {r[0] for r in conn.execute(query)}

    def users_elsewhere(self) -> list[str]:
        """Other sessions on this database right now (a PostgreSQL server's view of who is using it)."""
        if self.engine == "sqlite":
            return [f"process {pid} ({name})" for pid, name in processes_holding(self.path)]
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT pid, coalesce(nullif(application_name, ''), client_addr::text, 'local') FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return [f"connection {pid} ({name})" for pid, name in rows]

    def exists(self) -> bool:
        if self.engine == "sqlite":
            return self.path is not None and self.path.exists() and self.path.stat().st_size > 0
        self.connect().close()
        return True


@contextlib.contextmanager
def closing_sqlite(path: Path | None, *, readonly: bool = False):
    if path is None:
        raise BackupError("No SQLite file given.")
    if readonly and not path.exists():
        raise BackupError(f"No such SQLite file: {path}")
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    conn = sqlite3.connect(uri, uri=True, timeout=20)
    try:
        yield conn
    finally:
        conn.close()


def processes_holding(path: Path | None) -> list[tuple[int, str]]:
    """Processes (this user's, as /proc shows them) with the file or its WAL open, this one excepted."""
    if path is None or not Path("/proc").is_dir():
        return []
    targets = {str(path), f"{path}-wal", f"{path}-journal"}
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            links = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
            if links & targets:
                found.append((int(entry.name), (entry / "comm").read_text().strip()))
        except OSError:
            continue  # gone, or another user's
    return found


# --- copying ---------------------------------------------------------------------


def sqlite_copy(source: Path, target: Path, say: Say) -> None:
    """``source`` into ``target`` through SQLite's online backup API: a consistent copy, taken while it serves.

    Each step copies a batch of pages; a write by another process meanwhile restarts the copy,
    and after a few restarts it is finished in one step. WAL files of either side are handled
    by SQLite itself, which a file copy would not do.
    """
    restarts, last = 0, None

    def progress(status: int, remaining: int, total: int) -> None:
        nonlocal restarts, last
        if last is not None and remaining > last:
            restarts += 1
            if restarts > SQLITE_MAX_RESTARTS:
                raise _TooBusy
        last = remaining
        if total > 4 * SQLITE_PAGES_PER_STEP:
            say(f"    {100 * (total - remaining) // total:3d}% of {total} pages")

    with closing_sqlite(source) as src, closing_sqlite(target) as dst:
        try:
            src.backup(dst, pages=SQLITE_PAGES_PER_STEP, progress=progress, sleep=0.05)
        except _TooBusy:
            say(f"    the source was written {restarts} times during the copy: copying it in one step")
            src.backup(dst, pages=-1)


class _TooBusy(Exception):
    pass


def sqlite_journal_mode(path: Path) -> str:
    """``wal``, or ``delete`` (rollback journal: a reader blocks a writer's commit)."""
    with closing_sqlite(path, readonly=True) as conn:
        return conn.execute("PRAGMA journal_mode").fetchone()[0].lower()


def sqlite_check(path: Path) -> None:
    """Refuse a file that is not an intact SQLite database."""
    try:
        with closing_sqlite(path, readonly=True) as conn:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise BackupError(f"{path} is not a readable SQLite database: {e}") from e
    if result != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {result}")


def sqlite_schema_objects(path: Path) -> dict[str, str]:
    """Each trigger and view in the file, ``"trigger name"`` -> its SQL: the objects that run on their own.

    Tables and indexes are data and lookups; a trigger or a view runs code on every write or read,
    so a backup may hold only the ones the application itself creates.
    """
    with closing_sqlite(path, readonly=True) as conn:
        rows = conn.execute(
            "SELECT type, name, coalesce(sql, '') FROM sqlite_master WHERE type IN ('trigger', 'view') ORDER BY name"
        ).fetchall()
    return {f"{kind} {name}": sql for kind, name, sql in rows}


def normalized_sql(sql: str) -> str:
    """SQL with its whitespace collapsed, to compare what SQLite stores with what a migration ran."""
    return " ".join(sql.split())


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install PostgreSQL's client tools (Debian: postgresql-client).")
    return found


def pg_dump(database: Database, target: Path, say: Say, *, snapshot: str) -> None:
    """One ``pg_dump -Fc`` of the whole database, in ``snapshot`` (exported by a transaction kept open meanwhile)."""
    command = [
        pg_tool("pg_dump"),
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--snapshot={snapshot}",
        f"--file={target}",
    ]
    _run_pg(command, database, say, "pg_dump")


def pg_restore(database: Database, archive: Path, say: Say) -> None:
    """``pg_restore --clean --if-exists`` in one transaction: the database ends as the dump, or as it was."""
    command = [
        pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--verbose",
        f"--dbname={database.name}",
        str(archive),
    ]
    _run_pg(command, database, say, "pg_restore")


def pg_archive_check(archive: Path) -> None:
    """Refuse a file pg_restore cannot read as a custom-format archive."""
    done = subprocess.run(  # noqa: S603 (fixed argv)
        [pg_tool("pg_restore"), "--list", str(archive)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{archive} is not a pg_dump archive pg_restore can read: {done.stderr.strip()}")


def _run_pg(command: list[str], database: Database, say: Say, tool: str) -> None:
    """Run a PostgreSQL tool, showing each table whose data it is on as it goes."""
    with subprocess.Popen(  # noqa: S603 (argv built here)
        [*command, "--verbose"] if "--verbose" not in command else command,
        env=database.libpq_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        errors = []
        deadline = time.monotonic() + PG_TIMEOUT_SECONDS
        for line in process.stderr or ():
            line = line.rstrip()
            if "dumping contents of table" in line or "processing data for table" in line:
                say(f"    table {line.split(' table ', 1)[1]}")
            elif "error" in line.lower() or "fatal" in line.lower():
                errors.append(line)
            if time.monotonic() > deadline:
                process.kill()
                raise BackupError(f"{tool} took over {PG_TIMEOUT_SECONDS} s; stopped.")
        code = process.wait()
    if code != 0:
        detail = "\n  ".join(errors[-5:]) or f"exit status {code}"
        raise BackupError(f"{tool} failed on {database.label()}:\n  {detail}")


def pg_version(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        return "not installed"
    return subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
