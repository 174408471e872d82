"""Backup and restore, drilled: both databases, with the web app's Better Auth and the API serving.

Starts the web app's Better Auth (``frontend/scripts/serve-auth.ts``: lib/auth.ts with its own
database, plugins and revocation feed) and the API (gunicorn) with the feed on, plus a second
API instance that stays up across the whole restore, then, over HTTP:

1. signs people up and in, makes tasks, signs one session out (its event is in the backup);
2. backs up (``manage.py backup``) while a writer keeps creating tasks and signing in;
3. makes more people and tasks, deletes one, and signs a session out: all lost by the restore;
4. shows the restore refusing databases in use, stops the servers, destroys both databases,
   restores (``manage.py restore``), and checks row for row that exactly what the backup held
   is back and nothing else (the writer's tasks: every one acknowledged before the backup
   began, none begun after it ended, no gap);
5. serves again without ``npm run after-restore`` and shows the hazard: the session signed out
   after the backup is alive again in Better Auth, and a freshly started API accepts its token;
6. runs ``npm run after-restore`` and times how long each API takes to refuse the restored
   sessions' tokens, the one that stayed up included, though the new events' ids are ones it
   had already read past (the feed's incarnation: it reads from the start again);
7. everyone signs in again and sees exactly their backed-up tasks through the API.

Prints the figures; times are printed, never judged. Exit status 0 passed, 1 a violation
(listed), 2 something needed is missing.

Usage: ``make backup-drill`` (SQLite) or ``make backup-drill DRILL_ARGS=--postgres``
(PostgreSQL at 127.0.0.1:5432, user postgres: two fresh databases, dropped at the end).
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backups.databases import Database, sqlite_journal_mode  # noqa: E402
from reliability.stack import (  # noqa: E402
    PG_URL,
    UNTHROTTLED,
    BetterAuthBrowser,
    Failed,
    Process,
    Secrets,
    Unavailable,
    free_port,
    pg_database,
    pg_ready,
    request,
    run_script,
    server_env,
    start_gunicorn,
    wait_ready,
)

FRONTEND = ROOT / "frontend"
TSX = FRONTEND / "node_modules" / ".bin" / "tsx"
PASSWORD = "drill password, long enough"
# Rate-limit counters (Better Auth's and the API's), rewritten on every request: not what a restore must bring back.
TRANSIENT_TABLES = {"rateLimit", "signInCounter", "verification", "rate_limit_counter"}
REFUSAL_DEADLINE = 15.0
HTTP_TIMEOUT = 10


class Browser(BetterAuthBrowser):
    """One browser signed in to Better Auth: every answer as (status, body), and JWTs on request."""

    timeout = HTTP_TIMEOUT

    def post(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        return self.answer("POST", path, body or {})

    def get(self, path: str) -> tuple[int, Any]:
        return self.answer("GET", path)

    def token(self) -> str:
        status, body = self.get("/api/auth/token")
        if status != 200:
            raise Failed(f"/api/auth/token answered {status}")
        return body["token"]

    def session_alive(self) -> bool:
        status, body = self.get("/api/auth/get-session")
        return status == 200 and bool(body)


@dataclass
class Person:
    email: str
    name: str
    browsers: list[Browser] = field(default_factory=list)
    user_id: str = ""
    tasks: list[str] = field(default_factory=list)  # titles, as the API should list them


@dataclass
class Stack:
    """What the drill runs: its databases, environments and servers."""

    tmp: Path
    api_db: Database
    auth_db: Database
    auth_url: str
    api_url: str
    bystander_url: str
    web_env: dict[str, str]
    api_env: dict[str, str]
    bystander_env: dict[str, str]
    auth_port: int
    api_port: int
    auth: Process | None = None
    api: Process | None = None
    bystander: Process | None = None

    def start_auth(self) -> None:
        self.auth = Process(
            "web", [str(TSX), "scripts/serve-auth.ts", "-p", str(self.auth_port)],
            env=self.web_env, log=self.tmp / "web.log", cwd=FRONTEND,
        )  # fmt: skip
        wait_ready(self.auth_url, [self.auth], path="/api/auth/jwks", timeout=60)

    def start_api(self) -> None:
        self.api = start_gunicorn("api", self.api_port, self.api_env, self.tmp, workers=1)
        wait_ready(self.api_url, [self.api], timeout=60)

    def stop(self, *names: str) -> None:
        for name in names:
            process = getattr(self, name)
            if process is not None:
                process.stop()
                setattr(self, name, None)


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def api_status(base: str, token: str, path: str = "/api/me") -> int:
    return request(base, "GET", path, token=token)[0]


def rows(db: Database, table: str) -> list[tuple[str, ...]]:
    """Every row of a table as text, sorted: what must come back exactly."""
    query = f'SELECT * FROM "{table}"'  # noqa: S608 (names from the schema)
    if db.engine == "sqlite":
        import sqlite3

        conn = sqlite3.connect(f"file:{db.file}?mode=ro", uri=True)
        try:
            cursor = conn.execute(query)
            columns = [c[0] for c in cursor.description]
            found = cursor.fetchall()
        finally:
            conn.close()
    else:
        with db.connect() as conn:
            cursor = conn.execute(query)
            columns = [c.name for c in cursor.description or []]
            found = cursor.fetchall()
    return sorted(tuple(f"{c}={v}" for c, v in zip(columns, row, strict=True)) for row in found)


def snapshot(db: Database, *, leave_out_user: str) -> dict[str, list[tuple[str, ...]]]:
    """Each table's rows, without Better Auth's counters and without the busy writer's rows (checked apart)."""
    marks = (f"userId={leave_out_user}", f"user_id={leave_out_user}")
    return {
        table: [r for r in rows(db, table) if not any(m in r for m in marks)]
        for table in db.tables()
        if table not in TRANSIENT_TABLES
    }


