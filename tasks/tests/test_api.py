"""Every endpoint of docs/api.md ("Endpoints"), with real tokens, and the exact error shapes."""

from __future__ import annotations

import json

import pytest

from tasks.models import Task

from .factories import TaskFactory

# Every test here runs twice: with precompiled SQL, and through the public QuerySet API alone.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sql_path")]

TASKS = "/api/alice/tasks"
TASK_FIELDS = {"id", "user_id", "title", "description", "completed", "created_at", "updated_at"}


def detail(task_id: int, suffix: str = "") -> str:
    return f"{TASKS}/{task_id}{suffix}"


def assert_error(response, status_code: int, error_type: str) -> dict:
    assert response.status_code == status_code, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status_code"] == status_code
    assert body["error_type"] == error_type
    assert isinstance(body["detail"], str) and body["detail"]
    return body


# POST /api/{user_id}/tasks


def test_create_returns_201_the_task_and_its_location(alice):
    response = alice.post(TASKS, {"title": "  Buy milk  ", "description": "2 litres"}, format="json")
    assert response.status_code == 201
    task = response.json()
    assert set(task) == TASK_FIELDS
    assert (task["title"], task["description"], task["completed"], task["user_id"]) == (
        "Buy milk",
        "2 litres",
        False,
        "alice",
    )
    assert response["Location"] == f"http://testserver{TASKS}/{task['id']}"
    assert Task.objects.get(pk=task["id"]).user_id == "alice"


def test_create_ignores_a_user_id_in_the_body(alice):
    response = alice.post(TASKS, {"title": "Mine", "user_id": "bob", "id": 999, "completed": True}, format="json")
    assert response.status_code == 201
    task = Task.objects.get(pk=response.json()["id"])
    assert task.user_id == "alice"
    assert task.pk != 999


def test_create_without_description_stores_an_empty_one(alice):
    assert alice.post(TASKS, {"title": "x"}, format="json").json()["description"] == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": None}, "title"),
        ({"title": 42}, "title"),
        ({"title": ["a"]}, "title"),
        ({"title": "nul\x00byte"}, "title"),
        ({"title": "ok", "description": "x" * 1001}, "description"),
        ({"title": "ok", "description": 7}, "description"),
        ({"title": "ok", "completed": "maybe"}, "completed"),
    ],
)
def test_create_refuses_each_bad_field(alice, body, field):
    body = assert_error(alice.post(TASKS, body, format="json"), 400, "validation_error")
    assert field in body["errors"]
    assert all(isinstance(message, str) for message in body["errors"][field])
    assert Task.objects.count() == 0


def test_the_longest_allowed_fields_are_accepted(alice):
    response = alice.post(TASKS, {"title": "t" * 200, "description": "d" * 1000}, format="json")
    assert response.status_code == 201


def test_malformed_json_is_a_validation_error(alice):
    response = alice.generic("POST", TASKS, '{"title": ', content_type="application/json")
    body = assert_error(response, 400, "validation_error")
    assert body["detail"].startswith("Bad request - JSON parse error")


def test_a_json_array_body_is_a_validation_error(alice):
    response = alice.generic("POST", TASKS, json.dumps(["title"]), content_type="application/json")
    assert "non_field_errors" in assert_error(response, 400, "validation_error")["errors"]


def test_an_unsupported_content_type_is_415(alice):
    response = alice.generic("POST", TASKS, "title=x", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


# GET /api/{user_id}/tasks


def test_list_is_an_array_of_the_users_tasks_newest_first(alice, bob_task):
    first = TaskFactory(user_id="alice", title="first")
    second = TaskFactory(user_id="alice", title="second")
    response = alice.get(TASKS)
    assert response.status_code == 200
    assert [t["id"] for t in response.json()] == [second.pk, first.pk]
    assert response["X-Total-Count"] == "2"
    assert "Link" not in response


def test_list_filters_by_status(alice):
    TaskFactory(user_id="alice", title="open")
    TaskFactory(user_id="alice", title="done", completed=True)
    titles = {s: [t["title"] for t in alice.get(TASKS, {"status": s}).json()] for s in ("all", "pending", "completed")}
    assert titles == {"all": ["done", "open"], "pending": ["open"], "completed": ["done"]}


def test_list_searches_title_and_description_case_insensitively(alice):
    TaskFactory(user_id="alice", title="Buy MILK", description="")
    TaskFactory(user_id="alice", title="Call mum", description="about the milk order")
    TaskFactory(user_id="alice", title="Walk", description="")
    TaskFactory(user_id="bob", title="milk for bob")
    found = {t["title"] for t in alice.get(TASKS, {"search": "milk"}).json()}
    assert found == {"Buy MILK", "Call mum"}


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [("title", ["a", "b", "c"]), ("-title", ["c", "b", "a"]), ("created_at", ["b", "c", "a"])],
)
def test_list_orders(alice, ordering, expected):
    for title in ("b", "c", "a"):
        TaskFactory(user_id="alice", title=title)
    assert [t["title"] for t in alice.get(TASKS, {"ordering": ordering}).json()] == expected


def test_list_pages_with_headers_and_keeps_the_body_an_array(alice):
    tasks = [TaskFactory(user_id="alice", title=f"t{n}") for n in range(5)]
    response = alice.get(TASKS, {"limit": 2, "offset": 2, "ordering": "created_at"})
    assert [t["id"] for t in response.json()] == [tasks[2].pk, tasks[3].pk]
    assert response["X-Total-Count"] == "5"
    assert response["Link"] == (
        f'<http://testserver{TASKS}?limit=2&offset=4&ordering=created_at>; rel="next", '
        f'<http://testserver{TASKS}?limit=2&ordering=created_at>; rel="prev"'
    )


