"""Django's middleware for pages (sessions, CSRF, login, messages) and axes', which bearer-token API calls skip.

The admin and the browsable API's HTML pages need Django's four; axes' turns a
locked-out admin sign-in into its lockout page, and no API call ever signs in.
A request to the API that carries ``Authorization: Bearer`` is authenticated
by that token alone: it reads no session and shows no message, and a header
that a script has to set cannot be forged across sites, so CSRF has nothing to
protect (DRF's views are exempt anyway). Running them would only cost time:
about a tenth of a single-task request, counted in instructions. Each class is a subclass of
Django's (or axes') own, so the admin's system checks still find them.
"""

from __future__ import annotations

from typing import Any

from axes.middleware import AxesMiddleware as AxesLockoutMiddleware
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware as DjangoCsrfViewMiddleware

API_PREFIX = "/api/"


def is_bearer_api_request(request: HttpRequest) -> bool:
    """An API call with a bearer token: never ambient like a cookie or HTTP Basic, always set by a script."""
    bearer = request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
    return bearer and request.path_info.startswith(API_PREFIX)


class _SkippedByBearerAPIRequests:
    """Passes a bearer-token API request straight on; any other request gets the middleware."""

    get_response: Any

    def __call__(self, request: HttpRequest) -> Any:
        if is_bearer_api_request(request):
            return self.get_response(request)  # a coroutine under ASGI, which the caller awaits
        return super().__call__(request)  # type: ignore[misc]


class SessionMiddleware(_SkippedByBearerAPIRequests, DjangoSessionMiddleware):
    pass


class AuthenticationMiddleware(_SkippedByBearerAPIRequests, DjangoAuthenticationMiddleware):
    pass


class MessageMiddleware(_SkippedByBearerAPIRequests, DjangoMessageMiddleware):
    pass


class AxesMiddleware(_SkippedByBearerAPIRequests, AxesLockoutMiddleware):
    pass


class CsrfViewMiddleware(_SkippedByBearerAPIRequests, DjangoCsrfViewMiddleware):
    def process_view(self, request: HttpRequest, callback: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        if is_bearer_api_request(request):
            return None
        return super().process_view(request, callback, args, kwargs)
