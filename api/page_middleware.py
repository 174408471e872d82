"""Django's session, login and message middleware, which bearer-token API calls skip.

A request to the API that carries ``Authorization: Bearer`` is authenticated by
that token alone: it reads no session and shows no message. Django's own
middleware would still build a session store, a lazy user and two message
stores for it on every call, which measured more than the API's budget for
overhead allows (``make bench-instructions``). The admin and the browsable
API's pages run them in full. Each class is a subclass of Django's, which the
admin's checks accept. CSRF and axes' lockout stay Django's and axes' own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest


def is_bearer_api_request(request: HttpRequest) -> bool:
    """An API call with a bearer token: never ambient like a cookie or HTTP Basic, always set by a script."""
    bearer = request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
    return bearer and request.path_info.startswith(settings.API_PREFIX)


class _SkippedByBearerAPIRequests:
    """Passes a bearer-token API request straight on; any other request gets the middleware."""

    get_response: Any

    def __call__(self, request: HttpRequest) -> Any:
        if is_bearer_api_request(request):
            return self.get_response(request)
        return super().__call__(request)  # type: ignore[misc]


class SessionMiddleware(_SkippedByBearerAPIRequests, DjangoSessionMiddleware):
    pass


class AuthenticationMiddleware(_SkippedByBearerAPIRequests, DjangoAuthenticationMiddleware):
    pass


class MessageMiddleware(_SkippedByBearerAPIRequests, DjangoMessageMiddleware):
    pass
