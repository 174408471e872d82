"""The previous release keeps serving while this release's migrations apply; then this release serves beside it.

A rolling deploy migrates first and replaces the instances afterwards (docs/deploys.md), so for a while the
previous release's code runs against the new schema, and both releases against it at once. Here each release
runs as its own gunicorn server, from its own copy of the code, on one database:

1. the previous release's code migrates a fresh database and starts serving;
2. this release's migrations apply (``manage.py migrate`` from this release's code) while the previous release
   keeps answering a create, list, read, update and delete per round;
3. this release starts beside it, and each serves those operations and reads the tasks the other wrote.

"Previous release" is, in this order: the git revision in ``PREVIOUS_RELEASE`` (what the release process sets:
the commit production runs); the newest tag ``v*`` reachable from HEAD; else the parent of the commit that added
the newest migration file of the project's apps (``git log --follow``), that is the code that was serving when
that migration was deployed. The migrations between the two are whatever the two trees hold; on top, this
release's copy always gets a demonstration expand migration (a nullable column, a new table, a backfill), so the
test migrates under load even when no real migration lies between them. A last test applies a contract step (a
renamed column) instead and requires the previous release to fail, so this check is known to catch one.
Every run prints what it checked.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from conftest import scratch_postgresql_database
from reliability import stack

ROOT = Path(__file__).resolve().parents[2]
PROJECT_APPS = ("api", "tasks")


def server_code() -> list[str]:
    """What a server of this release needs: the project's own apps (as INSTALLED_APPS lists them) and its wiring."""
    apps = [name for name in settings.INSTALLED_APPS if (ROOT / name).is_dir()]
    return [*apps, "todo_project", "manage.py"]


DEMO = "9000_rollout_demo"
USER = "rollout"

EXPAND = '''"""Demonstration expand step, added by test_rolling_migration.py to a copy of the code only."""

import time

from django.db import migrations, models


def pause(apps, schema_editor):
    time.sleep(1)  # the previous release serves the half-migrated schema meanwhile


def backfill(apps, schema_editor):
    Task = apps.get_model("tasks", "Task")
    Task.objects.filter(rollout_note__isnull=True).update(rollout_note="backfilled")


class Migration(migrations.Migration):
    atomic = False  # each step commits on its own, so no lock is held across the backfill
    dependencies = [("tasks", "{latest}")]
    operations = [
        migrations.AddField("task", "rollout_note", models.CharField(max_length=40, null=True)),
        migrations.CreateModel(
            "RolloutNote",
            fields=[("id", models.BigAutoField(primary_key=True)), ("text", models.CharField(max_length=40))],
        ),
        migrations.RunPython(pause, migrations.RunPython.noop),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
'''
CONTRACT = '''"""Demonstration contract step, added by test_rolling_migration.py to a copy of the code only."""

from django.db import migrations


class Migration(migrations.Migration):
    contract = True
    dependencies = [("tasks", "{latest}")]
    operations = [migrations.RenameField("task", "description", "details")]
'''


