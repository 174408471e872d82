"""The two ways verification can fail, free of any web framework."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# A received value is the token's to choose: shown up to this many characters.
SHOWN_VALUE_LENGTH = 120

# Every description a refusal can carry, by its short name; tests keep the two in step.
REFUSAL_CODES = {
    "The Authorization header must be 'Bearer <token>'": "bad_header",
    "The token is malformed": "malformed",
    "The token is too large": "too_large",
    "The token's algorithm is not allowed": "algorithm_not_allowed",
    "The token has an unsupported critical header": "critical_header",
    "The token has no usable key id": "no_key_id",
    "The token's signing key is unknown": "unknown_key",
    "The token's algorithm does not match its key": "algorithm_mismatch",
    "The token's signature is invalid": "signature",
    "The token has expired": "expired",
    "The token is not yet valid": "not_yet_valid",
    "The token's issuer is not accepted": "issuer",
    "The token's audience is not accepted": "audience",
    "The token lacks a required claim": "missing_claim",
    "The token has no subject": "no_subject",
    "The token's subject is not a valid user id": "invalid_subject",
    "The token has a claim that is not valid text": "claim_text",
    "The token's issue time is invalid": "issued_at",
    "The token's time claims are invalid": "time_claims",
    "The token lives too long": "too_long_lived",
    "The token is invalid": "invalid",
    "The session has ended": "revoked",
    "The token carries no session": "no_session",
}


def refusal_code(description: str) -> str:
    """The short name of a refusal's ``description`` (``invalid`` for one not listed)."""
    return REFUSAL_CODES.get(description, "invalid")


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

    ``description`` is safe to show the client (RFC 6750 ``error_description``);
    ``reason`` is the detail for the logs. Neither ever contains the token.
    """

    def __init__(
        self,
        description: str,
        *,
        reason: str = "",
        kid: str | None = None,
        sub: str | None = None,
        sid: str | None = None,
        mismatch: ClaimMismatch | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.reason = reason or description
        self.kid = kid
        # Only set when the signature was good, so the logs never attribute a
        # forged token to a real user; ``sid`` (the session) likewise.
        self.sub = sub
        self.sid = sid
        # The expected and received iss or aud, when that is why (after a good signature too).
        self.mismatch = mismatch

    @property
    def code(self) -> str:
        """A short, stable name for why (metric labels, audit lines): one per ``description``."""
        return refusal_code(self.description)


class KeySourceUnavailable(Exception):
    """The key set could not be reached and the token's key is not held.

    The token may be genuine, so the client should retry rather than sign
    the person out (docs/api.md, "Authentication").
    """

    def __init__(self, reason: str, *, retry_after: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class RevocationsUnavailable(KeySourceUnavailable):
    """The revocation feed has not been read lately enough to know whether the token was revoked."""
