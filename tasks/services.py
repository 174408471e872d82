"""Business rules for tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from rest_framework.serializers import BaseSerializer

from .models import DeletedUser, Task, TaskCount

EDITABLE_FIELDS = ("title", "description", "completed")


class UserDeleted(Exception):
    """Better Auth has deleted the user: their token is void, and nothing more is created for them."""


def task_set_completed(*, task: Task, completed: bool | None) -> Task:
    """Mark ``task`` done or not; ``None`` toggles it (docs/api.md, "PATCH /api/{user_id}/tasks/{id}/complete")."""
    task.completed = (not task.completed) if completed is None else completed
    task_save_existing(task, fields=("completed",))
    return task


def task_save_existing(task: Task, *, fields: tuple[str, ...] = EDITABLE_FIELDS) -> None:
    """Save an edit of a task read earlier: one UPDATE, and 404 when the row is gone meanwhile.

    ``Model.save()`` would INSERT a row it no longer finds, bringing back a task
    deleted in between (by its owner, or with its owner's account).
    """
    task.updated_at = timezone.now()  # what auto_now does on save()
    values = {name: getattr(task, name) for name in (*fields, "updated_at")}
    if not Task.objects.filter(pk=task.pk).update(**values):
        raise Http404("No Task matches the given query.")


def task_create(*, serializer: BaseSerializer, user_id: str, guard_deleted_users: bool) -> Any:
    """Save a new task for ``user_id``; refused when Better Auth has deleted the user meanwhile.

    ``guard_deleted_users`` is on when deletions can arrive (the revocation feed
    is configured); off, creating a task costs no more than the insert.
    """
    if not guard_deleted_users:
        return serializer.save(user_id=user_id)
    with transaction.atomic():
        _lock_user(user_id, shared=True)
        if DeletedUser.objects.filter(user_id=user_id).exists():
            raise UserDeleted(user_id)
        return serializer.save(user_id=user_id)


def delete_user_tasks(*, user_id: str, expires_at: float) -> int:
    """Delete every task (and the counts) of a user Better Auth deleted; idempotent. Returns how many.

    The tombstone is written first, under the user's exclusive lock: a create that
    started before waits for it and then sees the tombstone; one that got the lock
    first has committed its task before this deletes it.
    """
    until = datetime.fromtimestamp(expires_at, tz=UTC)
    with transaction.atomic():
        _lock_user(user_id, shared=False)
        DeletedUser.objects.update_or_create(user_id=user_id, defaults={"expires_at": until})
        deleted, _ = Task.objects.filter(user_id=user_id).delete()
        TaskCount.objects.filter(user_id=user_id).delete()
        DeletedUser.objects.filter(expires_at__lte=timezone.now()).delete()  # tombstones no token can need
    return deleted


def _lock_user(user_id: str, *, shared: bool) -> None:
    """PostgreSQL: a transaction-scoped advisory lock per user. SQLite's IMMEDIATE transactions already serialise."""
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(hashtextextended(%s, 0))", [f"tasks-user:{user_id}"])
