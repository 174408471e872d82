"""The rate-limit counter table, which databases made by earlier versions already hold.

Earlier versions kept the model in the ``todo_project`` app, whose two migrations
created ``rate_limit_counter`` and made it unlogged on PostgreSQL. The table keeps
its name, so this migration takes it over as it stands, counts included, and
creates it only where it is missing. Their ``django_migrations`` rows stay, so a
rollback to an earlier version finds its table already made.

On PostgreSQL the counters need no WAL: every authenticated request adds one to
a counter, and in a logged table that commit waits for a WAL flush (about 150 µs
against 40 µs per update on a local server). The price is what Redis without
persistence also pays: after a database crash, or on a promoted replica, the
counters start again from zero, so windows in progress are forgotten.
"""

from django.db import migrations, models

TABLE = "rate_limit_counter"
EARLIER_APP = "todo_project"


def create_table_unless_present(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        present = TABLE in connection.introspection.table_names(cursor)
    if not present:
        schema_editor.create_model(apps.get_model("api", "RateLimitCounter"))
    if connection.vendor == "postgresql":
        # Also for a table an earlier version made, should its own unlogged step not have run.
        with connection.cursor() as cursor:
            cursor.execute("SELECT relpersistence FROM pg_class WHERE oid = %s::regclass", [TABLE])
            (persistence,) = cursor.fetchone()
        if persistence != "u":
            schema_editor.execute(f"ALTER TABLE {TABLE} SET UNLOGGED")


def drop_table(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("api", "RateLimitCounter"))


def move_content_type(apps, schema_editor):
    """The counter's content type (and the permissions that point at it) now belongs to this app."""
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
    if not content_types.filter(app_label="api", model="ratelimitcounter").exists():
        content_types.filter(app_label=EARLIER_APP, model="ratelimitcounter").update(app_label="api")


class Migration(migrations.Migration):
    initial = True

    dependencies = [("contenttypes", "0002_remove_content_type_name")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RateLimitCounter",
                    fields=[
                        ("key", models.CharField(max_length=255, primary_key=True, serialize=False)),
                        ("count", models.BigIntegerField()),
                        (
                            "expires",
                            models.FloatField(db_index=True, help_text="Unix time after which the window is over"),
                        ),
                    ],
                    options={"db_table": TABLE},
                ),
            ],
        ),
        migrations.RunPython(create_table_unless_present, drop_table),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
