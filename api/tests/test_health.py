"""Liveness and readiness, with no authentication."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from api import health


def test_healthz_needs_nothing(api_client):
    response = api_client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.django_db
def test_readyz_reports_each_dependency(api_client):
    response = api_client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "jwks": "ok", "cache": "ok", "revocations": "off"},
    }


@pytest.mark.django_db
def test_readyz_is_503_when_the_key_set_cannot_be_loaded(settings, api_client):
    settings.AUTHN = {"BETTER_AUTH_URL": "http://127.0.0.1:9", "JWKS_TIMEOUT_SECONDS": 0.5}
    response = api_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["jwks"] == "unavailable"


@pytest.mark.django_db
def test_readyz_is_503_when_redis_is_down(settings, api_client):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "api.counter_cache.FailoverRedisCache", "LOCATION": "redis://127.0.0.1:9/0"},
    }
    response = api_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "unavailable"


def test_health_is_not_in_the_openapi_document(api_client, db):
    assert b"healthz" not in api_client.get("/api/schema/").content


@pytest.fixture
def clock(monkeypatch):
    """A clock for /readyz that moves only when the test moves it, starting with nothing checked yet."""
    now = [1000.0]
    monkeypatch.setattr(health, "monotonic", lambda: now[0])
    health._readiness.forget()
    return now


@pytest.fixture
def check_calls(monkeypatch):
    """Each dependency check replaced by one that counts its calls; ``fail`` makes the database one fail."""
    calls = {name: 0 for name in health.CHECKS}
    state = {"fail": False}

    def counted(name):
        def check():
            calls[name] += 1
            if name == "database" and state["fail"]:
                raise ConnectionError("down")

        return check

    for name in calls:
        monkeypatch.setitem(health.CHECKS, name, counted(name))
    return calls, state


@pytest.mark.django_db
def test_a_flood_of_readyz_costs_one_database_query_a_second(api_client, clock):
    with CaptureQueriesContext(connection) as queries:
        responses = [api_client.get("/readyz") for _ in range(20)]
    assert {response.status_code for response in responses} == {200}
    assert len(queries) == 1
    clock[0] += 0.99
    with CaptureQueriesContext(connection) as queries:
        api_client.get("/readyz")
    assert len(queries) == 0
    clock[0] += 0.01
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get("/readyz").status_code == 200
    assert len(queries) == 1


def test_each_dependency_is_checked_at_most_once_a_second(api_client, clock, check_calls):
    calls, _ = check_calls
    for second in range(3):
        for _ in range(10):
            assert api_client.get("/readyz").status_code == 200
        assert calls == {"database": second + 1, "jwks": second + 1, "cache": second + 1, "revocations": second + 1}
        clock[0] += 1


def test_an_outage_is_reported_until_the_next_check_sees_it_end(api_client, clock, check_calls):
    calls, state = check_calls
    state["fail"] = True
    assert api_client.get("/readyz").json()["checks"]["database"] == "unavailable"
    state["fail"] = False
    assert api_client.get("/readyz").status_code == 503  # the same second: the same answer
    clock[0] += 1
    assert api_client.get("/readyz").status_code == 200
    assert calls["database"] == 2


def test_requests_arriving_during_a_check_wait_for_its_result(monkeypatch, check_calls):
    calls, _ = check_calls
    health._readiness.forget()
    database = health.CHECKS["database"]

    def slow():
        time.sleep(0.2)  # long enough for every thread to arrive while the first checks
        database()

    monkeypatch.setitem(health.CHECKS, "database", slow)
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda _: Client().get("/readyz").status_code, range(4)))
    assert statuses == [200] * 4
    assert calls["database"] == 1


@pytest.mark.django_db
def test_warm_up_runs_the_readiness_checks_and_the_next_probe_reuses_them(clock, api_client):
    """gunicorn's post_worker_init (deploy/gunicorn.conf.py) calls it before a worker's first accept."""
    with CaptureQueriesContext(connection) as warming:
        states = health.warm_up()
    assert dict(states) == {"database": "ok", "jwks": "ok", "cache": "ok", "revocations": "off"}
    assert any("SELECT 1" in query["sql"] for query in warming.captured_queries)
    with CaptureQueriesContext(connection) as probe:
        assert api_client.get("/readyz").status_code == 200
    assert not [q for q in probe.captured_queries if "SELECT 1" in q["sql"]]  # within a second: the warm-up's result
