"""DRF's content negotiation, answered at once for the Accept headers API clients send.

Parsing and ranking the Accept header costs a JSON request about as much as
rendering its body. A client that sends none, ``*/*`` or exactly the first
renderer's type can only get the first renderer, which is what DRF's own
negotiation answers too; anything else (a browser's list, ``?format=``) is
negotiated by DRF as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self, request: Request, renderers: Sequence[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        first = renderers[0] if renderers else None
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        if (
            first is not None
            and accept in ("*/*", first.media_type)
            and not format_suffix
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)  # type: ignore[no-any-return]
