"""The documented deployment is what runs: its nginx file is deploy/nginx.conf, its gunicorn line is tested.

The deployment section moved from README.md to docs/operations.md, "Deploying several instances".
"""

import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from reliability import stack, tls_front
from todo_project.tests.test_settings import documented_variables

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "docs" / "operations.md").read_text()  # the deployment section, moved from README.md


def test_the_readme_shows_the_nginx_configuration_the_cluster_test_runs():
    shown = re.search(r"`deploy/nginx\.conf`:\n\n```nginx\n(.*?)```", README, re.DOTALL)
    assert shown, "docs/operations.md's deployment section should show deploy/nginx.conf"
    assert shown.group(1) == (ROOT / "deploy" / "nginx.conf").read_text()


def documented_gunicorn_args() -> list[str]:
    """The arguments after ``-m gunicorn`` in the documented line (its interpreter: the release's, via ``current``)."""
    line = next(line for line in README.splitlines() if " -m gunicorn todo_project.wsgi " in line)
    words = shlex.split(line)
    return words[words.index("todo_project.wsgi") :]


def pid_file_for(port: int) -> Path:
    """Where the documented line's ``--pid`` goes under test (the docs' /srv/tasks/run/ is not here)."""
    return Path(tempfile.gettempdir()) / f"tasks-api-test-{port}.pid"


def test_the_documented_line_runs_from_current_and_writes_the_pid_file_deploys_md_uses():
    line = next(line for line in README.splitlines() if " -m gunicorn todo_project.wsgi " in line)
    assert line.startswith("/srv/tasks/current/.venv/bin/python -m gunicorn ")
    args = documented_gunicorn_args()
    assert args[args.index("--pid") + 1] == "/srv/tasks/run/tasks-api-8000.pid"
    deploys = (ROOT / "docs" / "deploys.md").read_text()
    assert "/srv/tasks/run/tasks-api-8000.pid" in deploys and "kill -USR2 $(cat tasks-api-8000.pid)" in deploys


