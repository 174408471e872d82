"""What both commands share: where Better Auth's database is, and how progress is printed."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandParser

from backups.databases import Database

FRONTEND = Path(settings.BASE_DIR) / "frontend"


def add_auth_database_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--auth-database",
        metavar="URL_OR_FILE",
        help="Better Auth's database, when the web app's settings are not this process's: a postgres:// URL or a "
        "SQLite file. Default: as the web app finds it (frontend/lib/auth-database.ts): DATABASE_URL when it is "
        "a postgres:// URL, else frontend/$AUTH_SQLITE_FILE (auth.sqlite3).",
    )


def locate_auth_database(option: str | None) -> Database:
    """Better Auth's database by the web app's own rule, unless given."""
    if option:
        return Database.from_url(option, base=Path.cwd())
    url = os.environ.get("DATABASE_URL", "").strip()
    if url.startswith(("postgres://", "postgresql://")):
        return Database.from_url(url, base=FRONTEND)
    return Database("sqlite", path=(FRONTEND / (os.environ.get("AUTH_SQLITE_FILE") or "auth.sqlite3")).resolve())


def api_database() -> Database:
    return Database.from_django(settings.DATABASES["default"])
