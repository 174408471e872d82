"""Remembers tokens whose signature and claims already verified, so a token seen before costs a lookup.

A client sends the same token on every request until it expires (15 minutes
with Better Auth), so the signature check, the costliest step, need happen
once per token and process. Only successes are cached; ``exp`` is checked
again on every hit, and the cache is emptied whenever the key set changes,
so a key removed from the JWKS stops working at once, as it does uncached.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

DEFAULT_SIZE = 10_000


def token_digest(token: str) -> bytes:
    """The cache key: a digest of the whole token, so the cache never holds a usable credential."""
    return hashlib.sha256(token.encode()).digest()


class VerifiedTokenCache:
    """A bounded, thread-safe LRU map from a token's digest to what its verification found."""

    def __init__(
        self, max_size: int = DEFAULT_SIZE, *, leeway_seconds: float = 0, clock: Callable[[], float] = time.time
    ) -> None:
        self.max_size = max_size
        self._leeway = leeway_seconds
        self._clock = clock
        self._entries: OrderedDict[bytes, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        # Bumped by clear(): a verification that started before a key-set change
        # must not store its result after it (see put()).
        self.generation = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, digest: bytes) -> Any:
        """What was stored for a token verified before and not expired since, else None."""
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            value, exp = entry
            # The same test PyJWT applies, leeway included: past it, full verification says "expired".
            if exp <= self._clock() - self._leeway:
                del self._entries[digest]
                return None
            self._entries.move_to_end(digest)
            return value

    def put(self, digest: bytes, value: Any, *, exp: Any, generation: int) -> None:
        """Remember a verified token until ``exp``, unless the key set changed since ``generation`` was read."""
        if not isinstance(exp, int | float) or isinstance(exp, bool) or self.max_size <= 0:
            return  # PyJWT also accepts "exp" as a numeric string: such a token is simply not cached
        with self._lock:
            if generation != self.generation:
                return
            self._entries[digest] = (value, int(exp))  # int(), as PyJWT compares it
            self._entries.move_to_end(digest)
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every token: the keys they were verified with may be gone."""
        with self._lock:
            self._entries.clear()
            self.generation += 1
