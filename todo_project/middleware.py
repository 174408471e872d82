"""Keeps Django's HTML error pages away from API clients, and oversized bodies out."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse

from .exceptions import database_error_response, json_error

logger = logging.getLogger("django.request")


class JSONErrorsForAPIMiddleware:
    """Answers an unhandled exception under /api/ with the contract's JSON, DEBUG or not."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith("/api/"):
            return None
        if isinstance(exception, OperationalError):
            return database_error_response(exception)
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return json_error(500, "Internal server error")


class BodySizeLimitMiddleware:
    """Answers 413 to a request whose declared body is over API_MAX_BODY_BYTES, before reading it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return json_error(400, "Bad request - invalid Content-Length")
        if length > settings.API_MAX_BODY_BYTES:
            return json_error(413, f"Payload too large - at most {settings.API_MAX_BODY_BYTES} bytes")
        return self.get_response(request)
