"""One WARNING a minute for a problem that repeats on every request, INFO for the rest.

During an outage (a key set, the revocation feed, a host's Redis) each request
meets the same failure; a WARNING each would drown the logs and page someone
a thousand times for one fault. Public and small on purpose: hosts import only
from ``authn``, and a host's own outages deserve the same rule.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable


class ThrottledWarning:
    """Says when a repeated problem is worth a WARNING: at most once per ``seconds`` (per object, so per process)."""

    def __init__(self, seconds: float = 60.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._warned_at = -math.inf
        self._lock = threading.Lock()

    def due(self) -> bool:
        """True at most once per ``seconds``: the caller then warns, and the next ones are quiet."""
        with self._lock:
            now = self._clock()
            if now - self._warned_at < self.seconds:
                return False
            self._warned_at = now
            return True

    def level(self) -> int:
        """``logging.WARNING`` when due, else ``logging.INFO``: every occurrence is logged, few loudly."""
        return logging.WARNING if self.due() else logging.INFO
