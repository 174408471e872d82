"""Writes .env.compose from .env.compose.example with fresh random secrets (``make compose-env``).

An existing .env.compose is kept: its secrets guard data already in the volumes.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SECRETS = (
    "SECRET_KEY",
    "BETTER_AUTH_SECRET",
    "REVOCATION_FEED_SECRET",
    "POSTGRES_PASSWORD",
    "TASKS_API_DB_PASSWORD",
    "AUTH_APP_DB_PASSWORD",
)


def main(target: Path = ROOT / ".env.compose") -> int:
    if target.exists():
        print(f"{target.name} exists; keeping it.")
        return 0
    values = {name: secrets.token_urlsafe(48) for name in SECRETS}
    lines = []
    for line in (ROOT / ".env.compose.example").read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not value and not line.startswith("#"):
            value = values.get(name, "")
            line = f"{name}={value}"
        lines.append(line)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"Wrote {target.name} with fresh random secrets.")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(Path(a) for a in sys.argv[1:2])))
