"""``/healthz`` (the process is alive) and ``/readyz`` (it can serve: database, keys, cache, revocations)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from time import monotonic

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import get_resolver

from authn import get_revocation_feed, get_verifier

from .options import allow
from .process_state import forget_on_setting_changed

logger = logging.getLogger(__name__)


@allow("GET", "HEAD")
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: answers without touching any dependency."""
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _keys() -> None:
    get_verifier().ensure_keys_loaded()


def _cache() -> None:
    cache = caches[settings.RATELIMIT_USE_CACHE]
    ping = getattr(cache, "ping", None)
    if ping is not None:
        ping()


def _revocations() -> str | None:
    feed = get_revocation_feed()
    if feed is None:
        return OFF  # REVOCATION_FEED_SECRET unset: nothing to wait for
    feed.ensure_fresh()
    return None


OFF = "off"
CHECKS: dict[str, Callable[[], str | None]] = {
    "database": _database,
    "jwks": _keys,
    "cache": _cache,
    "revocations": _revocations,
}


# /readyz needs no token and is not rate limited, so a flood of it must not become a flood of database
# queries and key set fetches: each process checks at most once a second, which a probe polling every few
# seconds never notices, and answers the requests in between with that result.
READY_FOR_SECONDS = 1.0


class _Readiness:
    """The checks' results, run at most once per READY_FOR_SECONDS in this process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at = float("-inf")  # when the checks last finished
        self.results: Mapping[str, str] = {}

    def current(self) -> Mapping[str, str]:
        with self.lock:  # requests arriving while the checks run wait for their results instead of checking too
            if monotonic() - self.checked_at >= READY_FOR_SECONDS:
                self.results = {name: _state(name, check) for name, check in CHECKS.items()}
                self.checked_at = monotonic()
            return self.results

    def forget(self) -> None:
        with self.lock:
            self.checked_at = float("-inf")


def _state(name: str, check: Callable[[], str | None]) -> str:
    try:
        state = check()
    except Exception as e:  # any failure means not ready
        logger.warning("readiness check %s failed: %s", name, e)
        return "unavailable"
    return state or "ok"


_readiness = _Readiness()
# A changed setting may change a check's outcome (tests change them): the next request checks again.
forget_on_setting_changed(_readiness.forget)


@allow("GET", "HEAD")
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: each dependency's state; 503 when any cannot be used."""
    results = _readiness.current()
    ready = all(state in ("ok", OFF) for state in results.values())
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": results}, status=200 if ready else 503
    )


def warm_up() -> Mapping[str, str]:
    """The readiness checks once, and the URLconf imported: a new worker's first request then waits for neither.

    Called by gunicorn's ``post_worker_init`` hook (deploy/gunicorn.conf.py) before the worker accepts its first
    connection, so during a deploy the new workers take over only once they can serve.
    """
    get_resolver().url_patterns  # noqa: B018 (imports every view module)
    return _readiness.current()
