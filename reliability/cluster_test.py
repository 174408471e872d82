"""Two API instances behind nginx, sharing PostgreSQL and Redis: no write lost or doubled, no failure, one budget.

    .venv/bin/python reliability/cluster_test.py

Starts two gunicorn instances (2 workers each) behind an nginx run in the
foreground with the repository's deploy/nginx.conf (TLS with a self-signed
certificate), migrates a fresh PostgreSQL database, and drives the cluster over
HTTPS with 8 client threads creating, updating, reading and deleting tasks for
a bounded time. Meanwhile one dedicated user writes past its budget. Then it
checks, against the database itself, that every acknowledged write is there
exactly once, that no request failed (5xx or connection error), that the write
budget was one budget across both instances (Redis), that an ETag from one
instance is honoured by the other, and that the admin login and the browsable
API's Authorize form work through HTTPS on both (reliability/tls_front.py).
Before those HTTPS steps, each instance in turn is replaced as a deploy does it
(docs/deploys.md, reliability/rolling_restart.py) under steady load, and no read
or write may fail nor any acknowledged write be lost.
Last, 20 people sign in and out of a real Better Auth server (interop/, the web
app's own revocation feed module), and each instance, asked directly, must
refuse the signed-out token within 2 s (reliability/revocation_phase.py).

Needs nginx (Debian: ``apt-get install -y nginx``), openssl, Node with
interop/node_modules (``make interop``), PostgreSQL on
127.0.0.1:5432 (user postgres) and Redis on 127.0.0.1:6379; it uses the
database ``cluster_test`` and Redis database 5, both emptied before and after.
Exit status: 0 passed, 1 a violation, 2 something it needs is missing.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import secrets
import ssl
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interop.better_auth import BetterAuthServer, node_available
from reliability import revocation_phase, rolling_restart, stack, tls_front

DB_NAME = "cluster_test"
REDIS_DB = 5
CLIENTS = 8
WORKERS = 2  # gunicorn workers per instance
DURATION_SECONDS = 8.0
MAX_OPS_PER_CLIENT = 5000  # a second bound besides time, should the cluster be unexpectedly fast
# One budget for every user (the limits are global). django-ratelimit counts in fixed windows, so a burst
# that straddles two of them may get twice the budget: the window is an hour and the dedicated user is
# picked so that its window has minutes left (see budget_user).
WRITE_BUDGET = 30
WRITE_PERIOD_SECONDS = 3600
WRITE_RATE = f"{WRITE_BUDGET}/h"
# Load users move to a fresh user before reaching the budget, so only the dedicated user is ever throttled.
WRITES_PER_LOAD_USER = 20
BUDGET_ATTEMPTS = 90  # well past the budget, and past what 4 separate per-process budgets would let through
BUDGET_USER = "cluster-budget"
ADMIN_USER = "cluster-admin"
ADMIN_PASSWORD = secrets.token_urlsafe(24)  # fresh per run, never printed
FEED_SECRET = secrets.token_urlsafe(32)  # the revocation feed's own secret, shared by Better Auth and the API


@dataclass
class Ledger:
    """What one client thread was told by the API: the acknowledgements the database must match."""

    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    upstreams: collections.Counter[str] = field(default_factory=collections.Counter)
    created: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (user, marker)
    titles: dict[int, str] = field(default_factory=dict)  # id -> last acknowledged title
    deleted: set[int] = field(default_factory=set)
    violations: list[tuple[str, str]] = field(default_factory=list)  # (kind, evidence)
    requests: int = 0
    connection_errors: int = 0
    # Requests sent and failed (connection error or an unexpected status), by KINDS.
    sent: collections.Counter[str] = field(default_factory=collections.Counter)
    failed: collections.Counter[str] = field(default_factory=collections.Counter)


# nginx may pass a read on to the other instance (proxy_next_upstream); a write it has sent, never twice.
READ, WRITE = "reads (GET)", "writes (POST, PUT, PATCH, DELETE)"
KINDS = (READ, WRITE)


def load_client(
    index: int,
    base_url: str,
    tls: ssl.SSLContext,
    keys: stack.Secrets,
    running: Callable[[], bool],
    seed: int,
    users: str = "cluster-load",
) -> Ledger:
    """Create, update (with and without If-Match), read and delete this client's tasks while ``running()``."""
    rnd = random.Random(seed + index)  # noqa: S311 (a workload mix, not security)
    ledger = Ledger()
    conn = stack.Connection(base_url, tls=tls)
    generation, user, token, writes = 0, "", "", WRITES_PER_LOAD_USER
    live: dict[int, str] = {}  # id -> last ETag seen (may be "")
    seq = 0
    try:
        while running() and ledger.requests < MAX_OPS_PER_CLIENT:
            if writes >= WRITES_PER_LOAD_USER:
                generation += 1
                user = f"{users}-{index}-{generation}"
                token, writes, live = keys.token(user), 0, {}
            seq += 1
            roll = rnd.random()
            if not live or roll < 0.30:
                op = "create"
            elif roll < 0.50:
                op = "update"
            elif roll < 0.62:
                op = "delete"
            elif roll < 0.81:
                op = "list"
            else:
                op = "read"
            task_id = rnd.choice(list(live)) if live and op in ("update", "delete", "read") else 0
            method, path, body, headers, expected = plan(op, user, task_id, live.get(task_id, ""), seq, rnd, index)
            ledger.requests += 1
            kind = READ if method == "GET" else WRITE
            ledger.sent[kind] += 1
            if method != "GET":
                writes += 1
            try:
                status, received, payload = conn.send(method, path, token=token, body=body, headers=headers)
            except ConnectionError as e:
                ledger.connection_errors += 1
                ledger.failed[kind] += 1
                ledger.violations.append(("connection error", str(e)))
                continue
            ledger.statuses[status] += 1
            ledger.upstreams[received.get("x-upstream", "?")] += 1
            if status != expected:
                ledger.failed[kind] += 1
                ledger.violations.append(
                    (f"{op}: {status} instead of {expected}", f"{method} {path}: {str(payload)[:200]}")
                )
                continue
            etag = received.get("etag", "")
            if op == "create":
                task_id = payload["id"]
                # nginx passes the client's Host with its port: the new task's URL is the one the client uses.
                if received.get("location") != f"{base_url}/api/{user}/tasks/{task_id}":
                    ledger.violations.append(
                        ("create: Location is not the client's URL", str(received.get("location")))
                    )
                ledger.created[task_id] = (user, body["description"])
                ledger.titles[task_id] = body["title"]
                live[task_id] = etag
            elif op == "update":
                ledger.titles[task_id] = body["title"]
                live[task_id] = etag
            elif op == "delete":
                ledger.deleted.add(task_id)
                del live[task_id]
            elif op == "list" and "link" in received and f"<{base_url}/api/{user}/tasks?" not in received["link"]:
                ledger.violations.append(("list: Link is not the client's URL", received["link"][:200]))
            elif op == "read":
                live[task_id] = etag
                if payload.get("title") != ledger.titles[task_id]:
                    seen, acked = payload.get("title"), ledger.titles[task_id]
                    ledger.violations.append(
                        ("read: not the last acknowledged title", f"{path}: {seen!r} != {acked!r}")
                    )
            if op in ("create", "update", "read") and not etag:
                ledger.violations.append((f"{op}: no ETag", f"{method} {path} -> {status}"))
    finally:
        conn.close()
    return ledger


