"""One error shape for every layer (docs/api.md, "Errors"): {detail, status_code, error_type}."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

ERROR_TYPES = {
    400: "validation_error",
    401: "authentication_error",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
    503: "service_unavailable",
}
DATABASE_RETRY_AFTER_SECONDS = 5
NOT_FOUND_DETAIL = "Not found - no such resource"


class DatabaseUnavailable(exceptions.APIException):
    """The database cannot be reached; the request may be retried."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Service unavailable - the database cannot be reached; retry shortly"
    default_code = "service_unavailable"
    wait = DATABASE_RETRY_AFTER_SECONDS


def error_payload(status_code: int, detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "detail": detail,
        "status_code": status_code,
        "error_type": ERROR_TYPES.get(status_code, "error"),
    }
    if errors is not None:
        payload["errors"] = errors
    return payload


def json_error(status_code: int, detail: str, headers: dict[str, str] | None = None) -> JsonResponse:
    """An error response for code paths outside DRF (Django's 404/500, middleware).

    It carries its Content-Length: a middleware that answers early is above
    CommonMiddleware, which would set it, and without it the server must chunk
    the body (or, for HTTP/1.0, close the connection to end it).
    """
    response = JsonResponse(error_payload(status_code, detail), status=status_code, headers=headers)
    response["Content-Length"] = str(len(response.content))
    return response


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler first (it sets WWW-Authenticate, Retry-After, rollback), then the contract's shape."""
    if isinstance(exc, OperationalError):
        logger.error("database unreachable: %s", exc)
        exc = DatabaseUnavailable()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 path, made JSON by the middleware
    if response.status_code == status.HTTP_400_BAD_REQUEST:
        response.data = error_payload(400, _summary(exc), _field_errors(response.data))
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = error_payload(response.status_code, str(detail))
    return response


def _summary(exc: Exception) -> str:
    if isinstance(exc, exceptions.ParseError):
        return f"Bad request - {exc.detail}"
    return "Bad request - invalid input; see errors"


def _field_errors(data: Any) -> dict[str, list[str]]:
    if isinstance(data, dict):
        if set(data) == {"detail"}:
            return {}
        return {field: _messages(value) for field, value in data.items()}
    return {"non_field_errors": _messages(data)}


def _messages(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, item in value.items() for message in _messages(item)]
    return [str(value)]


@csrf_exempt  # a POST to an unknown URL is a 404, not a CSRF refusal: no cookie is trusted here
def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """``handler404``: JSON even with DEBUG on."""
    return json_error(404, NOT_FOUND_DETAIL)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the contract's JSON under API_PREFIX, Django's page elsewhere (the admin)."""
    if request.path_info.startswith(settings.API_PREFIX):
        return json_error(403, f"Forbidden - CSRF check failed: {reason}")
    return csrf.csrf_failure(request, reason)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400`` (too many fields or files, a host not allowed): JSON under API_PREFIX, Django's page elsewhere."""
    if request.path_info.startswith(settings.API_PREFIX):
        return json_error(400, "Bad request - the request cannot be read")
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> JsonResponse:
    """``handler500``: a JSON body that reveals nothing of the failure."""
    return json_error(500, "Internal server error")


def database_error_response(exc: DatabaseError) -> JsonResponse:
    """The 503 answer when the database fails outside a DRF view."""
    logger.error("database unreachable: %s", exc)
    return json_error(503, DatabaseUnavailable.default_detail, {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})
