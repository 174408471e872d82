"""The list's QuerySet (``listing.task_listing``): a QuerySet like any other, built only when read."""

import pytest
from django.db.models import QuerySet

from tasks.listing import TaskListing, task_listing
from tasks.serializers import TASK_FIELDS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "filters",
    [{}, {"status": "completed"}, {"search": "task 1", "ordering": "title"}, {"ordering": "-updated_at"}],
)
def test_it_reads_as_the_listings_plain_queryset_in_every_way(mixed_lists, filters):
    plain = TaskListing("alice", TASK_FIELDS, **filters).rows()
    rows = task_listing(user_id="alice", fields=TASK_FIELDS, **filters)

    assert isinstance(rows, QuerySet)
    assert str(rows.query) == str(plain.query)
    assert list(rows) == list(plain) and rows.count() == plain.count()
    assert list(rows[2:5]) == list(plain[2:5])
    assert list(rows.filter(completed=True)) == list(plain.filter(completed=True))


def test_what_it_derives_is_a_plain_queryset_of_the_same_rows(mixed_lists):
    rows = task_listing(user_id="alice", fields=("id", "title"), ordering="title")
    derived = rows.exclude(title="Task 0")

    assert derived.listing is None  # no longer the listing the paginator reads by its precompiled page
    assert list(derived) == list(TaskListing("alice", ("id", "title"), ordering="title").rows().exclude(title="Task 0"))


@pytest.mark.usefixtures("alice_task")
def test_the_usual_list_request_builds_no_queryset_and_compiles_nothing(settings, alice, compiles, monkeypatch):
    settings.TASKS_PRECOMPILED_SQL = True
    alice.get("/api/alice/tasks")  # the first request of the process compiles the page's SQL once
    built, rows = [], TaskListing.rows
    monkeypatch.setattr(TaskListing, "rows", lambda self: built.append(self) or rows(self))
    compiles.clear()

    assert len(alice.get("/api/alice/tasks").json()) == 1
    assert built == [] and compiles == []
    # A search reads through the QuerySet: built, then compiled.
    assert len(alice.get("/api/alice/tasks?search=milk").json()) == 1
    assert len(built) == 1 and compiles
