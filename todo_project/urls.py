from django.contrib import admin
from django.urls import include, path, re_path

from authn.views import MeView

from .exceptions import not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/me", MeView.as_view(), name="me"),
    path("", include("tasks.urls")),
    # Anything else under /api/ is a JSON 404, also with DEBUG on.
    re_path(r"^api/", not_found),
]

handler404 = "todo_project.exceptions.not_found"
handler500 = "todo_project.exceptions.server_error"
