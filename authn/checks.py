"""System checks: a configuration that cannot work stops ``manage.py check`` and ``runserver``.

One function per check id, each with its message, as Django's own checks are
written. ``find_problems`` runs them all, worst first: the verifier will not
start while any of them reports an error (``authn.runtime.get_verifier``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from importlib.util import find_spec
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.checks import Warning as CheckWarning

from .conf import DEFAULTS, SECRET_KEYS, current_settings, key
from .verifier import ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS, KNOWN_ALGORITHMS

MIN_SECRET_LENGTH = 32
RATE = re.compile(r"\d+/(?:[1-9]\d*)?[smhd]")  # a period of 0 s would divide by zero
# The feed holds an event this long past the expiry of the last token it matches (the protocol, section 3).
FEED_EXPIRY_MARGIN_SECONDS = 60

Messages = list[CheckMessage]


@register(Tags.security)
def check_value_kinds(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E011: a value of the wrong kind; its default would be used, so it is an error rather than a surprise."""
    messages: Messages = []
    for invalid in current_settings().invalid:
        where = "AUTHN" if invalid.name == "AUTHN" else key(invalid.name)
        shown = "the setting" if invalid.name in SECRET_KEYS else repr(invalid.value)[:80]  # never echo a secret
        message = f"{where} is {shown}, not {invalid.expected}."
        messages.append(Error(message, hint=f"Give {where} {invalid.expected}.", id="authn.E011"))
    return messages


