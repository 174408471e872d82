"""Every attack of the authentication issue, over HTTP: 401, the RFC 6750 header and the contract's body."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .conftest import OMIT, SECRET, SigningKey, claims_for

INVALID = 'Bearer realm="api", error="invalid_token", error_description="'


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made(header: dict, payload: dict, sign: Callable[[bytes], bytes]) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def attacker_key(kid: str) -> SigningKey:
    return SigningKey("EdDSA", ed25519.Ed25519PrivateKey.generate(), kid)


def public_key_bytes(keys, encoding: str) -> bytes:
    public = keys["EdDSA"].private_key.public_key()
    if encoding == "pem":
        return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def hs256_with_public_key(keys, encoding: str) -> str:
    """The classic confusion attack: an HMAC keyed with a key the JWKS publishes."""
    secret = public_key_bytes(keys, encoding)
    return hand_made(
        {"alg": "HS256", "kid": "ed-key-1"},
        claims_for("alice"),
        lambda data: hmac.new(secret, data, hashlib.sha256).digest(),
    )


def flip_payload_bit(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[10] ^= 0x01
    return f"{header}.{b64(bytes(raw))}.{signature}"


def jku_token(kid: str) -> str:
    attacker = attacker_key(kid)
    headers = {"kid": kid, "jku": "https://evil.test/jwks.json"}
    return jwt.encode(claims_for("alice"), attacker.private_key, algorithm="EdDSA", headers=headers)


def jwk_token(kid: str) -> str:
    attacker = attacker_key(kid)
    headers = {"kid": kid, "jwk": attacker.public_jwk}
    return jwt.encode(claims_for("alice"), attacker.private_key, algorithm="EdDSA", headers=headers)


NOW = int(time.time())
# name -> builder(make_token, signing_keys) -> the Authorization header value
ATTACKS: dict[str, Callable] = {
    "empty bearer": lambda mk, keys: "Bearer ",
    "garbage": lambda mk, keys: "Bearer garbage",
    "wrong segment count": lambda mk, keys: "Bearer a.b",
    "alg none": lambda mk, keys: "Bearer " + hand_made({"alg": "none"}, claims_for("alice"), lambda _: b""),
    "alg NoNe": lambda mk, keys: "Bearer " + hand_made({"alg": "NoNe"}, claims_for("alice"), lambda _: b""),
    "stripped signature": lambda mk, keys: "Bearer " + mk("alice").rsplit(".", 1)[0] + ".",
    "swapped signature": lambda mk, keys: "Bearer " + mk("alice").rsplit(".", 1)[0] + "." + mk("bob").rsplit(".", 1)[1],
    "flipped payload bit": lambda mk, keys: "Bearer " + flip_payload_bit(mk("alice")),
    "expired": lambda mk, keys: "Bearer " + mk("alice", exp=NOW - 120),
    "no exp": lambda mk, keys: "Bearer " + mk("alice", exp=OMIT),
    "nbf in the future": lambda mk, keys: "Bearer " + mk("alice", nbf=NOW + 600),
    "iat in the future": lambda mk, keys: "Bearer " + mk("alice", iat=NOW + 600),
    "wrong iss": lambda mk, keys: "Bearer " + mk("alice", iss="https://evil.test"),
    "missing iss": lambda mk, keys: "Bearer " + mk("alice", iss=OMIT),
    "wrong aud": lambda mk, keys: "Bearer " + mk("alice", aud="https://evil.test"),
    "missing aud": lambda mk, keys: "Bearer " + mk("alice", aud=OMIT),
    "missing sub": lambda mk, keys: "Bearer " + mk("alice", sub=OMIT),
    "empty sub": lambda mk, keys: "Bearer " + mk("alice", sub=""),
    "non-string sub": lambda mk, keys: "Bearer " + mk("alice", sub=42),
    "HS256 with the public key (PEM)": lambda mk, keys: "Bearer " + hs256_with_public_key(keys, "pem"),
    "HS256 with the public key (raw)": lambda mk, keys: "Bearer " + hs256_with_public_key(keys, "raw"),
    "HS256 with a wrong secret": lambda mk, keys: (
        "Bearer " + jwt.encode(claims_for("alice"), "x" * 64, algorithm="HS256")
    ),
    "HS384 outside the allow-list": lambda mk, keys: "Bearer " + jwt.encode(claims_for("alice"), SECRET, "HS384"),
    "HS512 outside the allow-list": lambda mk, keys: "Bearer " + jwt.encode(claims_for("alice"), SECRET, "HS512"),
    "unknown kid": lambda mk, keys: (
        "Bearer "
        + jwt.encode(claims_for("alice"), keys["EdDSA"].private_key, algorithm="EdDSA", headers={"kid": "no-such-kid"})
    ),
    "path-traversal kid": lambda mk, keys: (
        "Bearer "
        + jwt.encode(
            claims_for("alice"), keys["EdDSA"].private_key, algorithm="EdDSA", headers={"kid": "../../etc/passwd"}
        )
    ),
    "jku to an attacker's key set": lambda mk, keys: "Bearer " + jku_token("ed-key-1"),
    "embedded jwk": lambda mk, keys: "Bearer " + jwk_token("ed-key-1"),
    "crit header": lambda mk, keys: (
        "Bearer "
        + hand_made(
            {"alg": "EdDSA", "kid": "ed-key-1", "crit": ["b64"], "b64": True},
            claims_for("alice"),
            keys["EdDSA"].private_key.sign,
        )
    ),
    "100 KB token": lambda mk, keys: "Bearer " + "a" * 100_000,
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_each_attack_is_refused_with_the_header_and_body(attack, api_client, make_token, signing_keys):
    response = api_client.get("/api/alice/notes", HTTP_AUTHORIZATION=ATTACKS[attack](make_token, signing_keys))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith(INVALID)
    assert response.json() == {"detail": "Unauthorized - Invalid or expired token"}


@pytest.mark.parametrize("header", [None, "", "   ", "\t", "Basic YWxpY2U6c2VjcmV0", "Token abc"])
def test_no_bearer_credentials_get_the_bare_challenge(header, api_client):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = api_client.get("/api/alice/notes", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {"detail": "Authentication credentials were not provided."}


# Validly signed, oddly claimed: 401 with a reason on every endpoint, never a 500

ODD_CLAIMS = {
    "string exp": {"exp": str(int(time.time()) + 600)},
    "exp past year 9999": {"exp": 10**13},
    "string iat": {"iat": "0"},
    "huge nbf": {"nbf": 1e300},
    "sub with a slash": {"sub": "alice/tasks"},
    "sub with a newline": {"sub": "alice\n"},
    "sub with NUL": {"sub": "al\x00ice"},
    "sub with a lone surrogate": {"sub": "al\ud800ice"},
    "sub longer than the user id column": {"sub": "a" * 256},
}


def endpoints_for(sub: str) -> list[tuple[str, str, dict | None]]:
    notes = f"/api/{quote(sub.encode('utf-8', 'surrogatepass'), safe='')}/notes"
    return [
        ("get", "/api/me", None),
        ("get", notes, None),
        ("post", notes, {"title": "x"}),
        ("get", f"{notes}/1", None),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(ODD_CLAIMS))
def test_odd_claims_are_401_on_every_endpoint(case, api_client, make_token):
    claims = dict(ODD_CLAIMS[case])
    sub = claims.pop("sub", "alice")
    token = make_token(sub, **claims)
    for method, path, body in endpoints_for(sub):
        response = getattr(api_client, method)(path, body, format="json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 401, (method, path)
        assert response["WWW-Authenticate"].startswith(INVALID)


@pytest.mark.parametrize("case", list(ODD_CLAIMS))
def test_odd_claims_are_refused_by_the_browsable_token_form(case, client, make_token):
    claims = dict(ODD_CLAIMS[case])
    token = make_token(claims.pop("sub", "alice"), **claims)
    response = client.post("/api-auth/token", {"token": token})
    assert response.status_code == 400
    assert response.content.decode().startswith("Token refused: The token")


def test_made_up_kids_are_401_not_503_while_the_key_set_is_fetched(settings, api_client, jwks_url, signing_keys):
    """Ten tokens with made-up kids in quick succession: each is unknown (401), none is an outage (503)."""
    settings.AUTHN = {**settings.AUTHN, "JWKS": "", "JWKS_URL": jwks_url, "JWKS_COOLDOWN_SECONDS": 5}
    statuses = []
    for n in range(10):
        forged = jwt.encode(
            claims_for("alice"),
            attacker_key(f"forged-{n}").private_key,
            algorithm="EdDSA",
            headers={"kid": f"forged-{n}"},
        )
        statuses.append(api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code)
        time.sleep(0.05)
    assert statuses == [401] * 10


@pytest.fixture
def jwks_url(jwks) -> Iterator[str]:
    """The key set served over HTTP on loopback, as Better Auth serves it."""
    body = json.dumps(jwks).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/auth/jwks"
    server.shutdown()
