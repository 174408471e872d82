from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from api.health import healthz, readyz
from api.identity import MeView
from api.metrics import metrics
from api.schema import SchemaView
from api.views import UnknownAPIPath

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
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

handler400 = "api.exceptions.bad_request"
handler404 = "api.exceptions.not_found"
handler500 = "api.exceptions.server_error"
