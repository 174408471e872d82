"""Turns a Better Auth JWT into verified claims, or a typed refusal.

Plain Python over PyJWT: no web framework, no request, no settings module.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

import jwt
from jwt import PyJWK
from jwt.exceptions import InvalidIssuedAtError, InvalidSubjectError

from .errors import ClaimMismatch, InvalidToken, KeySourceUnavailable, Refusal
from .observer import Observer
from .token_cache import VerifiedTokenCache, token_digest

HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
ASYMMETRIC_ALGORITHMS = frozenset(
    {"EdDSA", "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
)
KNOWN_ALGORITHMS = HMAC_ALGORITHMS | ASYMMETRIC_ALGORITHMS

MAX_TOKEN_BYTES = 8 * 1024
MAX_KID_LENGTH = 256
# Distinct headers are few (one per signing key and algorithm); the bound only caps memory.
HEADER_CACHE_SIZE = 64
# The first segment of the compact form (RFC 7515 §7.1), base64url without padding.
# Only the header is read here; PyJWT parses the whole token again, strictly, before trusting it.
_HEADER_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
# RFC 7515 §2: base64url without "=". A segment of 2 or 3 (mod 4) characters ends in one whose
# low bits are unused; canonical encoders leave them zero, and PyJWT ignores them, so only these
# last characters are accepted: one token, one spelling, one verified-token cache entry.
_CANONICAL_LAST = {2: frozenset("AQgw"), 3: frozenset("AEIMQUYcgkosw048")}
# NumericDate (RFC 7519 §2): a JSON number of seconds; past 9999-12-31 no date type can hold it.
MAX_NUMERIC_DATE = 253_402_300_799
TIME_CLAIMS = ("exp", "iat", "nbf")
_NUMBERS = (int, float)
# A subject names the user in paths (/api/{sub}/tasks) and in the task table's 255-character column.
MAX_SUBJECT_LENGTH = 255
# No control characters (C0, DEL, C1) nor lone surrogates (no UTF-8 for a URL or a database), no "/".
_SUBJECT = re.compile(rf"[^\x00-\x1f\x7f-\x9f/\ud800-\udfff]{{1,{MAX_SUBJECT_LENGTH}}}")
# JSON's parser joins an escaped surrogate pair into one character; any surrogate left in a string is lone.
_SURROGATE = re.compile("[\ud800-\udfff]")


class UnverifiedHeader(NamedTuple):
    """What the header says before anything is verified: it only picks the key and algorithm to try."""

    alg: Any
    kid: Any
    critical: bool


@lru_cache(maxsize=HEADER_CACHE_SIZE)
def _parse_header(segment: str) -> UnverifiedHeader:
    """The fields of a header segment; remembered, as every token one key signs carries the same header.

    It holds parses, never verdicts: PyJWT still reads and checks the whole token
    each time. Malformed segments raise, and a raise is not remembered.
    """
    if _HEADER_SEGMENT.fullmatch(segment) is None:
        raise InvalidToken(Refusal.MALFORMED, reason="no base64url header segment")
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, RecursionError) as e:  # binascii.Error and JSONDecodeError are ValueErrors
        raise InvalidToken(Refusal.MALFORMED, reason=f"header: {e}") from e
    if not isinstance(header, dict):
        raise InvalidToken(Refusal.MALFORMED, reason="the header is not a JSON object")
    return UnverifiedHeader(header.get("alg"), header.get("kid"), "crit" in header)


def is_valid_subject(sub: Any) -> bool:
    """The one rule for ``sub``: text that can be a URL path segment and a user id column value.

    Not blank, at most MAX_SUBJECT_LENGTH characters, no control characters,
    lone surrogates or "/", and not "." or "..", which clients collapse in a path.
    """
    return isinstance(sub, str) and _SUBJECT.fullmatch(sub) is not None and not sub.isspace() and sub not in (".", "..")


def has_lone_surrogate(value: Any) -> bool:
    """True when a string anywhere in ``value`` (object member names included) holds a lone UTF-16 surrogate.

    Such a string has no UTF-8 form: no JSON encoder, HTML page, database or log
    line can take it. I-JSON (RFC 7493 §2.1) forbids them, and Better Auth, whose
    user fields come from a UTF-8 database, never signs one.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE.search(item) is not None:
                return True
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def is_canonical_compact(token: str) -> bool:
    """True when no segment of ``token`` is padded or ends in unused bits set (RFC 7515 §2).

    Only the ends of the three segments are looked at (PyJWT checks the alphabet),
    without copying them: this runs on every first verification.
    """
    if "=" in token:
        return False
    first = token.find(".")
    second = token.find(".", first + 1)
    if first < 0 or second < 0:
        return True  # not three segments: PyJWT refuses it
    for end, length in ((first, first), (second, second - first - 1), (len(token), len(token) - second - 1)):
        allowed = _CANONICAL_LAST.get(length % 4)
        if allowed is not None and token[end - 1] not in allowed:
            return False
    return True


