"""The real routes plus an unauthenticated twin of the list view, to price authentication alone."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import path
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from authn import BetterAuthUser
from tasks.views import TaskViewSet
from todo_project.urls import urlpatterns as project_urlpatterns

from .common import USER

_TRUSTED_USER = BetterAuthUser(id=USER, email=f"{USER}@example.com", name=USER, email_verified=True)


class TrustEveryone(BaseAuthentication):
    """Benchmark only: every request is the benchmark user, with no header read and no token checked."""

    def authenticate(self, request: Request) -> tuple[BetterAuthUser, Any]:
        return _TRUSTED_USER, None


unsecured_list = TaskViewSet.as_view({"get": "list"}, authentication_classes=[TrustEveryone])

# Under API_PREFIX, as the real list is, so both meet the same middleware.
urlpatterns = [
    path(f"{settings.API_PREFIX.removeprefix('/')}unsecured/<str:user_id>/tasks", unsecured_list),
    *project_urlpatterns,
]
