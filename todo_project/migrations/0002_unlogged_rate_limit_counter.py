"""On PostgreSQL the rate-limit counters need no WAL: an unlogged table.

Every authenticated request adds one to a counter. In a logged table that
commit waits for a WAL flush; in an unlogged one it does not (about 150 µs
against 40 µs per update on a local server). The price is what Redis without
persistence also pays: after a database crash, or on a promoted replica, the
counters start again from zero, so windows in progress are forgotten.
"""

from django.db import migrations

TABLE = "rate_limit_counter"


def set_persistence(persistence: str):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {TABLE} SET {persistence}")

    return apply


class Migration(migrations.Migration):
    dependencies = [("todo_project", "0001_initial")]

    operations = [migrations.RunPython(set_persistence("UNLOGGED"), set_persistence("LOGGED"))]