class KeySource(Protocol):
    """Anything that can find an asymmetric public key by ``kid`` and algorithm."""

    def find(self, kid: str, alg: str) -> PyJWK | None: ...


@dataclass(frozen=True)
class VerifierConfig:
    """What a token must satisfy; ``None`` for issuer or audience means not checked."""

    algorithms: frozenset[str]
    secret: str | None
    issuer: str | None
    audience: str | None
    leeway_seconds: int
    max_token_bytes: int = MAX_TOKEN_BYTES
    # Set (the revocation feed is on): tokens need iat, and may live no longer than this (exp - iat).
    max_lifetime_seconds: int | None = None


# PyJWT's claim errors are raised after the signature checked out.
_CLAIM_ERRORS: tuple[tuple[type[jwt.PyJWTError], Refusal], ...] = (
    (jwt.ExpiredSignatureError, Refusal.EXPIRED),
    (jwt.ImmatureSignatureError, Refusal.NOT_YET_VALID),
    (jwt.InvalidIssuerError, Refusal.ISSUER),
    (jwt.InvalidAudienceError, Refusal.AUDIENCE),
    (jwt.MissingRequiredClaimError, Refusal.MISSING_CLAIM),
    (InvalidSubjectError, Refusal.NO_SUBJECT),
    (InvalidIssuedAtError, Refusal.ISSUED_AT),
)
_SIGNATURE_ERRORS: tuple[tuple[type[jwt.PyJWTError], Refusal], ...] = (
    (jwt.InvalidSignatureError, Refusal.SIGNATURE),
    (jwt.InvalidAlgorithmError, Refusal.ALGORITHM_MISMATCH),
    (jwt.DecodeError, Refusal.MALFORMED),
)


class RevocationCheck(Protocol):
    """Refuses a verified token that was revoked since it was issued (``authn.revocation``)."""

    def check(self, claims: Mapping[str, Any]) -> None: ...


