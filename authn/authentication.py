"""The DRF adapter: ``Authorization: Bearer <JWT>`` in, a ``BetterAuthUser`` out."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from .conf import get_verifier
from .errors import InvalidToken, KeySourceUnavailable
from .user import BetterAuthUser
from .verifier import TokenVerifier

logger = logging.getLogger(__name__)

REALM = "api"
INVALID_TOKEN_DETAIL = "Unauthorized - Invalid or expired token"  # noqa: S105 (a message, not a secret)
# DRF creates a new authenticator per request and asks a fresh one for the
# header, so the failure travels on the request (as django-oauth-toolkit does).
_ERROR_ATTR = "_authn_error_description"


class KeySetUnavailable(exceptions.APIException):
    """The token's key is not held and the key set cannot be reached: retry later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Service unavailable - the signing keys cannot be fetched; retry shortly"
    default_code = "service_unavailable"

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.wait = retry_after  # DRF's handler turns ``wait`` into Retry-After


class BetterAuthJWTAuthentication(BaseAuthentication):
    """Authenticates requests carrying a Better Auth JWT as a bearer token."""

    def __init__(self, verifier: TokenVerifier | None = None) -> None:
        self._verifier = verifier

    @property
    def verifier(self) -> TokenVerifier:
        return self._verifier or get_verifier()

    def authenticate(self, request: Request) -> tuple[BetterAuthUser, dict[str, Any]] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None  # not our scheme: let DRF answer "not authenticated"
        if len(parts) != 2:
            self._fail(request, "The Authorization header must be 'Bearer <token>'", "bad header shape")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            self._fail(request, "The token is malformed", "non-ASCII token")
        return self.authenticate_token(request, token)

    def authenticate_token(self, request: Request, token: str) -> tuple[BetterAuthUser, dict[str, Any]]:
        """Verify ``token`` for ``request``: the user and claims, or the DRF error the contract asks for."""
        try:
            claims = self.verifier.verify(token)
        except InvalidToken as e:
            self._fail(request, e.description, e.reason, kid=e.kid, sub=e.sub)
        except KeySourceUnavailable as e:
            logger.warning("token not checked, key set unreachable: %s client=%s", e.reason, _client(request))
            raise KeySetUnavailable(e.retry_after) from e
        return BetterAuthUser.from_claims(claims), claims

    def authenticate_header(self, request: Request) -> str:
        # RFC 6750 §3.1: no error code when the request carried no credentials.
        description = getattr(request, _ERROR_ATTR, None)
        if description is None:
            return f'Bearer realm="{REALM}"'
        return f'Bearer realm="{REALM}", error="invalid_token", error_description="{description}"'

    @staticmethod
    def _fail(request: Request, description: str, reason: str, *, kid: Any = None, sub: str | None = None) -> NoReturn:
        logger.info("token refused: %s (%s) kid=%r sub=%r client=%s", description, reason, kid, sub, _client(request))
        setattr(request, _ERROR_ATTR, description)
        raise exceptions.AuthenticationFailed(INVALID_TOKEN_DETAIL)


def _client(request: Request) -> str:
    return request.META.get("REMOTE_ADDR", "-")
