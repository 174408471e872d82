"""Anything else under /api/: a JSON 404, once the request is authenticated and counted like every API call."""

from __future__ import annotations

from typing import Any, NoReturn

from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.views import APIView

from .exceptions import NOT_FOUND_DETAIL


class UnknownAPIPath(APIView):
    """Anything else under /api/: authenticated and counted like every API call, then a JSON 404."""

    permission_classes: list[Any] = []
    schema = None  # not an endpoint to document

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> NoReturn:
        super().initial(request, *args, **kwargs)
        raise NotFound(NOT_FOUND_DETAIL)
