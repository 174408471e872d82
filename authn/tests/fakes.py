"""Test doubles the authn tests share."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ed25519
from jwt.algorithms import OKPAlgorithm

from authn.feed_page import PAGE_TYPE, FeedPageVerifier
from authn.fetch import FetchError
from authn.keys import StaticKeySource
from authn.revocation import RevocationFeed


class Clock:
    """A clock the test moves by hand (``clock.now += 5``), for ``time.monotonic``-style callables."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


NOW = 1_764_500_000


def session_revoked(event_id: int, sid: str, user: str = "alice", at: int = NOW) -> dict[str, Any]:
    return {
        "id": event_id,
        "jti": f"jti-{event_id}",
        "type": "session.revoked",
        "sessionId": sid,
        "userId": user,
        "at": at,
        "expiresAt": at + 960,
    }


def user_event(event_id: int, kind: str, user: str, at: int = NOW) -> dict[str, Any]:
    return {
        "id": event_id,
        "jti": f"jti-{event_id}",
        "type": kind,
        "sessionId": None,
        "userId": user,
        "at": at,
        "expiresAt": at + 960,
    }


ISSUER = "http://auth.test"  # the test settings' issuer and audience
FEED_KID = "feed-test-key"
FEED_KEY = ed25519.Ed25519PrivateKey.generate()
FEED_JWK = {**OKPAlgorithm.to_jwk(FEED_KEY.public_key(), as_dict=True), "alg": "EdDSA", "kid": FEED_KID}


def signed_page(
    events: list[Any],
    *,
    after: int,
    nonce: str,
    incarnation: str | None = "incarnation-1",
    anchor: str | None = None,
    key: Any = FEED_KEY,
    kid: str = FEED_KID,
    **claims: Any,
) -> dict[str, str]:
    """A feed answer as the issuer signs it (the protocol, section 3); ``claims`` override or add claims."""
    now = int(time.time())
    payload = {
        "ver": 1,
        "iss": ISSUER,
        "aud": ISSUER,
        "iat": now,
        "exp": now + 60,
        "nonce": nonce,
        "after": after,
        "incarnation": incarnation,
        "anchor": anchor,
        "events": events,
        "oldest": None,
        "newest": None,
        **claims,
    }
    return {"page": jwt.encode(payload, key, algorithm="EdDSA", headers={"kid": kid, "typ": PAGE_TYPE})}


def answer_from(events: list[dict[str, Any]], url: str, incarnation: str | None = "incarnation-1") -> dict[str, str]:
    """The signed page the issuer would answer ``url`` (``?after=…&limit=…&nonce=…``) with, over ``events``."""
    query = parse_qs(urlsplit(url).query)
    after, limit, nonce = int(query["after"][0]), int(query["limit"][0]), query["nonce"][0]
    ids = [e["id"] for e in events]
    return signed_page(
        [e for e in events if e["id"] > after][:limit],
        after=after,
        nonce=nonce,
        incarnation=incarnation if events else None,
        anchor=next((e["jti"] for e in events if e["id"] == after), None),
        oldest=min(ids, default=None),
        newest=max(ids, default=None),
    )


def page_verifier(jwks: dict[str, Any] | None = None) -> FeedPageVerifier:
    """Verifies pages signed with FEED_KEY (or the keys of ``jwks``) for the test issuer."""
    return FeedPageVerifier(
        [StaticKeySource(jwks or {"keys": [FEED_JWK]})],
        algorithms=["EdDSA", "ES256", "ES512", "RS256", "PS256"],
        issuer=ISSUER,
        audience=ISSUER,
        leeway_seconds=5,
    )


class FakeFeed:
    """The feed as the issuer answers it, pages signed; ``down`` makes every fetch fail.

    ``incarnation`` names the feed's history; ``tamper(answer)`` may rewrite an
    answer on its way, as a party on the link would.
    """

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.down = False
        self.incarnation = "incarnation-1"
        self.tamper: Callable[[dict[str, Any]], Any] | None = None

    def __call__(self, url: str, *, timeout: float, max_bytes: int, headers: dict[str, str]) -> Any:
        self.requests.append((url, headers))
        if self.down:
            raise FetchError("connection refused")
        answer = answer_from(self.events, url, self.incarnation)
        return self.tamper(answer) if self.tamper is not None else answer


def feed_polled_by_hand(source: FakeFeed, **overrides: Any) -> RevocationFeed:
    """A revocation feed over ``source`` that starts no thread: the test calls ``poll()`` itself."""
    options: dict[str, Any] = {
        "poll_seconds": 0.5,
        "max_stale_seconds": 30,
        "timeout_seconds": 1,
        "wall_clock": lambda: NOW,
        "fetch": source,
        "page_verifier": page_verifier(),
        **overrides,
    }
    feed = RevocationFeed("https://auth.test/api/auth/revocations", "k" * 32, **options)
    feed.start = lambda: None  # type: ignore[method-assign]
    return feed
