"""How many tasks a list holds: the user's counter row, or a search's matches counted up to a cap."""

from dataclasses import dataclass

from django.db.models import F, QuerySet, Subquery

from .models import TaskCount
from .selectors import task_list

TOTAL = "total_in_list"  # the list's total on every row of a page; not a Task field
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


def with_total(rows: QuerySet, *, user_id: str, status: str) -> QuerySet:
    """``rows`` with the list's total beside each, from the user's counter row (a subquery run once)."""
    total = TaskCount.objects.filter(user_id=user_id).values(n=_COUNTED[status])[:1]
    return rows.annotate(**{TOTAL: Subquery(total)})


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
