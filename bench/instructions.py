"""CPU instructions per request, counted by valgrind's callgrind: a deterministic figure for comparing two versions.

``python -m bench.instructions [--requests N] [--settings MODULE]``. Wall time on a
shared machine moves by tens of percent between runs; an instruction count moves
by well under one, so a change of a few percent can be seen. Each kind of request
runs in two processes under callgrind, making ``WARMUP`` and ``WARMUP + N``
requests; their difference divided by N is one request, with Django's start-up
and the warm-up cancelled out. To compare two versions, run it in each checkout.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .common import ROOT, USER, Identity, log, server_env, write_json
from .harness import Client, setup_django
from .inprocess import LIST_TASKS, revocation_feed_holding, seed

WARMUP = 20
KINDS = ("list", "single", "single+revocations", "create", "401")
# Creates count against the per-user write limit; the counted process makes more than it allows.
UNLIMITED_WRITES = {"RATE_LIMIT_WRITES": "1000000/m"}
_TOTAL = re.compile(r"^(?:summary|totals):\s*(\d+)", re.MULTILINE)


def make_requests(kind: str, count: int) -> None:
    """In the process being counted: set up, warm up, then ``count`` requests of ``kind``.

    ``prepare`` migrates the database, uncounted, so that no counted process does more than the other.
    """
    identity = Identity.from_env()
    client = Client(setup_django(migrate=kind == "prepare"))
    if kind == "prepare":
        return
    task_id = seed(LIST_TASKS)
    listing = f"/api/{USER}/tasks"
    path, token = {
        "list": (listing, identity.token()),
        "single": (f"{listing}/{task_id}", identity.token()),
        "single+revocations": (f"{listing}/{task_id}", identity.token()),
        "create": (listing, identity.token()),
        "401": (listing, None),
    }[kind]
    if kind == "single+revocations":  # the same read with the revocation check on, 10,000 sessions ended
        from authn import get_verifier

        get_verifier().revocations = revocation_feed_holding()
    if kind == "create":
        environ = client.environ("POST", path, token=token, body=b'{"title": "Water the plants"}')
    else:
        environ = client.environ("GET", path, token=token)
    for _ in range(WARMUP):
        client.call(environ)
    expected = {"401": "401", "create": "201"}.get(kind, "200")
    if not client.status.startswith(expected):
        raise SystemExit(f"{kind}: {client.status}")
    for _ in range(count):
        client.call(environ)


def instructions(kind: str, count: int, env: dict[str, str], workdir: Path) -> int:
    """Instructions callgrind counts for a whole process making ``WARMUP + count`` requests."""
    out = workdir / f"callgrind.{kind}.{count}"
    valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
    command = [*valgrind, sys.executable, "-m", "bench.instructions", "--child", kind, str(count)]
    env = {**env, **UNLIMITED_WRITES} if kind == "create" else env
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"callgrind run of {kind} failed:\n{result.stderr[-2000:]}")
    match = _TOTAL.search(out.read_text())
    if match is None:
        raise RuntimeError(f"no instruction total in {out}")
    return int(match.group(1))


def run(requests: int, settings_module: str) -> dict[str, object]:
    per_request: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as workdir:
        database = f"sqlite:///{Path(workdir) / 'db.sqlite3'}"
        # One key and hash seed for both processes of a pair, so they differ only by the requests made.
        env = server_env(Identity.generate(), database_url=database, settings_module=settings_module)
        env["PYTHONHASHSEED"] = "0"
        prepare = [sys.executable, "-m", "bench.instructions", "--child", "prepare", "0"]
        subprocess.run(prepare, cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
        for kind in KINDS:
            base = instructions(kind, 0, env, Path(workdir))
            total = instructions(kind, requests, env, Path(workdir))
            per_request[kind] = (total - base) // requests
            log(f"  {kind:<18} {per_request[kind]:>12,} instructions per request")
    cost = per_request["single+revocations"] / per_request["single"] - 1
    log(f"  the revocation check adds {cost:+.2%} to a single-task read (target ≤ 2%)")
    return {"requests": requests, "settings": settings_module, "instructions_per_request": per_request}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="requests counted per kind, after the warm-up")
    parser.add_argument("--settings", default="todo_project.settings", help="DJANGO_SETTINGS_MODULE to measure")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "COUNT"), help=argparse.SUPPRESS)
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        make_requests(args.child[0], int(args.child[1]))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install -y valgrind)")
    write_json(args.out, run(args.requests, args.settings))


if __name__ == "__main__":
    main()
