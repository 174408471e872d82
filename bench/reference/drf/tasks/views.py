"""One viewset, scoped to the user the token names; nothing here touches a users table."""

from django.db.models import QuerySet
from rest_framework import mixins, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from .models import Task
from .serializers import TaskSerializer


class IsPathOwner(BasePermission):
    """``/api/{user_id}/...`` is only for the user whose token it is."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return view.kwargs["user_id"] == request.user.id


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = TaskSerializer
    permission_classes = [IsAuthenticated, IsPathOwner]

    def get_queryset(self) -> QuerySet[Task]:
        return Task.objects.filter(user_id=self.request.user.id).order_by("-created_at")

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.save(user_id=self.request.user.id)
