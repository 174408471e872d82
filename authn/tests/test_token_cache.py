"""The cache of verified tokens: hits skip the signature, never outlive exp, a key-set change or the bound."""

from __future__ import annotations

import threading
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from authn.conf import get_verifier
from authn.errors import InvalidToken
from authn.keys import KeySet, RemoteKeySource, StaticKeySource
from authn.token_cache import VerifiedTokenCache, token_digest
from authn.verifier import TokenVerifier, VerifierConfig

from .conftest import BETTER_AUTH_URL, SECRET, SigningKey

ALGORITHMS = frozenset({"EdDSA", "HS256"})
LEEWAY = 5


def cached_verifier(sources: list[Any], *, size: int = 100) -> TokenVerifier:
    config = VerifierConfig(ALGORITHMS, SECRET, BETTER_AUTH_URL, BETTER_AUTH_URL, LEEWAY)
    return TokenVerifier(config, key_sources=sources, cache=VerifiedTokenCache(size, leeway_seconds=LEEWAY))


@pytest.fixture
def verifier(jwks: dict[str, Any]) -> TokenVerifier:
    return cached_verifier([StaticKeySource(jwks)])


def no_signature_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("jwt.decode was called: the token was verified again")

    monkeypatch.setattr(jwt, "decode", refuse)


@pytest.mark.parametrize("alg", ["EdDSA", "HS256"])
def test_a_token_seen_before_returns_the_same_claims_without_signature_work(alg, verifier, make_token, monkeypatch):
    token = make_token("alice", alg=alg)
    first = verifier.verify(token)
    no_signature_work(monkeypatch)
    assert verifier.verify(token) is first


def test_the_cache_holds_digests_not_tokens(verifier, make_token):
    token = make_token("alice")
    verifier.verify(token)
    assert list(verifier.cache._entries) == [token_digest(token)]


def test_a_refusal_is_never_cached(verifier, make_token):
    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(make_token("alice", exp=int(time.time()) - 60))
    header, payload, _ = make_token("alice").split(".")
    with pytest.raises(InvalidToken, match="signature"):
        verifier.verify(f"{header}.{payload}.{make_token('bob').split('.')[2]}")
    assert len(verifier.cache) == 0


def test_a_cached_token_that_has_expired_since_is_refused(verifier, make_token, monkeypatch):
    # Cached while valid (put directly, as its first verification would have), expired now.
    token = make_token("alice", exp=int(time.time()) - LEEWAY - 1)
    claims = jwt.decode(token, options={"verify_signature": False})
    cache = verifier.cache
    cache.put(token_digest(token), (claims, "EdDSA", "ed-key-1"), exp=claims["exp"], generation=cache.generation)
    with pytest.raises(InvalidToken, match="The token has expired"):
        verifier.verify(token)
    assert len(cache) == 0


def test_exp_is_checked_on_every_hit_with_the_leeway():
    now = [1000.0]
    cache = VerifiedTokenCache(10, leeway_seconds=LEEWAY, clock=lambda: now[0])
    cache.put(b"digest", "claims", exp=1000, generation=cache.generation)
    now[0] = 1000 + LEEWAY - 0.5
    assert cache.get(b"digest") == "claims"  # past exp but within the leeway, as PyJWT allows
    now[0] = 1000 + LEEWAY
    assert cache.get(b"digest") is None
    assert len(cache) == 0


@pytest.mark.parametrize("exp", [None, "9999999999", True])
def test_a_token_without_a_numeric_exp_is_not_cached(exp):
    cache = VerifiedTokenCache(10)
    cache.put(b"digest", "claims", exp=exp, generation=cache.generation)
    assert len(cache) == 0


def test_the_size_bound_holds_and_the_least_recently_used_goes_first(jwks, make_token):
    verifier = cached_verifier([StaticKeySource(jwks)], size=3)
    tokens = [make_token(f"user-{i}") for i in range(5)]
    for token in tokens[:3]:
        verifier.verify(token)
    verifier.verify(tokens[0])  # used again: now the most recent
    for token in tokens[3:]:
        verifier.verify(token)
    assert len(verifier.cache) == 3
    assert set(verifier.cache._entries) == {token_digest(t) for t in (tokens[0], tokens[3], tokens[4])}


