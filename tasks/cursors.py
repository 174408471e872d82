"""Keyset cursors: the opaque ``?after=`` value naming a task's place in a list's ordering.

A cursor is base64url of the JSON ``[ordering, sort value, id]``. The client
holds it, so a decoded cursor is untrusted input like any other: each value is
checked here, once, to be one SQLite and PostgreSQL can both compare with its
column, and anything else is a 400 before any query runs (contract: bad input
is a 400, never a 500).
"""

import base64
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from .models import Task
from .serializers import ORDERINGS, AwareDateTimeField, StrictBooleanField, StrictCharField, StrictIntegerField

_BAD_CURSOR = "Not a cursor from this list's Link header; start again with after= empty."

# What a cursor's sort value must be for each ordering field: an instant UTC can
# hold, text the column can hold (no NUL, which PostgreSQL refuses; no lone
# surrogate, which neither driver can encode), or a JSON boolean.
_SORT_VALUES: Mapping[str, serializers.Field] = {
    "created_at": AwareDateTimeField(),
    "updated_at": AwareDateTimeField(),
    "title": StrictCharField(max_length=Task._meta.get_field("title").max_length, trim_whitespace=False),
    "completed": StrictBooleanField(),
}
# Task ids are a BigAutoField: a signed 64-bit integer in both databases.
_ID = StrictIntegerField(min_value=0, max_value=2**63 - 1)


def encode_cursor(ordering: str, row: Mapping[str, Any]) -> str:
    """An opaque cursor naming ``row``'s place in ``ordering``: its sort value and its id."""
    value = row[ordering.lstrip("-")]
    if isinstance(value, datetime):
        value = value.isoformat()
    text = json.dumps([ordering, value, row["id"]], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str, ordering: str) -> tuple[Any, int]:
    """The sort value and id a cursor names, checked against the list's ordering; 400 when it is not ours.

    ``cursor`` is at most 512 characters (PageQuerySerializer), so its JSON cannot nest deep enough to recurse far.
    """
    try:
        items = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError as e:  # bad base64, UTF-8 or JSON
        raise ValidationError({"after": [_BAD_CURSOR]}) from e
    if not (isinstance(items, list) and len(items) == 3 and isinstance(items[0], str) and items[0] in ORDERINGS):
        raise ValidationError({"after": [_BAD_CURSOR]})
    cursor_ordering, value, task_id = items
    if cursor_ordering != ordering:
        raise ValidationError({"after": [f"This cursor pages ordering={cursor_ordering}; keep that ordering."]})
    try:
        return _SORT_VALUES[ordering.lstrip("-")].run_validation(value), _ID.run_validation(task_id)
    except ValidationError as e:
        raise ValidationError({"after": [_BAD_CURSOR]}) from e
