"""Token verification in-process, against its floor: the bare signature check of the same token.

``python -m bench.micro [--seconds S] [--out FILE]``
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
from collections.abc import Callable

import jwt

from authn import StaticKeySource, TokenVerifier, VerifiedTokenCache, VerifierConfig

from .common import HS256_SECRET, ISSUER, KID, Identity, log, per_call, write_json

LEEWAY = 30


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def cases(identity: Identity) -> dict[str, Callable[[], object]]:
    """Each measured call, named; the floors are the bare cryptography calls."""
    ed_token, hs_token = identity.token(), identity.token(alg="HS256")
    public_key = identity.private_key.public_key()
    signing_input, signature = ed_token.rsplit(".", 1)
    ed_input, ed_signature = signing_input.encode(), _b64(signature)
    hs_input, hs_signature = hs_token.rsplit(".", 1)
    hs_input_bytes, hs_signature_bytes, secret = hs_input.encode(), _b64(hs_signature), HS256_SECRET.encode()

    config = VerifierConfig(frozenset({"EdDSA", "HS256"}), HS256_SECRET, ISSUER, ISSUER, LEEWAY)
    source = StaticKeySource(identity.jwks)
    uncached = TokenVerifier(config, key_sources=[source])
    cached = TokenVerifier(config, key_sources=[source], cache=VerifiedTokenCache(leeway_seconds=LEEWAY))
    cached.verify(ed_token), cached.verify(hs_token)
    pyjwk = source.find(KID, "EdDSA")
    if pyjwk is None:
        raise RuntimeError("the benchmark key is missing from its own JWKS")
    options = {"require": ["exp", "sub"]}

    def hmac_floor() -> bool:
        expected = hmac.new(secret, hs_input_bytes, hashlib.sha256).digest()
        return hmac.compare_digest(expected, hs_signature_bytes)

    return {
        "EdDSA floor: Ed25519PublicKey.verify": lambda: public_key.verify(ed_signature, ed_input),
        "EdDSA PyJWT signature step (OKPAlgorithm.verify)": lambda: pyjwk.Algorithm.verify(
            ed_input, pyjwk.key, ed_signature
        ),
        "EdDSA jwt.decode": lambda: jwt.decode(
            ed_token, pyjwk, algorithms=["EdDSA"], issuer=ISSUER, audience=ISSUER, leeway=LEEWAY, options=options
        ),
        "EdDSA TokenVerifier, first verification": lambda: uncached.verify(ed_token),
        "EdDSA TokenVerifier, token seen before": lambda: cached.verify(ed_token),
        "HS256 floor: hmac + compare_digest": hmac_floor,
        "HS256 TokenVerifier, first verification": lambda: uncached.verify(hs_token),
        "HS256 TokenVerifier, token seen before": lambda: cached.verify(hs_token),
    }


def run(seconds: float) -> dict[str, object]:
    measured = cases(Identity.generate())
    rounds: dict[str, list[float]] = {name: [] for name in measured}
    # Interleaved rounds, so a noisy moment on the machine weighs on every case alike.
    for _ in range(5):
        for name, call in measured.items():
            rounds[name].append(per_call(call, seconds=seconds / 5 / len(measured), repeat=3))
    us = {name: min(values) * 1e6 for name, values in rounds.items()}
    ed_floor, hs_floor = us["EdDSA floor: Ed25519PublicKey.verify"], us["HS256 floor: hmac + compare_digest"]
    result = {
        "per_call_us": us,
        "first_vs_floor": us["EdDSA TokenVerifier, first verification"] / ed_floor,
        "seen_before_vs_floor": us["EdDSA TokenVerifier, token seen before"] / ed_floor,
        "hs256_first_vs_floor": us["HS256 TokenVerifier, first verification"] / hs_floor,
        "hs256_seen_before_vs_ed_floor": us["HS256 TokenVerifier, token seen before"] / ed_floor,
    }
    for name, value in us.items():
        log(f"  {name:<52} {value:9.2f} µs")
    log(f"  first verification / floor = {result['first_vs_floor']:.2f}x (target ≤ 1.5x)")
    log(f"  token seen before / floor  = {result['seen_before_vs_floor']:.3f}x (target ≤ 0.10x)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="total measuring time")
    parser.add_argument("--out")
    args = parser.parse_args()
    write_json(args.out, run(args.seconds))


if __name__ == "__main__":
    main()
