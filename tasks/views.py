"""The task endpoints: thin, scoped to the token's user; reads from selectors, writes through services."""

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.serializers import BaseSerializer

from api.throttling import CountedFirst

from . import services
from .errors import TaskError, TaskNotFound
from .etags import ETagMixin
from .http import http_error
from .listing import task_listing
from .models import Task
from .openapi import task_viewset_schema
from .pagination import HeaderLimitOffsetPagination
from .permissions import IsPathOwner, IsTaskOwner
from .selectors import task_of, tasks_of
from .serializers import (
    TASK_FIELDS,
    TaskCompleteSerializer,
    TaskListQuerySerializer,
    TaskRowSerializer,
    TaskSerializer,
    validated,
)


@task_viewset_schema
class TaskViewSet(ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """CRUD on ``/api/{user_id}/tasks`` for the user the token names."""

    serializer_class = TaskSerializer
    # The rate limit first, then IsPathOwner before any query: a foreign {user_id} is 403 at once, and counted.
    permission_classes = [CountedFirst, IsAuthenticated, IsPathOwner, IsTaskOwner]
    throttle_classes: list[Any] = []  # CountedFirst applies DEFAULT_THROTTLE_CLASSES
    pagination_class = HeaderLimitOffsetPagination
    # Ids that cannot be a row (not digits, past 64 bits) never reach the database.
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> QuerySet:
        if self.action == "list":
            filters = validated(TaskListQuerySerializer, self.request.query_params)
            return task_listing(user_id=self.request.user.id, fields=TASK_FIELDS, **filters)
        return tasks_of(user_id=self.request.user.id)

    def get_object(self) -> Task:
        """The path's task if it is the token user's, else 404: one query (``selectors.task_of``).

        Not DRF's own, whose lookup builds and compiles a QuerySet on every request:
        ``task_of`` runs SQL compiled once.
        """
        task = task_of(user_id=self.request.user.id, task_id=int(self.kwargs["pk"]))
        if task is None:
            raise TaskNotFound(self.kwargs["pk"])
        self.check_object_permissions(self.request, task)
        self.check_preconditions(task)
        return task

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "list":
            return TaskRowSerializer  # rows are plain dicts (listing.task_listing), not model instances
        return TaskCompleteSerializer if self.action == "complete" else TaskSerializer

    def handle_exception(self, exc: Exception) -> Response:
        return super().handle_exception(http_error(exc, self.request) if isinstance(exc, TaskError) else exc)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        # The owner comes from the verified token, never from the body.
        task = services.task_create(user_id=request.user.id, **body.validated_data)
        url = reverse("task-detail", kwargs={"user_id": request.user.id, "pk": task.pk}, request=request)
        return Response(TaskSerializer(task).data, status=201, headers={"Location": url})

    def update(self, request: Request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        task = self.get_object()
        body = self.get_serializer(task, data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        task = services.task_update(task=task, if_match=self.if_match, **body.validated_data)
        return Response(TaskSerializer(task).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.task_delete(task=self.get_object(), if_match=self.if_match)
        return Response(status=204)

    @action(detail=True, methods=["patch"])
    def complete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Set ``completed`` from the body, or toggle it when the body leaves it out."""
        task = self.get_object()
        body = TaskCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = services.task_set_completed(task=task, if_match=self.if_match, **body.validated_data)
        return Response(TaskSerializer(task).data)
