"""Read queries for tasks, always scoped to one user."""

from functools import cache
from typing import Any

from django.db import connections
from django.db.models import Q, QuerySet

from .models import Task, TaskCount


def tasks_of(*, user_id: str) -> QuerySet[Task]:
    """Every task of ``user_id``: another user's task is simply not there (404)."""
    return Task.objects.filter(user_id=user_id)


def task_of(*, user_id: str, task_id: int) -> Task | None:
    """Task ``task_id`` if ``user_id`` owns it, else None: the row every single-task request reads.

    Django compiles a QuerySet's SQL anew on every evaluation, which costs more
    than SQLite takes to answer this lookup; the SQL is compiled by the ORM once
    per database backend, and ``raw()`` still applies the backend's converters.
    """
    database = Task.objects.db
    sql, parameter_names = _task_of_sql(database, connections[database].vendor)
    values = {"user_id": user_id, "task_id": task_id}
    rows = Task.objects.raw(sql, [values[name] for name in parameter_names]).using(database)
    return next(iter(rows), None)


_USER_MARK, _TASK_MARK = "\x00user_id", -1  # values no real lookup uses, to find each parameter's place


@cache
def _task_of_sql(database: str, vendor: str) -> tuple[str, tuple[str, ...]]:
    """The ORM's own SQL for one user's task by id on ``database``, and which value each placeholder takes."""
    query = tasks_of(user_id=_USER_MARK).filter(pk=_TASK_MARK).order_by().query
    sql, parameters = query.get_compiler(using=database).as_sql()
    names = {_USER_MARK: "user_id", _TASK_MARK: "task_id"}
    return sql, tuple(names[parameter] for parameter in parameters)


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
