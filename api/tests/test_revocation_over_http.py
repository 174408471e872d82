"""Revocation through the API, against a feed served on loopback that checks signatures as Better Auth's does."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from authn import get_revocation_feed, get_verifier
from authn.tests.fakes import FEED_JWK, answer_from
from tasks.models import DeletedUser, Task, TaskCount
from tasks.tests.factories import TaskFactory
from tasks.tests.waiting import no_tasks_left_within

FEED_SECRET = "feed-secret-of-its-own-0123456789abcdef"
ME = "/api/me"
AT = int(time.time())


class FeedServer(ThreadingHTTPServer):
    """The revocation feed: events in memory, the protocol's signature and time window enforced."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FeedHandler)
        self.events: list[dict[str, Any]] = []
        self.refused = 0
        self.down = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/auth/revocations"

    def revoke_session(self, sid: str, user: str = "alice") -> None:
        self._add({"type": "session.revoked", "sessionId": sid, "userId": user})

    def delete_user(self, user: str) -> None:
        self._add({"type": "user.deleted", "sessionId": None, "userId": user})

    def _add(self, event: dict[str, Any]) -> None:
        now = int(time.time())
        event_id = len(self.events) + 1
        self.events.append({"id": event_id, "jti": f"jti-{event_id}", **event, "at": now, "expiresAt": now + 960})


class FeedHandler(BaseHTTPRequestHandler):
    server: FeedServer

    def do_GET(self) -> None:
        if self.server.down:
            self._answer(503, {})
            return
        if not self._signed():
            self.server.refused += 1
            self._answer(401, {"error": "unauthorized"})
            return
        self._answer(200, answer_from(self.server.events, self.path))

    def _signed(self) -> bool:
        scheme, _, fields = self.headers.get("Authorization", "").partition(" ")
        values = dict(part.strip().split("=", 1) for part in fields.split(",") if "=" in part)
        if scheme != "Revocation-HMAC" or abs(time.time() - int(values.get("t", 0))) > 30:
            return False
        expected = hmac.new(FEED_SECRET.encode(), f"{values['t']}\nGET\n{self.path}".encode(), hashlib.sha256)
        return hmac.compare_digest(expected.hexdigest(), values.get("sig", ""))

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def feed(settings) -> Iterator[FeedServer]:
    server = FeedServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    keys = json.loads(settings.AUTHN["JWKS"])["keys"]
    settings.AUTHN = {
        **settings.AUTHN,
        "JWKS": json.dumps({"keys": [*keys, FEED_JWK]}),  # the issuer signs pages with a key of its set
        "REVOCATION_FEED_SECRET": FEED_SECRET,
        "REVOCATION_FEED_URL": server.url,
        "REVOCATION_POLL_SECONDS": 0.1,
        "REVOCATION_MAX_STALE_SECONDS": 3,
        "JWKS_TIMEOUT_SECONDS": 1,
    }
    yield server
    if get_verifier.cache_info().currsize and get_revocation_feed() is not None:
        get_revocation_feed().stop()
    server.down = True
    server.shutdown()
    server.server_close()


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def refused_within(api_client, token: str, seconds: float) -> float:
    """Seconds until the API refuses ``token``; fails the test past ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        response = api_client.get(ME, **bearer(token))
        if response.status_code == 401:
            assert response["WWW-Authenticate"] == (
                'Bearer realm="api", error="invalid_token", error_description="The session has ended"'
            )
            return time.monotonic() - started
        assert response.status_code == 200
        time.sleep(0.02)
    pytest.fail(f"still accepted after {seconds} s")


def test_a_signed_out_session_is_refused_within_two_seconds_and_another_session_is_not(feed, api_client, make_token):
    signed_out, other = make_token("alice", sid="s1"), make_token("alice", sid="s2")
    assert api_client.get(ME, **bearer(signed_out)).status_code == 200  # now in the verified-token cache too
    feed.revoke_session("s1")
    assert refused_within(api_client, signed_out, 2.0) < 2.0
    assert api_client.get(ME, **bearer(other)).status_code == 200
    assert feed.refused == 0  # every poll was signed as the feed expects


def test_a_token_without_a_session_id_is_refused_once_the_feed_is_on(feed, api_client, make_token):
    from conftest import OMIT

    response = api_client.get(ME, **bearer(make_token("alice", sid=OMIT)))
    assert response.status_code == 401
    assert 'error_description="The token carries no session"' in response["WWW-Authenticate"]


@pytest.mark.django_db
def test_checking_a_token_costs_no_query(feed, api_client, make_token, django_assert_num_queries):
    token = make_token("alice", sid="s1")
    api_client.get(ME, **bearer(token))  # the first read of the feed happens here
    with django_assert_num_queries(0):
        assert api_client.get(ME, **bearer(token)).status_code == 200
        assert api_client.get(ME, **bearer(make_token("bob", sid="s2"))).status_code == 200


def test_a_feed_never_read_means_503_not_an_unchecked_token(settings, feed, api_client, make_token):
    feed.down = True
    response = api_client.get(ME, **bearer(make_token("alice")))
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    assert response.json()["detail"].startswith("Service unavailable - revoked sessions cannot be checked")


def test_a_wrong_feed_secret_is_a_failed_read(settings, feed, api_client, make_token):
    settings.AUTHN = {**settings.AUTHN, "REVOCATION_FEED_SECRET": "another-secret-entirely-0123456789abcdef"}
    assert api_client.get(ME, **bearer(make_token("alice"))).status_code == 503
    assert feed.refused >= 1


def test_readyz_reports_the_feed(feed, api_client):
    response = api_client.get("/readyz")
    assert response.json()["checks"]["revocations"] == "ok"


def test_readyz_is_503_while_the_feed_cannot_be_read(feed, api_client):
    feed.down = True
    response = api_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["revocations"] == "unavailable"


@pytest.mark.django_db(transaction=True)
def test_a_deleted_users_tasks_go_and_no_new_one_slips_in(feed, api_client, make_token):
    TaskFactory.create_batch(3, user_id="carol")
    TaskFactory(user_id="dave")
    token = make_token("carol", sid="s7")
    assert api_client.get(ME, **bearer(token)).status_code == 200  # the process is now polling
    feed.delete_user("carol")
    assert no_tasks_left_within("carol", 2)
    assert not TaskCount.objects.filter(user_id="carol").exists()
    assert Task.objects.filter(user_id="dave").count() == 1
    assert DeletedUser.objects.filter(user_id="carol").exists()
    # A token issued later for the deleted id (never from Better Auth, but the API must not care):
    later = make_token("carol", sid="s8", iat=int(time.time()) + 2)
    response = api_client.post("/api/carol/tasks", {"title": "after deletion"}, format="json", **bearer(later))
    assert response.status_code == 401
    assert not Task.objects.filter(user_id="carol").exists()


def test_the_feed_is_polled_by_a_thread_of_its_own(feed, api_client, make_token):
    api_client.get(ME, **bearer(make_token("alice")))
    before = len(feed.events)
    time.sleep(0.35)
    assert get_revocation_feed().staleness < 0.35  # polled meanwhile without any request
    assert len(feed.events) == before
