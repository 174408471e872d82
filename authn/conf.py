"""Reads ``settings.AUTHN`` once, validates it, and builds the process-wide verifier.

The verifier and its key cache live here, not on the authenticator: DRF builds a
new authenticator for every request, so anything cached on one would be lost.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connections
from django.dispatch import receiver

from .budget import FailureBudget
from .feed_page import FeedPageVerifier
from .keys import KeySet, RemoteKeySource, StaticKeySource
from .observer import Observer
from .revocation import POLLING_THREAD_NAME, RevocationFeed
from .signals import user_deleted
from .token_cache import DEFAULT_SIZE as DEFAULT_TOKEN_CACHE_SIZE
from .token_cache import VerifiedTokenCache
from .verifier import (
    ASYMMETRIC_ALGORITHMS,
    HMAC_ALGORITHMS,
    KNOWN_ALGORITHMS,
    KeySource,
    TokenVerifier,
    VerifierConfig,
)

JWKS_PATH = "/api/auth/jwks"
MIN_SECRET_LENGTH = 32
DEFAULT_JWKS_ALGORITHMS = ("EdDSA", "ES256", "ES512", "RS256", "PS256")
RATE = re.compile(r"\d+/(?:[1-9]\d*)?[smhd]")  # a period of 0 s would divide by zero

# Every key ``settings.AUTHN`` may hold, with its default (authn/README.md documents each).
DEFAULTS: dict[str, Any] = {
    "BETTER_AUTH_URL": None,  # JWKS at {url}/api/auth/jwks; the expected iss and aud
    "JWKS_URL": None,  # another JWKS location
    "JWKS": None,  # the key set inline (a dict or its JSON): no network at all
    "SECRET": None,  # for HS256 tokens that tests and tools mint (mint_token); Better Auth never signs HS256
    "ISSUER": None,  # None: BETTER_AUTH_URL; "": not checked (authn.W001)
    "AUDIENCE": None,  # as ISSUER
    "ALGORITHMS": None,  # None: the asymmetric ones with a JWKS, HS256 with a secret
    "LEEWAY_SECONDS": 30,
    "JWKS_CACHE_SECONDS": 300,
    "JWKS_MAX_STALE_SECONDS": 900,
    "JWKS_COOLDOWN_SECONDS": 5,
    "JWKS_TIMEOUT_SECONDS": 3.0,
    "TOKEN_CACHE_SIZE": DEFAULT_TOKEN_CACHE_SIZE,
    "FAILURE_RATE": "60/m",  # refused credentials per client address; past it 429 unverified
    "FAILURE_CACHE": "default",  # the cache alias every process shares for that count
    "TOKEN_COOKIE_PATH": "/api/",  # where the browsable API's pasted token is sent back
    "REVOCATION_FEED_SECRET": None,  # set: revoked sessions are refused (authn/revocation.py)
    "REVOCATION_FEED_URL": None,  # None: {BETTER_AUTH_URL}/api/auth/revocations
    "REVOCATION_POLL_SECONDS": 0.5,
    "REVOCATION_MAX_STALE_SECONDS": 30.0,  # past it without a successful poll: 503 (fail closed)
    # With the feed on: a token lives at most this long (exp - iat), so no revocation is held longer.
    "MAX_TOKEN_LIFETIME_SECONDS": 86400,
    # With the feed on: live revocations a process holds; past it, reads fail and tokens get 503.
    "REVOCATION_MAX_HELD": 100_000,
    "METRICS": False,  # True: Prometheus metrics (authn/prometheus.py; needs prometheus-client)
}
REVOCATION_FEED_PATH = "/api/auth/revocations"
# The feed holds an event this long past the expiry of the last token it matches (the protocol, section 3).
FEED_EXPIRY_MARGIN_SECONDS = 60
# The numbers: key -> (type, least value).
_NUMBERS: dict[str, tuple[type, float]] = {
    "LEEWAY_SECONDS": (int, 0),
    "JWKS_CACHE_SECONDS": (int, 0),
    "JWKS_MAX_STALE_SECONDS": (int, 0),
    "JWKS_COOLDOWN_SECONDS": (int, 0),
    "JWKS_TIMEOUT_SECONDS": (float, 0.1),
    "TOKEN_CACHE_SIZE": (int, 0),
    "REVOCATION_POLL_SECONDS": (float, 0.05),
    "REVOCATION_MAX_STALE_SECONDS": (float, 1),
    "MAX_TOKEN_LIFETIME_SECONDS": (int, 1),
    "REVOCATION_MAX_HELD": (int, 1),
}
_TEXTS = (
    "BETTER_AUTH_URL",
    "JWKS_URL",
    "SECRET",
    "ISSUER",
    "AUDIENCE",
    "FAILURE_RATE",
    "FAILURE_CACHE",
    "TOKEN_COOKIE_PATH",
    "REVOCATION_FEED_SECRET",
    "REVOCATION_FEED_URL",
)
_SECRETS = frozenset({"SECRET", "REVOCATION_FEED_SECRET"})


def key(name: str) -> str:
    """How a message names one setting: ``AUTHN["SECRET"]``."""
    return f'AUTHN["{name}"]'


@dataclass(frozen=True)
class Problem:
    """A configuration that cannot work (error) or that weakens checks (warning)."""

    id: str
    is_error: bool
    msg: str
    hint: str


@dataclass(frozen=True)
class AuthnSettings:
    """``settings.AUTHN`` with every default resolved; ``invalid`` holds what could not be read."""

    jwks_url: str | None
    jwks_document: Any  # the parsed inline JWKS, or None
    jwks_document_error: str | None
    secret: str | None
    issuer: str | None
    audience: str | None
    issuer_explicitly_unchecked: bool
    audience_explicitly_unchecked: bool
    algorithms: tuple[str, ...]
    leeway_seconds: int
    jwks_cache_seconds: int
    jwks_max_stale_seconds: int
    jwks_cooldown_seconds: int
    jwks_timeout_seconds: float
    token_cache_size: int
    failure_rate: str
    failure_cache: str
    token_cookie_path: str
    revocation_feed_secret: str | None
    revocation_feed_url: str | None
    revocation_poll_seconds: float
    revocation_max_stale_seconds: float
    max_token_lifetime_seconds: int = DEFAULTS["MAX_TOKEN_LIFETIME_SECONDS"]
    revocation_max_held: int = DEFAULTS["REVOCATION_MAX_HELD"]
    metrics: bool = False
    invalid: tuple[Problem, ...] = ()

    @classmethod
    def from_mapping(cls, raw: Any) -> AuthnSettings:
        invalid: list[Problem] = []
        if not isinstance(raw, Mapping):
            invalid.append(_invalid("AUTHN", raw, "a dict"))
            raw = {}
        unknown = sorted(set(raw) - set(DEFAULTS), key=str)
        if unknown:
            guesses = [difflib.get_close_matches(str(name), DEFAULTS, n=1) for name in unknown]
            hint = "; ".join(f"{name!r}: did you mean {g[0]!r}?" for name, g in zip(unknown, guesses, strict=True) if g)
            invalid.append(
                Problem(
                    "authn.E010",
                    True,
                    f"AUTHN has keys it does not know: {', '.join(map(repr, unknown))}.",
                    hint or f"The keys are: {', '.join(DEFAULTS)}.",
                )
            )
        values = {**DEFAULTS, **{k: v for k, v in raw.items() if k in DEFAULTS}}
        for name in _TEXTS:
            if values[name] is not None and not isinstance(values[name], str):
                invalid.append(_invalid(name, values[name], "a string"))
                values[name] = DEFAULTS[name]
        for name, (kind, least) in _NUMBERS.items():
            value = values[name]
            accepted = (int, float) if kind is float else int
            if isinstance(value, bool) or not isinstance(value, accepted) or not math.isfinite(value) or value < least:
                expected = f"{'a number' if kind is float else 'a whole number'} >= {least}"
                invalid.append(_invalid(name, value, expected))
                values[name] = DEFAULTS[name]
        if not isinstance(values["METRICS"], bool):
            invalid.append(_invalid("METRICS", values["METRICS"], "True or False"))
            values["METRICS"] = DEFAULTS["METRICS"]
        algorithms = values["ALGORITHMS"]
        if algorithms is not None and (isinstance(algorithms, str) or not all(isinstance(a, str) for a in algorithms)):
            invalid.append(_invalid("ALGORITHMS", algorithms, "a list of algorithm names"))
            algorithms = None
        base_url = (values["BETTER_AUTH_URL"] or "").rstrip("/") or None
        jwks_url = values["JWKS_URL"] or (base_url + JWKS_PATH if base_url else None)
        document, document_error = _parse_inline_jwks(values["JWKS"])
        secret = values["SECRET"] or None
        if not algorithms:
            algorithms = (DEFAULT_JWKS_ALGORITHMS if (jwks_url or document) else ()) + (("HS256",) if secret else ())
        # None means "unset: default to the Better Auth URL"; "" means "do not check".
        issuer, audience = values["ISSUER"], values["AUDIENCE"]
        return cls(
            jwks_url=jwks_url,
            jwks_document=document,
            jwks_document_error=document_error,
            secret=secret,
            issuer=base_url if issuer is None else (issuer or None),
            audience=base_url if audience is None else (audience or None),
            issuer_explicitly_unchecked=issuer == "",
            audience_explicitly_unchecked=audience == "",
            algorithms=tuple(algorithms),
            leeway_seconds=values["LEEWAY_SECONDS"],
            jwks_cache_seconds=values["JWKS_CACHE_SECONDS"],
            jwks_max_stale_seconds=values["JWKS_MAX_STALE_SECONDS"],
            jwks_cooldown_seconds=values["JWKS_COOLDOWN_SECONDS"],
            jwks_timeout_seconds=float(values["JWKS_TIMEOUT_SECONDS"]),
            token_cache_size=values["TOKEN_CACHE_SIZE"],
            failure_rate=values["FAILURE_RATE"] or DEFAULTS["FAILURE_RATE"],
            failure_cache=values["FAILURE_CACHE"] or DEFAULTS["FAILURE_CACHE"],
            token_cookie_path=values["TOKEN_COOKIE_PATH"] or DEFAULTS["TOKEN_COOKIE_PATH"],
            revocation_feed_secret=values["REVOCATION_FEED_SECRET"] or None,
            revocation_feed_url=(
                (values["REVOCATION_FEED_URL"] or (base_url + REVOCATION_FEED_PATH if base_url else None))
                if values["REVOCATION_FEED_SECRET"]
                else None
            ),
            revocation_poll_seconds=float(values["REVOCATION_POLL_SECONDS"]),
            revocation_max_stale_seconds=float(values["REVOCATION_MAX_STALE_SECONDS"]),
            max_token_lifetime_seconds=values["MAX_TOKEN_LIFETIME_SECONDS"],
            revocation_max_held=values["REVOCATION_MAX_HELD"],
            metrics=values["METRICS"],
            invalid=tuple(invalid),
        )

    @property
    def has_jwks(self) -> bool:
        return bool(self.jwks_url or self.jwks_document)


def _invalid(name: str, value: Any, expected: str) -> Problem:
    shown = "the setting" if name in _SECRETS else repr(value)[:80]  # never echo a secret
    where = "AUTHN" if name == "AUTHN" else key(name)
    return Problem("authn.E011", True, f"{where} is {shown}, not {expected}.", f"Give {where} {expected}.")


def _parse_inline_jwks(text: Any) -> tuple[Any, str | None]:
    if not text:
        return None, None
    try:
        document = json.loads(text) if isinstance(text, (str, bytes)) else text
        KeySet(document)
    except ValueError as e:
        return None, str(e)
    return document, None


def find_problems(conf: AuthnSettings) -> list[Problem]:
    """Everything wrong with the authentication settings, worst first."""
    problems = list(conf.invalid)
    if conf.jwks_document_error:
        problems.append(
            Problem(
                "authn.E004",
                True,
                f"{key('JWKS')} is not a JWKS document: {conf.jwks_document_error}.",
                'Give the key set of {BETTER_AUTH_URL}/api/auth/jwks, as JSON or a dict: {"keys": [...]}.',
            )
        )
    if not conf.has_jwks and not conf.secret and not conf.jwks_document_error:
        problems.append(
            Problem(
                "authn.E001",
                True,
                "No key source is configured, so no token can ever be verified.",
                f"Set {key('BETTER_AUTH_URL')} (JWKS), {key('JWKS')} (inline JWKS) or {key('SECRET')} (HS256).",
            )
        )
    if conf.secret and len(conf.secret) < MIN_SECRET_LENGTH:
        problems.append(
            Problem(
                "authn.E002",
                True,
                f"{key('SECRET')} is shorter than {MIN_SECRET_LENGTH} characters.",
                "Generate one with: openssl rand -base64 32",
            )
        )
    unknown = [a for a in conf.algorithms if a not in KNOWN_ALGORITHMS]
    if unknown:
        problems.append(
            Problem(
                "authn.E003",
                True,
                f"{key('ALGORITHMS')} names unknown algorithms: {', '.join(unknown)}.",
                f"Choose among {', '.join(sorted(KNOWN_ALGORITHMS))}.",
            )
        )
    if any(a in HMAC_ALGORITHMS for a in conf.algorithms) and not conf.secret:
        problems.append(
            Problem(
                "authn.E005",
                True,
                f"{key('ALGORITHMS')} allows HMAC but {key('SECRET')} is not set.",
                f"Set {key('SECRET')}, or remove HS* from {key('ALGORITHMS')}.",
            )
        )
    if any(a in ASYMMETRIC_ALGORITHMS for a in conf.algorithms) and not conf.has_jwks:
        problems.append(
            Problem(
                "authn.E006",
                True,
                f"{key('ALGORITHMS')} allows public-key algorithms but no JWKS is configured.",
                f"Set {key('BETTER_AUTH_URL')}, {key('JWKS_URL')} or {key('JWKS')}.",
            )
        )
    if conf.jwks_url and urlsplit(conf.jwks_url).scheme not in ("http", "https"):
        problems.append(
            Problem(
                "authn.E007",
                True,
                f"The JWKS URL {conf.jwks_url!r} is not http(s).",
                f"Check {key('BETTER_AUTH_URL')} or {key('JWKS_URL')}.",
            )
        )
    if RATE.fullmatch(conf.failure_rate) is None:
        problems.append(
            Problem(
                "authn.E009",
                True,
                f"{key('FAILURE_RATE')} is {conf.failure_rate!r}, not a rate.",
                "Write it as count/period, e.g. 60/m (periods: s, m, h, d).",
            )
        )
    problems.extend(_revocation_problems(conf))
    if conf.metrics and find_spec("prometheus_client") is None:
        problems.append(
            Problem(
                "authn.E016",
                True,
                f"{key('METRICS')} is on but prometheus-client is not installed.",
                f"Install prometheus-client, or set {key('METRICS')} to False.",
            )
        )
    if conf.failure_cache not in settings.CACHES:
        problems.append(
            Problem(
                "authn.E012",
                True,
                f"{key('FAILURE_CACHE')} names the cache {conf.failure_cache!r}, which CACHES does not define.",
                "Name a cache every server process shares (Redis, or a database cache) in CACHES.",
            )
        )
    for claim, value, explicit, variable in (
        ("iss", conf.issuer, conf.issuer_explicitly_unchecked, key("ISSUER")),
        ("aud", conf.audience, conf.audience_explicitly_unchecked, key("AUDIENCE")),
    ):
        if value is None and not explicit:
            problems.append(
                Problem(
                    "authn.E008",
                    True,
                    f"No expected '{claim}' is known, so it would go unchecked by accident.",
                    f"Set {key('BETTER_AUTH_URL')} or {variable}; "
                    f'set {variable} to "" to turn the check off on purpose.',
                )
            )
        elif explicit:
            problems.append(
                Problem(
                    "authn.W001",
                    False,
                    f"The token's '{claim}' claim is not checked.",
                    f"{variable} is \"\": any '{claim}' is accepted from a trusted key.",
                )
            )
    return problems


def _revocation_problems(conf: AuthnSettings) -> list[Problem]:
    secret = conf.revocation_feed_secret
    if not secret:
        return []
    problems = []
    if len(secret) < MIN_SECRET_LENGTH:
        problems.append(
            Problem(
                "authn.E013",
                True,
                f"{key('REVOCATION_FEED_SECRET')} is shorter than {MIN_SECRET_LENGTH} characters.",
                "Generate one with: openssl rand -base64 32 (the same value on the Better Auth server).",
            )
        )
    if secret == conf.secret:
        problems.append(
            Problem(
                "authn.E014",
                True,
                f"{key('REVOCATION_FEED_SECRET')} is the secret that signs tokens.",
                "Give the feed a secret of its own: whoever reads the feed must not be able to mint tokens.",
            )
        )
    url = conf.revocation_feed_url
    if not url or urlsplit(url).scheme not in ("http", "https"):
        problems.append(
            Problem(
                "authn.E015",
                True,
                f"The revocation feed URL {url!r} is not http(s).",
                f"Set {key('BETTER_AUTH_URL')} or {key('REVOCATION_FEED_URL')}.",
            )
        )
    if not conf.has_jwks:
        problems.append(
            Problem(
                "authn.E017",
                True,
                "The revocation feed is on but there is no key set to verify its pages with.",
                f"Set {key('BETTER_AUTH_URL')}, {key('JWKS_URL')} or {key('JWKS')}: the issuer signs each page"
                " with the keys that sign its tokens.",
            )
        )
    if conf.leeway_seconds > FEED_EXPIRY_MARGIN_SECONDS:
        problems.append(
            Problem(
                "authn.E018",
                True,
                f"{key('LEEWAY_SECONDS')} is {conf.leeway_seconds} s, longer than the revocation feed keeps an"
                f" event past its tokens' expiry ({FEED_EXPIRY_MARGIN_SECONDS} s).",
                f"Keep {key('LEEWAY_SECONDS')} at {FEED_EXPIRY_MARGIN_SECONDS} or less: a signed-out token would"
                " be accepted again once its revocation is dropped.",
            )
        )
    return problems


@lru_cache(maxsize=1)
def current_settings() -> AuthnSettings:
    """The one accessor of ``settings.AUTHN``: read once, then kept until the setting changes."""
    return AuthnSettings.from_mapping(getattr(settings, "AUTHN", {}))


@lru_cache(maxsize=1)
def get_verifier() -> TokenVerifier:
    """The process-wide verifier; fails closed when the configuration cannot work."""
    if not apps.is_installed("authn"):
        # Then its system checks never ran: nothing has looked at AUTHN, so nothing is trusted.
        raise ImproperlyConfigured(
            'authn is not in INSTALLED_APPS, so its settings were never checked. Add "authn" to INSTALLED_APPS.'
        )
    conf = current_settings()
    errors = [p for p in find_problems(conf) if p.is_error]
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint} ({errors[0].id})")
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
def _rebuild_verifier(*, setting: str, **kwargs: Any) -> None:
    """Let ``override_settings`` and pytest-django's ``settings`` fixture just work."""
    if setting in ("AUTHN", "CACHES", "INSTALLED_APPS"):
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
