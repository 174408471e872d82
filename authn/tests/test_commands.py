"""The developer commands: mint a token the API accepts, and explain a refusal."""

import io
import json
import re
import time

import pytest
from django.core.management import CommandError, call_command


def mint(**options) -> str:
    out = io.StringIO()
    call_command("mint_token", stdout=out, **options)
    return out.getvalue().strip()


def test_a_minted_token_is_accepted_by_the_api(settings, api_client):
    settings.DEBUG = True
    token = mint(sub="alice", email="a@example.com", ttl="2m")
    response = api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["email"] == "a@example.com"


def test_mint_token_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        mint(sub="alice")


def test_mint_token_refuses_without_a_secret(settings):
    settings.DEBUG = True
    settings.AUTHN = {**settings.AUTHN, "SECRET": ""}
    with pytest.raises(CommandError, match=r'AUTHN\["SECRET"\]'):
        mint(sub="alice")


@pytest.mark.parametrize("ttl", ["0", "soon", "15x", "-5m"])
def test_mint_token_refuses_a_bad_ttl(settings, ttl):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="--ttl"):
        mint(sub="alice", ttl=ttl)


def test_verify_token_prints_the_claims(make_token):
    out = io.StringIO()
    call_command("verify_token", make_token("alice"), stdout=out)
    assert json.loads(out.getvalue())["sub"] == "alice"


def test_verify_token_says_exactly_why(make_token):
    with pytest.raises(CommandError, match="The token has expired"):
        call_command("verify_token", make_token("alice", exp=int(time.time()) - 60))


@pytest.mark.parametrize(
    ("setting", "claim", "hint"),
    [("ISSUER", "iss", r'AUTHN\["ISSUER"\]'), ("AUDIENCE", "aud", r'AUTHN\["AUDIENCE"\]')],
)
def test_verify_token_shows_the_expected_value_beside_the_tokens(settings, make_token, setting, claim, hint):
    """The usual first mistake: 127.0.0.1 configured, localhost in the token (or the other way round)."""
    settings.AUTHN = {**settings.AUTHN, setting: "http://127.0.0.1:3000"}
    token = make_token("alice", **{claim: "http://localhost:3000"})
    with pytest.raises(CommandError) as refused:
        call_command("verify_token", token)
    message = str(refused.value)
    assert f'{claim}: expected "http://127.0.0.1:3000", the token has "http://localhost:3000"' in message
    assert re.search(hint, message)
