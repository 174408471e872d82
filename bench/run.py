"""The benchmark suite's one entry point: ``python -m bench.run --smoke`` (seconds) or ``--full``.

Each part runs in a process of its own, configured like production (DEBUG off,
real EdDSA tokens, an inline JWKS) but with databases of its own. The full run
writes bench/RESULTS.md; any run writes bench/results/<mode>.md and the raw JSON.
Nothing here asserts anything about time: a smoke run only proves the suite runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .common import BENCH_DIR, RESULTS_DIR, Identity, log, server_env, sqlite_url
from .http import DEFAULT_WORKER_CLASS, WORKER_CLASSES
from .report import markdown

DEFAULT_SETTINGS = "todo_project.settings"

SIZES = {
    "smoke": {"micro": 1.0, "inprocess": 2.0, "duration": 1.0, "rounds": 1, "memory": 300, "rows": 20_000,
              "scale_seconds": 0.1},
    "full": {"micro": 20.0, "inprocess": 30.0, "duration": 5.0, "rounds": 3, "memory": 10_000, "rows": 1_000_000,
             "scale_seconds": 1.0},
}  # fmt: skip
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/bench")


def postgres_reachable(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=2):
            return True
    except OSError:
        return False


def recreate_postgres_database(url: str) -> None:
    """Drop and create the benchmark's own database, never the development or test ones."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if name in ("", "postgres", "todo", "test_todo", "template0", "template1"):
        raise SystemExit(f"refusing to recreate database {name!r}: give the benchmark a database of its own")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def part(name: str, module: str, args: list[str], env: dict[str, str], out_dir: Path) -> dict[str, Any] | None:
    out = out_dir / f"{name}.json"
    log(f"\n== {name} ==")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", module, *args, "--out", str(out)], env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        log(f"  {name} FAILED (exit {result.returncode})")
        return None
    log(f"  ({time.monotonic() - started:.0f} s)")
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--smoke", action="store_const", dest="mode", const="smoke", help="small sizes, seconds")
    mode.add_argument("--full", action="store_const", dest="mode", const="full", help="the figures in RESULTS.md")
    parser.add_argument("--only", help="comma-separated parts: micro,inprocess,http,scale")
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="DJANGO_SETTINGS_MODULE to measure")
    parser.add_argument("--worker-class", choices=WORKER_CLASSES, default=DEFAULT_WORKER_CLASS,
                        help="gunicorn worker class serving ours in the HTTP part")  # fmt: skip
    args = parser.parse_args()
    mode_name = args.mode or "smoke"
    size = SIZES[mode_name]
    only = set(args.only.split(",")) if args.only else {"micro", "inprocess", "http", "scale"}
    out_dir = RESULTS_DIR / mode_name
    out_dir.mkdir(parents=True, exist_ok=True)
    identity = Identity.generate()
    results: dict[str, Any] = {"mode": mode_name, "settings": args.settings, "cpus": os.cpu_count()}

    for stale in ("inprocess.sqlite3", "http.sqlite3"):
        for suffix in ("", "-wal", "-shm"):
            (RESULTS_DIR / f"{stale}{suffix}").unlink(missing_ok=True)
    sqlite_env = server_env(identity, database_url=sqlite_url("inprocess.sqlite3"), settings_module=args.settings)
    if "micro" in only:
        results["micro"] = part("micro", "bench.micro", ["--seconds", str(size["micro"])], sqlite_env, out_dir)
    if "inprocess" in only:
        profile = str(out_dir / "profile-list.txt")
        inprocess_args = ["--seconds", str(size["inprocess"]), "--profile", profile]
        results["inprocess"] = part("inprocess", "bench.inprocess", inprocess_args, sqlite_env, out_dir)
    if "http" in only:
        http_env = server_env(identity, database_url=sqlite_url("http.sqlite3"), settings_module=args.settings)
        if shutil.which("wrk") is None:
            log("\nwrk is not installed (Debian: apt-get install -y wrk): the HTTP load part is SKIPPED.")
        http_args = ["--duration", str(size["duration"]), "--rounds", str(size["rounds"])]
        http_args += ["--memory-requests", str(size["memory"]), "--worker-class", args.worker_class]
        results["http"] = part("http", "bench.http", http_args, http_env, out_dir)
    if "scale" in only:
        if postgres_reachable(POSTGRES_ADMIN_URL):
            recreate_postgres_database(POSTGRES_ADMIN_URL)
            pg_env = server_env(identity, database_url=POSTGRES_ADMIN_URL, settings_module=args.settings)
            scale_args = ["--rows", str(size["rows"]), "--seconds", str(size["scale_seconds"])]
            results["scale"] = part("scale", "bench.scale", scale_args, pg_env, out_dir)
        else:
            log(f"\nNo PostgreSQL at {POSTGRES_ADMIN_URL}: the scale part is SKIPPED.")
            results["scale"] = {"skipped": f"no PostgreSQL at {POSTGRES_ADMIN_URL}"}

    (out_dir / "all.json").write_text(json.dumps(results, indent=2))
    report = markdown(results)
    (RESULTS_DIR / f"{mode_name}.md").write_text(report)
    # RESULTS.md holds whole runs of the API as deployed only, not diagnostics.
    as_deployed = args.settings == DEFAULT_SETTINGS and args.worker_class == DEFAULT_WORKER_CLASS
    complete = mode_name == "full" and not args.only and as_deployed
    if complete:
        (BENCH_DIR / "RESULTS.md").write_text(report)
    log(f"\nWrote {RESULTS_DIR / f'{mode_name}.md'}" + (" and bench/RESULTS.md" if complete else ""))
    failed = [name for name in ("micro", "inprocess", "http", "scale") if name in only and results.get(name) is None]
    if failed:
        raise SystemExit(f"parts that failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
