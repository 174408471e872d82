from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Length, Upper
from django.db.models.lookups import LessThanOrEqual


class Task(models.Model):
    """A to-do item owned by one Better Auth user."""

    # The Better Auth user id (the token's ``sub``). No foreign key: users live
    # in Better Auth, not in this database. Indexed by the composite index below.
    user_id = models.CharField(max_length=255)
    title = models.CharField(max_length=200)
    description = models.CharField(max_length=1000, blank=True, default="")
    completed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Serves "this user's tasks, newest first", the list endpoint's default,
            # and every lookup by user_id (its leftmost column).
            models.Index(fields=["user_id", "-created_at", "-id"], name="task_user_newest_idx"),
            # ?search= on PostgreSQL: trigram indexes on the UPPER(...) that icontains compares, made
            # there only (migration 0004); SQLite scans the user's rows, as it has no such index.
            GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="task_title_search_idx"),
            GinIndex(OpClass(Upper("description"), name="gin_trgm_ops"), name="task_description_search_idx"),
        ]
        # The rules the database can hold itself; SQLite ignores varchar lengths.
        constraints = [
            models.CheckConstraint(condition=~models.Q(title=""), name="task_title_not_empty"),
            models.CheckConstraint(condition=LessThanOrEqual(Length("title"), 200), name="task_title_max_200"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("description"), 1000), name="task_description_max_1000"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TaskCount(models.Model):
    """How many tasks a user has, and how many of them are completed.

    Kept by database triggers (migration 0002), so every write path, the admin's
    included, keeps it exact at no extra query, and a list's ``X-Total-Count``
    is one indexed row instead of a COUNT(*) that grows with the user's tasks.
    """

    user_id = models.CharField(max_length=255, primary_key=True)
    total = models.BigIntegerField(default=0)
    completed = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.completed}/{self.total}"


class DeletedUser(models.Model):
    """A user Better Auth deleted: no task is created for them while a token of theirs can still live.

    Written, under the user's lock, in the same transaction that deletes their
    tasks (``services.delete_user_tasks``); task creation checks it under the
    same lock, so no task can slip in after the deletion. Kept until
    ``expires_at``, when the user's last token has expired.
    """

    user_id = models.CharField(max_length=255, primary_key=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.user_id} (deleted)"