def plan(
    op: str, user: str, task_id: int, etag: str, seq: int, rnd: random.Random, index: int
) -> tuple[str, str, Any, dict[str, str], int]:
    """Method, path, body, headers and the one status that counts as success for an operation."""
    tasks = f"/api/{user}/tasks"
    title = f"c{index} v{seq}"
    if op == "create":
        # The description is never changed afterwards: a marker that finds a row created twice.
        return "POST", tasks, {"title": title, "description": f"marker {index}-{seq}"}, {}, 201
    if op == "update":
        # Half the updates are conditional on the version last seen: only this client touches the task,
        # so its latest ETag, from whichever instance, must still match.
        headers = {"If-Match": etag} if etag and rnd.random() < 0.5 else {}
        if rnd.random() < 0.5:
            return "PUT", f"{tasks}/{task_id}", {"title": title, "completed": rnd.random() < 0.5}, headers, 200
        return "PATCH", f"{tasks}/{task_id}", {"title": title}, headers, 200
    if op == "delete":
        return "DELETE", f"{tasks}/{task_id}", None, {}, 204
    if op == "list":
        return "GET", f"{tasks}?limit=5&status={rnd.choice(['all', 'pending', 'completed'])}", None, {}, 200
    return "GET", f"{tasks}/{task_id}", None, {}, 200


