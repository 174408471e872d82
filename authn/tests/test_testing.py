"""``authn.testing.mint_token``: the tokens a host project's tests sign are the ones its API accepts."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from authn.testing import mint_token

ME = "/api/me"


def test_a_minted_token_is_accepted_with_its_claims(api_client):
    token = mint_token("alice", email="a@example.com", name="Alice")
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json() == {"id": "alice", "email": "a@example.com", "name": "Alice", "email_verified": True}


def test_extra_claims_override_to_make_a_token_the_api_refuses(api_client):
    token = mint_token("alice", exp=1)
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_without_hs256_it_says_why(settings):
    settings.AUTHN = {**settings.AUTHN, "ALGORITHMS": ["EdDSA"]}
    with pytest.raises(ImproperlyConfigured, match="HS256"):
        mint_token("alice")
