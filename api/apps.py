from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The HTTP plumbing every endpoint shares: errors, formats, middleware, request logs, rate limits, health."""

    name = "api"
    verbose_name = "Tasks API plumbing"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
