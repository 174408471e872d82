import pytest

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
