"""A database made by the version before the ``api`` app migrates forward and keeps its rate-limit counters.

That version (EARLIER_COMMIT) kept the counter model in a ``todo_project`` app with
migrations of its own. Its code, taken from git history, makes the database here,
so the test runs both versions' real migrations, each in a process of its own.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import scratch_postgresql_database

ROOT = Path(__file__).resolve().parents[2]
# The last commit whose rate-limit counters lived in todo_project (todo_project/migrations 0001 and 0002).
EARLIER_COMMIT = "1067d726d3416c9ac849a6437b6926b777a8a89e"
COUNTERS = [("user:alice:writes", 3, 4102444800.0), ("user:bob:reads", 41, 4102444860.5), ("fail:10.0.0.7", 1, 1.0)]

WRITE_COUNTERS = f"""
from todo_project.models import RateLimitCounter
RateLimitCounter.objects.bulk_create(RateLimitCounter(key=k, count=c, expires=e) for k, c, e in {COUNTERS!r})
"""
READ_STATE = """
import json
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from api.models import RateLimitCounter
persistence = None
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE oid = 'rate_limit_counter'::regclass")
        (persistence,) = cursor.fetchone()
print(json.dumps({
    "counters": sorted(RateLimitCounter.objects.values_list("key", "count", "expires")),
    "content_types": sorted(ContentType.objects.filter(model="ratelimitcounter").values_list("app_label", "id")),
    "persistence": persistence,
}))
"""
EARLIER_CONTENT_TYPE = (
    "import json; from django.contrib.contenttypes.models import ContentType; "
    "print(json.dumps(ContentType.objects.get(app_label='todo_project', model='ratelimitcounter').id))"
)


@pytest.fixture(scope="module")
def earlier_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's files as they were at EARLIER_COMMIT."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", EARLIER_COMMIT], capture_output=True, timeout=60
        )
    except FileNotFoundError:
        pytest.fail(f"git is not installed: this test builds a database with the code of commit {EARLIER_COMMIT}.")
    if archive.returncode != 0:
        pytest.fail(
            f"Cannot read commit {EARLIER_COMMIT} from the git history of {ROOT} (not a git checkout, or a shallow "
            f"clone without that commit?): this test builds a database with that commit's code. "
            f"git said: {archive.stderr.decode().strip()}"
        )
    tree = tmp_path_factory.mktemp("earlier")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(tree, filter="data")
    return tree


def manage(tree: Path, database_url: str, *args: str) -> str:
    """``manage.py ARGS`` of the project in TREE on DATABASE_URL, in its own process; its output."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "todo_project.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "migration-test-not-secret",
        "BETTER_AUTH_URL": "http://localhost:3000",
        "ENV_FILE": "",  # no developer's .env
        "REDIS_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=tree, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} in {tree} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def migrate_forward_from_earlier(earlier_tree: Path, database_url: str) -> None:
    manage(earlier_tree, database_url, "migrate", "--no-input", "-v", "0")
    manage(earlier_tree, database_url, "shell", "-v", "0", "-c", WRITE_COUNTERS)
    content_type_id = json.loads(manage(earlier_tree, database_url, "shell", "-v", "0", "-c", EARLIER_CONTENT_TYPE))

    applied = manage(ROOT, database_url, "migrate", "--no-input")
    assert "Applying api.0001_initial... OK" in applied

    state = json.loads(manage(ROOT, database_url, "shell", "-v", "0", "-c", READ_STATE))
    assert state["counters"] == sorted([list(counter) for counter in COUNTERS])
    # The same content type row, so permissions granted on it still hold.
    assert state["content_types"] == [["api", content_type_id]]
    if database_url.startswith("postgres"):
        assert state["persistence"] == "u"  # unlogged, as the earlier version left it
    assert "[X] 0001_initial" in manage(ROOT, database_url, "showmigrations", "api")
    assert "No migrations to apply." in manage(ROOT, database_url, "migrate", "--no-input")
    manage(ROOT, database_url, "migrate", "--check")  # exits non-zero if anything is left unapplied


def test_a_sqlite_database_from_the_earlier_version_keeps_its_counters(earlier_tree, tmp_path):
    migrate_forward_from_earlier(earlier_tree, f"sqlite:///{tmp_path / 'earlier.sqlite3'}")


def test_a_postgresql_database_from_the_earlier_version_keeps_its_counters(earlier_tree):
    with scratch_postgresql_database("frommain") as database_url:
        migrate_forward_from_earlier(earlier_tree, database_url)
