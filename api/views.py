"""What every API view shares: each authenticated request is counted against its user's budget."""

from __future__ import annotations

from typing import Any, NoReturn

from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.views import APIView

from .exceptions import NOT_FOUND_DETAIL


class CountedBeforePermissionsMixin:
    """Checks the throttles before the permissions, so a refused request costs its user's budget too.

    DRF checks permissions first: 403s for another user's ``{user_id}`` would be
    free, and could be sent without end.
    """

    def check_permissions(self, request: Request) -> None:
        # Once per HTTP request: DRF's OPTIONS answer asks again, for a pretend POST or PUT.
        http_request = request._request
        if not getattr(http_request, "_counted_against_budgets", False):
            http_request._counted_against_budgets = True
            APIView.check_throttles(self, request)
        super().check_permissions(request)

    def check_throttles(self, request: Request) -> None:
        """Already done, first, by ``check_permissions``."""


class UnknownAPIPath(APIView):
    """Anything else under /api/: authenticated and counted like every API call, then a JSON 404."""

    permission_classes: list[Any] = []
    schema = None  # not an endpoint to document

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> NoReturn:
        super().initial(request, *args, **kwargs)
        raise NotFound(NOT_FOUND_DETAIL)
