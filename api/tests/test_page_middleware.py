"""The page middleware (sessions, CSRF, login, messages, axes) serves the admin and leaves bearer calls alone.

Held by what a client or a member of staff sees, whichever class does it: a bearer
call gets no cookie and reads no session, a bearer write needs no CSRF token, while
the admin keeps its CSRF check and its messages. Axes' lockout page is held by
test_admin_lockout.py.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

PASSWORD = "a-long-test-password"


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)


def signed_in_admin(client: Client) -> Client:
    client.get("/admin/login/")
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root", "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )
    assert response.status_code == 302
    return client


@pytest.mark.django_db
def test_a_bearer_call_sets_no_cookie_and_reads_no_session(make_token):
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}")
    assert response.status_code == 200
    assert response.json()["id"] == "alice"
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")  # a response that depends on no cookie says so
    assert not [query for query in queries.captured_queries if "django_session" in query["sql"]]


@pytest.mark.django_db
def test_a_bearer_write_needs_no_csrf_token_even_beside_an_admin_session(root, make_token):
    # A signed-in member of staff's browser sends its session cookie along; the token alone counts.
    client = signed_in_admin(Client(enforce_csrf_checks=True))
    response = client.post(
        "/api/alice/tasks",
        {"title": "Buy milk"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}",
    )
    assert response.status_code == 201
    assert response.json()["title"] == "Buy milk"


@pytest.mark.django_db
def test_the_admin_login_page_sets_its_csrf_cookie_even_with_a_bearer_header(make_token):
    response = Client().get("/admin/login/", HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies  # the login form's CSRF cookie


@pytest.mark.django_db
def test_an_admin_can_still_log_in_with_csrf_enforced(root):
    client = signed_in_admin(Client(enforce_csrf_checks=True))
    assert client.get("/admin/").status_code == 200
    assert client.post("/admin/logout/").status_code == 403  # no CSRF token: refused


@pytest.mark.django_db
def test_the_admin_shows_its_messages(root):
    client = signed_in_admin(Client())
    response = client.post("/admin/auth/group/add/", {"name": "Support"}, follow=True)
    assert response.status_code == 200
    assert b"was added successfully" in response.content
