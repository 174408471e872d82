from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The HTTP plumbing every endpoint shares: errors, formats, middleware, request logs, rate limits, health."""

    name = "api"
    verbose_name = "Tasks API plumbing"
