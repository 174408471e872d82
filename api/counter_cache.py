"""Cache backends for rate-limit counters that every server process shares.

django-ratelimit needs a shared cache with an atomic increment. Redis is one;
without Redis, ``DatabaseCounterCache`` keeps counters in the configured
database, each operation one atomic SQL statement (SQLite ≥ 3.35 and PostgreSQL
both speak ``INSERT … ON CONFLICT`` and ``UPDATE … RETURNING``). Django's own
DatabaseCache is not used: its increment is a read then a write.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from authn import ThrottledWarning

logger = logging.getLogger(__name__)
TABLE = "rate_limit_counter"


class DatabaseCounterCache(BaseCache):
    """Integer counters in the database: ``add``, ``get``, ``incr`` only.

    django-ratelimit calls ``add`` before every ``incr``. Each counter's key names
    its time window, so a window this process has seen open stays open until its
    expiry: ``add`` answers that from memory, and a request costs one statement.
    Django gives each thread its own cache object, so that memory needs no lock.
    """

    max_known_windows = 10_000  # bounds the memory; past it, forgetting only costs a query

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self._open_until: dict[str, float] = {}

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        now = time.time()
        key = self.make_and_validate_key(key, version)
        if self._open_until.get(key, 0.0) > now:
            return False
        expires = now + (self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout)
        with connection.cursor() as cursor:
            # A window another process opened is found by a read, which takes no
            # write lock: only opening a window writes.
            cursor.execute(f"SELECT expires FROM {TABLE} WHERE key = %s AND expires > %s", [key, now])  # noqa: S608
            row = cursor.fetchone()
            if row is not None:
                self._remember(key, row[0], now)
                return False
            # Insert, or take over the row of a window that is over; a live row wins.
            cursor.execute(
                f"INSERT INTO {TABLE} (key, count, expires) VALUES (%s, %s, %s) "  # noqa: S608 (constant table)
                "ON CONFLICT (key) DO UPDATE SET count = excluded.count, expires = excluded.expires "
                f"WHERE {TABLE}.expires <= %s",
                [key, int(value), expires, now],
            )
            added = cursor.rowcount == 1
            if added and random.random() < 0.01:  # noqa: S311 (not security: occasional cleanup)
                cursor.execute(f"DELETE FROM {TABLE} WHERE expires <= %s", [now])  # noqa: S608
        if added:
            self._remember(key, expires, now)
        return added

    def _remember(self, key: str, expires: float, now: float) -> None:
        if len(self._open_until) >= self.max_known_windows:
            self._open_until = {known: until for known, until in self._open_until.items() if until > now}
            if len(self._open_until) >= self.max_known_windows:
                self._open_until.clear()
        self._open_until[key] = expires

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count FROM {TABLE} WHERE key = %s AND expires > %s",  # noqa: S608
                [self.make_and_validate_key(key, version), time.time()],
            )
            row = cursor.fetchone()
        return default if row is None else row[0]

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        # No expiry test: a window that ended a moment after add() still takes the
        # count, where refusing would fail the request closed; the next add() resets it.
        key = self.make_and_validate_key(key, version)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET count = count + %s WHERE key = %s RETURNING count", [delta, key])  # noqa: S608
            row = cursor.fetchone()
            expires = self._open_until.get(key, 0.0)
            if row is None and expires > time.time():
                # The row went while this process knew the window open (clear(), or a
                # cleanup by a host whose clock runs ahead): open it again, counting this one.
                cursor.execute(
                    f"INSERT INTO {TABLE} (key, count, expires) VALUES (%s, %s, %s) "  # noqa: S608 (constant table)
                    f"ON CONFLICT (key) DO UPDATE SET count = {TABLE}.count + excluded.count RETURNING count",
                    [key, delta, expires],
                )
                row = cursor.fetchone()
        if row is None:
            raise ValueError(f"Key '{key}' not found")
        return row[0]

    def set(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("DatabaseCounterCache holds rate-limit counters only (add, get, incr).")

    def delete(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version)
        self._open_until.pop(key, None)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE key = %s", [key])  # noqa: S608
            return cursor.rowcount == 1

    def clear(self) -> None:
        self._open_until.clear()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608


class FailoverRedisCache(BaseCache):
    """Redis, or this process's memory while Redis cannot be reached.

    Requests keep being served when Redis is down: counters become per-process
    for a while (limits are then per process, not shared), and the outage is
    logged once a minute rather than once per request.
    """

    retry_seconds = 10
    log_every_seconds = 60

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, **params.get("OPTIONS", {})}
        self.primary = RedisCache(server, {**params, "OPTIONS": options})
        self.fallback = LocMemCache(f"failover-{id(self)}", params)
        self._down_until = 0.0
        self._outage_warning = ThrottledWarning(self.log_every_seconds)
        self._lock = threading.Lock()

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() >= self._down_until:
            try:
                return getattr(self.primary, method)(*args, **kwargs)
            except Exception as e:  # any Redis failure: serve from memory
                if isinstance(e, ValueError) and method == "incr":
                    raise  # a missing key, not an outage
                self._mark_down(e)
        return getattr(self.fallback, method)(*args, **kwargs)

    def _mark_down(self, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self._down_until = now + self.retry_seconds
            if self._outage_warning.due():
                logger.warning("Redis unreachable (%s); rate limits are per process until it returns", error)

    def ping(self) -> None:
        """Raise unless Redis itself answers (for the readiness check)."""
        self.primary.get("readyz-ping")

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> None:
        return self._call("set", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> int:
        return self._call("incr", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("delete", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("touch", *args, **kwargs)

    def clear(self) -> None:
        return self._call("clear")
