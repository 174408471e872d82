"""System check: the precompiled reads still compile with the installed Django, or the start says how to switch."""

from __future__ import annotations

from typing import Any

import django
from django.core import checks

from . import precompiled
from .models import Task
from .selectors import task_of_query
from .serializers import ORDERINGS, TASK_FIELDS
from .totals import STATUSES
from .usual_page import task_page_query


def compile_every_precompiled_read(database: str) -> None:
    """The SQL of every precompiled read the API makes: the single task, and each status and ordering of a page."""
    task_of_query(database)
    for status in STATUSES:
        for ordering in ORDERINGS:
            task_page_query(database, status=status, ordering=ordering, fields=TASK_FIELDS)


@checks.register()
def check_precompiled_reads(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """tasks.W001 when precompiled SQL is on but cannot be built; it needs no database connection."""
    if not precompiled.enabled():
        return []
    try:
        compile_every_precompiled_read(Task.objects.db)
    except Exception as e:  # whatever a changed ORM internal raises is what this looks for
        return [
            checks.Warning(
                f"The precompiled task reads cannot be built with Django {django.__version__}: "
                f"{type(e).__name__}: {e}. Every single-task and list request would fail.",
                hint="Set PRECOMPILED_SQL=off to read through the public QuerySet API instead (tasks/precompiled.py).",
                id="tasks.W001",
            )
        ]
    return []
