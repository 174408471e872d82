"""Revoked sessions and users: the in-memory list, the polling, and what a token gets, with no HTTP."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from authn.errors import InvalidToken, Refusal, RevocationsUnavailable
from authn.revocation import (
    MAX_PAGES_PER_POLL,
    PAGE_SIZE,
    SESSION_ENDED,
    RevocationFeed,
    RevocationList,
    feed_authorization,
)

from .fakes import (
    NOW,
    Clock,
    FakeFeed,
    feed_polled_by_hand,
    page_verifier,
    session_revoked,
    signed_page,
    user_event,
)


def claims(sub: str = "alice", sid: str | None = "s1", iat: int = NOW - 10) -> dict[str, Any]:
    token = {"sub": sub, "iat": iat, "exp": iat + 900}
    if sid is not None:
        token["sid"] = sid
    return token


# The list --------------------------------------------------------------------------------


def test_an_ended_session_is_refused_and_the_users_other_sessions_are_not():
    revocations = RevocationList()
    assert revocations.apply(session_revoked(1, "s1"), NOW)
    assert revocations.refusal(claims(sid="s1")) is Refusal.SESSION_ENDED
    assert revocations.refusal(claims(sid="s2")) is None
    assert revocations.refusal(claims(sub="bob", sid="s3")) is None


@pytest.mark.parametrize("kind", ["user.revoked", "user.deleted"])
def test_a_revoked_user_loses_tokens_issued_up_to_then_and_keeps_later_ones(kind):
    revocations = RevocationList()
    revocations.apply(user_event(1, kind, "alice", at=NOW), NOW)
    assert revocations.refusal(claims(iat=NOW - 1)) is Refusal.SESSION_ENDED
    assert revocations.refusal(claims(iat=NOW)) is None  # may be a sign-in right after; ended ones come by session
    assert revocations.refusal(claims(iat=NOW + 1)) is None  # signed in again afterwards
    assert revocations.refusal(claims(sub="bob")) is None


def test_a_token_without_a_session_id_is_refused():
    assert RevocationList().refusal(claims(sid=None)) is Refusal.NO_SESSION
    assert RevocationList().refusal({**claims(), "sid": ""}) is Refusal.NO_SESSION
    assert RevocationList().refusal({**claims(), "sid": 7}) is Refusal.NO_SESSION


def test_a_user_revocation_refuses_a_token_without_iat():
    revocations = RevocationList()
    revocations.apply(user_event(1, "user.revoked", "alice"), NOW)
    token = claims()
    del token["iat"]
    assert revocations.refusal(token) is Refusal.SESSION_ENDED


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
    assert not revocations.apply(event, NOW)
    assert len(revocations) == 0


def test_a_revocation_is_forgotten_once_no_token_it_matches_can_live():
    revocations = RevocationList()
    revocations.apply(session_revoked(1, "s1"), NOW)
    revocations.apply(user_event(2, "user.deleted", "bob"), NOW)
    revocations.forget_expired(NOW + 959)
    assert len(revocations) == 2
    revocations.forget_expired(NOW + 960)
    assert len(revocations) == 0


def test_no_event_is_held_longer_than_a_token_issued_by_then_can_live():
    # A broken or hostile feed's far-future expiresAt or at must not hold memory for ever.
    revocations = RevocationList(max_token_lifetime=900)
    revocations.apply({**session_revoked(1, "s1"), "expiresAt": 2**40 - 1}, NOW)
    revocations.apply({**user_event(2, "user.revoked", "bob"), "at": 2**40 - 1, "expiresAt": 2**40 - 1}, NOW)
    revocations.forget_expired(NOW + 900 + 60 - 1)
    assert revocations.refusal(claims(sid="s1")) is Refusal.SESSION_ENDED
    at_taken_as_now_plus_60 = claims(sub="bob", sid="s2", iat=NOW + 50)
    assert revocations.refusal(at_taken_as_now_plus_60) is Refusal.SESSION_ENDED
    assert revocations.refusal(claims(sub="bob", sid="s2", iat=NOW + 60)) is None
    revocations.forget_expired(NOW + 60 + 900 + 60)
    assert len(revocations) == 0


def test_a_full_list_trades_what_it_holds_for_a_cutoff_that_refuses_every_token_they_could_match():
    # Failing closed here would let anyone who can sign out often enough take the API down for everyone.
    revocations = RevocationList(max_token_lifetime=900, max_held=2)
    revocations.apply(session_revoked(1, "s1", at=NOW - 5), NOW)
    revocations.apply(user_event(2, "user.revoked", "bob", at=NOW - 3), NOW)
    revocations.apply(session_revoked(3, "s1", at=NOW - 2), NOW)  # held already: no room needed
    assert revocations.compactions == 0
    revocations.apply(session_revoked(4, "s4", at=NOW), NOW)
    assert revocations.compactions == 1
    assert len(revocations) == 1  # the newest only
    for revoked in (claims(sid="s1", iat=NOW - 10), claims(sub="bob", sid="b1", iat=NOW - 4), claims(sid="s4")):
        assert revocations.refusal(revoked) is Refusal.SESSION_ENDED
    assert revocations.refusal(claims(sid="live", iat=NOW)) is Refusal.SESSION_ENDED  # the newest's second: refused too
    assert revocations.refusal(claims(sid="live", iat=NOW + 1)) is None  # renewed: served
    assert revocations.refusal({"sub": "alice", "sid": "live", "exp": NOW + 900}) is Refusal.SESSION_ENDED  # no iat
    revocations.forget_expired(NOW - 5 + 900 + 60 - 1)
    assert revocations.refusal(claims(sid="live", iat=NOW - 1)) is Refusal.SESSION_ENDED
    revocations.forget_expired(NOW + 960)
    assert revocations.refusal(claims(sid="live", iat=NOW - 1)) is None  # every token it covered has expired


def test_a_full_list_never_fails_the_read_nor_accepts_a_revoked_token(feed_and_source):
    feed, source, _, _ = feed_and_source
    feed.revocations.max_held = 2
    source.events = [session_revoked(i, f"s{i}", at=NOW - 10 + i) for i in range(1, 6)]
    assert feed.poll()
    feed.ensure_fresh()
    for i in range(1, 6):
        assert feed.revocations.refusal(claims(sid=f"s{i}", iat=NOW - 11)) is Refusal.SESSION_ENDED
    assert feed.revocations.refusal(claims(sid="live", iat=NOW)) is None


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


def test_pages_are_read_until_a_short_one(feed_and_source):
    feed, source, _, _ = feed_and_source
    source.events = [session_revoked(i, f"s{i}") for i in range(1, PAGE_SIZE + 3)]
    assert feed.poll()
    assert [_query(url)["after"] for url, _ in source.requests] == ["0", str(PAGE_SIZE)]
    assert len(feed.revocations) == PAGE_SIZE + 2


def test_each_request_is_signed_for_its_own_query_and_carries_a_fresh_nonce(feed_and_source):
    feed, source, _, _ = feed_and_source
    feed.poll()
    feed.poll()
    (first, headers), (second, _) = source.requests
    path_and_query = first.split("auth.test", 1)[1]
    assert headers["Authorization"] == feed_authorization("k" * 32, path_and_query, NOW)
    assert _query(first)["nonce"] != _query(second)["nonce"]
    assert len(_query(first)["nonce"]) >= 16


def _query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


@pytest.mark.parametrize(
    "page",
    [
        {"events": "nope"},
        ["not", "a", "page"],
        None,
        {"no": "events"},
        {"page": 7},
        {"page": "not.a.jws"},
        # The unsigned pages of the earlier protocol: anyone on the link could have written them.
        {"events": [session_revoked(1, "s1")], "newest": 1},
    ],
)
def test_anything_but_a_signed_page_is_a_failed_read_not_a_crash(feed_and_source, page):
    feed, _, _, _ = feed_and_source
    feed._fetch = lambda url, **kwargs: page
    assert not feed.poll()
    assert len(feed.revocations) == 0


def _forged(answer: dict[str, Any], **claims: Any) -> dict[str, Any]:
    """``answer`` re-signed with a key the issuer never published, its claims changed."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ed25519

    payload = {**jwt.decode(answer["page"], options={"verify_signature": False}), **claims}
    header = jwt.get_unverified_header(answer["page"])
    return {"page": jwt.encode(payload, ed25519.Ed25519PrivateKey.generate(), algorithm="EdDSA", headers=header)}