class RotatingJWKS:
    """A key server whose key set the test replaces; the source refetches once its clock says so."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.now = 0.0

    def source(self, cache: VerifiedTokenCache) -> RemoteKeySource:
        return RemoteKeySource(
            "https://auth.test/api/auth/jwks",
            cache_seconds=300,
            max_stale_seconds=900,
            cooldown_seconds=5,
            timeout_seconds=1,
            fetch=lambda url: KeySet(self.document),
            clock=lambda: self.now,
            on_change=cache.clear,
        )


def remote_verifier(server: RotatingJWKS) -> TokenVerifier:
    cache = VerifiedTokenCache(100, leeway_seconds=LEEWAY)
    config = VerifierConfig(ALGORITHMS, SECRET, BETTER_AUTH_URL, BETTER_AUTH_URL, LEEWAY)
    return TokenVerifier(config, key_sources=[server.source(cache)], cache=cache)


def test_a_removed_key_stops_working_at_the_next_refresh_though_its_tokens_are_cached(jwks, make_token):
    server = RotatingJWKS(jwks)
    verifier = remote_verifier(server)
    token = make_token("alice")
    verifier.verify(token)
    assert len(verifier.cache) == 1
    server.document = {"keys": [k for k in jwks["keys"] if k["kid"] != "ed-key-1"]}
    server.now = 301  # the key set is due for a refresh: a cache hit still asks for it
    with pytest.raises(InvalidToken, match="signing key is unknown"):
        verifier.verify(token)
    assert len(verifier.cache) == 0


def test_new_key_material_under_the_same_kid_empties_the_cache(jwks, make_token):
    server = RotatingJWKS(jwks)
    verifier = remote_verifier(server)
    token = make_token("alice")
    verifier.verify(token)
    impostor = SigningKey("EdDSA", ed25519.Ed25519PrivateKey.generate(), "ed-key-1")
    server.document = {"keys": [impostor.public_jwk if k["kid"] == "ed-key-1" else k for k in jwks["keys"]]}
    server.now = 301
    with pytest.raises(InvalidToken, match="signature is invalid"):
        verifier.verify(token)


def test_an_unchanged_key_set_keeps_the_cache(jwks, make_token, monkeypatch):
    server = RotatingJWKS(jwks)
    verifier = remote_verifier(server)
    token = make_token("alice")
    claims = verifier.verify(token)
    server.document = {"keys": list(reversed(jwks["keys"]))}
    server.now = 301
    no_signature_work(monkeypatch)
    assert verifier.verify(token) is claims


def test_a_result_verified_across_a_key_set_change_is_not_stored():
    cache = VerifiedTokenCache(10)
    generation = cache.generation
    cache.clear()  # the key set changed while the token was being verified
    cache.put(b"digest", "claims", exp=time.time() + 60, generation=generation)
    assert len(cache) == 0


def test_concurrent_use_keeps_the_bound_and_raises_nothing():
    cache = VerifiedTokenCache(8)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(2000):
                digest = f"{(offset + i) % 32}".encode()
                cache.put(digest, i, exp=time.time() + 60, generation=cache.generation)
                cache.get(digest)
                if i % 500 == 0:
                    cache.clear()
        except BaseException as e:  # reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) <= 8


def test_the_process_verifier_caches_and_empties_on_key_set_changes(settings):
    settings.AUTHN = {**settings.AUTHN, "JWKS_URL": "https://auth.test/api/auth/jwks", "TOKEN_CACHE_SIZE": 123}
    verifier = get_verifier()
    assert verifier.cache is not None and verifier.cache.max_size == 123
    remote = next(s for s in verifier._key_sources if isinstance(s, RemoteKeySource))
    assert remote._on_change == verifier.cache.clear


def test_a_cache_size_of_zero_turns_the_cache_off(settings, make_token):
    settings.AUTHN = {**settings.AUTHN, "TOKEN_CACHE_SIZE": 0}
    verifier = get_verifier()
    assert verifier.cache is None
    assert verifier.verify(make_token("alice"))["sub"] == "alice"
