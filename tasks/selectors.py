"""Read queries for tasks, always scoped to one user."""

from typing import Any

from django.db.models import Q, QuerySet

from .models import Task, TaskCount


def tasks_of(*, user_id: str) -> QuerySet[Task]:
    """Every task of ``user_id``: another user's task is simply not there (404)."""
    return Task.objects.filter(user_id=user_id)


def task_list(*, user_id: str, status: str = "all", search: str = "", ordering: str = "-created_at") -> QuerySet[Task]:
    """The user's tasks filtered by status and text, in a stable order for paging."""
    tasks = tasks_of(user_id=user_id)
    if status != "all":
        tasks = tasks.filter(completed=status == "completed")
    if search:
        tasks = tasks.filter(Q(title__icontains=search) | Q(description__icontains=search))
    # id breaks ties, so a page boundary never repeats or skips a task.
    tie_breaker = "-id" if ordering.startswith("-") else "id"
    return tasks.order_by(ordering, tie_breaker)


def task_count(*, user_id: str, status: str = "all", search: str = "") -> int:
    """How many tasks the list's filters match: one counter row, unless a search needs a COUNT(*)."""
    if search:
        return task_list(user_id=user_id, status=status, search=search).count()
    counts = TaskCount.objects.filter(user_id=user_id).values_list("total", "completed")
    total, completed = next(iter(counts), (0, 0))
    return {"all": total, "completed": completed, "pending": total - completed}[status]


def tasks_after(tasks: QuerySet, *, ordering: str, value: Any, task_id: int) -> QuerySet:
    """The tasks that come after (``value``, ``task_id``) in ``ordering``: a keyset page, with no offset to skip."""
    field, descending = ordering.lstrip("-"), ordering.startswith("-")
    after, bound = ("lt", "lte") if descending else ("gt", "gte")
    # The bound repeats what the OR implies, so the database can start its index scan at the cursor.
    return tasks.filter(**{f"{field}__{bound}": value}).filter(
        Q(**{f"{field}__{after}": value}) | Q(**{field: value, f"id__{after}": task_id})
    )
