"""The task endpoints: thin, scoped to the token's user, rules delegated to services."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.serializers import BaseSerializer

from api.views import CountedBeforePermissionsMixin
from authn import SESSION_ENDED, get_revocation_feed, refuse_token

from .etags import ConditionalTaskMixin
from .models import Task
from .openapi import task_viewset_schema
from .pagination import HeaderLimitOffsetPagination
from .permissions import IsPathOwner, IsTaskOwner
from .selectors import TaskListing, task_of, tasks_of
from .serializers import (
    TASK_FIELDS,
    TaskCompleteSerializer,
    TaskListQuerySerializer,
    TaskRowSerializer,
    TaskSerializer,
    validated,
)
from .services import UserDeleted, task_create, task_set_completed


@task_viewset_schema
class TaskViewSet(
    CountedBeforePermissionsMixin,
    ConditionalTaskMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """CRUD on ``/api/{user_id}/tasks`` for the user the token names."""

    serializer_class = TaskSerializer
    # IsPathOwner runs before any query: a foreign {user_id} is 403 at once.
    permission_classes = [IsAuthenticated, IsPathOwner, IsTaskOwner]
    pagination_class = HeaderLimitOffsetPagination
    # Ids that cannot be a row (not digits, past 64 bits) never reach the database.
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> QuerySet:
        if self.action == "list":
            return self.get_listing().rows()
        return tasks_of(user_id=self.request.user.id)

    def get_listing(self) -> TaskListing:
        """The token user's list with the query's filters; rows are plain, not model instances (TaskRowSerializer)."""
        filters = validated(TaskListQuerySerializer, self.request.query_params)
        return TaskListing(user_id=self.request.user.id, fields=TASK_FIELDS, **filters)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A page of the list as a plain array; the paginator reads it from the listing, not from a QuerySet."""
        rows = self.paginate_queryset(self.get_listing())
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def get_object(self) -> Task:
        """The path's task if it is the token user's, else 404: one query (selectors.task_of)."""
        # Decided by dispatch, not by request.method: DRF's OPTIONS answer calls
        # get_object() as a pretend PUT, outside any transaction.
        if self.conditional_write:
            return self.get_locked_object()
        task = task_of(user_id=self.request.user.id, task_id=int(self.kwargs["pk"]))
        if task is None:
            raise Http404
        self.check_object_permissions(self.request, task)
        return task

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "list":
            return TaskRowSerializer
        return TaskCompleteSerializer if self.action == "complete" else TaskSerializer

    def perform_create(self, serializer: BaseSerializer) -> None:
        # The owner comes from the verified token, never from the body.
        try:
            task_create(
                serializer=serializer,
                user_id=self.request.user.id,
                guard_deleted_users=get_revocation_feed() is not None,
            )
        except UserDeleted:
            refuse_token(self.request, SESSION_ENDED)

    def get_success_headers(self, data: Any) -> dict[str, str]:
        url = reverse("task-detail", kwargs={"user_id": self.request.user.id, "pk": data["id"]}, request=self.request)
        return {"Location": url}

    @action(detail=True, methods=["patch"])
    def complete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Set ``completed`` from the body, or toggle it when the body leaves it out."""
        task = self.get_object()
        body = TaskCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = task_set_completed(task=task, completed=body.validated_data.get("completed"))
        return Response(TaskSerializer(task).data)
