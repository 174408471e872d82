"""The OpenAPI document has exactly the API's endpoints (docs/api.md), and its viewers are served without a CDN."""

import pytest
import yaml

# The endpoints docs/api.md documents (test_docs.py checks the page against the schema, heading by heading).
CONTRACT_ENDPOINTS = {
    ("get", "/api/{user_id}/tasks"),
    ("post", "/api/{user_id}/tasks"),
    ("get", "/api/{user_id}/tasks/{id}"),
    ("put", "/api/{user_id}/tasks/{id}"),
    ("patch", "/api/{user_id}/tasks/{id}"),
    ("delete", "/api/{user_id}/tasks/{id}"),
    ("patch", "/api/{user_id}/tasks/{id}/complete"),
    ("get", "/api/me"),
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_has_exactly_the_contracts_endpoints(schema):
    documented = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented == CONTRACT_ENDPOINTS


def test_every_endpoint_requires_the_bearer_scheme(schema):
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A Better Auth JWT (GET {BETTER_AUTH_URL}/api/auth/token).",
    }
    for operations in schema["paths"].values():
        for operation in operations.values():
            assert operation["security"] == [{"bearerAuth": []}]


def test_error_responses_use_the_contract_shape(schema):
    tasks = schema["paths"]["/api/{user_id}/tasks/{id}"]
    for status in ("400", "401", "403", "404", "429"):
        content = tasks["put"]["responses"][status]["content"]["application/json"]["schema"]
        assert content == {"$ref": "#/components/schemas/Error"}
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "status_code", "error_type"}


def test_the_list_documents_filters_paging_and_headers(schema):
    listing = schema["paths"]["/api/{user_id}/tasks"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"status", "search", "ordering", "limit", "offset", "after"} <= names
    ok = listing["responses"]["200"]
    assert set(ok["headers"]) == {"X-Total-Count", "Link"}
    # The reader's words, not a method docstring about how the view reads its rows.
    assert "X-Total-Count" in listing["description"] and "QuerySet" not in listing["description"]
    body = ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][body] == {"type": "array", "items": {"$ref": "#/components/schemas/Task"}}
    assert "Location" in schema["paths"]["/api/{user_id}/tasks"]["post"]["responses"]["201"]["headers"]


def test_the_total_header_is_a_number_or_a_lower_bound(schema):
    header = schema["paths"]["/api/{user_id}/tasks"]["get"]["responses"]["200"]["headers"]["X-Total-Count"]
    assert header["schema"] == {"type": "string", "pattern": "^[0-9]+\\+?$"}
    assert "1000+" in header["description"] and "more than 1000" in header["description"]


def test_the_schema_is_served_as_json_too(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_viewers_load_their_assets_locally(client, path):
    page = client.get(path).content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn." not in page
