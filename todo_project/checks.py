"""Django's CSRF deploy checks, made to see the subclass of its CSRF middleware in ``page_middleware``.

``security.W003`` and ``security.W016`` look for CsrfViewMiddleware by its dotted
path: with the subclass in its place, W003 would warn that CSRF protection is
off when it is on, and W016 would never run. W003 is silenced in settings and
checked here for the class instead; W016 is run here as Django would run it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.checks.security import csrf
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string

DJANGO_CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"
W003 = checks.Warning(
    "No CSRF middleware (django.middleware.csrf.CsrfViewMiddleware or a subclass) is in MIDDLEWARE: "
    "the admin's and the browsable API's forms would take cross-site posts.",
    hint="Keep todo_project.page_middleware.CsrfViewMiddleware in MIDDLEWARE.",
    id="todo_project.W003",
)


def _has_csrf_middleware() -> bool:
    return any(issubclass(import_string(path), CsrfViewMiddleware) for path in settings.MIDDLEWARE)


@checks.register(checks.Tags.security, deploy=True)
def check_csrf_middleware(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not _has_csrf_middleware():
        return [W003]
    # Django runs W016 itself when its own class is listed by name.
    if DJANGO_CSRF_MIDDLEWARE in settings.MIDDLEWARE or settings.CSRF_USE_SESSIONS or settings.CSRF_COOKIE_SECURE:
        return []
    return [csrf.W016]