def budget_user() -> str:
    """A user id whose rate window has at least two minutes left, so the whole burst falls in one window."""
    try:
        from django_ratelimit.core import _get_window  # how the API's limiter places windows for a key
    except ImportError:
        return BUDGET_USER
    for n in range(1000):
        name = f"{BUDGET_USER}-{n}"
        if _get_window(name, WRITE_PERIOD_SECONDS) - time.time() >= 120:
            return name
    return BUDGET_USER


def budget_client(base_url: str, tls: ssl.SSLContext, keys: stack.Secrets, result: dict[str, Any]) -> None:
    """The dedicated user writes past the budget; every answer is kept with the instance that gave it."""
    user = result["user"]
    token = keys.token(user)
    conn = stack.Connection(base_url, tls=tls)
    answers: list[tuple[int, str, dict[str, str], Any]] = []
    try:
        for n in range(BUDGET_ATTEMPTS):
            body = {"title": f"budget {n}"}
            try:
                status, headers, payload = conn.send("POST", f"/api/{user}/tasks", token=token, body=body)
            except ConnectionError as e:
                answers.append((0, "?", {}, repr(e)))
                continue
            answers.append((status, headers.get("x-upstream", "?"), headers, payload))
    finally:
        conn.close()
    result["answers"] = answers


def check_budget(result: dict[str, Any], db_url: str) -> tuple[list[tuple[str, str]], str]:
    answers = result.get("answers", [])
    violations = []
    accepted = [a for a in answers if a[0] == 201]
    limited = [a for a in answers if a[0] == 429]
    other = [a for a in answers if a[0] not in (201, 429)]
    for status, upstream, _, payload in other:
        violations.append((f"budget: {status} instead of 201 or 429", f"{upstream}: {str(payload)[:200]}"))
    if not accepted:
        violations.append(("budget: no write accepted", f"{len(answers)} attempts"))
    if len(accepted) > WRITE_BUDGET:
        violations.append(
            (
                "budget: more writes accepted than the budget",
                f"{len(accepted)} > {WRITE_BUDGET}: the instances do not share one budget (does Redis reach them?)",
            )
        )
    for _, upstream, headers, payload in limited:
        shape = isinstance(payload, dict) and payload.get("status_code") == 429
        if not (shape and payload.get("error_type") == "rate_limited" and payload.get("detail")):
            violations.append(("budget: 429 body not the contract's", f"{upstream}: {str(payload)[:200]}"))
        if not str(headers.get("retry-after", "")).isdigit():
            violations.append(
                ("budget: 429 without a numeric Retry-After", f"{upstream}: {headers.get('retry-after')!r}")
            )
    by_instance = collections.Counter((a[1], a[0]) for a in answers)
    instances = sorted({a[1] for a in answers})
    if len(instances) < 2:
        violations.append(("budget: not answered by both instances", str(instances)))
    rows = stack.pg_rows(db_url, "SELECT count(*) FROM tasks_task WHERE user_id = %s", (result["user"],))[0][0]
    if rows != len(accepted):
        violations.append(("budget: rows differ from acknowledgements", f"{len(accepted)} acknowledged, {rows} rows"))
    spread = ", ".join(
        f"{inst}: {by_instance[(inst, 201)]} accepted, {by_instance[(inst, 429)]} limited" for inst in instances
    )
    line = (
        f"rate budget: RATE_LIMIT_WRITES={WRITE_RATE}; dedicated user sent {len(answers)} writes, "
        f"{len(accepted)} accepted (budget {WRITE_BUDGET}), {len(limited)} got 429 [{spread}]; {rows} rows"
    )
    return violations, line


