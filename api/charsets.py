"""Requests whose declared charset is taken only when it is a text encoding that can decode any bytes.

Django takes any codec Python knows: ``Content-Type: text/plain; charset=rot13``
makes it decode the query string with a bytes-to-bytes codec, and ``charset=idna``
fails on the first byte it cannot map; either raises while the request is built,
before any middleware, and the server answers its own HTML 500. Such a charset is
ignored instead, as Django ignores one it does not know at all.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.wsgi import WSGIRequest
from django.utils.http import parse_header_parameters

ALL_BYTES = bytes(range(256))


@lru_cache(maxsize=64)  # charset names come from clients: a bounded memory of verdicts
def decodes_any_bytes(charset: str) -> bool:
    """True for a text encoding that decodes any bytes with errors="replace" and encodes text, as Django needs."""
    try:
        ALL_BYTES.decode(charset, "replace")
        "?".encode(charset)
    except (LookupError, UnicodeError, ValueError, TypeError):
        return False
    return True


class TextCharsetMixin:
    """Overrides Django's ``_set_content_type_params`` to drop a charset that cannot decode any bytes."""

    def _set_content_type_params(self, meta: Any) -> None:
        self.content_type, self.content_params = parse_header_parameters(meta.get("CONTENT_TYPE", ""))
        charset = self.content_params.get("charset")
        if charset is not None and decodes_any_bytes(charset):
            self.encoding = charset


class TextCharsetWSGIRequest(TextCharsetMixin, WSGIRequest):
    """The WSGI request the application builds (wsgi.py)."""


class TextCharsetASGIRequest(TextCharsetMixin, ASGIRequest):
    """The ASGI request the application builds (asgi.py)."""
