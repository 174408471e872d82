"""Read queries for tasks, always scoped to one user."""

import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Q, QuerySet, Subquery
from django.db.models.expressions import Expression
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler

from .models import Task, TaskCount


def tasks_of(*, user_id: str) -> QuerySet[Task]:
    """Every task of ``user_id``: another user's task is simply not there (404)."""
    return Task.objects.filter(user_id=user_id)


def task_of(*, user_id: str, task_id: int) -> Task | None:
    """Task ``task_id`` if ``user_id`` owns it, else None: the row every single-task request reads.

    Django compiles a QuerySet's SQL anew on every evaluation, which costs more
    than SQLite takes to answer this lookup: the SQL is compiled by the ORM once
    per database backend instead (``compiled``, ``fetch``).
    """
    database = Task.objects.db
    lookup = _task_of_sql(database, connections[database].vendor)
    rows = fetch(lookup, database, user_id=user_id, task_id=task_id)
    return Task.from_db(database, lookup.column_names, rows[0]) if rows else None


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per query shape, cached for the process
class CompiledQuery:
    """SQL the ORM compiled once, which value each placeholder takes, and the columns it selects."""

    sql: str
    parameter_names: tuple[str, ...]
    query: Query
    # What it selects, columns and annotations; connection-free: a compiler of the request's connection converts them.
    columns: tuple[Expression, ...]
    column_names: tuple[str, ...]

    def parameters(self, **values: Any) -> list[Any]:
        return [values[name] for name in self.parameter_names]

    def converters(self, connection: BaseDatabaseWrapper) -> tuple[SQLCompiler, dict[int, Any]]:
        """A compiler on ``connection`` and its converters for the columns, found once per thread.

        Finding them costs about half as much as the lookup query itself. They
        hold the thread's connection, so they are kept in the thread's own
        storage and go with it: a server that starts a thread per request keeps
        no connection of a finished one.
        """
        found = _thread_converters.found.get(self)
        if found is None or found[0] is not connection:
            compiler = self.query.get_compiler(connection=connection)
            found = _thread_converters.found[self] = (connection, compiler, compiler.get_converters(self.columns))
        return found[1], found[2]


class _ThreadConverters(threading.local):
    def __init__(self) -> None:
        self.found: dict[CompiledQuery, tuple[BaseDatabaseWrapper, SQLCompiler, dict[int, Any]]] = {}


_thread_converters = _ThreadConverters()


def compiled(queryset: QuerySet, database: str, marks: dict[Any, str], *, paged: bool = False) -> CompiledQuery:
    """``queryset``'s SQL on ``database``, with each placeholder named by the mark value it was built with.

    The marks are values no real request uses; ``paged`` appends ``LIMIT``/``OFFSET``
    placeholders, in the syntax of the SQLite and PostgreSQL backends.
    """
    compiler = queryset.query.get_compiler(using=database)
    sql, parameters = compiler.as_sql()
    parameter_names = tuple(marks[parameter] for parameter in parameters)
    if paged:
        sql, parameter_names = f"{sql} LIMIT %s OFFSET %s", (*parameter_names, "limit", "offset")
    columns = tuple(column for column, _sql, _alias in compiler.select)
    names = tuple(alias or column.target.attname for column, _sql, alias in compiler.select)
    return CompiledQuery(sql, parameter_names, queryset.query, columns, names)


def fetch(query: CompiledQuery, database: str, **values: Any) -> list[list[Any]]:
    """``query``'s rows for these parameter values, converted by the database backend as the ORM converts them.

    The compiler's converters are the ones ``raw()`` and QuerySets apply; tests
    hold every precompiled read equal to its QuerySet's on SQLite and PostgreSQL.
    """
    connection = connections[database]
    compiler, converters = query.converters(connection)
    with connection.cursor() as cursor:
        cursor.execute(query.sql, query.parameters(**values))
        rows = cursor.fetchall()
    return list(compiler.apply_converters(rows, converters))


_USER_MARK, _TASK_MARK = "\x00user_id", -1  # values no real lookup uses, to find each parameter's place
_TOTAL = "total_in_list"  # the list's total on every row of a page; not a Task field
# What a user's counter row says for each status filter.
_COUNTED = {"all": F("total"), "completed": F("completed"), "pending": F("total") - F("completed")}


@cache
def _task_of_sql(database: str, vendor: str) -> CompiledQuery:
    """The ORM's own SQL for one user's task by id on ``database``."""
    lookup = tasks_of(user_id=_USER_MARK).filter(pk=_TASK_MARK).order_by()
    return compiled(lookup, database, {_USER_MARK: "user_id", _TASK_MARK: "task_id"})


@dataclass(frozen=True)
class TaskPage:
    """A page's rows, as ``.values(*fields)`` gives them, and the list's total when the page read it."""

    rows: list[dict[str, Any]]
    total: int | None = None