def git(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        pytest.fail("git is not installed: this test runs the previous release's code from the git history.")


def previous_release() -> tuple[str, str]:
    """The previous release's commit, and how it was chosen (the module's docstring gives the order)."""
    head = git("rev-parse", "--verify", "HEAD")
    if head.returncode != 0:
        pytest.fail(f"{ROOT} is not a git checkout: this test runs the previous release's code from git history")
    if revision := os.environ.get("PREVIOUS_RELEASE"):
        found = git("rev-parse", "--verify", f"{revision}^{{commit}}")
        if found.returncode != 0:
            pytest.fail(f"PREVIOUS_RELEASE={revision} is not a commit of this repository: {found.stderr.strip()}")
        return found.stdout.strip(), f"PREVIOUS_RELEASE={revision}"
    tag = git("describe", "--tags", "--abbrev=0", "--match", "v*", "HEAD")
    if tag.returncode == 0:
        name = tag.stdout.strip()
        return git("rev-parse", f"{name}^{{commit}}").stdout.strip(), f"the newest release tag {name}"
    newest: tuple[int, str, str] | None = None
    for app in PROJECT_APPS:
        for path in sorted((ROOT / app / "migrations").glob("[0-9]*.py")):
            relative = str(path.relative_to(ROOT))
            added = git("log", "--follow", "--diff-filter=A", "--format=%H %ct", "--", relative).stdout.split()
            if not added:  # not committed yet: what HEAD holds is the code before it
                return head.stdout.strip(), f"HEAD, as the newest migration {relative} is not committed yet"
            commit, when = added[-2], int(added[-1])  # the first addition, before any rename
            newest = max(newest or (when, commit, relative), (when, commit, relative))
    if newest is None:
        pytest.fail(f"no migration found in {', '.join(PROJECT_APPS)}: nothing to choose a previous release by")
    _, commit, relative = newest
    parent = git("rev-parse", "--verify", f"{commit}^")
    if parent.returncode != 0:
        pytest.fail(
            f"cannot read the parent of {commit} (a shallow clone?): set PREVIOUS_RELEASE or fetch the history. "
            f"git said: {parent.stderr.strip()}"
        )
    return parent.stdout.strip(), f"the parent of {commit[:12]}, which added the newest migration {relative}"


def migration_files(tree: Path) -> set[str]:
    return {f"{p.parent.parent.name}.{p.stem}" for p in tree.glob("*/migrations/[0-9]*.py")}


@dataclass(frozen=True)
class Releases:
    previous: Path
    commit: str
    chosen: str
    current: Path  # this release's code, with the demonstration expand migration
    contracting: Path  # this release's code, with the demonstration contract step instead
    between: list[str]  # the real migrations this release adds to the previous one's


def this_release_with(tree: Path, migration: str) -> Path:
    """A copy of this release's code (the working tree, committed or not) plus ``migration`` in tasks."""
    for name in server_code():
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, tree / name)
    latest = max(p.stem for p in (tree / "tasks" / "migrations").glob("[0-9]*.py"))
    (tree / "tasks" / "migrations" / f"{DEMO}.py").write_text(migration.replace("{latest}", latest))
    return tree


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Releases:
    commit, chosen = previous_release()
    command = ["git", "-C", str(ROOT), "archive", "--format=tar", commit]
    archive = subprocess.run(command, capture_output=True, timeout=60)
    assert archive.returncode == 0, f"git archive {commit}: {archive.stderr.decode()}"
    previous = tmp_path_factory.mktemp("previous")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(previous, filter="data")
    current = this_release_with(tmp_path_factory.mktemp("current"), EXPAND)
    contracting = this_release_with(tmp_path_factory.mktemp("contracting"), CONTRACT)
    between = sorted(migration_files(current) - migration_files(previous) - {f"tasks.{DEMO}"})
    return Releases(previous, commit, chosen, current, contracting, between)


def manage(tree: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=tree, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} in {tree} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@dataclass
class Rounds:
    """The outcome of each round of operations one release served."""

    done: int = 0
    failures: list[str] = field(default_factory=list)
    kept: dict[int, str] = field(default_factory=dict)  # tasks left in place for the other release: id -> title


