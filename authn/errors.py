"""How verification fails, free of any web framework: a refused token, or a dependency that is down."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

# A received value is the token's to choose: shown up to this many characters.
SHOWN_VALUE_LENGTH = 120


class Refusal(Enum):
    """Why a token is refused: one named case per reason, with its code and its description.

    The code (the member's value) labels the metric ``authn_tokens_refused_total{reason}``
    and is the audit line's ``reason``; dashboards depend on it, so it never changes.
    The description is safe to show the client (RFC 6750 ``error_description``).
    ``Refusal("expired")`` is ``Refusal.EXPIRED``; an unknown code is a ValueError.
    """

    BAD_HEADER = "bad_header", "The Authorization header must be 'Bearer <token>'"
    MALFORMED = "malformed", "The token is malformed"
    TOO_LARGE = "too_large", "The token is too large"
    ALGORITHM_NOT_ALLOWED = "algorithm_not_allowed", "The token's algorithm is not allowed"
    CRITICAL_HEADER = "critical_header", "The token has an unsupported critical header"
    NO_KEY_ID = "no_key_id", "The token has no usable key id"
    UNKNOWN_KEY = "unknown_key", "The token's signing key is unknown"
    ALGORITHM_MISMATCH = "algorithm_mismatch", "The token's algorithm does not match its key"
    SIGNATURE = "signature", "The token's signature is invalid"
    EXPIRED = "expired", "The token has expired"
    NOT_YET_VALID = "not_yet_valid", "The token is not yet valid"
    ISSUER = "issuer", "The token's issuer is not accepted"
    AUDIENCE = "audience", "The token's audience is not accepted"
    MISSING_CLAIM = "missing_claim", "The token lacks a required claim"
    NO_SUBJECT = "no_subject", "The token has no subject"
    INVALID_SUBJECT = "invalid_subject", "The token's subject is not a valid user id"
    CLAIM_TEXT = "claim_text", "The token has a claim that is not valid text"
    ISSUED_AT = "issued_at", "The token's issue time is invalid"
    TIME_CLAIMS = "time_claims", "The token's time claims are invalid"
    TOO_LONG_LIVED = "too_long_lived", "The token lives too long"
    INVALID = "invalid", "The token is invalid"
    SESSION_ENDED = "revoked", "The session has ended"
    NO_SESSION = "no_session", "The token carries no session"

    code: str
    description: str

    def __new__(cls, code: str, description: str) -> Refusal:
        member = object.__new__(cls)
        member._value_ = member.code = code
        member.description = description
        return member

    @classmethod
    def of(cls, refusal: Refusal | str) -> Refusal:
        """A refusal, or the one whose description is ``refusal``: the text 0.1 took, kept working.

        Text that is no refusal's description is a ValueError, never a silent ``invalid``.
        """
        if isinstance(refusal, cls):
            return refusal
        found = _BY_DESCRIPTION.get(refusal)  # type: ignore[arg-type]
        if found is None:
            raise ValueError(f"{refusal!r} is not the description of an authn.Refusal")
        return found


_BY_DESCRIPTION = {refusal.description: refusal for refusal in Refusal}


@dataclass(frozen=True)
class ClaimMismatch:
    """A claim the configuration expects one value of (``iss``, ``aud``) and the token gave another.

    For the operator (``verify_token``, a DEBUG log line), never for the client:
    the expected value is this API's configuration.
    """

    claim: str
    expected: Any
    received: Any

    def describe(self) -> str:
        """``iss: expected "http://127.0.0.1:3000", the token has "http://localhost:3000"``, each value escaped."""
        return f"{self.claim}: expected {_shown(self.expected)}, the token has {_shown(self.received)}"


def _shown(value: Any) -> str:
    """A JSON literal with no raw line break or control character, cut to SHOWN_VALUE_LENGTH characters."""
    text = json.dumps(value, ensure_ascii=True, default=str)
    return text if len(text) <= SHOWN_VALUE_LENGTH else text[:SHOWN_VALUE_LENGTH] + "..."


class InvalidToken(Exception):
    """The token is not acceptable; the client should get a new one.

    ``refusal`` says why (its ``code`` for metrics and audit lines, its
    ``description`` for the client); ``reason`` is the detail for the logs.
    Neither ever contains the token.
    """

    def __init__(
        self,
        refusal: Refusal | str,
        *,
        reason: str = "",
        kid: str | None = None,
        sub: str | None = None,
        sid: str | None = None,
        mismatch: ClaimMismatch | None = None,
    ) -> None:
        refusal = Refusal.of(refusal)
        super().__init__(refusal.description)
        self.refusal = refusal
        self.reason = reason or refusal.description
        self.kid = kid
        # Only set when the signature was good, so the logs never attribute a
        # forged token to a real user; ``sid`` (the session) likewise.
        self.sub = sub
        self.sid = sid
        # The expected and received iss or aud, when that is why (after a good signature too).
        self.mismatch = mismatch

    @property
    def description(self) -> str:
        """Safe to show the client (RFC 6750 ``error_description``)."""
        return self.refusal.description

    @property
    def code(self) -> str:
        """A short, stable name for why (metric labels, audit lines)."""
        return self.refusal.code


class DependencyUnavailable(Exception):
    """Something verification needs cannot be reached, so no verdict can be given: 503 with Retry-After.

    The token may be genuine, so the client should retry rather than sign the
    person out (docs/api.md, "Authentication"). Both kinds fail closed alike;
    they differ in what was already checked (see each).
    """

    def __init__(self, reason: str, *, retry_after: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class KeySourceUnavailable(DependencyUnavailable):
    """The key set could not be reached and the token's key is not held: its signature is unchecked."""


class RevocationsUnavailable(DependencyUnavailable):
    """The revocation feed has not been read lately enough to know whether the token was revoked.

    Raised after the token's signature and claims were verified.
    """
