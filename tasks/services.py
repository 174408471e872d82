"""The task writes: each keyword-only, owning its transaction, its row lock and its ``If-Match`` check.

Without ``If-Match`` a write is one statement and needs neither: the last write
wins (docs/api.md, "ETags"). With it, the task is read again locked, so two
writers holding the same ETag cannot both pass the check.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone

from .errors import TaskChanged, TaskNotFound
from .etags import if_match_allows
from .models import Task
from .users import unless_deleted

EDITABLE_FIELDS = ("title", "description", "completed")


def task_create(*, user_id: str, **fields: Any) -> Task:
    """A new task for ``user_id``, the token's user; ``UserDeleted`` when Better Auth has deleted them."""
    with unless_deleted(user_id):
        return Task.objects.create(user_id=user_id, **fields)


@contextmanager
def _current(task: Task, if_match: str | None) -> Iterator[Task]:
    """``task`` as a write must see it: as read, or, under ``If-Match``, locked and still that version."""
    if if_match is None:
        yield task
        return
    with transaction.atomic():
        locked = Task.objects.select_for_update().filter(pk=task.pk, user_id=task.user_id).first()
        if locked is None:
            raise TaskNotFound(task.pk)
        if not if_match_allows(locked, if_match):
            raise TaskChanged(task.pk)
        yield locked


def task_update(*, task: Task, if_match: str | None = None, **fields: Any) -> Task:
    """Set ``fields`` on ``task`` (read for its owner by ``selectors.task_of``) and save it."""
    with _current(task, if_match) as task:
        for name, value in fields.items():
            setattr(task, name, value)
        _save_existing(task, fields=EDITABLE_FIELDS)
    return task


def task_set_completed(*, task: Task, if_match: str | None = None, completed: bool | None = None) -> Task:
    """Mark ``task`` done or not; ``None`` toggles it (docs/api.md, "PATCH /api/{user_id}/tasks/{id}/complete")."""
    with _current(task, if_match) as task:
        task.completed = (not task.completed) if completed is None else completed
        _save_existing(task, fields=("completed",))
    return task


def task_delete(*, task: Task, if_match: str | None = None) -> None:
    """Delete ``task``."""
    with _current(task, if_match) as task:
        task.delete()


def _save_existing(task: Task, *, fields: tuple[str, ...]) -> None:
    """Save an edit of a task read earlier: one UPDATE, and ``TaskNotFound`` when the row is gone meanwhile.

    ``Model.save()`` would INSERT a row it no longer finds, bringing back a task
    deleted in between (by its owner, or with its owner's account).
    """
    task.updated_at = timezone.now()  # what auto_now does on save()
    values = {name: getattr(task, name) for name in (*fields, "updated_at")}
    if not Task.objects.filter(pk=task.pk).update(**values):
        raise TaskNotFound(task.pk)
