"""The verification core, with no HTTP: each key source crossed with each way a token can be bad."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from authn.errors import InvalidToken, KeySourceUnavailable
from authn.keys import KeyFetchError, KeySet, RemoteKeySource, StaticKeySource
from authn.verifier import TokenVerifier, VerifierConfig

from .conftest import BETTER_AUTH_URL, OMIT, SECRET, SigningKey

URL = "https://auth.test/api/auth/jwks"
ALL_ALGORITHMS = frozenset({"EdDSA", "ES256", "ES512", "RS256", "PS256", "HS256"})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made_token(header: dict[str, Any], payload: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    """A token built without PyJWT, for headers and keys PyJWT refuses to produce."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def make_verifier(jwks: dict[str, Any], *, source: str = "inline", **overrides: Any) -> TokenVerifier:
    config = {
        "algorithms": ALL_ALGORITHMS,
        "secret": SECRET,
        "issuer": BETTER_AUTH_URL,
        "audience": BETTER_AUTH_URL,
        "leeway_seconds": 5,
        **overrides,
    }
    if source == "inline":
        sources = [StaticKeySource(jwks)]
    else:
        sources = [
            RemoteKeySource(
                "https://auth.test/api/auth/jwks",
                cache_seconds=300,
                max_stale_seconds=900,
                cooldown_seconds=5,
                timeout_seconds=1,
                fetch=lambda url: KeySet(jwks),
            )
        ]
    return TokenVerifier(VerifierConfig(**config), key_sources=sources)


SOURCES_AND_ALGS = [
    ("inline", "EdDSA"),
    ("url", "EdDSA"),
    ("inline", "ES256"),
    ("url", "ES512"),
    ("url", "RS256"),
    ("inline", "PS256"),
    ("secret", "HS256"),
]


@pytest.mark.parametrize("sub", ["a" * 255, "ålice", "user id with spaces", "a%2Fb", "...", "Zm9v_-.~"])
def test_subjects_that_are_path_segments_verify(sub, jwks, make_token):
    assert make_verifier(jwks).verify(make_token(sub))["sub"] == sub


@pytest.mark.parametrize(("source", "alg"), SOURCES_AND_ALGS)
def test_a_good_token_verifies_to_its_claims(source, alg, jwks, make_token):
    claims = make_verifier(jwks, source=source).verify(make_token("alice", alg=alg))
    assert claims["sub"] == "alice"
    assert claims["email"] == "alice@example.com"


BAD_CLAIMS = [
    ("expired", {"exp": int(time.time()) - 60}, "The token has expired"),
    ("no exp", {"exp": OMIT}, "The token lacks a required claim"),
    ("nbf in the future", {"nbf": int(time.time()) + 600}, "The token is not yet valid"),
    ("iat in the future", {"iat": int(time.time()) + 600}, "The token is not yet valid"),
    ("wrong iss", {"iss": "https://evil.test"}, "The token's issuer is not accepted"),
    ("missing iss", {"iss": OMIT}, "The token lacks a required claim"),
    ("wrong aud", {"aud": "https://other.test"}, "The token's audience is not accepted"),
    ("missing aud", {"aud": OMIT}, "The token lacks a required claim"),
    ("missing sub", {"sub": OMIT}, "The token lacks a required claim"),
    ("empty sub", {"sub": ""}, "The token has no subject"),
    ("blank sub", {"sub": "   "}, "The token has no subject"),
    ("non-string sub", {"sub": 123}, "The token has no subject"),
    # PyJWT accepts these; a NumericDate is a JSON number a date can hold (RFC 7519 §2).
    ("string exp", {"exp": str(int(time.time()) + 600)}, "The token's time claims are invalid"),
    ("exp past year 9999", {"exp": 10**12}, "The token's time claims are invalid"),
    ("boolean iat", {"iat": True}, "The token's time claims are invalid"),
    ("string iat", {"iat": "0"}, "The token's time claims are invalid"),
    ("negative nbf", {"nbf": -1}, "The token's time claims are invalid"),
    ("infinite exp", {"exp": float("inf")}, "The token is malformed"),
    # One rule for subjects: a user id that can be a path segment and fill the task table's column.
    ("sub with a slash", {"sub": "alice/tasks"}, "The token's subject is not a valid user id"),
    ("sub '..'", {"sub": ".."}, "The token's subject is not a valid user id"),
    ("sub with a newline", {"sub": "alice\n2026-11-30 INFO forged"}, "The token's subject is not a valid user id"),
    ("sub with NUL", {"sub": "alice\x00"}, "The token's subject is not a valid user id"),
    ("sub with DEL", {"sub": "alice\x7f"}, "The token's subject is not a valid user id"),
    ("sub with a C1 control", {"sub": "alice\x85"}, "The token's subject is not a valid user id"),
    ("sub with a lone surrogate", {"sub": "alice\ud800"}, "The token's subject is not a valid user id"),
    ("sub of 256 characters", {"sub": "a" * 256}, "The token's subject is not a valid user id"),
]


