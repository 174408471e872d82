"""Per-user task counters kept by triggers, filled from the tasks already stored."""

from django.db import migrations, models

# NEW.completed / OLD.completed are 0 or 1 in SQLite; PostgreSQL needs the cast.
SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER tasks_taskcount_insert AFTER INSERT ON tasks_task BEGIN
        INSERT INTO tasks_taskcount (user_id, total, completed) VALUES (NEW.user_id, 1, NEW.completed)
        ON CONFLICT (user_id) DO UPDATE SET total = total + 1, completed = completed + excluded.completed;
    END
    """,
    """
    CREATE TRIGGER tasks_taskcount_delete AFTER DELETE ON tasks_task BEGIN
        UPDATE tasks_taskcount SET total = total - 1, completed = completed - OLD.completed
        WHERE user_id = OLD.user_id;
    END
    """,
    """
    CREATE TRIGGER tasks_taskcount_update AFTER UPDATE OF completed, user_id ON tasks_task
    WHEN OLD.completed IS NOT NEW.completed OR OLD.user_id IS NOT NEW.user_id BEGIN
        UPDATE tasks_taskcount SET total = total - 1, completed = completed - OLD.completed
        WHERE user_id = OLD.user_id;
        INSERT INTO tasks_taskcount (user_id, total, completed) VALUES (NEW.user_id, 1, NEW.completed)
        ON CONFLICT (user_id) DO UPDATE SET total = total + 1, completed = completed + excluded.completed;
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tasks_taskcount_insert",
    "DROP TRIGGER IF EXISTS tasks_taskcount_delete",
    "DROP TRIGGER IF EXISTS tasks_taskcount_update",
]
POSTGRESQL_TRIGGERS = [
    """
    CREATE FUNCTION tasks_taskcount_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            DELETE FROM tasks_taskcount;
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE tasks_taskcount SET total = total - 1, completed = completed - OLD.completed::int
            WHERE user_id = OLD.user_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO tasks_taskcount (user_id, total, completed) VALUES (NEW.user_id, 1, NEW.completed::int)
            ON CONFLICT (user_id) DO UPDATE SET total = tasks_taskcount.total + 1,
                completed = tasks_taskcount.completed + excluded.completed;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tasks_taskcount_insert_delete AFTER INSERT OR DELETE ON tasks_task
    FOR EACH ROW EXECUTE FUNCTION tasks_taskcount_apply()
    """,
    """
    CREATE TRIGGER tasks_taskcount_update AFTER UPDATE OF completed, user_id ON tasks_task FOR EACH ROW
    WHEN (OLD.completed IS DISTINCT FROM NEW.completed OR OLD.user_id IS DISTINCT FROM NEW.user_id)
    EXECUTE FUNCTION tasks_taskcount_apply()
    """,
    """
    CREATE TRIGGER tasks_taskcount_truncate AFTER TRUNCATE ON tasks_task
    FOR EACH STATEMENT EXECUTE FUNCTION tasks_taskcount_apply()
    """,
]
POSTGRESQL_DROP = ["DROP FUNCTION IF EXISTS tasks_taskcount_apply() CASCADE"]
BACKFILL = """
    INSERT INTO tasks_taskcount (user_id, total, completed)
    SELECT user_id, COUNT(*), SUM(CASE WHEN completed THEN 1 ELSE 0 END) FROM tasks_task GROUP BY user_id
"""


def _statements(vendor: str, *, create: bool) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_TRIGGERS if create else SQLITE_DROP
    if vendor == "postgresql":
        return POSTGRESQL_TRIGGERS if create else POSTGRESQL_DROP
    raise NotImplementedError(f"Task counters have triggers for SQLite and PostgreSQL, not {vendor}.")


def create_triggers(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(statement)
    schema_editor.execute(BACKFILL)


def drop_triggers(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="TaskCount",
            fields=[
                ("user_id", models.CharField(max_length=255, primary_key=True, serialize=False)),
                ("total", models.BigIntegerField(default=0)),
                ("completed", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
