"""``check --deploy`` reports a missing CSRF or axes middleware, or an insecure CSRF cookie: their own checks."""

from django.core.checks import run_checks

CSRF = "django.middleware.csrf.CsrfViewMiddleware"
AXES = "axes.middleware.AxesMiddleware"
MIDDLEWARE_IDS = {"security.W003", "security.W016", "axes.W002"}


def deploy_check_ids() -> list[str]:
    """What ``manage.py check --deploy`` reports: silenced messages are left out, as the command does."""
    return [message.id for message in run_checks(include_deployment_checks=True) if not message.is_silenced()]


def middleware_warnings() -> set[str]:
    return set(deploy_check_ids()) & MIDDLEWARE_IDS


def test_the_project_settings_pass_them(settings):
    settings.CSRF_COOKIE_SECURE = True
    assert middleware_warnings() == set()


def test_no_csrf_middleware_is_reported(settings):
    settings.CSRF_COOKIE_SECURE = True
    settings.MIDDLEWARE = [path for path in settings.MIDDLEWARE if path != CSRF]
    assert middleware_warnings() == {"security.W003"}


def test_an_insecure_csrf_cookie_is_reported_once(settings):
    settings.CSRF_COOKIE_SECURE = False
    assert deploy_check_ids().count("security.W016") == 1


def test_no_axes_middleware_is_reported(settings):
    settings.CSRF_COOKIE_SECURE = True
    settings.MIDDLEWARE = [path for path in settings.MIDDLEWARE if path != AXES]
    assert middleware_warnings() == {"axes.W002"}
