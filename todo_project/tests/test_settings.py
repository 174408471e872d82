"""Configuration is read once at startup; a bad value stops it with one line naming the variable."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOW_ENGINE = "print(s.DATABASES['default']['ENGINE'])"


def start(env: dict[str, str], tmp_path: Path, show: str = SHOW_ENGINE) -> subprocess.CompletedProcess:
    """Load the settings in a fresh process, as a server start would, ignoring any local .env; then run ``show``."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}}
    code = f"import django; django.setup(); from django.conf import settings as s; {show}"
    return subprocess.run(
        [sys.executable, "-c", code],
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


@pytest.mark.parametrize("name", ["ADMIN_LOGIN_FAILURE_LIMIT", "ADMIN_LOGIN_COOLOFF_MINUTES"])
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
    read = set(re.findall(r'(?:env(?:\.\w+)?|_read)\(\s*"([A-Z_]+)"', settings_source))
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read, "no variables found: the pattern no longer matches settings.py"
    assert read == documented


def test_the_readme_configuration_table_lists_every_variable():
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    readme = (ROOT / "README.md").read_text()
    assert {name for name in documented if f"`{name}`" not in readme} == set()
