"""Per-user rate limits for the API, counted by django-ratelimit in a cache every process shares.

With Redis (or the database without it) holding the counters, N server
processes enforce one budget, not N. Imports stay light: DRF loads this module
while its own views module is still being imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django_ratelimit.core import get_usage
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class UserRateThrottle(BaseThrottle):
    """Reads and writes each have a budget per authenticated user (RATE_LIMIT_READS / _WRITES)."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        if not request.user.is_authenticated:
            return True  # refused anyway; failed attempts are limited per address below
        kind = "reads" if request.method in SAFE_METHODS else "writes"
        usage = get_usage(
            request,
            group=f"api-{kind}",
            key=lambda group, req: req.user.id,
            rate=settings.RATE_LIMITS[kind],
            increment=True,
        )
        self._wait = usage["time_left"] if usage else None
        if usage and usage["should_limit"]:
            from authn import report_rate_limited  # here: DRF's views import this module

            report_rate_limited(request, kind, user_id=request.user.id)
            return False
        return True

    def wait(self) -> float | None:
        return max(1, self._wait) if self._wait is not None else None


class CountedFirst(BasePermission):
    """The rate limits (``DEFAULT_THROTTLE_CLASSES``), as the first of a view's ``permission_classes``.

    DRF checks throttles after permissions: 403s for another user's ``{user_id}``
    would be free, and could be sent without end. Checked as the first
    permission, a refused request costs its user's budget too. A view using this
    sets ``throttle_classes = []``, so nothing is counted twice.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        # Once per HTTP request: DRF's OPTIONS answer asks again, for a pretend POST or PUT.
        http_request = request._request
        if getattr(http_request, "_counted_against_budgets", False):
            return True
        http_request._counted_against_budgets = True
        # As APIView.check_throttles: every throttle counts the request; the longest wait is the answer's.
        throttles = [throttle_class() for throttle_class in api_settings.DEFAULT_THROTTLE_CLASSES]
        waits = [throttle.wait() for throttle in throttles if not throttle.allow_request(request, view)]
        if waits:
            view.throttled(request, max((wait for wait in waits if wait is not None), default=None))
        return True
