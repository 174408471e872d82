"""The scratch databases every backup test starts from (moved here from test_commands.py, for test_hostile.py too)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from backups.databases import Database
from backups.management.commands import _common


@pytest.fixture
def sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """An API database and a Better Auth database, SQLite files in a scratch directory, with a row or two each."""
    api, auth = tmp_path / "api.sqlite3", tmp_path / "auth.sqlite3"
    with sqlite3.connect(api) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT, applied TEXT)")
        conn.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('tasks', '0001_initial', 'now')")
        conn.execute("CREATE TABLE tasks_task (id INTEGER PRIMARY KEY, user_id TEXT, title TEXT)")
        conn.executemany("INSERT INTO tasks_task (user_id, title) VALUES (?, ?)", [("u1", "milk"), ("u1", "eggs")])
    with sqlite3.connect(auth) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute('CREATE TABLE "user" (id TEXT PRIMARY KEY, email TEXT)')
        conn.execute("INSERT INTO \"user\" VALUES ('u1', 'a@example.com')")
        conn.execute("CREATE TABLE jwks (id TEXT PRIMARY KEY, publicKey TEXT)")
        conn.execute("INSERT INTO jwks VALUES ('k1', 'public')")
        conn.execute("CREATE TABLE session (id TEXT PRIMARY KEY, userId TEXT, token TEXT)")
        conn.execute("CREATE TABLE account (id TEXT PRIMARY KEY, userId TEXT, password TEXT)")
        conn.execute('CREATE TABLE "revocationEvent" (id INTEGER PRIMARY KEY, sessionId TEXT)')
    # The API's database is Django's setting; here, the scratch file (never the project's db.sqlite3).
    monkeypatch.setattr(_common, "api_database", lambda: Database("sqlite", path=api))
    for module in ("backup", "restore"):
        monkeypatch.setattr(f"backups.management.commands.{module}.api_database", lambda: Database("sqlite", path=api))
    return {"api": api, "auth": auth, "backups": tmp_path / "backups"}
