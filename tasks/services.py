"""Business rules for tasks."""

from .models import Task


def task_set_completed(*, task: Task, completed: bool | None) -> Task:
    """Mark ``task`` done or not; ``None`` toggles it (docs/api.md, "PATCH /api/{user_id}/tasks/{id}/complete")."""
    task.completed = (not task.completed) if completed is None else completed
    task.save(update_fields=["completed", "updated_at"])
    return task
