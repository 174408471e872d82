"""A request with no credentials at all is refused before routing, with the same 401 DRF would give."""

import pytest

NO_TOKEN_DETAIL = "Authentication credentials were not provided."


@pytest.mark.parametrize("path", ["/api/alice/tasks", "/api/alice/tasks/1", "/api/me", "/api/no-such-thing"])
def test_no_credentials_is_401_before_routing_or_any_query(api_client, path, django_assert_num_queries, db):
    with django_assert_num_queries(0):
        response = api_client.delete(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {"detail": NO_TOKEN_DETAIL, "status_code": 401, "error_type": "authentication_error"}
    assert response["X-Request-ID"]
    # Framed by its length, so the server need not chunk it.
    assert response["Content-Length"] == str(len(response.content))


def test_the_early_answer_matches_drfs(api_client):
    early = api_client.get("/api/me")
    # With an HTML Accept the request goes through DRF, which answers the JSON client the same way.
    through_drf = api_client.get("/api/me", HTTP_ACCEPT="application/json, text/html;q=0.1")
    assert early.json() == through_drf.json()
    assert early["WWW-Authenticate"] == through_drf["WWW-Authenticate"]


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_the_documentation_stays_public(api_client, path, db):
    assert api_client.get(path).status_code == 200


def test_cors_preflight_and_cross_origin_refusals_carry_cors_headers(settings, api_client):
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:3000"]
    preflight = api_client.options(
        "/api/alice/tasks",
        HTTP_ORIGIN="http://localhost:3000",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, if-match",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "if-match" in preflight["Access-Control-Allow-Headers"]
    refused = api_client.get("/api/alice/tasks", HTTP_ORIGIN="http://localhost:3000")
    assert refused.status_code == 401
    assert refused["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "X-Total-Count" in refused["Access-Control-Expose-Headers"]
