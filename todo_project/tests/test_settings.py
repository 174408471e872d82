"""Configuration is read once at startup; a bad value stops it with one line naming the variable."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOW_ENGINE = "print(s.DATABASES['default']['ENGINE'])"


def documented_variables() -> set[str]:
    """Every variable .env.example lists, set (NAME=) or left commented out (# NAME=)."""
    return set(re.findall(r"^(?:# )?([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))


def run_python(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Python in a fresh process, as a server start would be: none of the API's variables but ``env``, no .env."""
    clean = {k: v for k, v in os.environ.items() if k not in documented_variables()}
    return subprocess.run(
        [sys.executable, *args],
        env={
            **clean,
            "ENV_FILE": "",
            "DJANGO_SETTINGS_MODULE": "todo_project.settings",
            "PYTHONPATH": str(ROOT),
            **env,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def start(env: dict[str, str], tmp_path: Path, show: str = SHOW_ENGINE) -> subprocess.CompletedProcess:
    """Load the settings, then run ``show`` (by default: print the database engine)."""
    code = f"import django; django.setup(); from django.conf import settings as s; {show}"
    return run_python(["-c", code], env, tmp_path)


def manage_check(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    return run_python([str(ROOT / "manage.py"), "check"], env, tmp_path)


def last_line(result: subprocess.CompletedProcess) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_secret_key_is_required_without_debug(tmp_path):
    result = start({"DEBUG": "false"}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in last_line(result)


def test_an_invalid_number_names_its_variable(tmp_path):
    result = start({"SECRET_KEY": "x", "JWT_LEEWAY_SECONDS": "soon"}, tmp_path)
    assert result.returncode != 0
    assert "JWT_LEEWAY_SECONDS has an invalid value" in last_line(result)


@pytest.mark.parametrize("name", ["RATE_LIMIT_READS", "RATE_LIMIT_WRITES", "RATE_LIMIT_ANONYMOUS"])
@pytest.mark.parametrize("rate", ["600", "600/x", "1/0s"])
def test_a_rate_that_cannot_be_counted_stops_startup(tmp_path, name, rate):
    result = start({"SECRET_KEY": "x", name: rate}, tmp_path)
    assert result.returncode != 0
    assert f"{name} must look like 600/m" in last_line(result)


@pytest.mark.parametrize("name", ["METRICS_ALLOWED_NETWORKS", "TRUSTED_PROXIES"])
def test_a_network_list_with_a_bad_entry_stops_startup(tmp_path, name):
    result = start({"SECRET_KEY": "x", name: "127.0.0.1,not-a-network"}, tmp_path)
    assert result.returncode != 0
    assert f"{name} has an entry that is not an address or network: 'not-a-network'." in last_line(result)


@pytest.mark.parametrize(
    "name",
    [
        "ADMIN_LOGIN_FAILURE_LIMIT",
        "ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT",
        "ADMIN_LOGIN_USERNAME_FAILURE_LIMIT",
        "ADMIN_LOGIN_COOLOFF_MINUTES",
    ],
)
def test_an_admin_login_lockout_setting_below_one_is_refused(tmp_path, name):
    result = start({"SECRET_KEY": "x", name: "0"}, tmp_path)
    assert result.returncode != 0
    assert f"{name} must be at least 1." in last_line(result)


def test_the_admin_login_lockout_is_read_from_the_environment(tmp_path):
    code = "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds())"
    env = {"SECRET_KEY": "x", "ADMIN_LOGIN_FAILURE_LIMIT": "3", "ADMIN_LOGIN_COOLOFF_MINUTES": "30"}
    assert start(env, tmp_path, code).stdout.strip() == "3 1800.0"


def test_database_url_selects_postgresql(tmp_path):
    result = start({"SECRET_KEY": "x", "DATABASE_URL": "postgres://u@127.0.0.1:5432/db"}, tmp_path)
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_sqlite_is_the_default(tmp_path):
    assert start({"SECRET_KEY": "x"}, tmp_path).stdout.strip() == "django.db.backends.sqlite3"


def test_env_example_documents_every_variable_the_settings_read():
    settings_source = (ROOT / "todo_project" / "settings.py").read_text()
    read = set(re.findall(r'(?:env(?:\.\w+)?|_read\w*)\(\s*"([A-Z_]+)"', settings_source))
    assert read, "no variables found: the pattern no longer matches settings.py"
    assert read == documented_variables()


def test_the_configuration_reference_lists_every_variable():
    # The configuration table moved from README.md to docs/configuration.md.
    reference = (ROOT / "docs" / "configuration.md").read_text()
    assert {name for name in documented_variables() if f"`{name}`" not in reference} == set()


# .env.example, copied as it is


def test_the_example_copied_with_only_the_required_values_starts_cleanly(tmp_path):
    example = (ROOT / ".env.example").read_text()
    required = {"SECRET_KEY": "a-long-random-production-key", "BETTER_AUTH_URL": "https://auth.example.com"}
    filled = example
    for name, value in required.items():
        assert f"\n{name}=\n" in filled, f"{name} is no longer an empty line of .env.example"
        filled = filled.replace(f"\n{name}=\n", f"\n{name}={value}\n")
    (tmp_path / ".env").write_text(filled)
    result = manage_check({"ENV_FILE": str(tmp_path / ".env")}, tmp_path)
    assert result.returncode == 0, result.stderr
    # No warning either (authn.W001): copying the example leaves iss and aud checked against BETTER_AUTH_URL.
    assert result.stdout.startswith("System check identified no issues"), result.stderr


def test_jwt_issuer_and_audience_set_but_empty_turn_their_check_off(tmp_path):
    result = manage_check(
        {"SECRET_KEY": "x", "BETTER_AUTH_SECRET": "s" * 32, "JWT_ISSUER": "", "JWT_AUDIENCE": ""}, tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "authn.W001" in result.stderr + result.stdout


def test_jwt_issuer_unset_is_not_the_same_as_empty(tmp_path):
    result = manage_check({"SECRET_KEY": "x", "BETTER_AUTH_SECRET": "s" * 32}, tmp_path)
    assert result.returncode != 0
    assert "authn.E008" in result.stderr


# Behind a TLS-terminating proxy


def test_the_proxy_settings_come_from_the_environment(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; from django.test import Client;"
        "c = Client(HTTP_HOST='api.example.com');"
        "hsts = lambda peer: c.get('/healthz', REMOTE_ADDR=peer, HTTP_X_FORWARDED_PROTO='https')"
        ".get('Strict-Transport-Security');"
        "print(s.CSRF_TRUSTED_ORIGINS, hsts('10.0.0.5'), hsts('198.51.100.7'))"
    )
    env = {
        "SECRET_KEY": "x",
        "ALLOWED_HOSTS": "api.example.com",
        "TRUSTED_PROXIES": "10.0.0.0/24",
        "CSRF_TRUSTED_ORIGINS": "https://api.example.com:8443",
    }
    result = run_python(["-c", code], env, tmp_path)
    assert result.stdout.strip() == "['https://api.example.com:8443'] max-age=31536000 None", result.stderr


def test_a_server_refuses_to_start_on_an_authentication_setting_that_cannot_work(tmp_path):
    # gunicorn runs no system checks: without this, every request would be a 500 instead.
    env = {
        "SECRET_KEY": "x",
        "BETTER_AUTH_URL": "http://auth.test",
        "REVOCATION_FEED_SECRET": "f" * 32,
        "JWT_LEEWAY_SECONDS": "120",
    }
    result = run_python(["-c", "import todo_project.wsgi"], env, tmp_path)
    assert result.returncode != 0
    assert "authn.E018" in last_line(result)
    assert run_python(["-c", "import todo_project.wsgi"], {**env, "JWT_LEEWAY_SECONDS": "60"}, tmp_path).returncode == 0