@register(Tags.security)
def check_known_keys(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E010: a key nobody reads, most often a misspelt one whose setting silently keeps its default."""
    unknown = current_settings().unknown_keys
    if not unknown:
        return []
    guesses = [difflib.get_close_matches(str(name), DEFAULTS, n=1) for name in unknown]
    hint = "; ".join(f"{name!r}: did you mean {g[0]!r}?" for name, g in zip(unknown, guesses, strict=True) if g)
    return [
        Error(
            f"AUTHN has keys it does not know: {', '.join(map(repr, unknown))}.",
            hint=hint or f"The keys are: {', '.join(DEFAULTS)}.",
            id="authn.E010",
        )
    ]


@register(Tags.security)
def check_inline_jwks(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E004: the inline key set cannot be read."""
    error = current_settings().jwks_document_error
    if not error:
        return []
    return [
        Error(
            f"{key('JWKS')} is not a JWKS document: {error}.",
            hint='Give the key set of {BETTER_AUTH_URL}/api/auth/jwks, as JSON or a dict: {"keys": [...]}.',
            id="authn.E004",
        )
    ]


@register(Tags.security)
def check_key_source(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E001: no key source at all (an unreadable inline key set is E004's to report)."""
    conf = current_settings()
    if conf.has_jwks or conf.secret or conf.jwks_document_error:
        return []
    return [
        Error(
            "No key source is configured, so no token can ever be verified.",
            hint=f"Set {key('BETTER_AUTH_URL')} (JWKS), {key('JWKS')} (inline JWKS) or {key('SECRET')} (HS256).",
            id="authn.E001",
        )
    ]


@register(Tags.security)
def check_secret_length(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E002: an HS256 secret short enough to guess."""
    secret = current_settings().secret
    if not secret or len(secret) >= MIN_SECRET_LENGTH:
        return []
    return [
        Error(
            f"{key('SECRET')} is shorter than {MIN_SECRET_LENGTH} characters.",
            hint="Generate one with: openssl rand -base64 32",
            id="authn.E002",
        )
    ]


@register(Tags.security)
def check_algorithms_known(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E003: an algorithm name nothing can verify (a typo, or "none")."""
    unknown = [a for a in current_settings().algorithms if a not in KNOWN_ALGORITHMS]
    if not unknown:
        return []
    return [
        Error(
            f"{key('ALGORITHMS')} names unknown algorithms: {', '.join(unknown)}.",
            hint=f"Choose among {', '.join(sorted(KNOWN_ALGORITHMS))}.",
            id="authn.E003",
        )
    ]


@register(Tags.security)
def check_hmac_has_secret(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E005: HMAC allowed with no secret to verify it."""
    conf = current_settings()
    if conf.secret or not any(a in HMAC_ALGORITHMS for a in conf.algorithms):
        return []
    return [
        Error(
            f"{key('ALGORITHMS')} allows HMAC but {key('SECRET')} is not set.",
            hint=f"Set {key('SECRET')}, or remove HS* from {key('ALGORITHMS')}.",
            id="authn.E005",
        )
    ]


@register(Tags.security)
def check_public_keys_have_jwks(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E006: public-key algorithms allowed with no key set to verify them."""
    conf = current_settings()
    if conf.has_jwks or not any(a in ASYMMETRIC_ALGORITHMS for a in conf.algorithms):
        return []
    return [
        Error(
            f"{key('ALGORITHMS')} allows public-key algorithms but no JWKS is configured.",
            hint=f"Set {key('BETTER_AUTH_URL')}, {key('JWKS_URL')} or {key('JWKS')}.",
            id="authn.E006",
        )
    ]


@register(Tags.security)
def check_jwks_url(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E007: a JWKS URL that is not http(s) (a file: URL would read the server's own files)."""
    url = current_settings().jwks_url
    if not url or urlsplit(url).scheme in ("http", "https"):
        return []
    return [
        Error(
            f"The JWKS URL {url!r} is not http(s).",
            hint=f"Check {key('BETTER_AUTH_URL')} or {key('JWKS_URL')}.",
            id="authn.E007",
        )
    ]


@register(Tags.security)
def check_failure_rate(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E009: a failure budget that is not a rate."""
    rate = current_settings().failure_rate
    if RATE.fullmatch(rate) is not None:
        return []
    return [
        Error(
            f"{key('FAILURE_RATE')} is {rate!r}, not a rate.",
            hint="Write it as count/period, e.g. 60/m (periods: s, m, h, d).",
            id="authn.E009",
        )
    ]


@register(Tags.security)
def check_feed_secret_length(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E013: a feed secret short enough to guess."""
    secret = current_settings().revocation_feed_secret
    if not secret or len(secret) >= MIN_SECRET_LENGTH:
        return []
    return [
        Error(
            f"{key('REVOCATION_FEED_SECRET')} is shorter than {MIN_SECRET_LENGTH} characters.",
            hint="Generate one with: openssl rand -base64 32 (the same value on the Better Auth server).",
            id="authn.E013",
        )
    ]


@register(Tags.security)
def check_feed_secret_is_its_own(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E014: the feed's secret is the one that signs tokens."""
    conf = current_settings()
    if not conf.revocation_feed_secret or conf.revocation_feed_secret != conf.secret:
        return []
    return [
        Error(
            f"{key('REVOCATION_FEED_SECRET')} is the secret that signs tokens.",
            hint="Give the feed a secret of its own: whoever reads the feed must not be able to mint tokens.",
            id="authn.E014",
        )
    ]


@register(Tags.security)
def check_feed_url(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E015: the feed is on, with no http(s) URL to read it at."""
    conf = current_settings()
    url = conf.revocation_feed_url
    if not conf.revocation_feed_secret or (url and urlsplit(url).scheme in ("http", "https")):
        return []
    return [
        Error(
            f"The revocation feed URL {url!r} is not http(s).",
            hint=f"Set {key('BETTER_AUTH_URL')} or {key('REVOCATION_FEED_URL')}.",
            id="authn.E015",
        )
    ]


@register(Tags.security)
def check_feed_has_key_set(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E017: the feed is on, with no key set to verify its signed pages."""
    conf = current_settings()
    if not conf.revocation_feed_secret or conf.has_jwks:
        return []
    return [
        Error(
            "The revocation feed is on but there is no key set to verify its pages with.",
            hint=f"Set {key('BETTER_AUTH_URL')}, {key('JWKS_URL')} or {key('JWKS')}: the issuer signs each page"
            " with the keys that sign its tokens.",
            id="authn.E017",
        )
    ]


@register(Tags.security)
def check_leeway_within_feed_margin(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E018: the feed is on, and a token outlives (by its leeway) the feed's memory of its revocation."""
    conf = current_settings()
    if not conf.revocation_feed_secret or conf.leeway_seconds <= FEED_EXPIRY_MARGIN_SECONDS:
        return []
    return [
        Error(
            f"{key('LEEWAY_SECONDS')} is {conf.leeway_seconds} s, longer than the revocation feed keeps an"
            f" event past its tokens' expiry ({FEED_EXPIRY_MARGIN_SECONDS} s).",
            hint=f"Keep {key('LEEWAY_SECONDS')} at {FEED_EXPIRY_MARGIN_SECONDS} or less: a signed-out token would"
            " be accepted again once its revocation is dropped.",
            id="authn.E018",
        )
    ]


@register(Tags.security)
def check_metrics_client(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E016: metrics asked for without the library that serves them."""
    if not current_settings().metrics or find_spec("prometheus_client") is not None:
        return []
    return [
        Error(
            f"{key('METRICS')} is on but prometheus-client is not installed.",
            hint=f"Install prometheus-client, or set {key('METRICS')} to False.",
            id="authn.E016",
        )
    ]


@register(Tags.security)
def check_failure_cache(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E012: the failure budget's cache is not one CACHES defines."""
    alias = current_settings().failure_cache
    if alias in settings.CACHES:
        return []
    return [
        Error(
            f"{key('FAILURE_CACHE')} names the cache {alias!r}, which CACHES does not define.",
            hint="Name a cache every server process shares (Redis, or a database cache) in CACHES.",
            id="authn.E012",
        )
    ]


def _unchecked_claims() -> list[tuple[str, str | None, bool, str]]:
    """(claim, expected value, turned off on purpose, the key that sets it) for ``iss`` and ``aud``."""
    conf = current_settings()
    return [
        ("iss", conf.issuer, conf.issuer_explicitly_unchecked, key("ISSUER")),
        ("aud", conf.audience, conf.audience_explicitly_unchecked, key("AUDIENCE")),
    ]


@register(Tags.security)
def check_claims_checked(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.E008: no expected ``iss`` or ``aud`` is known, and nobody said to skip the check."""
    return [
        Error(
            f"No expected '{claim}' is known, so it would go unchecked by accident.",
            hint=f'Set {key("BETTER_AUTH_URL")} or {variable}; set {variable} to "" to turn the check off on purpose.',
            id="authn.E008",
        )
        for claim, value, on_purpose, variable in _unchecked_claims()
        if value is None and not on_purpose
    ]


@register(Tags.security)
def check_claims_unchecked_on_purpose(app_configs: Any = None, **kwargs: Any) -> Messages:
    """authn.W001: ``iss`` or ``aud`` turned off on purpose: allowed, and said."""
    return [
        CheckWarning(
            f"The token's '{claim}' claim is not checked.",
            hint=f"{variable} is \"\": any '{claim}' is accepted from a trusted key.",
            id="authn.W001",
        )
        for claim, _, on_purpose, variable in _unchecked_claims()
        if on_purpose
    ]


# Worst first: the verifier names the first error it finds.
SETTINGS_CHECKS: tuple[Callable[..., Messages], ...] = (
    check_value_kinds,
    check_known_keys,
    check_inline_jwks,
    check_key_source,
    check_secret_length,
    check_algorithms_known,
    check_hmac_has_secret,
    check_public_keys_have_jwks,
    check_jwks_url,
    check_failure_rate,
    check_feed_secret_length,
    check_feed_secret_is_its_own,
    check_feed_url,
    check_feed_has_key_set,
    check_leeway_within_feed_margin,
    check_metrics_client,
    check_failure_cache,
    check_claims_checked,
    check_claims_unchecked_on_purpose,
)


def find_problems() -> Messages:
    """Everything wrong with ``settings.AUTHN``, worst first."""
    return [message for check in SETTINGS_CHECKS for message in check()]