def _resigned(answer: dict[str, Any], **claims: Any) -> dict[str, Any]:
    """``answer`` with claims changed and signed again by the issuer: what its own bugs would look like."""
    import jwt

    payload = {**jwt.decode(answer["page"], options={"verify_signature": False}), **claims}
    kept = {k: payload.pop(k) for k in ("after", "nonce", "incarnation", "anchor", "events")}
    return signed_page(**kept, **payload)


def test_events_dropped_or_invented_on_the_way_are_a_failed_read(feed_and_source):
    feed, source, _, _ = feed_and_source
    source.events = [session_revoked(1, "s1"), session_revoked(2, "s2")]
    source.tamper = lambda answer: _forged(answer, events=[session_revoked(1, "s1")])  # s2 dropped
    assert not feed.poll()
    source.tamper = lambda answer: _forged(answer, events=[*source.events, session_revoked(3, "invented")])
    assert not feed.poll()
    assert len(feed.revocations) == 0
    assert "does not verify" in feed.last_error
    source.tamper = None
    assert feed.poll()
    assert feed.revocations.refusal(claims(sid="s2")) is Refusal.SESSION_ENDED


def test_a_replayed_page_is_refused_even_though_the_issuer_signed_it(feed_and_source):
    # An old "nothing new" page, answered again after a sign-out, would hide the sign-out.
    feed, source, _, _ = feed_and_source
    assert feed.poll()
    captured = answer_from_last_request(source)
    source.events = [session_revoked(1, "s1")]
    source.tamper = lambda answer: captured
    assert not feed.poll()
    assert "not made for this request" in feed.last_error


