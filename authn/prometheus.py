"""authn's metrics as Prometheus counters and histograms (``AUTHN["METRICS"]``; needs prometheus-client).

The metrics are registered in prometheus_client's default registry, and in
its multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``) written to files every
process of the instance shares. Exposing them is the host's job.

A Prometheus counter takes a lock (and in multiprocess mode writes a file) on
every increment, about 1-2 µs: as much as a tenth of verifying a token seen
before. So the three per-request facts are tallied lock-free
(``itertools.count``, atomic in CPython) and added to their counters by a
background thread every ``FLUSH_SECONDS``, and by ``flush()`` before a scrape.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable

from prometheus_client import Counter, Gauge, Histogram

FLUSH_SECONDS = 1.0
FLUSH_THREAD_NAME = "authn-metrics"

TOKENS_VERIFIED = Counter("authn_tokens_verified", "Requests whose bearer token was accepted.")
TOKENS_REFUSED = Counter(
    "authn_tokens_refused", "Requests whose bearer token was refused (401), by reason.", ["reason"]
)
TOKEN_CACHE = Counter(
    "authn_token_cache_lookups", "Lookups in the verified-token cache, by result (hit, miss).", ["result"]
)
KEYSET_FETCHES = Counter("authn_jwks_fetches", "Key set (JWKS) fetches, by result (ok, failed).", ["result"])
KEYSET_FETCH_SECONDS = Histogram(
    "authn_jwks_fetch_seconds",
    "How long a key set fetch took, successful or not.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
REVOCATIONS_APPLIED = Counter("authn_revocations_applied", "Revocation feed events applied, by type.", ["type"])
REVOCATION_LAG_SECONDS = Histogram(
    "authn_revocation_lag_seconds",
    "From a revocation at Better Auth (its 'at', whole seconds) to its effect in this process.",
    buckets=(0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 300.0),
)
# Per process; across processes the largest counts ("max" in multiprocess mode).
REVOCATIONS_HELD = Gauge(
    "authn_revocations_held", "Live revocations a process holds after its last feed read.", multiprocess_mode="max"
)
REVOCATIONS_HELD_LIMIT = Gauge(
    "authn_revocations_held_limit",
    "The most live revocations a process may hold (REVOCATION_MAX_HELD).",
    multiprocess_mode="max",
)
RATE_LIMITED = Counter("authn_rate_limited", "Requests answered 429, by the limit they exceeded.", ["limit"])


class _Tally:
    """A count that the request path bumps without a lock; ``take()`` returns what was added since the last take.

    ``next()`` on an ``itertools.count`` is one atomic step and returns how many
    calls came before it, takes included, so ``take`` subtracts its own calls.
    """

    def __init__(self) -> None:
        self._count = itertools.count()
        self.add: Callable[[], int] = self._count.__next__
        self._takes = 0
        self._taken = 0

    def take(self) -> int:
        """Call under the owner's lock: the count added since the previous take."""
        total = next(self._count) - self._takes
        self._takes += 1
        new, self._taken = total - self._taken, total
        return new


class PrometheusObserver:
    """An ``authn.observer.Observer`` that counts in prometheus_client's metrics."""

    def __init__(self, *, flush_seconds: float = FLUSH_SECONDS) -> None:
        self._flush_seconds = flush_seconds
        self._verified, self._hits, self._misses = _Tally(), _Tally(), _Tally()
        self._targets = (
            (self._verified, TOKENS_VERIFIED),
            (self._hits, TOKEN_CACHE.labels("hit")),
            (self._misses, TOKEN_CACHE.labels("miss")),
        )
        # The per-request hooks are the tallies' own C-level methods: no Python frame per call.
        self.token_verified = self._verified.add
        self.cache_hit = self._hits.add
        self.cache_miss = self._misses.add
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._start()
        # A forked child (a gunicorn worker of a preloaded app) has no threads: start its own.
        os.register_at_fork(after_in_child=self._start)

    def flush(self) -> None:
        """Add what the tallies counted since the last flush to the Prometheus counters."""
        with self._lock:
            for tally, counter in self._targets:
                new = tally.take()
                if new:
                    counter.inc(new)

    def stop(self) -> None:
        """Flush one last time and end the background thread."""
        self._stopped.set()
        self.flush()

    def _start(self) -> None:
        self._lock = threading.Lock()  # a lock held at the fork would never be released in the child
        if not self._stopped.is_set():
            self._thread = threading.Thread(target=self._run, name=FLUSH_THREAD_NAME, daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._flush_seconds):
            self.flush()

    def token_refused(self, reason: str) -> None:
        TOKENS_REFUSED.labels(reason).inc()

    def keyset_fetched(self, ok: bool, seconds: float) -> None:
        KEYSET_FETCHES.labels("ok" if ok else "failed").inc()
        KEYSET_FETCH_SECONDS.observe(seconds)

    def revocation_applied(self, kind: str, lag_seconds: float | None) -> None:
        REVOCATIONS_APPLIED.labels(kind).inc()
        if lag_seconds is not None:
            REVOCATION_LAG_SECONDS.observe(max(0.0, lag_seconds))

    def revocations_held(self, held: int, most: int | None) -> None:
        REVOCATIONS_HELD.set(held)
        if most is not None:
            REVOCATIONS_HELD_LIMIT.set(most)

    def rate_limited(self, limit: str) -> None:
        RATE_LIMITED.labels(limit).inc()