def feed_state(auth_db: Database) -> tuple[int, str | None]:
    """The newest event's id and its incarnation, read from Better Auth's database."""
    events = [dict(field.split("=", 1) for field in r) for r in rows(auth_db, "revocationEvent")]
    if not events:
        return 0, None
    newest = max(events, key=lambda e: int(e["position"]))
    return int(newest["position"]), newest["incarnation"]


def positions(auth_db: Database) -> list[tuple[int, str]]:
    events = [dict(field.split("=", 1) for field in r) for r in rows(auth_db, "revocationEvent")]
    return sorted((int(e["position"]), e["incarnation"]) for e in events)


def wait_refused(base: str, token: str, began: float) -> float | None:
    """Seconds from ``began`` until the API answers 401 to the token; None past the deadline."""
    while time.monotonic() - began < REFUSAL_DEADLINE:
        if api_status(base, token) == 401:
            return time.monotonic() - began
        time.sleep(0.02)
    return None


class BusyWriter(threading.Thread):
    """Creates numbered tasks and signs in, as fast as answered, while the backup runs."""

    def __init__(self, stack: Stack, person: Person, token: str) -> None:
        super().__init__(daemon=True)
        self.stack, self.person, self.token = stack, person, token
        self.stopping = threading.Event()
        self.acked: list[tuple[int, float, float]] = []  # (number, sent, acknowledged), monotonic
        self.failed: list[str] = []
        self.sign_ins = 0

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            sent = time.monotonic()
            try:
                status, _, _ = request(
                    self.stack.api_url, "POST", f"/api/{self.person.user_id}/tasks",
                    token=self.token, body={"title": f"busy {n}"},
                )  # fmt: skip
            except ConnectionError as e:
                self.failed.append(f"task {n}: {e}")
                continue
            if status == 201:
                self.acked.append((n, sent, time.monotonic()))
            else:
                self.failed.append(f"task {n}: {status}")
            if n % 3 == 0:
                status, _ = Browser(self.stack.auth_url).post(
                    "/api/auth/sign-in/email", {"email": self.person.email, "password": PASSWORD}
                )
                self.sign_ins += status == 200
                if status != 200:
                    self.failed.append(f"sign-in: {status}")


def destroy(db: Database) -> None:
    if db.engine == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{db.file}{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(db.name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db.name)))


