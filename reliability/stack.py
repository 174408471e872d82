"""Starts and stops what a reliability run needs: gunicorn, nginx, databases, tokens, an HTTP client.

Everything listens on loopback only, every wait is bounded, and every process
started here is stopped by its own id when the run ends, also on failure.
The servers run as production would (DEBUG off) with fresh random secrets that
are never printed, and never read the developer's ``.env``.
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import jwt

from authn import better_auth_claims

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv the script runs in holds gunicorn too
HOST = "127.0.0.1"
ISSUER = "http://auth.reliability.test"  # expected iss and aud; never contacted (no JWKS configured)
PG_URL = os.environ.get("RELIABILITY_PG_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_BASE = os.environ.get("RELIABILITY_REDIS_URL", "redis://127.0.0.1:6379")

# Variables the API reads: a developer's shell must not leak them into a run.
APP_VARIABLES = {
    *("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "LOG_LEVEL", "LOG_FORMAT"),
    *("DATABASE_URL", "CONN_MAX_AGE", "REDIS_URL", "CORS_ORIGINS", "API_MAX_BODY_BYTES"),
    *("BETTER_AUTH_URL", "BETTER_AUTH_JWKS_URL", "BETTER_AUTH_JWKS", "BETTER_AUTH_SECRET"),
    *("JWT_ISSUER", "JWT_AUDIENCE", "JWT_ALGORITHMS", "JWT_LEEWAY_SECONDS"),
    *("JWKS_CACHE_SECONDS", "JWKS_MAX_STALE_SECONDS", "JWKS_COOLDOWN_SECONDS", "JWKS_TIMEOUT_SECONDS"),
    *("REVOCATION_FEED_SECRET", "REVOCATION_FEED_URL", "REVOCATION_MAX_STALE_SECONDS"),
    *("RATE_LIMIT_READS", "RATE_LIMIT_WRITES", "RATE_LIMIT_ANONYMOUS", "TRUSTED_PROXIES", "CSRF_TRUSTED_ORIGINS"),
    *("METRICS_ENABLED", "METRICS_ALLOWED_NETWORKS", "PROMETHEUS_MULTIPROC_DIR"),
}


class Unavailable(Exception):
    """Something the run needs is missing; the message says how to get it."""


class Failed(Exception):
    """A server did not start or a setup step failed; the message carries the evidence."""


class BetterAuthBrowser:
    """One person on one device at a Better Auth server: its cookie jar, JSON in and out (HTTPS with ``tls``).

    ``answer`` takes any status as an answer; ``request``, ``post`` and ``get``
    want a 2xx and call ``refused`` otherwise, which a script may override to
    raise its own kind of failure.
    """

    timeout = 15.0  # seconds per request

    def __init__(self, base: str, tls: ssl.SSLContext | None = None) -> None:
        self.base, self.tls = base.rstrip("/"), tls
        self.cookies = http.cookiejar.CookieJar()
        handlers: list[Any] = [urllib.request.HTTPCookieProcessor(self.cookies)]
        if tls is not None:
            handlers.append(urllib.request.HTTPSHandler(context=tls))
        self.opener = urllib.request.build_opener(*handlers)

    def answer(self, method: str, path: str, body: object | None = None) -> tuple[int, Any]:
        headers = {"Origin": self.base, "Content-Type": "application/json", "Accept": "application/json"}
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            with e:
                status, text = e.code, e.read().decode(errors="replace")
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    def request(self, method: str, path: str, body: object | None = None) -> Any:
        status, answer = self.answer(method, path, body)
        if not 200 <= status < 300:
            self.refused(method, path, status, answer)
        return answer

    def post(self, path: str, body: object | None = None) -> Any:
        return self.request("POST", path, {} if body is None else body)

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def token(self) -> str:
        """A JWT for this session from ``/api/auth/token``."""
        return self.get("/api/auth/token")["token"]

    def copy(self) -> BetterAuthBrowser:
        """Another holder of the same cookies (a second device, a copied cookie): unaffected by this one signing out."""
        other = type(self)(self.base, self.tls)
        for cookie in self.cookies:
            other.cookies.set_cookie(cookie)
        return other

    def refused(self, method: str, path: str, status: int, answer: Any) -> NoReturn:
        raise Failed(f"{method} {path} answered {status}: {str(answer)[:300]!r}")


def exit_on_sigterm() -> None:
    """Turn SIGTERM (CI timeouts, make interrupted) into SystemExit so every ``finally`` stops its servers."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def run_script(name: str, body: Callable[[], int]) -> NoReturn:
    """Run a script's ``body`` and exit: 0 passed, 1 a violation or a failed setup, 2 a missing prerequisite.

    Every ``finally`` still runs on Ctrl-C or SIGTERM, so nothing started is left behind.
    """
    exit_on_sigterm()
    try:
        sys.exit(body())
    except Unavailable as e:
        print(e, file=sys.stderr)
        sys.exit(2)
    except Failed as e:
        print(f"{name}: FAILED to set up: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Secrets:
    """Fresh per run, so a run never depends on (or prints) anybody's real secrets."""

    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))
    auth_secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    # A run with a real Better Auth server next to it uses that server's URL, so both kinds of token agree.
    issuer: str = ISSUER

    def token(self, sub: str, ttl: int = 3600) -> str:
        """An HS256 token shaped like ``manage.py mint_token``'s, signed with the run's secret."""
        claims = better_auth_claims(sub, issuer=self.issuer, audience=self.issuer, ttl=ttl)
        return jwt.encode(claims, self.auth_secret, algorithm="HS256")


