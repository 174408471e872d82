"""A user's list as the API pages it: a QuerySet for the view, pages and totals for the paginator.

An unsearched offset page, the list endpoint's usual request, runs as SQL compiled
once (``precompiled``) unless ``TASKS_PRECOMPILED_SQL`` is off; then through the
public QuerySet API. Both give the same rows and total in the same query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from . import precompiled
from .listing import TaskListing, TaskListQuerySet
from .models import Task
from .selectors import USER_MARK, task_list, tasks_after
from .totals import TOTAL, Total, task_total, with_total


def task_listing(
    *, user_id: str, fields: tuple[str, ...], status: str = "all", search: str = "", ordering: str = "-created_at"
) -> TaskListQuerySet:
    """The user's list with the query's filters: a QuerySet of ``.values(*fields)`` rows, for ``list_page``."""
    return TaskListQuerySet.of(TaskListing(user_id, fields, status, search, ordering))


@dataclass(frozen=True)
class TaskPage:
    """A page's rows, as ``.values(*fields)`` gives them, and the list's total when the page read it.

    ``more`` says whether tasks follow the page, when the page read one row past its end to know.
    """

    rows: list[dict[str, Any]]
    total: int | None = None
    more: bool | None = None


def list_page(rows: TaskListQuerySet, *, offset: int, limit: int) -> TaskPage:
    """An offset page of ``rows``: without a search (the usual list) with its total (``task_page``).

    A searched page reads one row more than it shows, to know whether tasks follow it
    without a count: its total may only be a lower bound (``list_total``).
    """
    listing = rows.listing
    if listing.search:
        found = list(rows[offset : offset + limit + 1])
        return TaskPage(found[:limit], more=len(found) > limit)
    return task_page(
        user_id=listing.user_id,
        status=listing.status,
        ordering=listing.ordering,
        fields=listing.fields,
        offset=offset,
        limit=limit,
    )


def keyset_rows(rows: TaskListQuerySet, *, after: tuple[Any, int] | None) -> QuerySet:
    """The rows after the task the cursor names, (its ordering value, its id), or from the top.

    Unsearched, each row carries the total, as on an offset page.
    """
    listing = rows.listing
    if after is not None:
        rows = tasks_after(rows, ordering=listing.ordering, value=after[0], task_id=after[1])
    return rows if listing.search else with_total(rows, user_id=listing.user_id, status=listing.status)


def keyset_page(rows: TaskListQuerySet, *, after: tuple[Any, int] | None, limit: int) -> TaskPage:
    """Up to ``limit`` of ``keyset_rows``, with the total when they carried it."""
    return _page_of(list(keyset_rows(rows, after=after)[:limit]))


def list_total(rows: TaskListQuerySet, *, at_least: int = 0) -> Total:
    """The list's total, exact unless a search matches more than ``SEARCH_COUNT_CAP`` tasks (``task_total``)."""
    listing = rows.listing
    return task_total(user_id=listing.user_id, status=listing.status, search=listing.search, at_least=at_least)


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
    rows = task_list(user_id=user_id, status=status, ordering=ordering).values(*fields)
    return with_total(rows, user_id=user_id, status=status)


_PAGE = precompiled.Precompiled(Task, _page_rows, {"user_id": USER_MARK}, paged=True)


def task_page_query(database: str, *, status: str, ordering: str, fields: tuple[str, ...]) -> precompiled.CompiledQuery:
    """The SQL ``task_page`` runs on ``database`` when precompiled (the benchmark shows its ``EXPLAIN``)."""
    return _PAGE.compiled(database, status, ordering, fields)


def _page_of(rows: list[dict[str, Any]]) -> TaskPage:
    """The rows without the total they may carry, and that total (None for no rows, or rows without it)."""
    totals = [row.pop(TOTAL, None) for row in rows]
    return TaskPage(rows, totals[0] if totals else None)
