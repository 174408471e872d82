"""The admin's answer to a sign-in while django-axes has its address or username locked out."""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

TEMPLATE = "admin/login_locked_out.html"


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """429 with the cool-off in words and in ``Retry-After``: the refused try was counted, so that is the wait."""
    seconds = int(get_cool_off(request).total_seconds())
    context = {**admin.site.each_context(request), "minutes": math.ceil(seconds / 60)}
    response = TemplateResponse(request, TEMPLATE, context, status=429)
    response["Retry-After"] = str(seconds)
    add_never_cache_headers(response)
    return response.render()
