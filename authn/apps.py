from django.apps import AppConfig


class AuthnConfig(AppConfig):
    """Better Auth JWT authentication for the API."""

    name = "authn"
    verbose_name = "Better Auth authentication"

    def ready(self) -> None:
        from . import checks, schema  # noqa: F401  (registers the system checks and the OpenAPI scheme)