@pytest.mark.parametrize(("source", "alg"), SOURCES_AND_ALGS)
@pytest.mark.parametrize(("case", "claims", "description"), BAD_CLAIMS, ids=[c[0] for c in BAD_CLAIMS])
def test_bad_claims_are_refused_whatever_the_key_source(source, alg, case, claims, description, jwks, make_token):
    token = make_token("alice", alg=alg, **claims)
    with pytest.raises(InvalidToken) as refused:
        make_verifier(jwks, source=source).verify(token)
    assert refused.value.description == description


def test_a_claim_refusal_names_the_subject_because_the_signature_was_good(jwks, make_token):
    with pytest.raises(InvalidToken) as refused:
        make_verifier(jwks).verify(make_token("alice", exp=int(time.time()) - 60))
    assert refused.value.sub == "alice"


def test_leeway_accepts_a_token_that_expired_within_it(jwks, make_token):
    token = make_token("alice", exp=int(time.time()) - 2)
    assert make_verifier(jwks, leeway_seconds=5).verify(token)["sub"] == "alice"
    with pytest.raises(InvalidToken, match="expired"):
        make_verifier(jwks, leeway_seconds=0).verify(token)


def test_unchecked_issuer_and_audience_accept_any(jwks, make_token):
    token = make_token("alice", iss="https://anyone.test", aud="https://anything.test")
    assert make_verifier(jwks, issuer=None, audience=None).verify(token)["sub"] == "alice"


def test_signature_errors_do_not_name_a_subject(jwks, make_token):
    header, _, signature = make_token("alice").split(".")
    forged = f"{header}.{b64(json.dumps(claims_with_sub('mallory')).encode())}.{signature}"
    with pytest.raises(InvalidToken) as refused:
        make_verifier(jwks).verify(forged)
    assert refused.value.description == "The token's signature is invalid"
    assert refused.value.sub is None


def claims_with_sub(sub: str) -> dict[str, Any]:
    from .conftest import claims_for

    return claims_for(sub)


@pytest.mark.parametrize("spelling", ["none", "None", "NONE", "nOnE"])
def test_alg_none_is_refused_in_any_spelling(spelling, jwks):
    token = hand_made_token({"alg": spelling, "typ": "JWT"}, claims_with_sub("alice"), lambda _: b"")
    with pytest.raises(InvalidToken, match="algorithm is not allowed"):
        make_verifier(jwks).verify(token)


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_hmac_algorithms_outside_the_allow_list_are_refused(alg, jwks):
    token = jwt.encode(claims_with_sub("alice"), SECRET, algorithm=alg)
    with pytest.raises(InvalidToken, match="algorithm is not allowed"):
        make_verifier(jwks).verify(token)


def test_an_allowed_algorithm_must_still_match_the_key_it_names(jwks, signing_keys):
    # Signed with the RSA key but announced as ES256 under the RSA key's kid.
    rsa = signing_keys["RS256"]
    token = jwt.encode(claims_with_sub("alice"), rsa.private_key, algorithm="RS256", headers={"kid": rsa.kid})
    _, rest = token.split(".", 1)
    relabelled = f"{b64(json.dumps({'alg': 'ES256', 'kid': rsa.kid}).encode())}.{rest}"
    with pytest.raises(InvalidToken, match="does not match its key"):
        make_verifier(jwks).verify(relabelled)