class TokenVerifier:
    """Verifies signature and claims with the key that configuration, not the token, picks."""

    def __init__(
        self,
        config: VerifierConfig,
        *,
        key_sources: Sequence[KeySource] = (),
        cache: VerifiedTokenCache | None = None,
        revocations: RevocationCheck | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.config = config
        self._key_sources = tuple(key_sources)
        self.cache = cache
        self.revocations = revocations
        self.observer = observer
        self._options: dict[str, Any] = {
            "require": ["exp", "sub"] if config.max_lifetime_seconds is None else ["exp", "sub", "iat"],
            "verify_iss": config.issuer is not None,
            "verify_aud": config.audience is not None,
        }

    def verify(self, token: str) -> dict[str, Any]:
        """Return the token's claims, or raise InvalidToken / KeySourceUnavailable.

        A token verified before and not yet expired is answered from the cache,
        with the very claims dict of its first verification: treat it as read-only.
        Revocations are checked on every use, cached or not.
        """
        claims = self._claims(token)
        if self.revocations is not None:
            self.revocations.check(claims)
        return claims

    def verify_known(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this process verified before, as ``verify`` answers a cache hit; else None.

        Nothing is verified in full here: a token not in the cache (never seen,
        forged, expired since, or evicted by a key-set change) is None, at the
        cost of one digest and one lookup. Revocations are checked as on every use.
        """
        cache = self.cache
        if cache is None or len(token) > self.config.max_token_bytes:
            return None
        generation = cache.generation
        hit = cache.get(token_digest(token))
        if hit is None:
            return None
        claims, alg, kid = hit
        self._key_for(alg, kid)  # as on any hit: keeps the key set refreshing on schedule
        if cache.generation != generation:
            return None  # the key set changed meanwhile: only a full verification can tell
        if self.observer is not None:
            self.observer.cache_hit()
        if self.revocations is not None:
            self.revocations.check(claims)
        return claims

    def _claims(self, token: str) -> dict[str, Any]:
        # Refuse oversized input before any hashing, base64 or JSON work is spent on it.
        if len(token) > self.config.max_token_bytes:
            raise InvalidToken(Refusal.TOO_LARGE, reason=f"{len(token)} bytes")
        cache = self.cache
        if cache is None:
            return self._verify(token)[0]
        digest = token_digest(token)
        generation = cache.generation
        hit = cache.get(digest)
        observer = self.observer
        if hit is not None:
            if observer is not None:
                observer.cache_hit()
            claims, alg, kid = hit
            # Asking for the key keeps a fetched key set refreshing on schedule, as
            # uncached requests do; a change it brings empties the cache, and then
            # the token is verified again.
            self._key_for(alg, kid)
            if cache.generation == generation:
                return claims
            generation = cache.generation
        elif observer is not None:
            observer.cache_miss()
        claims, alg, kid = self._verify(token)
        cache.put(digest, (claims, alg, kid), exp=claims.get("exp"), generation=generation)
        return claims

    def _verify(self, token: str) -> tuple[dict[str, Any], str, Any]:
        """The claims, with the ``alg`` and ``kid`` whose key verified them."""
        if not is_canonical_compact(token):
            raise InvalidToken(Refusal.MALFORMED, reason="not canonical base64url (RFC 7515 §2)")
        alg, kid, critical = self._unverified_header(token)
        # RFC 8725 §3.1: the allow-list decides; "none", in any spelling, is never on it.
        if not isinstance(alg, str) or alg not in self.config.algorithms:
            raise InvalidToken(Refusal.ALGORITHM_NOT_ALLOWED, reason=f"alg {alg!r:.40}", kid=kid)
        # RFC 7515 §4.1.11: extensions marked critical that we do not implement mean reject.
        if critical:
            raise InvalidToken(Refusal.CRITICAL_HEADER, kid=kid)
        try:
            key = self._key_for(alg, kid)
        except KeySourceUnavailable:
            # The key set cannot be asked now, but a token from another issuer
            # would be refused whatever it says: answer that (401), not "retry" (503).
            if self._from_another_issuer(token):
                raise InvalidToken(Refusal.ISSUER, reason="unverified iss", kid=kid) from None
            raise
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                issuer=self.config.issuer,
                audience=self.config.audience,
                leeway=self.config.leeway_seconds,
                options=self._options,
            )
        except jwt.PyJWTError as e:
            raise self._refusal(e, token, kid) from e
        # PyJWT takes numeric strings and any magnitude; a NumericDate is a number a date can hold.
        for name in TIME_CLAIMS:
            value = claims.get(name)  # None: absent (PyJWT refuses a null one)
            # type(), not isinstance(): True is an int to Python, and a NumericDate to nobody.
            if value is not None and (type(value) not in _NUMBERS or not 0 <= value <= MAX_NUMERIC_DATE):
                raise InvalidToken(Refusal.TIME_CLAIMS, reason=f"{name} is not a NumericDate", kid=kid)
        longest = self.config.max_lifetime_seconds
        if longest is not None and claims["exp"] - claims["iat"] > longest:
            raise InvalidToken(Refusal.TOO_LONG_LIVED, reason=f"exp - iat > {longest} s", kid=kid)
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.strip():
            raise InvalidToken(Refusal.NO_SUBJECT, kid=kid)
        if not is_valid_subject(sub):
            raise InvalidToken(Refusal.INVALID_SUBJECT, reason="sub fails the subject rule", kid=kid)
        # Once per token (successes are cached): every claim reaches the host through BetterAuthUser.claims.
        if has_lone_surrogate(claims):
            raise InvalidToken(Refusal.CLAIM_TEXT, reason="a lone surrogate in a claim", kid=kid, sub=sub)
        return claims, alg, kid

    def ensure_keys_loaded(self) -> None:
        """Fetch remote key sets now if none is held (readiness checks); raise if one cannot be."""
        for source in self._key_sources:
            ensure_loaded = getattr(source, "ensure_loaded", None)
            if ensure_loaded is not None:
                ensure_loaded()

    @staticmethod
    def _unverified_header(token: str) -> UnverifiedHeader:
        # Reads the header segment alone: jwt.get_unverified_header would decode
        # and check all three segments, work that jwt.decode then repeats.
        segment, dot, _ = token.partition(".")
        if not dot:
            raise InvalidToken(Refusal.MALFORMED, reason="no base64url header segment")
        return _parse_header(segment)

    def _key_for(self, alg: str, kid: Any) -> str | PyJWK:
        # HMAC verifies only with the shared secret and asymmetric algorithms only
        # with key-set keys, so a public key can never be replayed as an HMAC secret.
        if alg in HMAC_ALGORITHMS:
            if not self.config.secret:
                raise InvalidToken(Refusal.ALGORITHM_NOT_ALLOWED, reason="no secret configured")
            return self.config.secret
        if not isinstance(kid, str) or not kid or len(kid) > MAX_KID_LENGTH:
            raise InvalidToken(Refusal.NO_KEY_ID, reason=f"kid {kid!r:.80}")
        for source in self._key_sources:
            key = source.find(kid, alg)
            if key is not None:
                return key
        raise InvalidToken(Refusal.UNKNOWN_KEY, kid=kid)

    def _from_another_issuer(self, token: str) -> bool:
        if self.config.issuer is None:
            return False
        try:
            return jwt.decode(token, options={"verify_signature": False}).get("iss") != self.config.issuer
        except jwt.PyJWTError:
            return True

    def _refusal(self, error: jwt.PyJWTError, token: str, kid: Any) -> InvalidToken:
        for error_type, refusal in _CLAIM_ERRORS:
            if isinstance(error, error_type):
                sub, sid = _unverified_identity(token)
                mismatch = self._mismatch(error, token)
                return InvalidToken(refusal, reason=str(error), kid=kid, sub=sub, sid=sid, mismatch=mismatch)
        for error_type, refusal in _SIGNATURE_ERRORS:
            if isinstance(error, error_type):
                return InvalidToken(refusal, reason=str(error), kid=kid)
        return InvalidToken(Refusal.INVALID, reason=str(error), kid=kid)

    def _mismatch(self, error: jwt.PyJWTError, token: str) -> ClaimMismatch | None:
        """What was expected and what the token has, for an issuer or audience refusal (signature verified)."""
        if isinstance(error, jwt.InvalidIssuerError):
            claim, expected = "iss", self.config.issuer
        elif isinstance(error, jwt.InvalidAudienceError):
            claim, expected = "aud", self.config.audience
        else:
            return None
        return ClaimMismatch(claim, expected, jwt.decode(token, options={"verify_signature": False}).get(claim))


def _unverified_identity(token: str) -> tuple[str | None, str | None]:
    """The subject and session of a token whose signature verified but whose claims did not."""
    claims = jwt.decode(token, options={"verify_signature": False})
    sub, sid = claims.get("sub"), claims.get("sid")
    return (sub[:128] if isinstance(sub, str) else None), (sid[:255] if isinstance(sid, str) else None)