def check_metrics(
    direct: list[str], proxy: str, tls: ssl.SSLContext, accepted: int
) -> tuple[list[tuple[str, str]], str]:
    """Each instance's /metrics sums its workers (at least every accepted request counted); nginx's front hides it."""
    time.sleep(1.5)  # workers add their per-request counts every second
    problems, verified = [], 0.0
    for url in direct:
        status, _, body = stack.request(url, "GET", "/metrics")
        if status != 200 or not isinstance(body, str):
            problems.append(("metrics: an instance did not answer its scraper", f"{url}/metrics -> {status}"))
            continue
        found = re.search(r"^authn_tokens_verified_total ([0-9.e+]+)$", body, re.MULTILINE)
        verified += float(found.group(1)) if found else 0.0
    if verified < accepted:
        detail = f"{verified:.0f} < {accepted}: one worker's counts, not the instance's?"
        problems.append(("metrics: fewer tokens verified than requests accepted", detail))
    status, _, body = stack.request(proxy, "GET", "/metrics", tls=tls)
    if status != 404 or "authn_" in str(body):
        problems.append(("metrics: served through the public front", f"{proxy}/metrics -> {status}"))
    line = (
        f"metrics: {verified:.0f} tokens verified across instances, {accepted} requests accepted; "
        f"through the front: {status}: {'ok' if not problems else 'FAILED'}"
    )
    return problems, line


def check_etag_across_instances(urls: list[str], keys: stack.Secrets) -> list[tuple[str, str]]:
    """A version read from one instance is current on the other; a stale one is refused by both."""
    user = "cluster-etag"
    token = keys.token(user)
    a, b = urls
    tasks = f"/api/{user}/tasks"
    problems = []
    status, headers, task = stack.request(a, "POST", tasks, token=token, body={"title": "v1"})
    if status != 201 or not headers.get("etag"):
        return [("etag: create via A", f"{status}, ETag {headers.get('etag')!r}")]
    first = headers["etag"]
    path = f"{tasks}/{task['id']}"
    status, headers, _ = stack.request(b, "GET", path, token=token)
    if headers.get("etag") != first:
        problems.append(("etag: instances disagree on one version", f"A {first!r}, B {headers.get('etag')!r}"))
    status, headers, _ = stack.request(b, "PATCH", path, token=token, body={"title": "v2"}, headers={"If-Match": first})
    if status != 200:
        problems.append(("etag: current ETag from A refused by B", f"PATCH -> {status}, expected 200"))
    for url, method, body in ((a, "PATCH", {"title": "v3"}), (b, "PUT", {"title": "v3"}), (a, "DELETE", None)):
        status, _, payload = stack.request(url, method, path, token=token, body=body, headers={"If-Match": first})
        kind = payload.get("error_type") if isinstance(payload, dict) else payload
        if status != 412 or kind != "precondition_failed":
            problems.append(("etag: stale If-Match not refused", f"{method} -> {status} {kind}, expected 412"))
    status, headers, task = stack.request(a, "GET", path, token=token)
    if status != 200 or task.get("title") != "v2":
        problems.append(("etag: a refused write changed the task", f"{status} {task!r}, expected title v2"))
    status, _, _ = stack.request(a, "DELETE", path, token=token, headers={"If-Match": headers.get("etag", "")})
    if status != 204:
        problems.append(("etag: current ETag refused on DELETE", f"{status}, expected 204"))
    return problems


