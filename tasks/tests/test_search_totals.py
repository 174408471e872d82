"""A search's X-Total-Count: exact up to SEARCH_COUNT_CAP matches, "<cap>+" (more than the cap) past it.

Counting every match of a search that most of a long list matches took almost all of
the page's time, so counting stops at the cap; a list without a search keeps its exact
total from the per-user counters, however long it is.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks.listing import task_listing
from tasks.models import Task
from tasks.pages import list_total
from tasks.totals import SEARCH_COUNT_CAP, Total

# Every test here runs twice: with precompiled SQL, and through the public QuerySet API alone.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sql_path")]

TASKS = "/api/alice/tasks"
CAP = SEARCH_COUNT_CAP
MANY = f"{CAP}+"


def add(count: int, *, user_id: str = "alice", title: str = "Buy milk", completed: bool = False) -> None:
    Task.objects.bulk_create(
        [Task(user_id=user_id, title=f"{title} {n}", completed=completed) for n in range(count)], batch_size=500
    )


def links(response) -> dict[str, str]:
    found = {}
    for part in filter(None, response.get("Link", "").split(", ")):
        url, rel = part.split("; ")
        found[rel.removeprefix('rel="').removesuffix('"')] = url.strip("<>")
    return found


def test_the_cap_is_a_thousand():
    assert CAP == 1000


def test_few_matches_are_counted_exactly(alice):
    add(3)
    add(5, title="Bake bread")
    response = alice.get(TASKS, {"search": "MILK"})
    assert response["X-Total-Count"] == "3"


def test_matches_that_fit_on_the_page_need_no_count(alice, django_assert_num_queries):
    add(3)
    with django_assert_num_queries(1):  # the rows are every match: their number is the total
        response = alice.get(TASKS, {"search": "milk"})
    assert (len(response.json()), response["X-Total-Count"]) == (3, "3")


def test_no_match_needs_no_count(alice, django_assert_num_queries):
    add(3)
    with django_assert_num_queries(1):
        response = alice.get(TASKS, {"search": "dentist"})
    assert (response.json(), response["X-Total-Count"]) == ([], "0")


def test_more_matches_than_a_page_are_counted_exactly_below_the_cap(alice, django_assert_num_queries):
    add(120)
    with django_assert_num_queries(2):
        response = alice.get(TASKS, {"search": "milk", "limit": 50})
    assert (len(response.json()), response["X-Total-Count"]) == (50, "120")


def test_exactly_the_cap_is_exact(alice):
    add(CAP)
    assert alice.get(TASKS, {"search": "milk"})["X-Total-Count"] == str(CAP)


def test_one_past_the_cap_is_marked_as_more_than_the_cap(alice):
    add(CAP + 1)
    response = alice.get(TASKS, {"search": "milk"})
    assert response["X-Total-Count"] == MANY
    assert len(response.json()) == 50
    assert "next" in links(response)


def test_a_search_most_of_a_long_list_matches_stops_counting_at_the_cap(alice):
    add(CAP + 300)
    add(10, title="Call the plumber")
    with CaptureQueriesContext(connection) as queries:
        response = alice.get(TASKS, {"search": "milk"})
    assert response["X-Total-Count"] == MANY
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and f"LIMIT {CAP + 1}" in counts[0]


@pytest.mark.parametrize(
    ("params", "total"),
    [
        ({"search": "milk"}, MANY),
        ({"search": "milk", "status": "pending"}, MANY),
        ({"search": "milk", "status": "completed"}, "60"),
        ({"search": "plumber"}, "70"),
        ({"search": "plumber", "status": "completed"}, "0"),
        ({"search": "milk", "ordering": "title"}, MANY),
    ],
)
def test_filters_combined_with_a_search(alice, params, total):
    add(CAP + 1)
    add(60, completed=True)
    add(70, title="Call the plumber")
    add(CAP + 1, user_id="bob", title="Call the plumber")  # another user's matches are never counted
    assert alice.get(TASKS, params)["X-Total-Count"] == total


def test_the_last_offset_page_of_a_long_search_is_counted_exactly(alice):
    add(CAP + 30)
    response = alice.get(TASKS, {"search": "milk", "offset": CAP})
    assert (len(response.json()), response["X-Total-Count"]) == (30, str(CAP + 30))
    assert set(links(response)) == {"prev"}


def test_offset_links_lead_past_the_cap_to_every_match(alice):
    add(CAP + 30)
    add(5, title="Walk the dog")
    url, seen, totals = f"{TASKS}?search=milk&limit=200", [], []
    while url:
        response = alice.get(url)
        seen += [task["id"] for task in response.json()]
        totals.append(response["X-Total-Count"])
        url = links(response).get("next")
    assert len(seen) == len(set(seen)) == CAP + 30
    assert totals == [MANY] * 5 + [str(CAP + 30)]


def test_a_full_page_ending_on_the_last_match_has_no_next_link(alice):
    add(CAP + 50)
    response = alice.get(TASKS, {"search": "milk", "offset": CAP, "limit": 50})
    assert (len(response.json()), response["X-Total-Count"], set(links(response))) == (50, str(CAP + 50), {"prev"})


def test_an_offset_past_the_end_of_a_long_search(alice):
    add(CAP + 1)
    response = alice.get(TASKS, {"search": "milk", "offset": 5000})
    assert (response.json(), response["X-Total-Count"]) == ([], MANY)


def test_keyset_pages_of_a_long_search_are_marked_too(alice):
    add(CAP + 60)
    first = alice.get(TASKS, {"search": "milk", "after": "", "limit": 100})
    assert first["X-Total-Count"] == MANY
    second = alice.get(links(first)["next"])
    assert second["X-Total-Count"] == MANY
    assert parse_qs(urlsplit(links(second)["next"]).query)["search"] == ["milk"]


def test_a_keyset_search_that_fits_on_its_page_is_exact(alice):
    add(7)
    assert alice.get(TASKS, {"search": "milk", "after": ""})["X-Total-Count"] == "7"


@pytest.mark.parametrize("params", [{}, {"offset": CAP + 20}, {"after": ""}, {"status": "pending"}])
def test_a_list_without_a_search_keeps_its_exact_total_past_the_cap(alice, params, django_assert_num_queries):
    add(CAP + 25)
    with django_assert_num_queries(1):  # the counter row, read with the rows
        response = alice.get(TASKS, params)
    assert response["X-Total-Count"] == str(CAP + 25)


def test_the_selector_says_whether_its_total_is_exact():
    add(CAP + 1)
    add(2, title="Walk the dog")
    assert list_total(task_listing(user_id="alice", fields=("id",), search="milk")) == Total(CAP, exact=False)
    assert list_total(task_listing(user_id="alice", fields=("id",), search="dog")) == Total(2)
    assert list_total(task_listing(user_id="alice", fields=("id",))) == Total(CAP + 3)
    assert str(Total(CAP, exact=False)) == MANY and str(Total(7)) == "7"
