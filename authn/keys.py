"""Where verification keys come from: a JWKS document given inline or fetched by URL.

Only asymmetric signing keys are taken from a key set; HMAC secrets never are
(RFC 8725 §3.1: keys must not be chosen by what a token claims).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from jwt import PyJWK
from jwt.exceptions import PyJWTError

from .errors import InvalidToken, KeySourceUnavailable, Refusal
from .fetch import FetchError, get_json
from .observer import Observer

logger = logging.getLogger(__name__)

ASYMMETRIC_KEY_TYPES = frozenset({"OKP", "EC", "RSA"})
MAX_JWKS_BYTES = 256 * 1024


class KeySet:
    """An immutable snapshot of one JWKS document's signing keys, by ``kid``."""

    def __init__(self, document: Any) -> None:
        keys = document.get("keys") if isinstance(document, Mapping) else None
        if not isinstance(keys, list):
            raise ValueError("a JWKS document is a JSON object with a 'keys' list")
        self._jwks: dict[str, Mapping[str, Any]] = {
            jwk["kid"]: jwk
            for jwk in keys
            if isinstance(jwk, Mapping)
            and isinstance(jwk.get("kid"), str)
            and jwk.get("kty") in ASYMMETRIC_KEY_TYPES
            and jwk.get("use", "sig") == "sig"
        }
        # Parsed keys, filled on first use; a race only parses a key twice.
        self._parsed: dict[tuple[str, str], PyJWK] = {}

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._jwks)

    def same_keys(self, other: KeySet) -> bool:
        """True when both sets hold the same keys: same kids, and the same key material under each."""
        return self._jwks == other._jwks

    def find(self, kid: str, alg: str) -> PyJWK | None:
        """Return the key ``kid`` bound to ``alg``, or None when the set lacks it."""
        key = self._parsed.get((kid, alg))
        if key is not None:
            return key
        jwk = self._jwks.get(kid)
        if jwk is None:
            return None
        declared = jwk.get("alg")
        if declared is not None and declared != alg:
            raise InvalidToken(
                Refusal.ALGORITHM_MISMATCH,
                reason=f"token alg {alg} but key is declared {declared}",
                kid=kid,
            )
        try:
            key = PyJWK(dict(jwk), algorithm=alg)
        except PyJWTError as e:
            raise InvalidToken(
                Refusal.ALGORITHM_MISMATCH,
                reason=f"key of type {jwk.get('kty')} cannot verify {alg}: {e}",
                kid=kid,
            ) from e
        self._parsed[(kid, alg)] = key
        return key


class StaticKeySource:
    """Keys from a JWKS document held in configuration: no network at all."""

    def __init__(self, document: Any) -> None:
        self._keys = KeySet(document)

    def find(self, kid: str, alg: str) -> PyJWK | None:
        return self._keys.find(kid, alg)


class KeyFetchError(Exception):
    """The key set could not be fetched or was not a usable JWKS document."""


def fetch_jwks(url: str, *, timeout: float, max_bytes: int = MAX_JWKS_BYTES) -> KeySet:
    """Fetch and parse a JWKS document (``authn.fetch.get_json``: bounded in size and time, no redirects)."""
    try:
        document = get_json(url, timeout=timeout, max_bytes=max_bytes)
    except FetchError as e:
        raise KeyFetchError(str(e)) from e
    try:
        return KeySet(document)
    except ValueError as e:
        raise KeyFetchError(f"GET {url} did not return a JWKS document: {e}") from e


