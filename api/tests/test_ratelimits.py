"""Rate limits per user, counters shared by processes, Redis outages survived (failures: authn/tests/test_budget.py)."""

from __future__ import annotations

import logging
import threading

import pytest
from django.core.cache import caches
from django.db import close_old_connections, connection

from api.counter_cache import DatabaseCounterCache, FailoverRedisCache
from api.proxies import resolve_forwarded_for

# A Redis database of each run's own: CI runs the SQLite and PostgreSQL suites side by side, and this test clears it.
REDIS_TEST_URL = f"redis://127.0.0.1:6379/{14 if connection.vendor == 'postgresql' else 15}"


@pytest.fixture
def limits(settings):
    def set_limits(**rates: str) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}
        if "anonymous" in rates:  # as settings.py does: the failure budget is authn's
            settings.AUTHN = {**settings.AUTHN, "FAILURE_RATE": rates["anonymous"]}

    return set_limits


def assert_rate_limited(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    body = response.json()
    assert (body["status_code"], body["error_type"]) == (429, "rate_limited")


@pytest.mark.django_db
def test_writes_have_a_budget_per_user(limits, client_for):
    limits(writes="3/m")
    alice, bob = client_for("alice"), client_for("bob")
    for n in range(3):
        assert alice.post("/api/alice/tasks", {"title": f"t{n}"}, format="json").status_code == 201
    assert_rate_limited(alice.post("/api/alice/tasks", {"title": "one too many"}, format="json"))
    assert alice.get("/api/alice/tasks").status_code == 200  # reads have their own budget
    assert bob.post("/api/bob/tasks", {"title": "bob's own budget"}, format="json").status_code == 201


def test_reads_have_a_budget_per_user(limits, client_for):
    limits(reads="2/m")
    alice = client_for("alice")
    assert [alice.get("/api/me").status_code for _ in range(2)] == [200, 200]
    assert_rate_limited(alice.get("/api/me"))


def test_health_endpoints_are_never_rate_limited(limits, api_client):
    limits(anonymous="1/m", reads="1/m")
    assert all(api_client.get("/healthz").status_code == 200 for _ in range(5))


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("127.0.0.1", "203.0.113.9", "203.0.113.9"),  # from the trusted proxy: believed
        ("127.0.0.1", "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # rightmost untrusted hop
        ("127.0.0.1", "203.0.113.9, 10.0.0.2", "203.0.113.9"),  # through two trusted proxies
        ("198.51.100.1", "203.0.113.9", "198.51.100.1"),  # a client's own header: ignored
        ("127.0.0.1", "not-an-ip", "not-an-ip"),
    ],
)
def test_the_client_address_honours_only_trusted_proxies(peer, forwarded, expected):
    import ipaddress

    networks = [ipaddress.ip_network("127.0.0.1"), ipaddress.ip_network("10.0.0.0/8")]
    assert resolve_forwarded_for(peer, forwarded, networks) == expected


def test_a_spoofed_forwarded_for_cannot_dodge_the_limit(settings, limits, api_client):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    limits(anonymous="1/m")
    api_client.get("/api/me", HTTP_AUTHORIZATION="Bearer x", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="1.1.1.1")
    again = api_client.get(
        "/api/me", HTTP_AUTHORIZATION="Bearer x", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="2.2.2.2"
    )
    assert_rate_limited(again)


# The shared counter backends


@pytest.fixture
def database_counters(settings):
    settings.CACHES = {**settings.CACHES, "ratelimit": {"BACKEND": "api.counter_cache.DatabaseCounterCache"}}
    return caches["ratelimit"]


@pytest.mark.django_db
def test_database_counters_add_get_incr_and_expire(database_counters):
    cache = database_counters
    assert cache.add("k", 1, 60) is True
    assert cache.add("k", 1, 60) is False  # a live window is not reset
    assert cache.incr("k") == 2
    assert cache.get("k") == 2
    with pytest.raises(ValueError):
        cache.incr("missing")
    assert cache.add("old", 5, -1) is True  # already expired
    assert cache.get("old") is None
    assert cache.add("old", 1, 60) is True  # an expired window is taken over


@pytest.mark.django_db
def test_a_window_this_process_saw_open_costs_one_statement_per_request(database_counters, django_assert_num_queries):
    cache = database_counters
    cache.add("window", 1, 60)
    with django_assert_num_queries(1):
        assert cache.add("window", 1, 60) is False
        assert cache.incr("window") == 2


@pytest.mark.django_db
def test_a_counter_removed_behind_the_process_starts_again_from_one(database_counters):
    cache = database_counters
    cache.add("window", 1, 60)
    cache.incr("window")
    with connection.cursor() as cursor:  # another process's clear(), or its cleanup
        cursor.execute("DELETE FROM rate_limit_counter")
    assert cache.add("window", 1, 60) is False  # still known open here
    assert cache.incr("window") == 1
    assert cache.get("window") == 1
    cache.clear()
    assert cache.add("window", 1, 60) is True  # this process's own clear() forgets it


