"""The failed-authentication budget per client address: counted on every refusal, checked before verifying."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from authn import budget as budget_module
from authn.browsable import COOKIE_NAME
from authn.budget import EPOCH_CHECK_SECONDS, FailureBudget
from authn.verifier import TokenVerifier

from .fakes import Clock

ME = "/api/me"
ATTACKER = "203.0.113.9"
BYSTANDER = "198.51.100.1"
SHARED = "default"  # the cache the test settings give AUTHN["FAILURE_CACHE"]


@pytest.fixture
def budget_of(settings):
    def set_rate(rate: str) -> None:
        settings.AUTHN = {**settings.AUTHN, "FAILURE_RATE": rate}

    return set_rate


@pytest.fixture
def verifications(monkeypatch):
    """How often a token was verified in full (signature and claims), not answered from the cache."""
    calls = []
    original = TokenVerifier._verify

    def counted(self, token):
        calls.append(token)
        return original(self, token)

    monkeypatch.setattr(TokenVerifier, "_verify", counted)
    return calls


@pytest.fixture
def shared_reads(monkeypatch):
    """The failure budget's reads and writes of the shared counter."""
    calls = []
    original = FailureBudget.shared_count

    def counted(self, address, *, increment):
        calls.append(increment)
        return original(self, address, increment=increment)

    monkeypatch.setattr(FailureBudget, "shared_count", counted)
    return calls


