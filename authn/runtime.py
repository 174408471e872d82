"""The process-wide objects ``settings.AUTHN`` configures, and the one place they are reset.

They live here, not on the authenticator: DRF builds a new authenticator for
every request, so anything cached on one would be lost. Each is built on first
use; when ``AUTHN`` (or what it names: ``CACHES``, ``INSTALLED_APPS``) changes,
``_reset`` stops their threads and forgets them, so ``override_settings`` and
pytest-django's ``settings`` fixture just work.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connections
from django.dispatch import receiver

from .budget import FailureBudget
from .conf import AuthnSettings, current_settings
from .feed_page import FeedPageVerifier
from .keys import RemoteKeySource, StaticKeySource
from .observer import Observer
from .revocation import POLLING_THREAD_NAME, RevocationFeed
from .signals import user_deleted
from .token_cache import VerifiedTokenCache
from .verifier import KeySource, TokenVerifier, VerifierConfig

# Settings whose change invalidates what is built here.
WATCHED_SETTINGS = frozenset({"AUTHN", "CACHES", "INSTALLED_APPS"})


@lru_cache(maxsize=1)
def get_verifier() -> TokenVerifier:
    """The process-wide verifier; fails closed when the configuration cannot work."""
    if not apps.is_installed("authn"):
        # Then its system checks never ran: nothing has looked at AUTHN, so nothing is trusted.
        raise ImproperlyConfigured(
            'authn is not in INSTALLED_APPS, so its settings were never checked. Add "authn" to INSTALLED_APPS.'
        )
    from .checks import find_problems  # imported once the app is known to be installed: it registers the checks

    errors = [p for p in find_problems() if p.is_serious()]
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint} ({errors[0].id})")
    conf = current_settings()
    # Tokens already verified, forgotten whenever a fetched key set changes; 0 turns it off.
    cache = (
        VerifiedTokenCache(conf.token_cache_size, leeway_seconds=conf.leeway_seconds)
        if conf.token_cache_size > 0
        else None
    )
    sources: list[KeySource] = []
    if conf.jwks_document is not None:
        sources.append(StaticKeySource(conf.jwks_document))
    if conf.jwks_url:
        sources.append(
            RemoteKeySource(
                conf.jwks_url,
                cache_seconds=conf.jwks_cache_seconds,
                max_stale_seconds=conf.jwks_max_stale_seconds,
                cooldown_seconds=conf.jwks_cooldown_seconds,
                timeout_seconds=conf.jwks_timeout_seconds,
                on_change=cache.clear if cache is not None else None,
                observer=get_observer(),
            )
        )
    feed = _build_revocation_feed(conf, sources)
    config = VerifierConfig(
        algorithms=frozenset(conf.algorithms),
        secret=conf.secret,
        issuer=conf.issuer,
        audience=conf.audience,
        leeway_seconds=conf.leeway_seconds,
        # A revocation is held at most a token's lifetime past it: longer-lived tokens would outlive it.
        max_lifetime_seconds=conf.max_token_lifetime_seconds if feed is not None else None,
    )
    return TokenVerifier(config, key_sources=sources, cache=cache, revocations=feed, observer=get_observer())


def get_revocation_feed() -> RevocationFeed | None:
    """The process-wide revocation feed (the verifier's), or None when ``REVOCATION_FEED_SECRET`` is not set."""
    feed = get_verifier().revocations
    return feed if isinstance(feed, RevocationFeed) else None


def _build_revocation_feed(conf: AuthnSettings, key_sources: list[KeySource]) -> RevocationFeed | None:
    """The feed, verifying its pages with the tokens' own key sources, issuer and audience."""
    if not conf.revocation_feed_secret or not conf.revocation_feed_url:
        return None
    pages = FeedPageVerifier(
        key_sources,
        algorithms=conf.algorithms,
        issuer=conf.issuer,
        audience=conf.audience,
        leeway_seconds=conf.leeway_seconds,
    )
    return RevocationFeed(
        conf.revocation_feed_url,
        conf.revocation_feed_secret,
        page_verifier=pages,
        leeway_seconds=conf.leeway_seconds,
        max_token_lifetime_seconds=conf.max_token_lifetime_seconds,
        max_held=conf.revocation_max_held,
        poll_seconds=conf.revocation_poll_seconds,
        max_stale_seconds=conf.revocation_max_stale_seconds,
        timeout_seconds=conf.jwks_timeout_seconds,
        on_user_deleted=_send_user_deleted,
        observer=get_observer(),
    )


def _send_user_deleted(user_id: str, expires_at: float) -> None:
    """Tell the host (``authn.signals.user_deleted``); the polling thread's connections are closed after."""
    try:
        user_deleted.send(sender=RevocationFeed, user_id=user_id, expires_at=expires_at)
    finally:
        if threading.current_thread().name == POLLING_THREAD_NAME:  # a request's own connection stays open
            connections.close_all()


@lru_cache(maxsize=1)
def get_observer() -> Observer | None:
    """The process-wide metrics observer (``METRICS``), or None: then nothing is measured, at no cost."""
    if not current_settings().metrics or find_spec("prometheus_client") is None:
        return None  # missing: authn.E016 says so, and tokens are still verified
    from .prometheus import PrometheusObserver

    return PrometheusObserver()


@lru_cache(maxsize=1)
def get_failure_budget() -> FailureBudget:
    """The process-wide failed-authentication budget per client address (``FAILURE_RATE``)."""
    conf = current_settings()
    return FailureBudget(conf.failure_rate, cache_alias=conf.failure_cache)


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs: Any) -> None:
    """Stop what the old settings started (the feed's polling thread, the metrics server), then forget it all."""
    if setting not in WATCHED_SETTINGS:
        return
    if get_verifier.cache_info().currsize:
        feed = get_verifier().revocations
        if isinstance(feed, RevocationFeed):
            feed.stop()
    if get_observer.cache_info().currsize:
        stop = getattr(get_observer(), "stop", None)
        if stop is not None:
            stop()
    current_settings.cache_clear()
    get_verifier.cache_clear()
    get_observer.cache_clear()
    get_failure_budget.cache_clear()
