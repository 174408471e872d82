"""Failed admin sign-ins lock out the client address and, separately, the username (django-axes)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db.models import F
from django.http import HttpResponse
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "a-long-test-password"
LIMIT = 5
COOLOFF = timedelta(minutes=15)
LOCKED_OUT = b"Too many failed sign-ins: try again in 15 minutes."
ADDRESS = "198.51.100.7"


@pytest.fixture(autouse=True)
def lockout_settings(settings):
    """The defaults, whatever the environment running the tests says; a fast hasher, as tries are counted here."""
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = COOLOFF
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)


def sign_in(username: str, password: str, address: str = ADDRESS, **headers) -> HttpResponse:
    """One sign-in, in a browser of its own, from ``address`` (the peer as the server sees it)."""
    return Client().post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def signed_in(response: HttpResponse) -> bool:
    return response.status_code == 302 and response.client.get("/admin/").status_code == 200


def assert_locked_out(response: HttpResponse) -> None:
    assert response.status_code == 429
    assert LOCKED_OUT in response.content
    assert response["Retry-After"] == "900"
    assert response.client.get("/admin/").status_code == 302  # not signed in: sent to the login page


def fail(times: int, username: str = "root", address: str = ADDRESS) -> list[int]:
    return [sign_in(username, "wrong", address).status_code for _ in range(times)]


def test_twenty_wrong_passwords_then_the_right_one_is_refused(root):
    # The try that reaches the limit is already answered with the lockout page.
    assert fail(20) == [200] * (LIMIT - 1) + [429] * (20 - LIMIT + 1)
    assert_locked_out(sign_in("root", PASSWORD))


def test_the_lockout_page_is_the_admins_not_a_stack_trace(root):
    fail(LIMIT)
    response = sign_in("root", PASSWORD)
    assert response["Content-Type"].startswith("text/html")
    assert b"Traceback" not in response.content
    assert b'href="/admin/login/"' in response.content  # back to the sign-in page
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]  # nor kept by a cache, for this browser or another


def test_a_username_is_locked_out_whatever_the_address(root, django_user_model):
    django_user_model.objects.create_superuser("alice", "alice@example.com", PASSWORD)
    statuses = [sign_in("root", "wrong", address=f"203.0.113.{n}").status_code for n in range(LIMIT)]
    assert statuses == [200] * (LIMIT - 1) + [429]
    assert_locked_out(sign_in("root", PASSWORD, address="192.0.2.99"))
    assert signed_in(sign_in("alice", PASSWORD, address="192.0.2.99"))  # another username is not


def test_an_address_is_locked_out_whatever_the_username(root):
    for n in range(LIMIT):
        fail(1, username=f"guess{n}")
    assert_locked_out(sign_in("root", PASSWORD))
    assert signed_in(sign_in("root", PASSWORD, address="192.0.2.99"))  # another address is not


def age_attempts(by: timedelta) -> None:
    """Move every recorded failure back in time, as if ``by`` had passed."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - by)


def test_the_right_password_works_again_after_the_cool_off(root):
    fail(LIMIT)
    age_attempts(COOLOFF - timedelta(minutes=1))
    assert_locked_out(sign_in("root", PASSWORD))  # not yet; and this try starts the wait again
    age_attempts(COOLOFF - timedelta(minutes=1))
    assert_locked_out(sign_in("root", PASSWORD))
    age_attempts(COOLOFF + timedelta(seconds=1))
    assert signed_in(sign_in("root", PASSWORD))


def test_a_successful_sign_in_before_the_limit_starts_the_count_again(root):
    assert fail(LIMIT - 1) == [200] * (LIMIT - 1)
    assert signed_in(sign_in("root", PASSWORD))
    assert fail(LIMIT - 1) == [200] * (LIMIT - 1)
    assert fail(1) == [429]  # counted from the success, not from the first failure


@pytest.mark.parametrize("trusted_proxies", [[], ["10.0.0.1"]])
def test_a_spoofed_x_forwarded_for_does_not_escape_the_address_lockout(root, settings, trusted_proxies):
    settings.TRUSTED_PROXIES = trusted_proxies  # the peer below is never one of them
    for n in range(LIMIT):
        sign_in(f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert_locked_out(sign_in("root", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200"))


def test_behind_a_trusted_proxy_each_client_is_counted_on_its_own(root, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    for n in range(LIMIT):
        sign_in(f"guess{n}", "wrong", address="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert_locked_out(sign_in("root", PASSWORD, address="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1"))
    assert signed_in(sign_in("root", PASSWORD, address="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.2"))


def test_staff_see_the_failures_in_the_admin_and_axes_reset_lifts_the_lockout(root, admin_client):
    fail(LIMIT)
    assert b"root" in admin_client.get("/admin/axes/accessattempt/").content
    call_command("axes_reset")
    assert signed_in(sign_in("root", PASSWORD))
