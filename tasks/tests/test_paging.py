"""Keyset paging (``?after=``) walks the same tasks as offset paging, at a cost that does not grow with depth."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from .factories import TaskFactory

# Every test here runs twice: with precompiled SQL, and through the public QuerySet API alone.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sql_path")]

TASKS = "/api/alice/tasks"


def next_url(response) -> str | None:
    link = response.get("Link", "")
    for part in link.split(", "):
        if part.endswith('rel="next"'):
            return part.split(">")[0].lstrip("<")
    return None


def walk(client, params: dict) -> list[int]:
    ids, response = [], client.get(TASKS, params)
    while True:
        assert response.status_code == 200, response.content
        ids += [t["id"] for t in response.json()]
        url = next_url(response)
        if url is None:
            return ids
        assert 'rel="prev"' not in response["Link"]
        response = client.get(url)


@pytest.mark.parametrize("ordering", ["-created_at", "created_at", "title", "-title", "completed", "-updated_at"])
def test_keyset_pages_walk_exactly_the_offset_listing(alice, ordering):
    for n in range(11):
        TaskFactory(user_id="alice", title=f"task {n % 4}", completed=n % 3 == 0)
    TaskFactory(user_id="bob")
    everything = [t["id"] for t in alice.get(TASKS, {"ordering": ordering, "limit": 200}).json()]
    assert walk(alice, {"ordering": ordering, "limit": 3, "after": ""}) == everything
    assert len(everything) == 11


def test_keyset_pages_keep_the_filters_and_the_total(alice):
    TaskFactory.create_batch(5, user_id="alice", completed=True)
    TaskFactory.create_batch(4, user_id="alice", completed=False)
    first = alice.get(TASKS, {"status": "completed", "limit": 2, "after": ""})
    assert first["X-Total-Count"] == "5"
    query = parse_qs(urlsplit(next_url(first)).query)
    assert query["status"] == ["completed"] and query["limit"] == ["2"] and "offset" not in query
    assert len(walk(alice, {"status": "completed", "limit": 2, "after": ""})) == 5


def test_a_single_keyset_page_has_no_next_link(alice):
    TaskFactory.create_batch(2, user_id="alice")
    response = alice.get(TASKS, {"after": ""})
    assert response["X-Total-Count"] == "2"
    assert "Link" not in response


def cursor(*items) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(items)).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "not-a-cursor!"}, "after"),
        ({"after": cursor("-created_at", "yesterday", 1)}, "after"),
        ({"after": cursor("-created_at", "2026-13-01T00:00:00+00:00", 1)}, "after"),
        ({"after": cursor("-created_at", "2026-01-01T00:00:00", 1)}, "after"),  # no time zone
        ({"after": cursor("-created_at", "2026-01-01T00:00:00+00:00", "1")}, "after"),
        ({"after": cursor("title", 5, 1), "ordering": "title"}, "after"),
        ({"after": cursor("title", "a", 1)}, "after"),  # a cursor of another ordering
        ({"after": cursor("a", "b")}, "after"),
        ({"after": "", "offset": 5}, "offset"),
    ],
)
def test_bad_cursors_are_400(alice, params, field):
    response = alice.get(TASKS, params)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
