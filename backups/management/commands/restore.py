"""``manage.py restore DIRECTORY``: check a backup against its manifest, then put both databases back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from backups.archive import check_targets, compare_migrations, read_manifest, restore_backup
from backups.databases import BackupError

from ._common import add_auth_database_argument, api_database, locate_auth_database


class Command(BaseCommand):
    help = (
        "Restore both databases from a backup directory. Checks the manifest's signature (SECRET_KEY), the manifest "
        "and every checksum first; refuses a database in use or not empty unless --force."
    )

    # A restore at 3 a.m. must not wait on an unrelated configuration check (the API's own start runs them).
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="a backup directory written by `manage.py backup`")
        add_auth_database_argument(parser)
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace databases that hold tables or that other processes or connections are using",
        )
        parser.add_argument(
            "--keep-signing-keys",
            action="store_true",
            help="keep Better Auth's restored signing keys (by default they are removed, so that no token issued "
            "before the restore works anywhere: docs/backup-restore.md)",
        )
        parser.add_argument(
            "--check-only", action="store_true", help="check the backup and the targets; change nothing"
        )
        parser.add_argument(
            "--accept-unsigned",
            action="store_true",
            help="restore a backup whose manifest is unsigned, or signed with another SECRET_KEY, after verifying its "
            "origin yourself (every other check still runs; a warning is printed)",
        )

    def handle(
        self,
        *args: Any,
        directory: str,
        auth_database: str | None,
        force: bool,
        check_only: bool,
        keep_signing_keys: bool,
        accept_unsigned: bool,
        **options: Any,
    ) -> None:
        say = self._say
        # This process must not hold the API's database open: it is about to be replaced.
        connections.close_all()
        try:
            say("Checking the backup …")
            manifest = read_manifest(Path(directory).resolve(), say, accept_unsigned=accept_unsigned)
            loader = MigrationLoader(None, ignore_no_migrations=True)
            on_disk = {f"{app}.{name}" for app, name in loader.disk_migrations}
            unknown, newer = compare_migrations(manifest, on_disk)
            if unknown:
                raise BackupError(
                    f"The backup was made by a newer version of the API: migrations {', '.join(unknown[:5])} are "
                    "not in this code. Restore with the version that made it."
                )
            say("Checking the targets …")
            wanted = check_targets(
                manifest,
                api_database(),
                locate_auth_database(auth_database),
                force=force,
                say=say,
                check_only=check_only,
            )
            if check_only:
                say("Check only: the backup is intact and the targets are as shown; nothing was changed.")
                return
            restore_backup(Path(directory).resolve(), manifest, wanted, say, new_signing_key=not keep_signing_keys)
            orphans = _orphaned_owners(wanted)
        except BackupError as e:
            raise CommandError(str(e)) from e
        say("Restored. Next, before the web app and the API serve again:")
        say("  cd frontend && npm run after-restore   # ends every restored session, so no ended one lives again")
        if newer:
            say(f"  python manage.py migrate               # this code has {len(newer)} migrations the backup lacks")
        if orphans:
            say(
                f"  Note: {orphans} users own tasks but are not in Better Auth's backup: signed up between the "
                "two captures, or never Better Auth users (tokens minted with `make token` / manage.py mint_token), "
                "or deleted in Better Auth; nobody can sign in as them (docs/backup-restore.md, 'Consistency')."
            )

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()


def _orphaned_owners(wanted: list) -> int:
    """Task owners Better Auth does not know: the skew between the two captures, counted for the operator."""
    by_role = {role: t.database for t in wanted for role in t.holds}
    owners = by_role["api"].values("tasks_task", "user_id")
    users = by_role["auth"].values("user", "id")
    return len(owners - users) if users or owners else 0
