"""Read queries for tasks, always scoped to one user.

The single-task lookup and an unsearched list page run as SQL compiled once
(``precompiled``) unless ``TASKS_PRECOMPILED_SQL`` is off; then, as every other
read, through the public QuerySet API. Both give the same rows in the same queries.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet, Subquery

from . import precompiled
from .models import Task, TaskCount


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


_USER_MARK, _TASK_MARK = "\x00user_id", -1  # values no real lookup uses, to find each parameter's place
_ONE_TASK = precompiled.Precompiled(Task, _one_task, {"user_id": _USER_MARK, "task_id": _TASK_MARK})
_TOTAL = "total_in_list"  # the list's total on every row of a page; not a Task field
# What a user's counter row says for each status filter.
_COUNTED = {"all": F("total"), "completed": F("completed"), "pending": F("total") - F("completed")}
STATUSES = tuple(_COUNTED)


# A search stops counting its matches here: past it, X-Total-Count says "more than this many"
# (GitLab drops its totals past 10,000 for the same reason). Counting every match of a search most of
# a long list matches cost almost all of the request; counting to the cap costs about a page's rows.
SEARCH_COUNT_CAP = 1000


@dataclass(frozen=True)
class Total:
    """How many tasks a list holds: exactly ``count``, or, when not ``exact``, more than ``count``."""

    count: int
    exact: bool = True

    def __str__(self) -> str:
        """As X-Total-Count spells it: ``120``, or ``1000+`` for more than 1000."""
        return str(self.count) if self.exact else f"{self.count}+"


@dataclass(frozen=True)
class TaskPage:
    """A page's rows, as ``.values(*fields)`` gives them, and the list's total when the page read it.

    ``more`` says whether tasks follow the page, when the page read one row past its end to know.
    """

    rows: list[dict[str, Any]]
    total: int | None = None
    more: bool | None = None


def task_page(
    *, user_id: str, status: str, ordering: str, fields: tuple[str, ...], offset: int, limit: int
) -> TaskPage:
    """Rows ``offset`` to ``offset + limit`` of the user's unsearched list, with the list's total.

    Each row carries the total from the user's counter row, so a full page needs
    no second query for ``X-Total-Count``, and rows and total come from one
    snapshot. A page past the end has no row to carry it: its total is None.
    """
    if precompiled.enabled():
        rows = _PAGE.values(status, ordering, fields, user_id=user_id, offset=offset, limit=limit)
    else:
        rows = list(_page_rows(status, ordering, fields, user_id=user_id)[offset : offset + limit])
    return _page_of(rows)


def _page_rows(status: str, ordering: str, fields: tuple[str, ...], *, user_id: str) -> QuerySet:
    """The unsearched list's rows of ``fields``, each with the list's total."""
    listing = task_list(user_id=user_id, status=status, ordering=ordering).values(*fields)
    return _with_total(listing, user_id=user_id, status=status)


_PAGE = precompiled.Precompiled(Task, _page_rows, {"user_id": _USER_MARK}, paged=True)


def task_page_query(database: str, *, status: str, ordering: str, fields: tuple[str, ...]) -> precompiled.CompiledQuery:
    """The SQL ``task_page`` runs on ``database`` when precompiled (the benchmark shows its ``EXPLAIN``)."""
    return _PAGE.compiled(database, status, ordering, fields)


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


def task_total(
    *, user_id: str, status: str = "all", search: str = "", at_least: int = 0, cap: int = SEARCH_COUNT_CAP
) -> Total:
    """The list's total: exact from the counter row, or a search's matches counted up to ``cap`` and no further.

    The search's COUNT(*) reads at most ``cap + 1`` matches (a LIMIT in a subquery), so its cost
    stops growing with the list; one more than ``cap`` found means "more than ``cap``". A caller
    that has seen ``at_least`` tasks already, more than ``cap``, needs no count at all.
    """
    if not search:
        return Total(task_count(user_id=user_id, status=status))
    if at_least > cap:
        return Total(cap, exact=False)
    # No ORDER BY: any cap + 1 matches will do, so the database picks the cheapest way to find them.
    found = task_list(user_id=user_id, status=status, search=search).order_by()[: cap + 1].count()
    return Total(found) if found <= cap else Total(cap, exact=False)


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
        """An offset page: without a search (the usual list) with its total (``task_page``).

        A searched page reads one row more than it shows, to know whether tasks follow it
        without a count: its total may only be a lower bound (``total``).
        """
        if self.search:
            rows = list(self.rows()[offset : offset + limit + 1])
            return TaskPage(rows[:limit], more=len(rows) > limit)
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

    def total(self, *, at_least: int = 0) -> Total:
        """The list's total, exact unless a search matches more than ``SEARCH_COUNT_CAP`` tasks (see ``task_total``)."""
        return task_total(user_id=self.user_id, status=self.status, search=self.search, at_least=at_least)
