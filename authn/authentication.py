"""The DRF adapter: ``Authorization: Bearer <JWT>`` in, a ``BetterAuthUser`` out."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from . import audit
from .budget import client_address
from .errors import DependencyUnavailable, InvalidToken, Refusal, RevocationsUnavailable
from .runtime import get_failure_budget, get_observer, get_verifier
from .throttled_warning import ThrottledWarning
from .user import BetterAuthUser
from .verifier import TokenVerifier

logger = logging.getLogger(__name__)

REALM = "api"
INVALID_TOKEN_DETAIL = "Unauthorized - Invalid or expired token"  # noqa: S105 (a message, not a secret)
# DRF creates a new authenticator per request and asks a fresh one for the
# header, so the failure travels on the request (as django-oauth-toolkit does).
_ERROR_ATTR = "_authn_error_description"
# A kid is the client's to choose: logged up to this many characters.
LOGGED_VALUE_LENGTH = 80
# An unreachable key set is a WARNING once per this many seconds per process, INFO otherwise:
# each forged token during an outage must not be a WARNING of its own.
OUTAGE_WARNING_SECONDS = 60.0


REVOCATIONS_UNKNOWN_DETAIL = "Service unavailable - revoked sessions cannot be checked; retry shortly"


class KeySetUnavailable(exceptions.APIException):
    """The token's key is not held and the key set cannot be reached: retry later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Service unavailable - the signing keys cannot be fetched; retry shortly"
    default_code = "service_unavailable"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail)
        self.wait = retry_after  # DRF's handler turns ``wait`` into Retry-After


class FailureBudgetSpent(exceptions.Throttled):
    """The client address has spent its failed-authentication budget: 429, and no verdict on the token."""

    default_detail = "Too many failed authentications from this address."


class BetterAuthJWTAuthentication(BaseAuthentication):
    """Authenticates requests carrying a Better Auth JWT as a bearer token."""

    def __init__(self, verifier: TokenVerifier | None = None) -> None:
        self._verifier = verifier

    @property
    def verifier(self) -> TokenVerifier:
        return self._verifier or get_verifier()

    def authenticate(self, request: Request) -> tuple[BetterAuthUser, dict[str, Any]] | None:
        parts = get_authorization_header(request).split()
        if not parts:
            return None  # no credentials: DRF answers "not authenticated"
        if parts[0].lower() != b"bearer":
            budget = get_failure_budget()
            _refuse_if_spent(budget.check(request), request)
            _refuse_if_spent(budget.charge(request), request)  # a refused credential all the same
            return None  # not our scheme: let DRF answer "not authenticated"
        if len(parts) != 2:
            self._fail(request, Refusal.BAD_HEADER, "bad header shape")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            self._fail(request, Refusal.MALFORMED, "non-ASCII token")
        return self.authenticate_token(request, token)

    def authenticate_token(self, request: Request, token: str) -> tuple[BetterAuthUser, dict[str, Any]]:
        """Verify ``token`` for ``request``: the user and claims, or the DRF error the contract asks for.

        The address's failure budget is asked first; an address in good standing
        costs no shared read. Past the budget, only a token this process has
        verified before (it is in the verified-token cache) is still served:
        people behind the address of an attacker (one NAT) keep working with the
        tokens they have. Any other token is refused with 429 unverified, since
        telling a new valid token from a forged one is the very work the budget saves.
        """
        budget = get_failure_budget()
        wait = budget.check(request)
        verifier = self.verifier
        try:
            claims = verifier.verify(token) if wait is None else verifier.verify_known(token)
        except InvalidToken as e:
            if e.mismatch is not None:  # for the operator only: the 401 never shows the expected value
                logger.debug("token refused, %s", e.mismatch.describe())
            self._fail(request, e.refusal, e.reason, kid=e.kid, sub=e.sub, sid=e.sid)
        except DependencyUnavailable as e:
            revocations = isinstance(e, RevocationsUnavailable)
            if not revocations:  # the token's signature was checked before the feed was asked
                _refuse_if_spent(budget.charge(request), request)
            _log_outage("revocation feed" if revocations else "key set", e.reason, request)
            raise KeySetUnavailable(e.retry_after, REVOCATIONS_UNKNOWN_DETAIL if revocations else None) from e
        if claims is None:  # over the budget, and not verified here before: no verdict, and no verification
            _refuse_if_spent(wait, request)
        if verifier.observer is not None:
            verifier.observer.token_verified()
        return BetterAuthUser.from_claims(claims), claims

    def authenticate_header(self, request: Request) -> str:
        # RFC 6750 §3.1: no error code when the request carried no credentials.
        description = refusal_description(request)
        if description is None:
            return f'Bearer realm="{REALM}"'
        return f'Bearer realm="{REALM}", error="invalid_token", error_description="{description}"'

    @staticmethod
    def _fail(
        request: Request,
        refusal: Refusal,
        reason: str,
        *,
        kid: Any = None,
        sub: str | None = None,
        sid: str | None = None,
    ) -> NoReturn:
        _refuse_if_spent(get_failure_budget().charge(request), request)
        _report_refusal(request, refusal, reason, kid=kid, sub=sub, sid=sid)
        setattr(request, _ERROR_ATTR, refusal.description)
        raise exceptions.AuthenticationFailed(INVALID_TOKEN_DETAIL)