def task_page(
    *, user_id: str, status: str, ordering: str, fields: tuple[str, ...], offset: int, limit: int
) -> TaskPage:
    """Rows ``offset`` to ``offset + limit`` of the user's unsearched list, with the list's total.

    The list's SQL depends only on (status, ordering), so it is compiled once per
    shape, as ``task_of``'s is, and the rows pass through the backend's own
    converters: the same rows as the QuerySet's, at under half the cost. Each row
    also carries the total from the user's counter row, so a full page needs no
    second query for ``X-Total-Count``, and rows and total come from one snapshot.
    A page past the end has no row to carry it: its total is None.
    """
    database = Task.objects.db
    page = task_page_query(database, status=status, ordering=ordering, fields=fields)
    rows = fetch(page, database, user_id=user_id, offset=offset, limit=limit)
    # The columns are ``fields`` and then the total (_task_page_sql checks): zip() stops before the total.
    return TaskPage([dict(zip(fields, row, strict=False)) for row in rows], rows[0][-1] if rows else None)


def task_page_query(database: str, *, status: str, ordering: str, fields: tuple[str, ...]) -> CompiledQuery:
    """The SQL ``task_page`` runs on ``database`` (the benchmark shows its ``EXPLAIN``)."""
    return _task_page_sql(database, connections[database].vendor, status, ordering, fields)


@cache
def _task_page_sql(database: str, vendor: str, status: str, ordering: str, fields: tuple[str, ...]) -> CompiledQuery:
    """The ORM's own SQL for a page of one user's list with this status and ordering."""
    listing = task_list(user_id=_USER_MARK, status=status, ordering=ordering).values(*fields)
    page = compiled(
        _with_total(listing, user_id=_USER_MARK, status=status), database, {_USER_MARK: "user_id"}, paged=True
    )
    if page.column_names != (*fields, _TOTAL):
        raise RuntimeError(f"unexpected columns for a list page: {page.column_names}")
    return page


def _with_total(rows: QuerySet, *, user_id: str, status: str) -> QuerySet:
    """``rows`` with the list's total beside each, from the user's counter row (a subquery run once)."""
    total = TaskCount.objects.filter(user_id=user_id).values(n=_COUNTED[status])[:1]
    return rows.annotate(**{_TOTAL: Subquery(total)})


def _page_of(rows: list[dict[str, Any]]) -> TaskPage:
    """The rows without the total they may carry, and that total (None for no rows, or rows without it)."""
    totals = [row.pop(_TOTAL, None) for row in rows]
    return TaskPage(rows, totals[0] if totals else None)


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


def task_count(*, user_id: str, status: str = "all", search: str = "") -> int:
    """How many tasks the list's filters match: one counter row, unless a search needs a COUNT(*)."""
    if search:
        return task_list(user_id=user_id, status=status, search=search).count()
    counted = TaskCount.objects.filter(user_id=user_id).values_list(_COUNTED[status], flat=True)
    return next(iter(counted), 0)


def tasks_after(tasks: QuerySet, *, ordering: str, value: Any, task_id: int) -> QuerySet:
    """The tasks that come after (``value``, ``task_id``) in ``ordering``: a keyset page, with no offset to skip."""
    field, descending = ordering.lstrip("-"), ordering.startswith("-")
    after, bound = ("lt", "lte") if descending else ("gt", "gte")
    # The bound repeats what the OR implies, so the database can start its index scan at the cursor.
    return tasks.filter(**{f"{field}__{bound}": value}).filter(
        Q(**{f"{field}__{after}": value}) | Q(**{field: value, f"id__{after}": task_id})
    )


@dataclass(frozen=True)
class TaskListing:
    """One user's list with its filters, as the paginator reads it: rows of ``fields``, pages, the total."""

    user_id: str
    fields: tuple[str, ...]
    status: str = "all"
    search: str = ""
    ordering: str = "-created_at"

    def rows(self) -> QuerySet:
        """Every matching row, as a QuerySet to filter further (keyset pages) or slice."""
        return task_list(user_id=self.user_id, status=self.status, search=self.search, ordering=self.ordering).values(
            *self.fields
        )

    def page(self, *, offset: int, limit: int) -> TaskPage:
        """An offset page: without a search (the usual list) by SQL compiled once, total included (``task_page``)."""
        if self.search:
            return TaskPage(list(self.rows()[offset : offset + limit]))
        return task_page(
            user_id=self.user_id,
            status=self.status,
            ordering=self.ordering,
            fields=self.fields,
            offset=offset,
            limit=limit,
        )

    def keyset_rows(self, *, after: tuple[Any, int] | None) -> QuerySet:
        """The rows after the task the cursor names, (its ordering value, its id), or from the top.

        Unsearched, each row carries the total, as on an offset page.
        """
        rows = self.rows()
        if after is not None:
            rows = tasks_after(rows, ordering=self.ordering, value=after[0], task_id=after[1])
        return rows if self.search else _with_total(rows, user_id=self.user_id, status=self.status)

    def keyset_page(self, *, after: tuple[Any, int] | None, limit: int) -> TaskPage:
        """Up to ``limit`` of ``keyset_rows``, with the total when they carried it."""
        return _page_of(list(self.keyset_rows(after=after)[:limit]))

    def count(self) -> int:
        return task_count(user_id=self.user_id, status=self.status, search=self.search)
