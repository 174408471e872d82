"""The failed-authentication budget of each client address, spent by refused credentials.

Every refused credential is counted (django-ratelimit, in ``RATELIMIT_USE_CACHE``,
which every process shares). Past the budget an address is answered 429 until
its window ends, before any token it sends is verified and without a verdict,
for a valid token too.

An address in good standing pays one dict lookup per request, never a shared
read. Each process remembers the addresses it found over budget (until their
window ends) and those it found in good standing (until any address is blocked
anywhere). A block bumps a shared epoch, which each process reads at most once
per ``EPOCH_CHECK_SECONDS``: on a change it forgets who was in good standing,
so every address's next request reads its shared count once, and a block
reaches every process within that time.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit.core import get_usage

GROUP = "authn-failures"
EPOCH_KEY = "authn-failures:epoch"
EPOCH_CHECK_SECONDS = 1.0
EPOCH_LIFETIME_SECONDS = 24 * 3600  # a counter that expires starts again from 0: a change all the same
MAX_REMEMBERED_ADDRESSES = 10_000  # bounds memory; forgetting an address only costs a shared read


def client_address(request: HttpRequest) -> str:
    """The address budgets count by: REMOTE_ADDR, which the trusted-proxy middleware has already set.

    A DRF Request is read through its Django request: its own ``META`` goes
    through ``__getattr__``, which costs more than the rest of a budget check.
    """
    return getattr(request, "_request", request).META.get("REMOTE_ADDR", "")


class FailureBudget:
    """Failed authentications allowed per client address and window (``rate``, as ``60/m``)."""

    def __init__(self, rate: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._clock = clock
        self._blocked_until: dict[str, float] = {}
        self._in_good_standing: set[str] = set()
        self._epoch: Any = None
        self._next_epoch_check = -math.inf

    def check(self, request: HttpRequest) -> int | None:
        """Seconds to wait when the address has spent its budget, else None; asked before verifying."""
        now = self._clock()
        if now >= self._next_epoch_check:
            self._follow_epoch(now)
        address = client_address(request)
        until = self._blocked_until.get(address)
        if until is not None:
            if until > now:
                return math.ceil(until - now)
            self._blocked_until.pop(address, None)
        if address in self._in_good_standing:
            return None
        wait = self._verdict(request, address, increment=False)
        if wait is None:
            if len(self._in_good_standing) >= MAX_REMEMBERED_ADDRESSES:
                self._in_good_standing.clear()
            self._in_good_standing.add(address)
        return wait

    def charge(self, request: HttpRequest) -> int | None:
        """Count one refused credential; seconds to wait when the address has now spent its budget.

        An address that was refused is no longer in good standing here: its next
        request reads the shared count, which other processes may be spending too.
        """
        address = client_address(request)
        self._in_good_standing.discard(address)
        wait = self._verdict(request, address, increment=True)
        if wait is not None:
            self._bump_epoch()
        return wait

    def _verdict(self, request: HttpRequest, address: str, *, increment: bool) -> int | None:
        usage: dict[str, Any] | None = get_usage(
            request, group=GROUP, key=_address_key, rate=self.rate, increment=increment
        )
        if usage is None or not usage["should_limit"]:
            return None
        wait = max(1, usage["time_left"])
        if len(self._blocked_until) >= MAX_REMEMBERED_ADDRESSES:
            self._forget_blocks_over(self._clock())
        self._blocked_until[address] = self._clock() + wait
        return wait

    def _follow_epoch(self, now: float) -> None:
        """Forget who was in good standing when another block happened anywhere since the last look."""
        self._next_epoch_check = now + EPOCH_CHECK_SECONDS
        epoch = _counters().get(EPOCH_KEY)
        if epoch != self._epoch:
            self._epoch = epoch
            self._in_good_standing.clear()

    def _bump_epoch(self) -> None:
        counters = _counters()
        counters.add(EPOCH_KEY, 0, EPOCH_LIFETIME_SECONDS)
        with contextlib.suppress(ValueError):  # expired between add and incr: the next block bumps it
            counters.incr(EPOCH_KEY)

    def _forget_blocks_over(self, now: float) -> None:
        for known, until in list(self._blocked_until.items()):  # a copy: other threads write meanwhile
            if until <= now:
                self._blocked_until.pop(known, None)
        if len(self._blocked_until) >= MAX_REMEMBERED_ADDRESSES:
            self._blocked_until.clear()


def _counters() -> Any:
    return caches[settings.RATELIMIT_USE_CACHE]


def _address_key(group: str, request: HttpRequest) -> str:
    return client_address(request)
