"""gunicorn settings the command line does not carry (docs/operations.md, "Deploying several instances").

    gunicorn todo_project.wsgi --config deploy/gunicorn.conf.py ...

A worker accepts its first connection only after the API's readiness checks ran
once in it (database, signing keys, cache, revocation feed): during a deploy
(docs/deploys.md) the new workers start taking requests when they can serve
them, and the log line below tells the operator when that is.
"""

import time


def post_worker_init(worker):
    from api.health import warm_up

    started = time.monotonic()
    states = warm_up()
    summary = ", ".join(f"{name} {state}" for name, state in states.items())
    worker.log.info("Worker warmed up (pid: %s) in %.1fs: %s", worker.pid, time.monotonic() - started, summary)
