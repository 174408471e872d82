"""Admin sign-in lockouts (django-axes): the two ceilings beside axes' own count, and the answer to a locked-out try."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessLog
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import admin
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

TEMPLATE = "admin/login_locked_out.html"
# An address a username signed in from within this long is one of its own: the username's
# ceiling does not refuse it (its pair's own count still does).
KNOWN_ADDRESS_FOR = timedelta(days=90)


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class AdminSignInHandler(AxesDatabaseHandler):
    """
    Axes' database handler, which counts failures per username and address together
    (``AXES_LOCKOUT_PARAMETERS``), plus two ceilings over its records of the cool-off:
    failures from one address over every username (``ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT``),
    and failures on one username from every address (``ADMIN_LOGIN_USERNAME_FAILURE_LIMIT``),
    which refuses only addresses that username has not signed in from: staff at their usual
    address keep signing in however many others guess their username.
    """

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self.past_a_ceiling(request, credentials)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        # As axes does for its own limit: the try that reaches a ceiling is answered with the lockout.
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self.past_a_ceiling(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            username = get_client_username(request, credentials)
            user_locked_out.send("axes", request=request, username=username, ip_address=request.axes_ip_address)

    def past_a_ceiling(self, request, credentials: dict | None) -> bool:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        address = request.axes_ip_address
        if _failures(recent.filter(ip_address=address)) >= settings.ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT:
            return True
        username = get_client_username(request, credentials)
        if not username or _failures(recent.filter(username=username)) < settings.ADMIN_LOGIN_USERNAME_FAILURE_LIMIT:
            return False
        since = request.axes_attempt_time - KNOWN_ADDRESS_FOR
        return not AccessLog.objects.filter(username=username, ip_address=address, attempt_time__gte=since).exists()


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """429 with the cool-off in words and in ``Retry-After``: the refused try was counted, so that is the wait."""
    seconds = int(get_cool_off(request).total_seconds())
    context = {**admin.site.each_context(request), "minutes": math.ceil(seconds / 60)}
    response = TemplateResponse(request, TEMPLATE, context, status=429)
    response["Retry-After"] = str(seconds)
    add_never_cache_headers(response)
    return response.render()
