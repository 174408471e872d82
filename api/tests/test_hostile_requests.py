"""Requests Django itself chokes on, sent to the WSGI application the server runs: 4xx JSON, never a 500."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from django.core import signals
from django.db import close_old_connections

from api.charsets import decodes_any_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(settings) -> Callable[..., tuple[int, dict[str, str], bytes]]:
    """Runs one request through ``todo_project.wsgi.application``: (status, headers, body)."""
    settings.ALLOWED_HOSTS = ["testserver"]
    from todo_project.wsgi import application

    def run(method: str, path: str, *, query: str = "", body: bytes = b"", **headers: str) -> Any:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "testserver",
            "HTTP_HOST": "testserver",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            **headers,
        }
        setup_testing_defaults(environ)
        answer: dict[str, Any] = {}

        def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            answer["status"], answer["headers"] = int(status.split()[0]), dict(response_headers)

        # As Django's test client does: the test's transaction must outlive the request.
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            content = b"".join(application(environ, start_response))
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
        return answer["status"], answer["headers"], content

    return run


def assert_json_error(answer: tuple[int, dict[str, str], bytes], status: int) -> None:
    code, headers, body = answer
    assert code == status
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["status_code"] == status


@pytest.mark.parametrize("charset", ["rot13", "idna", "hex", "base64", "zlib", "no-such-charset"])
@pytest.mark.parametrize(("path", "status"), [("/healthz", 200), ("/api/me", 401)])
def test_a_charset_that_is_no_text_encoding_is_ignored(charset, path, status, call):
    code, _, _ = call("GET", path, query="a=%ff&b", CONTENT_TYPE=f"text/plain; charset={charset}")
    assert code == status


def test_a_form_body_in_a_charset_that_fails_on_some_bytes_is_read_as_utf8(call, make_token):
    code, _, body = call(
        "POST",
        "/api/alice/tasks",
        body=b"title=x%ff",
        CONTENT_TYPE="application/x-www-form-urlencoded; charset=idna",
        HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}",
    )
    assert code == 201
    assert json.loads(body)["title"] == "x\ufffd"


def test_usable_charsets_are_still_honoured():
    assert all(decodes_any_bytes(name) for name in ("utf-8", "latin-1", "utf-16", "cp1252", "ascii"))
    assert not any(decodes_any_bytes(name) for name in ("rot13", "idna", "hex", "base64", "bogus"))


def test_too_many_query_fields_are_400(call):
    query = "&".join(["a"] * 1001)
    assert_json_error(call("GET", "/api/me", query=query, HTTP_AUTHORIZATION="Bearer x"), 400)
    assert call("GET", "/api/schema/", query=query)[0] == 400
    assert_json_error(call("GET", "/api/me", query=query), 401)  # no credentials: refused unread


def test_too_many_form_fields_are_400(call, make_token):
    body = "&".join(f"f{n}=x" for n in range(1001)).encode()
    answer = call(
        "POST",
        "/api/alice/tasks",
        body=body,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}",
    )
    assert_json_error(answer, 400)


def test_a_host_not_allowed_is_a_json_400_under_the_api(call, make_token):
    answer = call("GET", "/api/me", HTTP_HOST="evil.example", HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}")
    assert_json_error(answer, 400)


def test_a_host_not_allowed_is_a_json_400_under_the_api_with_debug_on_too(settings, make_token):
    """With DEBUG on Django would answer its technical page, which lists the settings (``make run`` has DEBUG on)."""
    from django.test import Client

    settings.DEBUG = True
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("api.middleware.BodySizeLimitMiddleware"), "api.middleware.DebugHostCheckMiddleware"
    )
    settings.MIDDLEWARE = middleware
    response = Client().get("/api/me", HTTP_HOST="evil.example", HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}")
    assert response.status_code == 400
    assert response.json()["error_type"] == "validation_error"
    assert b"DATABASES" not in response.content


@pytest.mark.parametrize("host", ["evil.example", "[::1", "a" * 300, "127.0.0.1:99999999999"])
def test_a_host_not_allowed_writes_no_error_line(call, caplog, make_token, host):
    with caplog.at_level(logging.INFO):
        answers = [
            call("GET", "/api/me", HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}"),
            call("GET", "/healthz", HTTP_HOST=host),
            call("GET", "/api/me", HTTP_HOST=host),  # no credentials: 401 comes first
        ]
    assert [code for code, _, _ in answers] == [400, 400, 401]
    assert [r.getMessage()[:80] for r in caplog.records if r.levelno >= logging.ERROR] == []
