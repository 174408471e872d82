"""No user can read, change or delete another user's tasks, by any endpoint."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.forms.models import model_to_dict

from authn import BetterAuthUser
from tasks.models import Task
from tasks.permissions import IsTaskOwner

from .factories import TaskFactory

# Every test here runs twice: with precompiled SQL, and through the public QuerySet API alone.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sql_path")]

USERS = ("alice", "bob", "carol")
# (method, path suffix after the task id or None for the collection, body)
TASK_CALLS = [
    ("get", "", None),
    ("put", "", {"title": "hijacked", "completed": True}),
    ("patch", "", {"title": "hijacked"}),
    ("patch", "/complete", {"completed": True}),
    ("patch", "/complete", None),
    ("delete", "", None),
]
COLLECTION_CALLS = [("get", None), ("post", {"title": "planted"})]


@pytest.fixture
def tasks_by_user() -> dict[str, list[Task]]:
    return {user: TaskFactory.create_batch(2, user_id=user) for user in USERS}


def snapshot() -> list[dict]:
    return [model_to_dict(task) | {"updated_at": task.updated_at} for task in Task.objects.order_by("pk")]


@pytest.mark.parametrize("user", USERS)
def test_another_users_task_is_404_on_every_method_under_ones_own_path(user, client_for, tasks_by_user):
    client = client_for(user)
    before = snapshot()
    for owner, tasks in tasks_by_user.items():
        if owner == user:
            continue
        for task in tasks:
            for method, suffix, body in TASK_CALLS:
                response = getattr(client, method)(f"/api/{user}/tasks/{task.pk}{suffix}", body, format="json")
                assert response.status_code == 404, (method, suffix, owner)
                assert response.json()["error_type"] == "not_found"
    assert snapshot() == before


@pytest.mark.parametrize("user", USERS)
def test_another_users_path_is_403_on_every_endpoint(user, client_for, tasks_by_user, django_assert_num_queries):
    client = client_for(user)
    before = snapshot()
    for owner, tasks in tasks_by_user.items():
        if owner == user:
            continue
        for method, body in COLLECTION_CALLS:
            with django_assert_num_queries(0):  # refused before any database work
                response = getattr(client, method)(f"/api/{owner}/tasks", body, format="json")
            assert response.status_code == 403
            assert response.json()["error_type"] == "permission_denied"
        for task in tasks:
            for method, suffix, body in TASK_CALLS:
                response = getattr(client, method)(f"/api/{owner}/tasks/{task.pk}{suffix}", body, format="json")
                assert response.status_code == 403, (method, suffix, owner)
    assert snapshot() == before


@pytest.mark.parametrize("user", USERS)
def test_a_list_shows_only_ones_own_tasks(user, client_for, tasks_by_user):
    listed = {t["id"] for t in client_for(user).get(f"/api/{user}/tasks").json()}
    assert listed == {task.pk for task in tasks_by_user[user]}


def test_search_never_reaches_into_other_users_tasks(client_for, tasks_by_user):
    secret = tasks_by_user["bob"][0].title
    assert client_for("alice").get("/api/alice/tasks", {"search": secret}).json() == []


@pytest.mark.parametrize(
    "path_user",
    [
        "Alice",  # letter case
        "ALICE",
        "e\u0301mile",  # "émile" decomposed (NFD) while the token says it composed (NFC)
    ],
)
def test_a_path_user_that_differs_only_in_case_or_normalisation_is_403(path_user, make_token, api_client):
    sub = "alice" if path_user.lower() == "alice" else "\u00e9mile"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(sub)}")
    TaskFactory(user_id=sub)
    for method, body in COLLECTION_CALLS:
        response = getattr(api_client, method)(f"/api/{quote(path_user)}/tasks", body, format="json")
        assert response.status_code == 403, (method, path_user)
    assert Task.objects.filter(user_id=path_user).count() == 0


def test_is_task_owner_refuses_another_users_object_on_its_own():
    """The second guard, without the queryset filter that hides such objects first."""
    request = SimpleNamespace(user=BetterAuthUser(id="alice"))
    permission = IsTaskOwner()
    assert permission.has_object_permission(request, None, Task(user_id="alice")) is True
    assert permission.has_object_permission(request, None, Task(user_id="bob")) is False
    assert permission.has_object_permission(request, None, Task(user_id="Alice")) is False
