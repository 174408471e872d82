"""The DRF adapter over HTTP: exact 401 headers, the contract's JSON, 503 on key-set outages."""

from __future__ import annotations

import logging
import time

import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured

from .conftest import OMIT, SECRET

ME = "/api/me"
NO_CREDENTIALS = 'Bearer realm="api"'


def invalid(description: str) -> str:
    return f'Bearer realm="api", error="invalid_token", error_description="{description}"'


def assert_unauthorized(response, www_authenticate: str) -> None:
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == www_authenticate
    assert set(response.json()) == {"detail"}  # DRF's body; a host's EXCEPTION_HANDLER may shape its own


def test_a_valid_token_authenticates(api_client, make_token):
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}")
    assert response.status_code == 200
    assert response.json() == {
        "id": "alice",
        "email": "alice@example.com",
        "name": "Alice",
        "email_verified": True,
    }


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "ES512", "RS256", "PS256", "HS256"])
def test_every_configured_algorithm_authenticates(alg, api_client, make_token):
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {make_token('alice', alg=alg)}")
    assert response.status_code == 200


def test_the_scheme_is_case_insensitive(api_client, make_token):
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"bearer {make_token('alice')}")
    assert response.status_code == 200


@pytest.mark.django_db
def test_authentication_reads_no_database(api_client, make_token, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}")
    assert response.status_code == 200


def test_no_header_gets_a_bare_challenge(api_client):
    response = api_client.get(ME)
    assert_unauthorized(response, NO_CREDENTIALS)
    assert response.json()["detail"] == "Authentication credentials were not provided."


@pytest.mark.parametrize("header", ["Basic YWxpY2U6c2VjcmV0", "Token abc", "JWT abc.def.ghi"])
def test_other_schemes_are_not_credentials_for_this_api(header, api_client):
    assert_unauthorized(api_client.get(ME, HTTP_AUTHORIZATION=header), NO_CREDENTIALS)


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer a b"])
def test_a_bearer_header_without_exactly_one_token_is_invalid(header, api_client):
    response = api_client.get(ME, HTTP_AUTHORIZATION=header)
    assert_unauthorized(response, invalid("The Authorization header must be 'Bearer <token>'"))


ATTACKS = [
    ("garbage", lambda t: "garbage", "The token is malformed"),
    ("two segments", lambda t: "a.b", "The token is malformed"),
    ("four segments", lambda t: t + ".extra", "The token is malformed"),
    ("stripped signature", lambda t: t.rsplit(".", 1)[0] + ".", "The token's signature is invalid"),
    ("expired", lambda t: None, "The token has expired"),
]


@pytest.mark.parametrize(("case", "mangle", "description"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_refusals_carry_the_reason_but_never_the_token(case, mangle, description, api_client, make_token):
    token = mangle(make_token("alice")) or make_token("alice", exp=int(time.time()) - 60)
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_unauthorized(response, invalid(description))
    assert response.json()["detail"] == "Unauthorized - Invalid or expired token"
    assert token not in response.content.decode()
    assert token not in response["WWW-Authenticate"]


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        ({"exp": OMIT}, "The token lacks a required claim"),
        ({"nbf": int(time.time()) + 600}, "The token is not yet valid"),
        ({"iat": int(time.time()) + 600}, "The token is not yet valid"),
        ({"iss": "https://evil.test"}, "The token's issuer is not accepted"),
        ({"aud": "https://evil.test"}, "The token's audience is not accepted"),
        ({"sub": ""}, "The token has no subject"),
    ],
)
def test_claim_refusals_over_http(claims, description, api_client, make_token):
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {make_token('alice', **claims)}")
    assert_unauthorized(response, invalid(description))


def test_alg_none_over_http(api_client):
    token = jwt.encode({"sub": "alice", "exp": int(time.time()) + 60}, None, algorithm="none")
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_unauthorized(response, invalid("The token's algorithm is not allowed"))


def test_hs256_outside_the_allow_list_over_http(settings, api_client, make_token):
    settings.AUTHN = {**settings.AUTHN, "ALGORITHMS": ["EdDSA"]}
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {make_token('alice', alg='HS256')}")
    assert_unauthorized(response, invalid("The token's algorithm is not allowed"))


def test_a_100_kb_token_is_refused_not_crashed(api_client):
    response = api_client.get(ME, HTTP_AUTHORIZATION="Bearer " + "a" * 100_000)
    assert_unauthorized(response, invalid("The token is too large"))


def test_a_non_ascii_token_is_malformed(api_client):
    response = api_client.get(ME, HTTP_AUTHORIZATION="Bearer caf\u00e9.x.y".encode().decode("latin-1"))
    assert_unauthorized(response, invalid("The token is malformed"))


