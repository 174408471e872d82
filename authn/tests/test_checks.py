"""Configurations that cannot work are reported by ``manage.py check`` with a stable id."""

import re

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


def test_a_misspelt_key_is_an_error_that_names_the_right_one(settings):
    settings.AUTHN = {"BETTER_AUTH_URL": "https://a.test", "SECERT": "s" * 32}
    (message,) = [m for m in run_checks() if m.id == "authn.E010"]
    assert "'SECERT'" in message.msg
    assert "did you mean 'SECRET'" in message.hint


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LEEWAY_SECONDS", "30"),
        ("LEEWAY_SECONDS", -1),
        ("JWKS_TIMEOUT_SECONDS", 0),
        ("TOKEN_CACHE_SIZE", True),
        ("ALGORITHMS", "EdDSA"),
        ("BETTER_AUTH_URL", ["https://a.test"]),
    ],
)
def test_a_value_of_the_wrong_kind_is_an_error_not_a_crash(settings, name, value):
    assert "authn.E011" in ids_for(settings, **{"BETTER_AUTH_URL": "https://a.test", name: value})


def test_a_secret_of_the_wrong_kind_is_never_echoed(settings):
    settings.AUTHN = {"BETTER_AUTH_URL": "https://a.test", "SECRET": b"do-not-show-me-anywhere-0123456789"}
    messages = [m for m in run_checks() if m.id == "authn.E011"]
    assert messages
    assert all("do-not-show-me" not in f"{m.msg} {m.hint}" for m in messages)


def test_a_setting_that_is_not_a_dict(settings):
    settings.AUTHN = "https://a.test"
    assert "authn.E011" in {m.id for m in run_checks()}


def test_a_failure_cache_that_does_not_exist(settings):
    assert "authn.E012" in ids_for(settings, BETTER_AUTH_URL="https://a.test", FAILURE_CACHE="nowhere")


def test_a_broken_setting_stops_the_verifier_too(settings, make_token):
    """Fail closed: a value the checks call an error never reaches the verifier as a default."""
    from django.core.exceptions import ImproperlyConfigured

    from authn.conf import get_verifier

    settings.AUTHN = {**settings.AUTHN, "LEEWAY_SECONDS": "5"}
    with pytest.raises(ImproperlyConfigured, match=r"authn\.E011"):
        get_verifier()


FEED_SECRET = "f" * 32


def test_a_short_feed_secret(settings):
    assert "authn.E013" in ids_for(settings, BETTER_AUTH_URL="https://a.test", REVOCATION_FEED_SECRET="short")


def test_the_feed_secret_must_not_be_the_token_secret(settings):
    problems = ids_for(
        settings, BETTER_AUTH_URL="https://a.test", SECRET=FEED_SECRET, REVOCATION_FEED_SECRET=FEED_SECRET
    )
    assert "authn.E014" in problems


@pytest.mark.parametrize("extra", [{}, {"REVOCATION_FEED_URL": "file:///etc/passwd"}])
def test_a_feed_with_nowhere_to_read_it(settings, extra):
    problems = ids_for(settings, SECRET="s" * 32, ISSUER="i", AUDIENCE="a", REVOCATION_FEED_SECRET=FEED_SECRET, **extra)
    assert "authn.E015" in problems


def test_a_feed_without_a_key_set_to_verify_its_pages(settings):
    problems = ids_for(
        settings,
        SECRET="s" * 32,
        ISSUER="i",
        AUDIENCE="a",
        REVOCATION_FEED_SECRET=FEED_SECRET,
        REVOCATION_FEED_URL="https://a.test/api/auth/revocations",
    )
    assert problems == {"authn.E017"}


@pytest.mark.parametrize(("leeway", "expected"), [(60, set()), (61, {"authn.E018"})])
def test_a_leeway_longer_than_the_feed_keeps_a_revocation(settings, leeway, expected):
    # The feed drops an event 60 s after its last token expires; a longer leeway would accept it again.
    problems = ids_for(
        settings, BETTER_AUTH_URL="https://a.test", REVOCATION_FEED_SECRET=FEED_SECRET, LEEWAY_SECONDS=leeway
    )
    assert problems == expected
    assert ids_for(settings, BETTER_AUTH_URL="https://a.test", LEEWAY_SECONDS=leeway) == set()  # no feed: no limit


def test_a_complete_feed_configuration_is_clean(settings):
    assert ids_for(settings, BETTER_AUTH_URL="https://a.test", REVOCATION_FEED_SECRET=FEED_SECRET) == set()


def test_a_feed_secret_of_the_wrong_kind_is_never_echoed(settings):
    settings.AUTHN = {
        "BETTER_AUTH_URL": "https://a.test",
        "REVOCATION_FEED_SECRET": b"never-show-this-feed-secret-123456",
    }
    messages = [m for m in run_checks() if m.id == "authn.E011"]
    assert messages
    assert all("never-show" not in f"{m.msg} {m.hint}" for m in messages)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        # NaN passes "value < least" (every comparison with NaN is false); inf is no bound at all:
        # an infinite staleness bound serves tokens through a feed outage for ever (fails open).
        ("REVOCATION_MAX_STALE_SECONDS", float("inf")),
        ("REVOCATION_MAX_STALE_SECONDS", float("nan")),
        ("REVOCATION_POLL_SECONDS", float("nan")),
        ("JWKS_TIMEOUT_SECONDS", float("nan")),
        ("JWKS_TIMEOUT_SECONDS", float("inf")),
    ],
)
def test_a_number_that_is_not_finite_is_an_error(settings, name, value):
    assert "authn.E011" in ids_for(settings, **{"BETTER_AUTH_URL": "https://a.test", name: value})


def test_a_failure_rate_over_a_zero_second_period_is_an_error(settings):
    # "1/0s" matches the rate pattern, then every budget check divides by a zero period.
    assert "authn.E009" in ids_for(settings, BETTER_AUTH_URL="https://a.test", FAILURE_RATE="1/0s")


@pytest.mark.parametrize("name", ["MAX_TOKEN_LIFETIME_SECONDS", "REVOCATION_MAX_HELD"])
@pytest.mark.parametrize("value", [0, -1, "100", 1.5, None])
def test_the_feeds_bounds_are_whole_numbers_of_at_least_one(settings, name, value):
    problems = ids_for(settings, BETTER_AUTH_URL="https://a.test", REVOCATION_FEED_SECRET=FEED_SECRET, **{name: value})
    assert problems == {"authn.E011"}


def test_each_registered_check_is_run_by_the_verifier_too():
    """One function per id, each registered with Django; find_problems (the verifier's gate) runs the same ones."""
    from django.core.checks import registry

    from authn.checks import SETTINGS_CHECKS

    registered = {check for check in registry.registry.registered_checks if check.__module__ == "authn.checks"}
    assert registered == set(SETTINGS_CHECKS)
    named = [re.findall(r"authn\.[EW]\d{3}", check.__doc__ or "") for check in SETTINGS_CHECKS]
    assert all(len(ids) == 1 for ids in named), named  # each check says the one id it reports
    assert sorted(ids[0] for ids in named) == [f"authn.E{n:03}" for n in range(1, 19)] + ["authn.W001"]
