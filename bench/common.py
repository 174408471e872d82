"""What every benchmark shares: a real signing key and its JWKS, the server's environment, tokens, timing.

Benchmarks run the project as production would (DEBUG off, real EdDSA tokens
checked against an inline JWKS) but against their own databases, never the
development ``db.sqlite3`` or the test databases.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from jwt.algorithms import OKPAlgorithm

from authn import better_auth_claims

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"  # gitignored: databases, smoke output, raw JSON
ISSUER = "http://bench.test"
USER = "bench-user"
KID = "bench-key-1"
HS256_SECRET = "bench-only-hs256-secret-at-least-32-characters"  # noqa: S105 (a benchmark fixture)


@dataclass(frozen=True)
class Identity:
    """The Ed25519 key a benchmark signs with, as PEM so subprocesses can share it."""

    private_pem: bytes

    @classmethod
    def generate(cls) -> Identity:
        key = ed25519.Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return cls(pem)

    @classmethod
    def from_env(cls) -> Identity:
        return cls(os.environ["BENCH_PRIVATE_KEY"].encode())

    @property
    def private_key(self) -> ed25519.Ed25519PrivateKey:
        return serialization.load_pem_private_key(self.private_pem, password=None)  # type: ignore[return-value]

    @property
    def jwks(self) -> dict[str, Any]:
        public = OKPAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {"keys": [{**public, "alg": "EdDSA", "kid": KID}]}

    def token(self, sub: str = USER, *, ttl: int = 3600, alg: str = "EdDSA") -> str:
        """A token shaped like Better Auth's ``jwt()`` plugin issues (docs/api.md, "Authentication")."""
        claims = better_auth_claims(sub, issuer=ISSUER, audience=ISSUER, ttl=ttl)
        # Better Auth also sends these two; a realistic payload costs its real parsing time.
        claims["createdAt"] = claims["updatedAt"] = "2025-01-01T00:00:00.000Z"
        if alg == "HS256":
            return jwt.encode(claims, HS256_SECRET, algorithm="HS256")
        return jwt.encode(claims, self.private_key, algorithm="EdDSA", headers={"kid": KID})


def server_env(identity: Identity, *, database_url: str, settings_module: str) -> dict[str, str]:
    """The environment of a production-like API process, independent of any local .env."""
    return {
        **os.environ,
        "ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": database_url,
        # No BETTER_AUTH_URL: the inline JWKS is the only key source, so nothing is fetched.
        "BETTER_AUTH_JWKS": json.dumps(identity.jwks),
        "BETTER_AUTH_SECRET": HS256_SECRET,
        "JWT_ISSUER": ISSUER,
        "JWT_AUDIENCE": ISSUER,
        "JWT_ALGORITHMS": "EdDSA,HS256",
        "LOG_LEVEL": "WARNING",
        # Limits far above what a benchmark sends: the counters are still kept, nobody is refused.
        "RATE_LIMIT_READS": "1000000000/s",
        "RATE_LIMIT_WRITES": "1000000000/s",
        "RATE_LIMIT_ANONYMOUS": "1000000000/s",
        "BENCH_PRIVATE_KEY": identity.private_pem.decode(),
    }


def sqlite_url(name: str) -> str:
    RESULTS_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{RESULTS_DIR / name}"


def per_call(fn: Callable[[], object], *, seconds: float, repeat: int = 5) -> float:
    """Best seconds per call over ``repeat`` rounds of about ``seconds`` each: noise only ever adds time."""
    fn()
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < seconds / repeat / 4:
        fn()
        calls += 1
    number = max(1, calls * 4)
    rounds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - t0) / number)
    return min(rounds)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def markdown_table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_json(path: str | None, data: dict[str, Any]) -> None:
    if path:
        Path(path).write_text(json.dumps(data, indent=2))
    else:
        print(json.dumps(data, indent=2))