@pytest.mark.parametrize("secret", [SECRET, None], ids=["with a secret", "without a secret"])
@pytest.mark.parametrize("encoding", ["pem", "raw", "jwk x", "jwk json"])
def test_hs256_signed_with_a_published_public_key_is_refused(encoding, secret, jwks, signing_keys):
    """RFC 8725 §2.1's key confusion, also on a verifier with HS256 allowed but no secret to check it with."""
    published = signing_keys["EdDSA"].public_jwk
    public_key = signing_keys["EdDSA"].private_key.public_key()
    key_bytes = {
        "pem": lambda: public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "raw": lambda: public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
        "jwk x": lambda: published["x"].encode(),
        "jwk json": lambda: json.dumps(published).encode(),
    }[encoding]()
    token = hand_made_token(
        {"alg": "HS256", "kid": published["kid"]},
        claims_with_sub("alice"),
        lambda data: hmac.new(key_bytes, data, hashlib.sha256).digest(),
    )
    with pytest.raises(InvalidToken):
        make_verifier(jwks, secret=secret).verify(token)


def test_only_the_canonical_spelling_of_a_token_verifies(jwks, make_token):
    """RFC 7515 §2: no "=" padding, no unused bits set, so one token is one string (and one cache entry)."""
    verifier = make_verifier(jwks)
    token = make_token("alice")
    assert verifier.verify(token)["sub"] == "alice"
    header, payload, signature = token.split(".")
    assert len(signature) % 4 == 2  # an Ed25519 signature: 64 bytes, 86 characters, the last with 4 unused bits
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    other_bits = signature[:-1] + alphabet[alphabet.index(signature[-1]) | 1]  # one unused bit set
    assert base64.urlsafe_b64decode(other_bits + "==") == base64.urlsafe_b64decode(signature + "==")
    for variant in (
        f"{header}.{payload}.{other_bits}",
        f"{header}.{payload}.{signature}==",
        f"{header}==.{payload}.{signature}",
        f"{header}.{payload}=.{signature}",
    ):
        with pytest.raises(InvalidToken, match="malformed"):
            verifier.verify(variant)


def test_hs256_with_a_wrong_secret_is_refused(jwks):
    token = jwt.encode(claims_with_sub("alice"), "another-secret-that-is-also-32-chars-long", algorithm="HS256")
    with pytest.raises(InvalidToken, match="signature is invalid"):
        make_verifier(jwks).verify(token)


def test_hs256_is_refused_when_no_secret_is_configured(jwks, make_token):
    with pytest.raises(InvalidToken, match="algorithm is not allowed"):
        make_verifier(jwks, secret=None).verify(make_token("alice", alg="HS256"))


@pytest.mark.parametrize("kid", ["unknown-kid", "../../../../etc/passwd", "ed-key-1\x00", "x" * 300])
def test_kids_not_in_the_key_set_are_refused(kid, jwks, signing_keys):
    key = signing_keys["EdDSA"].private_key
    token = jwt.encode(claims_with_sub("alice"), key, algorithm="EdDSA", headers={"kid": kid})
    with pytest.raises(InvalidToken, match="key"):
        make_verifier(jwks).verify(token)


def test_a_token_without_kid_is_refused_for_key_set_algorithms(jwks, signing_keys):
    token = jwt.encode(claims_with_sub("alice"), signing_keys["EdDSA"].private_key, algorithm="EdDSA")
    with pytest.raises(InvalidToken, match="no usable key id"):
        make_verifier(jwks).verify(token)


def attacker_token(header_extra: dict[str, Any], kid: str) -> str:
    attacker = SigningKey("EdDSA", ed25519.Ed25519PrivateKey.generate(), kid)
    return jwt.encode(
        claims_with_sub("alice"), attacker.private_key, algorithm="EdDSA", headers={"kid": kid, **header_extra}
    )


def test_jku_header_is_ignored_and_its_key_set_never_fetched(jwks):
    fetched: list[str] = []
    source = RemoteKeySource(
        "https://auth.test/api/auth/jwks",
        cache_seconds=300,
        max_stale_seconds=900,
        cooldown_seconds=5,
        timeout_seconds=1,
        fetch=lambda url: fetched.append(url) or KeySet(jwks),
    )
    verifier = TokenVerifier(
        VerifierConfig(ALL_ALGORITHMS, SECRET, BETTER_AUTH_URL, BETTER_AUTH_URL, 5), key_sources=[source]
    )
    for kid in ("attacker-kid", "ed-key-1"):
        with pytest.raises(InvalidToken):
            verifier.verify(attacker_token({"jku": "https://evil.test/jwks.json"}, kid))
    assert set(fetched) == {"https://auth.test/api/auth/jwks"}


