from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models.sql.compiler import SQLCompiler

from tasks import precompiled

from .factories import TaskFactory


@pytest.fixture
def alice(client_for):
    return client_for("alice")


@pytest.fixture
def alice_task(db):
    return TaskFactory(user_id="alice", title="Buy milk", description="semi-skimmed")


@pytest.fixture
def bob_task(db):
    return TaskFactory(user_id="bob", title="Bob's secret plan")


@pytest.fixture
def mixed_lists(db):
    """Two users' tasks with repeated titles and both states, so ties and filters matter."""
    for number in range(12):
        for user_id in ("alice", "bob"):
            TaskFactory(user_id=user_id, title=f"Task {number % 4}", completed=number % 3 == 0)


@pytest.fixture(params=[True, False], ids=["precompiled", "queryset"])
def sql_path(request, settings, monkeypatch) -> Iterator[bool]:
    """The test once with precompiled SQL and once with the setting off, where any precompiled read fails it."""
    settings.TASKS_PRECOMPILED_SQL = request.param
    reached = []
    if not request.param:

        def refuse(*args: Any, **kwargs: Any) -> Any:
            reached.append(args)
            raise AssertionError("precompiled SQL ran with TASKS_PRECOMPILED_SQL off")

        # Every precompiled read finds its SQL, then runs it: both are closed.
        monkeypatch.setattr(precompiled.Precompiled, "compiled", refuse)
        monkeypatch.setattr(precompiled.CompiledQuery, "rows", refuse)
    yield request.param
    assert reached == []  # even where the test itself swallowed the error


@pytest.fixture
def compiles(monkeypatch) -> list[SQLCompiler]:
    """Every ``SQLCompiler.as_sql()`` call: each QuerySet evaluation makes one, a precompiled read none."""
    calls = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **kw: calls.append(self) or as_sql(self, *a, **kw))
    return calls
