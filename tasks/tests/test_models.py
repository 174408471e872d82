"""The rules the database itself holds, whatever code writes to it."""

import pytest
from django.db import DataError, IntegrityError, connection

from tasks.models import Task
from tasks.selectors import matching

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


SEARCH_INDEXES = {"task_title_search_idx", "task_description_search_idx"}


def test_the_search_indexes_exist_on_postgresql_only():
    with connection.cursor() as cursor:
        names = set(connection.introspection.get_constraints(cursor, Task._meta.db_table))
    assert names >= SEARCH_INDEXES if connection.vendor == "postgresql" else not SEARCH_INDEXES & names


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are made on PostgreSQL only")
def test_a_search_can_use_the_trigram_indexes():
    with connection.cursor() as cursor:  # whether they serve the search's SQL, not whether a tiny table needs them
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Task.objects.filter(matching("Milk")).explain()
    assert all(name in plan for name in SEARCH_INDEXES), plan