@pytest.mark.parametrize("kid", ["attacker-kid", "ed-key-1"])
def test_an_embedded_jwk_is_ignored(kid, jwks):
    attacker = SigningKey("EdDSA", ed25519.Ed25519PrivateKey.generate(), kid)
    token = jwt.encode(
        claims_with_sub("alice"),
        attacker.private_key,
        algorithm="EdDSA",
        headers={"kid": kid, "jwk": attacker.public_jwk, "x5u": "https://evil.test/cert"},
    )
    with pytest.raises(InvalidToken):
        make_verifier(jwks).verify(token)


@pytest.mark.parametrize("crit", [["exp"], ["b64"]])
def test_a_crit_header_is_refused(crit, jwks, signing_keys):
    key = signing_keys["EdDSA"]
    header = {"alg": "EdDSA", "kid": key.kid, "crit": crit, "exp": 1, "b64": True}
    token = hand_made_token(header, claims_with_sub("alice"), key.private_key.sign)
    with pytest.raises(InvalidToken):
        make_verifier(jwks).verify(token)


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "a.b", "a.b.c.d", "e30.e30.", "!!!.???.###", "eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln"],
)
def test_malformed_tokens_are_refused(token, jwks):
    with pytest.raises(InvalidToken):
        make_verifier(jwks).verify(token)


def test_a_stripped_signature_is_refused(jwks, make_token):
    header, payload, _ = make_token("alice").split(".")
    with pytest.raises(InvalidToken):
        make_verifier(jwks).verify(f"{header}.{payload}.")


def test_a_swapped_signature_is_refused(jwks, make_token):
    header, payload, _ = make_token("alice").split(".")
    other_signature = make_token("bob").split(".")[2]
    with pytest.raises(InvalidToken, match="signature is invalid"):
        make_verifier(jwks).verify(f"{header}.{payload}.{other_signature}")


def test_a_flipped_payload_bit_is_refused(jwks, make_token):
    header, payload, signature = make_token("alice").split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[10] ^= 0x01
    with pytest.raises(InvalidToken):
        make_verifier(jwks).verify(f"{header}.{b64(bytes(raw))}.{signature}")


def test_a_header_seen_before_decides_nothing(jwks, make_token):
    # Tokens one key signs share their header, whose parse is remembered; each token is still checked whole.
    verifier = make_verifier(jwks)
    good = make_token("alice")
    header, payload, _ = good.split(".")
    assert verifier.verify(good)["sub"] == "alice"
    with pytest.raises(InvalidToken, match="signature is invalid"):
        verifier.verify(f"{header}.{payload}.{make_token('bob').split('.')[2]}")
    expired = make_token("alice", exp=int(time.time()) - 60)
    assert expired.split(".")[0] == header
    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(expired)


def test_an_oversized_token_is_refused_before_parsing(jwks, make_token):
    with pytest.raises(InvalidToken, match="too large"):
        make_verifier(jwks).verify(make_token("alice", padding="x" * 100_000))


def test_another_issuers_token_is_refused_even_while_keys_cannot_be_fetched(jwks, make_token):
    def down(url: str) -> KeySet:
        raise KeyFetchError("connection refused")

    source = RemoteKeySource(
        URL, cache_seconds=300, max_stale_seconds=900, cooldown_seconds=5, timeout_seconds=1, fetch=down
    )
    verifier = TokenVerifier(
        VerifierConfig(ALL_ALGORITHMS, SECRET, BETTER_AUTH_URL, BETTER_AUTH_URL, 5), key_sources=[source]
    )
    with pytest.raises(InvalidToken, match="issuer is not accepted"):
        verifier.verify(make_token("alice", iss="https://stranger.test"))
    with pytest.raises(KeySourceUnavailable):
        verifier.verify(make_token("alice"))


def test_with_the_revocation_feed_on_a_token_needs_iat_and_a_lifetime_the_feed_can_outlast(jwks, make_token):
    # The feed holds a revocation a token's lifetime at most: a longer-lived token would outlive it.
    now = int(time.time())
    checked = make_verifier(jwks, max_lifetime_seconds=3600)
    checked.verify(make_token(iat=now, exp=now + 3600))
    with pytest.raises(InvalidToken, match="lives too long"):
        checked.verify(make_token(iat=now, exp=now + 3601))
    with pytest.raises(InvalidToken, match="lacks a required claim"):
        checked.verify(make_token(iat=OMIT, exp=now + 60))
    unchecked = make_verifier(jwks)  # feed off: any lifetime, iat optional
    unchecked.verify(make_token(iat=now, exp=now + 30 * 86400))
    unchecked.verify(make_token(iat=OMIT, exp=now + 60))