def assert_spent(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "WWW-Authenticate" not in response  # no verdict on the token
    assert response.json()["detail"].startswith("Too many failed authentications from this address.")


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


def test_an_address_in_good_standing_costs_no_shared_read(budget_of, api_client, make_token, shared_reads):
    budget_of("2/m")
    assert api_client.get(ME, **bearer(make_token("alice"))).status_code == 200
    assert shared_reads == [False]  # its first request read the shared count once
    token = make_token("alice", email="again@example.com")
    for _ in range(5):
        assert api_client.get(ME, **bearer(token)).status_code == 200
    assert api_client.get(ME, **bearer(make_token("bob"))).status_code == 200
    assert shared_reads == [False]  # neither a token seen before nor a new one reads it again


def forged(token: str) -> str:
    """The token with its signature replaced: as a client without the key could make it."""
    header, payload, _ = token.split(".")
    return f"{header}.{payload}.{'A' * 86}"  # 64 bytes, an Ed25519 signature's length


def test_behind_one_address_an_attacker_does_not_lock_out_a_token_already_verified(
    budget_of, api_client, make_token, verifications, caplog
):
    """The NAT case: an attacker and a person share one public address.

    The person's token, verified here before the attacker spent the address's
    budget, keeps working; a token never verified here (the person's next one
    included) is refused with 429 unverified, as the attacker's are, since
    telling it from a forged one would take the verification the budget saves.
    """
    budget_of("3/m")
    known = make_token("alice")
    assert api_client.get(ME, **bearer(known)).status_code == 200  # verified, and remembered
    assert [api_client.get(ME, **bearer("not-a-jwt")).status_code for _ in range(3)] == [401, 401, 401]
    assert_spent(api_client.get(ME, **bearer("not-a-jwt")))  # the attacker has spent the address's budget
    verified = len(verifications)
    for _ in range(3):
        answer = api_client.get(ME, **bearer(known))
        assert answer.status_code == 200
        assert answer.json()["id"] == "alice"
    assert api_client.get("/api/alice/tasks", **bearer(known)).status_code != 429
    caplog.set_level(logging.INFO, "authn.audit")
    caplog.clear()
    assert_spent(api_client.get(ME, **bearer(make_token("alice", email="new@example.com"))))  # never verified
    assert_spent(api_client.get(ME, **bearer(forged(known))))  # a forged signature over the same claims
    assert_spent(api_client.get(ME, **bearer(make_token("mallory", alg="HS256"))))
    assert_spent(api_client.get(ME, **bearer("not-a-jwt")))
    assert len(verifications) == verified  # past the budget, nothing was verified in full
    limited = [r for r in caplog.records if r.name == "authn.audit" and "rate-limited" in r.getMessage()]
    assert len(limited) == 4  # each refusal is still reported
    assert api_client.get(ME, **bearer(known)).status_code == 200
    assert api_client.get(ME, **bearer(known, BYSTANDER)).status_code == 200  # from another address too


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


def request_from(address: str):
    return RequestFactory().get(ME, REMOTE_ADDR=address)


@pytest.fixture(params=["default", "database"])
def shared_counters(request) -> str:
    """The cache holding the shared counts: this process's memory (as in every other test), or the database."""
    return request.param


@pytest.mark.django_db
def test_a_block_reaches_another_process_within_a_second(shared_counters):
    """Two processes' budgets over one shared count: the other one learns of the block through the epoch."""
    clock = Clock()
    here, there = (FailureBudget("2/m", cache_alias=shared_counters, clock=clock) for _ in range(2))
    attacker = request_from(ATTACKER)
    assert there.check(attacker) is None  # in good standing: remembered, no shared read from now on
    assert [here.charge(attacker) for _ in range(2)] == [None, None]
    assert here.charge(attacker) is not None  # spent, through the other process
    assert here.check(attacker) is not None
    assert there.check(attacker) is None  # not yet looked at the epoch again
    clock.now += EPOCH_CHECK_SECONDS
    assert there.check(attacker) is not None  # the epoch moved: read the shared count, spent
    assert there.check(request_from(BYSTANDER)) is None  # others stay in good standing after one read


@pytest.mark.django_db
def test_an_address_refused_here_reads_the_shared_count_on_its_next_request(shared_counters):
    """Failures spread over two processes: the one that did not see the last one still refuses at once."""
    clock = Clock()
    here, there = (FailureBudget("2/m", cache_alias=shared_counters, clock=clock) for _ in range(2))
    attacker = request_from(ATTACKER)
    assert there.charge(attacker) is None  # refused there, under the budget
    assert here.charge(attacker) is None
    assert here.charge(attacker) is not None  # spent here
    assert there.check(attacker) is not None  # no second of staleness: it was refused there, so it asks


def test_the_window_ending_lets_the_address_in_again():
    clock = Clock()
    budget = FailureBudget("1/s", cache_alias=SHARED, clock=clock)
    attacker = request_from(ATTACKER)
    budget.charge(attacker)
    wait = budget.charge(attacker)
    assert wait == 1
    clock.now += wait
    caches[SHARED].clear()  # the shared window is over too
    assert budget.check(attacker) is None


def test_the_memory_of_addresses_is_bounded(monkeypatch):
    monkeypatch.setattr(budget_module, "MAX_REMEMBERED_ADDRESSES", 10)
    budget = FailureBudget("1/m")
    for n in range(100):
        address = request_from(f"10.0.0.{n}")
        budget.check(address)
        budget.charge(address)
        budget.charge(address)
    assert len(budget._in_good_standing) <= 10
    assert len(budget._blocked_until) <= 10


def test_a_revocation_feed_outage_does_not_spend_the_budget_of_valid_tokens(settings, api_client, make_token):
    # Unlike an unknown kid during a key set outage (above), this token's signature
    # has been verified: it is no forged credential. A person retrying a valid token
    # through a feed outage must not be locked out with 429 "Too many failed
    # authentications" (on every instance sharing the counter) once the feed is back.
    settings.AUTHN = {
        **settings.AUTHN,
        "REVOCATION_FEED_SECRET": "f" * 32,
        "REVOCATION_FEED_URL": "http://127.0.0.1:9/api/auth/revocations",  # nothing listens on the discard port
        "FAILURE_RATE": "3/m",
    }
    token = make_token("alice", sid="s1")
    statuses = [api_client.get(ME, **bearer(token)).status_code for _ in range(5)]
    assert statuses == [503] * 5