def one_round(base: str, token: str, tag: str, rounds: Rounds) -> None:
    """Create, list, read, update and delete one task, and keep a second one; any surprise is a failure."""
    tasks = f"/api/{USER}/tasks"

    def expect(status: int, method: str, path: str, body: object = None) -> object:
        try:
            got, _, payload = stack.request(base, method, path, token=token, body=body)
        except ConnectionError as e:
            rounds.failures.append(f"{tag}: {method} {path}: {e}")
            return None
        if got != status:
            rounds.failures.append(f"{tag}: {method} {path}: {got} instead of {status}: {str(payload)[:200]}")
            return None
        return payload

    created = expect(201, "POST", tasks, {"title": f"{tag} work", "description": "to be changed"})
    kept = expect(201, "POST", tasks, {"title": f"{tag} kept", "description": tag})
    if not isinstance(created, dict) or not isinstance(kept, dict):
        return
    listed = expect(200, "GET", f"{tasks}?limit=100&search={quote(tag)}")
    if isinstance(listed, list) and {created["id"], kept["id"]} - {task["id"] for task in listed}:
        rounds.failures.append(f"{tag}: the list lacks the tasks just created: {listed!r}"[:300])
    path = f"{tasks}/{created['id']}"
    expect(200, "PATCH", path, {"title": f"{tag} done", "completed": True})
    read = expect(200, "GET", path)
    if isinstance(read, dict) and (read.get("title"), read.get("completed")) != (f"{tag} done", True):
        rounds.failures.append(f"{tag}: the update did not hold: {read!r}"[:300])
    expect(204, "DELETE", path)
    expect(404, "GET", path)
    rounds.kept[kept["id"]] = f"{tag} kept"
    rounds.done += 1


def read_kept(base: str, token: str, kept: dict[int, str], who: str) -> list[str]:
    """Every task the other release kept, as it left it."""
    problems = []
    for task_id, title in kept.items():
        status, _, task = stack.request(base, "GET", f"/api/{USER}/tasks/{task_id}", token=token)
        if status != 200 or task.get("title") != title:
            problems.append(f"{who}: task {task_id} written by the other release: {status} {str(task)[:200]}")
    return problems


def rows(database_url: str, query: str) -> list[tuple]:
    if database_url.startswith("sqlite:///"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
            return db.execute(query).fetchall()
    return stack.pg_rows(database_url, query)


@dataclass
class Server:
    base: str
    process: stack.Process


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[str, Path, dict[str, str]], Server]]:
    """``serve(name, tree, env)``: gunicorn (1 worker) running TREE's code; stopped after the test."""
    started: list[stack.Process] = []

    def start(name: str, tree: Path, env: dict[str, str]) -> Server:
        port = stack.free_port()
        cmd = [str(stack.BIN / "gunicorn"), "todo_project.wsgi", "--bind", f"{stack.HOST}:{port}", "--workers", "1"]
        process = stack.Process(name, cmd, env=env, log=tmp_path / f"{name}.log", cwd=tree)
        started.append(process)
        base = f"http://{stack.HOST}:{port}"
        stack.wait_ready(base, [process], timeout=60)
        return Server(base, process)

    yield start
    for process in started:
        process.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind; PostgreSQL only in the PostgreSQL run (make test-postgres)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rollout.sqlite3'}"
        return
    with scratch_postgresql_database("rollout") as url:
        yield url


def rounds_while(base: str, token: str, tag: str, running: Callable[[], bool], rounds: Rounds) -> list[float]:
    """Rounds until ``running()`` turns false, and the time each one ended."""
    ended = []
    while running() and rounds.done < 500:
        one_round(base, token, f"{tag}{rounds.done}", rounds)
        ended.append(time.monotonic())
    return ended


def migrate_under_load(tree: Path, env: dict[str, str], old: Server, token: str, rounds: Rounds) -> tuple[str, int]:
    """``migrate`` from TREE while OLD serves rounds in a thread; its output and the rounds done meanwhile."""
    migrating = threading.Event()
    migrating.set()
    ended: list[float] = []
    thread = threading.Thread(
        target=lambda: ended.extend(rounds_while(old.base, token, "during ", migrating.is_set, rounds)), daemon=True
    )
    thread.start()
    started = time.monotonic()
    try:
        output = manage(tree, env, "migrate", "--no-input")
    finally:
        finished = time.monotonic()
        migrating.clear()
        thread.join(timeout=60)
    assert not thread.is_alive(), "the previous release's requests did not finish"
    return output, sum(1 for t in ended if started <= t <= finished)


