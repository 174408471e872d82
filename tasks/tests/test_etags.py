"""Two tabs editing one task: If-Match turns a silent lost update into a 412."""

import pytest

from tasks.models import Task

# Every test here runs twice: with precompiled SQL, and through the public QuerySet API alone.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sql_path")]


def url(task, suffix=""):
    return f"/api/alice/tasks/{task.pk}{suffix}"


def test_single_task_responses_carry_an_etag_that_changes_with_the_task(alice, alice_task):
    first = alice.get(url(alice_task))["ETag"]
    assert first.startswith('"') and first.endswith('"')
    assert alice.get(url(alice_task))["ETag"] == first
    changed = alice.patch(url(alice_task), {"title": "changed"}, format="json")
    assert changed["ETag"] != first
    assert alice.get(url(alice_task))["ETag"] == changed["ETag"]


def test_a_list_item_tells_its_version_without_another_request(alice, alice_task):
    (item,) = alice.get("/api/alice/tasks").json()
    assert alice.get(url(alice_task))["ETag"] == f'"{item["id"]}:{item["updated_at"]}"'


def test_create_returns_the_etag_of_the_new_task(alice):
    created = alice.post("/api/alice/tasks", {"title": "x"}, format="json")
    assert created["ETag"] == alice.get(f"/api/alice/tasks/{created.json()['id']}")["ETag"]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("put", "", {"title": "tab two"}),
        ("patch", "", {"title": "tab two"}),
        ("patch", "/complete", None),
        ("delete", "", None),
    ],
)
def test_a_stale_if_match_is_412_and_changes_nothing(alice, alice_task, method, suffix, body):
    stale = alice.get(url(alice_task))["ETag"]
    alice.patch(url(alice_task), {"title": "tab one"}, format="json")
    response = getattr(alice, method)(url(alice_task, suffix), body, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert response.json()["error_type"] == "precondition_failed"
    task = Task.objects.get(pk=alice_task.pk)
    assert (task.title, task.completed) == ("tab one", False)


def test_a_current_if_match_lets_the_write_through(alice, alice_task):
    current = alice.get(url(alice_task))["ETag"]
    response = alice.patch(url(alice_task), {"title": "mine"}, format="json", HTTP_IF_MATCH=current)
    assert response.status_code == 200
    assert alice.delete(url(alice_task), HTTP_IF_MATCH=response["ETag"]).status_code == 204


def test_without_if_match_the_last_write_wins(alice, alice_task):
    alice.patch(url(alice_task), {"title": "tab one"}, format="json")
    assert alice.patch(url(alice_task), {"title": "tab two"}, format="json").status_code == 200
    assert Task.objects.get(pk=alice_task.pk).title == "tab two"


def test_if_match_on_another_users_task_is_still_404(alice, bob_task):
    assert alice.delete(f"/api/alice/tasks/{bob_task.pk}", HTTP_IF_MATCH="*").status_code == 404
    assert Task.objects.filter(pk=bob_task.pk).exists()


def test_options_with_if_match_describes_the_endpoint(alice, alice_task):
    # DRF's OPTIONS answer calls get_object() as a pretend PUT, outside any transaction.
    response = alice.options(url(alice_task), HTTP_IF_MATCH='"stale"')
    assert response.status_code == 200
    assert Task.objects.get(pk=alice_task.pk).title == "Buy milk"
