"""The browsable API with a pasted token: HTML pages only, CSRF-checked, never for JSON clients."""

import pytest
from django.test import Client

from authn.browsable import COOKIE_NAME

pytestmark = pytest.mark.django_db
HTML = {"HTTP_ACCEPT": "text/html"}


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def authorize(browser, token: str, next_url: str = "/api/alice/notes"):
    browser.get("/api/me", **HTML)  # the page sets the CSRF cookie, as a real visit would
    csrf = browser.cookies["csrftoken"].value
    return browser.post("/api-auth/token", {"token": token, "next": next_url, "csrfmiddlewaretoken": csrf})


def test_the_page_offers_an_authorize_box(browser):
    page = browser.get("/api/alice/notes", **HTML)
    assert page.status_code == 401
    assert b'action="/api-auth/token"' in page.content


def test_a_pasted_token_becomes_a_strict_httponly_cookie_for_the_api_only(browser, make_token):
    response = authorize(browser, make_token("alice"))
    assert response.status_code == 302 and response["Location"] == "/api/alice/notes"
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/api/"
    assert 0 < int(cookie["max-age"]) <= 900


def test_a_bad_token_is_refused_and_not_stored(browser, make_token):
    response = authorize(browser, "not-a-token")
    assert response.status_code == 400
    assert COOKIE_NAME not in response.cookies


@pytest.mark.parametrize("token", ["good", "not-a-token"])
def test_the_token_forms_answers_are_never_cached(token, browser, make_token):
    """One sets a cookie holding the token, the other says why a token was refused: no cache may keep either."""
    response = authorize(browser, make_token("alice") if token == "good" else token)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_an_off_site_next_is_not_followed(browser, make_token):
    assert authorize(browser, make_token("alice"), "https://evil.test/")["Location"] == "/api/"  # the cookie's path


def test_html_pages_are_authenticated_by_the_cookie(browser, make_token):
    authorize(browser, make_token("alice"))
    page = browser.get("/api/alice/notes", **HTML)
    assert page.status_code == 200
    assert b"alice@example.com" in page.content


def test_json_clients_are_never_authenticated_by_the_cookie(browser, make_token):
    authorize(browser, make_token("alice"))
    response = browser.get("/api/alice/notes", HTTP_ACCEPT="application/json")
    assert response.status_code == 401


def test_forms_need_the_csrf_token(browser, make_token):
    authorize(browser, make_token("alice"))
    refused = browser.post("/api/alice/notes", {"title": "forged"}, **HTML)
    assert refused.status_code == 403
    csrf = browser.cookies["csrftoken"].value
    created = browser.post("/api/alice/notes", {"title": "from the form", "csrfmiddlewaretoken": csrf}, **HTML)
    assert created.status_code == 201


def test_forget_token_clears_the_cookie(browser, make_token):
    authorize(browser, make_token("alice"))
    csrf = browser.cookies["csrftoken"].value
    response = browser.post("/api-auth/token", {"clear": "1", "csrfmiddlewaretoken": csrf})
    assert response.cookies[COOKIE_NAME].value == ""
    assert browser.get("/api/alice/notes", **HTML).status_code == 401