def test_the_previous_release_serves_while_this_releases_migrations_apply_then_both_serve(
    releases, database_url, serve, capsys
):
    keys = stack.Secrets()
    env = stack.unthrottled_server_env(keys, DATABASE_URL=database_url)
    token = keys.token(USER)
    manage(releases.previous, env, "migrate", "--no-input", "-v", "0")
    old = serve("previous", releases.previous, env)
    before = Rounds()
    for n in range(3):
        one_round(old.base, token, f"before {n}", before)
    assert not before.failures, "the previous release fails on its own schema:\n" + "\n".join(before.failures)

    during = Rounds()
    applied, overlapping = migrate_under_load(releases.current, env, old, token, during)
    assert f"Applying tasks.{DEMO}... OK" in applied
    for n in range(3):
        one_round(old.base, token, f"after {n}", during)
    assert not during.failures, "the previous release failed while or after migrating:\n" + "\n".join(during.failures)
    assert overlapping >= 1, "no request of the previous release was served while the migration ran"

    new = serve("current", releases.current, env)
    beside_new, beside_old = Rounds(), Rounds()
    for n in range(3):
        one_round(new.base, token, f"new {n}", beside_new)
        one_round(old.base, token, f"old {n}", beside_old)
    failures = beside_new.failures + beside_old.failures
    failures += read_kept(new.base, token, {**before.kept, **during.kept, **beside_old.kept}, "this release")
    failures += read_kept(old.base, token, beside_new.kept, "the previous release")
    assert not failures, "the two releases side by side:\n" + "\n".join(failures)
    # The backfill reached the rows that were there; the previous release's later inserts leave the column
    # NULL, which this release's code must therefore accept.
    notes = dict(rows(database_url, "SELECT id, rollout_note FROM tasks_task"))
    assert {notes[task_id] for task_id in before.kept} == {"backfilled"}
    assert {notes[task_id] for task_id in beside_old.kept} == {None}

    with capsys.disabled():
        print(
            f"\nrolling migration ({database_url.split(':')[0]}): previous release {releases.commit[:12]} "
            f"({releases.chosen})\n"
            f"  real migrations between it and this release: {', '.join(releases.between) or 'none'}; plus the "
            f"demonstration expand migration tasks.{DEMO} (nullable column, new table, backfill)\n"
            f"  previous release: {before.done + during.done} rounds of create/list/read/update/delete, 0 failed, "
            f"{overlapping} of them while the migration ran\n"
            f"  then both releases side by side: {beside_new.done} + {beside_old.done} rounds, 0 failed; "
            f"{len(before.kept) + len(during.kept) + len(beside_old.kept)} tasks of the previous release read by "
            f"this one, {len(beside_new.kept)} the other way"
        )


def test_a_contract_step_applied_under_the_previous_release_is_caught(releases, serve, tmp_path, capsys):
    """The same check with a renamed column instead of the expand step: the previous release must fail."""
    keys = stack.Secrets()
    env = stack.unthrottled_server_env(keys, DATABASE_URL=f"sqlite:///{tmp_path / 'contract.sqlite3'}")
    token = keys.token(USER)
    manage(releases.previous, env, "migrate", "--no-input", "-v", "0")
    old = serve("previous", releases.previous, env)
    before = Rounds()
    one_round(old.base, token, "before", before)
    assert not before.failures, "\n".join(before.failures)
    applied = manage(releases.contracting, env, "migrate", "--no-input")
    assert f"Applying tasks.{DEMO}... OK" in applied
    after = Rounds()
    one_round(old.base, token, "after", after)
    assert after.failures, "the previous release still served after its column was renamed: the check is blind"
    with capsys.disabled():
        print(
            f"\nrolling migration, contract step (renamed column) under the previous release: "
            f"{len(after.failures)} failed operation(s), e.g. {after.failures[0][:160]}"
        )
