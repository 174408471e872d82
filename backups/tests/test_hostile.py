"""Hostile backups and mistaken targets: each is refused with a message, and nothing is changed.

A backup directory is only as trustworthy as whoever could write it: its manifest's checksums
can be recomputed by anyone, its signature only with the deployment's SECRET_KEY.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError
from django.test import override_settings

from backups.databases import sha256
from backups.tests.test_commands import backup, fingerprint, resign, restore, run

SWALLOW_SIGNOUT = 'CREATE TRIGGER swallow_signout BEFORE INSERT ON "revocationEvent" BEGIN SELECT RAISE(IGNORE); END'


def edit_manifest(directory: Path, change: Any) -> None:
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest, indent=2) + "\n")


def tamper(directory: Path, file: str, *statements: str) -> None:
    """Change a database in the backup, then recompute its size and checksum in the manifest, as an attacker can."""
    with sqlite3.connect(directory / file) as conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()

    def recompute(manifest: dict) -> None:
        for entry in manifest["databases"]:
            if entry["file"] == file:
                entry["bytes"] = (directory / file).stat().st_size
                entry["sha256"] = sha256(directory / file)

    edit_manifest(directory, recompute)


ADMIN_BOB = (
    'ALTER TABLE "user" ADD COLUMN role TEXT',
    "INSERT INTO \"user\" (id, email, role) VALUES ('bob', 'bob@example.com', 'admin')",
)


def test_a_backup_tampered_with_and_checksums_recomputed_is_refused(sites):
    into = backup(sites)
    tamper(into, "auth.sqlite3", SWALLOW_SIGNOUT, *ADMIN_BOB)
    before = fingerprint(sites["api"], sites["auth"])

    with pytest.raises(CommandError, match=r"manifest\.sig does not match manifest\.json") as refused:
        restore(sites, into, "--force")
    assert "SECRET_KEY of the deployment that made the backup" in str(refused.value)
    assert "--accept-unsigned" in str(refused.value)
    assert fingerprint(sites["api"], sites["auth"]) == before


@pytest.mark.parametrize("how", ["signed-by-the-key-holder", "accepted-unsigned"])
def test_a_trigger_the_application_never_creates_is_refused_even_past_the_signature(sites, how):
    """The signature says who wrote the manifest, not that the database is sound: the file itself is checked too."""
    into = backup(sites)
    tamper(into, "auth.sqlite3", SWALLOW_SIGNOUT)
    extra = ()
    if how == "signed-by-the-key-holder":
        resign(into)
    else:
        (into / "manifest.sig").unlink()
        extra = ("--accept-unsigned",)
    before = fingerprint(sites["api"], sites["auth"])

    with pytest.raises(CommandError, match=r"holds trigger swallow_signout, which the application never creates"):
        restore(sites, into, "--force", *extra)
    assert fingerprint(sites["api"], sites["auth"]) == before


def test_a_view_or_a_changed_counter_trigger_in_the_apis_database_is_refused(sites):
    into = backup(sites)
    tamper(into, "api.sqlite3", "CREATE VIEW every_task AS SELECT * FROM tasks_task")
    resign(into)
    with pytest.raises(CommandError, match=r"holds view every_task, which the application never creates"):
        restore(sites, into, "--force")


def test_an_unsigned_backup_is_refused_unless_its_origin_is_vouched_for(sites):
    into = backup(sites)
    (into / "manifest.sig").unlink()
    before = fingerprint(sites["api"], sites["auth"])

    with pytest.raises(CommandError, match=r"has no manifest\.sig: nothing shows who wrote its manifest") as refused:
        restore(sites, into, "--force")
    assert "--accept-unsigned" in str(refused.value)
    assert fingerprint(sites["api"], sites["auth"]) == before

    out = restore(sites, into, "--force", "--accept-unsigned")
    assert "WARNING: --accept-unsigned: going on" in out
    assert "2 tasks (as in the backup)" in out


def test_a_backup_signed_before_a_key_rotation_restores_with_the_old_key_as_fallback(sites, settings):
    settings.SECRET_KEY = "the-old-key-" + "x" * 40
    into = backup(sites)
    with override_settings(SECRET_KEY="the-new-key-" + "y" * 40, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
        out = restore(sites, into, "--force")
    assert "signature good" in out


def test_a_backup_made_by_another_deployment_is_refused(sites, settings):
    settings.SECRET_KEY = "another-deployment-" + "x" * 40
    into = backup(sites)
    before = fingerprint(sites["api"], sites["auth"])
    with (
        override_settings(SECRET_KEY="this-deployment-" + "y" * 40, SECRET_KEY_FALLBACKS=[]),
        pytest.raises(CommandError, match=r"does not match .* or another deployment made it"),
    ):
        restore(sites, into, "--force")
    assert fingerprint(sites["api"], sites["auth"]) == before


def _swap_holds(m: dict) -> None:
    m["databases"][0]["holds"], m["databases"][1]["holds"] = m["databases"][1]["holds"], m["databases"][0]["holds"]


def _set(index: int, key: str, value: Any):
    def change(m: dict) -> None:
        m["databases"][index][key] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set(0, "file", "../../elsewhere/auth.sqlite3"), r"file '\.\./\.\./elsewhere/auth\.sqlite3' is not"),
        (_set(0, "file", "/etc/passwd"), r"file '/etc/passwd' is not 'auth\.sqlite3'"),
        (_swap_holds, r"file 'auth\.sqlite3' is not 'api\.sqlite3', the file for api"),
        (_set(1, "rows", {"tasks_task": "x"}), r"rows is not a map of table to a row count"),
        (_set(0, "sha256", None), r"sha256 is not a SHA-256 in hex"),
        (_set(0, "bytes", True), r"bytes is not a whole number"),
        (_set(0, "holds", ["api"]), r"file 'auth\.sqlite3' is not 'api\.sqlite3'"),
        (_set(1, "holds", "api"), r"holds is not a list of names"),
        (_set(1, "engine", "mysql"), r"engine 'mysql' is not one of"),
        (_set(1, "migrations", None), r"migrations is not a list of names"),
        (lambda m: m["databases"].pop(), r"its databases hold auth, not auth and api"),
        (lambda m: m.update(databases={"auth": 1}), r"databases is not a list of entries"),
        (lambda m: m.update(skew_seconds="soon"), r"skew_seconds is not a number"),
    ],
    ids=[
        "file-outside",
        "file-absolute",
        "holds-swapped",
        "rows-not-numbers",
        "sha256-null",
        "bytes-bool",
        "two-api-entries",
        "holds-not-list",
        "unknown-engine",
        "migrations-null",
        "one-database-missing",
        "databases-not-list",
        "skew-not-number",
    ],
)
def test_a_malformed_manifest_is_refused_whole_before_anything_is_touched(sites, change, message):
    """Signed again after the change, so the validation itself is what refuses (not the signature)."""
    backup(sites, "elsewhere")  # a directory the path would lead to
    into = backup(sites)
    edit_manifest(into, change)
    resign(into)
    with sqlite3.connect(sites["api"]) as conn:
        conn.execute("INSERT INTO tasks_task (user_id, title) VALUES ('u2', 'newer')")
    before = fingerprint(sites["api"], sites["auth"])

    with pytest.raises(CommandError, match=message) as refused:
        restore(sites, into, "--force")
    assert "nothing was changed" in str(refused.value)
    assert fingerprint(sites["api"], sites["auth"]) == before


def test_each_database_must_be_the_one_its_entry_names(sites):
    """The two files swapped on disk, with a manifest to match: Better Auth's name, the API's tables."""
    into = backup(sites)
    auth, api = into / "auth.sqlite3", into / "api.sqlite3"
    auth.rename(into / "swap")
    api.rename(auth)
    (into / "swap").rename(api)

    def follow(m: dict) -> None:
        for entry in m["databases"]:
            file = into / entry["file"]
            entry["bytes"], entry["sha256"] = file.stat().st_size, sha256(file)

    edit_manifest(into, follow)
    resign(into)
    before = fingerprint(sites["api"], sites["auth"])
    with pytest.raises(CommandError, match=r"auth\.sqlite3 is not Better Auth's database: it lacks the tables user"):
        restore(sites, into, "--force")
    assert fingerprint(sites["api"], sites["auth"]) == before


def test_an_empty_better_auth_database_is_not_backed_up(sites):
    sites["auth"].unlink()
    with sqlite3.connect(sites["auth"]) as conn:
        conn.execute("CREATE TABLE unrelated (id INTEGER)")
    with pytest.raises(CommandError, match=r"is not Better Auth's database: it lacks the tables user, session"):
        backup(sites)
    assert not (sites["backups"] / "one").exists()


def test_an_api_database_without_the_apis_tables_is_not_backed_up(sites):
    with sqlite3.connect(sites["api"]) as conn:
        conn.execute("DROP TABLE tasks_task")
    with pytest.raises(CommandError, match=r"is not the API's database: it lacks the tables tasks_task"):
        backup(sites)


def test_the_apis_own_file_as_better_auths_is_refused(sites):
    with pytest.raises(CommandError, match=r"Better Auth's database and the API's are the same file"):
        run("backup", str(sites["backups"] / "one"), "--auth-database", str(sites["api"]))
    assert not (sites["backups"] / "one").exists()


def test_a_backup_and_every_file_in_it_are_readable_by_their_owner_only(sites):
    """It holds password hashes, session tokens and signing keys; a copy without -p keeps each file's own mode."""
    old = os.umask(0o022)
    try:
        into = backup(sites)
    finally:
        os.umask(old)
    assert stat.S_IMODE(into.stat().st_mode) == 0o700
    files = sorted(into.iterdir())
    assert {"api.sqlite3", "auth.sqlite3", "manifest.json", "manifest.sig"} <= {f.name for f in files}
    assert {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {f.name: "0o600" for f in files}


def test_a_wal_file_planted_beside_a_database_is_refused(sites):
    """SQLite would read its pages as part of the database, outside the checksum's reach."""
    into = backup(sites)
    (into / "auth.sqlite3-wal").write_bytes(b"\0" * 4096)
    with pytest.raises(CommandError, match=r"auth\.sqlite3-wal is not empty: the manifest's checksum does not cover"):
        restore(sites, into, "--force")


def test_a_restore_onto_the_apis_file_as_better_auths_is_refused(sites):
    into = backup(sites)
    before = fingerprint(sites["api"], sites["auth"])
    with pytest.raises(CommandError, match=r"Better Auth's database and the API's are the same file"):
        run("restore", str(into), "--auth-database", str(sites["api"]), "--force")
    assert fingerprint(sites["api"], sites["auth"]) == before