def refuse_token(request: Request, refusal: Refusal | str) -> NoReturn:
    """Refuse the request's token from a view, as authentication would have: 401 with the RFC 6750 header.

    ``refusal`` is a ``Refusal`` (``Refusal.SESSION_ENDED``), or its description
    (``SESSION_ENDED``); any other text is a ValueError.
    """
    refusal = Refusal.of(refusal)
    user, claims = request.user, request.auth if isinstance(request.auth, dict) else {}
    sub = user.id if type(user) is BetterAuthUser else None
    _report_refusal(request, refusal, "refused by the view", sub=sub, sid=claims.get("sid"))
    setattr(request, _ERROR_ATTR, refusal.description)
    raise exceptions.AuthenticationFailed(INVALID_TOKEN_DETAIL)


def _report_refusal(
    request: Request, refusal: Refusal, detail: str, *, kid: Any = None, sub: str | None = None, sid: Any = None
) -> None:
    """The audit line and the metric of a refused token; ``sub`` and ``sid`` only from a verified signature."""
    code = refusal.code
    observer = get_observer()
    if observer is not None:
        observer.token_refused(code)
    audit.log_event(
        audit.TOKEN_REFUSED,
        user_id=sub,
        session_id=sid,
        client=client_address(request),
        reason=code,
        detail=detail,
        kid=None if kid is None else audit.bounded(kid, LOGGED_VALUE_LENGTH),
    )


def refusal_description(request: Request) -> str | None:
    """Why the token of ``request`` was refused (safe to show), or None when none was."""
    return getattr(request, _ERROR_ATTR, None)


def _refuse_if_spent(wait: int | None, request: Request) -> None:
    if wait is not None:
        report_rate_limited(request, FAILED_AUTHENTICATIONS)
        raise FailureBudgetSpent(wait)


FAILED_AUTHENTICATIONS = "failed_authentications"


def report_rate_limited(request: Request, limit: str, user_id: str | None = None) -> None:
    """The audit line and the metric of a request answered 429 by ``limit`` (hosts call it for their own limits)."""
    observer = get_observer()
    if observer is not None:
        observer.rate_limited(limit)
    audit.log_event(audit.RATE_LIMITED, user_id=user_id, client=client_address(request), reason=limit)


_outage_warning = ThrottledWarning(OUTAGE_WARNING_SECONDS)


def _log_outage(source: str, reason: str, request: Request) -> None:
    logger.log(
        _outage_warning.level(),
        "token not checked, %s unreachable: %.200s client=%s",
        source,
        reason,
        client_address(request),
    )
