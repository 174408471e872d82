from django.apps import AppConfig


class TasksConfig(AppConfig):
    """Tasks owned by Better Auth users."""

    name = "tasks"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (a user Better Auth deletes takes their tasks along)
