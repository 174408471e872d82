"""Failed admin sign-ins (django-axes): counted per username and address together, with a ceiling per
address over every username and one per username over every address not known to it; a guesser
elsewhere never keeps a member of staff out."""

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
ADDRESS_LIMIT = 20
USERNAME_LIMIT = 30
COOLOFF = timedelta(minutes=15)
LOCKED_OUT = b"Too many failed sign-ins: try again in 15 minutes."
ADDRESS = "198.51.100.7"


@pytest.fixture(autouse=True)
def lockout_settings(settings):
    """The defaults, whatever the environment running the tests says; a fast hasher, as tries are counted here."""
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT = ADDRESS_LIMIT
    settings.ADMIN_LOGIN_USERNAME_FAILURE_LIMIT = USERNAME_LIMIT
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


def test_while_one_address_guesses_the_right_password_works_from_another(root):
    assert fail(LIMIT) == [200] * (LIMIT - 1) + [429]
    assert_locked_out(sign_in("root", PASSWORD))  # the guessing address, the right password too
    assert signed_in(sign_in("root", PASSWORD, address="192.0.2.99"))
    assert fail(3) == [429] * 3  # and the owner's success gives the guessing address no new tries


def test_the_locked_pair_leaves_the_address_free_for_other_usernames(root, django_user_model):
    django_user_model.objects.create_superuser("alice", "alice@example.com", PASSWORD)
    fail(LIMIT)
    assert signed_in(sign_in("alice", PASSWORD))  # a colleague behind the same address


def test_an_address_guessing_many_usernames_stops_at_its_ceiling(root):
    statuses = [sign_in(f"guess{n // 4}", "wrong").status_code for n in range(ADDRESS_LIMIT)]
    assert statuses == [200] * (ADDRESS_LIMIT - 1) + [429]  # four a username: no pair reached its five
    assert_locked_out(sign_in("root", PASSWORD))
    assert signed_in(sign_in("root", PASSWORD, address="192.0.2.99"))  # another address is not


def test_many_addresses_guessing_one_username_stop_at_its_ceiling_but_not_at_a_known_address(root):
    home = "192.0.2.10"
    assert signed_in(sign_in("root", PASSWORD, address=home))  # staff signed in from here before
    statuses = [sign_in("root", "wrong", address=f"203.0.113.{n}").status_code for n in range(USERNAME_LIMIT + 3)]
    assert statuses == [200] * (USERNAME_LIMIT - 1) + [429] * 4
    assert_locked_out(sign_in("root", PASSWORD, address="198.51.100.200"))  # an address new to root
    assert signed_in(sign_in("root", PASSWORD, address=home))


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
def test_a_spoofed_x_forwarded_for_does_not_escape_the_lockout(root, settings, trusted_proxies):
    settings.TRUSTED_PROXIES = trusted_proxies  # the peer below is never one of them
    for n in range(LIMIT):
        sign_in("root", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert_locked_out(sign_in("root", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200"))


def test_behind_a_trusted_proxy_each_client_is_counted_on_its_own(root, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    for _ in range(LIMIT):
        sign_in("root", "wrong", address="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert_locked_out(sign_in("root", PASSWORD, address="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1"))
    assert signed_in(sign_in("root", PASSWORD, address="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.2"))


def test_staff_see_the_failures_in_the_admin_and_axes_reset_lifts_the_lockout(root, admin_client):
    fail(LIMIT)
    assert b"root" in admin_client.get("/admin/axes/accessattempt/").content
    call_command("axes_reset")
    assert signed_in(sign_in("root", PASSWORD))
