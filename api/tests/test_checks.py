"""``check --deploy`` sees the CSRF and axes middleware that page_middleware puts in their place."""

from django.core.checks import run_checks

CSRF_IDS = {"security.W003", "security.W016", "api.W003"}
PAGE_CSRF = "api.page_middleware.CsrfViewMiddleware"
DJANGO_CSRF = "django.middleware.csrf.CsrfViewMiddleware"


def deploy_check_ids() -> list[str]:
    """What ``manage.py check --deploy`` reports: silenced messages are left out, as the command does."""
    return [message.id for message in run_checks(include_deployment_checks=True) if not message.is_silenced()]


def csrf_warnings() -> set[str]:
    return set(deploy_check_ids()) & CSRF_IDS


def test_the_subclass_counts_as_csrf_protection(settings):
    settings.CSRF_COOKIE_SECURE = True
    assert PAGE_CSRF in settings.MIDDLEWARE
    assert csrf_warnings() == set()


def test_no_csrf_middleware_at_all_is_reported(settings):
    settings.MIDDLEWARE = [path for path in settings.MIDDLEWARE if path != PAGE_CSRF]
    assert csrf_warnings() == {"api.W003"}


def test_an_insecure_csrf_cookie_is_reported_once_whichever_class_is_listed(settings):
    settings.CSRF_COOKIE_SECURE = False
    assert csrf_warnings() == {"security.W016"}
    settings.MIDDLEWARE = [DJANGO_CSRF if path == PAGE_CSRF else path for path in settings.MIDDLEWARE]
    assert deploy_check_ids().count("security.W016") == 1


PAGE_AXES = "api.page_middleware.AxesMiddleware"
AXES_IDS = {"axes.W002", "api.W004"}


def test_the_subclass_counts_as_axes_middleware(settings):
    assert PAGE_AXES in settings.MIDDLEWARE
    assert set(deploy_check_ids()) & AXES_IDS == set()


def test_no_axes_middleware_at_all_is_reported(settings):
    settings.MIDDLEWARE = [path for path in settings.MIDDLEWARE if path != PAGE_AXES]
    assert set(deploy_check_ids()) & AXES_IDS == {"api.W004"}
