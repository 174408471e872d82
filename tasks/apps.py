from django.apps import AppConfig


class TasksConfig(AppConfig):
    """Tasks owned by Better Auth users."""

    name = "tasks"
