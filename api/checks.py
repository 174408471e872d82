"""Django's and axes' middleware checks, made to see the subclasses that ``page_middleware`` puts in their place.

``security.W003``, ``security.W016`` and ``axes.W002`` look for their middleware
by its dotted path: with the subclass in its place, W003 would warn that CSRF
protection is off when it is on, W016 would never run, and W002 would warn that
axes' middleware is missing. W003 and W002 are silenced in settings and checked
here for the class instead; W016 is run here as Django would run it.
"""

from __future__ import annotations

from typing import Any

from axes.middleware import AxesMiddleware
from django.conf import settings
from django.core import checks
from django.core.checks.security import csrf
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string

DJANGO_CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"
W003 = checks.Warning(
    "No CSRF middleware (django.middleware.csrf.CsrfViewMiddleware or a subclass) is in MIDDLEWARE: "
    "the admin's and the browsable API's forms would take cross-site posts.",
    hint="Keep api.page_middleware.CsrfViewMiddleware in MIDDLEWARE.",
    id="api.W003",
)
W004 = checks.Warning(
    "No axes middleware (axes.middleware.AxesMiddleware or a subclass) is in MIDDLEWARE: "
    "a locked-out admin sign-in would get the login form back instead of the lockout page.",
    hint="Keep api.page_middleware.AxesMiddleware in MIDDLEWARE.",
    id="api.W004",
)


def _has_middleware(cls: type) -> bool:
    return any(issubclass(import_string(path), cls) for path in settings.MIDDLEWARE)


@checks.register(checks.Tags.security, deploy=True)
def check_csrf_middleware(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not _has_middleware(CsrfViewMiddleware):
        return [W003]
    # Django runs W016 itself when its own class is listed by name.
    if DJANGO_CSRF_MIDDLEWARE in settings.MIDDLEWARE or settings.CSRF_USE_SESSIONS or settings.CSRF_COOKIE_SECURE:
        return []
    return [csrf.W016]


@checks.register(checks.Tags.security)
def check_axes_middleware(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [] if _has_middleware(AxesMiddleware) else [W004]
