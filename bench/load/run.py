"""Mixed load on the API with wrk: requests/s, p50/p99, errors, and rows lost (must be 0).

    .venv/bin/python bench/load/run.py [--smoke] [--database sqlite|postgres] [--duration 20] [--json FILE]

Starts gunicorn (2 workers, DEBUG off, rate limits far above the load) on a
free loopback port with a fresh database, then runs wrk with ``mixed.lua``
(list 30%, read 25%, create 20%, update 15%, delete 10%; one user per wrk
thread) for a bounded time. Afterwards it compares what the API acknowledged
(201 ids, 204 deletes) with the rows in the database. Exit status: 0 passed,
1 errors or lost rows, 2 something it needs is missing (wrk: ``apt-get install -y wrk``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reliability import stack

HERE = Path(__file__).resolve().parent
REDIS_DB = 6  # emptied before and after; the cluster test uses 5


def count_rows(database: str, users: list[str]) -> dict[str, set[int]]:
    """Task ids per load user, read straight from the database."""
    query = "SELECT id FROM tasks_task WHERE user_id = {}"
    if database.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(database.removeprefix("sqlite:///"))) as conn:
            return {u: {row[0] for row in conn.execute(query.format("?"), (u,))} for u in users}
    return {u: {row[0] for row in stack.pg_rows(database, query.format("%s"), (u,))} for u in users}


def compare(result: dict[str, Any], rows: dict[str, set[int]]) -> dict[str, Any]:
    """Acknowledged creations and deletions against the rows: lost, resurrected, unacknowledged."""
    totals: dict[str, Any] = {
        **dict.fromkeys(("created", "deleted", "in_flight", "expected", "rows", "lost", "resurrected"), 0),
        "unacknowledged": 0,
        "lost_ids": [],
    }
    for user in result["users"]:
        created, deleted = set(user["created"]), set(user["deleted"])
        unknown = {user["delete_in_flight"]} - {None}  # its answer never came: either outcome is fine
        expected, found = created - deleted - unknown, rows[user["user"]] - unknown
        totals["lost_ids"] += sorted(expected - found)
        totals["created"] += len(created)
        totals["deleted"] += len(deleted)
        totals["in_flight"] += len(unknown)
        totals["expected"] += len(expected)
        totals["rows"] += len(found)
        totals["lost"] += len(expected - found)
        totals["resurrected"] += len(deleted & found)
        # A row no 201 announced: fine once if a create was still in flight when wrk stopped.
        totals["unacknowledged"] += max(0, len(found - created) - int(user["create_in_flight"]))
    return totals


def run(args: argparse.Namespace) -> int:
    wrk = stack.which("wrk")
    if not wrk:
        raise stack.Unavailable("wrk is not installed: apt-get install -y wrk (Debian package wrk)")
    keys = stack.Secrets()
    with contextlib.ExitStack() as cleanup:
        workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="load-")))
        if args.database == "postgres":
            if not stack.pg_ready():
                raise stack.Unavailable(f"--database postgres: PostgreSQL is not reachable at {stack.PG_URL}")
            database = cleanup.enter_context(stack.pg_database("load_bench"))
        else:
            database = f"sqlite:///{workdir / 'load.sqlite3'}"
        cache = {}
        if args.redis:
            if not stack.redis_ready():
                raise stack.Unavailable(f"--redis: Redis is not reachable at {stack.REDIS_BASE}")
            cache["REDIS_URL"] = cleanup.enter_context(stack.redis_database(REDIS_DB))
        env = stack.unthrottled_server_env(
            keys, **cache, DATABASE_URL=database, LOG_LEVEL="INFO" if args.log_requests else "WARNING"
        )
        stack.manage(env, "migrate", "--no-input")
        port = stack.free_port()
        extra = ("--worker-class", args.worker_class) if args.worker_class else ()
        server = stack.start_gunicorn("api", port, env, workdir, workers=args.workers, extra=extra)
        cleanup.callback(server.stop)
        base_url = f"http://{stack.HOST}:{port}"
        stack.wait_ready(base_url, [server])

        users = [f"load-{n}" for n in range(1, args.connections + 1)]
        result_path = workdir / "wrk.json"
        wrk_env = {
            **os.environ,
            "LOAD_TOKENS": ",".join(keys.token(u) for u in users),
            "LOAD_RESULT": str(result_path),
        }
        cmd = [wrk, "-t", str(args.connections), "-c", str(args.connections), "-d", f"{args.duration}s"]
        cmd += ["--timeout", "10s", "-s", str(HERE / "mixed.lua"), base_url]
        print(
            f"load: {args.duration}s of mixed traffic, {args.connections} connections, gunicorn {args.workers} "
            f"{args.worker_class or 'sync'} workers, {args.database}, rate-limit counters in "
            + ("Redis" if args.redis else "the database"),
            flush=True,
        )
        done = subprocess.run(cmd, env=wrk_env, capture_output=True, text=True, timeout=args.duration + 60, check=False)  # noqa: S603
        if done.returncode != 0 or not result_path.exists():
            raise stack.Failed(f"wrk exited {done.returncode}:\n{done.stdout}{done.stderr}")
        result = json.loads(result_path.read_text())
        server_alive = server.alive()
        rows = count_rows(database, users)
        server.stop()
        tracebacks = server.tail(1000).count("Traceback")
        if args.keep:
            # The evidence for a failed run: what wrk was told, what the server logged, the SQLite file.
            keep = Path(args.keep)
            keep.mkdir(parents=True, exist_ok=True)
            for path in (result_path, server.log, workdir / "load.sqlite3"):
                if path.exists():
                    shutil.copy2(path, keep / path.name)

    return report(result, compare(result, rows), server_alive, tracebacks, args)


def report(result: dict[str, Any], rows: dict[str, int], server_alive: bool, tracebacks: int, args: Any) -> int:
    seconds = result["duration_us"] / 1e6
    latency = result["latency_us"]
    statuses = {int(k): v for k, v in result["statuses"].items()}
    socket_errors = sum(v for k, v in result["errors"].items() if k != "status")
    unexpected = sum(v for k, v in statuses.items() if k not in (200, 201, 204))
    errors = socket_errors + unexpected
    summary = {
        "duration_s": round(seconds, 1),
        "requests": result["requests"],
        "requests_per_s": round(result["requests"] / seconds, 1),
        "p50_ms": latency["p50"] / 1000,
        "p90_ms": latency["p90"] / 1000,
        "p99_ms": latency["p99"] / 1000,
        "max_ms": latency["max"] / 1000,
        "statuses": dict(sorted(statuses.items())),
        "errors": errors,
        "socket_errors": result["errors"],
        **{f"rows_{k}": v for k, v in rows.items()},
        "database": args.database,
        "counters": "redis" if args.redis else "database",
        "workers": args.workers,
        "connections": args.connections,
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        # Other work on the machine skews every figure: keep the load average beside them.
        "load_average_1m_after": round(os.getloadavg()[0], 2),
    }
    print(
        f"requests {summary['requests']} in {summary['duration_s']}s = {summary['requests_per_s']}/s; "
        f"latency p50 {summary['p50_ms']:.1f} ms, p90 {summary['p90_ms']:.1f} ms, p99 {summary['p99_ms']:.1f} ms, "
        f"max {summary['max_ms']:.1f} ms (load average {summary['load_average_1m_after']})"
    )
    print(
        "statuses " + ", ".join(f"{k}={v}" for k, v in summary["statuses"].items()) + f"; errors {errors} "
        f"(socket {socket_errors}, unexpected status {unexpected})"
    )
    print(
        f"rows: {rows['created']} creations and {rows['deleted']} deletions acknowledged "
        f"({rows['in_flight']} deletions unanswered when wrk stopped, not counted), {rows['expected']} "
        f"expected, {rows['rows']} in the database; lost {rows['lost']}, resurrected {rows['resurrected']}, "
        f"rows no answer explains {rows['unacknowledged']}"
        + (f" (lost ids {rows['lost_ids'][:20]})" if rows["lost_ids"] else "")
    )
    problems = []
    if errors:
        problems.append(f"{errors} errors")
    if rows["lost"] or rows["resurrected"] or rows["unacknowledged"]:
        problems.append(
            f"{rows['lost']} rows lost, {rows['resurrected']} deleted rows still there, "
            f"{rows['unacknowledged']} rows no answer explains"
        )
    if not server_alive:
        problems.append("the server died")
    if tracebacks:
        problems.append(f"{tracebacks} tracebacks in the server log")
    if args.json:
        Path(args.json).write_text(json.dumps({**summary, "problems": problems}, indent=2) + "\n")
    print("load: " + ("PASSED" if not problems else "FAILED: " + "; ".join(problems)))
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="3 seconds, 2 connections: does it work at all")
    parser.add_argument("--duration", type=int, default=20, help="seconds of load (default 20, at most 300)")
    parser.add_argument("--connections", type=int, default=4, help="wrk threads = connections = users (default 4)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--redis", action="store_true", help="rate-limit counters in Redis (db 6) instead of the database"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--worker-class", help="gunicorn worker class (default: gunicorn's, sync)")
    parser.add_argument("--json", help="also write the summary to this file")
    parser.add_argument("--keep", help="copy wrk's acknowledgements, the server log and the SQLite file here")
    parser.add_argument("--log-requests", action="store_true", help="server logs every request (LOG_LEVEL=INFO)")
    args = parser.parse_args()
    if args.smoke:
        args.duration, args.connections = 3, 2
    args.duration = min(max(args.duration, 1), 300)
    args.connections = min(max(args.connections, 1), 64)
    started = time.monotonic()
    code = run(args)
    print(f"took {time.monotonic() - started:.0f}s")
    return code


if __name__ == "__main__":
    stack.run_script("load", main)
