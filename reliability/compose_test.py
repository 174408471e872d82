"""The containers as a user runs them: compose.yaml up, used through nginx over HTTPS, down and up again.

    .venv/bin/python reliability/compose_test.py        (make compose-test)

Builds the two images (Dockerfile, frontend/Dockerfile), brings up compose.yaml's whole stack
(nginx with TLS, two API instances, the web app, PostgreSQL, Redis, the one-shot migrations and
certificate) with its own project name, env file and port, so a developer's own stack and
.env.compose are never touched. Through nginx only, over HTTPS with the stack's own self-signed
certificate, it signs up in the web app, gets a token from /api/auth/token, creates and lists
tasks on the API, signs out and waits for the API to refuse the token (the promise: within 2 s).
Then `down` (volumes kept) and `up` again: the person signs in with the same password and finds
the same tasks. Last, `down -v` removes everything it made but the images (kept: the next run
reuses them). Prints image sizes, build times, `up` to healthy, and sign-out to refusal.

Needs root for what a new CI machine lacks: Debian's docker.io, docker-compose (1.29, which reads
the same compose.yaml as `docker compose`) and debootstrap are installed when missing, and dockerd
is started when it is not running (and stopped at the end). No image registry is needed: base
images that are missing are built from Debian's packages (deploy/standin-images/build.sh).
Exit status: 0 passed, 1 a violation, 2 something it needs is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import secrets
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reliability import stack

ROOT = stack.ROOT
PROJECT = "tasks-compose-test"
# Images of this run's own tag: another run on the same Docker (a developer's `up --build`, a
# second checkout's test) may build tasks-api:latest from other code meanwhile.
IMAGE_TAG = f"test-{os.getpid()}"
IMAGES = {"API": f"tasks-api:{IMAGE_TAG}", "web app": f"tasks-web:{IMAGE_TAG}"}
SERVERS = ("postgres", "redis", "web", "api-a", "api-b", "nginx")
PROMISE_SECONDS = 2.0
UP_TIMEOUT_SECONDS = 300
# compose.yaml's default network: a developer's own stack may hold it, so the test never takes it.
DEFAULT_SUBNET = ipaddress.ip_network("172.29.83.0/24")
DEBIAN_PACKAGES = {"docker": "docker.io", "docker-compose": "docker-compose", "debootstrap": "debootstrap"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="the HTTPS port to publish (default: a free one)")
    args = parser.parse_args()
    ensure_tools()
    with dockerd_running():
        figures: dict[str, str] = {}
        timed(figures, "stand-in base images", [tool("bash"), str(ROOT / "deploy/standin-images/build.sh")])
        network = build_network()
        figures["build network"] = network
        timed(figures, "API image build", docker_build("Dockerfile", IMAGES["API"], network))
        timed(figures, "web app image build", docker_build("frontend/Dockerfile", IMAGES["web app"], network))
        for what, image in IMAGES.items():
            figures[f"{what} image size"] = image_size(image)
        try:
            port = args.port or stack.free_port()
            subnet = free_subnet(docker_subnets())
            figures["stack network"] = f"{subnet} (nginx {subnet[10]})"
            with compose_project(port, subnet) as compose:
                return scenario(compose, f"https://localhost:{port}", figures)
        finally:
            keep_as_latest()


def keep_as_latest() -> None:
    """This run's images become :latest, so the next build (here or `up --build`) reuses their layers."""
    for image in IMAGES.values():
        latest = image.rsplit(":", 1)[0] + ":latest"
        run_quiet([tool("docker"), "tag", image, latest], check=False)
        run_quiet([tool("docker"), "rmi", image], check=False)