def test_refusals_are_logged_with_reason_kid_and_client_but_not_the_token(api_client, make_token, caplog):
    token = make_token("alice", exp=int(time.time()) - 60)
    with caplog.at_level(logging.INFO, logger="authn"):
        api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR="203.0.113.7")
    line = next(r.getMessage() for r in caplog.records if r.name == "authn.audit")
    assert line.startswith("token-refused ") and 'reason="expired"' in line
    assert 'kid="ed-key-1"' in line and 'user_id="alice"' in line and 'client="203.0.113.7"' in line
    assert token not in caplog.text
    assert SECRET not in caplog.text


def test_a_forged_token_is_logged_without_a_subject(api_client, make_token, caplog):
    header, payload, _ = make_token("alice").split(".")
    forged = f"{header}.{payload}.{make_token('bob').split('.')[2]}"
    with caplog.at_level(logging.INFO, logger="authn"):
        api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert "user_id=- " in caplog.text and "alice" not in caplog.text


def test_an_unreachable_key_set_is_503_with_retry_after(settings, api_client, make_token):
    settings.AUTHN = {
        "BETTER_AUTH_URL": "http://auth.test",
        "JWKS_URL": "http://127.0.0.1:9/api/auth/jwks",  # nothing listens on the discard port
        "JWKS_TIMEOUT_SECONDS": 1,
    }
    started = time.monotonic()
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}")
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    assert response.json() == {"detail": "Service unavailable - the signing keys cannot be fetched; retry shortly"}


def test_a_broken_configuration_fails_closed(settings, api_client, make_token):
    settings.AUTHN = {"BETTER_AUTH_URL": "", "SECRET": "too-short"}
    with pytest.raises(ImproperlyConfigured, match=r"authn\.E002"):  # the host's 500 handler answers it
        api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {make_token('alice', alg='HS256')}")


def test_an_outage_is_one_warning_a_minute_not_one_per_token(settings, api_client, make_token, caplog, monkeypatch):
    from authn import ThrottledWarning, authentication

    monkeypatch.setattr(authentication, "_outage_warning", ThrottledWarning(authentication.OUTAGE_WARNING_SECONDS))
    settings.AUTHN = {
        "BETTER_AUTH_URL": "http://auth.test",
        "JWKS_URL": "http://127.0.0.1:9/api/auth/jwks",  # nothing listens on the discard port
        "JWKS_TIMEOUT_SECONDS": 1,
    }
    with caplog.at_level(logging.INFO, logger="authn"):
        for n in range(5):
            token = make_token("alice", headers={"kid": f"made-up-{n}"})
            assert api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 503
    outage = [r for r in caplog.records if "key set unreachable" in r.getMessage()]
    assert [r.levelname for r in outage] == ["WARNING"] + ["INFO"] * 4


def test_an_issuer_mismatch_is_a_debug_line_with_both_values_and_never_in_the_answer(
    settings, api_client, make_token, caplog
):
    settings.AUTHN = {**settings.AUTHN, "ISSUER": "http://127.0.0.1:3000"}
    token = make_token("alice", iss="http://localhost:3000")
    with caplog.at_level(logging.DEBUG, logger="authn.authentication"):
        response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_unauthorized(response, invalid("The token's issuer is not accepted"))
    (line,) = [r.getMessage() for r in caplog.records if r.name == "authn.authentication"]
    assert line == 'token refused, iss: expected "http://127.0.0.1:3000", the token has "http://localhost:3000"'
    answer = response.content.decode() + response["WWW-Authenticate"]
    assert "127.0.0.1" not in answer and "localhost" not in answer


def test_a_hostile_audience_in_the_debug_line_is_escaped_and_cut(settings, api_client, make_token, caplog):
    settings.AUTHN = {**settings.AUTHN, "AUDIENCE": "http://127.0.0.1:3000"}
    token = make_token("alice", aud="x\n2026-01-01 CRITICAL forged line\u2028" + "y" * 500)
    with caplog.at_level(logging.DEBUG, logger="authn.authentication"):
        assert api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    (line,) = [r.getMessage() for r in caplog.records if r.name == "authn.authentication"]
    assert "\n" not in line and "\u2028" not in line and "\\n2026-01-01" in line
    assert len(line) < 300 and line.endswith("...")


def test_without_authn_in_installed_apps_a_request_says_what_to_add(settings, api_client, make_token):
    """Its system checks would never run, so no setting would have been looked at: refuse to verify at all."""
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "authn"]
    with pytest.raises(ImproperlyConfigured, match=r'Add "authn" to INSTALLED_APPS'):
        api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}")
