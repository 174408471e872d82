"""Keeps Django's HTML error pages away from API clients, and oversized bodies out."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, DisallowedHost, SuspiciousOperation
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from authn import REALM
from authn import TOKEN_COOKIE_NAME as BROWSER_TOKEN_COOKIE

from .exceptions import bad_request, database_error_response, json_error

# DRF's own words for this case, so both paths to a 401 read the same.
NOT_AUTHENTICATED_DETAIL = "Authentication credentials were not provided."
# The API's public documentation, by URL name: served without credentials, the same for everyone.
PUBLIC_API_URL_NAMES = ("schema", "swagger-ui", "redoc")
PRIVATE = "private, no-store"

logger = logging.getLogger("django.request")


def public_api_paths() -> frozenset[str]:
    """The public documentation's paths, exactly: /api/docs/tasks is the task list of a user whose id is "docs"."""
    return frozenset(reverse(name) for name in PUBLIC_API_URL_NAMES)


class JSONErrorsForAPIMiddleware:
    """Answers an unhandled exception under API_PREFIX with the contract's JSON, DEBUG or not."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path_info.startswith(settings.API_PREFIX):
            return None
        if isinstance(exception, SuspiciousOperation | BadRequest):
            return None  # Django answers 400 through handler400 (exceptions.bad_request): the client's fault
        if isinstance(exception, OperationalError):
            return database_error_response(exception)
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return json_error(500, "Internal server error")


class DebugHostCheckMiddleware:
    """With DEBUG on, a Host not in ALLOWED_HOSTS is the contract's JSON 400 under API_PREFIX too.

    Django answers that refusal with its technical page when DEBUG is on, which
    lists the settings; with DEBUG off it goes through handler400, already JSON.
    Installed only with DEBUG on (settings.py), so production runs none of it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(settings.API_PREFIX):
            try:
                request.get_host()
            except DisallowedHost:
                return bad_request(request)
        return self.get_response(request)


class PrivateAPIResponsesMiddleware:
    """``Cache-Control: private, no-store`` on every answer under API_PREFIX but the public documentation.

    They carry a user's tasks or identity, or tell whose token was refused: no
    shared cache (a proxy, a CDN) may keep them, nor a browser's disk.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.public_paths = public_api_paths()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        path = request.path_info  # what the URLs route by; request.path also has the script prefix
        if path.startswith(settings.API_PREFIX) and path not in self.public_paths:
            response["Cache-Control"] = PRIVATE
        return response


BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})  # the methods whose body the API reads


class BodySizeLimitMiddleware:
    """Answers 413 to a request whose declared body is over API_MAX_BODY_BYTES, before reading it.

    A body sent in chunks, with no Content-Length, is 411: Django reads a request
    without Content-Length as empty, so the body would be dropped without a word
    (a PATCH answered 200 with nothing changed). nginx buffers such bodies and
    sends a length; gunicorn reached directly does not.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_TRANSFER_ENCODING" in request.META and request.method in BODY_METHODS:
            return json_error(411, "Length required - send the body with a Content-Length, not in chunks")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return json_error(400, "Bad request - invalid Content-Length")
        if length > settings.API_MAX_BODY_BYTES:
            return json_error(413, f"Payload too large - at most {settings.API_MAX_BODY_BYTES} bytes")
        return self.get_response(request)


class MissingCredentialsMiddleware:
    """Answers an API request that carries no credentials at all with the contract's 401, at once.

    Such a request can only ever be refused, so it skips URL routing and DRF.
    The browsable API keeps its page (a browser asking for HTML is let through),
    and the public documentation under API_PREFIX stays public.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.public_paths = public_api_paths()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if (
            path.startswith(settings.API_PREFIX)
            and "HTTP_AUTHORIZATION" not in request.META
            and request.method != "OPTIONS"
            and BROWSER_TOKEN_COOKIE not in request.COOKIES
            and "text/html" not in request.META.get("HTTP_ACCEPT", "")
            and path not in self.public_paths
        ):
            return json_error(401, NOT_AUTHENTICATED_DETAIL, {"WWW-Authenticate": f'Bearer realm="{REALM}"'})
        return self.get_response(request)