@contextlib.contextmanager
def databases(postgres: bool, tmp: Path) -> Iterator[tuple[Database, Database, str, str]]:
    """The API's and Better Auth's databases, as Database and as the URLs the servers take."""
    if not postgres:
        api, auth = tmp / "api.sqlite3", tmp / "auth.sqlite3"
        yield Database("sqlite", path=api), Database("sqlite", path=auth), f"sqlite:///{api}", ""
        return
    run = secrets.token_hex(4)
    with pg_database(f"backup_drill_api_{run}") as api_url, pg_database(f"backup_drill_auth_{run}") as auth_url:
        yield Database.from_url(api_url, base=ROOT), Database.from_url(auth_url, base=ROOT), api_url, auth_url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL at 127.0.0.1:5432 instead of SQLite")
    parser.add_argument("--people", type=int, default=4, help="people signed up before the backup")
    parser.add_argument("--tasks", type=int, default=3, help="tasks each of them makes")
    args = parser.parse_args()
    if not TSX.exists() or not shutil.which("npm"):
        raise Unavailable("backup_drill: needs Node with frontend/node_modules (make install).")
    if args.postgres and not pg_ready():
        raise Unavailable(f"backup_drill: no PostgreSQL at {PG_URL}.")
    if args.postgres and not shutil.which("pg_dump"):
        raise Unavailable("backup_drill: pg_dump not found (Debian: postgresql-client).")
    kind = "PostgreSQL" if args.postgres else "SQLite"
    violations: list[str] = []
    began = time.monotonic()

    with (
        tempfile.TemporaryDirectory(prefix="backup-drill-") as tmp_name,
        databases(args.postgres, Path(tmp_name)) as (
            api_db,
            auth_db,
            api_url,
            auth_url_db,
        ),
    ):
        tmp = Path(tmp_name)
        keys = Secrets()
        feed_secret = secrets.token_urlsafe(32)
        auth_port, api_port, bystander_port = free_port(), free_port(), free_port()
        auth_url = f"http://127.0.0.1:{auth_port}"
        web_env = {
            **{k: v for k, v in server_env(keys).items() if not k.startswith("RATE_LIMIT_")},
            "NODE_ENV": "production",
            "BETTER_AUTH_URL": auth_url,
            "BETTER_AUTH_SECRET": secrets.token_urlsafe(32),
            "REVOCATION_FEED_SECRET": feed_secret,
            "DATABASE_URL": auth_url_db,
            "AUTH_SQLITE_FILE": str(auth_db.path or ""),
            "TRUSTED_PROXIES": "",
            **{f"RATE_LIMIT_{k}": "1000/m" for k in ("AUTH", "SIGN_IN", "SIGN_UP")},
        }

        def api_settings(database_url: str) -> dict[str, str]:
            env = server_env(
                keys,
                DATABASE_URL=database_url,
                BETTER_AUTH_URL=auth_url,
                JWT_ISSUER=auth_url,
                JWT_AUDIENCE=auth_url,
                JWT_ALGORITHMS="EdDSA",
                REVOCATION_FEED_SECRET=feed_secret,
                **{f"RATE_LIMIT_{k}": UNTHROTTLED for k in ("READS", "WRITES", "ANONYMOUS")},
            )
            env.pop("BETTER_AUTH_SECRET")
            return env

        stack = Stack(
            tmp=tmp, api_db=api_db, auth_db=auth_db, auth_url=auth_url,
            api_url=f"http://127.0.0.1:{api_port}", bystander_url=f"http://127.0.0.1:{bystander_port}",
            web_env=web_env, api_env=api_settings(api_url),
            bystander_env=api_settings(f"sqlite:///{tmp / 'bystander.sqlite3'}"),
            auth_port=auth_port, api_port=api_port,
        )  # fmt: skip
        auth_option = auth_url_db or str(auth_db.path)
        try:
            print(f"backup drill on {kind}: Better Auth {auth_db.label()}, API {api_db.label()}", flush=True)
            for env in (stack.api_env, stack.bystander_env):
                done = manage(env, "migrate", "--no-input", "-v", "0")
                if done.returncode:
                    raise Failed(f"migrate: {done.stdout}{done.stderr}")
            done = subprocess.run(
                [str(TSX), "scripts/migrate-auth-db.ts"], cwd=FRONTEND, env=web_env, capture_output=True, text=True
            )
            if done.returncode:
                raise Failed(f"Better Auth's migration: {done.stdout}{done.stderr}")
            if auth_db.engine == "sqlite" and sqlite_journal_mode(auth_db.path) != "wal":
                # The web app's migration sets it, so that a backup reading the file never fails a sign-in.
                raise Failed("Better Auth's SQLite file is not in WAL mode after its migration")
            stack.start_auth()
            stack.start_api()
            stack.bystander = start_gunicorn("bystander", bystander_port, stack.bystander_env, tmp, workers=1)
            wait_ready(stack.bystander_url, [stack.bystander], timeout=60)

            # 1. Before the backup.
            def sign_up(label: str) -> Person:
                person = Person(f"{label}-{secrets.token_hex(3)}@drill.example", label)
                browser = Browser(auth_url)
                status, body = browser.post(
                    "/api/auth/sign-up/email", {"email": person.email, "password": PASSWORD, "name": person.name}
                )
                if status != 200:
                    raise Failed(f"sign-up of {label} answered {status}")
                person.user_id = body["user"]["id"]
                person.browsers.append(browser)
                return person

            def sign_in(person: Person) -> Browser:
                browser = Browser(auth_url)
                status, _ = browser.post("/api/auth/sign-in/email", {"email": person.email, "password": PASSWORD})
                if status != 200:
                    raise Failed(f"sign-in of {person.name} answered {status}")
                person.browsers.append(browser)
                return browser

            def add_task(person: Person, title: str, *, base: str = stack.api_url) -> int:
                status, _, body = request(
                    base,
                    "POST",
                    f"/api/{person.user_id}/tasks",
                    token=person.browsers[0].token(),
                    body={"title": title},
                )
                if status != 201:
                    raise Failed(f"creating a task for {person.name} answered {status}")
                person.tasks.append(title)
                return body["id"]

            people = [sign_up(f"person{i}") for i in range(args.people)]
            for person in people:
                sign_in(person)  # a second browser: two sessions each
                for n in range(args.tasks):
                    add_task(person, f"{person.name} task {n}")
            victim, keeper = people[0], people[1]
            victim_token, keeper_token = victim.browsers[0].token(), keeper.browsers[0].token()
            # One sign-out before the backup, so the backup holds a revocation event of its own.
            early_token = people[-1].browsers[1].token()
            people[-1].browsers[1].post("/api/auth/sign-out")
            if wait_refused(stack.api_url, early_token, time.monotonic()) is None:
                violations.append("a sign-out before the backup never reached the API")
            busy = sign_up("busy")
            time.sleep(1.0)  # both APIs read the feed twice a second
            expected_auth = snapshot(auth_db, leave_out_user=busy.user_id)
            expected_api = snapshot(api_db, leave_out_user=busy.user_id)
            at_backup = {p.user_id: list(p.tasks) for p in people}
            newest_at_backup, incarnation_at_backup = feed_state(auth_db)

            # 2. The backup, while a writer keeps going.
            writer = BusyWriter(stack, busy, busy.browsers[0].token())
            writer.start()
            time.sleep(0.5)
            backup_dir = tmp / "backups" / "drill"
            backup_began = time.monotonic()
            done = manage(stack.api_env, "backup", str(backup_dir), "--auth-database", auth_option)
            backup_ended = time.monotonic()
            time.sleep(1.5)
            writer.stopping.set()
            writer.join(30)
            if done.returncode:
                raise Failed(f"manage.py backup exited {done.returncode}:\n{done.stdout}{done.stderr}")
            print(f"\n$ manage.py backup {backup_dir.name} --auth-database …   ({backup_ended - backup_began:.1f} s)")
            print("\n".join(f"  | {line}" for line in done.stdout.splitlines()))
            during = [a for a in writer.acked if a[2] >= backup_began and a[1] <= backup_ended]
            print(
                f"writer during the backup: {len(during)} tasks acknowledged, {writer.sign_ins} sign-ins, "
                f"{len(writer.failed)} failed requests"
            )
            if writer.failed:
                violations.append(f"writes failed while the backup ran: {writer.failed[:3]}")

            # 3. After the backup: all of this is lost by the restore.
            late = [sign_up("late0"), sign_up("late1")]
            for person in late:
                add_task(person, f"{person.name} task")
            late_token = late[0].browsers[0].token()
            add_task(people[2], "made after the backup")
            listed = request(
                stack.api_url, "GET", f"/api/{people[3].user_id}/tasks", token=people[3].browsers[0].token()
            )[2]
            request(
                stack.api_url, "DELETE", f"/api/{people[3].user_id}/tasks/{listed[0]['id']}",
                token=people[3].browsers[0].token(),
            )  # fmt: skip
            thief = victim.browsers[0].copy()
            signed_out_at = time.monotonic()
            victim.browsers[0].post("/api/auth/sign-out")
            lag = wait_refused(stack.api_url, victim_token, signed_out_at)
            for person in late:
                sign_in(person).post("/api/auth/sign-out")
            time.sleep(1.5)
            newest_before_restore, _ = feed_state(auth_db)
            print(
                f"after the backup: {len(late)} people signed up, 2 tasks made, 1 deleted, 3 sessions signed out "
                f"(the victim's refused by the API {lag:.2f} s after its sign-out)"
                if lag is not None
                else "after the backup: the victim's sign-out never reached the API"
            )
            if lag is None:
                violations.append("the victim's sign-out never reached the API")

            # 4. Restore: first refused while in use, then over destroyed databases.
            done = manage(stack.api_env, "restore", str(backup_dir), "--auth-database", auth_option)
            refusal = [line.strip() for line in done.stdout.splitlines() if "refused" in line]
            print(f"\nrestore while both serve: exit {done.returncode}; {len(refusal)} refusals, e.g. {refusal[:1]}")
            if done.returncode == 0:
                violations.append("the restore replaced databases in use without --force")
            stack.stop("auth", "api")
            destroy(auth_db)
            destroy(api_db)
            print(f"stopped the web app and the API (the bystander API stays up); destroyed both {kind} databases")
            restore_began = time.monotonic()
            done = manage(stack.api_env, "restore", str(backup_dir), "--auth-database", auth_option)
            took = time.monotonic() - restore_began
            print(f"\n$ manage.py restore {backup_dir.name} --auth-database …   ({took:.1f} s)")
            print("\n".join(f"  | {line}" for line in (done.stdout + done.stderr).splitlines()))
            if done.returncode:
                raise Failed("manage.py restore failed")

            restored_auth = snapshot(auth_db, leave_out_user=busy.user_id)
            restored_api = snapshot(api_db, leave_out_user=busy.user_id)
            for name, want, got in (("Better Auth", expected_auth, restored_auth), ("API", expected_api, restored_api)):
                for table in sorted((set(want) | set(got)) - {"jwks"}):
                    missing = set(want.get(table, [])) - set(got.get(table, []))
                    extra = set(got.get(table, [])) - set(want.get(table, []))
                    if missing or extra:
                        violations.append(f"{name} {table}: {len(missing)} rows missing, {len(extra)} not in backup")
            if restored_auth.get("jwks"):
                violations.append("the restore kept Better Auth's signing keys (it removes them by default)")
            busy_titles = sorted(
                int(dict(f.split("=", 1) for f in r)["title"].split()[1])
                for r in rows(api_db, "tasks_task")
                if f"user_id={busy.user_id}" in r
            )
            before = {n for n, _, acked in writer.acked if acked < backup_began}
            after = {n for n, sent, _ in writer.acked if sent > backup_ended}
            contiguous = busy_titles == list(range(1, len(busy_titles) + 1))
            if not (before <= set(busy_titles)) or set(busy_titles) & after or not contiguous:
                violations.append(f"the writer's restored tasks are not a clean cut: {busy_titles}")
            print(
                f"checked row for row: {len(restored_auth['user'])} users, {len(restored_auth['session'])} sessions, "
                f"{len(restored_auth['account'])} accounts, {len(restored_auth['revocationEvent'])} revocation events, "
                f"{len(restored_api['tasks_task'])} tasks, {len(restored_api['tasks_taskcount'])} task counters; "
                f"the writer's tasks: the first {len(busy_titles)} of {len(writer.acked)} acknowledged "
                f"({len(before)} before the backup began, all back; {len(after)} begun after it ended, none back)"
            )

            # 5. Serving again before `npm run after-restore`: the hazard.
            stack.start_auth()
            stack.start_api()
            time.sleep(1.0)
            alive = thief.session_alive()
            resurrected = thief.token() if alive else ""
            keeper_token = keeper.browsers[0].token()  # signed with the restore's new key
            statuses = {
                "resurrected session's new token, fresh API": api_status(stack.api_url, resurrected),
                "resurrected session's new token, API that stayed up": api_status(stack.bystander_url, resurrected),
                "its token from before the restore, fresh API": api_status(stack.api_url, victim_token),
                "token of a person who signed up after the backup, fresh API": api_status(stack.api_url, late_token),
                "the same, API that stayed up": api_status(stack.bystander_url, late_token),
            }
            print(
                "\nbefore after-restore: the session signed out after the backup is alive again in Better Auth: "
                f"{'yes' if alive else 'no'}"
            )
            for what, status in statuses.items():
                print(f"  {what}: {status}")
            if not alive or statuses["resurrected session's new token, fresh API"] != 200:
                violations.append("the restore did not bring back the signed-out session (the drill proves nothing)")
            if statuses["token of a person who signed up after the backup, fresh API"] != 401:
                violations.append("a token of a session the backup does not know is accepted after the restore")

            # 6. The operator ends every restored session.
            done = subprocess.run(
                ["npm", "run", "--silent", "after-restore"],
                cwd=FRONTEND, env=web_env, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            ended_at = time.monotonic()
            print(f"$ cd frontend && npm run after-restore   (exit {done.returncode})")
            print("\n".join(f"  | {line}" for line in done.stdout.splitlines() if line.strip()))
            if done.returncode:
                raise Failed(f"after-restore failed: {done.stderr}")
            figures = {
                "resurrected session's token, fresh API": wait_refused(stack.api_url, resurrected, ended_at),
                "resurrected session's token, API that stayed up": wait_refused(
                    stack.bystander_url, resurrected, ended_at
                ),
                "another restored session's token, fresh API": wait_refused(stack.api_url, keeper_token, ended_at),
                "another restored session's token, API that stayed up": wait_refused(
                    stack.bystander_url, keeper_token, ended_at
                ),
            }
            for what, seconds in figures.items():
                print(
                    f"  refused {what}: "
                    + (f"{seconds:.2f} s" if seconds is not None else f"NOT within {REFUSAL_DEADLINE:.0f} s")
                )
                if seconds is None:
                    violations.append(f"{what} still accepted {REFUSAL_DEADLINE:.0f} s after after-restore")
            events = positions(auth_db)
            new_events = [p for p, inc in events if inc != incarnation_at_backup]
            passed = [p for p in new_events if p <= newest_before_restore]
            _, new_incarnation = feed_state(auth_db)
            print(
                f"  feed: newest id {newest_at_backup} at the backup, {newest_before_restore} before the restore (read "
                f"by the API that stayed up); after-restore wrote ids {min(new_events, default=0)}-"
                f"{max(new_events, default=0)} under a new incarnation "
                f"({'new' if new_incarnation != incarnation_at_backup else 'SAME'}): {len(passed)} of them at ids that "
                "API had already read past, applied all the same"
            )
            if new_incarnation == incarnation_at_backup:
                violations.append("after-restore did not start a new incarnation")
            if thief.session_alive() or keeper.browsers[0].session_alive():
                violations.append("a restored session is still alive in Better Auth after after-restore")

            # 7. Everyone signs in again and finds exactly what the backup held.
            matched = 0
            for person in people:
                browser = Browser(auth_url)
                status, _ = browser.post("/api/auth/sign-in/email", {"email": person.email, "password": PASSWORD})
                if status != 200:
                    violations.append(f"{person.name} cannot sign in after the restore ({status})")
                    continue
                listed = request(stack.api_url, "GET", f"/api/{person.user_id}/tasks", token=browser.token())[2]
                titles = sorted(task["title"] for task in listed)
                if titles != sorted(at_backup[person.user_id]):
                    violations.append(f"{person.name}'s tasks through the API: {titles}")
                else:
                    matched += 1
            gone = [
                Browser(auth_url).post("/api/auth/sign-in/email", {"email": p.email, "password": PASSWORD})[0]
                for p in late
            ]
            print(
                f"\nsigned in again: {matched}/{len(people)} people see exactly their backed-up tasks through the API; "
                f"people who signed up after the backup: sign-in answers {gone}"
            )
            if any(status == 200 for status in gone):
                violations.append("a person who signed up after the backup can still sign in")
        finally:
            stack.stop("auth", "api", "bystander")

    print(f"\nbackup drill on {kind}: {time.monotonic() - began:.0f} s")
    for violation in violations:
        print(f"VIOLATION: {violation}")
    print("PASS" if not violations else f"FAILED: {len(violations)} violations")
    return 1 if violations else 0


if __name__ == "__main__":
    run_script("backup_drill", main)
