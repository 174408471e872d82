"""The audit trail at the API: a refused token, a revocation applied, a request rate limited; one line each."""

from __future__ import annotations

import logging
import time

import pytest

from authn import audit

from .conftest import SECRET
from .fakes import NOW, FakeFeed, feed_polled_by_hand, session_revoked, user_event

ME = "/api/me"


def audit_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "authn.audit"]


def fields(record: logging.LogRecord) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.audit}


# One line, whatever a value holds -------------------------------------------------------------


@pytest.mark.parametrize("breaker", ["\n", "\r", "\x85", "\u2028", "\u2029", "\x00", "\x7f"])
def test_no_value_can_end_the_line_or_forge_a_field(caplog, breaker):
    hostile = f'x"{breaker}2026-11-30 INFO authn.audit [-] token-refused user_id="victim" reason="expired'
    with caplog.at_level(logging.INFO, logger="authn.audit"):
        audit.log_event(audit.TOKEN_REFUSED, user_id="mallory", session_id=hostile, reason=hostile, kid=hostile)
    (record,) = audit_records(caplog)
    line = record.getMessage()
    assert len(line.splitlines()) == 1 and breaker not in line
    assert 'user_id="victim"' not in line  # what grep looks for matches the real field only
    assert line.startswith('token-refused user_id="mallory" session_id="x\\"')
    assert record.session_id == hostile  # the JSON formatter escapes the field itself


def test_values_are_bounded_and_missing_ones_are_a_dash(caplog):
    with caplog.at_level(logging.INFO, logger="authn.audit"):
        audit.log_event(audit.RATE_LIMITED, client="203.0.113.7", reason="r" * 5000)
    (record,) = audit_records(caplog)
    assert fields(record) == {
        "event": "rate-limited",
        "user_id": None,
        "session_id": None,
        "client": "203.0.113.7",
        "reason": "r" * audit.MAX_DETAIL_LENGTH + "…",
    }
    assert record.getMessage().startswith('rate-limited user_id=- session_id=- client="203.0.113.7" reason="rrr')


def test_a_percent_sign_in_a_value_is_text_not_a_format(caplog):
    with caplog.at_level(logging.INFO, logger="authn.audit"):
        audit.log_event(audit.TOKEN_REFUSED, reason="%s%d%(x)s")
    assert 'reason="%s%d%(x)s"' in audit_records(caplog)[0].getMessage()


# A refused token --------------------------------------------------------------------------------


def test_a_refused_token_names_its_verified_user_session_and_client_never_the_token(api_client, make_token, caplog):
    token = make_token("alice", exp=int(time.time()) - 60, sid="session-7")
    with caplog.at_level(logging.INFO, logger="authn"):
        response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 401
    (record,) = audit_records(caplog)
    assert fields(record) == {
        "event": "token-refused",
        "user_id": "alice",
        "session_id": "session-7",
        "client": "203.0.113.7",
        "reason": "expired",
        "detail": "Signature has expired",
        "kid": "ed-key-1",
    }
    assert token not in caplog.text and token.split(".")[2] not in caplog.text and SECRET not in caplog.text


def test_a_forged_token_is_not_attributed_to_the_user_it_names(api_client, make_token, caplog):
    header, payload, _ = make_token("alice", sid="session-a").split(".")
    forged = f"{header}.{payload}.{make_token('bob').split('.')[2]}"
    with caplog.at_level(logging.INFO, logger="authn"):
        api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {forged}")
    (record,) = audit_records(caplog)
    assert (record.user_id, record.session_id, record.reason) == (None, None, "signature")
    assert "alice" not in record.getMessage() and "session-a" not in record.getMessage()


def test_a_hostile_kid_is_escaped_and_cut(api_client, make_token, caplog):
    token = make_token("alice", alg="HS256", exp=int(time.time()) - 60, headers={"kid": '\n"x' * 100})
    with caplog.at_level(logging.INFO, logger="authn"):
        api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")
    (record,) = audit_records(caplog)
    assert len(record.kid) == 81 and record.kid.endswith("…")
    assert "\n" not in record.getMessage()


def test_a_header_that_is_not_a_bearer_token_is_refused_with_its_reason(api_client, caplog):
    with caplog.at_level(logging.INFO, logger="authn"):
        api_client.get(ME, HTTP_AUTHORIZATION="Bearer a b")
    assert audit_records(caplog)[0].reason == "bad_header"


# A revocation applied ------------------------------------------------------------------------


def test_each_revocation_applied_is_a_line_with_its_user_session_and_lag(caplog):
    source = FakeFeed()
    wall = [NOW + 0.0]
    feed = feed_polled_by_hand(source, wall_clock=lambda: wall[0])
    source.events = [session_revoked(1, "s1", at=NOW - 600)]
    with caplog.at_level(logging.INFO, logger="authn.audit"):
        feed.poll()
        source.events.append(user_event(2, "user.revoked", "bob", at=NOW))
        wall[0] = NOW + 1.25
        feed.poll()
    first, second = audit_records(caplog)
    assert fields(first) == {
        "event": "revocation-applied",
        "user_id": "alice",
        "session_id": "s1",
        "client": None,
        "reason": "session.revoked",
        "revocation_id": "1",
        "lag_seconds": None,  # the backlog of the first read: not a lag of this process
    }
    assert (second.user_id, second.session_id, second.reason) == ("bob", None, "user.revoked")
    assert second.lag_seconds == "1.25"


# Rate limited --------------------------------------------------------------------------------


def test_an_address_past_its_failure_budget_is_a_rate_limited_line(settings, api_client, caplog):
    settings.AUTHN = {**settings.AUTHN, "FAILURE_RATE": "1/m"}
    with caplog.at_level(logging.INFO, logger="authn"):
        statuses = [api_client.get(ME, HTTP_AUTHORIZATION="Bearer x.y.z").status_code for _ in range(3)]
    assert statuses == [401, 429, 429]
    limited = [r for r in audit_records(caplog) if r.event == "rate-limited"]
    assert len(limited) == 2
    assert fields(limited[0]) == {
        "event": "rate-limited",
        "user_id": None,
        "session_id": None,
        "client": "127.0.0.1",
        "reason": "failed_authentications",
    }
