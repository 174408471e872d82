"""A keyset cursor is client input: whatever it decodes to is a page or a 400, never a 500, on either database."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import caches
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.cursors import decode_cursor, encode_cursor
from tasks.serializers import ORDERINGS

from .factories import TaskFactory
from .test_paging import next_url

pytestmark = pytest.mark.django_db

TASKS = "/api/alice/tasks"
BAD_REQUEST = {
    "detail": "Bad request - invalid input; see errors",
    "status_code": 400,
    "error_type": "validation_error",
}


def encode(items) -> str:
    """``items`` in the cursor's format, whatever they are."""
    return base64.urlsafe_b64encode(json.dumps(items).encode()).rstrip(b"=").decode()


def assert_refused(response) -> None:
    """400 with the contract's body, the cursor named as the field at fault."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body["errors"]) == {"after"}, body
    assert {name: body[name] for name in BAD_REQUEST} == BAD_REQUEST


@pytest.mark.parametrize(
    ("ordering", "items"),
    [
        # Instants a datetime cannot hold once converted to UTC.
        ("-created_at", ["-created_at", "9999-12-31T23:59:59-23:59", 1]),
        ("created_at", ["created_at", "0001-01-01T00:00:00+23:59", 1]),
        ("-updated_at", ["-updated_at", "9999-12-31T23:59:59.999999-00:00:01", 1]),
        # Text neither database can compare with the column.
        ("title", ["title", "\ud800", 1]),  # a lone surrogate: no UTF-8 for it
        ("title", ["title", "milk\x00", 1]),  # PostgreSQL refuses NUL in text
        ("title", ["title", "x" * 201, 1]),  # longer than the column holds
        ("title", ["title", "", 1]),
        # Wrong types.
        ("completed", ["completed", "true", 1]),
        ("completed", ["completed", 1, 1]),
        ("-created_at", ["-created_at", 1767225600, 1]),
        ("-created_at", ["-created_at", "2026-01-01T00:00:00+00:00", True]),
        ("-created_at", ["-created_at", "2026-01-01T00:00:00+00:00", 1.0]),
        ("-created_at", ["-created_at", "2026-01-01T00:00:00+00:00", None]),
        # Ids no task can have: negative, or past a 64-bit signed integer.
        ("-created_at", ["-created_at", "2026-01-01T00:00:00+00:00", -1]),
        ("-created_at", ["-created_at", "2026-01-01T00:00:00+00:00", 2**63]),
        ("-created_at", ["-created_at", "2026-01-01T00:00:00+00:00", 10**400]),
        # Wrong arity or shape, and orderings that are not ours.
        ("-created_at", ["-created_at", "2026-01-01T00:00:00+00:00", 1, 2]),
        ("-created_at", ["-created_at", "2026-01-01T00:00:00+00:00"]),
        ("-created_at", {"-created_at": 1, "2026-01-01T00:00:00+00:00": 2, "3": 3}),
        ("title", "abc"),  # a string of three characters unpacks like three items
        ("title", [["title"], "a", 1]),
        ("title", ["\ud800", "a", 1]),  # never echoed back: the body must stay encodable
        ("title", ["titles", "a", 1]),
    ],
)
def test_a_cursor_the_database_cannot_take_is_400(alice, ordering, items):
    TaskFactory(user_id="alice", title="Buy milk")
    assert_refused(alice.get(TASKS, {"ordering": ordering, "after": encode(items)}))


def test_a_cursor_of_another_ordering_says_which_it_pages(alice):
    response = alice.get(TASKS, {"ordering": "title", "after": encode(["-created_at", "2026-01-01T00:00:00+00:00", 1])})
    assert_refused(response)
    assert response.json()["errors"]["after"] == ["This cursor pages ordering=-created_at; keep that ordering."]


@pytest.mark.parametrize(
    ("ordering", "value", "task_id"),
    [
        ("-created_at", "9999-12-31T23:59:59.999999+00:00", 2**63 - 1),
        ("created_at", "0001-01-01T00:00:00+00:00", 0),
        ("-updated_at", "0001-01-01T23:58:00+23:58", 1),  # the first day of the calendar, in UTC too
        ("title", "x" * 200, 1),
        ("completed", False, 2**63 - 1),
    ],
)
def test_a_well_formed_cursor_at_the_edge_of_every_range_is_a_page(alice, ordering, value, task_id):
    TaskFactory(user_id="alice", title="Buy milk")
    response = alice.get(TASKS, {"ordering": ordering, "after": encode([ordering, value, task_id])})
    assert response.status_code == 200, response.content
    assert isinstance(response.json(), list)


def test_a_cursor_names_an_instant_whatever_its_offset(alice):
    for n in range(3):
        TaskFactory(user_id="alice", title=f"task {n}")
    first = alice.get(TASKS, {"limit": 1, "after": ""})
    (after,) = parse_qs(urlsplit(next_url(first)).query)["after"]
    ordering, created_at, task_id = json.loads(base64.urlsafe_b64decode(after + "=="))
    elsewhere = datetime.fromisoformat(created_at).astimezone(timezone(timedelta(hours=-9, minutes=-30)))
    assert decode_cursor(encode([ordering, elsewhere.isoformat(), task_id]), ordering) == (
        datetime.fromisoformat(created_at).astimezone(UTC),
        task_id,
    )
    assert (
        alice.get(TASKS, {"limit": 1, "after": encode([ordering, elsewhere.isoformat(), task_id])}).json()
        == alice.get(next_url(first)).json()
    )


def test_a_cursor_round_trips():
    row = {"id": 7, "title": "Buy milk", "created_at": datetime(2026, 1, 1, 12, tzinfo=UTC)}
    assert decode_cursor(encode_cursor("title", row), "title") == ("Buy milk", 7)
    assert decode_cursor(encode_cursor("-created_at", row), "-created_at") == (row["created_at"], 7)


# Cursor contents: any JSON, but mostly three items whose ordering is the list's and whose value is of its field's
# kind at its oddest: instants at the calendar's ends, with any offset or none; text with NUL, lone surrogates, or
# too long; ids around the edges of a 64-bit integer.
offsets = st.timedeltas(min_value=timedelta(hours=-24) + timedelta(microseconds=1), max_value=timedelta(hours=24))
offsets = offsets.filter(lambda offset: offset < timedelta(hours=24)).map(timezone)
# The calendar's first and last moments: with any offset that leaves UTC's calendar, a datetime cannot hold them.
calendar_ends = st.builds(
    lambda moment, offset: moment.replace(tzinfo=offset), st.sampled_from([datetime.min, datetime.max]), offsets
)
instants = (st.datetimes(timezones=st.none() | offsets) | calendar_ends).map(datetime.isoformat)
odd_text = st.text(st.characters(exclude_categories=()), max_size=250) | st.sampled_from(["\x00", "a\ud800", "x" * 201])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | odd_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
ids = st.integers(min_value=-(2**64), max_value=2**64) | st.sampled_from([0, -1, 2**63 - 1, 2**63]) | json_values
sort_values = {"created_at": instants, "updated_at": instants, "title": odd_text, "completed": st.booleans()}


@st.composite
def listings(draw) -> tuple[str, str]:
    """A list's ordering and an ``after=`` for it: usually a cursor of that ordering, sometimes anything."""
    ordering = draw(st.sampled_from(ORDERINGS))
    value = sort_values[ordering.lstrip("-")] | json_values
    shapes = [
        st.tuples(st.just(ordering), value, ids).map(list).map(encode),
        st.tuples(st.sampled_from(ORDERINGS) | json_values, value | json_values, ids).map(list).map(encode),
        st.lists(json_values | value | ids, max_size=5).map(encode),
        json_values.map(encode),
        st.binary(max_size=300).map(lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()),
    ]
    # The cursor's own shape four times in eight, each other shape once.
    return ordering, draw(shapes[draw(st.sampled_from((0, 0, 0, 0, 1, 2, 3, 4)))])


@pytest.fixture
def alice_tasks(db):
    return [TaskFactory(user_id="alice", title=f"task {n}", completed=n % 2 == 0) for n in range(3)]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(listing=listings())
def test_no_cursor_is_a_server_error(alice, alice_tasks, listing):
    ordering, after = listing
    caches["ratelimit"].clear()  # hundreds of examples share one test's read budget
    # A failed statement would abort PostgreSQL's transaction for every later example: each runs in a savepoint.
    with transaction.atomic():
        response = alice.get(TASKS, {"ordering": ordering, "limit": 2, "after": after})
        transaction.set_rollback(True)
    if response.status_code == 200:
        assert isinstance(response.json(), list)
    else:
        assert_refused(response)
