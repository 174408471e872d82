"""The audit trail: one log line per authentication event, with the same fields in every format.

Each event goes to the ``authn.audit`` logger with its fields as record
attributes (``extra``), for JSON formatters, and as ``key="value"`` pairs in
the message, for plain ones. Every value is a JSON string literal, cut to a
bounded length, with every character that could end a line escaped: a value
cannot close its quotes, add a field or start a line of its own, so
``grep -F 'user_id="alice"'`` finds alice's events and no one else's.
Tokens, passwords and secrets are never among the fields.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

logger = logging.getLogger("authn.audit")

TOKEN_REFUSED = "token-refused"  # noqa: S105 (an event name, not a secret)
REVOCATION_APPLIED = "revocation-applied"
RATE_LIMITED = "rate-limited"
# The fields every event has, in this order; None where not known.
FIELDS = ("event", "user_id", "session_id", "client", "reason")
# Ids are at most 255 characters (the feed's and the subject's bound); a detail is a sentence.
MAX_ID_LENGTH = 255
MAX_DETAIL_LENGTH = 200
# What json.dumps leaves as it is although some readers end a line there: DEL, C1, U+2028, U+2029.
_LINE_BREAKERS = re.compile("[\x7f-\x9f\u2028\u2029]")


def bounded(value: Any, length: int = MAX_ID_LENGTH) -> str | None:
    """``value`` as text of at most ``length`` characters (then "…"); None stays None."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= length else text[:length] + "…"


def quoted(value: str | None) -> str:
    """A JSON string literal that holds no line break of any kind; ``-`` for None."""
    if value is None:
        return "-"
    literal = json.dumps(value, ensure_ascii=False)
    return _LINE_BREAKERS.sub(lambda m: f"\\u{ord(m.group()):04x}", literal)


def log_event(
    event: str,
    *,
    user_id: Any = None,
    session_id: Any = None,
    client: Any = None,
    reason: Any = None,
    level: int = logging.INFO,
    **details: Any,
) -> None:
    """Write one audit line: ``event`` and the fields, each bounded; ``details`` follow the fixed fields."""
    if not logger.isEnabledFor(level):
        return
    fields: dict[str, str | None] = {
        "event": event,
        "user_id": bounded(user_id),
        "session_id": bounded(session_id),
        "client": bounded(client),
        "reason": bounded(reason, MAX_DETAIL_LENGTH),
    }
    fields.update({name: bounded(value, MAX_DETAIL_LENGTH) for name, value in details.items()})
    message = " ".join([event, *(f"{name}={quoted(value)}" for name, value in fields.items() if name != "event")])
    # The message is built here, not from a format string, so no %-sign in a value is ever interpreted.
    logger.log(level, "%s", message, extra={"audit": tuple(fields), **fields})
