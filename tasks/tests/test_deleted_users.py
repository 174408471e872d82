"""A user Better Auth deletes takes their tasks along, and no task of theirs can slip in afterwards."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from tasks.models import DeletedUser, Task, TaskCount
from tasks.serializers import TaskSerializer
from tasks.services import UserDeleted, delete_user_tasks, task_create

from .factories import TaskFactory

LATER = time.time() + 960


def new_task(title: str = "late") -> TaskSerializer:
    serializer = TaskSerializer(data={"title": title})
    assert serializer.is_valid()
    return serializer


@pytest.mark.django_db
def test_only_the_deleted_users_tasks_and_counts_go_and_twice_is_the_same_as_once():
    TaskFactory.create_batch(3, user_id="carol")
    TaskFactory(user_id="dave")
    assert delete_user_tasks(user_id="carol", expires_at=LATER) == 3
    assert delete_user_tasks(user_id="carol", expires_at=LATER) == 0
    assert not Task.objects.filter(user_id="carol").exists()
    assert not TaskCount.objects.filter(user_id="carol").exists()
    assert TaskCount.objects.get(user_id="dave").total == 1


@pytest.mark.django_db
def test_no_task_is_created_for_a_deleted_user_while_their_tokens_can_live():
    delete_user_tasks(user_id="carol", expires_at=LATER)
    with pytest.raises(UserDeleted):
        task_create(serializer=new_task(), user_id="carol", guard_deleted_users=True)
    task_create(serializer=new_task(), user_id="dave", guard_deleted_users=True)
    assert list(Task.objects.values_list("user_id", flat=True)) == ["dave"]


@pytest.mark.django_db
def test_a_tombstone_lives_as_long_as_the_users_last_token_and_no_longer():
    delete_user_tasks(user_id="old", expires_at=time.time() - 1)
    delete_user_tasks(user_id="carol", expires_at=LATER)
    assert list(DeletedUser.objects.values_list("user_id", flat=True)) == ["carol"]


@pytest.mark.django_db
def test_without_the_feed_creating_a_task_costs_only_its_insert(django_assert_num_queries):
    with django_assert_num_queries(1):
        task_create(serializer=new_task(), user_id="dave", guard_deleted_users=False)


@pytest.mark.django_db(transaction=True)
def test_a_create_under_way_when_the_deletion_arrives_is_deleted_with_the_rest():
    """The create holds the user's lock; the deletion waits for it, then deletes what it committed."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL; SQLite's IMMEDIATE transactions serialise writers")
    TaskFactory(user_id="carol")
    inside, release = threading.Event(), threading.Event()
    serializer = new_task("racing")
    original_save = serializer.save

    def slow_save(**kwargs):
        task = original_save(**kwargs)
        inside.set()
        release.wait(5)  # the transaction, and the lock, stay open meanwhile
        return task

    serializer.save = slow_save
    errors: list[BaseException] = []

    def create() -> None:
        try:
            task_create(serializer=serializer, user_id="carol", guard_deleted_users=True)
        except BaseException as e:  # reported below
            errors.append(e)
        finally:
            connection.close()

    def delete() -> None:
        try:
            delete_user_tasks(user_id="carol", expires_at=LATER)
        finally:
            connection.close()

    creator = threading.Thread(target=create)
    creator.start()
    assert inside.wait(5)
    deleter = threading.Thread(target=delete)
    deleter.start()
    deleter.join(0.3)
    assert deleter.is_alive(), "the deletion must wait for the create that holds the user's lock"
    release.set()
    creator.join(5)
    deleter.join(5)
    assert errors == []
    assert not Task.objects.filter(user_id="carol").exists()
    with pytest.raises(UserDeleted):
        task_create(serializer=new_task(), user_id="carol", guard_deleted_users=True)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch"])
def test_an_edit_under_way_when_the_deletion_arrives_does_not_bring_the_task_back(method, client_for, monkeypatch):
    # The edit read the task before the deletion; its save finds no row to update,
    # and Model.save() then INSERTs it: a deleted user's task is back, after the
    # tombstone, with nothing left to delete it.
    from tasks.views import TaskViewSet

    task = TaskFactory(user_id="carol", title="diary")
    original = TaskViewSet.perform_update

    def deletion_lands_first(self, serializer):
        delete_user_tasks(user_id="carol", expires_at=LATER)
        original(self, serializer)

    monkeypatch.setattr(TaskViewSet, "perform_update", deletion_lands_first)
    response = getattr(client_for("carol"), method)(
        f"/api/carol/tasks/{task.pk}", {"title": "still here", "completed": True}, format="json"
    )
    assert not Task.objects.filter(user_id="carol").exists(), f"{response.status_code}: the task came back"
    assert response.status_code >= 400