class RemoteKeySource:
    """Keys from a JWKS URL, fetched once per process and shared by its threads.

    The set is refetched when it is older than ``cache_seconds``, or sooner when a
    token names an unknown ``kid``, but never more than once per
    ``cooldown_seconds``, so a flood of made-up kids cannot hammer the key server.
    When a fetch fails, the keys already held keep working until they are
    ``max_stale_seconds`` past their expiry (stale-if-error).
    """

    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float,
        max_stale_seconds: float,
        cooldown_seconds: float,
        timeout_seconds: float,
        fetch: Callable[[str], KeySet] | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[], None] | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.url = url
        self._observer = observer
        self._cache_seconds = cache_seconds
        self._max_stale_seconds = max_stale_seconds
        self._cooldown_seconds = cooldown_seconds
        self._timeout_seconds = timeout_seconds
        self._fetch = fetch or (lambda u: fetch_jwks(u, timeout=timeout_seconds))
        self._clock = clock
        self._on_change = on_change
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._fetched_at = -math.inf  # last successful fetch
        self._attempted_at = -math.inf  # last fetch, successful or not
        self._last_failure: str | None = None
        self._generation = 0  # completed fetch attempts: tells a waiting thread it can skip its own

    def find(self, kid: str, alg: str) -> PyJWK | None:
        """Return the key for ``kid``; None when the key set, as last fetched, lacks it.

        Raises KeySourceUnavailable only when the key is not held and the key set
        cannot be fetched (the last attempt failed, or none succeeded yet): the
        token may then be genuine. A ``kid`` missing from a key set that was
        fetched successfully is unknown (401), inside the refetch cooldown too, so
        made-up kids can never make the API report an outage; a key rotated in
        during the cooldown is refused once, and the web app renews and resends.
        """
        now, generation = self._clock(), self._generation
        if now - self._fetched_at >= self._cache_seconds:
            self._refresh(generation, wait=self._usable_keys(now) is None)
        keys = self._usable_keys(now)
        key = keys.find(kid, alg) if keys is not None else None
        if key is None and now - self._attempted_at >= self._cooldown_seconds:
            self._refresh(generation, wait=True)
            keys = self._usable_keys(now)
            key = keys.find(kid, alg) if keys is not None else None
        if key is not None or (keys is not None and self._last_failure is None):
            return key
        reason = self._last_failure or "no key set has been fetched yet"
        raise KeySourceUnavailable(reason, retry_after=self._retry_after(now))

    def ensure_loaded(self) -> None:
        """Fetch the key set now unless a usable one is held (readiness checks)."""
        now = self._clock()
        if self._usable_keys(now) is None:
            self._refresh(self._generation, wait=True)
        if self._usable_keys(now) is None:
            raise KeySourceUnavailable(self._last_failure or "no keys", retry_after=self._retry_after(now))

    def _usable_keys(self, now: float) -> KeySet | None:
        if now - self._fetched_at < self._cache_seconds + self._max_stale_seconds:
            return self._keys
        return None

    def _retry_after(self, now: float) -> int:
        return max(1, math.ceil(self._cooldown_seconds - (now - self._attempted_at)))

    def _refresh(self, seen_generation: int, *, wait: bool) -> None:
        # A thread that still holds usable keys does not queue behind a fetch
        # in progress; one that holds none waits for its outcome.
        if not self._lock.acquire(blocking=wait, timeout=self._timeout_seconds + 1 if wait else -1):
            return
        try:
            if self._generation != seen_generation:
                return  # another thread fetched while this one waited
            started = self._clock()
            if self._last_failure is not None and started - self._attempted_at < self._cooldown_seconds:
                return  # the key server failed moments ago: do not hammer it
            self._attempted_at = started
            self._fetch_and_store(started)
            self._generation += 1
        finally:
            self._lock.release()

    def _fetch_and_store(self, started: float) -> None:
        fetch_started = time.perf_counter()
        try:
            keys = self._fetch(self.url)
        except KeyFetchError as e:
            if self._observer is not None:
                self._observer.keyset_fetched(False, time.perf_counter() - fetch_started)
            self._last_failure = str(e)
            logger.warning("JWKS refresh failed; keeping the keys held: %s", e)
            return
        if self._observer is not None:
            self._observer.keyset_fetched(True, time.perf_counter() - fetch_started)
        # A kid republished with other key material is a change too: tokens verified
        # with the old material must be checked again (see token_cache.py).
        previous = self._keys
        self._keys, self._fetched_at, self._last_failure = keys, started, None
        if previous is None or not keys.same_keys(previous):
            logger.info("JWKS loaded from %s: kids %s", self.url, sorted(keys.kids))
            # The first load replaces nothing, so nothing verified before can be stale.
            if previous is not None and self._on_change is not None:
                self._on_change()
