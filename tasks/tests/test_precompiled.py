"""The precompiled reads: taken when TASKS_PRECOMPILED_SQL is on, never when off, equal to the QuerySet's either way."""

import gc
import threading
import weakref
from pathlib import Path

import pytest
from django.db import connection, connections
from django.db.models.sql.compiler import SQLCompiler
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tasks import precompiled, selectors, usual_page
from tasks.checks import check_precompiled_reads
from tasks.models import Task, TaskCount
from tasks.selectors import task_of
from tasks.serializers import ORDERINGS, TASK_FIELDS
from tasks.usual_page import task_page
from todo_project.tests.test_settings import run_python

from .factories import TaskFactory

ROOT = Path(__file__).resolve().parents[2]
FIELDS = [field.attname for field in Task._meta.concrete_fields]


@pytest.fixture
def precompiled_reads(monkeypatch) -> list[precompiled.CompiledQuery]:
    """Every query run as precompiled SQL."""
    calls = []
    rows = precompiled.CompiledQuery.rows
    monkeypatch.setattr(
        precompiled.CompiledQuery, "rows", lambda self, *a, **kw: calls.append(self) or rows(self, *a, **kw)
    )
    return calls


def read_one_and_a_page(task_id: int) -> tuple[Task | None, list[dict]]:
    page = task_page(user_id="alice", status="pending", ordering="title", fields=TASK_FIELDS, offset=0, limit=5)
    return task_of(user_id="alice", task_id=task_id), page.rows


@pytest.mark.django_db
def test_on_each_read_runs_sql_compiled_before_and_compiles_nothing(settings, alice_task, compiles, precompiled_reads):
    settings.TASKS_PRECOMPILED_SQL = True
    read_one_and_a_page(alice_task.pk)  # the first read of each shape compiles it
    compiles.clear(), precompiled_reads.clear()

    task, rows = read_one_and_a_page(alice_task.pk)

    assert task.title == "Buy milk" and [row["id"] for row in rows] == [alice_task.pk]
    assert compiles == [] and len(precompiled_reads) == 2


@pytest.mark.django_db
def test_off_each_read_is_a_queryset_and_no_precompiled_sql_is_built_or_run(
    settings, alice_task, compiles, precompiled_reads, monkeypatch
):
    settings.TASKS_PRECOMPILED_SQL = False
    built = []
    monkeypatch.setattr(precompiled.Precompiled, "compiled", lambda *args: built.append(args))

    for _ in range(2):
        compiles.clear()
        task = task_of(user_id="alice", task_id=alice_task.pk)
        assert task.title == "Buy milk" and compiles  # compiled anew by the QuerySet, every time
        compiles.clear()
        rows = task_page(user_id="alice", status="all", ordering="title", fields=TASK_FIELDS, offset=0, limit=5).rows
        assert [row["id"] for row in rows] == [alice_task.pk] and compiles

    assert built == [] and precompiled_reads == []


@pytest.mark.django_db
@pytest.mark.parametrize("on", [True, False])
def test_the_setting_decides_the_path_of_each_request(settings, alice, alice_task, precompiled_reads, on):
    settings.TASKS_PRECOMPILED_SQL = on

    assert alice.get(f"/api/alice/tasks/{alice_task.pk}").json()["title"] == "Buy milk"
    assert [task["id"] for task in alice.get("/api/alice/tasks").json()] == [alice_task.pk]
    assert alice.get("/api/alice/tasks/999999").status_code == 404

    assert len(precompiled_reads) == (3 if on else 0)


def test_the_setting_is_read_once_and_again_when_a_test_overrides_it(settings):
    settings.TASKS_PRECOMPILED_SQL = False
    assert precompiled.enabled() is False
    with override_settings(TASKS_PRECOMPILED_SQL=True):
        assert precompiled.enabled() is True
    assert precompiled.enabled() is False


def snapshot(task: Task | None) -> tuple | None:
    """All a caller can see of an instance: its fields and whether it is saved, and where."""
    return (
        None if task is None else ({name: getattr(task, name) for name in FIELDS}, task._state.adding, task._state.db)
    )


def read_everything(ordering: str, task_ids: list[int]) -> tuple[list, int]:
    """Every task by id, as alice and as bob, and every page of every status: the results and the query count."""
    with CaptureQueriesContext(connection) as queries:
        tasks = [snapshot(task_of(user_id=user, task_id=task_id)) for user in ("alice", "bob") for task_id in task_ids]
        pages = [
            task_page(user_id="alice", status=status, ordering=ordering, fields=TASK_FIELDS, offset=offset, limit=5)
            for status in ("all", "pending", "completed")
            for offset in (0, 5, 10, 15)
        ]
    return [tasks, pages], len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", ORDERINGS)
def test_both_paths_read_the_same_tasks_and_pages_in_as_many_queries(settings, mixed_lists, ordering):
    task_ids = [*Task.objects.values_list("pk", flat=True), 0, 2**62]
    settings.TASKS_PRECOMPILED_SQL = True
    precompiled_results, precompiled_queries = read_everything(ordering, task_ids)
    settings.TASKS_PRECOMPILED_SQL = False
    queryset_results, queryset_queries = read_everything(ordering, task_ids)

    assert precompiled_results == queryset_results
    assert precompiled_queries == queryset_queries == 2 * len(task_ids) + 12


