"""The list at scale on PostgreSQL: 1,000,000 tasks, 100,000 of them one user's.

``python -m bench.scale [--rows N] [--out FILE]``, with the environment of
``common.server_env`` pointing DATABASE_URL at a database of its own (``bench.run``
uses ``bench``; it is dropped and made anew).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from .common import Identity, log, per_call, write_json
from .harness import Client, setup_django

HEAVY, LIGHT = "heavy-user", "light-user"
LIGHT_TASKS = 10
OTHERS_TASKS = 10  # tasks per user for everyone else
# What the heavy user searches for (every title is "Task <n>", every description the same sentence): a number
# a few of their tasks hold (Task 4242, Task 42420-42429); the same beside a word every task holds, whose
# trigrams are in every row of the table; a word no task holds, which without an index means reading every
# one of their rows; and a word every one of their tasks holds, whose count reads them all.
SEARCHES = {
    "a few matches": "4242",
    "a few matches and a common word": "task 4242",
    "no match": "dentist",
    "every task matches": "sentence",
}


def seed(rows: int) -> None:
    """COPY ``rows`` tasks in (a tenth of them the heavy user's), with a progress bar; counters rebuilt after."""
    from django.db import DatabaseError, connection

    heavy = rows // 10
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tasks_task, tasks_taskcount RESTART IDENTITY")
        # Row triggers would cost more than the COPY itself; the counters are rebuilt in one pass below.
        cursor.execute("ALTER TABLE tasks_task DISABLE TRIGGER USER")
        started = time.monotonic()
        columns = "user_id, title, description, completed, created_at, updated_at"
        with cursor.cursor.copy(f"COPY tasks_task ({columns}) FROM STDIN") as copy:
            for i in range(rows):
                if i < heavy:
                    user = HEAVY
                elif i < heavy + LIGHT_TASKS:
                    user = LIGHT
                else:
                    user = f"user-{i // OTHERS_TASKS}"
                at = start + timedelta(seconds=i)
                copy.write_row((user, f"Task {i}", "Something to do, described in a sentence.", i % 3 == 0, at, at))
                if i % 20_000 == 0 or i == rows - 1:
                    done = (i + 1) / rows
                    bar = "#" * int(done * 40)
                    print(f"\r  seeding [{bar:<40}] {done:6.1%} {i + 1:>9,} rows", end="", file=sys.stderr, flush=True)
        print(f" in {time.monotonic() - started:.1f} s", file=sys.stderr)
        cursor.execute("ALTER TABLE tasks_task ENABLE TRIGGER USER")
        cursor.execute(
            "INSERT INTO tasks_taskcount (user_id, total, completed) "
            "SELECT user_id, COUNT(*), COUNT(*) FILTER (WHERE completed) FROM tasks_task GROUP BY user_id"
        )
    connection.cursor().execute("VACUUM ANALYZE tasks_task")
    connection.cursor().execute("VACUUM ANALYZE tasks_taskcount")
    # Write the load out now: a checkpoint flushing it during the timings would compete
    # with the requests for the disk, and the timings would measure that.
    try:
        connection.cursor().execute("CHECKPOINT")
    except DatabaseError as e:  # a role without pg_checkpoint: the timings are only noisier
        log(f"  no CHECKPOINT after loading ({e}); timings may include the disk's catching up")


def explain_list_queries(heavy_total: int) -> dict[str, str]:
    """EXPLAIN ANALYZE of every query the list path runs, for the heavy user, as the API sends it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tasks.listing import task_listing
    from tasks.models import TaskCount
    from tasks.pages import keyset_rows, list_total
    from tasks.selectors import task_list
    from tasks.serializers import TASK_FIELDS
    from tasks.usual_page import task_page_query

    def page(status: str, offset: int, limit: int = 50) -> tuple[str, list[Any]]:
        query = task_page_query(connection.alias, status=status, ordering="-created_at", fields=TASK_FIELDS)
        return query.sql, query.parameters(user_id=HEAVY, offset=offset, limit=limit)

    rows = task_list(user_id=HEAVY).values(*TASK_FIELDS)
    last = rows[heavy_total // 2]
    keyset = keyset_rows(task_listing(user_id=HEAVY, fields=TASK_FIELDS), after=(last["created_at"], last["id"]))[:51]
    counter = TaskCount.objects.filter(user_id=HEAVY).values_list("total", flat=True)
    plans = {
        "first page (rows)": page("all", 0),
        "X-Total-Count of a page past the end (counter row)": counter.query.sql_with_params(),
        "status=pending (rows)": page("pending", 0),
        "keyset page half way (?after=)": keyset.query.sql_with_params(),
        "offset page at the end (?offset=)": page("all", heavy_total - 50),
    }
    for name, term in SEARCHES.items():
        searched = task_listing(user_id=HEAVY, fields=TASK_FIELDS, search=term)
        plans[f"search, {name} (?search={term}, rows)"] = keyset_rows(searched, after=None)[:51].query.sql_with_params()
        with CaptureQueriesContext(connection) as counted:  # the COUNT(*) the paginator runs, as it runs it
            list_total(searched)
        plans[f"search, {name} (X-Total-Count)"] = (counted.captured_queries[-1]["sql"], None)
    explained = {}
    with connection.cursor() as cursor:
        for name, (sql, params) in plans.items():
            cursor.execute(f"EXPLAIN ANALYZE {sql}", params)
            explained[name] = "\n".join(line for (line,) in cursor.fetchall())
    return explained


def run(rows: int, seconds: float) -> dict[str, Any]:
    identity = Identity.from_env()
    client = Client(setup_django(migrate=True))
    seed(rows)
    from django.db import connection

    connection.close()
    heavy_total = rows // 10
    token_heavy, token_light = identity.token(HEAVY), identity.token(LIGHT)

    def timed(path: str, token: str) -> float:
        environ = client.environ("GET", path, token=token)

        def call() -> bytes:
            body = client.call(environ)
            if not client.status.startswith("200"):
                raise RuntimeError(f"{path}: {client.status} {body[:200]!r}")
            return body

        return per_call(call, seconds=seconds, repeat=3) * 1000

    first = {"heavy": [], "light": []}
    for _ in range(5):  # interleaved rounds
        first["heavy"].append(timed(f"/api/{HEAVY}/tasks", token_heavy))
        first["light"].append(timed(f"/api/{LIGHT}/tasks", token_light))
    heavy_ms, light_ms = min(first["heavy"]), min(first["light"])
    log(f"  first page: {heavy_total:,}-task user {heavy_ms:.2f} ms, {LIGHT_TASKS}-task user {light_ms:.2f} ms "
        f"= {heavy_ms / light_ms:.2f}x (target ≤ 2x)")  # fmt: skip

    searches: dict[str, dict[str, Any]] = {}
    for name, term in SEARCHES.items():
        ms = min(timed(f"/api/{HEAVY}/tasks?after=&search={quote(term)}", token_heavy) for _ in range(3))
        searches[name] = {"term": term, "ms": ms, "ratio": ms / heavy_ms}
        log(f"  search ({name}, {term!r}): {ms:.2f} ms = {ms / heavy_ms:.2f}x the first page (target ≤ 3x)")

    from tasks.cursors import encode_cursor
    from tasks.selectors import task_list
    from tasks.serializers import TASK_FIELDS

    ordered = task_list(user_id=HEAVY).values(*TASK_FIELDS)
    depths = [0, heavy_total // 100, heavy_total // 10, heavy_total // 2, heavy_total - 50]
    deep: list[dict[str, Any]] = []
    for depth in depths:
        offset_ms = timed(f"/api/{HEAVY}/tasks?offset={depth}", token_heavy)
        after = encode_cursor("-created_at", ordered[depth - 1]) if depth else ""
        keyset_ms = timed(f"/api/{HEAVY}/tasks?after={after}", token_heavy)
        deep.append({"depth": depth, "offset_ms": offset_ms, "keyset_ms": keyset_ms})
        log(f"  page at depth {depth:>7,}: offset {offset_ms:7.2f} ms, keyset {keyset_ms:6.2f} ms")
    plans = explain_list_queries(heavy_total)
    return {
        "rows": rows,
        "heavy_tasks": heavy_total,
        "light_tasks": LIGHT_TASKS,
        "first_page_ms": {"heavy": heavy_ms, "light": light_ms},
        "first_page_ratio": heavy_ms / light_ms,
        "searches": searches,
        "deep_pages": deep,
        "explain": plans,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=1.0, help="measuring time per request kind and round")
    parser.add_argument("--out")
    args = parser.parse_args()
    write_json(args.out, run(args.rows, args.seconds))


if __name__ == "__main__":
    main()
