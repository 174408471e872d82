"""The README's deployment section is what runs: its nginx file is deploy/nginx.conf, its gunicorn line is tested."""

import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from todo_project.tests.test_settings import documented_variables

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_the_readme_shows_the_nginx_configuration_the_cluster_test_runs():
    shown = re.search(r"`deploy/nginx\.conf`:\n\n```nginx\n(.*?)```", README, re.DOTALL)
    assert shown, "the README's deployment section should show deploy/nginx.conf"
    assert shown.group(1) == (ROOT / "deploy" / "nginx.conf").read_text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def readme_gunicorn(tmp_path):
    """The README's gunicorn command, with one worker on a free port; ``start(**env)`` gives its base URL."""
    line = next(line for line in README.splitlines() if line.startswith("gunicorn todo_project.wsgi "))
    args = shlex.split(line)[1:]
    args[args.index("--workers") + 1] = "1"
    started = []

    def start(**env: str) -> str:
        address = f"127.0.0.1:{free_port()}"
        args[args.index("--bind") + 1] = address
        clean = {k: v for k, v in os.environ.items() if k not in documented_variables()}
        server_env = {**clean, "ENV_FILE": "", "SECRET_KEY": "x", "ALLOWED_HOSTS": "127.0.0.1", **env}
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *args],
            cwd=ROOT,
            env=server_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        base = f"http://{address}"
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
                return base
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"gunicorn did not answer on {base}")

    yield start
    for process in started:
        process.terminate()
        process.wait(10)


def hsts_claiming_https(base: str) -> str | None:
    request = urllib.request.Request(f"{base}/healthz", headers={"X-Forwarded-Proto": "https"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.headers.get("Strict-Transport-Security")


def test_gunicorn_as_deployed_believes_forwarded_proto_from_trusted_proxies_only(readme_gunicorn):
    # Every request here comes from 127.0.0.1: trusted in the first server, a stranger to the second.
    assert hsts_claiming_https(readme_gunicorn(TRUSTED_PROXIES="127.0.0.1")) == "max-age=31536000"
    assert hsts_claiming_https(readme_gunicorn(TRUSTED_PROXIES="10.0.0.5")) is None
