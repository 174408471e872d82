"""Hostile input is refused with the contract's JSON, never a 500."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.serializers import TaskSerializer
from tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
TASKS = "/api/alice/tasks"


def test_a_body_over_the_limit_is_413_unread(alice):
    response = alice.generic("POST", TASKS, json.dumps({"title": "x" * 70_000}), content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error_type"] == "payload_too_large"
    assert response["Content-Length"] == str(len(response.content))


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT"])
def test_a_body_sent_in_chunks_is_411_not_silently_dropped(alice, method):
    """Django reads a body without Content-Length as empty: a chunked PATCH would answer 200 having changed nothing."""
    alice_task = TaskFactory(user_id="alice", title="Buy milk")
    path = TASKS if method == "POST" else f"{TASKS}/{alice_task.id}"
    response = alice.generic(
        method,
        path,
        json.dumps({"title": "changed"}),
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert response.json()["error_type"] == "length_required"
    alice_task.refresh_from_db()
    assert alice_task.title == "Buy milk"


def test_a_body_under_the_limit_is_validated_normally(alice):
    response = alice.post(TASKS, {"title": "x" * 10_000}, format="json")
    assert response.status_code == 400 and "title" in response.json()["errors"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"title": "\xff\xfe"}',  # invalid UTF-8
        b"[" * 20_000 + b"]" * 20_000,  # nested past Python's recursion limit
        b'{"title": "a", "title": }',
        b"\x00\x00\x00",
        b"",
    ],
)
def test_malformed_bodies_are_400(alice, body):
    response = alice.generic("POST", TASKS, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error_type"] == "validation_error"


def test_unknown_fields_are_ignored(alice):
    response = alice.post(TASKS, {"title": "ok", "priority": "high", "owner": "bob"}, format="json")
    assert response.status_code == 201
    assert "priority" not in response.json()


@pytest.fixture
def alice(client_for):
    return client_for("alice")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(["title", "description", "completed", "id", "user_id"]), json_values))
def test_the_serializer_accepts_only_valid_tasks_and_never_crashes(body):
    serializer = TaskSerializer(data=body)
    if serializer.is_valid():
        data = serializer.validated_data
        assert (
            isinstance(data["title"], str) and 1 <= len(data["title"]) <= 200 and data["title"] == data["title"].strip()
        )
        assert len(data.get("description", "")) <= 1000
        assert "user_id" not in data and "id" not in data
    else:
        assert set(serializer.errors) <= {"title", "description", "completed"}