def server_env(keys: Secrets, **settings: str) -> dict[str, str]:
    """The API's environment: production-like defaults plus ``settings``, nothing from the caller's app config."""
    env = {name: value for name, value in os.environ.items() if name not in APP_VARIABLES}
    env.update(
        ENV_FILE="",  # never the developer's .env
        DEBUG="false",
        SECRET_KEY=keys.secret_key,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        BETTER_AUTH_SECRET=keys.auth_secret,
        JWT_ISSUER=keys.issuer,
        JWT_AUDIENCE=keys.issuer,
        JWT_ALGORITHMS="HS256",
        LOG_LEVEL="WARNING",  # one line per request would dominate the run's own cost
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


# Limits far above any load these scripts send: counters are still kept, nobody is refused.
UNTHROTTLED = "1000000/m"


def unthrottled_server_env(keys: Secrets, **settings: str) -> dict[str, str]:
    """``server_env`` with rate limits out of the way of a fuzzer or a load run."""
    limits = {f"RATE_LIMIT_{kind}": UNTHROTTLED for kind in ("READS", "WRITES", "ANONYMOUS")}
    return server_env(keys, **{**limits, **settings})


def manage(env: Mapping[str, str], *args: str, timeout: float = 120) -> str:
    """Run ``manage.py`` with the server's environment; a failure raises with its output."""
    cmd = [sys.executable, str(ROOT / "manage.py"), *args]
    done = subprocess.run(cmd, cwd=ROOT, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603 (fixed argv)
    if done.returncode != 0:
        raise Failed(f"manage.py {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


class Process:
    """A server started in its own process group, with its output in a log file."""

    def __init__(self, name: str, cmd: list[str], *, env: Mapping[str, str], log: Path, cwd: Path = ROOT) -> None:
        self.name, self.log = name, log
        self.successor: int | None = None  # a process that took this one's place (adopt)
        with open(log, "wb") as out:
            self.popen = subprocess.Popen(  # noqa: S603 (argv built here, no shell)
                cmd, cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def pid(self) -> int:
        return self.successor or self.popen.pid

    def alive(self) -> bool:
        if self.successor is None:
            return self.popen.poll() is None
        return running(self.successor)

    def adopt(self, pid: int) -> None:
        """From now on this is process ``pid``, which the one started here started in its own place and then left.

        (gunicorn's binary upgrade: the new master, in the same process group, with the same log.)
        """
        self.successor = pid

    @property
    def exit_status(self) -> int | None:
        return self.popen.returncode if self.successor is None else None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, sig: int = signal.SIGTERM, grace: float = 10) -> None:
        """Ask politely; past ``grace``, kill the group this process leads (its own workers, nothing else)."""
        if not self.alive():
            return
        if self.successor is not None:
            self._stop_successor(sig, grace)
            return
        with contextlib.suppress(ProcessLookupError):
            self.popen.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=grace)
            return
        # Still running, so not yet reaped: the group id cannot belong to anybody else.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)

    def _stop_successor(self, sig: int, grace: float) -> None:
        """``stop`` for an adopted process: not our child, so it is watched in /proc rather than waited for."""
        pid = self.successor
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if running(pid):
            # The group the process started here led: the successor and its workers are still in it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGKILL)


def running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, exited but not yet reaped by its parent, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def start_gunicorn(
    name: str, port: int, env: Mapping[str, str], logdir: Path, *, workers: int = 2, extra: tuple[str, ...] = ()
) -> Process:
    gunicorn = BIN / "gunicorn"
    if not gunicorn.exists():
        raise Unavailable(f"gunicorn not found beside {sys.executable}: install requirements.txt into that venv.")
    cmd = [
        str(gunicorn),
        "todo_project.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "30",
        "--graceful-timeout",
        "5",
        "--keep-alive",
        "5",
        # As docs/deploys.md deploys it: a worker takes requests once its readiness checks ran.
        "--config",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        # As docs/operations.md deploys it: TRUSTED_PROXIES alone decides whose X-Forwarded-Proto is believed.
        "--forwarded-allow-ips",
        "",
        *extra,
    ]
    return Process(name, cmd, env=env, log=logdir / f"{name}.log")


def wait_ready(
    base_url: str,
    procs: list[Process],
    *,
    path: str = "/readyz",
    timeout: float = 30,
    tls: ssl.SSLContext | None = None,
) -> None:
    """Poll ``path`` until 200; fail fast with the log tail when a process dies or time runs out."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        for proc in procs:
            if not proc.alive():
                raise Failed(f"{proc.name} exited with {proc.exit_status}:\n{proc.tail()}")
        try:
            status, _, body = request(base_url, "GET", path, timeout=2, tls=tls)
            if status == 200:
                return
            last = f"{status} {body!r}"[:300]
        except OSError as e:
            last = repr(e)
        time.sleep(0.2)
    logs = "\n".join(f"--- {p.name}\n{p.tail()}" for p in procs)
    raise Failed(f"{base_url}{path} not ready after {timeout:.0f}s (last: {last})\n{logs}")


def request(
    base_url: str,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10,
    tls: ssl.SSLContext | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One request on a fresh connection (setup and checks; load uses ``Connection``)."""
    conn = Connection(base_url, timeout=timeout, tls=tls)
    try:
        return conn.send(method, path, token=token, body=body, headers=headers)
    finally:
        conn.close()


class Connection:
    """A keep-alive HTTP/1.1 connection for one client thread; JSON in, JSON out.

    An ``https://`` URL is reached over TLS, verified with ``tls`` (the context trusting the run's certificate).
    """

    def __init__(self, base_url: str, *, timeout: float = 10, tls: ssl.SSLContext | None = None) -> None:
        scheme, _, address = base_url.partition("://")
        host, _, port = address.rstrip("/").partition(":")
        if scheme == "https":
            self.conn = http.client.HTTPSConnection(host, int(port or 443), timeout=timeout, context=tls)
        else:
            self.conn = http.client.HTTPConnection(host, int(port or 80), timeout=timeout)

    def send(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        """Status, lower-cased headers and the decoded body; an OSError leaves the connection reset."""
        sent = {"Accept": "application/json", **(headers or {})}
        data = None
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=sent)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as e:
            self.conn.close()  # the next send reconnects
            raise ConnectionError(f"{method} {path}: {e!r}") from e
        received = {k.lower(): v for k, v in response.getheaders()}
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = raw.decode(errors="replace")
        return response.status, received, decoded

    def close(self) -> None:
        self.conn.close()


# --- PostgreSQL and Redis ------------------------------------------------------


def pg_ready() -> bool:
    host, port = _host_port(PG_URL, 5432)
    return _tcp_open(host, port)


def redis_ready() -> bool:
    host, port = _host_port(REDIS_BASE, 6379)
    return _tcp_open(host, port)


def _host_port(url: str, default_port: int) -> tuple[str, int]:
    netloc = url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = netloc.partition(":")
    return host, int(port or default_port)


def _tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def pg_database(name: str) -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards; yields its URL."""
    import psycopg
    from psycopg import sql

    def run(statement: sql.Composable) -> None:
        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    run(drop)  # a run killed with SIGKILL leaves its database behind
    run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{PG_URL}/{name}"
    finally:
        run(drop)


def pg_rows(url: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, connect_timeout=5) as conn:
        return conn.execute(query, params).fetchall()


@contextlib.contextmanager
def redis_database(number: int) -> Iterator[str]:
    """A Redis database number emptied before and after use; yields its URL."""
    import redis

    url = f"{REDIS_BASE}/{number}"
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        client.flushdb()
        yield url
    finally:
        with contextlib.suppress(redis.RedisError):
            client.flushdb()
        client.close()


def which(program: str) -> str | None:
    """``shutil.which`` that also looks in the sbin directories a non-root PATH often lacks."""
    return shutil.which(program) or shutil.which(program, path="/usr/sbin:/sbin:/usr/local/sbin")
