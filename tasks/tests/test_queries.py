"""Query budgets: none to authenticate, one for a full page of the list, two at most for a search or any write."""

from __future__ import annotations

import pytest

from .factories import TaskFactory

# Every test here runs twice: with precompiled SQL, and through the public QuerySet API alone.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sql_path")]

TASKS = "/api/alice/tasks"


@pytest.fixture
def many(db):
    """More tasks than a page holds, so a page needs its total counted."""
    return TaskFactory.create_batch(60, user_id="alice")


def test_authentication_costs_no_query_even_for_a_new_token(alice, django_assert_num_queries):
    # A foreign path is refused by IsPathOwner before the view asks the database anything.
    with django_assert_num_queries(0):
        assert alice.get("/api/bob/tasks").status_code == 403
    with django_assert_num_queries(0):
        assert alice.get("/api/bob/tasks").status_code == 403  # the cached token: still none


@pytest.mark.parametrize(
    "params",
    [{}, {"status": "pending"}, {"status": "completed"}, {"search": "a"}, {"ordering": "title"}, {"offset": 50}],
)
def test_a_full_list_page_costs_at_most_two_queries(alice, many, params, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = alice.get(TASKS, params)
    assert response.status_code == 200


def test_a_last_page_needs_no_count_query(alice, django_assert_num_queries):
    TaskFactory.create_batch(3, user_id="alice")
    with django_assert_num_queries(1):
        response = alice.get(TASKS)
    assert response["X-Total-Count"] == "3"


@pytest.mark.parametrize(
    ("params", "total"),
    [({}, 16), ({"status": "completed"}, 7), ({"status": "pending"}, 9), ({"offset": 10}, 16)],
)
def test_a_full_page_of_the_usual_list_reads_its_total_with_its_rows(alice, params, total, django_assert_num_queries):
    TaskFactory.create_batch(7, user_id="alice", completed=True)
    TaskFactory.create_batch(9, user_id="alice", completed=False)
    TaskFactory.create_batch(4, user_id="bob", completed=True)
    with django_assert_num_queries(1):
        response = alice.get(TASKS, {"limit": 5, **params})
    assert len(response.json()) == 5
    assert response["X-Total-Count"] == str(total)


def test_a_keyset_page_reads_its_total_with_its_rows(alice, many, django_assert_num_queries):
    next_url = alice.get(TASKS, {"after": "", "limit": 10})["Link"].split(">")[0].lstrip("<")
    with django_assert_num_queries(1):
        response = alice.get(next_url)
    assert len(response.json()) == 10
    assert response["X-Total-Count"] == "60"


def test_a_keyset_page_costs_at_most_two_queries(alice, many, django_assert_max_num_queries):
    next_url = alice.get(TASKS, {"after": "", "limit": 10})["Link"].split(">")[0].lstrip("<")
    with django_assert_max_num_queries(2):
        response = alice.get(next_url)
    assert response.status_code == 200


def test_create_costs_at_most_two_queries(alice, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert alice.post(TASKS, {"title": "New"}, format="json").status_code == 201


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("put", "", {"title": "Changed", "completed": True}),
        ("patch", "", {"description": "more"}),
        ("patch", "/complete", {"completed": True}),
        ("patch", "/complete", None),
        ("delete", "", None),
    ],
)
def test_each_write_costs_at_most_two_queries(alice, alice_task, method, suffix, body, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = getattr(alice, method)(f"{TASKS}/{alice_task.pk}{suffix}", body, format="json")
    assert response.status_code in (200, 204)


def test_a_single_task_costs_one_query(alice, alice_task, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert alice.get(f"{TASKS}/{alice_task.pk}").status_code == 200
