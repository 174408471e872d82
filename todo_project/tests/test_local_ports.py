"""`make run WEB_PORT=...` with a .env written for another port stops and says which lines to change."""

import subprocess
import sys
from pathlib import Path

from todo_project.local_ports import mismatches

REPO = Path(__file__).resolve().parents[2]
WRITTEN_FOR_3000 = {
    "BETTER_AUTH_URL": "http://localhost:3000",
    "CORS_ORIGINS": "http://localhost:3000,http://127.0.0.1:3000",
}


def test_a_env_for_the_asked_port_passes():
    assert mismatches(3000, WRITTEN_FOR_3000) == []


def test_a_env_for_another_port_names_both_lines_and_the_values_needed():
    found = mismatches(3100, WRITTEN_FOR_3000)
    assert len(found) == 2
    assert "BETTER_AUTH_URL=http://localhost:3000" in found[0] and "http://localhost:3100" in found[0]
    assert "CORS_ORIGINS=" in found[1] and "http://127.0.0.1:3100" in found[1]


def test_values_set_on_purpose_for_other_hosts_are_left_alone():
    deployed = {"BETTER_AUTH_URL": "https://tasks.example.com", "CORS_ORIGINS": "https://tasks.example.com"}
    assert mismatches(3100, deployed) == []


def test_the_module_exits_non_zero_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.delenv("BETTER_AUTH_URL", raising=False)
    monkeypatch.delenv("CORS_ORIGINS", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("SECRET_KEY=x\nBETTER_AUTH_URL=http://localhost:3000\n")
    result = subprocess.run(
        [sys.executable, "-m", "todo_project.local_ports", "3100", str(env_file)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "WEB_PORT=3100" in result.stderr and "BETTER_AUTH_URL=http://localhost:3000" in result.stderr
    ok = subprocess.run([sys.executable, "-m", "todo_project.local_ports", "3000", str(env_file)], cwd=REPO)
    assert ok.returncode == 0
