"""The payload Better Auth's ``jwt()`` plugin issues, for development tokens, tests and benchmarks.

One description of that shape (docs/api.md, "Authentication"), so ``mint_token``, the
test fixtures and the load scripts cannot drift apart from it, or from each other.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

BETTER_AUTH_LIFETIME_SECONDS = 900


def better_auth_claims(
    sub: str,
    *,
    issuer: str | None,
    audience: str | None,
    ttl: int = BETTER_AUTH_LIFETIME_SECONDS,
    email: str | None = None,
    name: str | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """``iat``, ``exp``, ``sub`` = ``id``, ``email``, ``name``, ``emailVerified``, ``sid``; ``iss``/``aud`` when given.

    ``sid`` names the Better Auth session a real token was issued for (the web app adds
    it); here a made-up session of its own, which nothing will ever revoke.
    """
    issued = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "iat": issued,
        "exp": issued + ttl,
        "sub": sub,
        "id": sub,
        "email": email or f"{sub}@example.com",
        "name": sub if name is None else name,
        "emailVerified": True,
        "sid": f"minted-{secrets.token_urlsafe(12)}",
    }
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return claims
