"""What a client may send and receive; ``user_id``, ``id`` and timestamps are never writable."""

from typing import Any

from rest_framework import serializers

from .models import Task

ORDERING_FIELDS = ("created_at", "updated_at", "title", "completed")


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers instead of quietly turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TaskSerializer(serializers.ModelSerializer):
    """A task as the contract shows it."""

    title = StrictCharField(max_length=200)
    description = StrictCharField(max_length=1000, required=False, allow_blank=True)

    class Meta:
        model = Task
        fields = ("id", "user_id", "title", "description", "completed", "created_at", "updated_at")
        read_only_fields = ("id", "user_id", "created_at", "updated_at")


class TaskCompleteSerializer(serializers.Serializer):
    """``{"completed": bool}`` sets completion; leaving it out toggles it."""

    completed = serializers.BooleanField(required=False)


class TaskListQuerySerializer(serializers.Serializer):
    """The list's filters; a bad value is a 400, never a silent default."""

    status = serializers.ChoiceField(choices=("all", "pending", "completed"), default="all")
    search = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    ordering = serializers.ChoiceField(
        choices=[prefix + name for name in ORDERING_FIELDS for prefix in ("", "-")], default="-created_at"
    )


class PageQuerySerializer(serializers.Serializer):
    """``?limit=&offset=`` paging bounds."""

    limit = serializers.IntegerField(min_value=1, max_value=200, default=50)
    offset = serializers.IntegerField(min_value=0, max_value=2**62, default=0)
