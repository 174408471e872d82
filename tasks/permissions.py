"""Who may touch which tasks; the queryset filter is the first guard, these the second."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

import authn


class IsPathOwner(authn.IsPathOwner):
    """The task paths' ``{user_id}`` must be the token's subject."""

    message = "Forbidden - you may only access your own tasks"


class IsTaskOwner(BasePermission):
    """Allows access to a task only for the user who owns it."""

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        return obj.user_id == request.user.id
