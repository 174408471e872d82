"""Lost-update protection: an ``ETag`` on every task, and ``If-Match`` honoured on writes (RFC 9110 §13.1.1).

Two tabs editing one task: the second save carries the version it started
from; if the task changed meanwhile it gets 412 instead of silently
overwriting. Without ``If-Match`` the last write wins, as before. The services
check ``If-Match`` with the row locked (``services.py``); this module says what
a version is and puts it on the responses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from .errors import TaskChanged
from .models import Task
from .serializers import TaskSerializer


def task_etag(representation: Mapping[str, Any]) -> str:
    """``"<id>:<updated_at>"``: every save moves ``updated_at``, so this names one version.

    Built from the representation alone, so a client holding any copy of the
    task (a list item included) knows its version without another request.
    """
    return f'"{representation["id"]}:{representation["updated_at"]}"'


def if_match_allows(task: Task, if_match: str | None) -> bool:
    """Whether ``If-Match`` (absent, ``*``, or a list of tags) lets a write to ``task`` through."""
    if if_match is None:
        return True
    candidates = [candidate.strip() for candidate in if_match.split(",")]
    return "*" in candidates or task_etag(TaskSerializer(task).data) in candidates


class ETagMixin:
    """Adds ``ETag`` to every single-task response (a 200 or 201 whose body is one task), and reads ``If-Match``."""

    conditional_actions = ("update", "partial_update", "destroy", "complete")  # the writes If-Match guards

    @property
    def if_match(self) -> str | None:
        return self.request.headers.get("If-Match")  # type: ignore[attr-defined]

    def check_preconditions(self, task: Task) -> None:
        """``TaskChanged`` when a write's ``If-Match`` no longer names ``task``'s version.

        RFC 9110 §13.2.1: a precondition is evaluated before the request's content
        (412 before 400). The service checks it again with the row locked, which is
        what guards the write; by action, not method, as DRF's OPTIONS answer reads
        the task as a pretend PUT.
        """
        if self.action in self.conditional_actions and not if_match_allows(task, self.if_match):  # type: ignore[attr-defined]
            raise TaskChanged(task.pk)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        data = getattr(response, "data", None)
        if response.status_code in (200, 201) and isinstance(data, Mapping) and "updated_at" in data:
            response["ETag"] = task_etag(data)
        return response
