"""Waiting for a deletion another thread makes (the revocation feed's), as a test sees it from outside."""

import time

from django.db import OperationalError

from tasks.models import Task


def no_tasks_left_within(user_id: str, seconds: float) -> bool:
    """True once ``user_id`` has no task, asking every 20 ms for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if not Task.objects.filter(user_id=user_id).exists():
                return True
        except OperationalError:  # SQLite in memory: the deleting thread holds the table; ask again
            pass
        time.sleep(0.02)
    return False
