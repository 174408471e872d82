"""The failed-authentication budget of each client address, spent by refused credentials.

Every refused credential is counted (django-ratelimit, in ``RATELIMIT_USE_CACHE``,
which every process shares). Past the budget an address is answered 429 until
its window ends, before any token it sends is verified and without a verdict,
for a valid token too.

A token this process verified before pays one dict lookup here, never a shared
read: each process remembers the addresses it found over budget (until their
window ends) and those it found in good standing (for ``GOOD_STANDING_SECONDS``).
A token not seen before reads the shared counter unless its address was found
in good standing that recently, so a block reaches every process within that time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django_ratelimit.core import get_usage

GROUP = "authn-failures"
GOOD_STANDING_SECONDS = 1.0
MAX_REMEMBERED_ADDRESSES = 10_000  # bounds memory; forgetting an address only costs a shared read


def client_address(request: HttpRequest) -> str:
    """The address budgets count by: REMOTE_ADDR, which the trusted-proxy middleware has already set."""
    return request.META.get("REMOTE_ADDR", "")


class FailureBudget:
    """Failed authentications allowed per client address and window (``rate``, as ``60/m``)."""

    def __init__(self, rate: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._clock = clock
        self._blocked_until: dict[str, float] = {}
        self._good_until: dict[str, float] = {}

    def blocked(self, request: HttpRequest) -> int | None:
        """Seconds to wait when this process knows the address spent its budget; never a shared read."""
        address = client_address(request)
        until = self._blocked_until.get(address)
        if until is None:
            return None
        left = until - self._clock()
        if left > 0:
            return math.ceil(left)
        self._blocked_until.pop(address, None)
        return None

    def check(self, request: HttpRequest) -> int | None:
        """As ``blocked``, then the shared count unless the address was in good standing a moment ago."""
        wait = self.blocked(request)
        if wait is not None or self._good_until.get(client_address(request), 0.0) > self._clock():
            return wait
        return self._verdict(request, increment=False)

    def charge(self, request: HttpRequest) -> int | None:
        """Count one refused credential; seconds to wait when the address has now spent its budget."""
        self._good_until.pop(client_address(request), None)
        return self._verdict(request, increment=True)

    def _verdict(self, request: HttpRequest, *, increment: bool) -> int | None:
        usage: dict[str, Any] | None = get_usage(
            request, group=GROUP, key=_address_key, rate=self.rate, increment=increment
        )
        address, now = client_address(request), self._clock()
        if usage is not None and usage["should_limit"]:
            wait = max(1, usage["time_left"])
            _remember(self._blocked_until, address, now + wait, now)
            return wait
        _remember(self._good_until, address, now + GOOD_STANDING_SECONDS, now)
        return None


def _address_key(group: str, request: HttpRequest) -> str:
    return client_address(request)


def _remember(memory: dict[str, float], address: str, until: float, now: float) -> None:
    if len(memory) >= MAX_REMEMBERED_ADDRESSES and address not in memory:
        for known, then in list(memory.items()):  # a copy: other threads write meanwhile
            if then <= now:
                memory.pop(known, None)
        if len(memory) >= MAX_REMEMBERED_ADDRESSES:
            memory.clear()
    memory[address] = until