def check_rows(ledgers: list[Ledger], db_url: str, users: str = "cluster-load") -> tuple[list[tuple[str, str]], str]:
    """Every acknowledged write, in the database, exactly once."""
    created: dict[int, tuple[str, str]] = {}
    titles: dict[int, str] = {}
    deleted: set[int] = set()
    for ledger in ledgers:
        created.update(ledger.created)
        titles.update(ledger.titles)
        deleted |= ledger.deleted
    rows = stack.pg_rows(
        db_url, "SELECT id, user_id, title, description FROM tasks_task WHERE user_id LIKE %s", (f"{users}-%",)
    )
    in_db = {row[0]: row for row in rows}
    violations = []
    lost = stale = resurrected = 0
    for task_id, (user, marker) in created.items():
        row = in_db.get(task_id)
        if task_id in deleted:
            if row is not None:
                resurrected += 1
                violations.append(("rows: deleted row still there", f"task {task_id}"))
        elif row is None:
            lost += 1
            violations.append(("rows: acknowledged creation lost", f"task {task_id} of {user}"))
        elif (row[1], row[2], row[3]) != (user, titles[task_id], marker):
            stale += 1
            violations.append(
                ("rows: not the last acknowledged write", f"{row[1:]!r} != {(user, titles[task_id], marker)!r}")
            )
    unacknowledged = [task_id for task_id in in_db if task_id not in created]
    for task_id in unacknowledged:
        violations.append(("rows: row no 201 acknowledged", f"task {task_id} {in_db[task_id][1:]!r}"))
    markers = collections.Counter(row[3] for row in rows)
    duplicates = sum(count - 1 for count in markers.values() if count > 1)
    if duplicates:
        violations.append(("rows: duplicates", f"{duplicates} rows share a creation marker"))
    line = (
        f"rows checked: {len(created)} acknowledged creations ({len(created) - len(deleted)} live, {len(deleted)} "
        f"deleted), {len(rows)} rows in the database; lost {lost}, stale title {stale}, resurrected {resurrected}, "
        f"unacknowledged {len(unacknowledged)}, duplicates {duplicates}"
    )
    return violations, line


@dataclass
class Rollout:
    """What the load saw while every instance was replaced in turn."""

    ledgers: list[Ledger]
    upgrades: list[rolling_restart.Upgrade]
    seconds: float
    rows_line: str
    violations: list[tuple[str, str]]

    def totals(self, counter: str) -> collections.Counter[str]:
        total: collections.Counter[str] = collections.Counter()
        for ledger in self.ledgers:
            total.update(getattr(ledger, counter))
        return total

    def lines(self) -> list[str]:
        sent, failed = self.totals("sent"), self.totals("failed")
        upstreams = self.totals("upstreams")
        # nginx names every instance it tried, so an answer that took two names was passed on.
        passed_on = sum(n for upstream, n in upstreams.items() if "," in upstream)
        return [
            f"rolling restart: {CLIENTS} clients for {self.seconds:.1f}s while each instance was replaced in turn",
            *(f"  {upgrade.line()}" for upgrade in self.upgrades),
            *(f"  failed {failed[kind]} of {sent[kind]} {kind}" for kind in KINDS),
            f"  answers nginx passed on to the other instance: {passed_on}",
            f"  {self.rows_line}",
        ]

    def summary(self) -> dict[str, Any]:
        sent, failed = self.totals("sent"), self.totals("failed")
        return {kind: {"sent": sent[kind], "failed": failed[kind]} for kind in KINDS}


ROLLOUT_SETTLE_SECONDS = 1.0  # steady load before the first replacement, between two and after the last


RESTARTS = ("usr2", "hup", "stop-start")  # the first is docs/deploys.md's procedure; the others for comparison


