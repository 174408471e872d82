"""A user Better Auth deletes takes their tasks along, and no task of theirs can slip in afterwards."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from tasks import services, users
from tasks.errors import UserDeleted
from tasks.models import DeletedUser, Task, TaskCount
from tasks.services import task_create
from tasks.users import delete_user_tasks

from .factories import TaskFactory

LATER = time.time() + 960


@pytest.fixture
def feed_configured(monkeypatch):
    """Deletions can arrive, as when the revocation feed is configured: creates check for them."""
    monkeypatch.setattr(users, "deletions_can_arrive", lambda: True)


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
@pytest.mark.usefixtures("feed_configured")
def test_no_task_is_created_for_a_deleted_user_while_their_tokens_can_live():
    delete_user_tasks(user_id="carol", expires_at=LATER)
    with pytest.raises(UserDeleted):
        task_create(user_id="carol", title="late")
    task_create(user_id="dave", title="late")
    assert list(Task.objects.values_list("user_id", flat=True)) == ["dave"]


@pytest.mark.django_db
def test_a_tombstone_lives_as_long_as_the_users_last_token_and_no_longer():
    delete_user_tasks(user_id="old", expires_at=time.time() - 1)
    delete_user_tasks(user_id="carol", expires_at=LATER)
    assert list(DeletedUser.objects.values_list("user_id", flat=True)) == ["carol"]


@pytest.mark.django_db
def test_without_the_feed_creating_a_task_costs_only_its_insert(django_assert_num_queries):
    assert not users.deletions_can_arrive()  # the test settings configure no revocation feed
    with django_assert_num_queries(1):
        task_create(user_id="dave", title="late")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("feed_configured")
def test_a_create_under_way_when_the_deletion_arrives_is_deleted_with_the_rest(monkeypatch):
    """The create holds the user's lock; the deletion waits for it, then deletes what it committed."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL; SQLite's IMMEDIATE transactions serialise writers")
    TaskFactory(user_id="carol")
    inside, release = threading.Event(), threading.Event()
    original_create = Task.objects.create

    def slow_create(**kwargs):
        task = original_create(**kwargs)
        inside.set()
        release.wait(5)  # the transaction, and the lock, stay open meanwhile
        return task

    monkeypatch.setattr(Task.objects, "create", slow_create)
    errors: list[BaseException] = []

    def create() -> None:
        try:
            task_create(user_id="carol", title="racing")
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
        task_create(user_id="carol", title="late")


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch"])
def test_an_edit_under_way_when_the_deletion_arrives_does_not_bring_the_task_back(method, client_for, monkeypatch):
    # The edit read the task before the deletion; its save finds no row to update,
    # and Model.save() then INSERTs it: a deleted user's task is back, after the
    # tombstone, with nothing left to delete it.
    task = TaskFactory(user_id="carol", title="diary")
    original = services.task_update

    def deletion_lands_first(**kwargs):
        delete_user_tasks(user_id="carol", expires_at=LATER)
        return original(**kwargs)

    monkeypatch.setattr(services, "task_update", deletion_lands_first)
    response = getattr(client_for("carol"), method)(
        f"/api/carol/tasks/{task.pk}", {"title": "still here", "completed": True}, format="json"
    )
    assert not Task.objects.filter(user_id="carol").exists(), f"{response.status_code}: the task came back"
    assert response.status_code >= 400