def scenario(compose: Compose, base: str, figures: dict[str, str]) -> int:
    figures["up to healthy (first start, empty volumes)"] = f"{compose.up():.1f} s"
    tls = ssl.create_default_context(cadata=compose.certificate())
    email, password = f"compose-{secrets.token_hex(4)}@example.com", secrets.token_urlsafe(18)

    step("sign up in the web app through nginx, get a token, create and list tasks")
    person = Browser(base, tls)
    person.post("/api/auth/sign-up/email", {"email": email, "password": password, "name": "Compose Test"})
    token = person.token()
    me = api(base, tls, "GET", "/api/me", token, expect=200)
    user = me["id"]
    titles = ["Buy milk", "Renew passport"]
    for title in titles:
        api(base, tls, "POST", f"/api/{user}/tasks", token, {"title": title}, expect=201)
    listed = task_titles(api(base, tls, "GET", f"/api/{user}/tasks", token, expect=200))
    check(sorted(listed) == sorted(titles), f"the list holds the tasks just created (got {listed})")

    step("sign out: the API refuses the token")
    person.post("/api/auth/sign-out", {})
    refused_after = refused_within(base, tls, token)
    figures["sign-out to refusal at the API"] = f"{refused_after:.2f} s (promise: {PROMISE_SECONDS} s)"

    step("PostgreSQL: the API's role is no superuser and cannot connect to Better Auth's database")
    database_roles(compose)

    step("backup inside the stack (both databases), and the web image's after-restore step")
    figures["backup (both databases, in the stack)"] = backup_in_stack(compose)
    out = compose.run("exec", "-T", "web", "node", "after-restore.mjs")
    check("Sessions ended after the restore" in out, f"after-restore runs in the web container ({out.strip()})")

    step("both API instances stopped: nginx answers 502/504 in the API's JSON error shape")
    gateway_error(compose, base, tls)

    step("down (volumes kept) and up again: the same person signs in and finds the same tasks")
    compose.run("down")
    figures["up to healthy (restart, volumes kept)"] = f"{compose.up():.1f} s"
    tls = ssl.create_default_context(cadata=compose.certificate())
    again = Browser(base, tls)
    again.post("/api/auth/sign-in/email", {"email": email, "password": password})
    token = again.token()
    check(api(base, tls, "GET", "/api/me", token, expect=200)["id"] == user, "the same user id after the restart")
    listed = task_titles(api(base, tls, "GET", f"/api/{user}/tasks", token, expect=200))
    check(sorted(listed) == sorted(titles), f"the tasks survived down and up (got {listed})")

    print()
    print("compose test: passed")
    for name, value in figures.items():
        print(f"  {name}: {value}")
    return 0


# The API container's own credentials (DATABASE_URL, PGPASSWORD) against PostgreSQL, from inside it.
ROLE_PROBE = """
import json, os, psycopg
from urllib.parse import urlsplit
url = urlsplit(os.environ["DATABASE_URL"])
others = ("POSTGRES_PASSWORD", "AUTH_APP_DB_PASSWORD")
out = {"user": url.username, "holds": sorted(k for k in others if os.environ.get(k))}
with psycopg.connect(host=url.hostname, dbname=url.path.lstrip("/"), user=url.username) as c:
    out["superuser"] = c.execute("select rolsuper from pg_roles where rolname = current_user").fetchone()[0]
for db in ("auth", "postgres"):
    try:
        psycopg.connect(host=url.hostname, dbname=db, user=url.username).close()
        out[db] = "connected"
    except psycopg.OperationalError as e:
        out[db] = " ".join(str(e).split())
print(json.dumps(out))
"""


def database_roles(compose: Compose) -> None:
    found = json.loads(compose.run("exec", "-T", "api-a", "python", "-c", ROLE_PROBE))
    check(found["user"] == "tasks_api", f"the API connects as its own role ({found['user']})")
    check(found["superuser"] is False, "the API's role is not a superuser")
    check(found["holds"] == [], f"the API container holds no other database password ({found['holds']})")
    for db in ("auth", "postgres"):
        check(
            "permission denied for database" in found[db],
            f"the API's role is refused by the database {db} ({found[db]})",
        )


