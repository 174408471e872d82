"""System checks: a configuration that cannot work stops ``manage.py check`` and ``runserver``."""

from typing import Any

from django.core import checks

from .conf import current_settings, find_problems


@checks.register(checks.Tags.security)
def check_authn_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Report each problem in ``settings.AUTHN`` with the variable to fix."""
    return [
        (checks.Error if p.is_error else checks.Warning)(p.msg, hint=p.hint, id=p.id)
        for p in find_problems(current_settings())
    ]
