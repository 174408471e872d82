"""A pasted token for DRF's browsable API, kept in an HttpOnly cookie.

Browsers cannot add an ``Authorization`` header to a link or a form, so a
developer pastes a Better Auth token once into the "Authorize" box and it is
sent back as a cookie. That cookie is accepted only when DRF renders HTML for
the request (JSON clients are never authenticated by it), only with a valid
CSRF token on unsafe methods, and is ``SameSite=Strict``, ``HttpOnly`` and
scoped to ``AUTHN["TOKEN_COOKIE_PATH"]``.

To use it: ``TokenBoxBrowsableAPIRenderer`` among the renderers,
``BrowsableAPITokenAuthentication`` after the JWT class, and
``include("authn.urls")`` for the box's form.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request

from .authentication import BetterAuthJWTAuthentication, refusal_description
from .conf import current_settings
from .user import BetterAuthUser

COOKIE_NAME = "api_token"


class TokenBoxBrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's browsable API with the "Authorize" box in its navigation bar."""

    template = "authn/browsable_api.html"


class BrowsableAPITokenAuthentication(BaseAuthentication):
    """Authenticates browsable-API pages with the token pasted into "Authorize"."""

    def authenticate(self, request: Request) -> tuple[BetterAuthUser, dict[str, Any]] | None:
        if not isinstance(getattr(request, "accepted_renderer", None), BrowsableAPIRenderer):
            return None  # JSON clients: the Authorization header only
        token = request.COOKIES.get(COOKIE_NAME)
        if not token:
            return None
        _enforce_csrf(request)
        return BetterAuthJWTAuthentication().authenticate_token(request, token)


def _enforce_csrf(request: Request) -> None:
    """The same CSRF check DRF's SessionAuthentication makes for unsafe methods."""

    def no_response(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
        return HttpResponse()

    check = CSRFCheck(no_response)
    check.process_request(request)
    reason = check.process_view(request, None, (), {})
    if reason:
        raise exceptions.PermissionDenied(f"CSRF Failed: {reason}")


@never_cache  # its answers carry the token (Set-Cookie) or a verdict on it
@csrf_protect
@require_POST
def browser_token(request: HttpRequest) -> HttpResponse:
    """Store (or with ``clear``, forget) the browsable API's token, then go back to the page."""
    cookie_path = current_settings().token_cookie_path
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = cookie_path
    response = HttpResponseRedirect(next_url)
    if "clear" in request.POST:
        response.delete_cookie(COOKIE_NAME, path=cookie_path, samesite="Strict")
        return response
    token = request.POST.get("token", "").strip().removeprefix("Bearer ").strip()
    # The same checks, failure budget included, as a token in the Authorization header.
    try:
        _, claims = BetterAuthJWTAuthentication().authenticate_token(request, token)
    except exceptions.AuthenticationFailed:
        return _plain(400, f"Token refused: {refusal_description(request)}.")
    except exceptions.APIException as e:  # 429 over the failure budget, 503 key set unreachable
        response = _plain(e.status_code, f"Token not accepted now: {e.detail}")
        wait = getattr(e, "wait", None)
        if wait is not None:
            response["Retry-After"] = str(wait)
        return response
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=max(0, int(claims["exp"] - time.time())),
        path=cookie_path,
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Strict",
    )
    return response


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain")
