"""One log line per request, with a request id that every log line of that request carries."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse

from authn import BetterAuthUser

logger = logging.getLogger("api.requests")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# A client's id is echoed into logs and headers, so only a short, plain one is kept.
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "user_id")
# A path is the client's to choose: logged up to this many characters, then "…".
LOGGED_PATH_LENGTH = 256
# C0 and C1 controls, DEL and the Unicode line and paragraph separators, each of which can end a
# line; and the bidirectional controls, which make a line read in another order than it is written.
_LINE_BREAKERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What a logged path keeps as it is: the characters RFC 3986 allows in a path. Anything else (a space
# that would make one field look like several, a control, any non-ASCII) is logged percent-encoded.
_PATH_CHARACTERS = "/:@!$&'()*+,;=-._~%"


class RequestLogMiddleware:
    """Takes ``X-Request-ID`` (or makes one), echoes it, and logs method, path, status, duration, user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _CLIENT_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration_ms = (time.perf_counter() - started) * 1000
            path = request.path
            if not (path.isascii() and path.isprintable()) or " " in path:
                path = quote(path, safe=_PATH_CHARACTERS)
            if len(path) > LOGGED_PATH_LENGTH:
                path = path[:LOGGED_PATH_LENGTH] + "…"
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": round(duration_ms, 2),
                    "user_id": _user_id(request),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


def _user_id(request: HttpRequest) -> str | None:
    # type(), not isinstance(): the session user is a lazy object, and asking it
    # anything would read the session table just to write a log line.
    user = request.__dict__.get("user")
    return user.id if type(user) is BetterAuthUser else None


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def escape_line_breakers(text: str) -> str:
    """``text`` with every character that could end a log line written as an escape (\\x0a, \\u2028)."""
    if _LINE_BREAKERS.search(text) is None:
        return text
    return _LINE_BREAKERS.sub(lambda m: ascii(m.group())[1:-1], text)


class PlainFormatter(logging.Formatter):
    """Readable lines that no client can split or forge: what a client controls may carry a line break.

    The message is escaped; a traceback keeps its lines, each indented, so none
    of them can pass for a record of its own.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging.Formatter's name)
        return escape_line_breakers(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging.Formatter's name)
        lines = super().formatException(ei).splitlines()
        return "\n".join("  " + escape_line_breakers(line) for line in lines)


class JSONFormatter(logging.Formatter):
    """One JSON object per line, for log shippers (``LOG_FORMAT=json``)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({field: getattr(record, field) for field in _REQUEST_FIELDS if hasattr(record, field)})
        # An audit line (authn.audit) names its own fields.
        entry.update({field: getattr(record, field) for field in getattr(record, "audit", ())})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)
