"""Better Auth's deleted users: their tasks go with them, and no task of theirs is created afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils import timezone

from authn import get_revocation_feed

from .errors import UserDeleted
from .models import DeletedUser, Task, TaskCount


def deletions_can_arrive() -> bool:
    """Whether Better Auth can report deleted users: only through the revocation feed, when it is configured."""
    return get_revocation_feed() is not None


@contextmanager
def unless_deleted(user_id: str) -> Iterator[None]:
    """Around a create for ``user_id``: ``UserDeleted`` if Better Auth has deleted the user.

    Held under the user's shared lock, which ``delete_user_tasks`` takes exclusively:
    a deletion waits for a create under way, then deletes what it committed.
    Without the revocation feed no deletion can arrive, and a create costs no more than its insert.
    """
    if not deletions_can_arrive():
        yield
        return
    with transaction.atomic():
        _lock_user(user_id, shared=True)
        if DeletedUser.objects.filter(user_id=user_id).exists():
            raise UserDeleted(user_id)
        yield


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
