"""The two ways verification can fail, free of any web framework."""


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
    ) -> None:
        super().__init__(description)
        self.description = description
        self.reason = reason or description
        self.kid = kid
        # Only set when the signature was good, so the logs never attribute a
        # forged token to a real user.
        self.sub = sub


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
