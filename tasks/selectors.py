"""Read queries for tasks, always scoped to one user: the single task, and the list as a QuerySet.

The single-task lookup runs as SQL compiled once (``precompiled``) unless
``TASKS_PRECOMPILED_SQL`` is off; then, as every other read, through the public
QuerySet API. Both give the same row in the same query. A list's pages and
totals are read by ``listing.py``, ``pages.py`` and ``totals.py``.
"""

from typing import Any

from django.db.models import Q, QuerySet

from . import precompiled
from .models import Task


def tasks_of(*, user_id: str) -> QuerySet[Task]:
    """Every task of ``user_id``: another user's task is simply not there (404)."""
    return Task.objects.filter(user_id=user_id)


def task_of(*, user_id: str, task_id: int) -> Task | None:
    """Task ``task_id`` if ``user_id`` owns it, else None: the row every single-task request reads."""
    if precompiled.enabled():
        return _ONE_TASK.first(user_id=user_id, task_id=task_id)
    return _one_task(user_id=user_id, task_id=task_id).first()


def _one_task(*, user_id: str, task_id: int) -> QuerySet[Task]:
    return tasks_of(user_id=user_id).filter(pk=task_id).order_by()


def task_of_query(database: str) -> precompiled.CompiledQuery:
    """The SQL ``task_of`` runs on ``database`` when precompiled."""
    return _ONE_TASK.compiled(database)


USER_MARK, _TASK_MARK = "\x00user_id", -1  # values no real lookup uses, to find each parameter's place
_ONE_TASK = precompiled.Precompiled(Task, _one_task, {"user_id": USER_MARK, "task_id": _TASK_MARK})


def task_list(*, user_id: str, status: str = "all", search: str = "", ordering: str = "-created_at") -> QuerySet[Task]:
    """The user's tasks filtered by status and text, in a stable order for paging."""
    tasks = tasks_of(user_id=user_id)
    if status != "all":
        tasks = tasks.filter(completed=status == "completed")
    if search:
        tasks = tasks.filter(matching(search))
    # id breaks ties, so a page boundary never repeats or skips a task.
    tie_breaker = "-id" if ordering.startswith("-") else "id"
    return tasks.order_by(ordering, tie_breaker)


def matching(search: str) -> Q:
    """Tasks whose title or description holds ``search``, case aside; trigram indexes serve it on PostgreSQL."""
    return Q(title__icontains=search) | Q(description__icontains=search)


def tasks_after(tasks: QuerySet, *, ordering: str, value: Any, task_id: int) -> QuerySet:
    """The tasks that come after (``value``, ``task_id``) in ``ordering``: a keyset page, with no offset to skip."""
    field, descending = ordering.lstrip("-"), ordering.startswith("-")
    after, bound = ("lt", "lte") if descending else ("gt", "gte")
    # The bound repeats what the OR implies, so the database can start its index scan at the cursor.
    return tasks.filter(**{f"{field}__{bound}": value}).filter(
        Q(**{f"{field}__{after}": value}) | Q(**{field: value, f"id__{after}": task_id})
    )
