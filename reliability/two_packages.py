"""Sign-out reaching a Django API, from the two packages alone, as a new user would set them up.

Packs the Better Auth plugin (``npm pack``) into a new, minimal Better Auth
server on SQLite (no Next.js), installs the wheel into a new
``django-admin startproject`` in a virtualenv of its own, adds only the lines
the two READMEs show, and then, over HTTP:

- signs a person up and in twice, and checks both tokens work at the API;
- signs one session out: its token is refused within 2 s, the other still works;
- revokes a session from another: the same;
- deletes the account: every token of it is refused, another person's still works.

Prints what it does and the lines a user adds on each side; exits 1 on any failure.
Nothing here imports the project: the packages are all it has.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "packages" / "better-auth-revocation-feed"
REFUSED_WITHIN_SECONDS = 2.0
# The versions the repository's own Better Auth server and SQLite driver use.
BETTER_AUTH = "1.7.25"
BETTER_SQLITE3 = "12.11.1"

# What a user writes on the Better Auth side: a minimal server, and the lines the plugin's README adds (marked).
AUTH_JS = """\
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { admin, jwt } from "better-auth/plugins";
import { revocationFeed } from "better-auth-revocation-feed"; // added
export const auth = betterAuth({
  database: new Database("auth.sqlite3"),
  emailAndPassword: { enabled: true },
  user: { deleteUser: { enabled: true } },
  plugins: [jwt({}), admin(), revocationFeed()], // added: revocationFeed()
});
"""
SERVER_JS = """\
import { createServer } from "node:http";
import { toNodeHandler } from "better-auth/node";
import { getMigrations } from "better-auth/db/migration";
import { auth } from "./auth.js";
await (await getMigrations(auth.options)).runMigrations();
createServer(toNodeHandler(auth)).listen(Number(process.env.PORT), "127.0.0.1", () => console.log("ready"));
"""
# What a user writes on the Django side, after startproject: the lines the wheel's README shows.
SETTINGS_ADDED = """
import os  # added
INSTALLED_APPS += ["rest_framework", "authn"]  # added
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["authn.authentication.BetterAuthJWTAuthentication"]}  # added
AUTHN = {  # added
    "BETTER_AUTH_URL": os.environ["BETTER_AUTH_URL"],  # added
    "REVOCATION_FEED_SECRET": os.environ["REVOCATION_FEED_SECRET"],  # added
}  # added
"""
URLS_ADDED = """
from rest_framework.permissions import IsAuthenticated  # added
from rest_framework.response import Response  # added
from rest_framework.views import APIView  # added


class Me(APIView):  # added
    permission_classes = [IsAuthenticated]  # added

    def get(self, request):  # added
        return Response({"id": request.user.id})  # added


