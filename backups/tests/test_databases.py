"""Where a backup connects: the app's own URLs, read as the app reads them, never less protected, never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from backups.databases import BackupError, Database


def test_a_postgres_url_keeps_its_tls_settings_for_the_tools_and_the_checks():
    database = Database.from_url("postgres://app:s%40cret@db.internal:5433/tasks?sslmode=verify-full", base=Path())
    env = database.libpq_env()
    assert (env["PGHOST"], env["PGPORT"], env["PGDATABASE"], env["PGSSLMODE"]) == (
        "db.internal",
        "5433",
        "tasks",
        "verify-full",
    )
    assert env["PGPASSWORD"] == "s@cret"  # in the tools' environment, never on their command line


def test_messages_never_show_the_password():
    database = Database.from_url("postgres://app:s3cret@db.internal/tasks", base=Path())
    assert database.label() == "postgresql://app@db.internal:5432/tasks"
    assert "s3cret" not in database.label()


def test_django_options_carry_tls_settings_too():
    database = Database.from_django(
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "tasks",
            "HOST": "db",
            "PORT": 5432,
            "USER": "app",
            "PASSWORD": "pw",
            "OPTIONS": {"sslmode": "require", "connect_timeout": 2},
        }
    )
    assert database.libpq_env()["PGSSLMODE"] == "require"


def test_sqlite_paths_are_read_as_django_environ_reads_them(tmp_path):
    assert (
        Database.from_url(f"sqlite:///{tmp_path}/db.sqlite3", base=Path("/elsewhere")).path == tmp_path / "db.sqlite3"
    )
    assert Database.from_url("auth.sqlite3", base=tmp_path).path == tmp_path / "auth.sqlite3"


def test_an_unknown_kind_of_database_is_refused_with_a_sentence():
    with pytest.raises(BackupError, match=r'Unsupported database URL "mysql:…"'):
        Database.from_url("mysql://root@db/tasks", base=Path())
