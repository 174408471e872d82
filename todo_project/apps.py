from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """Project-wide plumbing: errors, request logs, rate limits, health."""

    name = "todo_project"
    verbose_name = "Tasks API infrastructure"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
