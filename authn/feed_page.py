"""Verifies a revocation feed page: a JWS the issuer signs with the keys that sign its access tokens.

The feed's HMAC only says who may read it. What is read is trusted for its
signature alone (the protocol, section 3): a page is verified with the same key
set, issuer and audience as a token, but must carry its own ``typ``, so neither
can be passed off as the other.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import jwt

from .verifier import ASYMMETRIC_ALGORITHMS, KeySource

PAGE_TYPE = "revocation-feed+jwt"
PROTOCOL_VERSION = 1


class InvalidPage(ValueError):
    """The page is not one the issuer signed for this request; nothing in it is applied."""


class FeedPageVerifier:
    """``verify(page)`` returns the page's claims once its signature, type, issuer, audience and expiry hold."""

    def __init__(
        self,
        key_sources: Sequence[KeySource],
        *,
        algorithms: Collection[str],
        issuer: str | None,
        audience: str | None,
        leeway_seconds: int,
    ) -> None:
        self._key_sources = tuple(key_sources)
        # Only key-set algorithms: every reader holds the HS256 secret, if any, so it proves nothing.
        self.algorithms = frozenset(algorithms) & ASYMMETRIC_ALGORITHMS
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._options = {
            "require": ["exp", "iat"],
            "verify_iss": issuer is not None,
            "verify_aud": audience is not None,
        }

    def verify(self, page: Any) -> dict[str, Any]:
        """The verified claims; InvalidPage when anything fails, KeySourceUnavailable when keys cannot be had."""
        if not isinstance(page, str) or not page:
            raise InvalidPage("the response has no signed page")
        try:
            header = jwt.get_unverified_header(page)
        except jwt.PyJWTError as e:
            raise InvalidPage(f"the page is malformed: {e}") from e
        if header.get("typ") != PAGE_TYPE:
            raise InvalidPage(f"the page's typ is {str(header.get('typ'))[:40]!r}, not {PAGE_TYPE!r}")
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.algorithms:
            raise InvalidPage(f"the page's algorithm {str(alg)[:20]!r} is not allowed")
        if "crit" in header:
            raise InvalidPage("the page has a critical header")
        if not isinstance(kid, str) or not kid:
            raise InvalidPage("the page names no key")
        key = next((k for k in (source.find(kid, alg) for source in self._key_sources) if k is not None), None)
        if key is None:
            raise InvalidPage(f"the page's signing key {kid[:80]!r} is not in the key set")
        try:
            claims = jwt.decode(
                page,
                key,
                algorithms=[alg],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options=self._options,
            )
        except jwt.PyJWTError as e:
            raise InvalidPage(f"the page does not verify: {e}") from e
        if claims.get("ver") != PROTOCOL_VERSION or type(claims.get("ver")) is not int:
            raise InvalidPage(f"the page is version {str(claims.get('ver'))[:20]}, not {PROTOCOL_VERSION}")
        return claims