def answer_from_last_request(source: FakeFeed) -> dict[str, Any]:
    from .fakes import answer_from

    return answer_from(source.events, source.requests[-1][0], source.incarnation)


@pytest.mark.parametrize(
    ("header", "claim", "error"),
    [
        ({"typ": "JWT"}, {}, "typ"),  # an access token is not a page
        ({}, {"ver": 2}, "version 2"),
        ({}, {"ver": "1"}, "version 1"),
        ({}, {"iss": "http://elsewhere.test"}, "does not verify"),
        ({}, {"aud": "http://elsewhere.test"}, "does not verify"),
        ({}, {"exp": NOW}, "does not verify"),
        ({}, {"after": 3}, "not made for this request"),
        ({}, {"events": {"1": {}}}, "malformed"),
        ({}, {"incarnation": 7}, "malformed"),
    ],
)
def test_a_page_the_issuer_signed_but_not_for_this_reader_is_a_failed_read(feed_and_source, header, claim, error):
    import jwt

    from .fakes import FEED_KEY, FEED_KID

    feed, source, _, _ = feed_and_source

    def tamper(answer: dict[str, Any]) -> dict[str, Any]:
        payload = {**jwt.decode(answer["page"], options={"verify_signature": False}), **claim}
        headers = {"kid": FEED_KID, "typ": "revocation-feed+jwt", **header}
        return {"page": jwt.encode(payload, FEED_KEY, algorithm="EdDSA", headers=headers)}

    source.tamper = tamper
    assert not feed.poll()
    assert error in feed.last_error


def test_a_malformed_or_out_of_order_event_in_a_signed_page_stops_the_read_there(feed_and_source):
    feed, source, _, _ = feed_and_source
    source.events = [session_revoked(1, "s1")]
    assert feed.poll()
    source.events = [session_revoked(1, "s1"), session_revoked(2, "s2"), session_revoked(3, "s3")]
    bad_events = [session_revoked(2, "s2"), {"id": "7"}, session_revoked(3, "s3")]
    source.tamper = lambda answer: _resigned(answer, events=bad_events)
    assert not feed.poll()
    assert feed.revocations.refusal(claims(sid="s2")) is Refusal.SESSION_ENDED
    assert feed.revocations.refusal(claims(sid="s3")) is None
    source.tamper = lambda answer: _resigned(answer, events=[session_revoked(1, "again")])  # behind the cursor
    assert not feed.poll()
    assert feed.revocations.refusal(claims(sid="again")) is None
    source.tamper = None
    assert feed.poll()  # the cursor stayed at 2: nothing after it is skipped
    assert feed.revocations.refusal(claims(sid="s3")) is Refusal.SESSION_ENDED


def test_an_event_of_a_type_it_does_not_know_is_passed_over(feed_and_source):
    feed, source, _, _ = feed_and_source
    source.events = [{**user_event(1, "user.renamed", "alice")}, session_revoked(2, "s2")]
    assert feed.poll()
    assert feed.revocations.refusal(claims(sid="s2")) is Refusal.SESSION_ENDED
    assert _query(source.requests[-1][0])["after"] == "0"
    feed.poll()
    assert _query(source.requests[-1][0])["after"] == "2"


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
    assert feed.revocations.refusal(claims(sub="bob")) is Refusal.SESSION_ENDED  # refused meanwhile all the same
    assert feed.poll()
    assert calls == ["bob", "bob"]
    assert feed.revocations.refusal(claims(sid="s9")) is Refusal.SESSION_ENDED


