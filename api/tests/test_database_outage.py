"""The database goes away under a running server: 503 JSON within 2 s, then recovery without a restart.

A TCP relay stands between the server and PostgreSQL, so the test can cut the
database off for real and bring it back.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest

ROOT = Path(__file__).resolve().parents[2]
PG = ("127.0.0.1", 5432)
# Of this process: the SQLite and PostgreSQL runs of the suite may run side by side.
DB_NAME = f"outage_test_{os.getpid()}"
SECRET = "outage-test-secret-long-enough-for-hs256-tokens"
ISSUER = "http://auth.test"


def postgres_reachable() -> bool:
    try:
        socket.create_connection(PG, timeout=1).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not postgres_reachable(), reason="needs PostgreSQL on 127.0.0.1:5432")


class Relay:
    """Forwards a local port to PostgreSQL until cut."""

    def __init__(self) -> None:
        self.port = 0
        self._server: socket.socket | None = None
        self._sockets: list[socket.socket] = []

    def start(self) -> None:
        self._server = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, args=(self._server,), daemon=True).start()

    def cut(self) -> None:
        """Close the listener and every open connection, as a crashed database would."""
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked in the relay thread
            self._server.close()
            self._server = None
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._sockets.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(PG)
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def relay() -> Iterator[Relay]:
    relay = Relay()
    relay.start()
    yield relay
    relay.cut()


@pytest.fixture
def server(relay: Relay) -> Iterator[str]:
    import psycopg

    with psycopg.connect(host=PG[0], port=PG[1], user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    env = {
        **os.environ,
        "ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": "outage-test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{relay.port}/{DB_NAME}",
        "BETTER_AUTH_SECRET": SECRET,
        "JWT_ISSUER": ISSUER,
        "JWT_AUDIENCE": ISSUER,
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "todo_project.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--timeout",
            "20",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)
        relay.cut()
        with psycopg.connect(host=PG[0], port=PG[1], user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def get(url: str, token: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_a_lost_database_is_503_quickly_and_the_server_recovers_by_itself(server, relay):
    now = int(time.time())
    token = jwt.encode({"sub": "alice", "iat": now, "exp": now + 300, "iss": ISSUER, "aud": ISSUER}, SECRET)
    tasks = f"{server}/api/alice/tasks"
    assert get(tasks, token)[0] == 200

    relay.cut()
    started = time.monotonic()
    status, headers, body = get(tasks, token)
    assert time.monotonic() - started < 2.5
    assert status == 503
    assert int(headers["Retry-After"]) >= 1
    assert b'"error_type": "service_unavailable"' in body or b'"error_type":"service_unavailable"' in body

    relay.start()  # the database is back, on the same address
    deadline = time.monotonic() + 10
    while (status := get(tasks, token)[0]) != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert status == 200