def rolling_restart_phase(
    proxy: str,
    tls: ssl.SSLContext,
    keys: stack.Secrets,
    instances: list[stack.Process],  # the instances first; stop-start replaces them in this list
    starters: list[Callable[[], stack.Process]],
    direct: list[str],
    db_url: str,
    seed: int,
    how: str = "usr2",
) -> Rollout:
    """Steady load through nginx while each instance is replaced as a deploy does it (reliability/rolling_restart.py).

    Any failed request of either kind is a violation, and so is any 201 whose row is not in the database.
    """
    users = "cluster-roll"
    running = threading.Event()
    running.set()
    results: list[Ledger | None] = [None] * CLIENTS

    def client(i: int) -> None:
        try:
            results[i] = load_client(i, proxy, tls, keys, running.is_set, seed + 7919, users)
        except Exception as e:  # an answer the client could not even read is a violation, not a crash
            results[i] = Ledger(violations=[("client stopped by an unreadable answer", repr(e))])

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
    started = time.monotonic()
    upgrades = []
    try:
        for thread in threads:
            thread.start()
        for n, url in enumerate(direct):
            time.sleep(ROLLOUT_SETTLE_SECONDS)
            if how == "usr2":
                upgrades.append(rolling_restart.upgrade_instance(instances[n], url, WORKERS))
            elif how == "hup":
                upgrades.append(rolling_restart.hup_instance(instances[n], url, WORKERS))
            else:  # the list is the caller's, which stops what it holds
                upgrade, instances[n] = rolling_restart.stop_start_instance(instances[n], url, starters[n])
                upgrades.append(upgrade)
        time.sleep(ROLLOUT_SETTLE_SECONDS)
    finally:
        running.clear()
        for thread in threads:
            thread.join(timeout=30)  # requests time out after 10 s
    seconds = time.monotonic() - started
    if any(thread.is_alive() for thread in threads):
        raise stack.Failed("a client thread did not finish in time during the rolling restart")
    ledgers = [ledger for ledger in results if ledger is not None]
    violations = [(f"rolling restart: {kind}", evidence) for ledger in ledgers for kind, evidence in ledger.violations]
    row_violations, rows_line = check_rows(ledgers, db_url, users)
    violations += [(f"rolling restart: {kind}", evidence) for kind, evidence in row_violations]
    return Rollout(ledgers, upgrades, seconds, rows_line, violations)


def report(violations: list[tuple[str, str]]) -> None:
    """Each kind of violation once, with its count and a few examples."""
    by_kind: dict[str, list[str]] = collections.defaultdict(list)
    for kind, evidence in violations:
        by_kind[kind].append(evidence)
    for kind, evidence in sorted(by_kind.items(), key=lambda item: -len(item[1])):
        print(f"  VIOLATION {kind}: {len(evidence)}")
        for example in evidence[:3]:
            print(f"    e.g. {example}")


def preflight() -> str:
    nginx = stack.which("nginx")
    missing = []
    if not nginx:
        missing.append(
            "nginx is not installed: apt-get install -y nginx (Debian package nginx; it is run here "
            "as a foreground process with its own config, no service is needed)"
        )
    if not stack.which("openssl"):
        missing.append("openssl is not installed: apt-get install -y openssl (it makes the run's certificate)")
    if not stack.pg_ready():
        missing.append(f"PostgreSQL is not reachable at {stack.PG_URL} (user postgres, trust auth)")
    if not stack.redis_ready():
        missing.append(f"Redis is not reachable at {stack.REDIS_BASE}")
    if not node_available():
        missing.append("Node or interop/node_modules is missing (the Better Auth server): run `make interop`")
    if missing:
        raise stack.Unavailable("cluster test cannot run:\n  - " + "\n  - ".join(missing))
    return nginx or ""


