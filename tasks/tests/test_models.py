"""The rules the database itself holds, whatever code writes to it."""

import pytest
from django.db import DataError, IntegrityError, connection

from tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("title", "description"), [("", ""), ("t" * 201, ""), ("ok", "d" * 1001)])
def test_the_database_refuses_what_the_api_would(title, description):
    # PostgreSQL's varchar length refuses first (DataError); SQLite needs the check constraints.
    with pytest.raises((IntegrityError, DataError)):
        Task.objects.create(user_id="alice", title=title, description=description)


def test_the_list_query_can_use_the_user_index():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # ask whether the index serves it, not whether a tiny table needs it
            cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Task.objects.filter(user_id="alice").order_by("-created_at", "-id").explain()
    assert "task_user_newest_idx" in plan
