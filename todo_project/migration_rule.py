"""The expand/contract rule over the project's migrations (docs/deploys.md, "Migrations").

During a rolling deploy the previous release keeps serving while the new
release's migrations apply, so a migration may only add what old code does not
notice (expand). A step that takes away or renames what old code reads or
writes (contract) is allowed only in a migration marked ``contract = True``,
shipped once no released code uses it. This flags every unmarked contract
step, one line each, from the operations themselves (RunSQL and RunPython are
opaque to it: review those by hand).

    .venv/bin/python -m todo_project.migration_rule    # exit 1 and one line per step found
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# The project's own apps; third-party migrations follow their own release rules.
PROJECT_APPS = ("api", "tasks")


@dataclass(frozen=True)
class Finding:
    app: str
    migration: str
    operation: str
    reason: str

    def message(self) -> str:
        return (
            f"{self.app}/migrations/{self.migration}.py: {self.operation} is a contract step: {self.reason}. "
            "Ship it in a later release than the one that stops using it, in a migration marked "
            "`contract = True` (docs/deploys.md, Migrations)."
        )


def _database_operations(operation) -> Iterator:
    """The operation itself, or what a wrapper runs on the database (its state-only half changes no table)."""
    from django.db import migrations

    if isinstance(operation, migrations.SeparateDatabaseAndState):
        for inner in operation.database_operations:
            yield from _database_operations(inner)
    elif hasattr(operation, "operation"):  # a wrapper such as tasks' OnPostgreSQL
        yield from _database_operations(operation.operation)
    else:
        yield operation


def _not_null_without_db_default(field) -> bool:
    from django.db.models import NOT_PROVIDED

    return not field.null and getattr(field, "db_default", NOT_PROVIDED) is NOT_PROVIDED


def contract_reason(operation, app: str, state) -> str | None:
    """Why ``operation`` breaks the previous release while it applies, or None; ``state`` is the state before it."""
    from django.db import migrations

    if isinstance(operation, migrations.RemoveField):
        return "the previous release still selects and inserts this column"
    if isinstance(operation, migrations.RenameField):
        return "the previous release still uses the old column name"
    if isinstance(operation, migrations.DeleteModel):
        return "the previous release still queries this table"
    if isinstance(operation, migrations.RenameModel):
        return "the previous release still uses the old table name"
    if isinstance(operation, migrations.AddField) and _not_null_without_db_default(operation.field):
        if operation.field.many_to_many:
            return None
        # Django fills existing rows with `default` and then drops it, so the previous release's inserts,
        # which do not name the column, fail.
        return "a NOT NULL column without db_default: the previous release's inserts do not fill it"
    if isinstance(operation, migrations.AlterField) and _not_null_without_db_default(operation.field):
        model = state.models.get((app, operation.model_name_lower))
        before = model.fields.get(operation.name) if model else None
        if before is None or before.null:
            return "made NOT NULL without db_default: the previous release may still write NULL or leave it out"
    return None


def findings(apps: Iterable[str] = PROJECT_APPS) -> list[Finding]:
    """Every contract step in an unmarked migration of ``apps``, as the migration files on disk hold them."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = []
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app not in apps or getattr(migration, "contract", False):
            continue
        state = loader.project_state((app, name), at_end=False)
        for operation in migration.operations:
            for step in _database_operations(operation):
                reason = contract_reason(step, app, state)
                if reason:
                    found.append(Finding(app, name, step.describe(), reason))
            operation.state_forwards(app, state)
    return found


def main() -> int:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    django.setup()
    found = findings()
    for finding in found:
        print(finding.message(), file=sys.stderr)
    if found:
        return 1
    print(f"migrations: no unmarked contract step in {', '.join(PROJECT_APPS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