def run(duration: float, seed: int, summary_path: Path | None = None, restart: str = RESTARTS[0]) -> int:
    nginx = preflight()
    started = time.monotonic()
    procs: list[stack.Process] = []
    with (
        BetterAuthServer(revocation_feed_secret=FEED_SECRET) as better_auth,
        tempfile.TemporaryDirectory(prefix="cluster-test-") as tmp,
        stack.pg_database(DB_NAME) as db_url,
        stack.redis_database(REDIS_DB) as redis_url,
    ):
        workdir = Path(tmp)
        # The load's own tokens (HS256, the run's secret) and Better Auth's (EdDSA, its JWKS) share one issuer.
        keys = stack.Secrets(issuer=better_auth.url)
        ports = [stack.free_port(), stack.free_port()]
        http_port, https_port = stack.free_port(), stack.free_port()
        proxy, plain = f"https://{stack.HOST}:{https_port}", f"http://{stack.HOST}:{http_port}"
        env = stack.server_env(
            keys,
            DATABASE_URL=db_url,
            REDIS_URL=redis_url,
            RATE_LIMIT_WRITES=WRITE_RATE,
            RATE_LIMIT_ANONYMOUS=f"{tls_front.ANONYMOUS_BUDGET}/m",
            TRUSTED_PROXIES=stack.HOST,
            # No CSRF_TRUSTED_ORIGINS: nginx passes the Host the browser sent, port included, so the admin's
            # and the browsable API's forms are posted from the page's own origin, as on port 443.
            BETTER_AUTH_URL=better_auth.url,
            JWT_ALGORITHMS="HS256,EdDSA",
            REVOCATION_FEED_SECRET=FEED_SECRET,
        )
        try:
            # As docs/operations.md's deployment does: the admin's pages link the collected, hashed files.
            stack.manage(env, "migrate", "--no-input")
            stack.manage(env, "collectstatic", "--no-input")
            stack.manage(
                {**env, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD},
                *("createsuperuser", "--no-input", "--username", ADMIN_USER, "--email", "admin@example.com"),
            )
            starters = []
            for n, port in enumerate(ports):
                # As docs/operations.md deploys metrics: one empty directory per instance, which its workers share.
                metrics_dir = workdir / f"metrics-{'ab'[n]}"
                metrics_dir.mkdir()
                instance_env = {**env, "METRICS_ENABLED": "true", "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
                procs.append(stack.start_gunicorn(f"api-{'ab'[n]}", port, instance_env, workdir, workers=WORKERS))
                # --restart stop-start's second start, with a log of its own.
                starters.append(
                    lambda n=n, port=port, instance_env=instance_env: stack.start_gunicorn(
                        f"api-{'ab'[n]}-restarted", port, instance_env, workdir, workers=WORKERS
                    )
                )
            direct = [f"http://{stack.HOST}:{port}" for port in ports]
            for url in direct:
                stack.wait_ready(url, procs)
            procs.append(tls_front.start_nginx(nginx, workdir, http_port, https_port, ports))
            tls = tls_front.trusting(workdir / "tls.pem")
            stack.wait_ready(proxy, procs, tls=tls)
            print(
                f"cluster: nginx (deploy/nginx.conf) https :{https_port}, http :{http_port} -> gunicorn :{ports[0]} "
                f"and :{ports[1]} (2 workers each), PostgreSQL {DB_NAME}, Redis db {REDIS_DB}; "
                f"{CLIENTS} clients for {duration:.0f}s",
                flush=True,
            )

            budget: dict[str, Any] = {"user": budget_user()}
            deadline = time.monotonic() + duration
            results: list[Ledger | None] = [None] * CLIENTS

            def client(i: int) -> None:
                try:
                    results[i] = load_client(i, proxy, tls, keys, lambda: time.monotonic() < deadline, seed)
                except Exception as e:  # an answer the client could not even read is a violation, not a crash
                    results[i] = Ledger(violations=[("client stopped by an unreadable answer", repr(e))])

            threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
            threads.append(threading.Thread(target=budget_client, args=(proxy, tls, keys, budget), daemon=True))
            load_started = time.monotonic()
            for thread in threads:
                thread.start()
            # Requests time out after 10 s, so every thread is done shortly after the deadline.
            join_until = load_started + duration + 30
            for thread in threads:
                thread.join(timeout=max(0.1, join_until - time.monotonic()))
            elapsed = time.monotonic() - load_started
            if any(thread.is_alive() for thread in threads):
                raise stack.Failed("a client thread did not finish in time")
            ledgers = [ledger for ledger in results if ledger is not None]

            violations = [v for ledger in ledgers for v in ledger.violations]
            crashed = [p.name for p in procs if not p.alive()]
            violations += [("a server exited during the run", name) for name in crashed]
            row_violations, rows_line = check_rows(ledgers, db_url)
            budget_violations, budget_line = check_budget(budget, db_url)
            etag_violations = check_etag_across_instances(direct, keys)
            accepted = sum(n for ledger in ledgers for status, n in ledger.statuses.items() if 200 <= status < 300)
            metrics_violations, metrics_line = check_metrics(direct, proxy, tls, accepted)
            # Before the checks that spend the address's failed-authentication budget on purpose: new workers
            # have verified no token yet, and past that budget only tokens verified before are served.
            rollout = rolling_restart_phase(proxy, tls, keys, procs, starters, direct, db_url, seed, restart)
            signouts = revocation_phase.measure(better_auth, {"api-a": direct[0], "api-b": direct[1]})
            front_violations = (
                tls_front.check_front(proxy, plain, direct[0], tls, keys.token("cluster-big"))
                + tls_front.check_admin_login(proxy, tls, ADMIN_USER, ADMIN_PASSWORD)
                + tls_front.check_browsable_authorize(proxy, tls, keys)
                + tls_front.check_edge(proxy, plain, tls)
            )
            violations += row_violations + budget_violations + etag_violations + front_violations + metrics_violations
            violations += signouts.violations
            violations += rollout.violations
        finally:
            for proc in reversed(procs):
                proc.stop(grace=10)
        server_errors = [
            line for p in procs for line in p.tail(500).splitlines() if re.search(r"Traceback|ERROR", line)
        ]
        violations += [("server log: error line", line[:300]) for line in server_errors]
        nginx_log = workdir / "nginx-error.log"
        nginx_errors = [
            line
            for line in (nginx_log.read_text(errors="replace").splitlines() if nginx_log.exists() else [])
            if re.search(r"\[(error|crit|alert|emerg)\]", line)
            and not any(expected in line for expected in tls_front.EXPECTED_NGINX_ERRORS)
        ]
        violations += [("nginx log: error line", line[:300]) for line in nginx_errors]

    statuses: collections.Counter[int] = collections.Counter()
    upstreams: collections.Counter[str] = collections.Counter()
    for ledger in ledgers:
        statuses.update(ledger.statuses)
        upstreams.update(ledger.upstreams)
    total = sum(ledger.requests for ledger in ledgers)
    errors = sum(ledger.connection_errors for ledger in ledgers)
    fivexx = sum(count for status, count in statuses.items() if status >= 500)
    print(
        f"load: {total} requests in {elapsed:.1f}s ({total / elapsed:.0f}/s); statuses "
        + ", ".join(f"{s}={statuses[s]}" for s in sorted(statuses))
        + f"; 5xx {fivexx}; connection errors {errors}"
    )
    print("per instance: " + ", ".join(f"{u}={n}" for u, n in sorted(upstreams.items())))
    print(rows_line)
    print(budget_line)
    print(f"etag across instances: {'ok' if not etag_violations else 'FAILED'}")
    print(metrics_line)
    print(signouts.line())
    print(
        "https front: HTTP redirected, HSTS, 413 at the proxy; admin login and the browsable API's Authorize "
        f"form on both instances: {'ok' if not front_violations else 'FAILED'}"
    )
    lost = sum(1 for kind, _ in row_violations if kind == "rows: acknowledged creation lost")
    print("\n".join(rollout.lines()))
    print(f"lost = {lost}; violations = {len(violations)}; took {time.monotonic() - started:.1f}s")
    report(violations)
    print("cluster test: " + ("PASSED" if not violations else "FAILED"))
    if summary_path is not None:
        summary = {
            "passed": not violations,
            "seed": seed,
            "requests": total,
            "fivexx": fivexx,
            "connection_errors": errors,
            "lost": lost,
            "violations": len(violations),
            "rolling_restart": rollout.summary(),
            "signout_to_refusal": {"promise_s": revocation_phase.PROMISE_SECONDS, **signouts.summary()},
        }
        summary_path.write_text(json.dumps(summary, indent=2) + "\n")
    return 1 if violations else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=DURATION_SECONDS, help="seconds of load (max 60)")
    parser.add_argument("--seed", type=int, default=int(time.time()), help="workload seed, printed for replays")
    parser.add_argument("--json", type=Path, help="also write the summary (counts, sign-out timings) to this file")
    parser.add_argument(
        "--restart",
        choices=RESTARTS,
        default=RESTARTS[0],
        help="how the rolling restart replaces an instance: docs/deploys.md's (usr2), or another to compare",
    )
    args = parser.parse_args()
    print(f"seed {args.seed}")
    return run(min(max(args.duration, 1.0), 60.0), args.seed, args.json, args.restart)


if __name__ == "__main__":
    stack.run_script("cluster test", main)