@pytest.mark.django_db
def test_the_converters_are_found_once_per_connection_not_per_lookup(settings, alice_task, monkeypatch):
    settings.TASKS_PRECOMPILED_SQL = True
    found = []
    get_converters = SQLCompiler.get_converters
    monkeypatch.setattr(
        SQLCompiler, "get_converters", lambda self, columns: found.append(1) or get_converters(self, columns)
    )

    for _ in range(3):
        assert task_of(user_id="alice", task_id=alice_task.pk).title == "Buy milk"

    assert len(found) <= 1


@pytest.mark.django_db(transaction=True)
def test_a_finished_threads_connection_is_not_kept_alive_by_precompiled_reads(settings):
    """A server that starts a thread per request must not keep each thread's connection for ever."""
    settings.TASKS_PRECOMPILED_SQL = True
    task = TaskFactory(user_id="alice", title="Buy milk")
    seen = {}

    def read_in_a_thread():
        seen["task"] = task_of(user_id="alice", task_id=task.pk)
        seen["page"] = task_page(user_id="alice", status="all", ordering="title", fields=TASK_FIELDS, offset=0, limit=5)
        seen["connection"] = weakref.ref(connections["default"])
        connections["default"].close()

    thread = threading.Thread(target=read_in_a_thread)
    thread.start()
    thread.join()
    gc.collect()

    assert seen["task"].title == "Buy milk" and [row["id"] for row in seen["page"].rows] == [task.pk]
    assert seen["connection"]() is None


@pytest.mark.django_db
def test_a_value_the_query_fixed_instead_of_a_stand_in_is_refused():
    """A constant in the SQL would be sent as compiled: refused, as a Django that stops naming parameters would be."""
    fixed = precompiled.Precompiled(
        Task, lambda *, user_id: Task.objects.filter(user_id=user_id, title="x"), {"user_id": "\0"}
    )

    with pytest.raises(RuntimeError, match="no stand-in"):
        fixed.first(user_id="alice")


@pytest.mark.django_db
def test_columns_other_than_the_querysets_are_refused():
    """An instance is built from its columns by position: a compiler that selects others must not build one."""
    extra = precompiled.Precompiled(
        Task, lambda *, user_id: Task.objects.filter(user_id=user_id).extra(select={"one": "1"}), {"user_id": "\0"}
    )

    with pytest.raises(RuntimeError, match="columns"):
        extra.first(user_id="alice")


def test_a_queryset_of_another_model_is_refused(db):
    counts = precompiled.Precompiled(Task, lambda: TaskCount.objects.all(), {})

    with pytest.raises(TypeError):
        counts.first()


@pytest.mark.parametrize(("value", "expected"), [(None, "True"), ("", "True"), ("off", "False")])
def test_the_setting_comes_from_precompiled_sql_in_the_environment(tmp_path, value, expected):
    env = {"PRECOMPILED_SQL": value} if value is not None else {}
    code = "import django; django.setup(); from django.conf import settings; print(settings.TASKS_PRECOMPILED_SQL)"
    result = run_python(["-c", code], {"SECRET_KEY": "x", **env}, tmp_path)
    assert result.stdout.strip() == expected, result.stderr


@pytest.fixture
def nothing_compiled_yet(monkeypatch) -> None:
    """Each precompiled read as at a fresh start: its SQL not yet compiled."""
    monkeypatch.setattr(selectors._ONE_TASK, "_compiled", {})
    monkeypatch.setattr(usual_page._PAGE, "_compiled", {})


def test_the_check_compiles_every_precompiled_read_without_touching_the_database(settings, nothing_compiled_yet):
    settings.TASKS_PRECOMPILED_SQL = True  # no db fixture: any query would fail the test

    assert check_precompiled_reads() == []
    # The single task, and 3 statuses times 8 orderings of a page.
    assert (len(selectors._ONE_TASK._compiled), len(usual_page._PAGE._compiled)) == (1, 24)


def test_a_django_whose_compiler_changed_is_reported_at_the_start_with_the_switch(
    settings, nothing_compiled_yet, monkeypatch
):
    settings.TASKS_PRECOMPILED_SQL = True
    as_sql = SQLCompiler.as_sql
    # As if an upgrade made as_sql() return a third item: QuerySets would follow, the precompiled reads cannot.
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **kw: (*as_sql(self, *a, **kw), None))

    [warning] = check_precompiled_reads()

    assert warning.id == "tasks.W001" and "ValueError" in warning.msg
    assert "PRECOMPILED_SQL=off" in warning.hint


def test_with_the_switch_off_the_check_builds_nothing(settings, nothing_compiled_yet, monkeypatch):
    settings.TASKS_PRECOMPILED_SQL = False
    monkeypatch.setattr(precompiled.Precompiled, "compiled", lambda *args: pytest.fail("compiled with the switch off"))

    assert check_precompiled_reads() == []
