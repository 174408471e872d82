"""Trigram indexes that serve ``?search=`` on PostgreSQL; SQLite has no such index and keeps its scan.

The list's search is ``icontains``, which Django sends to PostgreSQL as
``UPPER(column::text) LIKE UPPER(%s)``: an index on the bare column cannot serve
that, so each index holds the same ``UPPER(...)`` expression.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations
from django.db.models.functions import Upper
from django.db.migrations.operations.base import Operation


class OnPostgreSQL(Operation):
    """Runs ``operation`` on PostgreSQL only; its change to the model state applies everywhere."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation

    def deconstruct(self):
        return self.__class__.__name__, [self.operation], {}

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.operation.describe()} (PostgreSQL only)"


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0003_deleted_user"),
    ]

    operations = [
        OnPostgreSQL(TrigramExtension()),
        OnPostgreSQL(
            migrations.AddIndex(
                model_name="task",
                index=GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="task_title_search_idx"),
            )
        ),
        OnPostgreSQL(
            migrations.AddIndex(
                model_name="task",
                index=GinIndex(OpClass(Upper("description"), name="gin_trgm_ops"), name="task_description_search_idx"),
            )
        ),
    ]
