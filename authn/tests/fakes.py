"""Test doubles the authn tests share."""

from __future__ import annotations

from typing import Any

from authn.fetch import FetchError
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
        "type": "session.revoked",
        "sessionId": sid,
        "userId": user,
        "at": at,
        "expiresAt": at + 960,
    }


def user_event(event_id: int, kind: str, user: str, at: int = NOW) -> dict[str, Any]:
    return {"id": event_id, "type": kind, "sessionId": None, "userId": user, "at": at, "expiresAt": at + 960}


class FakeFeed:
    """The feed's pages, as the Better Auth server would answer them; ``down`` makes every fetch fail."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.down = False

    def __call__(self, url: str, *, timeout: float, max_bytes: int, headers: dict[str, str]) -> Any:
        self.requests.append((url, headers))
        if self.down:
            raise FetchError("connection refused")
        after = int(url.split("after=")[1].split("&")[0])
        limit = int(url.split("limit=")[1])
        newest = max((e["id"] for e in self.events), default=None)
        return {"events": [e for e in self.events if e["id"] > after][:limit], "newest": newest}


def feed_polled_by_hand(source: FakeFeed, **overrides: Any) -> RevocationFeed:
    """A revocation feed over ``source`` that starts no thread: the test calls ``poll()`` itself."""
    options: dict[str, Any] = {
        "poll_seconds": 0.5,
        "max_stale_seconds": 30,
        "timeout_seconds": 1,
        "wall_clock": lambda: NOW,
        "fetch": source,
        **overrides,
    }
    feed = RevocationFeed("https://auth.test/api/auth/revocations", "k" * 32, **options)
    feed.start = lambda: None  # type: ignore[method-assign]
    return feed
