"""``/healthz`` (the process is alive) and ``/readyz`` (it can serve: database, keys, cache)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, JsonResponse

from authn.conf import get_verifier

logger = logging.getLogger(__name__)


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


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "jwks": _keys, "cache": _cache}


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: each dependency's state; 503 when any cannot be used."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as e:  # any failure means not ready
            logger.warning("readiness check %s failed: %s", name, e)
            results[name] = "unavailable"
    ready = all(state == "ok" for state in results.values())
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": results}, status=200 if ready else 503
    )
