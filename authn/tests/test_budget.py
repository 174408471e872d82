"""The failed-authentication budget per client address: counted on every refusal, checked before verifying."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from authn import budget as budget_module
from authn.browsable import COOKIE_NAME
from authn.budget import GOOD_STANDING_SECONDS, FailureBudget
from authn.verifier import TokenVerifier

ME = "/api/me"
ATTACKER = "203.0.113.9"
BYSTANDER = "198.51.100.1"


@pytest.fixture
def budget_of(settings):
    def set_rate(rate: str) -> None:
        settings.AUTHN = {**settings.AUTHN, "FAILURE_RATE": rate}

    return set_rate


@pytest.fixture
def verifications(monkeypatch):
    """How often a token was verified in full (signature and claims), not answered from the cache."""
    calls = []
    original = TokenVerifier.verify_anew

    def counted(self, token):
        calls.append(token)
        return original(self, token)

    monkeypatch.setattr(TokenVerifier, "verify_anew", counted)
    return calls


@pytest.fixture
def shared_reads(monkeypatch):
    """The failure budget's reads and writes of the shared counter."""
    calls = []
    original = budget_module.get_usage

    def counted(request, **kwargs):
        calls.append(kwargs["increment"])
        return original(request, **kwargs)

    monkeypatch.setattr(budget_module, "get_usage", counted)
    return calls


def assert_spent(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "WWW-Authenticate" not in response  # no verdict on the token
    body = response.json()
    assert (body["status_code"], body["error_type"]) == (429, "rate_limited")


def bearer(token: str, address: str = ATTACKER) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "REMOTE_ADDR": address}


def test_a_spent_budget_refuses_every_credential_unverified(budget_of, api_client, make_token, verifications):
    budget_of("2/m")
    expired = make_token("mallory", exp=1)
    assert [api_client.get(ME, **bearer(expired)).status_code for _ in range(2)] == [401, 401]
    assert_spent(api_client.get(ME, **bearer(expired)))  # the third refusal spends it: its verdict is withheld
    verified = len(verifications)
    assert_spent(api_client.get(ME, **bearer(make_token("mallory", exp=2))))
    assert_spent(api_client.get(ME, **bearer(make_token("alice"))))  # a valid token too: a budget per address
    assert len(verifications) == verified  # refused without the verifier running
    # Another address is in good standing.
    assert api_client.get(ME, **bearer(expired, BYSTANDER)).status_code == 401
    assert api_client.get(ME, **bearer(make_token("bob"), BYSTANDER)).status_code == 200


def test_a_token_verified_before_costs_no_shared_read(budget_of, api_client, make_token, shared_reads):
    budget_of("2/m")
    token = make_token("alice")
    assert api_client.get(ME, **bearer(token)).status_code == 200
    assert shared_reads == [False]  # its first verification asked the shared count once
    for _ in range(5):
        assert api_client.get(ME, **bearer(token)).status_code == 200
    assert shared_reads == [False]


def test_a_token_not_seen_before_reads_the_count_at_most_once_a_second(budget_of, api_client, make_token, shared_reads):
    budget_of("100/m")
    for n in range(5):
        assert api_client.get(ME, **bearer(make_token("alice", email=f"a{n}@example.com"))).status_code == 200
    assert shared_reads == [False]


@pytest.mark.parametrize(
    "credential",
    [
        "Basic YWxpY2U6cGFzc3dvcmQ=",  # another scheme
        "Bearer",  # no token
        "Bearer a b",  # two tokens
        "Bearer not-a-jwt",
    ],
)
def test_every_refused_credential_counts(credential, budget_of, api_client):
    budget_of("1/m")
    api_client.get(ME, HTTP_AUTHORIZATION=credential, REMOTE_ADDR=ATTACKER)
    assert_spent(api_client.get(ME, HTTP_AUTHORIZATION=credential, REMOTE_ADDR=ATTACKER))


def test_a_token_refused_with_503_counts_too(settings, api_client, make_token):
    settings.AUTHN = {
        "BETTER_AUTH_URL": "http://auth.test",
        "JWKS_URL": "http://127.0.0.1:9/api/auth/jwks",  # nothing listens on the discard port
        "JWKS_TIMEOUT_SECONDS": 1,
        "FAILURE_RATE": "2/m",
    }
    statuses = [api_client.get(ME, **bearer(make_token("alice"))).status_code for _ in range(2)]
    assert statuses == [503, 503]
    assert_spent(api_client.get(ME, **bearer(make_token("alice"))))


def test_the_header_the_cookie_and_the_token_form_share_one_budget(budget_of, client, make_token):
    budget_of("2/m")
    expired = make_token("mallory", exp=1)
    assert client.get(ME, **bearer(expired)).status_code == 401
    client.cookies[COOKIE_NAME] = expired
    assert client.get(ME, HTTP_ACCEPT="text/html", REMOTE_ADDR=ATTACKER).status_code == 401
    del client.cookies[COOKIE_NAME]
    refused = client.post("/api-auth/token", {"token": expired}, REMOTE_ADDR=ATTACKER)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "expired" not in refused.content.decode()  # no verdict past the budget
    assert client.post("/api-auth/token", {"token": make_token("alice")}, REMOTE_ADDR=ATTACKER).status_code == 429
    assert_spent(client.get(ME, **bearer(make_token("alice"))))


def test_the_token_form_answers_the_reason_while_the_budget_lasts(budget_of, client, make_token):
    budget_of("5/m")
    refused = client.post("/api-auth/token", {"token": make_token("mallory", exp=1)}, REMOTE_ADDR=ATTACKER)
    assert refused.status_code == 400
    assert refused.content.decode() == "Token refused: The token has expired."


# The budget itself: what one process remembers, and what reaches the others


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def request_from(address: str):
    return RequestFactory().get(ME, REMOTE_ADDR=address)


def test_a_block_reaches_another_process_within_the_good_standing_memory():
    clock = Clock()
    here, there = FailureBudget("2/m", clock=clock), FailureBudget("2/m", clock=clock)
    attacker = request_from(ATTACKER)
    assert there.check(attacker) is None  # in good standing, remembered for a moment
    assert [here.charge(attacker) for _ in range(2)] == [None, None]
    assert here.charge(attacker) is not None
    assert there.check(attacker) is None  # still remembered in good standing
    clock.now += GOOD_STANDING_SECONDS
    assert there.check(attacker) is not None  # read the shared count: spent
    assert there.blocked(attacker) is not None  # and remembered: no shared read until the window ends


def test_the_memory_of_addresses_is_bounded(monkeypatch):
    monkeypatch.setattr(budget_module, "MAX_REMEMBERED_ADDRESSES", 10)
    budget = FailureBudget("1000/m")
    for n in range(100):
        budget.check(request_from(f"10.0.0.{n}"))
    assert len(budget._good_until) <= 10
