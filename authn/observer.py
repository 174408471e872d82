"""What authn tells a host about its work, for metrics: the hooks it calls, and none when none is set.

``AUTHN["METRICS"] = True`` sets ``authn.prometheus.PrometheusObserver``;
otherwise every place that would report holds None and skips the call, so
metrics cost nothing when they are off. A host may pass any object with these
methods instead (``TokenVerifier(observer=...)``, ``RemoteKeySource``, ``RevocationFeed``).
"""

from __future__ import annotations

from typing import Protocol


class Observer(Protocol):
    """Receives one call per fact; each must be cheap, the first three most of all (every request)."""

    def token_verified(self) -> None:
        """A request's token was accepted."""

    def cache_hit(self) -> None:
        """A token was found among those verified before."""

    def cache_miss(self) -> None:
        """A token was not found there and is verified in full."""

    def token_refused(self, reason: str) -> None:
        """A request's token was refused; ``reason`` is a ``Refusal``'s code (``expired``, ``signature``...)."""

    def keyset_fetched(self, ok: bool, seconds: float) -> None:
        """A key set fetch ended, well or not, after ``seconds``."""

    def revocation_applied(self, kind: str, lag_seconds: float | None) -> None:
        """A feed event took effect; ``lag_seconds`` after it happened (None for the first read's backlog)."""

    def revocations_held(self, held: int, most: int | None) -> None:
        """After each feed read: the revocations this process holds, and the most it may (None: no bound)."""

    def rate_limited(self, limit: str) -> None:
        """A request was answered 429 by the limit named ``limit``."""
