"""The list endpoint's usual request, an unsearched offset page, read with its total in one query.

It runs as SQL compiled once (``precompiled``) unless ``TASKS_PRECOMPILED_SQL``
is off; then through the public QuerySet API. Both give the same rows and total
in the same query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from . import precompiled
from .models import Task
from .selectors import USER_MARK, task_list
from .totals import TOTAL, with_total


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
    return page_of(rows)


def _page_rows(status: str, ordering: str, fields: tuple[str, ...], *, user_id: str) -> QuerySet:
    """The unsearched list's rows of ``fields``, each with the list's total."""
    rows = task_list(user_id=user_id, status=status, ordering=ordering).values(*fields)
    return with_total(rows, user_id=user_id, status=status)


_PAGE = precompiled.Precompiled(Task, _page_rows, {"user_id": USER_MARK}, paged=True)


def task_page_query(database: str, *, status: str, ordering: str, fields: tuple[str, ...]) -> precompiled.CompiledQuery:
    """The SQL ``task_page`` runs on ``database`` when precompiled (the benchmark shows its ``EXPLAIN``)."""
    return _PAGE.compiled(database, status, ordering, fields)


def page_of(rows: list[dict[str, Any]]) -> TaskPage:
    """The rows without the total they may carry, and that total (None for no rows, or rows without it)."""
    totals = [row.pop(TOTAL, None) for row in rows]
    return TaskPage(rows, totals[0] if totals else None)
