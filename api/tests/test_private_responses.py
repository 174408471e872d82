"""Answers under /api/ carry a user's data or a verdict on a token: no cache may keep them."""

import pytest

PRIVATE = "private, no-store"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/me", 200),
        ("/api/alice/tasks", 200),
        ("/api/bob/tasks", 403),
        ("/api/alice/tasks/1", 404),
        ("/api/x", 404),
    ],
)
def test_api_answers_are_private_and_not_stored(path, status, client_for):
    response = client_for("alice").get(path)
    assert response.status_code == status
    assert response["Cache-Control"] == PRIVATE


def test_refusals_are_not_stored_either(api_client):
    assert api_client.get("/api/me")["Cache-Control"] == PRIVATE  # answered early, by middleware
    assert api_client.get("/api/me", HTTP_AUTHORIZATION="Bearer nope")["Cache-Control"] == PRIVATE


def test_the_public_schema_is_not_marked_private(api_client):
    response = api_client.get("/api/schema/")
    assert response.status_code == 200
    assert response.get("Cache-Control") != PRIVATE


@pytest.mark.django_db
@pytest.mark.parametrize("user", ["docs", "schema", "redoc"])
def test_users_named_like_the_docs_get_private_answers_too(user, client_for):
    response = client_for(user).get(f"/api/{user}/tasks")
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_a_script_prefix_does_not_make_an_api_answer_public(client_for):
    """The URLs route by the path below the script prefix; so does every rule about /api/."""
    response = client_for("alice").get("/api/me", SCRIPT_NAME="/x")
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE
