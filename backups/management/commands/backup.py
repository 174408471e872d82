"""``manage.py backup [DIRECTORY]``: Better Auth's database and the API's, one directory, one manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backups.archive import default_name, take_backup
from backups.databases import BackupError

from ._common import FRONTEND, add_auth_database_argument, api_database, locate_auth_database


class Command(BaseCommand):
    help = "Back up both databases while they serve: a new directory with each database, and a manifest."
    # A backup must not wait on an unrelated configuration check (the API's own start runs them).
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "directory",
            nargs="?",
            help="the new backup directory (default: var/backups/<UTC time>, e.g. var/backups/20261206T031500Z)",
        )
        add_auth_database_argument(parser)

    def handle(self, *args: Any, directory: str | None, auth_database: str | None, **options: Any) -> None:
        into = Path(directory) if directory else Path(settings.BASE_DIR) / "var" / "backups" / default_name()
        say = self._say
        try:
            manifest = take_backup(
                api_database(), locate_auth_database(auth_database), into.resolve(), say, tools=_app_versions()
            )
        except BackupError as e:
            raise CommandError(str(e)) from e
        if len(manifest["databases"]) == 1:
            say(f"Both in one PostgreSQL database: one snapshot ({manifest['started_at']}).")
        else:
            say(f"Both databases captured {manifest['skew_seconds']} s apart ({manifest['started_at']}).")
        say(f"Backup written: {into}")
        if settings.SECRET_KEY.startswith("django-insecure"):
            say(
                "  warning: its manifest is signed with the development SECRET_KEY, which anyone can read: it proves "
                "nothing. Set SECRET_KEY (production) before taking backups that matter."
            )

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()


def _app_versions() -> dict[str, str]:
    versions = {"django": django.get_version()}
    package = FRONTEND / "node_modules" / "better-auth" / "package.json"
    if package.is_file():
        versions["better-auth"] = json.loads(package.read_text())["version"]
    return versions
