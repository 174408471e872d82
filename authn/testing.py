"""Tokens for a host project's tests: shaped like Better Auth's, signed with ``AUTHN["SECRET"]`` (HS256)."""

from __future__ import annotations

from typing import Any

import jwt
from django.core.exceptions import ImproperlyConfigured

from .claims import BETTER_AUTH_LIFETIME_SECONDS, better_auth_claims
from .conf import current_settings


def mint_token(
    sub: str,
    *,
    ttl: int = BETTER_AUTH_LIFETIME_SECONDS,
    email: str | None = None,
    name: str | None = None,
    **claims: Any,
) -> str:
    """A token the configured verifier accepts for ``sub``; extra ``claims`` are added or override.

    Needs ``AUTHN["SECRET"]`` and HS256 among the allowed algorithms, as a test
    settings module usually gives; production tokens come from Better Auth.
    """
    conf = current_settings()
    if not conf.secret:
        raise ImproperlyConfigured('AUTHN["SECRET"] is not set, so there is nothing to sign a token with.')
    if "HS256" not in conf.algorithms:
        raise ImproperlyConfigured('HS256 is not in AUTHN["ALGORITHMS"], so the verifier would refuse the token.')
    payload = better_auth_claims(sub, issuer=conf.issuer, audience=conf.audience, ttl=ttl, email=email, name=name)
    return jwt.encode({**payload, **claims}, conf.secret, algorithm="HS256")
