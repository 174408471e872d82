"""``settings.AUTHN``: its keys and defaults, read once into ``AuthnSettings`` by ``current_settings()``.

Reading records what cannot be read (a value of the wrong kind, a key nobody
knows) instead of raising: ``authn.checks`` reports it, and the verifier refuses
to start on it (``authn.runtime``). The objects built from these settings live
in ``authn.runtime``; the names that lived here before are still importable.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings

from .keys import KeySet
from .token_cache import DEFAULT_SIZE as DEFAULT_TOKEN_CACHE_SIZE

JWKS_PATH = "/api/auth/jwks"
DEFAULT_JWKS_ALGORITHMS = ("EdDSA", "ES256", "ES512", "RS256", "PS256")

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
# Never shown in a message, whatever their value.
SECRET_KEYS = frozenset({"SECRET", "REVOCATION_FEED_SECRET"})


def key(name: str) -> str:
    """How a message names one setting: ``AUTHN["SECRET"]``."""
    return f'AUTHN["{name}"]'


@dataclass(frozen=True)
class InvalidValue:
    """A key of ``AUTHN`` (or ``AUTHN`` itself) whose value is not of the kind it takes; its default is used."""

    name: str
    value: Any = field(repr=False)  # may be a secret
    expected: str


@dataclass(frozen=True)
class AuthnSettings:
    """``settings.AUTHN`` with every default resolved; ``invalid`` and ``unknown_keys``: what could not be read."""

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
    invalid: tuple[InvalidValue, ...] = ()
    unknown_keys: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, raw: Any) -> AuthnSettings:
        invalid: list[InvalidValue] = []
        if not isinstance(raw, Mapping):
            invalid.append(InvalidValue("AUTHN", raw, "a dict"))
            raw = {}
        unknown = sorted(set(raw) - set(DEFAULTS), key=str)
        values = {**DEFAULTS, **{k: v for k, v in raw.items() if k in DEFAULTS}}
        for name in _TEXTS:
            if values[name] is not None and not isinstance(values[name], str):
                invalid.append(InvalidValue(name, values[name], "a string"))
                values[name] = DEFAULTS[name]
        for name, (kind, least) in _NUMBERS.items():
            value = values[name]
            accepted = (int, float) if kind is float else int
            if isinstance(value, bool) or not isinstance(value, accepted) or not math.isfinite(value) or value < least:
                expected = f"{'a number' if kind is float else 'a whole number'} >= {least}"
                invalid.append(InvalidValue(name, value, expected))
                values[name] = DEFAULTS[name]
        if not isinstance(values["METRICS"], bool):
            invalid.append(InvalidValue("METRICS", values["METRICS"], "True or False"))
            values["METRICS"] = DEFAULTS["METRICS"]
        algorithms = values["ALGORITHMS"]
        if algorithms is not None and (isinstance(algorithms, str) or not all(isinstance(a, str) for a in algorithms)):
            invalid.append(InvalidValue("ALGORITHMS", algorithms, "a list of algorithm names"))
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
            unknown_keys=tuple(unknown),
        )

    @property
    def has_jwks(self) -> bool:
        return bool(self.jwks_url or self.jwks_document)


def _parse_inline_jwks(text: Any) -> tuple[Any, str | None]:
    if not text:
        return None, None
    try:
        document = json.loads(text) if isinstance(text, (str, bytes)) else text
        KeySet(document)
    except ValueError as e:
        return None, str(e)
    return document, None


@lru_cache(maxsize=1)
def current_settings() -> AuthnSettings:
    """The one accessor of ``settings.AUTHN``: read once, then kept until the setting changes (``authn.runtime``)."""
    return AuthnSettings.from_mapping(getattr(settings, "AUTHN", {}))


# Built objects moved to authn.runtime in 0.2; imported from here they still work (loaded on use: runtime imports this).
_MOVED_TO_RUNTIME = frozenset({"get_verifier", "get_revocation_feed", "get_observer", "get_failure_budget"})


def __getattr__(name: str) -> Any:
    if name not in _MOVED_TO_RUNTIME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import runtime

    return getattr(runtime, name)
