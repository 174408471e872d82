"""One user's list with its filters, and the QuerySet of its rows that the view hands to DRF."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.query import ValuesIterable
from django.db.models.sql import Query

from .models import Task
from .selectors import task_list


@dataclass(frozen=True)
class TaskListing:
    """Which list: whose, which row fields, and the query's filters."""

    user_id: str
    fields: tuple[str, ...]
    status: str = "all"
    search: str = ""
    ordering: str = "-created_at"

    def rows(self) -> QuerySet:
        """Every matching row, as a plain QuerySet to filter further or slice."""
        tasks = task_list(user_id=self.user_id, status=self.status, search=self.search, ordering=self.ordering)
        return tasks.values(*self.fields)


class TaskListQuerySet(QuerySet):
    """``listing.rows()``, with its SQL built only when something reads the QuerySet.

    Why: the usual page is read by SQL compiled once (``usual_page.task_page``) and
    needs no query built; building one on every list request would give back much
    of what compiling that page once saves. Anything that reads this QuerySet (iterating, slicing,
    filtering, ``.query``) builds it first, so it behaves as ``listing.rows()``
    in every way; what it derives is a plain QuerySet with no ``listing``.
    """

    listing: TaskListing | None = None
    _built = True

    @classmethod
    def of(cls, listing: TaskListing) -> TaskListQuerySet:
        rows = cls(model=Task)
        rows.listing, rows._built = listing, False
        rows._fields, rows._iterable_class = listing.fields, ValuesIterable  # what .values() sets besides its SQL
        return rows

    @property
    def query(self) -> Query:
        if not self._built:
            self._query, self._built = self.listing.rows().query, True
        return QuerySet.query.fget(self)

    @query.setter
    def query(self, value: Query) -> None:
        QuerySet.query.fset(self, value)
        self._built = True


def task_listing(
    *, user_id: str, fields: tuple[str, ...], status: str = "all", search: str = "", ordering: str = "-created_at"
) -> TaskListQuerySet:
    """The user's list with the query's filters: a QuerySet of ``.values(*fields)`` rows, for ``pages.list_page``."""
    return TaskListQuerySet.of(TaskListing(user_id, fields, status, search, ordering))