def test_a_sign_out_after_the_feeds_ids_start_over_is_still_refused(feed_and_source):
    # A new, empty database numbers its events from 1 again, under a new incarnation.
    feed, source, _, _ = feed_and_source
    source.events = [session_revoked(i, f"old{i}") for i in range(1, 4)]
    assert feed.poll()
    source.incarnation = "incarnation-2"
    source.events = [{**session_revoked(i, f"new{i}"), "jti": f"new-{i}"} for i in range(1, 6)]
    assert feed.poll()
    for i in range(1, 6):
        assert feed.revocations.refusal(claims(sid=f"new{i}")) is Refusal.SESSION_ENDED
    assert feed.revocations.refusal(claims(sid="old1")) is Refusal.SESSION_ENDED  # kept until it expires


def test_a_sign_out_written_after_a_restore_under_an_id_already_read_is_refused(feed_and_source):
    # A restored backup brings back its incarnation, then writes new events under ids this
    # process has passed: the event at its cursor is no longer the one it read.
    feed, source, _, _ = feed_and_source
    source.events = [session_revoked(i, f"s{i}") for i in range(1, 6)]
    assert feed.poll()
    restored = source.events[:2]
    source.events = [*restored, *({**session_revoked(i, f"after-restore{i}"), "jti": f"r-{i}"} for i in range(3, 8))]
    assert feed.poll()
    for i in range(3, 8):  # 3 to 5 included: ids this process had read before the restore
        assert feed.revocations.refusal(claims(sid=f"after-restore{i}")) is Refusal.SESSION_ENDED


def test_a_reader_whose_event_was_pruned_reads_again_from_the_start(feed_and_source):
    feed, source, _, _ = feed_and_source
    source.events = [session_revoked(1, "s1"), session_revoked(2, "s2")]
    assert feed.poll()
    source.events = [session_revoked(3, "s3"), session_revoked(4, "s4")]  # 1 and 2 expired and pruned
    assert feed.poll()
    assert [_query(url)["after"] for url, _ in source.requests] == ["0", "2", "0"]
    assert feed.revocations.refusal(claims(sid="s3")) is Refusal.SESSION_ENDED


def test_a_feed_that_never_ends_a_poll_cannot_hold_it(feed_and_source):
    feed, _, _, _ = feed_and_source
    served: list[dict[str, Any]] = []

    def endless(url, **kwargs):
        start = len(served)
        page = [session_revoked(start + i + 1, f"s{start + i + 1}") for i in range(PAGE_SIZE)]
        served.extend(page)
        query = _query(url)
        return signed_page(page, after=int(query["after"]), nonce=query["nonce"], anchor=f"jti-{query['after']}")

    feed._fetch = endless
    assert not feed.poll()  # a failed read: the staleness clock does not restart
    assert len(served) == MAX_PAGES_PER_POLL * PAGE_SIZE
    assert "more than" in feed.last_error


def test_an_event_id_the_feed_could_not_be_asked_past_stops_the_read_there(feed_and_source):
    feed, source, _, _ = feed_and_source
    source.events = [session_revoked(1, "s1"), session_revoked(2**53, "s-huge"), session_revoked(2**53 + 1, "s2")]
    assert not feed.poll()
    assert feed.revocations.refusal(claims(sid="s1")) is Refusal.SESSION_ENDED
    assert "malformed or out of order" in feed.last_error
    source.events = [session_revoked(1, "s1"), session_revoked(2, "s2")]
    assert feed.poll()  # the cursor stayed at 1: nothing after it is skipped
    assert feed.revocations.refusal(claims(sid="s2")) is Refusal.SESSION_ENDED


def test_a_revocation_is_kept_for_the_leeway_tokens_get_past_their_expiry(feed_and_source):
    feed, source, _, _ = feed_and_source
    wall = [float(NOW)]
    feed._wall_clock = lambda: wall[0]
    feed.leeway_seconds = 30
    source.events = [session_revoked(1, "s1")]  # expiresAt NOW + 960
    assert feed.poll()
    wall[0] = NOW + 960 + 29
    assert feed.poll()
    assert feed.revocations.refusal(claims(sid="s1")) is Refusal.SESSION_ENDED  # a token in its leeway is still refused
    wall[0] = NOW + 960 + 30
    assert feed.poll()
    assert len(feed.revocations) == 0


def test_the_polling_thread_outlives_whatever_a_poll_raises(monkeypatch):
    feed = RevocationFeed(
        "https://auth.test/api/auth/revocations",
        "k" * 32,
        page_verifier=page_verifier(),
        poll_seconds=0.01,
        max_stale_seconds=30,
        timeout_seconds=1,
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
