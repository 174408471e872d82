"""The single-task lookup: the ORM's own SQL, compiled once, must find exactly what the ORM finds."""

import pytest

from tasks.models import Task
from tasks.selectors import task_of

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