def test_the_documented_gunicorn_writes_its_masters_pid(readme_gunicorn):
    base = readme_gunicorn()
    pid_file = pid_file_for(int(base.rsplit(":", 1)[1]))
    pid = int(pid_file.read_text())
    # The master (whose children are the workers), the pid USR2 and TERM go to in deploys.md.
    assert Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[2:4] == [b"gunicorn", b"todo_project.wsgi"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_readme_gunicorn(started: list[subprocess.Popen], **env: str) -> str:
    """The README's gunicorn command, with one worker on a free port, added to ``started``; gives its base URL."""
    args = documented_gunicorn_args()
    args[args.index("--workers") + 1] = "1"
    port = free_port()
    address = f"127.0.0.1:{port}"
    args[args.index("--bind") + 1] = address
    args[args.index("--pid") + 1] = str(pid_file_for(port))
    clean = {k: v for k, v in os.environ.items() if k not in documented_variables()}
    # Any complete authentication setting: the server refuses to start without one.
    auth = {"BETTER_AUTH_URL": "http://auth.test"}
    server_env = {**clean, "ENV_FILE": "", "SECRET_KEY": "x", "ALLOWED_HOSTS": "127.0.0.1", **auth, **env}
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


def stop_all(started: list[subprocess.Popen]) -> None:
    for process in started:
        process.terminate()
        process.wait(10)


@pytest.fixture
def readme_gunicorn():
    """``start(**env)``: the README's gunicorn command, with one worker on a free port; gives its base URL."""
    started: list[subprocess.Popen] = []
    yield lambda **env: start_readme_gunicorn(started, **env)
    stop_all(started)


def hsts_claiming_https(base: str) -> str | None:
    request = urllib.request.Request(f"{base}/healthz", headers={"X-Forwarded-Proto": "https"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.headers.get("Strict-Transport-Security")


def test_gunicorn_as_deployed_believes_forwarded_proto_from_trusted_proxies_only(readme_gunicorn):
    # Every request here comes from 127.0.0.1: trusted in the first server, a stranger to the second.
    assert hsts_claiming_https(readme_gunicorn(TRUSTED_PROXIES="127.0.0.1")) == "max-age=31536000"
    assert hsts_claiming_https(readme_gunicorn(TRUSTED_PROXIES="10.0.0.5")) is None


@pytest.fixture(scope="module")
def behind_shipped_nginx(tmp_path_factory):
    """The README's gunicorn behind deploy/nginx.conf as shipped, HTTPS on a free port (never 443).

    Gives the HTTPS base URL, the TLS context trusting its certificate, a token
    maker and nginx's error log; one for the module's tests, each with a user of
    its own. Skipped where nginx or openssl is not installed (Debian:
    apt-get install -y nginx openssl; .ci/run installs them).
    """
    nginx = stack.which("nginx")
    if not nginx or not stack.which("openssl"):
        pytest.skip("nginx and openssl are needed: apt-get install -y nginx openssl")
    workdir = tmp_path_factory.mktemp("nginx-front")
    keys = stack.Secrets()
    env = {
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "BETTER_AUTH_SECRET": keys.auth_secret,
        "JWT_ISSUER": keys.issuer,
        "JWT_AUDIENCE": keys.issuer,
        "JWT_ALGORITHMS": "HS256",
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    clean = {k: v for k, v in os.environ.items() if k not in documented_variables()}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env={**clean, "ENV_FILE": "", "SECRET_KEY": "x", **env},
        check=True,
        capture_output=True,
        timeout=120,
    )
    started: list[subprocess.Popen] = []
    front = None
    try:
        upstream = int(start_readme_gunicorn(started, **env).rpartition(":")[2])
        https_port = free_port()
        front = tls_front.start_nginx(nginx, workdir, free_port(), https_port, [upstream, upstream])
        base = f"https://127.0.0.1:{https_port}"
        tls = tls_front.trusting(workdir / "tls.pem")
        stack.wait_ready(base, [front], path="/healthz", tls=tls)
        yield base, tls, keys.token, workdir / "nginx-error.log"
    finally:
        if front is not None:
            front.stop()
        stop_all(started)


def test_behind_the_shipped_nginx_on_another_port_location_and_link_keep_the_port(behind_shipped_nginx):
    """nginx passes the Host the client sent, port included: absolute URLs point where the client connected."""
    base, tls, token, _ = behind_shipped_nginx
    alice = token("alice")
    ids = []
    for title in ("one", "two"):
        status, headers, body = stack.request(
            base, "POST", "/api/alice/tasks", token=alice, body={"title": title}, tls=tls
        )
        assert status == 201, body
        ids.append(body["id"])
        assert headers["location"] == f"{base}/api/alice/tasks/{body['id']}"  # http.client sends Host with the port
    status, headers, body = stack.request(base, "GET", "/api/alice/tasks?limit=1", token=alice, tls=tls)
    assert status == 200
    assert headers["link"] == f'<{base}/api/alice/tasks?limit=1&offset=1>; rel="next"'
    status, headers, _ = stack.request(base, "GET", "/api/alice/tasks?limit=1&offset=1", token=alice, tls=tls)
    assert headers["link"] == f'<{base}/api/alice/tasks?limit=1>; rel="prev"'


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", 201),  # the default port, as the client says: no port in the URLs
        ("evil.example", 400),  # not in ALLOWED_HOSTS, port or not
        ("evil.example:443", 400),
        ("127.0.0.1:not-a-port", 400),
    ],
)
def test_behind_the_shipped_nginx_a_host_not_served_is_a_400(host, expected, behind_shipped_nginx):
    base, tls, token, error_log = behind_shipped_nginx
    status, headers, body = stack.request(
        base, "POST", "/api/bob/tasks", token=token("bob"), body={"title": "t"}, headers={"Host": host}, tls=tls
    )
    assert status == expected, body
    if expected == 201:
        assert headers["location"] == f"https://{host}/api/bob/tasks/{body['id']}"
    else:
        assert body["status_code"] == 400
    assert " [error] " not in (error_log.read_text() if error_log.exists() else "")


def test_behind_the_shipped_nginx_a_request_without_host_gets_the_servers_name(behind_shipped_nginx):
    """HTTP/1.0 needs no Host: the URLs then name nginx's server_name, never the instance behind it."""
    base, tls, token, _ = behind_shipped_nginx
    carol = token("carol")
    for title in ("one", "two"):
        assert stack.request(base, "POST", "/api/carol/tasks", token=carol, body={"title": title}, tls=tls)[0] == 201
    port = int(base.rpartition(":")[2])
    request = f"GET /api/carol/tasks?limit=1 HTTP/1.0\r\nAuthorization: Bearer {carol}\r\n\r\n"
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        tls.wrap_socket(raw, server_hostname="127.0.0.1") as conn,
    ):
        conn.sendall(request.encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head = answer.partition(b"\r\n\r\n")[0].decode()
    assert head.startswith("HTTP/1.1 200"), head
    assert 'Link: <https://127.0.0.1/api/carol/tasks?limit=1&offset=1>; rel="next"' in head.splitlines()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_when_no_instance_answers_the_shipped_nginx_answers_a_json_502(method, tmp_path):
    """Mid-deploy or down: nginx's own 502 keeps the API's error shape, and says a write's outcome is unknown."""
    nginx = stack.which("nginx")
    if not nginx or not stack.which("openssl"):
        pytest.skip("nginx and openssl are needed: apt-get install -y nginx openssl")
    closed = free_port()  # nothing listens there
    https_port = free_port()
    front = tls_front.start_nginx(nginx, tmp_path, free_port(), https_port, [closed, closed])
    try:
        base, tls = f"https://127.0.0.1:{https_port}", tls_front.trusting(tmp_path / "tls.pem")
        for _ in range(100):
            try:
                status, headers, body = stack.request(
                    base, method, "/api/alice/tasks", body={"title": "t"} if method == "POST" else None, tls=tls
                )
                break
            except ConnectionError:
                time.sleep(0.1)  # nginx still starting
        else:
            pytest.fail("nginx did not answer")
    finally:
        front.stop()
    assert status == 502
    assert headers["content-type"] == "application/json"
    assert body["status_code"] == 502 and body["error_type"] == "error"
    assert "may or may not have been applied" in body["detail"]


def test_compose_takes_its_network_and_nginx_address_from_one_pair_of_settings():
    # A second stack beside another needs another subnet; nginx's address, which both apps
    # trust, must move with it, so no fixed address may be left in compose.yaml.
    compose = (ROOT / "compose.yaml").read_text()
    assert "subnet: ${COMPOSE_SUBNET:-172.29.83.0/24}" in compose
    assert compose.count("${NGINX_ADDRESS:-172.29.83.10}") == 3  # TRUSTED_PROXIES twice, nginx's ipv4_address
    assert re.findall(r"172\.29\.83\.\d+", compose) == ["172.29.83.10"] * 3 + ["172.29.83.0"]


def test_the_compose_test_picks_a_subnet_no_docker_network_holds():
    import ipaddress

    from reliability.compose_test import DEFAULT_SUBNET, free_subnet

    taken = [ipaddress.ip_network("172.29.0.0/17"), ipaddress.ip_network("172.29.200.0/22")]
    for _ in range(20):
        subnet = free_subnet(taken)
        assert subnet != DEFAULT_SUBNET and not any(subnet.overlaps(net) for net in taken)
    with pytest.raises(Exception, match="no free /24"):
        free_subnet([ipaddress.ip_network("172.29.0.0/16")])


def test_the_api_image_holds_every_app_of_the_project():
    """The Dockerfile copies the apps one by one: an app in INSTALLED_APPS but not copied would fail to start."""
    from django.conf import settings

    copied = set(re.findall(r"^COPY (\S+) \./\1$", (ROOT / "Dockerfile").read_text(), re.MULTILINE))
    apps = {name for name in settings.INSTALLED_APPS if (ROOT / name).is_dir()}
    assert apps - copied == set()
