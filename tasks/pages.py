"""The pages and the total of the list ``listing.task_listing`` gives the view, as the paginator asks for them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .listing import TaskListQuerySet
from .selectors import tasks_after
from .totals import Total, task_total, with_total
from .usual_page import TaskPage, page_of, task_page


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
    return page_of(list(keyset_rows(rows, after=after)[:limit]))


def list_total(rows: TaskListQuerySet, *, at_least: int = 0) -> Total:
    """The list's total, exact unless a search matches more than ``SEARCH_COUNT_CAP`` tasks (``task_total``)."""
    listing = rows.listing
    return task_total(user_id=listing.user_id, status=listing.status, search=listing.search, at_least=at_least)
