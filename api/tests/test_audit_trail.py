"""The audit trail through the project's log formats: every event of one user found by one command."""

from __future__ import annotations

import json
import logging
import time

import pytest

from api.request_log import JSONFormatter, PlainFormatter

from .test_ratelimits import assert_rate_limited


def audit_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "authn.audit"]


def plain(record: logging.LogRecord) -> str:
    return PlainFormatter("%(levelname)s %(name)s [%(request_id)s] %(message)s").format(record)


def test_a_json_line_carries_the_events_fields_and_the_request_id(api_client, make_token, caplog):
    token = make_token("alice", exp=int(time.time()) - 60, sid="s-1")
    with caplog.at_level(logging.INFO):
        response = api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR="203.0.113.7")
    (record,) = audit_records(caplog)
    entry = json.loads(JSONFormatter().format(record))
    assert {k: entry[k] for k in ("logger", "event", "user_id", "session_id", "client", "reason", "request_id")} == {
        "logger": "authn.audit",
        "event": "token-refused",
        "user_id": "alice",
        "session_id": "s-1",
        "client": "203.0.113.7",
        "reason": "expired",
        "request_id": response["X-Request-ID"],
    }
    assert token not in json.dumps(entry)


def test_a_plain_line_shows_the_fields_as_key_value_pairs(api_client, make_token, caplog):
    token = make_token("alice", exp=int(time.time()) - 60, sid="s-1")
    with caplog.at_level(logging.INFO):
        response = api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_REQUEST_ID="req-42")
    (record,) = audit_records(caplog)
    assert response["X-Request-ID"] == "req-42"
    assert plain(record) == (
        'INFO authn.audit [req-42] token-refused user_id="alice" session_id="s-1" client="127.0.0.1" '
        'reason="expired" detail="Signature has expired" kid="ed-key-1"'
    )


def test_a_hostile_value_cannot_forge_another_users_event_in_either_format(api_client, make_token, caplog):
    hostile = 'k"\n2026-11-30 INFO authn.audit [-] token-refused user_id="victim" reason="x\u2028'
    token = make_token("mallory", alg="HS256", exp=int(time.time()) - 60, headers={"kid": hostile})
    with caplog.at_level(logging.INFO):
        api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    (record,) = audit_records(caplog)
    line = plain(record)
    assert len(line.splitlines()) == 1 and 'user_id="victim"' not in line and 'user_id="mallory"' in line
    entry = json.loads(JSONFormatter().format(record))
    assert entry["user_id"] == "mallory" and entry["kid"] == hostile


@pytest.mark.django_db
def test_a_user_past_their_budget_is_a_rate_limited_event_with_their_id(settings, client_for, caplog):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "writes": "1/m"}
    alice = client_for("alice")
    assert alice.post("/api/alice/tasks", {"title": "one"}, format="json").status_code == 201
    with caplog.at_level(logging.INFO):
        assert_rate_limited(alice.post("/api/alice/tasks", {"title": "two"}, format="json"))
    (record,) = audit_records(caplog)
    assert (record.event, record.user_id, record.reason) == ("rate-limited", "alice", "writes")
    assert record.client == "127.0.0.1"


@pytest.mark.django_db
def test_every_event_of_one_user_is_found_by_user_id(settings, client_for, make_token, api_client, caplog):
    """docs/operations.md's command: jq 'select(.user_id == "alice")' (JSON) or grep -F 'user_id="alice"' (plain)."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "reads": "1/m"}
    with caplog.at_level(logging.INFO):
        client_for("alice").get("/api/me")
        client_for("alice").get("/api/me")  # 429
        api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {make_token('alice', exp=int(time.time()) - 60)}")
        api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {make_token('alicia', exp=int(time.time()) - 60)}")
    json_lines = [json.loads(JSONFormatter().format(r)) for r in caplog.records]
    alices = [e.get("event", "request") for e in json_lines if e.get("user_id") == "alice"]
    assert sorted(alices) == ["rate-limited", "request", "request", "token-refused"]  # the 200 and the 429
    plain_lines = [plain(r) for r in audit_records(caplog)]
    assert [line.split()[3] for line in plain_lines if 'user_id="alice"' in line] == ["rate-limited", "token-refused"]
