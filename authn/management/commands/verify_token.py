"""``manage.py verify_token TOKEN``: the verified claims, or exactly why the API refuses the token."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from authn.errors import InvalidToken, KeySourceUnavailable, RevocationsUnavailable
from authn.runtime import get_verifier

# What to set when the token's iss or aud is not the configured one.
_MISMATCH_HINTS = {
    "iss": 'Set AUTHN["ISSUER"] (or BETTER_AUTH_URL) to exactly the URL Better Auth signs with: its baseURL.',
    "aud": 'Set AUTHN["AUDIENCE"] (or BETTER_AUTH_URL) to exactly the audience Better Auth signs with: its baseURL.',
}


class Command(BaseCommand):
    help = "Verify a token with the API's own configuration; '-' reads it from standard input."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("token", help="the JWT, or - to read it from standard input (keeps it out of history)")

    def handle(self, *args: Any, token: str, **options: Any) -> None:
        if token == "-":  # noqa: S105 (the stdin marker, not a secret)
            token = sys.stdin.read().strip()
        try:
            claims = get_verifier().verify(token)
        except InvalidToken as e:
            message = f"Refused: {e.description} ({e.reason}); kid={e.kid!r}"
            if e.mismatch is not None:
                message += f"\n  {e.mismatch.describe()}\n  {_MISMATCH_HINTS[e.mismatch.claim]}"
            raise CommandError(message) from e
        except KeySourceUnavailable as e:
            raise CommandError(f"Cannot check: the key set is unreachable ({e.reason})") from e
        except RevocationsUnavailable as e:
            raise CommandError(f"Cannot check: the revocation feed has not been read lately ({e.reason})") from e
        self.stdout.write(json.dumps(claims, indent=2, sort_keys=True))
