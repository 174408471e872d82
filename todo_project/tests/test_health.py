"""Liveness and readiness, with no authentication."""

import pytest


def test_healthz_needs_nothing(api_client):
    response = api_client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.django_db
def test_readyz_reports_each_dependency(api_client):
    response = api_client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "jwks": "ok", "cache": "ok"}}


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
        "ratelimit": {"BACKEND": "todo_project.counter_cache.FailoverRedisCache", "LOCATION": "redis://127.0.0.1:9/0"},
    }
    response = api_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "unavailable"


def test_health_is_not_in_the_openapi_document(api_client, db):
    assert b"healthz" not in api_client.get("/api/schema/").content
