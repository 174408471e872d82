"""Rate limit on failed authentication per client address (django-ratelimit).

The per-user budget is ``todo_project.throttling.UserRateThrottle``. Counters
live in ``RATELIMIT_USE_CACHE``, shared by every process.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import get_usage

from .exceptions import json_error


class FailedAuthenticationRateLimitMiddleware:
    """Counts refused credentials per client address; past RATE_LIMIT_ANONYMOUS, 401s become 429.

    Only failures are counted, so a valid token never pays for this check, and
    guessing tokens from one address is slowed to the budget.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A request with no credentials guesses nothing and costs nothing to refuse;
        # counting it would cost more (a shared-counter write) than answering it.
        if response.status_code != 401 or "HTTP_AUTHORIZATION" not in request.META:
            return response
        usage = get_usage(
            request,
            group="api-anonymous",
            key=lambda group, req: req.META.get("REMOTE_ADDR", ""),
            rate=settings.RATE_LIMITS["anonymous"],
            increment=True,
        )
        if usage and usage["should_limit"]:
            wait = max(1, usage["time_left"])
            return json_error(429, "Too many requests - retry later", {"Retry-After": str(wait)})
        return response