urlpatterns += [path("api/me", Me.as_view())]  # added
"""


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="two-packages-") as tmp:
        work = Path(tmp)
        feed_secret = secrets.token_urlsafe(32)
        auth_port, api_port = free_port(), free_port()
        auth_url = f"http://127.0.0.1:{auth_port}"
        env = {
            **{
                k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
            },
            "BETTER_AUTH_SECRET": secrets.token_urlsafe(32),
            "BETTER_AUTH_URL": auth_url,
            "REVOCATION_FEED_SECRET": feed_secret,
        }
        auth_dir = build_auth_server(work)
        site = build_django_project(work)
        servers = []
        try:
            servers.append(
                start(["node", "server.js"], auth_dir, {**env, "PORT": str(auth_port)}, auth_url + "/api/auth/ok")
            )
            python = str(work / "venv" / "bin" / "python")
            api_url = f"http://127.0.0.1:{api_port}"
            run([python, "manage.py", "migrate", "-v", "0"], site, env)
            command = [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{api_port}"]
            servers.append(start(command, site, env, api_url + "/api/me", ok_statuses=(401, 403)))
            scenarios(auth_url, api_url)
        finally:
            for server in servers:
                server.terminate()
                server.wait(10)
        report_lines()
    print("two packages: passed")
    return 0


def build_auth_server(work: Path) -> Path:
    step("npm pack the plugin")
    packed = (
        run(["npm", "pack", "--silent", "--pack-destination", str(work)], PLUGIN, capture=True).strip().splitlines()
    )
    tarball = work / packed[-1]
    auth_dir = work / "auth"
    auth_dir.mkdir()
    package = {
        "name": "fresh-better-auth",
        "private": True,
        "type": "module",
        "dependencies": {
            "better-auth": BETTER_AUTH,
            "better-sqlite3": BETTER_SQLITE3,
            "better-auth-revocation-feed": f"file:{tarball}",
        },
    }
    (auth_dir / "package.json").write_text(json.dumps(package, indent=2))
    (auth_dir / "auth.js").write_text(AUTH_JS)
    (auth_dir / "server.js").write_text(SERVER_JS)
    step("npm install in a new Better Auth server")
    run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], auth_dir)
    return auth_dir


def build_django_project(work: Path) -> Path:
    step("build the wheel; install it into a new virtualenv and a new startproject")
    # From a copy: setuptools leaves build/ and *.egg-info beside the sources it builds.
    source = work / "authn"
    shutil.copytree(ROOT / "authn", source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(work / "dist"), str(source)],
        work,
    )
    wheel = next((work / "dist").glob("drf_better_auth_jwt-*.whl"))
    run([sys.executable, "-m", "venv", str(work / "venv")], work)
    pip = str(work / "venv" / "bin" / "pip")
    run([pip, "install", "--quiet", "--disable-pip-version-check", str(wheel)], work)
    run(
        [str(work / "venv" / "bin" / "django-admin"), "startproject", "mysite", str(work / "site_root")],
        work,
        mkdir=work / "site_root",
    )
    site = work / "site_root"
    with (site / "mysite" / "settings.py").open("a") as settings:
        settings.write(SETTINGS_ADDED)
    with (site / "mysite" / "urls.py").open("a") as urls:
        urls.write(URLS_ADDED)
    return site


def scenarios(auth_url: str, api_url: str) -> None:
    alice = Browser(auth_url)
    alice.post(
        "/api/auth/sign-up/email", {"email": "alice@example.com", "password": "correct horse 1", "name": "Alice"}
    )
    phone = Browser(auth_url)
    phone.post("/api/auth/sign-in/email", {"email": "alice@example.com", "password": "correct horse 1"})
    bob = Browser(auth_url)
    bob.post("/api/auth/sign-up/email", {"email": "bob@example.com", "password": "correct horse 2", "name": "Bob"})
    laptop_token, phone_token, bob_token = alice.token(), phone.token(), bob.token()
    expect_status(api_url, laptop_token, 200, "alice's first session works")
    expect_status(api_url, phone_token, 200, "alice's second session works")

    step("sign-out")
    alice.post("/api/auth/sign-out", {})
    refused_within(api_url, laptop_token, "the signed-out session's token")
    expect_status(api_url, phone_token, 200, "the other session still works")

    step("a session revoked from another")
    tablet = Browser(auth_url)
    tablet.post("/api/auth/sign-in/email", {"email": "alice@example.com", "password": "correct horse 1"})
    tablet_token = tablet.token()
    expect_status(api_url, tablet_token, 200, "a third session works")
    sessions = phone.get("/api/auth/list-sessions")
    tablet_session = next(s for s in sessions if s["token"] == tablet.session_token())
    phone.post("/api/auth/revoke-session", {"token": tablet_session["token"]})
    refused_within(api_url, tablet_token, "the revoked session's token")
    expect_status(api_url, phone_token, 200, "the session that revoked it still works")

    step("a deleted account")
    phone.post("/api/auth/delete-user", {"password": "correct horse 1"})
    refused_within(api_url, phone_token, "the deleted account's token")
    expect_status(api_url, bob_token, 200, "another person's token still works")


class Browser:
    """A cookie jar on one Better Auth server: one person on one device."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: object | None = None) -> object:
        headers = {"Origin": self.base, "Content-Type": "application/json"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                for header in response.headers.get_all("Set-Cookie") or []:
                    name, _, rest = header.partition("=")
                    value = rest.split(";", 1)[0]
                    if value:
                        self.cookies[name] = value
                    else:
                        self.cookies.pop(name, None)
                text = response.read().decode()
        except urllib.error.HTTPError as e:
            raise SystemExit(f"FAILED: {method} {path} answered {e.code}: {e.read()[:300]!r}") from None
        return json.loads(text) if text else None

    def post(self, path: str, body: object) -> object:
        return self.request("POST", path, body)

    def get(self, path: str) -> object:
        return self.request("GET", path)

    def token(self) -> str:
        return self.get("/api/auth/token")["token"]

    def session_token(self) -> str:
        signed = next(v for k, v in self.cookies.items() if k.endswith("session_token"))
        return urllib.request.unquote(signed).split(".", 1)[0]


def api_status(api_url: str, token: str) -> int:
    request = urllib.request.Request(api_url + "/api/me", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def expect_status(api_url: str, token: str, status: int, what: str) -> None:
    got = api_status(api_url, token)
    if got != status:
        raise SystemExit(f"FAILED: {what}: expected {status}, got {got}")
    print(f"  ok: {what} ({got})")


def refused_within(api_url: str, token: str, what: str) -> None:
    started = time.monotonic()
    while (status := api_status(api_url, token)) != 401:
        if time.monotonic() - started > REFUSED_WITHIN_SECONDS:
            raise SystemExit(f"FAILED: {what} was still answered {status} after {REFUSED_WITHIN_SECONDS} s")
        time.sleep(0.02)
    print(f"  ok: {what} refused (401) after {time.monotonic() - started:.2f} s")


def report_lines() -> None:
    """The lines a user adds: marked "added" above, install commands excluded."""
    better_auth = sum("// added" in line for line in AUTH_JS.splitlines())
    django = sum("# added" in line for line in (SETTINGS_ADDED + URLS_ADDED).splitlines())
    django_setup = sum("# added" in line for line in SETTINGS_ADDED.splitlines())
    print(f"lines added: Better Auth side {better_auth} (plus a migration and one environment variable);")
    print(f"             Django side {django_setup} in settings.py (plus {django - django_setup} for an example view)")


def step(text: str) -> None:
    print(f"- {text}", flush=True)


def run(
    command: list[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    *,
    capture: bool = False,
    mkdir: Path | None = None,
) -> str:
    if mkdir is not None:
        mkdir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(
            f"FAILED: {' '.join(command[:3])} …: exit {result.returncode}\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )
    return result.stdout if capture else ""


def start(
    command: list[str], cwd: Path, env: dict[str, str], ready_url: str, ok_statuses: tuple[int, ...] = (200,)
) -> subprocess.Popen[bytes]:
    log = tempfile.TemporaryFile()  # noqa: SIM115 (read when the server fails; closed with the process)
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise SystemExit(f"FAILED: {' '.join(command[:2])} exited: {log.read()[-3000:].decode(errors='replace')}")
        try:
            with urllib.request.urlopen(ready_url, timeout=2) as response:
                if response.status in ok_statuses:
                    return process
        except urllib.error.HTTPError as e:
            if e.code in ok_statuses:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"FAILED: {' '.join(command[:2])} was not ready within 60 s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
