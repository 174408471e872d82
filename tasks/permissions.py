"""Who may touch which tasks; the queryset filter is the first guard, these the second."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class IsPathOwner(BasePermission):
    """Allows access only when ``{user_id}`` in the path is the token's subject."""

    message = "Forbidden - you may only access your own tasks"

    def has_permission(self, request: Request, view: APIView) -> bool:
        if "user_id" not in view.kwargs:
            raise ImproperlyConfigured(f"{type(view).__name__} needs a {{user_id}} URL parameter to use IsPathOwner.")
        return view.kwargs["user_id"] == request.user.id


class IsTaskOwner(BasePermission):
    """Allows access to a task only for the user who owns it."""

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        return obj.user_id == request.user.id
