"""``manage.py backup`` and ``manage.py restore`` on SQLite files: the round trip, and every refusal.

Each refusal must leave the target databases exactly as they were.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from backups.archive import sign_manifest


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def backup(sites: dict[str, Path], name: str = "one") -> Path:
    into = sites["backups"] / name
    run("backup", str(into), "--auth-database", str(sites["auth"]))
    return into


def restore(sites: dict[str, Path], directory: Path, *extra: str) -> str:
    return run("restore", str(directory), "--auth-database", str(sites["auth"]), *extra)


def resign(directory: Path) -> None:
    """Sign the manifest as it now is, with this deployment's key: what only the key's holder can do."""
    text = (directory / "manifest.json").read_text()
    (directory / "manifest.sig").write_text(sign_manifest(text))


def rewrite_manifest(directory: Path, text: str) -> None:
    (directory / "manifest.json").write_text(text)
    resign(directory)


def fingerprint(*paths: Path) -> list[str]:
    """Each database's rows, so a refused restore can be shown to have changed nothing."""
    found = []
    for path in paths:
        if not path.exists():
            found.append(f"{path.name}: absent")
            continue
        with sqlite3.connect(path) as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            for table in tables:
                query = 'SELECT * FROM "%s" ORDER BY 1' % table  # noqa: S608, UP031 (names from the schema)
                found.append(f"{path.name}.{table}: {conn.execute(query).fetchall()}")
    return found


def destroy(*paths: Path) -> None:
    for path in paths:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def test_a_backup_restores_exactly_over_destroyed_databases(sites):
    before = fingerprint(sites["api"], sites["auth"])
    into = backup(sites)
    manifest = json.loads((into / "manifest.json").read_text())
    assert [e["holds"] for e in manifest["databases"]] == [["auth"], ["api"]]
    assert manifest["databases"][1]["rows"]["tasks_task"] == 2
    assert manifest["databases"][1]["migrations"] == ["tasks.0001_initial"]
    with sqlite3.connect(sites["api"]) as conn:
        conn.execute("INSERT INTO tasks_task (user_id, title) VALUES ('u2', 'after the backup')")
    destroy(sites["api"], sites["auth"])

    out = restore(sites, into)

    assert "2 tasks (as in the backup)" in out
    assert "npm run after-restore" in out
    with sqlite3.connect(sites["auth"]) as conn:
        assert conn.execute("SELECT count(*) FROM jwks").fetchone() == (0,)  # a new key set, by default
    expected = [line for line in before if not line.startswith("auth.sqlite3.jwks")]
    assert [line for line in fingerprint(sites["api"], sites["auth"]) if "jwks" not in line] == expected


def test_restore_keeps_the_signing_keys_when_told(sites):
    into = backup(sites)
    destroy(sites["auth"])
    destroy(sites["api"])
    restore(sites, into, "--keep-signing-keys")
    with sqlite3.connect(sites["auth"]) as conn:
        assert conn.execute("SELECT id FROM jwks").fetchall() == [("k1",)]


def test_a_wrong_checksum_is_refused_before_anything_is_touched(sites):
    into = backup(sites)
    damaged = into / "api.sqlite3"
    data = bytearray(damaged.read_bytes())
    data[-1] ^= 0xFF  # same size, one byte different
    damaged.write_bytes(bytes(data))
    before = fingerprint(sites["api"], sites["auth"])

    with pytest.raises(CommandError, match=r"api\.sqlite3: SHA-256 .* damaged"):
        restore(sites, into, "--force")
    assert fingerprint(sites["api"], sites["auth"]) == before


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "auth.sqlite3").unlink(), r"auth\.sqlite3 is missing: the backup is incomplete"),
        (lambda d: (d / "manifest.json").unlink(), r"has no manifest\.json"),
        # Signed again, so the check behind the signature's is what refuses them.
        (lambda d: rewrite_manifest(d, "{not json"), r"is not valid JSON"),
        (lambda d: rewrite_manifest(d, '{"format": "other/9"}'), r"is not a tasks-backup/1 manifest"),
        (lambda d: (d / "api.sqlite3").write_bytes(b"x"), r"has 1 bytes, the manifest says"),
    ],
    ids=["missing-file", "no-manifest", "manifest-not-json", "wrong-format", "truncated"],
)
def test_a_damaged_backup_is_refused(sites, damage, message):
    into = backup(sites)
    damage(into)
    before = fingerprint(sites["api"], sites["auth"])
    with pytest.raises(CommandError, match=message):
        restore(sites, into, "--force")
    assert fingerprint(sites["api"], sites["auth"]) == before


