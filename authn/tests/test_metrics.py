"""The counters move when the thing they count happens (AUTHN["METRICS"]), and nothing is measured when off."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from prometheus_client import REGISTRY

from authn.checks import find_problems
from authn.errors import KeySourceUnavailable
from authn.keys import RemoteKeySource
from authn.prometheus import PrometheusObserver
from authn.runtime import get_observer, get_verifier

from .fakes import NOW, FakeFeed, feed_polled_by_hand, session_revoked, user_event
from .test_keys import http_server, jwks_document  # noqa: F401 (fixtures: a loopback JWKS server)

ME = "/api/me"


@pytest.fixture
def metrics_on(settings, authn_settings):
    settings.AUTHN = {**authn_settings, "METRICS": True}


def sample(name: str, **labels: str) -> float:
    """The metric's value now, with this process's per-request tallies added first."""
    observer = get_observer()
    if observer is not None:
        observer.flush()
    return REGISTRY.get_sample_value(name, labels) or 0.0


def change(name: str, action: Callable[[], object], **labels: str) -> float:
    before = sample(name, **labels)
    action()
    return sample(name, **labels) - before


def test_off_by_default_nothing_observes(api_client, make_token):
    assert get_observer() is None
    assert get_verifier().observer is None
    assert api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}").status_code == 200


def test_on_without_prometheus_client_is_a_configuration_error(settings, authn_settings, monkeypatch):
    settings.AUTHN = {**authn_settings, "METRICS": True}
    monkeypatch.setattr("authn.checks.find_spec", lambda name: None)
    monkeypatch.setattr("authn.runtime.find_spec", lambda name: None)
    assert "authn.E016" in [p.id for p in find_problems()]
    assert get_observer() is None  # tokens are still verified, unmeasured


def test_metrics_must_be_true_or_false(settings, authn_settings):
    settings.AUTHN = {**authn_settings, "METRICS": "yes"}
    assert "authn.E011" in [p.id for p in find_problems()]


@pytest.mark.usefixtures("metrics_on")
def test_a_verified_token_counts_once_per_request_with_its_cache_miss_then_hits(api_client, make_token):
    token = make_token("alice")

    def call() -> None:
        assert api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    before = {
        "verified": sample("authn_tokens_verified_total"),
        "miss": sample("authn_token_cache_lookups_total", result="miss"),
        "hit": sample("authn_token_cache_lookups_total", result="hit"),
    }
    for _ in range(3):
        call()
    assert sample("authn_tokens_verified_total") - before["verified"] == 3
    assert sample("authn_token_cache_lookups_total", result="miss") - before["miss"] == 1
    assert sample("authn_token_cache_lookups_total", result="hit") - before["hit"] == 2


@pytest.mark.usefixtures("metrics_on")
@pytest.mark.parametrize(
    ("claims", "reason"),
    [({"exp": int(time.time()) - 60}, "expired"), ({"iss": "https://elsewhere.test"}, "issuer")],
)
def test_a_refused_token_counts_under_its_reason(api_client, make_token, claims, reason):
    token = make_token("alice", **claims)
    before_verified = sample("authn_tokens_verified_total")
    moved = change(
        "authn_tokens_refused_total",
        lambda: api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}"),
        reason=reason,
    )
    assert moved == 1
    assert sample("authn_tokens_verified_total") == before_verified


@pytest.mark.usefixtures("metrics_on")
def test_a_forged_signature_counts_as_signature(api_client, make_token):
    header, payload, _ = make_token("alice").split(".")
    forged = f"{header}.{payload}.{make_token('bob').split('.')[2]}"
    before_verified = sample("authn_tokens_verified_total")
    moved = change(
        "authn_tokens_refused_total",
        lambda: api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {forged}"),
        reason="signature",
    )
    assert moved == 1
    assert sample("authn_tokens_verified_total") == before_verified


@pytest.mark.usefixtures("metrics_on")
def test_a_spent_failure_budget_counts_as_rate_limited(settings, api_client):
    settings.AUTHN = {**settings.AUTHN, "FAILURE_RATE": "1/m"}

    def calls() -> None:
        statuses = [api_client.get(ME, HTTP_AUTHORIZATION="Bearer x.y.z").status_code for _ in range(3)]
        assert statuses == [401, 429, 429]

    assert change("authn_rate_limited_total", calls, limit="failed_authentications") == 2


def test_key_set_fetches_count_ok_and_failed_with_their_duration(http_server):  # noqa: F811
    observer = PrometheusObserver()
    try:

        def source(url: str) -> RemoteKeySource:
            return RemoteKeySource(
                url, cache_seconds=300, max_stale_seconds=900, cooldown_seconds=0, timeout_seconds=1, observer=observer
            )

        durations = lambda: sample("authn_jwks_fetch_seconds_count")  # noqa: E731
        before = durations()
        ok = change("authn_jwks_fetches_total", lambda: source(http_server + "/jwks").ensure_loaded(), result="ok")
        assert ok == 1

        def failing() -> None:
            with pytest.raises(KeySourceUnavailable):
                source(http_server + "/error").ensure_loaded()

        assert change("authn_jwks_fetches_total", failing, result="failed") == 1
        assert durations() - before == 2
    finally:
        observer.stop()


def test_revocations_applied_count_by_type_and_their_lag_is_observed_after_the_first_read():
    observer = PrometheusObserver()
    source, wall = FakeFeed(), [float(NOW)]
    feed = feed_polled_by_hand(source, wall_clock=lambda: wall[0], observer=observer)
    try:
        lags = lambda: sample("authn_revocation_lag_seconds_count")  # noqa: E731
        under_two = lambda: sample("authn_revocation_lag_seconds_bucket", le="2.0")  # noqa: E731
        before = lags(), under_two()
        source.events = [session_revoked(1, "s1", at=NOW - 600)]
        assert change("authn_revocations_applied_total", feed.poll, type="session.revoked") == 1
        assert lags() == before[0]  # the first read's backlog is not a lag
        source.events.append(user_event(2, "user.deleted", "bob", at=NOW))
        wall[0] = NOW + 1.5
        assert change("authn_revocations_applied_total", feed.poll, type="user.deleted") == 1
        assert (lags(), under_two()) == (before[0] + 1, before[1] + 1)
        assert sample("authn_revocation_lag_seconds_sum") >= 1.5
    finally:
        observer.stop()


def test_the_revocations_a_process_holds_and_the_most_it_may_are_gauges():
    observer = PrometheusObserver()
    source = FakeFeed()
    feed = feed_polled_by_hand(source, observer=observer, max_held=3)
    try:
        source.events = [session_revoked(1, "s1"), user_event(2, "user.revoked", "bob")]
        feed.poll()
        assert sample("authn_revocations_held") == 2
        assert sample("authn_revocations_held_limit") == 3
        source.events += [session_revoked(3, "s3"), session_revoked(4, "s4")]
        assert feed.poll()  # full at the fourth: traded for a cutoff; the alert on held / limit fires before
        assert sample("authn_revocations_held") == 1
    finally:
        observer.stop()


def test_per_request_counts_reach_prometheus_without_a_scrape():
    observer = PrometheusObserver(flush_seconds=0.05)
    try:
        before = REGISTRY.get_sample_value("authn_tokens_verified_total") or 0.0
        for _ in range(5):
            observer.token_verified()
        deadline = time.monotonic() + 5
        while (REGISTRY.get_sample_value("authn_tokens_verified_total") or 0.0) - before < 5:
            assert time.monotonic() < deadline, "the background flush never came"
            time.sleep(0.02)
    finally:
        observer.stop()