def backup_in_stack(compose: Compose) -> str:
    """`manage.py backup`, then `restore --check-only`, in a one-shot API container as docs/containers.md runs them."""
    password = compose.setting("AUTH_APP_DB_PASSWORD")
    auth = ["--auth-database", f"postgres://auth_app:{password}@postgres:5432/auth"]
    with tempfile.TemporaryDirectory(prefix="compose-backup-") as backups:
        one_shot = ["run", "--rm", "--no-deps", "--user", "root", "-v", f"{backups}:/backups", "migrate"]
        started = time.monotonic()
        try:
            compose.run(*one_shot, "python", "manage.py", "backup", "/backups/nightly", *auth)
            took = time.monotonic() - started
            restore = ["python", "manage.py", "restore", "/backups/nightly", "--check-only"]
            checked = compose.run(*one_shot, *restore, *auth)
        except stack.Failed as e:  # its command line holds the password
            raise stack.Failed(str(e).replace(password, "***")) from None
        manifest = json.loads((Path(backups) / "nightly" / "manifest.json").read_text())
    held = {"+".join(entry["holds"]): entry for entry in manifest["databases"]}
    check(sorted(held) == ["api", "auth"], f"the backup holds both databases ({sorted(held)})")
    for name, entry in held.items():
        tables = entry.get("tables") or {}
        check(bool(tables), f"the {name} database's dump lists its tables ({len(tables)})")
    check("the backup is intact" in checked, "restore --check-only finds the backup intact")
    return f"{took:.1f} s"


def gateway_error(compose: Compose, base: str, tls: ssl.SSLContext) -> None:
    compose.run("stop", "api-a", "api-b")
    status, headers, answer = stack.request(base, "GET", "/api/me", tls=tls, timeout=15)
    # 502 when the instances' addresses refuse or are unreachable, 504 when connecting times out.
    check(status in (502, 504), f"GET /api/me with no instance up answers 502 or 504 (got {status})")
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    check(content_type.startswith("application/json"), f"... as JSON ({content_type})")
    check(
        isinstance(answer, dict) and answer.get("status_code") == status and answer.get("error_type") == "error",
        f"... in the API's error shape ({answer})",
    )


class Violation(Exception):
    """Something a user would notice went wrong."""


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Violation(what)
    print(f"  ok: {what}")


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


# -- the stack ---------------------------------------------------------------------------------------


def docker_subnets() -> list[ipaddress.IPv4Network]:
    """The IPv4 subnets Docker's networks hold now (a second network overlapping one is refused)."""
    ids = run_quiet([tool("docker"), "network", "ls", "-q"]).split()
    if not ids:
        return []
    fields = "{{range .IPAM.Config}}{{.Subnet}} {{end}}"
    out = run_quiet([tool("docker"), "network", "inspect", "--format", fields, *ids], check=False)
    return [ipaddress.ip_network(word) for word in out.split() if ":" not in word]


def free_subnet(taken: list[ipaddress.IPv4Network]) -> ipaddress.IPv4Network:
    """A /24 in 172.29.0.0/16 that overlaps no Docker network and is not compose.yaml's default."""
    for third in secrets.SystemRandom().sample(range(256), 256):
        candidate = ipaddress.ip_network(f"172.29.{third}.0/24")
        if candidate != DEFAULT_SUBNET and not any(candidate.overlaps(net) for net in taken):
            return candidate
    raise stack.Failed(f"no free /24 in 172.29.0.0/16 for the stack's network (Docker holds {len(taken)} subnets)")


