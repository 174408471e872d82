"""Real Better Auth tokens, from a real Better Auth server on loopback, against the API.

The API is configured with nothing but BETTER_AUTH_URL, as in production.
"""

from __future__ import annotations

import os
import time

import pytest

from interop.better_auth import ALGORITHMS, BetterAuthServer, node_available

if not node_available():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the Better Auth interop tests: install Node and run `make interop`.")
    pytest.skip("Node or interop/node_modules missing (run `make interop`)", allow_module_level=True)

pytestmark = [pytest.mark.interop, pytest.mark.django_db]
PASSWORD = "correct-horse-battery"


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def only_better_auth_url(settings):
    def configure(server: BetterAuthServer, **extra) -> None:
        settings.AUTHN = {"BETTER_AUTH_URL": server.url, **extra}

    return configure


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_real_tokens_of_every_key_type_work_end_to_end(alg, api_client, only_better_auth_url):
    with BetterAuthServer(alg) as server:
        only_better_auth_url(server)
        token = server.sign_up(f"{alg.lower()}@example.com", PASSWORD, "Ada")
        me = api_client.get("/api/me", **bearer(token))
        assert me.status_code == 200, me.content
        assert (me.json()["email"], me.json()["name"]) == (f"{alg.lower()}@example.com", "Ada")
        user_id = me.json()["id"]
        created = api_client.post(
            f"/api/{user_id}/tasks", {"title": "from Better Auth"}, format="json", **bearer(token)
        )
        assert created.status_code == 201
        listed = api_client.get(f"/api/{user_id}/tasks", **bearer(token))
        assert [t["title"] for t in listed.json()] == ["from Better Auth"]


def test_one_persons_token_is_refused_on_anothers_path(api_client, only_better_auth_url):
    with BetterAuthServer() as server:
        only_better_auth_url(server)
        alice = server.sign_up("alice@example.com", PASSWORD, "Alice")
        bob = server.sign_up("bob@example.com", PASSWORD, "Bob")
        bob_id = api_client.get("/api/me", **bearer(bob)).json()["id"]
        response = api_client.get(f"/api/{bob_id}/tasks", **bearer(alice))
        assert response.status_code == 403
        assert response.json()["error_type"] == "permission_denied"


def test_a_rotated_key_set_is_picked_up_without_a_restart(api_client, only_better_auth_url):
    with BetterAuthServer() as server:
        only_better_auth_url(server, JWKS_COOLDOWN_SECONDS=1)
        old_token = server.sign_up("rotating@example.com", PASSWORD, "Rita")
        assert api_client.get("/api/me", **bearer(old_token)).status_code == 200
        server.rotate()
        time.sleep(1.1)  # past the refetch cooldown that followed the first fetch
        new_token = server.token_for("rotating@example.com", PASSWORD)
        assert api_client.get("/api/me", **bearer(new_token)).status_code == 200
        time.sleep(1.1)
        # The old key left the key set, so its tokens stop working after the refresh.
        refused = api_client.get("/api/me", **bearer(old_token))
        assert refused.status_code == 401
        assert 'error_description="The token\'s signing key is unknown"' in refused["WWW-Authenticate"]


def test_a_token_from_an_issuer_whose_key_set_is_not_configured_is_refused(api_client, only_better_auth_url):
    with BetterAuthServer() as trusted, BetterAuthServer() as stranger:
        only_better_auth_url(trusted)
        assert api_client.get("/api/me", **bearer(trusted.sign_up("t@example.com", PASSWORD, "T"))).status_code == 200
        response = api_client.get("/api/me", **bearer(stranger.sign_up("s@example.com", PASSWORD, "S")))
        assert response.status_code == 401
        assert response.json()["error_type"] == "authentication_error"


def test_an_expired_real_token_is_refused(api_client, only_better_auth_url):
    with BetterAuthServer(expires_in=-60) as server:
        only_better_auth_url(server)
        response = api_client.get("/api/me", **bearer(server.sign_up("late@example.com", PASSWORD, "L")))
        assert response.status_code == 401
        assert 'error_description="The token has expired"' in response["WWW-Authenticate"]
