from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from api.health import healthz, readyz
from api.identity import MeView
from api.metrics import metrics
from api.schema import SchemaView
from api.views import UnknownAPIPath

api_urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("me", MeView.as_view(), name="me"),
    path("", include("tasks.urls")),
    # Anything else under the prefix is a JSON 404, also with DEBUG on, and counts against the user's budget.
    re_path(r"", UnknownAPIPath.as_view()),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api-auth/", include("authn.urls")),
    path(settings.API_PREFIX.removeprefix("/"), include(api_urlpatterns)),  # URL patterns have no leading "/"
]

handler400 = "api.exceptions.bad_request"
handler404 = "api.exceptions.not_found"
handler500 = "api.exceptions.server_error"
