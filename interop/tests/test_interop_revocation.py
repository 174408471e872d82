"""Sign-out that reaches the API, with the real Better Auth server: its feed, its tokens' ``sid``, its admin.

The API is configured with BETTER_AUTH_URL and the feed's secret only, as in production.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import jwt
import pytest

from authn import get_revocation_feed
from interop.better_auth import BetterAuthServer, node_available
from tasks.tests.waiting import no_tasks_left_within

if not node_available():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the Better Auth interop tests: install Node and run `make interop`.")
    pytest.skip("Node or interop/node_modules missing (run `make interop`)", allow_module_level=True)

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"
FEED_SECRET = "the-feed-has-a-secret-of-its-own-0123456789"
ADMIN = "boss@example.com"
PROMISE_SECONDS = 2.0


@pytest.fixture
def server(settings) -> Iterator[BetterAuthServer]:
    with BetterAuthServer(revocation_feed_secret=FEED_SECRET, admin_email=ADMIN) as better_auth:
        settings.AUTHN = {"BETTER_AUTH_URL": better_auth.url, "REVOCATION_FEED_SECRET": FEED_SECRET}
        yield better_auth
        feed = get_revocation_feed()
        if feed is not None:
            feed.stop()


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def seconds_until_refused(api_client, token: str) -> float:
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) < PROMISE_SECONDS:
        response = api_client.get("/api/me", **bearer(token))
        if response.status_code == 401:
            assert 'error_description="The session has ended"' in response["WWW-Authenticate"]
            return elapsed
        assert response.status_code == 200, response.content
        time.sleep(0.02)
    pytest.fail(f"the API still accepts the token {PROMISE_SECONDS} s later")


def test_better_auths_tokens_carry_the_session_they_came_from(server):
    browser = server.signed_in("ada@example.com", PASSWORD, "Ada")
    claims = jwt.decode(browser.token(), options={"verify_signature": False})
    assert claims["sid"] == browser.get("/api/auth/get-session")["session"]["id"]


def test_signing_out_ends_that_sessions_tokens_at_the_api(server, api_client):
    browser = server.signed_in("ada@example.com", PASSWORD, "Ada")
    token = browser.token()
    assert api_client.get("/api/me", **bearer(token)).status_code == 200
    browser.post("/api/auth/sign-out")
    assert seconds_until_refused(api_client, token) < PROMISE_SECONDS


def test_revoking_one_session_of_two_leaves_the_other_working(server, api_client):
    laptop = server.signed_in("ada@example.com", PASSWORD, "Ada")
    phone = server.signed_in("ada@example.com", PASSWORD)
    laptop_token, phone_token = laptop.token(), phone.token()
    phone_session = jwt.decode(phone_token, options={"verify_signature": False})["sid"]
    (listed,) = [s for s in laptop.get("/api/auth/list-sessions") if s["id"] == phone_session]
    laptop.post("/api/auth/revoke-session", {"token": listed["token"]})
    assert seconds_until_refused(api_client, phone_token) < PROMISE_SECONDS
    assert api_client.get("/api/me", **bearer(laptop_token)).status_code == 200


def test_a_banned_user_is_refused_and_others_are_not(server, api_client):
    admin = server.signed_in(ADMIN, PASSWORD, "Boss")
    bob = server.signed_in("bob@example.com", PASSWORD, "Bob")
    bob_token = bob.token()
    bob_id = jwt.decode(bob_token, options={"verify_signature": False})["sub"]
    admin.post("/api/auth/admin/ban-user", {"userId": bob_id})
    assert seconds_until_refused(api_client, bob_token) < PROMISE_SECONDS
    assert api_client.get("/api/me", **bearer(admin.token())).status_code == 200


def test_a_deleted_user_is_refused_and_their_tasks_are_gone(server, api_client):
    carol = server.signed_in("carol@example.com", PASSWORD, "Carol")
    token = carol.token()
    carol_id = jwt.decode(token, options={"verify_signature": False})["sub"]
    for title in ("one", "two"):
        created = api_client.post(f"/api/{carol_id}/tasks", {"title": title}, format="json", **bearer(token))
        assert created.status_code == 201
    carol.post("/api/auth/delete-user", {"password": PASSWORD})
    assert seconds_until_refused(api_client, token) < PROMISE_SECONDS
    assert no_tasks_left_within(carol_id, PROMISE_SECONDS)
