from django.apps import AppConfig


class TasksConfig(AppConfig):
    """Tasks owned by Better Auth users."""

    name = "tasks"

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (the system check; a user Better Auth deletes takes their tasks along)
