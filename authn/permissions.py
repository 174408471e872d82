"""The path-owner rule: a ``{user_id}`` in the URL must be the token's subject."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IsPathOwner(BasePermission):
    """Allows access only when the URL's ``{user_id}`` is the caller's id (the token's ``sub``): else 403.

    Subclass to name another URL parameter (``path_owner_kwarg``) or another message.
    """

    path_owner_kwarg = "user_id"
    message = "You may only access your own resources"

    def has_permission(self, request: Request, view: Any) -> bool:
        kwargs = getattr(view, "kwargs", {})
        if self.path_owner_kwarg not in kwargs:
            raise ImproperlyConfigured(
                f"{type(view).__name__} needs a {{{self.path_owner_kwarg}}} URL parameter to use {type(self).__name__}."
            )
        return kwargs[self.path_owner_kwarg] == getattr(request.user, "id", None)
