"""Staff inspect tasks in the Django admin."""

import pytest

from .factories import TaskFactory

pytestmark = pytest.mark.django_db


def test_changelist_shows_tasks(admin_client):
    TaskFactory(user_id="alice", title="Buy milk")
    response = admin_client.get("/admin/tasks/task/")
    assert response.status_code == 200
    assert b"Buy milk" in response.content and b"alice" in response.content


def test_search_by_user_id(admin_client):
    TaskFactory(user_id="alice", title="Alice's task")
    TaskFactory(user_id="bob", title="Bob's task")
    response = admin_client.get("/admin/tasks/task/", {"q": "bob"})
    assert b"Bob&#x27;s task" in response.content and b"Alice&#x27;s task" not in response.content


def test_change_view_shows_timestamps_read_only(admin_client):
    task = TaskFactory()
    response = admin_client.get(f"/admin/tasks/task/{task.pk}/change/")
    assert response.status_code == 200
    assert b'name="created_at"' not in response.content
    assert b"Created at" in response.content


def test_the_admin_needs_a_staff_login(client):
    assert client.get("/admin/tasks/task/").status_code == 302
