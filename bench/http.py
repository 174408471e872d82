"""HTTP load with wrk against gunicorn on loopback, beside the reference stacks; a worker's memory.

``python -m bench.http [--duration S] [--rounds N] [--memory-requests N] [--worker-class C] [--out FILE]``,
with the environment of ``common.server_env`` (``bench.run`` sets it). The API and the
reference stacks (bench/reference/) are loaded in interleaved rounds in the same run, so
their ratios hold on whatever machine runs it. Every run stays on 127.0.0.1, is bounded
in time, and stops its servers.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import RESULTS_DIR, USER, Identity, log, write_json
from .reference.stacks import STACKS, SYNC_WORKERS, gunicorn_command, prepare, run_server, serve

LIST_TASKS = 20
CONNECTIONS = 16
OURS = "ours"
# How ours is served (--worker-class): sync, as deployed, or a class that keeps connections
# alive, as uvicorn does for the FastAPI stack, to see what that would be worth here.
DEFAULT_WORKER_CLASS = "sync"
WORKER_CLASSES: dict[str, tuple[str, tuple[str, ...]]] = {
    DEFAULT_WORKER_CLASS: ("todo_project.wsgi:application", SYNC_WORKERS),
    "gthread": ("todo_project.wsgi:application", ("--worker-class", "gthread", "--threads", "4")),
    "asgi": ("todo_project.asgi:application", ("--worker-class", "uvicorn.workers.UvicornWorker")),
}
# What the reference stacks' servers import (bench/requirements.txt); without them only ours is measured.
REFERENCE_MODULES = ("fastapi", "sqlmodel", "uvicorn", "uvloop", "httptools", "rest_framework_simplejwt")
NOT_INSTALLED = "reference stacks not installed: pip install -r bench/requirements.txt"
NEW_TASK = '{"title": "Load test"}'
# wrk's Lua: fixed method, headers and body; counts statuses other than the expected one;
# done() prints one JSON line with the latency percentiles, in microseconds.
WRK_SCRIPT = """
wrk.method = "{method}"
wrk.headers["Content-Type"] = "application/json"
{auth}
wrk.body = {body}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) unexpected = 0 end
function response(status, headers, body) if status ~= {expected} then unexpected = unexpected + 1 end end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("unexpected") end
  local e = summary.errors
  io.write(string.format('BENCH {{"requests": %d, "seconds": %f, "p50": %d, "p99": %d, "max": %d, '
    .. '"unexpected_status": %d, "socket_errors": %d}}\\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(99), latency.max, bad,
    e.connect + e.read + e.write + e.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(tasks: int) -> int:
    """A fresh SQLite file, migrated, with ``tasks`` tasks for the benchmark user; returns one id."""
    from .harness import setup_django

    setup_django()
    from django.db import connection

    from .inprocess import seed

    task_id = seed(tasks)
    connection.close()
    return task_id


@contextmanager
def gunicorn(workers: int, worker_class: str = DEFAULT_WORKER_CLASS) -> Any:
    """The API under gunicorn on a free loopback port; yields (port, master process)."""
    port = free_port()
    app, worker = WORKER_CLASSES[worker_class]
    command = gunicorn_command(app, port, workers, worker)
    with run_server("the API's gunicorn", command, dict(os.environ), port, RESULTS_DIR / "gunicorn.log") as server:
        yield port, server


def request(
    port: int, method: str, path: str, token: str | None = None, body: bytes | None = None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wrk(port: int, path: str, *, duration: float, method: str = "GET", token: str | None, body: str = "",
        expected: int = 200) -> dict[str, Any]:  # fmt: skip
    script = WRK_SCRIPT.format(
        method=method,
        auth=f'wrk.headers["Authorization"] = "Bearer {token}"' if token else "",
        body=json.dumps(body) if body else "nil",
        expected=expected,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(duration))}s", "-s", f.name]
        output = subprocess.run(  # noqa: S603
            [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, timeout=duration + 60
        ).stdout
    finally:
        os.unlink(f.name)
    match = re.search(r"^BENCH (\{.*\})$", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    raw = json.loads(match.group(1))
    return {
        "rps": raw["requests"] / raw["seconds"],
        "p50_ms": raw["p50"] / 1000,
        "p99_ms": raw["p99"] / 1000,
        "max_ms": raw["max"] / 1000,
        "requests": raw["requests"],
        "errors": raw["unexpected_status"] + raw["socket_errors"],
    }


@dataclass(frozen=True)
class Scenario:
    """One wrk load, the same for every stack: their paths differ only by the task's id."""

    name: str
    one_task: bool = False
    authenticated: bool = True
    method: str = "GET"
    body: str = ""
    expected: int = 200


SCENARIOS = (
    Scenario("GET list (20 tasks)"),
    Scenario("GET single task", one_task=True),
    Scenario("401, no token", authenticated=False, expected=401),
    # Last: it grows the tables the list scenario reads.
    Scenario("POST create", method="POST", body=NEW_TASK, expected=201),
)


@dataclass(frozen=True)
class Server:
    """A stack under load, ours or a reference one: its port and one of its benchmark user's tasks."""

    key: str
    port: int
    task_id: int


def measure(server: Server, scenario: Scenario, token: str, duration: float) -> dict[str, Any]:
    listing = f"/api/{USER}/tasks"
    return wrk(
        server.port,
        f"{listing}/{server.task_id}" if scenario.one_task else listing,
        duration=duration,
        method=scenario.method,
        token=token if scenario.authenticated else None,
        body=scenario.body,
        expected=scenario.expected,
    )


def missing_reference_modules() -> list[str]:
    """The reference stacks' packages (bench/requirements.txt) that this interpreter cannot import."""
    return [name for name in REFERENCE_MODULES if importlib.util.find_spec(name) is None]


def load(duration: float, rounds: int, worker_class: str) -> dict[str, Any]:
    """Every scenario against every stack in interleaved rounds, keeping each stack's best round by req/s.

    All servers run at once (an idle one costs nothing). Each result also carries the worst
    p99 and the errors over all its rounds: the POST target is about those, not throughput.
    """
    token = Identity.from_env().token()
    missing = missing_reference_modules()
    if missing:
        log(f"  {NOT_INSTALLED} (no {', '.join(missing)}); measuring ours only")
    references = [] if missing else list(STACKS)
    with ExitStack() as running:
        task_id = prepare_database(LIST_TASKS)
        servers = [Server(OURS, running.enter_context(gunicorn(2, worker_class))[0], task_id)]
        for key in references:
            db_path = RESULTS_DIR / f"reference-{key}.sqlite3"
            task_id = prepare(key, db_path, LIST_TASKS, USER)
            port = free_port()
            running.enter_context(serve(key, dict(os.environ), db_path, port))
            servers.append(Server(key, port, task_id))
        width = max(len(server.key) for server in servers)
        results: dict[str, dict[str, Any]] = {server.key: {} for server in servers}
        for scenario in SCENARIOS:
            for server in servers:
                measure(server, scenario, token, 1)  # warm-up: imports, connections, caches
            runs: dict[str, list[dict[str, Any]]] = {server.key: [] for server in servers}
            for round_number in range(1, rounds + 1):
                for server in servers:
                    r = measure(server, scenario, token, duration)
                    runs[server.key].append(r)
                    log(f"  [{round_number}/{rounds}] {server.key:<{width}} {scenario.name:<22} {r['rps']:8.0f} req/s"
                        f"  p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}")  # fmt: skip
            for key, rs in runs.items():
                results[key][scenario.name] = {
                    **max(rs, key=lambda r: r["rps"]),  # noise only ever lowers throughput
                    "rounds": len(rs),
                    "worst_p99_ms": max(r["p99_ms"] for r in rs),
                    "errors_all_rounds": sum(r["errors"] for r in rs),
                }
    measured: dict[str, Any] = {
        "load": results[OURS],
        "reference": {key: {"label": STACKS[key], "load": results[key]} for key in references},
        "rounds": rounds,
        "round_seconds": duration,
    }
    if missing:
        measured["reference_skipped"] = (
            f"not installed (no {', '.join(missing)}; pip install -r bench/requirements.txt)"
        )
    return measured


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]


def memory(total_requests: int, worker_class: str) -> dict[str, Any]:
    """One worker's resident memory after 100 requests and after ``total_requests``, mixed and many users."""
    identity = Identity.from_env()
    task_id = prepare_database(LIST_TASKS)
    tokens = [identity.token(f"user-{i}") for i in range(200)]
    own = identity.token()
    listing = f"/api/{USER}/tasks"
    mix = itertools.cycle(
        [
            lambda port: request(port, "GET", listing, own),
            lambda port: request(port, "GET", f"{listing}/{task_id}", own),
            lambda port: request(port, "GET", "/api/me", tokens[int(time.monotonic() * 1000) % len(tokens)]),
            lambda port: request(port, "GET", listing),
            lambda port: request(port, "POST", listing, own, b'{"title": "memory"}'),
        ]
    )
    with gunicorn(1, worker_class) as (port, server):
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        worker = int(children[0])
        for sent in range(1, total_requests + 1):
            next(mix)(port)
            if sent == 100:
                after_100 = rss_kib(worker)
        after_all = rss_kib(worker)
    growth = after_all / after_100 - 1
    log(f"  worker RSS after 100 requests {after_100} KiB, after {total_requests}: {after_all} KiB ({growth:+.1%})")
    return {"rss_kib_after_100": after_100, "rss_kib_after_all": after_all, "requests": total_requests,
            "growth": growth}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per scenario; the best is kept")
    parser.add_argument("--memory-requests", type=int, default=10_000)
    parser.add_argument(
        "--worker-class", choices=WORKER_CLASSES, default=DEFAULT_WORKER_CLASS, help="gunicorn's, for ours"
    )
    parser.add_argument("--out")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        log("  wrk is not installed (Debian: apt-get install -y wrk): HTTP load SKIPPED")
        result: dict[str, Any] = {"skipped": "wrk is not installed"}
    else:
        result = load(args.duration, args.rounds, args.worker_class)
    result["worker_class"] = args.worker_class
    result["memory"] = memory(args.memory_requests, args.worker_class)
    write_json(args.out, result)


if __name__ == "__main__":
    main()
