"""Text claims that cannot be encoded (a lone UTF-16 surrogate) are refused, never a 500.

A signed ``name`` of "\\ud800" made ``/api/me`` fail in the JSON encoder (500),
and ``email`` did it on the browsable API too, where the page shows the user.
Every claim is refused alike, whether or not this API shows it today, since the
user object hands all of them to the host (``BetterAuthUser.claims``).
"""

from __future__ import annotations

import pytest

from authn.browsable import COOKIE_NAME

pytestmark = pytest.mark.django_db

ME = "/api/me"
DESCRIPTION = "The token has a claim that is not valid text"
LONE_SURROGATES = {"high": "\ud800", "low": "x\udfffy"}
# Those BetterAuthUser shows (email, name), those Better Auth's jwt() plugin puts in a token by default
# (its user's fields, the session), and one a host's own definePayload could add.
CLAIMS = ("name", "email", "image", "id", "sid", "createdAt", "updatedAt", "role")
ALGORITHMS = ("EdDSA", "HS256")


def over_json(client, token):
    return client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")


def over_browsable_accept(client, token):
    return client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT="text/html")


def over_browsable_format(client, token):
    return client.get(f"{ME}?format=api", HTTP_AUTHORIZATION=f"Bearer {token}")


def over_browsable_cookie(client, token):
    client.cookies[COOKIE_NAME] = token
    return client.get(ME, HTTP_ACCEPT="text/html")


WAYS = {
    "json": over_json,
    "browsable (Accept: text/html)": over_browsable_accept,
    "browsable (?format=api)": over_browsable_format,
    "browsable (Authorize cookie)": over_browsable_cookie,
}


def assert_refused(response, way: str) -> None:
    assert response.status_code == 401, response.content[:300]
    if way == "json":
        assert response.json()["error_type"] == "authentication_error"
    else:
        assert response["Content-Type"].startswith("text/html")
        response.content.decode("utf-8")  # an encodable page
    if way != "browsable (Authorize cookie)":
        assert f'error_description="{DESCRIPTION}"' in response["WWW-Authenticate"]


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("alg", ALGORITHMS)
@pytest.mark.parametrize("surrogate", LONE_SURROGATES)
@pytest.mark.parametrize("claim", CLAIMS)
def test_a_claim_with_a_lone_surrogate_is_refused(claim, surrogate, alg, way, client, make_token):
    token = make_token("alice", alg=alg, **{claim: LONE_SURROGATES[surrogate]})
    assert_refused(WAYS[way](client, token), way)


@pytest.mark.parametrize("alg", ALGORITHMS)
@pytest.mark.parametrize(
    "claims",
    [
        {"user": {"name": "\ud800"}},  # nested in an object
        {"roles": ["admin", "\udc00"]},  # in an array
        {"\ud800": "a claim whose name is not text"},
        {"profile": {"links": [{"\udbff": 1}]}},
    ],
    ids=["nested value", "array item", "claim name", "nested name"],
)
def test_a_lone_surrogate_anywhere_in_the_claims_is_refused(claims, alg, client, make_token):
    token = make_token("alice", alg=alg, **claims)
    assert_refused(over_json(client, token), "json")
    assert_refused(over_browsable_accept(client, token), "browsable (Accept: text/html)")


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_the_authorize_form_refuses_it_with_the_reason(alg, client, make_token):
    refused = client.post("/api-auth/token", {"token": make_token("alice", alg=alg, name="\ud800")})
    assert refused.status_code == 400
    assert refused.content.decode() == f"Token refused: {DESCRIPTION}."
    assert COOKIE_NAME not in refused.cookies or not refused.cookies[COOKIE_NAME].value


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("alg", ALGORITHMS)
def test_text_outside_the_basic_plane_is_text(alg, way, client, make_token):
    """A surrogate pair in the token's JSON is one character (an emoji), not a lone surrogate."""
    token = make_token("alice", alg=alg, name="Alice \U0001f600", email="\u00e9l\u00e8ve@example.com")
    response = WAYS[way](client, token)
    assert response.status_code == 200
    if way == "json":
        assert response.json()["name"] == "Alice \U0001f600"
        assert response.json()["email"] == "\u00e9l\u00e8ve@example.com"
    else:
        assert "\u00e9l\u00e8ve@example.com" in response.content.decode("utf-8")