def test_a_missing_directory_is_refused(sites):
    with pytest.raises(CommandError, match="No backup directory at"):
        restore(sites, sites["backups"] / "never-made")


def test_databases_holding_data_are_not_replaced_without_force(sites):
    into = backup(sites)
    with sqlite3.connect(sites["api"]) as conn:
        conn.execute("INSERT INTO tasks_task (user_id, title) VALUES ('u2', 'newer')")
    before = fingerprint(sites["api"], sites["auth"])

    with pytest.raises(CommandError, match=r"Nothing was changed\. Pass --force"):
        restore(sites, into)
    assert fingerprint(sites["api"], sites["auth"]) == before

    out = restore(sites, into, "--force")
    assert "going on anyway (--force)" in out
    with sqlite3.connect(sites["api"]) as conn:
        assert conn.execute("SELECT count(*) FROM tasks_task").fetchone() == (2,)


def test_a_database_another_process_holds_open_is_refused(sites):
    into = backup(sites)
    destroy(sites["auth"])
    sqlite3.connect(sites["auth"]).close()  # an empty file: only the open process stands in the way
    holder = subprocess.Popen(  # a server with the file open
        [sys.executable, "-c", f"import sqlite3, time; c = sqlite3.connect({str(sites['auth'])!r}); time.sleep(60)"],
        stdout=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not _is_open(holder.pid, sites["auth"]):
            time.sleep(0.05)
        with pytest.raises(CommandError, match="Nothing was changed"):
            restore(sites, into)
    finally:
        holder.kill()
        holder.wait()


def _is_open(pid: int, path: Path) -> bool:
    try:
        return any(str(path) == p.readlink().as_posix() for p in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


def test_a_backup_of_another_kind_of_database_is_refused(sites):
    into = backup(sites)
    with pytest.raises(CommandError, match="wrong kind of database"):
        run("restore", str(into), "--auth-database", "postgres://nobody@127.0.0.1:1/none")


def test_a_backup_by_a_newer_version_is_refused(sites):
    into = backup(sites)
    manifest_path = into / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["databases"][1]["migrations"].append("tasks.9999_from_the_future")
    rewrite_manifest(into, json.dumps(manifest))
    with pytest.raises(CommandError, match=r"newer version of the API: migrations tasks\.9999_from_the_future"):
        restore(sites, into, "--force")


def test_a_backup_never_overwrites_a_directory(sites):
    into = backup(sites)
    digest = hashlib.sha256((into / "manifest.json").read_bytes()).hexdigest()
    with pytest.raises(CommandError, match="exists already"):
        backup(sites)
    assert hashlib.sha256((into / "manifest.json").read_bytes()).hexdigest() == digest


def test_a_missing_database_is_not_backed_up(sites):
    destroy(sites["auth"])
    with pytest.raises(CommandError, match="Nothing to back up for auth"):
        backup(sites)
    assert not (sites["backups"] / "one").exists()


def test_check_only_reports_and_changes_nothing(sites):
    into = backup(sites)
    with sqlite3.connect(sites["api"]) as conn:
        conn.execute("INSERT INTO tasks_task (user_id, title) VALUES ('u2', 'newer')")
    before = fingerprint(sites["api"], sites["auth"])

    out = restore(sites, into, "--check-only")

    assert "checksum and structure good" in out
    assert "to settle before restoring" in out
    assert "nothing was changed" in out
    assert fingerprint(sites["api"], sites["auth"]) == before


def test_task_owners_unknown_to_better_auth_are_counted_with_every_cause(sites):
    # A `make token SUB=alice` user owns tasks but was never in Better Auth: the note must not
    # blame the backup alone.
    with sqlite3.connect(sites["api"]) as conn:
        conn.execute("INSERT INTO tasks_task (user_id, title) VALUES ('alice', 'from a dev token')")
    into = backup(sites)
    destroy(sites["api"], sites["auth"])

    out = restore(sites, into)

    assert "1 users own tasks but are not in Better Auth's backup" in out
    assert "signed up between the two captures" in out
    assert "make token" in out and "deleted in Better Auth" in out
