"""What every authn test shares: real signing keys, an inline JWKS, a token factory, a client.

The suite runs from this folder alone (``pytest`` in ``authn/``, or in any copy
of it with the package installed): its settings are ``settings.py`` beside this
file, whatever the package holding it is called. Every test runs with an inline
JWKS and an HS256 secret, so no test touches the network unless it says so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm, RSAPSSAlgorithm

from authn import better_auth_claims

BETTER_AUTH_URL = "http://auth.test"
SECRET = "a-test-secret-long-enough-for-every-hmac-algorithm-even-hs512-64"
OMIT = object()  # a claim value meaning "leave this claim out"
ALGORITHMS = ("EdDSA", "ES256", "ES512", "RS256", "PS256")


def pytest_configure(config: pytest.Config) -> None:
    """Load this suite's settings unless ``--ds`` or DJANGO_SETTINGS_MODULE names others.

    ``__package__`` is ``authn.tests`` in the repository, ``tests`` in a copy of
    the tests alone: either way the settings beside this file.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"{__package__}.settings")
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018 (loads them, so pytest-django sets Django up)


def pytest_report_header(config: pytest.Config) -> str:
    """Which authn is under test: the checkout, or an installed wheel (the version matrix)."""
    import rest_framework

    import authn

    return f"authn under test: {authn.__version__} from {Path(authn.__file__).parent}; DRF {rest_framework.VERSION}"


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


def offline_authn_settings(jwks: dict[str, Any], *, failure_cache: str) -> dict[str, Any]:
    """Inline JWKS plus HS256 secret, iss/aud as Better Auth sets them, and no JWKS URL: no network."""
    return {
        "ISSUER": BETTER_AUTH_URL,
        "AUDIENCE": BETTER_AUTH_URL,
        "JWKS": json.dumps(jwks),
        "SECRET": SECRET,
        "ALGORITHMS": [*ALGORITHMS, "HS256"],
        "LEEWAY_SECONDS": 5,
        "FAILURE_CACHE": failure_cache,
    }


@pytest.fixture(autouse=True)
def authn_settings(settings: Any, jwks: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The offline configuration, with failure counts that never carry over from one test to the next."""
    from django.core.cache import caches

    settings.AUTHN = offline_authn_settings(jwks, failure_cache="default")
    yield settings.AUTHN
    caches["default"].clear()


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
def api_client() -> Any:
    from rest_framework.test import APIClient  # here: importing it reads the settings

    return APIClient()