def test_list_default_page_is_50(alice):
    TaskFactory.create_batch(51, user_id="alice")
    response = alice.get(TASKS)
    assert len(response.json()) == 50
    assert 'rel="next"' in response["Link"]


def test_an_offset_past_the_end_is_an_empty_page(alice, alice_task):
    response = alice.get(TASKS, {"offset": 10})
    assert response.json() == []
    assert response["X-Total-Count"] == "1"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "done"}, "status"),
        ({"ordering": "user_id"}, "ordering"),
        ({"ordering": "-password"}, "ordering"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "x"}, "offset"),
        ({"offset": "9" * 40}, "offset"),
    ],
)
def test_bad_list_parameters_are_400_not_a_silent_default(alice, params, field):
    body = assert_error(alice.get(TASKS, params), 400, "validation_error")
    assert field in body["errors"]


# GET / PUT / PATCH / DELETE /api/{user_id}/tasks/{id}


def test_retrieve(alice, alice_task):
    response = alice.get(detail(alice_task.pk))
    assert response.status_code == 200
    assert response.json()["title"] == "Buy milk"


def test_paths_are_exactly_the_contracts_without_a_trailing_slash(alice, alice_task):
    assert_error(alice.get(detail(alice_task.pk, "/")), 404, "not_found")


def test_put_replaces_the_fields(alice, alice_task):
    response = alice.put(detail(alice_task.pk), {"title": "Buy oat milk", "completed": True}, format="json")
    assert response.status_code == 200
    alice_task.refresh_from_db()
    assert (alice_task.title, alice_task.completed) == ("Buy oat milk", True)


def test_put_requires_a_title(alice, alice_task):
    body = assert_error(alice.put(detail(alice_task.pk), {"completed": True}, format="json"), 400, "validation_error")
    assert "title" in body["errors"]


def test_patch_changes_only_what_it_names(alice, alice_task):
    response = alice.patch(detail(alice_task.pk), {"description": "whole"}, format="json")
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["description"]) == ("Buy milk", "whole")


def test_patch_cannot_move_a_task_to_another_user(alice, alice_task):
    alice.patch(detail(alice_task.pk), {"user_id": "bob"}, format="json")
    alice_task.refresh_from_db()
    assert alice_task.user_id == "alice"


def test_patch_refuses_a_blank_title(alice, alice_task):
    assert_error(alice.patch(detail(alice_task.pk), {"title": ""}, format="json"), 400, "validation_error")


def test_delete_is_204_and_the_task_is_gone(alice, alice_task):
    response = alice.delete(detail(alice_task.pk))
    assert response.status_code == 204
    assert not Task.objects.filter(pk=alice_task.pk).exists()
    assert_error(alice.get(detail(alice_task.pk)), 404, "not_found")


# PATCH /api/{user_id}/tasks/{id}/complete


def test_complete_sets_the_given_value(alice, alice_task):
    for value in (True, True, False):
        response = alice.patch(detail(alice_task.pk, "/complete"), {"completed": value}, format="json")
        assert response.status_code == 200
        assert response.json()["completed"] is value


def test_complete_without_a_body_toggles(alice, alice_task):
    assert alice.patch(detail(alice_task.pk, "/complete")).json()["completed"] is True
    assert alice.patch(detail(alice_task.pk, "/complete")).json()["completed"] is False
    assert alice.patch(detail(alice_task.pk, "/complete"), {}, format="json").json()["completed"] is True


def test_complete_returns_the_whole_task_and_moves_updated_at(alice, alice_task):
    before = alice_task.updated_at
    task = alice.patch(detail(alice_task.pk, "/complete"), {"completed": True}, format="json").json()
    assert set(task) == TASK_FIELDS
    alice_task.refresh_from_db()
    assert alice_task.updated_at > before


@pytest.mark.parametrize("value", ["maybe", None, [], {"a": 1}])
def test_complete_refuses_a_non_boolean(alice, alice_task, value):
    response = alice.patch(detail(alice_task.pk, "/complete"), {"completed": value}, format="json")
    assert "completed" in assert_error(response, 400, "validation_error")["errors"]


# GET /api/me, 404, 405


def test_me_is_the_tokens_identity(alice):
    assert alice.get("/api/me").json()["id"] == "alice"


@pytest.mark.parametrize(
    "path", [detail(999_999), detail(1, "/nope"), "/api/nope", f"{TASKS}/abc", f"{TASKS}/{'9' * 30}"]
)
def test_unknown_paths_and_ids_are_json_404(alice, path):
    assert_error(alice.get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [("delete", TASKS), ("put", TASKS), ("post", detail(1)), ("get", detail(1, "/complete")), ("post", "/api/me")],
)
def test_wrong_methods_are_json_405(alice, alice_task, method, path):
    path = path.replace("/1", f"/{alice_task.pk}")
    assert_error(getattr(alice, method)(path), 405, "method_not_allowed")


def test_no_token_is_401_on_every_task_endpoint(api_client, alice_task):
    for method, path in [
        ("get", TASKS),
        ("post", TASKS),
        ("get", detail(alice_task.pk)),
        ("delete", detail(alice_task.pk)),
    ]:
        response = getattr(api_client, method)(path)
        assert_error(response, 401, "authentication_error")
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert Task.objects.filter(pk=alice_task.pk).exists()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", [f"{TASKS}/abc", f"{TASKS}/-5", "/api/nothing-here"])
def test_unsafe_methods_on_unknown_paths_are_json_404_not_a_csrf_page(method, path, client_for):
    from django.test import Client

    browser_like = Client(
        enforce_csrf_checks=True, HTTP_AUTHORIZATION=client_for("alice")._credentials["HTTP_AUTHORIZATION"]
    )
    assert_error(getattr(browser_like, method)(path), 404, "not_found")
