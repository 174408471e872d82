"""Each request is logged once with method, path, status, duration, user and a request id."""

import json
import logging

import pytest

from todo_project.request_log import JSONFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def request_records(caplog):
    return [r for r in caplog.records if r.name == "todo_project.requests"]


def test_a_request_is_logged_with_its_user_and_echoed_id(client_for, caplog):
    with caplog.at_level(logging.INFO, logger="todo_project.requests"):
        response = client_for("alice").get("/api/alice/tasks", HTTP_X_REQUEST_ID="req-123")
    assert response["X-Request-ID"] == "req-123"
    (record,) = request_records(caplog)
    assert (record.method, record.path, record.status, record.user_id) == ("GET", "/api/alice/tasks", 200, "alice")
    assert record.duration_ms >= 0


def test_an_id_is_generated_when_missing_or_unsafe(api_client, caplog):
    generated = api_client.get("/api/me")["X-Request-ID"]
    replaced = api_client.get("/api/me", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]
    assert len(generated) == 32 and len(replaced) == 32 and generated != replaced


def test_an_anonymous_request_has_no_user(api_client, caplog):
    with caplog.at_level(logging.INFO, logger="todo_project.requests"):
        api_client.get("/api/me")
    assert request_records(caplog)[0].user_id is None


def test_json_lines_carry_the_request_fields():
    record = logging.LogRecord("todo_project.requests", logging.INFO, __file__, 1, "GET /x 200", (), None)
    record.method, record.path, record.status, record.duration_ms, record.user_id = "GET", "/x", 200, 1.5, "alice"
    RequestIdFilter().filter(record)
    line = json.loads(JSONFormatter().format(record))
    assert line["message"] == "GET /x 200"
    assert (line["method"], line["status"], line["user_id"], line["request_id"]) == ("GET", 200, "alice", "-")
