"""authn inside this project: its refusals in the API's error shape, on the task endpoints, with the shared counters.

authn's own suite (authn/tests) proves the refusals themselves against a minimal
project; these prove what this project adds around them: the JSON error body of
api.exceptions, the task routes, the database counter cache, the branded
browsable API with its forms.
"""

from urllib.parse import quote

import pytest

from authn import TOKEN_COOKIE_NAME

INVALID = 'Bearer realm="api", error="invalid_token"'


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", **extra}


@pytest.mark.django_db
def test_a_refused_token_is_the_apis_json_error_on_every_task_endpoint(api_client, make_token):
    token = make_token("alice", exp=1)
    for method, path in [
        ("get", "/api/me"),
        ("get", "/api/alice/tasks"),
        ("post", "/api/alice/tasks"),
        ("get", "/api/alice/tasks/1"),
        ("delete", "/api/alice/tasks/1"),
    ]:
        response = getattr(api_client, method)(path, {}, format="json", **bearer(token))
        assert response.status_code == 401, (method, path)
        assert response["WWW-Authenticate"].startswith(INVALID)
        assert response.json() == {
            "detail": "Unauthorized - Invalid or expired token",
            "status_code": 401,
            "error_type": "authentication_error",
        }


@pytest.mark.django_db
@pytest.mark.parametrize("sub", ["alice/tasks", "alice\n", "a" * 256])
def test_a_subject_that_cannot_be_a_user_id_is_401_on_the_task_routes(sub, api_client, make_token):
    tasks = f"/api/{quote(sub, safe='')}/tasks"
    for method, path in [("get", tasks), ("post", tasks), ("get", f"{tasks}/1")]:
        response = getattr(api_client, method)(path, {"title": "x"}, format="json", **bearer(make_token(sub)))
        assert response.status_code == 401, (method, path)


def test_an_unreachable_key_set_is_the_apis_json_503(settings, api_client, make_token):
    settings.AUTHN = {
        "BETTER_AUTH_URL": "http://auth.test",
        "JWKS_URL": "http://127.0.0.1:9/jwks",
        "JWKS_TIMEOUT_SECONDS": 1,
    }
    response = api_client.get("/api/me", **bearer(make_token("alice")))
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    assert (response.json()["status_code"], response.json()["error_type"]) == (503, "service_unavailable")


def test_a_broken_authn_configuration_is_a_json_500_not_an_open_door(settings, make_token):
    from rest_framework.test import APIClient

    settings.AUTHN = {"BETTER_AUTH_URL": "", "SECRET": "too-short"}
    client = APIClient(raise_request_exception=False)
    response = client.get("/api/me", **bearer(make_token("alice", alg="HS256")))
    assert response.status_code == 500
    assert response.json()["error_type"] == "server_error"


@pytest.mark.django_db
def test_the_failure_budget_counts_in_the_database_cache_and_answers_the_apis_429(settings, api_client, make_token):
    settings.CACHES = {**settings.CACHES, "ratelimit": {"BACKEND": "api.counter_cache.DatabaseCounterCache"}}
    settings.AUTHN = {**settings.AUTHN, "FAILURE_RATE": "2/m"}
    expired = make_token("mallory", exp=1)
    statuses = [api_client.get("/api/me", **bearer(expired, REMOTE_ADDR="203.0.113.9")).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    refused = api_client.get("/api/me", **bearer(make_token("alice"), REMOTE_ADDR="203.0.113.9"))
    assert (refused.status_code, refused.json()["error_type"]) == (429, "rate_limited")
    assert api_client.get("/api/me", **bearer(make_token("bob"), REMOTE_ADDR="198.51.100.1")).status_code == 200


@pytest.mark.django_db
def test_a_pasted_token_lets_the_browsable_form_create_a_task(make_token):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.get("/api/me", HTTP_ACCEPT="text/html")
    csrf = browser.cookies["csrftoken"].value
    stored = browser.post(
        "/api-auth/token", {"token": make_token("alice"), "next": "/api/alice/tasks", "csrfmiddlewaretoken": csrf}
    )
    assert stored.status_code == 302 and TOKEN_COOKIE_NAME in stored.cookies
    created = browser.post(
        "/api/alice/tasks", {"title": "from the form", "csrfmiddlewaretoken": csrf}, HTTP_ACCEPT="text/html"
    )
    assert created.status_code == 201
    listed = browser.get("/api/alice/tasks", HTTP_ACCEPT="application/json")
    assert listed.status_code == 401  # JSON clients need the header: the cookie is for pages only
