"""Each request is logged once with method, path, status, duration, user and a request id."""

import json
import logging
import re
import sys
from urllib.parse import quote

import pytest

from api.request_log import LOGGED_PATH_LENGTH, JSONFormatter, PlainFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def request_records(caplog):
    return [r for r in caplog.records if r.name == "api.requests"]


def test_a_request_is_logged_with_its_user_and_echoed_id(client_for, caplog):
    with caplog.at_level(logging.INFO, logger="api.requests"):
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
    with caplog.at_level(logging.INFO, logger="api.requests"):
        api_client.get("/api/me")
    assert request_records(caplog)[0].user_id is None


def test_json_lines_carry_the_request_fields():
    record = logging.LogRecord("api.requests", logging.INFO, __file__, 1, "GET /x 200", (), None)
    record.method, record.path, record.status, record.duration_ms, record.user_id = "GET", "/x", 200, 1.5, "alice"
    RequestIdFilter().filter(record)
    line = json.loads(JSONFormatter().format(record))
    assert line["message"] == "GET /x 200"
    assert (line["method"], line["status"], line["user_id"], line["request_id"]) == ("GET", 200, "alice", "-")


# Lines that cannot be forged: what a client controls is escaped in the plain format

FORGED = "2026-11-30 08:00:00,000 INFO api.requests [abc] DELETE /api/alice/tasks/1 204 1.0ms"
LINE_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


def plain_lines(records) -> list[str]:
    """The records as the configured console handler writes them, split into the lines a reader sees."""
    (handler,) = [h for h in logging.getLogger().handlers if isinstance(h.formatter, PlainFormatter)]
    return "\n".join(handler.format(record) for record in records).splitlines()


@pytest.mark.parametrize("separator", ["%0A", "%0D", "%0D%0A", "%E2%80%A8", "%C2%85", "%0B", "%1C"])
def test_a_path_cannot_forge_a_log_line(separator, api_client, caplog):
    with caplog.at_level(logging.INFO):
        api_client.get(f"/api/x{separator}{quote(FORGED)}")
    lines = plain_lines(caplog.records)
    assert len(lines) == len(caplog.records)
    assert all(LINE_START.match(line) for line in lines)
    assert not any(line.startswith(FORGED) for line in lines)


@pytest.mark.parametrize("hostile", ["%20200%201.0ms%20", "%E2%80%AE", "%C3%A9%00"])
def test_a_path_cannot_pass_for_other_fields_nor_reorder_the_line(hostile, api_client, caplog):
    """A space in a path would make ``GET /api/me 200 1.0ms x 401`` read as a 200; U+202E reverses what follows."""
    with caplog.at_level(logging.INFO, logger="api.requests"):
        api_client.get(f"/api/me{hostile}x")
    (line,) = plain_lines(request_records(caplog))
    assert f" /api/me{hostile}x 401 " in line  # percent-encoded, as the client sent it
    assert line.isascii()


def test_a_token_header_cannot_forge_a_log_line_nor_flood_it(api_client, make_token, caplog):
    token = make_token("alice", headers={"kid": "k\n" + FORGED + "x" * 10_000})
    with caplog.at_level(logging.INFO):
        assert api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    lines = plain_lines(caplog.records)
    assert len(lines) == len(caplog.records) == 2  # the refusal and the request
    assert all(LINE_START.match(line) and len(line) < 600 for line in lines)


def test_a_long_path_is_logged_cut(api_client, caplog):
    with caplog.at_level(logging.INFO, logger="api.requests"):
        api_client.get("/api/" + "a" * 5000)
    (record,) = request_records(caplog)
    assert len(record.path) == LOGGED_PATH_LENGTH + 1 and record.path.endswith("…")


def test_a_traceback_keeps_its_lines_indented_under_its_record():
    try:
        raise ValueError(f"bad input\n{FORGED}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    lines = PlainFormatter("%(levelname)s %(message)s").format(record).splitlines()
    assert lines[0] == "ERROR failed"
    assert all(line.startswith("  ") for line in lines[1:])
