"""The failed-authentication budget of each client address, spent by refused credentials.

Every refused credential is counted in a fixed window per address, in the
cache ``AUTHN["FAILURE_CACHE"]`` names, which every process shares (it needs an
atomic ``incr``: Redis, or a database-backed cache). Past the budget an address is answered 429 until
its window ends, before any token it sends is verified and without a verdict,
for a valid token too; only a token the process has already verified (in its
verified-token cache) is still served (``authentication.authenticate_token``).

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
import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest

COUNTER_PREFIX = "authn-failures"
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


def parse_rate(rate: str) -> tuple[int, int]:
    """``60/m`` as (60, 60 seconds); ``10/5s`` as (10, 5). Validated by authn.E009 before use."""
    count, _, period = rate.partition("/")
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[-1]]
    return int(count), int(period[:-1] or 1) * unit


class FailureBudget:
    """Failed authentications allowed per client address and window (``rate``, as ``60/m``)."""

    def __init__(self, rate: str, *, cache_alias: str = "default", clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.limit, self.period = parse_rate(rate)
        self.cache_alias = cache_alias
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
        wait = self._verdict(address, increment=False)
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
        wait = self._verdict(address, increment=True)
        if wait is not None:
            self._bump_epoch()
        return wait

    def _verdict(self, address: str, *, increment: bool) -> int | None:
        count, seconds_left = self.shared_count(address, increment=increment)
        if count <= self.limit:
            return None
        wait = max(1, math.ceil(seconds_left))
        if len(self._blocked_until) >= MAX_REMEMBERED_ADDRESSES:
            self._forget_blocks_over(self._clock())
        self._blocked_until[address] = self._clock() + wait
        return wait

    def shared_count(self, address: str, *, increment: bool) -> tuple[int, float]:
        """The address's refusals in the current window (after one more, with ``increment``), and its seconds left.

        Windows are aligned to the period; the address is hashed into the key, so
        whatever REMOTE_ADDR holds makes a valid cache key.
        """
        now = time.time()
        window = int(now // self.period)
        digest = hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        key = f"{COUNTER_PREFIX}:{self.period}:{window}:{digest}"
        counters = caches[self.cache_alias]
        if not increment:
            count = counters.get(key, 0)
        elif counters.add(key, 1, self.period + 1):
            count = 1
        else:
            try:
                count = counters.incr(key)
            except ValueError:  # expired between add and incr: a new window, this is its first
                counters.add(key, 1, self.period + 1)
                count = 1
        return int(count), (window + 1) * self.period - now

    def _follow_epoch(self, now: float) -> None:
        """Forget who was in good standing when another block happened anywhere since the last look."""
        self._next_epoch_check = now + EPOCH_CHECK_SECONDS
        epoch = caches[self.cache_alias].get(EPOCH_KEY)
        if epoch != self._epoch:
            self._epoch = epoch
            self._in_good_standing.clear()

    def _bump_epoch(self) -> None:
        counters = caches[self.cache_alias]
        counters.add(EPOCH_KEY, 0, EPOCH_LIFETIME_SECONDS)
        with contextlib.suppress(ValueError):  # expired between add and incr: the next block bumps it
            counters.incr(EPOCH_KEY)

    def _forget_blocks_over(self, now: float) -> None:
        for known, until in list(self._blocked_until.items()):  # a copy: other threads write meanwhile
            if until <= now:
                self._blocked_until.pop(known, None)
        if len(self._blocked_until) >= MAX_REMEMBERED_ADDRESSES:
            self._blocked_until.clear()