@pytest.mark.django_db
def test_the_memory_of_open_windows_is_bounded(database_counters, monkeypatch):
    cache = database_counters
    monkeypatch.setattr(cache, "max_known_windows", 5)
    for n in range(12):
        cache.add(f"user-{n}", 1, 60)
    assert len(cache._open_until) <= 5
    assert cache.add("user-0", 1, 60) is False  # forgotten here, still open in the database


@pytest.mark.django_db
def test_the_api_enforces_a_budget_with_database_counters(database_counters, limits, client_for):
    limits(writes="2/m")
    alice = client_for("alice")
    assert [alice.post("/api/alice/tasks", {"title": "t"}, format="json").status_code for _ in range(2)] == [201, 201]
    assert_rate_limited(alice.post("/api/alice/tasks", {"title": "t"}, format="json"))


@pytest.mark.django_db
def test_database_counters_cost_no_wal_flush_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("table persistence is a PostgreSQL setting; SQLite has no WAL flush to spare")
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'rate_limit_counter'")
        assert cursor.fetchone() == ("u",)  # unlogged: a count commits without waiting for the disk
    cache = DatabaseCounterCache("", {})
    assert cache.add("unlogged", 1, 60)
    assert cache.incr("unlogged") == 2


@pytest.mark.django_db(transaction=True)
def test_database_counters_are_exact_under_concurrency():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections need PostgreSQL; SQLite serialises writers by design")
    cache = DatabaseCounterCache("", {})
    cache.add("shared", 0, 60)

    def hammer() -> None:
        for _ in range(50):
            cache.incr("shared")
        close_old_connections()
        connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert cache.get("shared") == 400


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def test_two_processes_share_one_budget_through_redis():
    if not redis_reachable():
        pytest.skip("no Redis on 127.0.0.1:6379")
    first, second = (FailoverRedisCache(REDIS_TEST_URL, {}) for _ in range(2))  # as two processes would
    first.clear()
    assert first.add("budget", 0, 60)
    assert [first.incr("budget"), second.incr("budget"), first.incr("budget")] == [1, 2, 3]
    first.clear()


def test_requests_are_served_while_redis_is_down_and_the_outage_is_logged_once(settings, client_for, caplog):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "api.counter_cache.FailoverRedisCache", "LOCATION": "redis://127.0.0.1:9/0"},
    }
    alice = client_for("alice")
    with caplog.at_level(logging.WARNING, logger="api.counter_cache"):
        statuses = [alice.get("/api/me").status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert len([r for r in caplog.records if "Redis unreachable" in r.getMessage()]) == 1


def test_limits_still_apply_per_process_while_redis_is_down(settings, limits, client_for):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "api.counter_cache.FailoverRedisCache", "LOCATION": "redis://127.0.0.1:9/0"},
    }
    limits(reads="2/m")
    alice = client_for("alice")
    assert [alice.get("/api/me").status_code for _ in range(2)] == [200, 200]
    assert_rate_limited(alice.get("/api/me"))


@pytest.mark.django_db
def test_requests_refused_403_count_against_the_users_budget(limits, client_for):
    limits(reads="3/m")
    alice = client_for("alice")
    assert [alice.get("/api/bob/tasks").status_code for _ in range(3)] == [403, 403, 403]
    assert_rate_limited(alice.get("/api/bob/tasks"))
    assert_rate_limited(alice.get("/api/alice/tasks"))


def test_unknown_api_paths_count_against_the_users_budget(limits, client_for):
    limits(reads="2/m")
    alice = client_for("alice")
    assert [alice.get("/api/nothing-here").status_code for _ in range(2)] == [404, 404]
    assert_rate_limited(alice.get("/api/nothing-here"))
    assert_rate_limited(alice.get("/api/me"))


def test_two_tokens_of_one_user_share_one_budget(limits, make_token, api_client):
    limits(reads="2/m")
    first, second = make_token("alice", email="a@example.com"), make_token("alice", email="b@example.com")
    assert first != second
    assert api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {first}").status_code == 200
    assert api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200
    assert_rate_limited(api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {first}"))


@pytest.mark.django_db
def test_options_spends_one_read_not_a_write(limits, client_for):
    """DRF's OPTIONS answer checks permissions again for a pretend POST: it must not count as a write."""
    limits(writes="2/m", reads="100/m")
    alice = client_for("alice")
    assert all(alice.options("/api/alice/tasks").status_code == 200 for _ in range(5))
    assert alice.post("/api/alice/tasks", {"title": "still within budget"}, format="json").status_code == 201
