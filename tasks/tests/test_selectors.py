"""The single-task and list-page reads find what a plain QuerySet finds, with precompiled SQL on and off."""

import pytest

from tasks.listing import task_listing
from tasks.models import Task
from tasks.pages import list_page, list_total
from tasks.selectors import task_list, task_of
from tasks.serializers import ORDERINGS, TASK_FIELDS
from tasks.totals import Total
from tasks.usual_page import TaskPage, task_page

# Every test here runs twice: with precompiled SQL, and through the public QuerySet API alone.
pytestmark = pytest.mark.usefixtures("sql_path")

FIELDS = [field.attname for field in Task._meta.concrete_fields]


def as_dict(task: Task) -> dict:
    return {name: getattr(task, name) for name in FIELDS}


@pytest.mark.django_db
def test_the_owner_gets_the_same_task_the_orm_reads(alice_task):
    found = task_of(user_id="alice", task_id=alice_task.pk)

    assert as_dict(found) == as_dict(Task.objects.get(pk=alice_task.pk))
    assert found.created_at.tzinfo is not None  # the backend's converters ran: a datetime, not a string


@pytest.mark.django_db
def test_another_users_task_and_a_missing_id_are_not_found(alice_task, bob_task):
    assert task_of(user_id="alice", task_id=bob_task.pk) is None
    assert task_of(user_id="bob", task_id=alice_task.pk) is None
    assert task_of(user_id="alice", task_id=bob_task.pk + alice_task.pk + 1) is None


@pytest.mark.django_db
def test_a_user_id_that_looks_like_sql_is_only_a_value(alice_task):
    assert task_of(user_id="alice' OR '1'='1", task_id=alice_task.pk) is None


@pytest.mark.django_db
def test_the_found_task_saves_like_any_other(alice_task):
    found = task_of(user_id="alice", task_id=alice_task.pk)
    found.title = "Buy oat milk"
    found.save()

    assert Task.objects.get(pk=alice_task.pk).title == "Buy oat milk"


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["all", "pending", "completed"])
@pytest.mark.parametrize("ordering", ORDERINGS)
def test_a_page_has_the_rows_and_total_the_queryset_has(mixed_lists, status, ordering):
    rows = task_list(user_id="alice", status=status, ordering=ordering).values(*TASK_FIELDS)
    total = rows.count()
    for offset, limit in ((0, 50), (0, 5), (5, 5), (7, 3), (11, 10), (12, 1), (40, 5)):
        page = task_page(
            user_id="alice", status=status, ordering=ordering, fields=TASK_FIELDS, offset=offset, limit=limit
        )
        assert page.rows == list(rows[offset : offset + limit]), (offset, limit)
        # Every page with a row on it knows the total; one past the end has nothing to carry it.
        assert page.total == (total if page.rows else None), (offset, limit)


@pytest.mark.django_db
def test_a_page_holds_converted_values_of_the_users_tasks_only(mixed_lists):
    page = task_page(user_id="alice", status="all", ordering="-created_at", fields=TASK_FIELDS, offset=0, limit=50)

    assert len(page.rows) == 12 and {row["user_id"] for row in page.rows} == {"alice"}
    assert all(isinstance(row["completed"], bool) and row["created_at"].tzinfo is not None for row in page.rows)
    assert all(row.keys() == set(TASK_FIELDS) for row in page.rows)


@pytest.mark.django_db
def test_a_page_for_a_user_id_that_looks_like_sql_is_empty(mixed_lists):
    rows = task_listing(user_id="alice' OR '1'='1", fields=TASK_FIELDS)

    assert list_page(rows, offset=0, limit=50) == TaskPage([]) and list_total(rows) == Total(0)


@pytest.mark.django_db
def test_a_searched_page_reads_through_the_queryset(mixed_lists):
    rows = task_listing(user_id="alice", fields=("id", "title"), search="task 1", ordering="title")

    page = list_page(rows, offset=0, limit=50)

    assert page.rows == list(Task.objects.filter(user_id="alice", title="Task 1").order_by("id").values("id", "title"))
    assert page.total is None  # counted by the paginator: a search's total is a COUNT(*), not a counter row
    assert page.more is False  # the page read one row past its end to tell
    assert list_total(rows) == Total(len(page.rows)) == Total(3)
