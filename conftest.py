"""Fixtures shared by every app: real signing keys, an inline JWKS, a token factory, clients.

Every test runs with an inline JWKS and an HS256 secret, so no unit test ever
touches the network.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.core.cache import caches
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm, RSAPSSAlgorithm
from rest_framework.test import APIClient

from authn.claims import better_auth_claims

BETTER_AUTH_URL = "http://auth.test"
SECRET = "a-test-secret-long-enough-for-every-hmac-algorithm-even-hs512-64"
OMIT = object()  # a claim value meaning "leave this claim out"


class SigningKey:
    """A private key with its kid, and the public JWK a key set would publish."""

    def __init__(self, alg: str, private_key: Any, kid: str) -> None:
        self.alg, self.private_key, self.kid = alg, private_key, kid
        to_jwk = {"EdDSA": OKPAlgorithm, "ES256": ECAlgorithm, "ES512": ECAlgorithm, "RS256": RSAAlgorithm}.get(
            alg, RSAPSSAlgorithm
        ).to_jwk
        self.public_jwk = {**to_jwk(private_key.public_key(), as_dict=True), "alg": alg, "kid": kid}


@pytest.fixture(scope="session")
def signing_keys() -> dict[str, SigningKey]:
    """One key per algorithm Better Auth can be configured with."""
    return {
        "EdDSA": SigningKey("EdDSA", ed25519.Ed25519PrivateKey.generate(), "ed-key-1"),
        "ES256": SigningKey("ES256", ec.generate_private_key(ec.SECP256R1()), "es256-key-1"),
        "ES512": SigningKey("ES512", ec.generate_private_key(ec.SECP521R1()), "es512-key-1"),
        "RS256": SigningKey("RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048), "rs-key-1"),
        "PS256": SigningKey("PS256", rsa.generate_private_key(public_exponent=65537, key_size=2048), "ps-key-1"),
    }


@pytest.fixture(scope="session")
def jwks(signing_keys: dict[str, SigningKey]) -> dict[str, Any]:
    return {"keys": [key.public_jwk for key in signing_keys.values()]}


@pytest.fixture(autouse=True)
def plain_static_files(settings: Any) -> None:
    """Tests render pages without running collectstatic first, so no manifest of hashed names."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def rate_limit_counters_in_memory(settings: Any) -> Iterator[None]:
    """Counters in this process's memory, emptied per test.

    Rate limits stay on for every test, but need no database (most tests have
    none) and never carry counts from one test to the next. The shared backends
    have their own tests in api/tests/test_ratelimits.py.
    """
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"},
    }
    yield
    caches["ratelimit"].clear()


@pytest.fixture(autouse=True)
def authn_settings(settings: Any, jwks: dict[str, Any]) -> dict[str, Any]:
    """Inline JWKS plus HS256 secret, iss/aud as Better Auth sets them, and no JWKS URL: no network."""
    settings.AUTHN = {
        "ISSUER": BETTER_AUTH_URL,
        "AUDIENCE": BETTER_AUTH_URL,
        "JWKS": json.dumps(jwks),
        "SECRET": SECRET,
        "ALGORITHMS": ["EdDSA", "ES256", "ES512", "RS256", "PS256", "HS256"],
        "LEEWAY_SECONDS": 5,
        "FAILURE_CACHE": "ratelimit",  # emptied per test, as above
    }
    return settings.AUTHN


def claims_for(sub: str, /, **overrides: Any) -> dict[str, Any]:
    """The payload Better Auth's jwt() plugin issues, with overrides; OMIT drops a claim."""
    claims = better_auth_claims(sub, issuer=BETTER_AUTH_URL, audience=BETTER_AUTH_URL, name=sub.title())
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not OMIT}


@pytest.fixture
def make_token(signing_keys: dict[str, SigningKey]) -> Callable[..., str]:
    """``make_token("alice", alg="ES256", headers={...}, exp=…)``: a signed token."""

    def make(sub: str = "alice", /, *, alg: str = "EdDSA", headers: dict[str, Any] | None = None, **claims: Any) -> str:
        payload = claims_for(sub, **claims)
        if alg.startswith("HS"):
            return jwt.encode(payload, SECRET, algorithm=alg, headers=headers)
        key = signing_keys[alg]
        return jwt.encode(payload, key.private_key, algorithm=alg, headers={"kid": key.kid, **(headers or {})})

    return make


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(make_token: Callable[..., str]) -> Callable[[str], APIClient]:
    """``client_for("alice")``: an API client carrying a valid token for alice."""

    def make(sub: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(sub)}")
        return client

    return make
