"""Fixtures shared by every app of the project: authn's keys, key set and token factory, plus clients.

The keys, the inline JWKS, ``make_token`` and the offline AUTHN settings are
authn's own test fixtures (authn/tests/conftest.py), used here as they are; what
is added is the project's: its shared rate-limit cache, static files, clients.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from authn.tests.conftest import OMIT, offline_authn_settings  # noqa: F401 (OMIT: for the tests, as before)

# authn's fixtures (signing_keys, jwks, make_token, api_client), as its own suite uses them;
# authn_settings is replaced below with the project's shared rate-limit cache.
pytest_plugins = ["authn.tests.conftest"]


@pytest.fixture(autouse=True)
def plain_static_files(settings: Any) -> None:
    """Tests render pages without running collectstatic first, so no manifest of hashed names."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def rate_limit_counters_in_memory(settings: Any) -> Iterator[None]:
    """Counters in this process's memory, emptied per test.

    Rate limits stay on for every test, but need no database (most tests have
    none) and never carry counts from one test to the next. The shared backends
    have their own tests in api/tests/test_ratelimits.py.
    """
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"},
    }
    yield
    caches["ratelimit"].clear()


@pytest.fixture(autouse=True)
def authn_settings(settings: Any, jwks: dict[str, Any]) -> dict[str, Any]:
    """authn's offline configuration, its failure counts in the rate-limit cache emptied per test (above)."""
    settings.AUTHN = offline_authn_settings(jwks, failure_cache="ratelimit")
    return settings.AUTHN


@pytest.fixture
def client_for(make_token: Callable[..., str]) -> Callable[[str], APIClient]:
    """``client_for("alice")``: an API client carrying a valid token for alice."""

    def make(sub: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(sub)}")
        return client

    return make


@contextmanager
def scratch_postgresql_database(suffix: str) -> Iterator[str]:
    """A fresh, empty database on the test run's PostgreSQL server, dropped afterwards; yields its URL.

    For tests that start servers or other code of their own against a database
    of their own. Skips the test when this run is on SQLite.
    """
    import psycopg
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("this test run uses SQLite; the PostgreSQL run (make test-postgres) migrates a PostgreSQL database")
    settings = connection.settings_dict
    scratch = f"{settings['NAME']}_{suffix}"
    server = {"host": settings["HOST"] or None, "port": settings["PORT"] or None, "user": settings["USER"] or None}
    credentials = quote(settings["USER"] or "", safe="") + (
        ":" + quote(settings["PASSWORD"], safe="") if settings["PASSWORD"] else ""
    )
    address = f"{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}"
    with psycopg.connect(dbname="postgres", password=settings["PASSWORD"] or None, autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{scratch}"')
        try:
            yield f"postgres://{credentials}@{address}/{scratch}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
