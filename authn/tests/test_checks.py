"""Configurations that cannot work are reported by ``manage.py check`` with a stable id."""

import pytest
from django.core.checks import run_checks


def ids_for(settings, **authn) -> set[str]:
    settings.AUTHN = authn
    return {message.id for message in run_checks() if message.id.startswith("authn.")}


def test_the_test_configuration_is_clean(settings):
    assert {m.id for m in run_checks() if m.id.startswith("authn.")} == set()


def test_only_a_better_auth_url_is_a_complete_configuration(settings):
    assert ids_for(settings, BETTER_AUTH_URL="https://auth.example.com") == set()


def test_no_key_source(settings):
    assert "authn.E001" in ids_for(settings, ISSUER="x", AUDIENCE="x")


def test_a_short_secret(settings):
    assert "authn.E002" in ids_for(settings, BETTER_AUTH_URL="https://a.test", SECRET="short")


def test_an_unknown_algorithm(settings):
    assert "authn.E003" in ids_for(settings, BETTER_AUTH_URL="https://a.test", ALGORITHMS=["EdDSA", "none"])


def test_an_inline_jwks_that_is_not_json(settings):
    assert "authn.E004" in ids_for(settings, BETTER_AUTH_URL="https://a.test", JWKS="{not json")


def test_hmac_allowed_without_a_secret(settings):
    assert "authn.E005" in ids_for(settings, BETTER_AUTH_URL="https://a.test", ALGORITHMS=["HS256"])


def test_public_key_algorithms_without_a_jwks(settings):
    problems = ids_for(settings, SECRET="s" * 32, ISSUER="i", AUDIENCE="a", ALGORITHMS=["EdDSA"])
    assert "authn.E006" in problems


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://auth.test/jwks"])
def test_a_jwks_url_that_is_not_http(settings, url):
    assert "authn.E007" in ids_for(settings, JWKS_URL=url, ISSUER="i", AUDIENCE="a")


def test_issuer_unchecked_by_accident_is_an_error(settings):
    assert "authn.E008" in ids_for(settings, SECRET="s" * 32)


def test_issuer_unchecked_on_purpose_is_a_warning(settings):
    assert ids_for(settings, SECRET="s" * 32, ISSUER="", AUDIENCE="") == {"authn.W001"}
