"""What tasks does when authn's revocation feed reports a deleted user: their tasks go with them."""

from typing import Any

from django.dispatch import receiver

from authn import user_deleted

from .users import delete_user_tasks


@receiver(user_deleted, dispatch_uid="tasks.delete_user_tasks")
def delete_tasks_of_deleted_user(*, user_id: str, expires_at: float, **kwargs: Any) -> None:
    delete_user_tasks(user_id=user_id, expires_at=expires_at)
