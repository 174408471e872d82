"""Prepare and serve the reference stacks, for the HTTP benchmark to load beside the API.

Each stack runs as its own server process (2 workers, loopback only) on its own SQLite
file, and is seeded in a process of its own, so no Django settings are ever mixed.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..common import RESULTS_DIR, ROOT, USER

SERVER_ALONE = "gunicorn_alone"
STACKS: dict[str, str] = {
    "fastapi": "FastAPI + SQLModel + PyJWT, uvicorn x2",
    "drf_simplejwt": "DRF + simplejwt, gunicorn sync x2",
    # Not a competitor: the server's own ceiling on this machine, for scale.
    SERVER_ALONE: "an empty WSGI app, gunicorn sync x2",
}
WORKERS = 2
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def _check(stack: str) -> None:
    if stack not in STACKS:
        raise ValueError(f"unknown reference stack {stack!r}: one of {', '.join(STACKS)}")


def prepare(stack: str, db_path: Path, tasks: int, user: str) -> int:
    """A fresh SQLite file with the stack's schema and ``tasks`` tasks for ``user``; returns one task's id."""
    _check(stack)
    if stack == SERVER_ALONE:
        return 1  # it has no database; any id will do
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "bench.reference.seed", stack, str(db_path.resolve()), str(tasks), user]
    env = _env(stack, dict(os.environ), db_path)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"seeding the {stack} reference stack failed:\n{result.stderr}")
    return int(result.stdout.split()[-1])


def _env(stack: str, env: dict[str, str], db_path: Path) -> dict[str, str]:
    """The caller's environment, pointed at this stack's database and, for DRF, its own settings."""
    env = {**env, "REFERENCE_DATABASE_PATH": str(db_path.resolve())}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    if stack == "drf_simplejwt":
        env["DJANGO_SETTINGS_MODULE"] = "bench.reference.drf.settings"
    else:
        env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


SYNC_WORKERS = ("--worker-class", "sync")


def gunicorn_command(app: str, port: int, workers: int = WORKERS, worker: Sequence[str] = SYNC_WORKERS) -> list[str]:
    """gunicorn on 127.0.0.1:``port``, by default with sync workers as the API is deployed (no access log)."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    return [gunicorn, app, "--workers", str(workers), *worker, "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning"]  # fmt: skip


def _command(stack: str, port: int) -> list[str]:
    """Each server as its docs deploy it; ``--log-level warning`` as the API's gunicorn has (no access log)."""
    if stack == "fastapi":
        uvicorn = str(Path(sys.executable).with_name("uvicorn"))
        return [uvicorn, "bench.reference.fastapi_app:app", "--workers", str(WORKERS), "--host", "127.0.0.1",
                "--port", str(port), "--log-level", "warning"]  # fmt: skip
    app = "bench.reference.empty_wsgi:application" if stack == SERVER_ALONE else "bench.reference.drf.wsgi:application"
    return gunicorn_command(app, port)


def _unauthenticated_status(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", f"/api/{USER}/tasks")
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@contextmanager
def serve(stack: str, env: dict[str, str], db_path: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """The stack's server on 127.0.0.1:``port``; output goes to ``bench/results/reference-<stack>.log``."""
    _check(stack)
    log_path = RESULTS_DIR / f"reference-{stack}.log"
    with run_server(STACKS[stack], _command(stack, port), _env(stack, env, db_path), port, log_path) as server:
        yield server


@contextmanager
def run_server(
    name: str, command: list[str], env: dict[str, str], port: int, log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Any benchmarked server, ready once a request without a token gets 401.

    On exit: SIGTERM, then after 15 s SIGKILL to the whole process group, so no
    worker outlives the benchmark.
    """
    RESULTS_DIR.mkdir(exist_ok=True)
    with open(log_path, "ab") as log_file:
        server = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + READY_TIMEOUT
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"{name} exited with {server.returncode}; see {log_path}")
                try:
                    status = _unauthenticated_status(port)
                except OSError:
                    status = None
                if status == 401:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{name} did not answer 401 on 127.0.0.1:{port} within {READY_TIMEOUT:.0f} s "
                        f"(last status {status}); see {log_path}"
                    )
                time.sleep(0.2)
            yield server
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
