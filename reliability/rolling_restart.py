"""A deploy's rolling restart of the cluster's instances, one at a time, as docs/deploys.md describes it.

Each instance is replaced with gunicorn's binary upgrade, so no connection
ever finds its port closed and no worker stops before another can serve:

1. USR2 to the running master: it starts a new master (the same command,
   run afresh, so it imports the new code) that inherits the listening socket.
2. Wait until the new master's workers have warmed up (deploy/gunicorn.conf.py
   logs "Worker warmed up (pid: N)" once a worker's readiness checks ran,
   just before it accepts). Old and new workers now share the socket.
3. TERM to the old master: its workers finish the request each is serving
   (within ``--graceful-timeout``) and exit; the new master keeps the socket.
4. The instance's own ``/readyz`` must answer 200 before the next instance is
   touched, so a release that cannot start leaves the other one serving.

Two other ways, which docs/deploys.md explains we do not take, can be run for
comparison (``cluster_test.py --restart hup`` or ``stop-start``): gunicorn's HUP,
and TERM then a new gunicorn on the same port.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reliability import stack


def children_of(parent: int) -> set[int]:
    """The running pids whose parent is ``parent``, read from /proc."""
    children = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 1 and fields[0] != "Z" and int(fields[1]) == parent:
            children.add(int(entry.name))
    return children


def warmed_up(log: Path, offset: int) -> set[int]:
    """The worker pids deploy/gunicorn.conf.py reported warmed up in ``log`` past ``offset``."""
    with open(log, "rb") as f:
        f.seek(offset)
        text = f.read().decode(errors="replace")
    return {int(pid) for pid in re.findall(r"Worker warmed up \(pid: (\d+)\)", text)}


@dataclass
class Upgrade:
    instance: str
    old_master: int
    new_master: int
    old_workers: set[int]
    new_workers: set[int]
    seconds: float
    how: str = "USR2, warm-up, TERM"

    def line(self) -> str:
        return (
            f"{self.instance} ({self.how}): master {self.old_master} -> {self.new_master}, workers "
            f"{sorted(self.old_workers)} -> {sorted(self.new_workers)}, ready again after {self.seconds:.1f}s"
        )


def upgrade_instance(proc: stack.Process, direct_url: str, workers: int, *, timeout: float = 90) -> Upgrade:
    """Replace one instance's master and workers by new ones (the module's steps 1 to 4)."""
    started = time.monotonic()
    deadline = started + timeout

    def wait_for(what: str, done) -> None:
        while not done():
            if not proc.alive():
                raise stack.Failed(f"{proc.name} exited during its upgrade:\n{proc.tail()}")
            if time.monotonic() > deadline:
                raise stack.Failed(f"{proc.name}: {what} not seen {timeout:.0f}s after USR2:\n{proc.tail()}")
            time.sleep(0.05)

    old_master = proc.pid
    old_workers = children_of(old_master)
    if len(old_workers) != workers:
        raise stack.Failed(f"{proc.name} runs {len(old_workers)} workers before its upgrade, expected {workers}")
    offset = proc.log.stat().st_size
    os.kill(old_master, signal.SIGUSR2)  # 1.
    new: dict[str, int] = {}

    def new_master_started() -> bool:
        masters = children_of(old_master) - old_workers
        if masters:
            new["master"] = min(masters)
        return bool(masters)

    wait_for("a new master", new_master_started)
    new_master = new["master"]
    wait_for(  # 2.
        f"{workers} warmed-up workers of the new master {new_master}",
        lambda: len(children_of(new_master) & warmed_up(proc.log, offset)) >= workers,
    )
    new_workers = children_of(new_master)
    os.kill(old_master, signal.SIGTERM)  # 3.
    if proc.successor is None:
        proc.popen.wait(timeout=max(1.0, deadline - time.monotonic()))
        proc.adopt(new_master)
    else:  # a second upgrade: the old master is no child of this process
        proc.adopt(new_master)
        wait_for(f"the old master {old_master} gone", lambda: not stack.running(old_master))
    stack.wait_ready(direct_url, [proc], timeout=max(1.0, deadline - time.monotonic()))  # 4.
    return Upgrade(proc.name, old_master, new_master, old_workers, new_workers, time.monotonic() - started)


def hup_instance(proc: stack.Process, direct_url: str, workers: int, *, timeout: float = 90) -> Upgrade:
    """For comparison: gunicorn's HUP, which stops the old workers as soon as the new ones are started."""
    started = time.monotonic()
    old_workers = children_of(proc.pid)
    os.kill(proc.pid, signal.SIGHUP)
    deadline = started + timeout
    while True:
        current = children_of(proc.pid)
        if len(current) == workers and not current & old_workers:
            break
        if not proc.alive() or time.monotonic() > deadline:
            raise stack.Failed(f"{proc.name}: workers {sorted(current)} after HUP (old {sorted(old_workers)})")
        time.sleep(0.05)
    stack.wait_ready(direct_url, [proc], timeout=max(1.0, deadline - time.monotonic()))
    return Upgrade(proc.name, proc.pid, proc.pid, old_workers, current, time.monotonic() - started, "HUP")


def stop_start_instance(
    proc: stack.Process, direct_url: str, start: Callable[[], stack.Process], *, timeout: float = 90
) -> tuple[Upgrade, stack.Process]:
    """For comparison: TERM (gunicorn's graceful stop closes the port), then a new gunicorn on the same port."""
    started = time.monotonic()
    old_master, old_workers = proc.pid, children_of(proc.pid)
    proc.stop(grace=timeout)
    new = start()
    stack.wait_ready(direct_url, [new], timeout=timeout)
    upgrade = Upgrade(
        proc.name, old_master, new.pid, old_workers, children_of(new.pid), time.monotonic() - started, "TERM, start"
    )
    return upgrade, new
