"""``manage.py mint_token --sub alice``: a development HS256 token signed with ``AUTHN["SECRET"]``."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from authn.testing import mint_token

_TTL = re.compile(r"^(\d+)([smhd]?)$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ttl(text: str) -> int:
    """``900``, ``90s``, ``15m``, ``2h`` or ``1d`` as seconds."""
    match = _TTL.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise CommandError(f"--ttl {text!r} is not a duration like 900, 90s, 15m, 2h or 1d.")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


class Command(BaseCommand):
    help = "Print a development token shaped like Better Auth's, signed with AUTHN['SECRET'] (DEBUG only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sub", required=True, help="the user id (the token's sub)")
        parser.add_argument("--email", help="default: <sub>@example.com")
        parser.add_argument("--name", help="default: the sub")
        parser.add_argument("--ttl", default="15m", help="lifetime, e.g. 900, 15m, 2h (default 15m)")

    def handle(self, *args: Any, sub: str, email: str | None, name: str | None, ttl: str, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("mint_token only runs with DEBUG on: production tokens come from Better Auth.")
        try:
            token = mint_token(sub, ttl=parse_ttl(ttl), email=email, name=name)
        except ImproperlyConfigured as e:
            raise CommandError(str(e)) from None
        self.stdout.write(token)
