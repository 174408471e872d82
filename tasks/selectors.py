"""Read queries for tasks, always scoped to one user."""

from django.db.models import Q, QuerySet

from .models import Task


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
