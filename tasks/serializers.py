"""What a client may send and receive; ``user_id``, ``id`` and timestamps are never writable."""

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from types import MappingProxyType
from typing import Any

from django.utils import timezone
from rest_framework import ISO_8601, serializers

from .models import Task

ORDERING_FIELDS = ("created_at", "updated_at", "title", "completed")
ORDERINGS = tuple(prefix + name for name in ORDERING_FIELDS for prefix in ("", "-"))
TASK_FIELDS = ("id", "user_id", "title", "description", "completed", "created_at", "updated_at")


def timestamp(value: datetime) -> str:
    """What DRF's DateTimeField writes for the UTC the API runs in: ISO 8601 ending in "Z"."""
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def task_representation(row: Mapping[str, Any]) -> dict[str, Any]:
    """The contract's task from a row of TASK_FIELDS, with none of DRF's per-field, per-row machinery."""
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "title": row["title"],
        "description": row["description"],
        "completed": row["completed"],
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers instead of quietly turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A BooleanField that takes JSON's true and false only, not "yes" or 1."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    """An IntegerField that takes JSON integers only, not "7", 7.0 or true (which Python counts as 1)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 instant with its UTC offset, given back in UTC; one that leaves the calendar in UTC is refused."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=[ISO_8601], default_timezone=UTC, **kwargs)

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):  # a time without its offset names no instant
            self.fail("invalid", format="ISO 8601 with a UTC offset")
        return super().enforce_timezone(value)  # DRF's "overflow" for e.g. 9999-12-31T23:59:59-23:59


class TaskSerializer(serializers.ModelSerializer):
    """A task as the contract shows it."""

    title = StrictCharField(max_length=200)
    description = StrictCharField(max_length=1000, required=False, allow_blank=True)

    class Meta:
        model = Task
        fields = TASK_FIELDS
        read_only_fields = ("id", "user_id", "created_at", "updated_at")

    def to_representation(self, instance: Task) -> dict[str, Any]:
        # Output is fixed by the contract; building DRF's fields for it would cost more than the query.
        return task_representation({name: getattr(instance, name) for name in TASK_FIELDS})


class TaskRowSerializer(serializers.BaseSerializer):
    """A task read with ``.values(*TASK_FIELDS)``: lists skip model instances as well as DRF's fields."""

    def to_representation(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        return task_representation(instance)


class TaskCompleteSerializer(serializers.Serializer):
    """``{"completed": bool}`` sets completion; leaving it out toggles it."""

    completed = serializers.BooleanField(required=False)


class TaskListQuerySerializer(serializers.Serializer):
    """The list's filters; a bad value is a 400, never a silent default."""

    status = serializers.ChoiceField(choices=("all", "pending", "completed"), default="all")
    search = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    ordering = serializers.ChoiceField(choices=ORDERINGS, default="-created_at")


class PageQuerySerializer(serializers.Serializer):
    """``?limit=&offset=`` paging bounds, or ``?limit=&after=`` for keyset paging."""

    limit = serializers.IntegerField(min_value=1, max_value=200, default=50)
    offset = serializers.IntegerField(min_value=0, max_value=2**62, default=0)
    # Keyset paging: a cursor from a Link header, or empty for the first page.
    after = serializers.CharField(required=False, allow_blank=True, max_length=512)


@cache
def _defaults(serializer_class: type[serializers.Serializer]) -> Mapping[str, Any]:
    serializer = serializer_class(data={})
    serializer.is_valid(raise_exception=True)
    return MappingProxyType(dict(serializer.validated_data))  # shared by every request: read-only


def validated(serializer_class: type[serializers.Serializer], query: Mapping[str, Any]) -> Mapping[str, Any]:
    """The validated query parameters; with none given, the defaults, validated once per process.

    A serializer deep-copies its fields on every use, which costs a list request
    more than its rows query does; most requests give no parameters at all.
    """
    if not query:
        return _defaults(serializer_class)
    serializer = serializer_class(data=query)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
