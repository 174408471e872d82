"""Behind a TLS-terminating proxy: HTTPS is believed from TRUSTED_PROXIES only, so HSTS and CSRF work there."""

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from api.proxies import TrustedProxyMiddleware

PROXY = "10.0.0.5"
STRANGER = "198.51.100.7"
SITE = "api.example.com"
HSTS = "Strict-Transport-Security"


@pytest.fixture
def behind_proxy(settings):
    """TRUSTED_PROXIES as the environment would set it, with the header settings.py then reads."""
    settings.TRUSTED_PROXIES = [PROXY]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = [SITE]
    # As production has it (DEBUG off), whatever a local .env from `make run` says.
    settings.SECURE_HSTS_SECONDS = 31536000


def seen_by_the_view(peer: str, **headers: str) -> dict:
    """The META the rest of the stack sees once the proxy middleware has run."""
    request = RequestFactory().get("/healthz", REMOTE_ADDR=peer, **headers)
    return TrustedProxyMiddleware(lambda r: r.META)(request)


def test_forwarded_proto_from_a_trusted_proxy_is_kept(behind_proxy):
    meta = seen_by_the_view(PROXY, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert meta["HTTP_X_FORWARDED_PROTO"] == "https"
    assert meta["REMOTE_ADDR"] == "203.0.113.9"


@pytest.mark.parametrize("trusted", [[PROXY], []])
def test_forwarded_proto_from_any_other_peer_is_dropped(settings, trusted):
    settings.TRUSTED_PROXIES = trusted
    meta = seen_by_the_view(STRANGER, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert "HTTP_X_FORWARDED_PROTO" not in meta
    assert meta["REMOTE_ADDR"] == STRANGER


def test_hsts_is_sent_on_https_through_a_trusted_proxy(behind_proxy):
    response = Client(HTTP_HOST=SITE).get("/healthz", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert response[HSTS] == "max-age=31536000"


def test_a_client_claiming_https_itself_gets_no_hsts(behind_proxy):
    response = Client(HTTP_HOST=SITE).get("/healthz", REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_PROTO="https")
    assert HSTS not in response


@pytest.fixture
def staff(db):
    return User.objects.create_superuser("staff", "staff@example.com", "a-long-staff-password")


def admin_login(peer: str, origin: str, host: str = SITE, **headers: str):
    """A browser signing in to the admin over HTTPS through the proxy: page, then the form with its token."""
    browser = Client(enforce_csrf_checks=True, HTTP_HOST=host, REMOTE_ADDR=peer, **headers)
    browser.get("/admin/login/")
    form = {
        "username": "staff",
        "password": "a-long-staff-password",
        "next": "/admin/",
        "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
    }
    return browser.post("/admin/login/?next=/admin/", form, HTTP_ORIGIN=origin)


def test_the_admin_login_passes_csrf_through_a_trusted_proxy(behind_proxy, staff):
    response = admin_login(PROXY, f"https://{SITE}", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_the_admin_login_from_a_trusted_origin_on_another_port(behind_proxy, staff, settings):
    settings.CSRF_TRUSTED_ORIGINS = [f"https://{SITE}:8443"]
    response = admin_login(PROXY, f"https://{SITE}:8443", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_a_client_claiming_https_itself_fails_the_admin_csrf_check(behind_proxy, staff):
    response = admin_login(STRANGER, f"https://{SITE}", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 403
