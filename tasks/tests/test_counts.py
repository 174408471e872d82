"""The per-user counters behind X-Total-Count stay equal to COUNT(*) through every kind of write."""

from __future__ import annotations

import pytest

from tasks.models import Task, TaskCount
from tasks.totals import task_count

from .factories import TaskFactory

pytestmark = pytest.mark.django_db


def assert_counts_match() -> None:
    for user_id in set(Task.objects.values_list("user_id", flat=True)) | {"alice", "bob", "nobody"}:
        tasks = Task.objects.filter(user_id=user_id)
        assert task_count(user_id=user_id) == tasks.count(), user_id
        assert task_count(user_id=user_id, status="completed") == tasks.filter(completed=True).count(), user_id
        assert task_count(user_id=user_id, status="pending") == tasks.filter(completed=False).count(), user_id


def test_creating_counts(alice):
    alice.post("/api/alice/tasks", {"title": "one"}, format="json")
    TaskFactory(user_id="alice", completed=True)
    Task.objects.bulk_create([Task(user_id="bob", title=f"t{n}", completed=n % 2 == 0) for n in range(5)])
    assert TaskCount.objects.get(user_id="alice").total == 2
    assert_counts_match()


def test_completing_and_reopening_counts(alice):
    task = TaskFactory(user_id="alice")
    alice.patch(f"/api/alice/tasks/{task.pk}/complete", format="json")
    assert task_count(user_id="alice", status="completed") == 1
    alice.put(f"/api/alice/tasks/{task.pk}", {"title": "again", "completed": False}, format="json")
    assert task_count(user_id="alice", status="completed") == 0
    Task.objects.filter(user_id="alice").update(completed=True)
    assert_counts_match()


def test_deleting_counts(alice):
    tasks = TaskFactory.create_batch(3, user_id="alice", completed=True)
    alice.delete(f"/api/alice/tasks/{tasks[0].pk}")
    Task.objects.filter(pk=tasks[1].pk).delete()
    assert task_count(user_id="alice") == 1
    assert_counts_match()


def test_moving_a_task_to_another_user_counts_for_both():
    task = TaskFactory(user_id="alice", completed=True)
    task.user_id = "bob"
    task.save()
    assert (task_count(user_id="alice"), task_count(user_id="bob", status="completed")) == (0, 1)
    assert_counts_match()


def test_a_user_with_no_tasks_counts_zero():
    assert task_count(user_id="nobody", status="pending") == 0


def test_a_search_is_counted_by_the_database():
    TaskFactory(user_id="alice", title="milk")
    TaskFactory(user_id="alice", title="bread")
    assert task_count(user_id="alice", search="MILK") == 1
