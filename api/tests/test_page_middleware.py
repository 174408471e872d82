"""Bearer-token API calls skip sessions, CSRF, login, messages and axes' lockout; pages and the admin keep them."""

from typing import Any

import pytest
from axes.middleware import AxesMiddleware
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.test import Client

PAGE_HOOKS = [
    (SessionMiddleware, "process_request"),
    (AuthenticationMiddleware, "process_request"),
    (MessageMiddleware, "process_request"),
    (CsrfViewMiddleware, "process_request"),
    (CsrfViewMiddleware, "process_view"),
    (AxesMiddleware, "__call__"),
]
EVERY_HOOK = {f"{cls.__name__}.{hook}" for cls, hook in PAGE_HOOKS}


@pytest.fixture
def page_middleware_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the page middleware hooks each request went through."""
    calls: list[str] = []
    for cls, hook in PAGE_HOOKS:
        original = getattr(cls, hook)

        def spy(self: Any, *args: Any, _original: Any = original, _name: str = f"{cls.__name__}.{hook}") -> Any:
            calls.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(cls, hook, spy)
    return calls


@pytest.mark.django_db
def test_a_bearer_api_call_goes_through_none_of_them(page_middleware_calls, make_token):
    response = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}")
    assert response.status_code == 200
    assert response.json()["id"] == "alice"
    assert page_middleware_calls == []
    assert "csrftoken" not in response.cookies and "sessionid" not in response.cookies


@pytest.mark.django_db
def test_the_admin_goes_through_all_of_them_even_with_a_bearer_header(page_middleware_calls, make_token):
    response = Client().get("/admin/login/", HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}")
    assert response.status_code == 200
    assert set(page_middleware_calls) == EVERY_HOOK
    assert "csrftoken" in response.cookies  # the login form's CSRF cookie


@pytest.mark.parametrize("authorization", [None, "Basic YWxpY2U6c2VjcmV0"])
def test_api_requests_without_a_bearer_token_go_through_all_of_them(page_middleware_calls, authorization):
    # A browser sends cookies and HTTP Basic credentials on its own: those requests keep CSRF's protection.
    headers = {"HTTP_ACCEPT": "text/html"}
    if authorization:
        headers["HTTP_AUTHORIZATION"] = authorization
    Client().get("/api/me", **headers)
    assert set(page_middleware_calls) == EVERY_HOOK


@pytest.mark.django_db
def test_an_admin_can_still_log_in_with_csrf_enforced(django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.com", "a-long-test-password")
    client = Client(enforce_csrf_checks=True)
    client.get("/admin/login/")
    response = client.post(
        "/admin/login/?next=/admin/",
        {
            "username": "root",
            "password": "a-long-test-password",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert client.post("/admin/logout/").status_code == 403  # no CSRF token: refused
