"""The package as someone else installs it: the wheel, a fresh virtual environment, a new project.

The wheel is built from ``authn/``, installed with its declared dependencies
(held to this repository's tested versions) into an empty virtual environment,
and used by a project made by ``django-admin startproject`` plus exactly the
settings and URLs that ``authn/README.md`` shows. A real Better Auth server signs
the tokens. Nothing of this repository is importable there but the wheel.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import jwt
import pytest

from interop.better_auth import REPO_ROOT, BetterAuthServer, node_available

if not node_available():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the package test: install Node and run `make interop`.")
    pytest.skip("Node or interop/node_modules missing (run `make interop`)", allow_module_level=True)

pytestmark = pytest.mark.interop
PACKAGE_DIR = REPO_ROOT / "authn"
README = (PACKAGE_DIR / "README.md").read_text()
README_URL = "http://localhost:3000"
PIP = ["-m", "pip", "--disable-pip-version-check", "--quiet"]


def readme_block(title: str) -> str:
    """The README's code block for ``title`` (```python title="settings.py"), as a user would copy it."""
    match = re.search(rf'```python title="{re.escape(title)}"\n(.*?)```', README, re.DOTALL)
    assert match, f'authn/README.md has no ```python title="{title}" block'
    return match.group(1)


def clean_environment() -> dict[str, str]:
    """What a new shell has: none of this test run's Django settings, paths or secrets."""
    return {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}


def run(*command: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The built wheel; built from a copy, so the checkout gets no build leftovers."""
    work = tmp_path_factory.mktemp("build")
    source = work / "authn"
    shutil.copytree(PACKAGE_DIR, source, ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
    run(sys.executable, *PIP, "wheel", "--no-deps", "--wheel-dir", work / "dist", source)
    (built,) = (work / "dist").glob("drf_better_auth_jwt-*.whl")
    return built


def test_the_wheel_holds_the_package_and_not_its_tests(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "authn/authentication.py" in names
    assert "authn/templates/authn/browsable_api.html" in names
    assert not [n for n in names if "/tests/" in n]
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    required = sorted(
        re.split(r"[<>=\[ ;]", line.removeprefix("Requires-Dist: "))[0]
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist") and "extra ==" not in line
    )
    assert required == ["Django", "PyJWT", "cryptography", "djangorestframework"]


@pytest.fixture(scope="module")
def fresh_project(wheel, tmp_path_factory) -> Path:
    """A virtual environment with the wheel and ``startproject`` plus the README's settings and URLs."""
    root = tmp_path_factory.mktemp("user")
    venv = root / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    # The declared ranges, held to the versions this repository tests with (extras are not constraints).
    pins = [re.sub(r"\[.*?\]", "", line) for line in (REPO_ROOT / "requirements.txt").read_text().splitlines()]
    constraints = root / "constraints.txt"
    constraints.write_text("\n".join(p for p in pins if "==" in p) + "\n")
    run(python, *PIP, "install", "--constraint", constraints, wheel)
    run(venv / "bin" / "django-admin", "startproject", "mysite", cwd=root)
    project = root / "mysite"
    settings = project / "mysite" / "settings.py"
    settings.write_text(settings.read_text() + "\n" + readme_block("settings.py").replace(README_URL, "{url}"))
    urls = project / "mysite" / "urls.py"
    urls.write_text(urls.read_text() + "\n" + readme_block("urls.py"))
    return project


def test_the_fresh_project_passes_its_checks_without_drf_spectacular(fresh_project):
    python = fresh_project.parent / "venv" / "bin" / "python"
    assert "drf_spectacular" not in run(python, *PIP, "freeze")
    template = (fresh_project / "mysite" / "settings.py").read_text()
    with BetterAuthServer() as server:
        (fresh_project / "mysite" / "settings.py").write_text(template.replace("{url}", server.url))
        try:
            output = run(python, "manage.py", "check", "--fail-level", "WARNING", cwd=fresh_project)
        finally:
            (fresh_project / "mysite" / "settings.py").write_text(template)
    assert "no issues" in output


def test_every_module_imports_in_the_fresh_project(fresh_project):
    """Nothing of the host is imported: every module but the optional extras' (OpenAPI, metrics) loads without it."""
    python = fresh_project.parent / "venv" / "bin" / "python"
    script = (
        "import importlib, pkgutil, django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'mysite.settings'\n"
        "django.setup()\n"
        "import authn\n"
        "names = [m.name for m in pkgutil.walk_packages(authn.__path__, 'authn.')]\n"
        "for name in names:\n"
        "    if name not in ('authn.schema', 'authn.prometheus'):\n"
        "        importlib.import_module(name)\n"
        "print(len(names))\n"
    )
    template = (fresh_project / "mysite" / "settings.py").read_text()
    (fresh_project / "mysite" / "settings.py").write_text(template.replace("{url}", README_URL))
    try:
        count = int(run(python, "-c", script, cwd=fresh_project))
    finally:
        (fresh_project / "mysite" / "settings.py").write_text(template)
    assert count > 15


def test_a_real_better_auth_token_works_and_a_forged_one_is_refused(fresh_project):
    python = fresh_project.parent / "venv" / "bin" / "python"
    template = (fresh_project / "mysite" / "settings.py").read_text()
    port = free_port()
    with BetterAuthServer() as server:
        (fresh_project / "mysite" / "settings.py").write_text(template.replace("{url}", server.url))
        api = subprocess.Popen(
            [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=fresh_project,
            env=clean_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for(port, api)
            token = server.sign_up("ada@example.com", "correct-horse-battery", "Ada")
            sub = jwt.decode(token, options={"verify_signature": False})["sub"]

            status, headers, body = get(port, f"/api/{sub}/notes", token)
            assert status == 200, body
            assert json.loads(body) == {"user": sub, "email": "ada@example.com"}

            header, payload, signature = token.split(".")
            forged = ".".join([header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])
            status, headers, body = get(port, f"/api/{sub}/notes", forged)
            assert status == 401
            assert headers["WWW-Authenticate"].startswith('Bearer realm="api", error="invalid_token"')
            assert forged not in body and forged not in headers["WWW-Authenticate"]

            status, headers, _ = get(port, f"/api/{sub}/notes", None)
            assert (status, headers["WWW-Authenticate"]) == (401, 'Bearer realm="api"')

            status, _, _ = get(port, "/api/someone-else/notes", token)
            assert status == 403

            claims = run(python, "manage.py", "verify_token", token, cwd=fresh_project)
            assert json.loads(claims)["sub"] == sub
        finally:
            api.terminate()
            api.wait(10)
            (fresh_project / "mysite" / "settings.py").write_text(template)


def wait_for(port: int, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"runserver exited: {process.stderr.read() if process.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("runserver did not start")


def get(port: int, path: str, token: str | None) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()
