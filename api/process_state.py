"""What this process derives from settings and keeps, forgotten in one place when a setting changes.

Each module that keeps such state (a parsed network list, a rendered document,
a setting read once) registers how to forget it. Settings change only under
tests (``override_settings``, pytest-django's ``settings`` fixture): one
receiver then makes every kept value be derived anew on its next use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

_forgetters: list[Callable[[], None]] = []


def forget_on_setting_changed(forget: Callable[[], None]) -> Callable[[], None]:
    """Register ``forget`` (e.g. an ``lru_cache``'s ``cache_clear``) to run whenever a setting changes."""
    _forgetters.append(forget)
    return forget


@receiver(setting_changed)
def _forget_everything(**kwargs: Any) -> None:
    for forget in _forgetters:
        forget()
