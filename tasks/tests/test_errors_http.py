"""Each domain error (tasks/errors.py) answers as the contract says, through the one mapping in tasks/http.py."""

import pytest

from tasks import services, users
from tasks.errors import TaskChanged, TaskError, TaskNotFound
from tasks.http import http_error
from tasks.models import Task

pytestmark = pytest.mark.django_db


def raising(error: Exception):
    def service(**kwargs):
        raise error

    return service


def test_task_not_found_from_a_service_is_the_contracts_404(alice, alice_task, monkeypatch):
    monkeypatch.setattr(services, "task_update", raising(TaskNotFound(alice_task.pk)))
    response = alice.patch(f"/api/alice/tasks/{alice_task.pk}", {"title": "x"}, format="json")
    assert response.status_code == 404
    assert response.content == b'{"detail":"Not found.","status_code":404,"error_type":"not_found"}'


def test_a_missing_task_with_if_match_is_the_same_404_as_without(alice):
    with_if_match = alice.delete("/api/alice/tasks/999999", HTTP_IF_MATCH="*")
    without = alice.delete("/api/alice/tasks/999999")
    assert with_if_match.status_code == without.status_code == 404
    assert with_if_match.content == without.content


def test_task_changed_from_a_service_is_the_contracts_412(alice, alice_task, monkeypatch):
    # The version changed between the view's read and the service's locked one.
    monkeypatch.setattr(services, "task_delete", raising(TaskChanged(alice_task.pk)))
    response = alice.delete(f"/api/alice/tasks/{alice_task.pk}", HTTP_IF_MATCH="*")
    assert response.status_code == 412
    assert response.content == (
        b'{"detail":"Precondition failed - the task changed since you read it; reload it and retry",'
        b'"status_code":412,"error_type":"precondition_failed"}'
    )


def test_a_stale_if_match_is_412_before_the_body_is_read(alice, alice_task):
    # RFC 9110 section 13.2.1: preconditions come before the request's content, so 412, not 400.
    response = alice.put(f"/api/alice/tasks/{alice_task.pk}", {"title": ""}, format="json", HTTP_IF_MATCH='"stale"')
    assert response.status_code == 412
    assert Task.objects.get(pk=alice_task.pk).title == "Buy milk"


def test_user_deleted_is_a_401_that_says_the_session_ended(alice, monkeypatch):
    monkeypatch.setattr(users, "deletions_can_arrive", lambda: True)
    users.delete_user_tasks(user_id="alice", expires_at=4_000_000_000)
    response = alice.post("/api/alice/tasks", {"title": "after deletion"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == (
        'Bearer realm="api", error="invalid_token", error_description="The session has ended"'
    )
    assert response.json() == {
        "detail": "Unauthorized - Invalid or expired token",
        "status_code": 401,
        "error_type": "authentication_error",
    }
    assert not Task.objects.filter(user_id="alice").exists()


def test_an_error_without_an_answer_is_a_bug_not_a_guess():
    class Unmapped(TaskError):
        pass

    with pytest.raises(TypeError, match="Unmapped"):
        http_error(Unmapped(), request=None)