class Compose:
    """docker-compose on compose.yaml with the run's own project name, env file, port and network."""

    def __init__(self, env_file: Path, port: int, subnet: ipaddress.IPv4Network) -> None:
        self.env_file = env_file
        self.env = {
            **os.environ,
            "COMPOSE_ENV_FILE": str(env_file),
            "TASKS_IMAGE_TAG": IMAGE_TAG,
            "HTTPS_PORT": str(port),
            # Its own subnet, so a developer's stack on compose.yaml's default never collides with it.
            "COMPOSE_SUBNET": str(subnet),
            "NGINX_ADDRESS": str(subnet[10]),
        }
        self.env.pop("COMPOSE_PROJECT_NAME", None)

    def run(self, *args: str, timeout: float = 600) -> str:
        # --env-file as docs/containers.md runs it: each app's database password is interpolated.
        compose = [tool("docker-compose"), "--env-file", str(self.env_file), "-p", PROJECT]
        cmd = [*compose, "-f", str(ROOT / "compose.yaml"), *args]
        return run_quiet(cmd, self.env, timeout=timeout)

    def up(self) -> float:
        """`up -d` (images already built), then wait until every server reports healthy; the seconds it took."""
        started = time.monotonic()
        self.run("up", "-d", "--no-build", timeout=UP_TIMEOUT_SECONDS)
        deadline = started + UP_TIMEOUT_SECONDS
        while True:
            states = {name: self.health(name) for name in SERVERS}
            if all(state == "healthy" for state in states.values()):
                return time.monotonic() - started
            if time.monotonic() > deadline:
                raise stack.Failed(f"not healthy after {UP_TIMEOUT_SECONDS} s: {states}\n{self.logs()}")
            time.sleep(0.5)

    def health(self, service: str) -> str:
        ids = self.run("ps", "-q", service).split()
        if not ids:
            return "not created"
        fields = "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}"
        out = run_quiet([tool("docker"), "inspect", "--format", fields, ids[0]], check=False).split()
        return out[-1] if out else "gone"

    def setting(self, name: str) -> str:
        """One value of the run's env file (a secret: never printed)."""
        for line in self.env_file.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and key == name:
                return value
        raise stack.Failed(f"{name} is not in the env file")

    def certificate(self) -> str:
        """The certificate nginx serves, read from its volume: the one thing the client trusts."""
        return self.run("exec", "-T", "nginx", "cat", "/etc/nginx/certs/tls.pem")

    def logs(self) -> str:
        """The last lines of every service, for a failure's evidence (no secret is ever logged by them)."""
        try:
            return self.run("logs", "--no-color", "--tail", "40", timeout=60)
        except stack.Failed as e:
            return str(e)


@contextlib.contextmanager
def compose_project(port: int, subnet: ipaddress.IPv4Network) -> Iterator[Compose]:
    """An env file with fresh secrets (as `make compose-env` writes), and `down -v` at the end, always."""
    with tempfile.TemporaryDirectory(prefix="compose-test-") as tmp:
        env_file = Path(tmp) / "env"
        run_quiet([sys.executable, str(ROOT / "deploy/compose/write_env.py"), str(env_file)])
        text = env_file.read_text().replace("https://localhost:8443", f"https://localhost:{port}")
        env_file.write_text(text)
        compose = Compose(env_file, port, subnet)
        compose.run("down", "-v", "--remove-orphans")  # what an interrupted run may have left
        try:
            yield compose
        except Violation:
            print(compose.logs(), file=sys.stderr)
            raise
        finally:
            compose.run("down", "-v", "--remove-orphans")
            print("stack removed (containers, network, volumes)")


# -- HTTP ----------------------------------------------------------------------------------------------


class Browser(stack.BetterAuthBrowser):
    """One person's cookie jar on the web app, over HTTPS through nginx; a refusal is a violation."""

    def refused(self, method: str, path: str, status: int, answer: Any) -> NoReturn:
        raise Violation(f"{method} {path} answered {status}: {str(answer)[:300]!r}")


def api(base: str, tls: ssl.SSLContext, method: str, path: str, token: str, body: object = None, *, expect: int) -> Any:
    status, _, answer = stack.request(base, method, path, token=token, body=body, tls=tls, timeout=15)
    if status != expect:
        raise Violation(f"{method} {path} answered {status}, expected {expect}: {str(answer)[:300]}")
    return answer


def task_titles(page: list[dict[str, Any]]) -> list[str]:
    return [task["title"] for task in page]


