from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from authn.views import MeView

from .health import healthz, readyz
from .schema import SchemaView
from .views import UnknownAPIPath

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api-auth/", include("authn.urls")),
    path("api/me", MeView.as_view(), name="me"),
    path("", include("tasks.urls")),
    # Anything else under /api/ is a JSON 404, also with DEBUG on, and counts against the user's budget.
    re_path(r"^api/", UnknownAPIPath.as_view()),
]

handler400 = "todo_project.exceptions.bad_request"
handler404 = "todo_project.exceptions.not_found"
handler500 = "todo_project.exceptions.server_error"
