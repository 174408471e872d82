"""Revoked sessions and users: the in-memory list, the polling, and what a token gets, with no HTTP."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

import pytest

from authn.errors import InvalidToken, RevocationsUnavailable
from authn.revocation import (
    MAX_PAGES_PER_POLL,
    NO_SESSION,
    PAGE_SIZE,
    SESSION_ENDED,
    RevocationFeed,
    RevocationList,
    feed_authorization,
)

from .fakes import NOW, Clock, FakeFeed, feed_polled_by_hand, session_revoked, user_event


def claims(sub: str = "alice", sid: str | None = "s1", iat: int = NOW - 10) -> dict[str, Any]:
    token = {"sub": sub, "iat": iat, "exp": iat + 900}
    if sid is not None:
        token["sid"] = sid
    return token


# The list --------------------------------------------------------------------------------


def test_an_ended_session_is_refused_and_the_users_other_sessions_are_not():
    revocations = RevocationList()
    assert revocations.apply(session_revoked(1, "s1"))
    assert revocations.refusal(claims(sid="s1")) == SESSION_ENDED
    assert revocations.refusal(claims(sid="s2")) is None
    assert revocations.refusal(claims(sub="bob", sid="s3")) is None


@pytest.mark.parametrize("kind", ["user.revoked", "user.deleted"])
def test_a_revoked_user_loses_tokens_issued_up_to_then_and_keeps_later_ones(kind):
    revocations = RevocationList()
    revocations.apply(user_event(1, kind, "alice", at=NOW))
    assert revocations.refusal(claims(iat=NOW - 1)) == SESSION_ENDED
    assert revocations.refusal(claims(iat=NOW)) is None  # may be a sign-in right after; ended ones come by session
    assert revocations.refusal(claims(iat=NOW + 1)) is None  # signed in again afterwards
    assert revocations.refusal(claims(sub="bob")) is None


def test_a_token_without_a_session_id_is_refused():
    assert RevocationList().refusal(claims(sid=None)) == NO_SESSION
    assert RevocationList().refusal({**claims(), "sid": ""}) == NO_SESSION
    assert RevocationList().refusal({**claims(), "sid": 7}) == NO_SESSION


def test_a_user_revocation_refuses_a_token_without_iat():
    revocations = RevocationList()
    revocations.apply(user_event(1, "user.revoked", "alice"))
    token = claims()
    del token["iat"]
    assert revocations.refusal(token) == SESSION_ENDED


@pytest.mark.parametrize(
    "event",
    [
        {"id": 1, "type": "session.revoked", "userId": "alice", "at": NOW, "expiresAt": NOW + 1},  # no session
        {"id": 1, "type": "user.revoked", "userId": "", "at": NOW, "expiresAt": NOW + 1},
        {"id": 1, "type": "user.revoked", "userId": "a" * 256, "at": NOW, "expiresAt": NOW + 1},
        {"id": 1, "type": "user.revoked", "userId": "alice", "at": "now", "expiresAt": NOW + 1},
        {"id": 1, "type": "user.revoked", "userId": "alice", "at": NOW, "expiresAt": True},
        {"id": 1, "type": "user.renamed", "userId": "alice", "at": NOW, "expiresAt": NOW + 1},
        {"id": 1, "type": "user.revoked", "userId": ["alice"], "at": NOW, "expiresAt": NOW + 1},
    ],
)
def test_an_event_it_does_not_understand_changes_nothing(event):
    revocations = RevocationList()
    assert not revocations.apply(event)
    assert len(revocations) == 0


def test_a_revocation_is_forgotten_once_no_token_it_matches_can_live():
    revocations = RevocationList()
    revocations.apply(session_revoked(1, "s1"))
    revocations.apply(user_event(2, "user.deleted", "bob"))
    revocations.forget_expired(NOW + 959)
    assert len(revocations) == 2
    revocations.forget_expired(NOW + 960)
    assert len(revocations) == 0


# The feed's signature ------------------------------------------------------------------------


def test_the_signature_covers_the_time_the_method_and_the_path_with_its_query():
    header = feed_authorization("k" * 32, "/api/auth/revocations?after=3&limit=500", NOW)
    expected = hmac.new(
        b"k" * 32, f"{NOW}\nGET\n/api/auth/revocations?after=3&limit=500".encode(), hashlib.sha256
    ).hexdigest()
    assert header == f"Revocation-HMAC t={NOW}, sig={expected}"
    assert feed_authorization("k" * 32, "/api/auth/revocations?after=4&limit=500", NOW) != header
    assert feed_authorization("k" * 32, "/api/auth/revocations?after=3&limit=500", NOW + 1) != header


# Polling ------------------------------------------------------------------------------------------


@pytest.fixture
def feed_and_source():
    source, clock = FakeFeed(), Clock()
    deleted: list[tuple[str, float]] = []
    feed = feed_polled_by_hand(
        source, on_user_deleted=lambda user, expires: deleted.append((user, expires)), clock=clock
    )
    return feed, source, clock, deleted


def test_the_first_token_waits_for_the_first_read_and_is_then_judged(feed_and_source):
    feed, source, _, _ = feed_and_source
    source.events = [session_revoked(1, "s1")]
    with pytest.raises(InvalidToken, match=SESSION_ENDED):
        feed.check(claims(sid="s1"))
    feed.check(claims(sid="s2"))
    assert len(source.requests) == 1  # fresh now: no read on the hot path


def test_before_any_read_succeeds_every_token_is_unavailable_not_accepted(feed_and_source):
    feed, source, clock, _ = feed_and_source
    source.down = True
    with pytest.raises(RevocationsUnavailable):
        feed.check(claims())
    with pytest.raises(RevocationsUnavailable):
        feed.check(claims())
    assert len(source.requests) == 1  # one attempt per poll interval on requests' behalf
    clock.now += 0.5
    source.down = False
    feed.check(claims())
    assert len(source.requests) == 2


def test_a_feed_outage_is_served_through_until_the_staleness_bound_then_refused(feed_and_source):
    feed, source, clock, _ = feed_and_source
    assert feed.poll()
    source.down = True
    clock.now += 29
    assert not feed.poll()
    feed.check(claims())  # within REVOCATION_MAX_STALE_SECONDS: served
    clock.now += 2
    with pytest.raises(RevocationsUnavailable):
        feed.check(claims())
    assert feed.last_error == "connection refused"


def test_pages_are_read_until_a_short_one_and_the_cursor_only_moves_forward(feed_and_source):
    feed, source, _, _ = feed_and_source
    source.events = [session_revoked(i, f"s{i}") for i in range(1, PAGE_SIZE + 3)]
    assert feed.poll()
    assert [url.split("after=")[1].split("&")[0] for url, _ in source.requests] == ["0", str(PAGE_SIZE)]
    assert len(feed.revocations) == PAGE_SIZE + 2
    source.events.append(session_revoked(1, "replayed"))  # an old id again: ignored
    assert feed.poll()
    assert feed.revocations.refusal(claims(sid="replayed")) is None


def test_each_request_is_signed_for_its_own_query(feed_and_source):
    feed, source, _, _ = feed_and_source
    feed.poll()
    _, headers = source.requests[0]
    assert headers["Authorization"] == feed_authorization("k" * 32, "/api/auth/revocations?after=0&limit=500", NOW)


@pytest.mark.parametrize("page", [{"events": "nope"}, ["not", "a", "page"], None, {"no": "events"}])
def test_garbage_from_the_feed_is_a_failed_read_not_a_crash(feed_and_source, page):
    feed, _, _, _ = feed_and_source
    feed._fetch = lambda url, **kwargs: page
    assert not feed.poll()


def test_events_that_are_not_objects_are_skipped(feed_and_source):
    feed, _, _, _ = feed_and_source
    feed._fetch = lambda url, **kwargs: {"events": [1, None, "x", {"id": "7"}, session_revoked(3, "s3")]}
    assert feed.poll()
    assert feed.revocations.refusal(claims(sid="s3")) == SESSION_ENDED


def test_a_deleted_user_is_refused_and_handed_to_the_host_once(feed_and_source):
    feed, source, _, deleted = feed_and_source
    source.events = [user_event(1, "user.deleted", "bob")]
    feed.poll()
    feed.poll()
    assert deleted == [("bob", NOW + 960)]
    with pytest.raises(InvalidToken, match=SESSION_ENDED):
        feed.check(claims(sub="bob"))


def test_a_failing_host_handler_is_run_again_on_the_next_poll(feed_and_source):
    feed, source, _, _ = feed_and_source
    calls = []

    def flaky(user: str, expires: float) -> None:
        calls.append(user)
        if len(calls) == 1:
            raise RuntimeError("database restarting")

    feed.on_user_deleted = flaky
    source.events = [user_event(1, "user.deleted", "bob"), session_revoked(2, "s9")]
    assert not feed.poll()  # the read failed: the staleness clock does not restart
    assert feed.revocations.refusal(claims(sub="bob")) == SESSION_ENDED  # refused meanwhile all the same
    assert feed.poll()
    assert calls == ["bob", "bob"]
    assert feed.revocations.refusal(claims(sid="s9")) == SESSION_ENDED


def test_a_sign_out_after_the_feeds_ids_start_over_is_still_refused(feed_and_source):
    # Better Auth's outbox numbers its rows from 1 again when its table starts
    # empty (a restored backup, a new database, the in-memory test server
    # restarted). A process that had read up to id 3 must not ignore the new
    # ids 1, 2, … for ever while calling itself fresh: the signed-out token
    # below would be served until every API process is restarted.
    feed, source, _, _ = feed_and_source
    source.events = [session_revoked(i, f"old{i}") for i in range(1, 4)]
    assert feed.poll()
    source.events = [session_revoked(1, "s-after-restart")]
    feed.poll()
    with pytest.raises((InvalidToken, RevocationsUnavailable)):
        feed.check(claims(sid="s-after-restart"))


def test_a_feed_that_never_ends_a_poll_cannot_hold_it(feed_and_source):
    feed, _, _, _ = feed_and_source
    served = []

    def endless(url, **kwargs):
        start = len(served)
        page = [session_revoked(start + i + 1, f"s{start + i + 1}") for i in range(PAGE_SIZE)]
        served.extend(page)
        return {"events": page, "newest": None}

    feed._fetch = endless
    assert not feed.poll()  # a failed read: the staleness clock does not restart
    assert len(served) == MAX_PAGES_PER_POLL * PAGE_SIZE
    assert "more than" in feed.last_error


def test_an_event_id_the_feed_could_not_be_asked_past_stops_the_read_there(feed_and_source):
    feed, source, _, _ = feed_and_source
    source.events = [session_revoked(1, "s1"), session_revoked(2**53, "s-huge"), session_revoked(2**53 + 1, "s2")]
    assert not feed.poll()
    assert feed.revocations.refusal(claims(sid="s1")) == SESSION_ENDED
    assert "out of range" in feed.last_error
    source.events = [session_revoked(1, "s1"), session_revoked(2, "s2")]
    assert feed.poll()  # the cursor stayed at 1: nothing after it is skipped
    assert feed.revocations.refusal(claims(sid="s2")) == SESSION_ENDED


def test_the_polling_thread_outlives_whatever_a_poll_raises(monkeypatch):
    feed = RevocationFeed(
        "https://auth.test/api/auth/revocations", "k" * 32, poll_seconds=0.01, max_stale_seconds=30, timeout_seconds=1
    )
    calls = []

    def explode() -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RecursionError("maximum recursion depth exceeded")
        feed.stop()
        return True

    monkeypatch.setattr(feed, "poll", explode)
    feed.start()
    feed._thread.join(2)
    assert len(calls) == 2
    assert "RecursionError" in feed.last_error


def test_a_feed_outage_is_one_warning_a_minute_and_info_between(feed_and_source, caplog):
    feed, source, clock, _ = feed_and_source
    source.down = True
    with caplog.at_level(logging.INFO, logger="authn.revocation"):
        for _ in range(3):
            feed.poll()
            clock.now += 20
        feed.poll()  # 60 s after the first
    levels = [r.levelname for r in caplog.records if "revocation feed unreachable" in r.getMessage()]
    assert levels == ["WARNING", "INFO", "INFO", "WARNING"]


def test_readiness_fails_once_the_last_read_is_older_than_two_seconds(feed_and_source):
    feed, source, clock, _ = feed_and_source
    feed.ensure_fresh()  # the first read happens here
    clock.now += 1.9
    feed.ensure_fresh()
    source.down = True
    feed.poll()
    clock.now += 0.2
    with pytest.raises(RevocationsUnavailable, match="connection refused"):
        feed.ensure_fresh()
    feed.check(claims())  # still served: 2.1 s is within REVOCATION_MAX_STALE_SECONDS