def refused_within(base: str, tls: ssl.SSLContext, token: str) -> float:
    """Seconds from sign-out until the API answers 401 to the token, polled every 20 ms."""
    started = time.monotonic()
    while True:
        status, _, _ = stack.request(base, "GET", "/api/me", token=token, tls=tls, timeout=15)
        elapsed = time.monotonic() - started
        if status == 401:
            check(elapsed <= PROMISE_SECONDS, f"the signed-out token is refused (401) after {elapsed:.2f} s")
            return elapsed
        if status != 200:
            raise Violation(f"GET /api/me answered {status} while waiting for the refusal")
        if elapsed > PROMISE_SECONDS:
            raise Violation(f"the signed-out token was still accepted after {elapsed:.2f} s")
        time.sleep(0.02)


# -- docker --------------------------------------------------------------------------------------------


def ensure_tools() -> None:
    """Debian's docker.io, docker-compose and debootstrap, installed when missing (a new CI machine)."""
    missing = [package for program, package in DEBIAN_PACKAGES.items() if not shutil.which(program)]
    if not missing:
        return
    if os.geteuid() != 0:
        raise stack.Unavailable(f"missing {', '.join(missing)}: apt-get install -y {' '.join(missing)} (as root)")
    print(f"installing {', '.join(missing)} from Debian", flush=True)
    run_quiet([tool("apt-get"), "update", "-qq"])
    run_quiet(
        [tool("apt-get"), "install", "-y", "-qq", *missing], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    )


@contextlib.contextmanager
def dockerd_running() -> Iterator[None]:
    """Start dockerd when none answers, and stop it (by its own id) when the run ends."""
    if docker_answers():
        yield
        return
    if os.geteuid() != 0:
        raise stack.Unavailable("no docker daemon answers, and starting one needs root")
    log = Path(tempfile.gettempdir()) / f"compose-test-dockerd-{os.getpid()}.log"
    print(f"starting dockerd (log: {log})", flush=True)
    with log.open("wb") as out:
        daemon = subprocess.Popen([tool("dockerd")], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while not docker_answers():
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise stack.Failed(f"dockerd did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield
    finally:
        daemon.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            daemon.wait(timeout=30)


def docker_answers() -> bool:
    done = subprocess.run([tool("docker"), "info"], capture_output=True, timeout=30, check=False)  # noqa: S603
    return done.returncode == 0


def build_network() -> str:
    """The network image builds use: the default bridge when it reaches PyPI and npm, else the host's."""
    probe = "import urllib.request as u; [u.urlopen(x, timeout=10) for x in ('https://pypi.org/simple/pip/', 'https://registry.npmjs.org/esbuild')]"
    try:
        run_quiet([tool("docker"), "run", "--rm", "python:3.11-slim-bookworm", "python", "-c", probe])
    except stack.Failed:
        pass
    else:
        return "default"
    print("the containers' bridge network reaches neither PyPI nor npm: images are built with --network host")
    return "host"


def docker_build(dockerfile: str, tag: str, network: str) -> list[str]:
    return [tool("docker"), "build", "-q", f"--network={network}", "-f", str(ROOT / dockerfile), "-t", tag, str(ROOT)]


def image_size(image: str) -> str:
    return run_quiet([tool("docker"), "image", "ls", image, "--format", "{{.Size}}"]).strip()


def timed(figures: dict[str, str], what: str, cmd: list[str]) -> None:
    print(f"{what} ...", flush=True)
    started = time.monotonic()
    run_quiet(cmd)
    figures[f"{what} time"] = f"{time.monotonic() - started:.1f} s"


def tool(program: str) -> str:
    path = shutil.which(program)
    if not path:
        raise stack.Unavailable(f"{program} is not installed")
    return path


def run_quiet(cmd: list[str], env: dict[str, str] | None = None, *, timeout: float = 1800, check: bool = True) -> str:
    """Run a command; on failure (when checked) raise with the tail of its output."""
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
    if check and done.returncode != 0:
        raise stack.Failed(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout


def body() -> int:
    try:
        return main()
    except Violation as e:
        print(f"compose test: FAILED: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    stack.run_script("compose test", body)
