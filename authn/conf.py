"""Reads ``settings.AUTHN`` once, validates it, and builds the process-wide verifier.

The verifier and its key cache live here, not on the authenticator: DRF builds a
new authenticator for every request, so anything cached on one would be lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from .budget import FailureBudget
from .keys import KeySet, RemoteKeySource, StaticKeySource
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
DEFAULT_FAILURE_RATE = "60/m"


@dataclass(frozen=True)
class AuthnSettings:
    """``settings.AUTHN`` with every default resolved."""

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

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> AuthnSettings:
        base_url = (raw.get("BETTER_AUTH_URL") or "").rstrip("/") or None
        jwks_url = raw.get("JWKS_URL") or (base_url + JWKS_PATH if base_url else None)
        document, document_error = _parse_inline_jwks(raw.get("JWKS") or "")
        secret = raw.get("SECRET") or None
        algorithms = raw.get("ALGORITHMS")
        if not algorithms:
            algorithms = (DEFAULT_JWKS_ALGORITHMS if (jwks_url or document) else ()) + (("HS256",) if secret else ())
        # None means "unset: default to the Better Auth URL"; "" means "do not check".
        issuer, audience = raw.get("ISSUER"), raw.get("AUDIENCE")
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
            leeway_seconds=int(raw.get("LEEWAY_SECONDS", 30)),
            jwks_cache_seconds=int(raw.get("JWKS_CACHE_SECONDS", 300)),
            jwks_max_stale_seconds=int(raw.get("JWKS_MAX_STALE_SECONDS", 900)),
            jwks_cooldown_seconds=int(raw.get("JWKS_COOLDOWN_SECONDS", 5)),
            jwks_timeout_seconds=float(raw.get("JWKS_TIMEOUT_SECONDS", 3)),
            token_cache_size=int(raw.get("TOKEN_CACHE_SIZE", DEFAULT_TOKEN_CACHE_SIZE)),
            failure_rate=raw.get("FAILURE_RATE") or DEFAULT_FAILURE_RATE,
        )

    @property
    def has_jwks(self) -> bool:
        return bool(self.jwks_url or self.jwks_document)


@dataclass(frozen=True)
class Problem:
    """A configuration that cannot work (error) or that weakens checks (warning)."""

    id: str
    is_error: bool
    msg: str
    hint: str


def _parse_inline_jwks(text: str) -> tuple[Any, str | None]:
    if not text:
        return None, None
    try:
        document = json.loads(text)
        KeySet(document)
    except ValueError as e:
        return None, str(e)
    return document, None


def find_problems(conf: AuthnSettings) -> list[Problem]:
    """Everything wrong with the authentication settings, worst first."""
    problems = []
    if conf.jwks_document_error:
        problems.append(
            Problem(
                "authn.E004",
                True,
                f"BETTER_AUTH_JWKS is not a JWKS document: {conf.jwks_document_error}.",
                'Give the JSON of {BETTER_AUTH_URL}/api/auth/jwks, e.g. {"keys": [...]}.',
            )
        )
    if not conf.has_jwks and not conf.secret and not conf.jwks_document_error:
        problems.append(
            Problem(
                "authn.E001",
                True,
                "No key source is configured, so no token can ever be verified.",
                "Set BETTER_AUTH_URL (JWKS), BETTER_AUTH_JWKS (inline JWKS) or BETTER_AUTH_SECRET (HS256).",
            )
        )
    if conf.secret and len(conf.secret) < MIN_SECRET_LENGTH:
        problems.append(
            Problem(
                "authn.E002",
                True,
                f"BETTER_AUTH_SECRET is shorter than {MIN_SECRET_LENGTH} characters.",
                "Generate one with: openssl rand -base64 32",
            )
        )
    unknown = [a for a in conf.algorithms if a not in KNOWN_ALGORITHMS]
    if unknown:
        problems.append(
            Problem(
                "authn.E003",
                True,
                f"JWT_ALGORITHMS names unknown algorithms: {', '.join(unknown)}.",
                f"Choose among {', '.join(sorted(KNOWN_ALGORITHMS))}.",
            )
        )
    if any(a in HMAC_ALGORITHMS for a in conf.algorithms) and not conf.secret:
        problems.append(
            Problem(
                "authn.E005",
                True,
                "JWT_ALGORITHMS allows HMAC but BETTER_AUTH_SECRET is not set.",
                "Set BETTER_AUTH_SECRET, or remove HS* from JWT_ALGORITHMS.",
            )
        )
    if any(a in ASYMMETRIC_ALGORITHMS for a in conf.algorithms) and not conf.has_jwks:
        problems.append(
            Problem(
                "authn.E006",
                True,
                "JWT_ALGORITHMS allows public-key algorithms but no JWKS is configured.",
                "Set BETTER_AUTH_URL, BETTER_AUTH_JWKS_URL or BETTER_AUTH_JWKS.",
            )
        )
    if conf.jwks_url and urlsplit(conf.jwks_url).scheme not in ("http", "https"):
        problems.append(
            Problem(
                "authn.E007",
                True,
                f"The JWKS URL {conf.jwks_url!r} is not http(s).",
                "Check BETTER_AUTH_URL or BETTER_AUTH_JWKS_URL.",
            )
        )
    if re.fullmatch(r"\d+/\d*[smhd]", conf.failure_rate) is None:
        problems.append(
            Problem(
                "authn.E009",
                True,
                f"The failed-authentication rate {conf.failure_rate!r} is not a rate.",
                "Write it as count/period, e.g. 60/m (periods: s, m, h, d).",
            )
        )
    for claim, value, explicit, variable in (
        ("iss", conf.issuer, conf.issuer_explicitly_unchecked, "JWT_ISSUER"),
        ("aud", conf.audience, conf.audience_explicitly_unchecked, "JWT_AUDIENCE"),
    ):
        if value is None and not explicit:
            problems.append(
                Problem(
                    "authn.E008",
                    True,
                    f"No expected '{claim}' is known, so it would go unchecked by accident.",
                    f"Set BETTER_AUTH_URL or {variable}; "
                    f"set {variable} to an empty value to turn the check off on purpose.",
                )
            )
        elif explicit:
            problems.append(
                Problem(
                    "authn.W001",
                    False,
                    f"The token's '{claim}' claim is not checked.",
                    f"{variable} is set to an empty value: any '{claim}' is accepted from a trusted key.",
                )
            )
    return problems


def current_settings() -> AuthnSettings:
    return AuthnSettings.from_mapping(getattr(settings, "AUTHN", {}))


@lru_cache(maxsize=1)
def get_verifier() -> TokenVerifier:
    """The process-wide verifier; fails closed when the configuration cannot work."""
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
            )
        )
    config = VerifierConfig(
        algorithms=frozenset(conf.algorithms),
        secret=conf.secret,
        issuer=conf.issuer,
        audience=conf.audience,
        leeway_seconds=conf.leeway_seconds,
    )
    return TokenVerifier(config, key_sources=sources, cache=cache)


@lru_cache(maxsize=1)
def get_failure_budget() -> FailureBudget:
    """The process-wide failed-authentication budget per client address (``FAILURE_RATE``)."""
    return FailureBudget(current_settings().failure_rate)


@receiver(setting_changed)
def _rebuild_verifier(*, setting: str, **kwargs: Any) -> None:
    """Let ``override_settings`` and pytest-django's ``settings`` fixture just work."""
    if setting == "AUTHN":
        get_verifier.cache_clear()
        get_failure_budget.cache_clear()
