import pytest

from tasks.services import task_set_completed

from .factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "completed", "expected"),
    [(False, None, True), (True, None, False), (True, True, True), (False, False, False)],
)
def test_task_set_completed_sets_or_toggles(start, completed, expected):
    task = TaskFactory(completed=start)
    task_set_completed(task=task, completed=completed)
    task.refresh_from_db()
    assert task.completed is expected
