"""The task services alone, no HTTP: each write, its ``If-Match`` check, and the domain errors it raises."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks.errors import TaskChanged, TaskNotFound
from tasks.etags import task_etag
from tasks.models import Task
from tasks.serializers import TaskSerializer
from tasks.services import task_create, task_delete, task_set_completed, task_update

from .factories import TaskFactory

pytestmark = pytest.mark.django_db


def etag(task: Task) -> str:
    return task_etag(TaskSerializer(task).data)


@pytest.mark.parametrize(
    ("start", "completed", "expected"),
    [(False, None, True), (True, None, False), (True, True, True), (False, False, False)],
)
def test_task_set_completed_sets_or_toggles(start, completed, expected):
    task = TaskFactory(completed=start)
    task_set_completed(task=task, completed=completed)
    task.refresh_from_db()
    assert task.completed is expected


def test_task_create_makes_the_task_for_the_user_given():
    task = task_create(user_id="alice", title="Buy milk", description="semi-skimmed")
    assert Task.objects.values_list("user_id", "title", "description", "completed").get(pk=task.pk) == (
        "alice",
        "Buy milk",
        "semi-skimmed",
        False,
    )


def test_task_update_saves_the_fields_and_gives_a_new_version():
    task = TaskFactory(user_id="alice", title="Buy milk")
    before = etag(task)
    updated = task_update(task=task, title="Buy oat milk", completed=True)
    stored = Task.objects.get(pk=task.pk)
    assert (stored.title, stored.completed) == ("Buy oat milk", True)
    assert etag(updated) == etag(stored) != before


@pytest.mark.parametrize("if_match", ["current", "*", 'W/"x", current', '"stale", current'])
def test_a_write_whose_if_match_names_the_current_version_goes_through(if_match):
    task = TaskFactory(user_id="alice", title="Buy milk")
    header = if_match.replace("current", etag(task))
    task_update(task=task, if_match=header, title="mine")
    assert Task.objects.get(pk=task.pk).title == "mine"


@pytest.mark.parametrize(
    "write",
    [
        lambda task, if_match: task_update(task=task, if_match=if_match, title="tab two"),
        lambda task, if_match: task_set_completed(task=task, if_match=if_match),
        lambda task, if_match: task_delete(task=task, if_match=if_match),
    ],
    ids=["update", "complete", "delete"],
)
@pytest.mark.parametrize("stale", ["first", 'W/"first"'], ids=["strong", "weak"])
def test_a_stale_if_match_raises_task_changed_and_writes_nothing(write, stale):
    task = TaskFactory(user_id="alice", title="tab one")
    read = Task.objects.get(pk=task.pk)
    old = etag(read)
    task_update(task=task, title="tab one, again")
    with pytest.raises(TaskChanged):
        write(read, stale.replace('"first"', old).replace("first", old))
    stored = Task.objects.get(pk=task.pk)
    assert (stored.title, stored.completed) == ("tab one, again", False)


def test_under_if_match_the_task_is_read_again_locked_in_one_transaction():
    task = TaskFactory(user_id="alice")
    with CaptureQueriesContext(connection) as queries:
        task_update(task=task, if_match="*", title="mine")
    selects = [query["sql"] for query in queries if query["sql"].startswith("SELECT")]
    assert len(selects) == 1
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in selects[0]


@pytest.mark.parametrize("if_match", [None, "*"], ids=["without If-Match", "with If-Match"])
@pytest.mark.parametrize(
    "write",
    [
        lambda task, if_match: task_update(task=task, if_match=if_match, title="back?"),
        lambda task, if_match: task_set_completed(task=task, if_match=if_match, completed=True),
    ],
    ids=["update", "complete"],
)
def test_a_task_deleted_after_it_was_read_is_not_found_and_not_brought_back(write, if_match):
    task = TaskFactory(user_id="alice")
    Task.objects.filter(pk=task.pk).delete()
    with pytest.raises(TaskNotFound):
        write(task, if_match)
    assert not Task.objects.filter(pk=task.pk).exists()


def test_task_delete_deletes_only_that_task():
    task, other = TaskFactory(user_id="alice"), TaskFactory(user_id="alice")
    task_delete(task=task)
    assert list(Task.objects.values_list("pk", flat=True)) == [other.pk]
