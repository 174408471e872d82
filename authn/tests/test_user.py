"""The stateless user behaves like an authenticated Django user and refuses to be saved."""

import pytest

from authn.user import BetterAuthUser

from .conftest import claims_for


def test_the_user_is_built_from_claims():
    user = BetterAuthUser.from_claims(claims_for("alice"))
    assert (user.id, user.pk, user.email, user.name) == ("alice", "alice", "alice@example.com", "Alice")
    assert user.is_authenticated and user.is_active and not user.is_anonymous
    assert str(user) == "alice@example.com"
    assert user.claims["iss"] == "http://auth.test"


def test_claims_are_read_only():
    user = BetterAuthUser.from_claims(claims_for("alice"))
    with pytest.raises(TypeError):
        user.claims["sub"] = "mallory"


def test_users_compare_by_id():
    assert BetterAuthUser.from_claims(claims_for("alice")) == BetterAuthUser(id="alice")
    assert len({BetterAuthUser(id="alice"), BetterAuthUser(id="alice", name="A")}) == 1


def test_non_string_profile_claims_are_ignored():
    user = BetterAuthUser.from_claims(claims_for("alice", email=["x"], name=None, emailVerified="yes"))
    assert (user.email, user.name, user.email_verified) == ("", "", False)


@pytest.mark.parametrize("method", ["save", "delete"])
def test_the_user_has_no_database_row(method):
    with pytest.raises(NotImplementedError, match="no database row"):
        getattr(BetterAuthUser(id="alice"), method)()


def test_unknown_attributes_are_errors_not_none():
    with pytest.raises(AttributeError):
        BetterAuthUser(id="alice").organisation  # noqa: B018
    assert not BetterAuthUser(id="alice").has_perm("tasks.delete_task")
