"""Ended sessions and revoked users, learned from Better Auth's revocation feed and held in memory.

Each process polls the feed in a background thread and keeps what it says in
two dicts, so checking a token costs two lookups: no query, no round trip.
A revocation is kept until every token it can match has expired
(``expiresAt``, plus the clock leeway tokens get), then dropped. The feed
request is signed with the feed's own secret (HMAC-SHA256 over a timestamp, the
path and the query), which only says who may read. Each page is a JWS the issuer
signs with its token keys, bound to the request by a fresh nonce, so nothing on
the way can drop, invent or replay an event. The protocol is written down in
PROTOCOL.md, shipped with the npm package ``better-auth-revocation-feed``.

Until the first successful poll, and once the last one is older than
``max_stale_seconds``, the process cannot know what was revoked: tokens get 503
with ``Retry-After`` (fail closed), as while a key set cannot be fetched.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlencode

from . import audit
from .errors import InvalidToken, KeySourceUnavailable, Refusal, RevocationsUnavailable
from .feed_page import FeedPageVerifier, InvalidPage
from .fetch import FetchError, get_json
from .observer import Observer
from .throttled_warning import ThrottledWarning

logger = logging.getLogger(__name__)

# What hosts pass to ``refuse_token`` for an ended session (the text 0.1 took); ``Refusal.SESSION_ENDED`` is the same.
SESSION_ENDED = Refusal.SESSION_ENDED.description
PAGE_SIZE = 500
MAX_PAGES_PER_POLL = 20
MAX_EVENT_ID = 2**53  # ids the feed accepts back as ?after=, as JavaScript's safe integers
MAX_FEED_BYTES = 1024 * 1024
MAX_ID_LENGTH = 255
# A feed outage is a WARNING once per this many seconds per process, INFO otherwise.
OUTAGE_WARNING_SECONDS = 60.0
POLLING_THREAD_NAME = "authn-revocations"
READY_WITHIN_SECONDS = 2.0  # the promise: a revocation is applied everywhere within 2 s
EVENT_TYPES = frozenset({"session.revoked", "user.revoked", "user.deleted"})
# The feed's margin past a token's expiry (the protocol, section 3), which also covers clocks that disagree.
CLOCK_MARGIN_SECONDS = 60


def feed_authorization(secret: str, path_and_query: str, now: int) -> str:
    """The ``Authorization`` value of one feed request: valid for its path, query and second only."""
    message = f"{now}\nGET\n{path_and_query}".encode()
    signature = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"Revocation-HMAC t={now}, sig={signature}"


class RevocationList:
    """The live revocations: sessions by id, users by id with the time up to which their tokens are void.

    Bounded twice, whatever the feed says. An event is held no longer than a
    token can live past it (``max_token_lifetime``, which the verifier enforces
    on every token). And no more than ``max_held`` are held at once: when a new
    one finds the list full, every revocation is forgotten at once and, instead,
    every token issued up to the newest of them is refused until it has expired.
    No revoked token is accepted; tokens of live sessions are refused once, and
    their clients renew them (``compactions`` counts how often that happened).
    """

    def __init__(self, *, max_token_lifetime: float = math.inf, max_held: int | None = None) -> None:
        self._sessions: dict[str, float] = {}  # sid -> expires at (unix seconds)
        self._users: dict[str, tuple[float, float]] = {}  # sub -> (tokens issued up to this time are void, expires)
        # After a compaction: (tokens issued before this time are void, until this time), else None.
        self._everyone: tuple[float, float] | None = None
        self._newest_at = 0.0  # the latest ``at`` applied: what a compaction must cover
        self.max_token_lifetime = max_token_lifetime
        self.max_held = max_held
        self.compactions = 0

    def __len__(self) -> int:
        return len(self._sessions) + len(self._users)

    def refusal(self, claims: Mapping[str, Any]) -> Refusal | None:
        """Why a verified token must be refused now, or None."""
        sid = claims.get("sid")
        if not isinstance(sid, str) or not sid:
            return Refusal.NO_SESSION
        if sid in self._sessions:
            return Refusal.SESSION_ENDED
        user = self._users.get(claims["sub"])
        if user is not None:
            issued = claims.get("iat")
            # Strictly before: a token of the same second may be a new sign-in after it, and the
            # sessions the revocation ended come as session events of their own. No iat: refused.
            if not isinstance(issued, (int, float)) or issued < user[0]:
                return Refusal.SESSION_ENDED
        everyone = self._everyone
        if everyone is not None:
            issued = claims.get("iat")
            if not isinstance(issued, (int, float)) or issued < everyone[0]:
                return Refusal.SESSION_ENDED
        return None

    def apply(self, event: Mapping[str, Any], now: float) -> bool:
        """Add one feed event; False when it is not one this list understands (it is then ignored).

        ``at`` is taken as no later than ``now`` plus the feed's margin, and ``expiresAt``
        as no later than a token issued by ``at`` can live: no event is held longer.
        """
        kind, user_id, at, expires = event.get("type"), event.get("userId"), event.get("at"), event.get("expiresAt")
        if kind not in EVENT_TYPES or not _is_id(user_id) or not _is_time(at) or not _is_time(expires):
            return False
        at = min(at, now + CLOCK_MARGIN_SECONDS)
        expires = min(expires, at + self.max_token_lifetime + CLOCK_MARGIN_SECONDS)
        self._newest_at = max(self._newest_at, at)
        if kind == "session.revoked":
            session_id = event.get("sessionId")
            if not _is_id(session_id):
                return False
            self._make_room(session_id, self._sessions)
            self._sessions[session_id] = max(expires, self._sessions.get(session_id, 0))
        else:
            self._make_room(user_id, self._users)
            cutoff, until = self._users.get(user_id, (0, 0))
            self._users[user_id] = (max(at, cutoff), max(expires, until))
        return True

    def _make_room(self, key: str, held: Mapping[str, Any]) -> None:
        if self.max_held is not None and key not in held and len(self) >= self.max_held:
            self._compact()

    def _compact(self) -> None:
        """Full: trade every revocation held for one cutoff that refuses every token they could match, and more."""
        # A second past the newest: tokens of that very second may belong to a session it ended.
        issued_before = self._newest_at + 1
        until = max(
            (*self._sessions.values(), *(expires for _, expires in self._users.values())),
            default=self._newest_at + self.max_token_lifetime + CLOCK_MARGIN_SECONDS,
        )
        if self._everyone is not None:
            issued_before, until = max(issued_before, self._everyone[0]), max(until, self._everyone[1])
        logger.warning(
            "revocation list full (%d held, REVOCATION_MAX_HELD): every token issued before %d is refused instead,"
            " until %d; clients renew theirs",
            len(self),
            issued_before,
            until,
        )
        self._sessions.clear()
        self._users.clear()
        self._everyone = (issued_before, until)
        self.compactions += 1

    def forget_expired(self, now: float) -> None:
        """Drop revocations no live token can match any more: their state lives no longer than a token."""
        for sid, expires in list(self._sessions.items()):
            if expires <= now:
                self._sessions.pop(sid, None)
        for user_id, (_, expires) in list(self._users.items()):
            if expires <= now:
                self._users.pop(user_id, None)
        if self._everyone is not None and self._everyone[1] <= now:
            self._everyone = None


class RevocationFeed:
    """Polls the feed, applies its events in order, and answers for tokens (``check``).

    ``on_user_deleted(user_id, expires_at)`` runs in the polling thread for each
    ``user.deleted`` event, after the user's tokens are already refused here;
    ``expires_at`` (unix seconds) is when the user's last token has expired.
    Each event applied is an audit line, and reported to ``observer`` with its
    lag: from its ``at`` to now, except for the backlog of the first read.
    """

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        page_verifier: FeedPageVerifier,
        leeway_seconds: float = 0,
        max_token_lifetime_seconds: float = math.inf,
        max_held: int | None = None,
        poll_seconds: float,
        max_stale_seconds: float,
        timeout_seconds: float,
        on_user_deleted: Callable[[str, float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        fetch: Callable[..., Any] = get_json,
        observer: Observer | None = None,
    ) -> None:
        self.url = url
        self._secret = secret
        self._page_verifier = page_verifier
        self.leeway_seconds = leeway_seconds
        self.poll_seconds = poll_seconds
        self.max_stale_seconds = max_stale_seconds
        self.timeout_seconds = timeout_seconds
        self.on_user_deleted = on_user_deleted
        self.revocations = RevocationList(max_token_lifetime=max_token_lifetime_seconds, max_held=max_held)
        self._clock = clock
        self._wall_clock = wall_clock
        self._fetch = fetch
        self._observer = observer
        # Where this process is in the feed: the last id read, its jti, and the feed's incarnation.
        self._cursor = 0
        self._anchor: str | None = None
        self._incarnation: str | None = None
        self._synced_at: float | None = None  # monotonic time of the last successful poll
        self._attempted_at = -math.inf
        self._poll_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._outage_warning = ThrottledWarning(OUTAGE_WARNING_SECONDS, clock=clock)
        self.last_error: str | None = None

    # The hot path ------------------------------------------------------------------

    def check(self, claims: Mapping[str, Any]) -> None:
        """Raise InvalidToken for a revoked token, RevocationsUnavailable when this process cannot know."""
        if not self._is_fresh():
            self._catch_up()
        refusal = self.revocations.refusal(claims)
        if refusal is not None:
            raise InvalidToken(
                refusal,
                reason=f"revoked: {refusal.description.lower()}",
                sub=claims.get("sub"),
                sid=claims.get("sid"),
            )

    # Polling -------------------------------------------------------------------------

    @property
    def staleness(self) -> float | None:
        """Seconds since the last successful poll, or None before the first."""
        return None if self._synced_at is None else self._clock() - self._synced_at

    def ensure_fresh(self) -> None:
        """Readiness: raise RevocationsUnavailable unless the feed was read within ``ready_within`` seconds.

        Stricter than serving (``max_stale_seconds``): an instance that cannot keep
        the 2-second promise reports it long before it starts refusing tokens.
        """
        self.start()
        if self._synced_at is None and self._poll_lock.acquire(timeout=self.timeout_seconds):
            try:
                if self._synced_at is None:
                    self._poll_locked()
            finally:
                self._poll_lock.release()
        staleness = self.staleness
        if staleness is None or staleness > self.ready_within:
            raise RevocationsUnavailable(
                f"last read {'never' if staleness is None else f'{staleness:.1f} s ago'}: {self.last_error}",
                retry_after=max(1, math.ceil(self.poll_seconds)),
            )

    @property
    def ready_within(self) -> float:
        return max(READY_WITHIN_SECONDS, 4 * self.poll_seconds)

    def start(self) -> None:
        """Start the polling thread of this process (again after a fork: threads do not survive one)."""
        if not self._stopped.is_set() and (self._thread is None or not self._thread.is_alive()):
            self._thread = threading.Thread(target=self._run, name=POLLING_THREAD_NAME, daemon=True)
            self._thread.start()

    def poll(self) -> bool:
        """Read every new event, apply it, and say whether the feed answered."""
        with self._poll_lock:
            return self._poll_locked()

    def _catch_up(self) -> None:
        """First use, or stale: start the thread and poll now; 503 when the feed still cannot be read.

        At most one attempt per poll interval is made on a request's behalf: during
        an outage the others are answered at once instead of queueing on the lock.
        """
        self.start()
        # Never read: wait for a read under way (the thread's first) rather than answer 503 beside it.
        waits = self._synced_at is None or self._clock() - self._attempted_at >= self.poll_seconds
        if waits and self._poll_lock.acquire(timeout=self.timeout_seconds):
            try:
                # Another thread may have read, or failed to, while this one waited.
                if not self._is_fresh() and self._clock() - self._attempted_at >= self.poll_seconds:
                    self._poll_locked()
            finally:
                self._poll_lock.release()
        if not self._is_fresh():
            raise RevocationsUnavailable(
                self.last_error or "never read", retry_after=max(1, math.ceil(self.poll_seconds))
            )

    def _is_fresh(self) -> bool:
        synced_at = self._synced_at
        return synced_at is not None and self._clock() - synced_at <= self.max_stale_seconds

    def stop(self) -> None:
        """End the polling thread (a changed setting builds a new feed)."""
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self.poll()
            except Exception as e:  # the thread must outlive anything a feed can provoke
                self._report_failure(f"{type(e).__name__}: {e}")
            self._stopped.wait(self.poll_seconds)

    def _poll_locked(self) -> bool:
        started = self._attempted_at = self._clock()
        self.revocations.forget_expired(self._wall_clock() - self.leeway_seconds)  # room first, then read
        try:
            for _ in range(MAX_PAGES_PER_POLL):  # a feed that never ends a poll cannot hold this one
                page = self._read_page()
                if self._cursor and (page.incarnation != self._incarnation or page.anchor != self._anchor):
                    # Another history (a restore, a new database): ids this process passed may now
                    # name events it never saw. Read it all again; applying an event twice changes nothing.
                    logger.warning(
                        "revocation feed starts over (incarnation %s, event %d %s): reading it from the start",
                        "changed" if page.incarnation != self._incarnation else "the same",
                        self._cursor,
                        "gone" if page.anchor is None else "replaced",
                    )
                    self._cursor, self._anchor = 0, None
                    continue
                self._incarnation = page.incarnation
                for event in page.events:
                    self._apply(event)
                if len(page.events) < PAGE_SIZE:
                    break
            else:
                raise ValueError(f"GET {self.url} had more than {MAX_PAGES_PER_POLL} pages; the rest comes next poll")
        except (FetchError, ValueError, HookFailed, KeySourceUnavailable) as e:
            self._report_failure(str(e))
            return False
        finally:
            if self._observer is not None:
                self._observer.revocations_held(len(self.revocations), self.revocations.max_held)
        self._synced_at = started
        self.last_error = None
        return True

    def _read_page(self) -> FeedPage:
        """One page after the cursor, verified: signed by the issuer, for this very request."""
        nonce = secrets.token_urlsafe(16)
        query = urlencode({"after": self._cursor, "limit": PAGE_SIZE, "nonce": nonce})
        separator = "&" if "?" in self.url else "?"
        url = f"{self.url}{separator}{query}"
        path_and_query = url.split("://", 1)[-1].partition("/")[2]
        authorization = feed_authorization(self._secret, "/" + path_and_query, int(self._wall_clock()))
        body = self._fetch(
            url, timeout=self.timeout_seconds, max_bytes=MAX_FEED_BYTES, headers={"Authorization": authorization}
        )
        try:
            claims = self._page_verifier.verify(body.get("page") if isinstance(body, Mapping) else None)
        except InvalidPage as e:
            raise ValueError(f"GET {self.url}: {e}") from e
        # Bound to this request: a page made for another cursor or nonce is a replay.
        if claims.get("nonce") != nonce or claims.get("after") != self._cursor or type(claims["after"]) is not int:
            raise ValueError(f"GET {self.url}: the page was not made for this request")
        events, incarnation, anchor = claims.get("events"), claims.get("incarnation"), claims.get("anchor")
        if not isinstance(events, list) or not _is_optional_id(incarnation) or not _is_optional_id(anchor):
            raise ValueError(f"GET {self.url}: the page's events, incarnation or anchor are malformed")
        return FeedPage(events, incarnation, anchor)

    def _apply(self, event: Any) -> None:
        event_id = event.get("id") if isinstance(event, Mapping) else None
        jti = event.get("jti") if isinstance(event, Mapping) else None
        # The page is signed, so a malformed or out-of-order event is the issuer's fault: stop, fail closed.
        if not _is_event_id(event_id) or event_id <= self._cursor or not _is_id(jti):
            raise ValueError(f"revocation feed event {str(event_id)[:20]} is malformed or out of order")
        if not self.revocations.apply(event, self._wall_clock()):
            self._cursor, self._anchor = event_id, jti
            logger.warning("revocation feed event %d ignored: not understood", event_id)
            return
        if event["type"] == "user.deleted" and self.on_user_deleted is not None:
            try:
                self.on_user_deleted(event["userId"], event["expiresAt"])
            except Exception as e:
                # The cursor stays before this event, so the next poll runs the hook again.
                raise HookFailed(f"user.deleted {event_id}: {type(e).__name__}: {e}") from e
        self._cursor, self._anchor = event_id, jti
        # The first read's backlog happened before this process started: no lag of its making.
        lag = None if self._synced_at is None else round(self._wall_clock() - event["at"], 3)
        if self._observer is not None:
            self._observer.revocation_applied(event["type"], lag)
        audit.log_event(
            audit.REVOCATION_APPLIED,
            user_id=event["userId"],
            session_id=event.get("sessionId"),
            reason=event["type"],
            revocation_id=event_id,
            lag_seconds=lag,
        )

    def _report_failure(self, error: str) -> None:
        self.last_error = error
        logger.log(self._outage_warning.level(), "revocation feed unreachable: %.200s", error)


class FeedPage(NamedTuple):
    """What a verified page says: its events, the feed's incarnation, the jti of the event at the cursor."""

    events: list[Any]
    incarnation: str | None
    anchor: str | None


class HookFailed(Exception):
    """The host's handler of a deleted user failed; the event is applied again on the next poll."""


def _is_event_id(value: Any) -> bool:
    return type(value) is int and 0 <= value < MAX_EVENT_ID


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH


def _is_optional_id(value: Any) -> bool:
    return value is None or _is_id(value)


def _is_time(value: Any) -> bool:
    return type(value) in (int, float) and 0 <= value < 2**40
