"""Lost-update protection: an ``ETag`` on every task, and ``If-Match`` honoured on writes (RFC 9110 §13.1.1).

Two tabs editing one task: the second save carries the version it started
from; if the task changed meanwhile it gets 412 instead of silently
overwriting. Without ``If-Match`` the last write wins, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from .models import Task
from .serializers import TaskSerializer

CONDITIONAL_METHODS = ("PUT", "PATCH", "DELETE")


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "Precondition failed - the task changed since you read it; reload it and retry"
    default_code = "precondition_failed"


def task_etag(representation: Mapping[str, Any]) -> str:
    """``"<id>:<updated_at>"``: every save moves ``updated_at``, so this names one version.

    Built from the representation alone, so a client holding any copy of the
    task (a list item included) knows its version without another request.
    """
    return f'"{representation["id"]}:{representation["updated_at"]}"'


class ConditionalTaskMixin:
    """Adds ``ETag`` to single-task responses and checks ``If-Match`` before a write."""

    conditional_write = False

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # Check and write in one transaction with the row locked, so two writers
        # holding the same ETag cannot both pass the check.
        if request.method in CONDITIONAL_METHODS and "HTTP_IF_MATCH" in request.META:
            self.conditional_write = True
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_locked_object(self) -> Task:
        """The task, locked for this transaction, if ``If-Match`` still names its version (else 412)."""
        task = get_object_or_404(self.get_queryset().select_for_update(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, task)
        candidates = [candidate.strip() for candidate in self.request.headers["If-Match"].split(",")]
        if "*" not in candidates and task_etag(TaskSerializer(task).data) not in candidates:
            raise PreconditionFailed()
        return task

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if response.status_code in (200, 201) and isinstance(data, Mapping) and "updated_at" in data:
            response["ETag"] = task_etag(data)
        return response
