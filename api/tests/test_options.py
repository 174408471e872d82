"""OPTIONS on every page of the URLconf: DRF's metadata in JSON, or the contract's 405, never a 500.

The pages are read from the URLconf itself, so a page added later is tested
here without anyone listing it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve

# A value for each path parameter the URLconf has; a new one fails below, asking to be added here.
SAMPLE_VALUES = {
    "user_id": "alice",
    "pk": "1",
    "object_id": "1",
    "content_type_id": "1",
    "id": "1",
    "app_label": "tasks",
    "url": "no-such-admin-page",
}
_ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")


def _sample(name: str) -> str:
    if name not in SAMPLE_VALUES:
        pytest.fail(f"the URLconf has a path parameter {name!r}: add a sample value to SAMPLE_VALUES")
    return SAMPLE_VALUES[name]


def _example(pattern: str) -> str:
    """A concrete path for one route (``<int:pk>``) or regular expression (``(?P<pk>[0-9]+)``)."""
    path = _REGEX_GROUP.sub(lambda m: _sample(m.group(1)), pattern)
    path = _ROUTE_PARAMETER.sub(lambda m: _sample(m.group(1)), path)
    return path.removeprefix("^").removesuffix("$").removesuffix("\\Z")


def _pages(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _pages(entry.url_patterns, prefix + _example(str(entry.pattern)))
        else:
            yield "/" + prefix + _example(str(entry.pattern)), entry


PAGES = list(_pages(get_resolver().url_patterns))


def test_every_page_has_an_example_path_that_reaches_it():
    assert len(PAGES) > 20  # the admin's pages included
    for path, pattern in PAGES:
        assert resolve(path).func is pattern.callback, path


def assert_json_error(response, status_code: int) -> None:
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status_code"] == status_code
    assert {"detail", "status_code", "error_type"} <= set(body)


@pytest.mark.django_db
@pytest.mark.parametrize("authorization", ["none", "valid token", "staff session"])
@pytest.mark.parametrize(("path", "pattern"), PAGES, ids=[path for path, _ in PAGES])
def test_options_is_json_metadata_or_a_json_405(path, pattern, authorization, client, make_token, caplog, request):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {make_token('alice')}"} if authorization == "valid token" else {}
    if authorization == "staff session":  # signed in to the admin: its pages would render for OPTIONS as for GET
        client = request.getfixturevalue("admin_client")
    with caplog.at_level(logging.ERROR):
        response = client.options(path, **headers)
    assert response.status_code < 500, response.content[:300]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert response["Content-Type"] == "application/json", (response.status_code, response.content[:300])
    if response.status_code == 200:
        metadata = response.json()
        assert {"name", "renders", "parses"} <= set(metadata)  # DRF's metadata
    elif response.status_code == 405:
        assert_json_error(response, 405)
        allowed = {method.strip() for method in response["Allow"].split(",")}
        assert allowed
        assert "OPTIONS" not in allowed
    else:
        # 401 without a token; 404 where the page hides from strangers (/metrics) or is none (an unknown path)
        assert response.status_code in (401, 404)
        assert_json_error(response, response.status_code)


def test_options_on_the_documentation_runs_no_view(client):
    """The Swagger UI's page answered OPTIONS with a 500 and a traceback: its template needs what GET gives it."""
    for path in ("/api/docs/", "/api/redoc/", "/api/schema/"):
        response = client.options(path)
        assert response.status_code == 405
        assert_json_error(response, 405)
        assert response["Allow"] == "GET, HEAD"
        assert response.json()["error_type"] == "method_not_allowed"


def test_options_on_the_api_is_drf_metadata(client, make_token):
    response = client.options("/api/alice/tasks", HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}")
    assert response.status_code == 200
    assert response.json()["name"]


def test_options_on_the_metrics_is_a_405_for_a_scraper_and_the_unknown_page_404_for_anyone_else(settings, client):
    settings.METRICS_ENABLED = True
    settings.PROMETHEUS_MULTIPROC_DIR = ""
    scraper = client.options("/metrics")  # loopback, no proxy: allowed to read them
    assert scraper.status_code == 405
    assert_json_error(scraper, 405)
    assert scraper["Allow"] == "GET, HEAD"
    assert b"authn_" not in scraper.content
    outsider = client.options("/metrics", REMOTE_ADDR="203.0.113.9")
    assert outsider.status_code == 404
    assert outsider.json() == client.options("/no-such-page", REMOTE_ADDR="203.0.113.9").json()
