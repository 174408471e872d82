# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Tests need a SECRET_KEY because DEBUG is off under test; a real deployment sets its own.
TEST_ENV := SECRET_KEY=$${SECRET_KEY:-test-only-not-secret}
# System checks need one complete authentication setup; any Better Auth URL will do for them.
CHECK_ENV := $(TEST_ENV) BETTER_AUTH_URL=$${BETTER_AUTH_URL:-http://localhost:3000}
HOST ?= 127.0.0.1
PORT ?= 8000

FRONTEND := frontend
WEB_PORT ?= 3000
# Next.js sends anonymous usage data unless told not to; nothing here (run, web, builds, tests) does.
export NEXT_TELEMETRY_DISABLED := 1

.PHONY: install wheel matrix run api web test test-api test-authn test-web test-plugin test-postgres e2e interop lint \
	format token superuser check plugin-deps bench bench-smoke bench-instructions bench-revocation cluster-test fuzz load \
	clean two-packages office-sign-in migrations-check

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# Everything the tests and benchmarks need, installed once (CI runs its lanes side by side afterwards).
install: $(VENV)/.installed $(VENV)/.bench-installed $(FRONTEND)/node_modules/.installed interop plugin-deps

# A local development .env with fresh random secrets; never committed.
# Its secrets are the owner's alone (0600), as are the databases make run creates (umask 077 below).
.env:
	@umask 077 && $(PYTHON) -c "import secrets; print('\n'.join(['# Written by make run for local development.', 'DEBUG=true', 'SECRET_KEY=' + secrets.token_urlsafe(50), 'BETTER_AUTH_SECRET=' + secrets.token_urlsafe(32), 'REVOCATION_FEED_SECRET=' + secrets.token_urlsafe(32), 'BETTER_AUTH_URL=http://localhost:$(WEB_PORT)', 'CORS_ORIGINS=http://localhost:$(WEB_PORT),http://127.0.0.1:$(WEB_PORT)']))" > $@
	@echo "Wrote .env (DEBUG on, random SECRET_KEY, BETTER_AUTH_SECRET and REVOCATION_FEED_SECRET; web app on port $(WEB_PORT))."

# Other ports: `make run PORT=8100 WEB_PORT=3100` (HOST too). A new .env and frontend/.env.local
# are written for them; existing ones naming other loopback ports stop the run with the lines to
# change (todo_project/local_ports.py, frontend/scripts/setup.ts), never rewritten.
RUN_URLS := RUN_WEB_URL=http://localhost:$(WEB_PORT) RUN_API_URL=http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
.PHONY: env-ports
env-ports: .env
	@$(PYTHON) -m todo_project.local_ports $(WEB_PORT)

# Runs a command in a process group of its own (POSIX setpgid; the setsid program is not on every system).
OWN_GROUP = $(PY) -c "import os, sys; os.setpgid(0, 0); os.execvp(sys.argv[1], sys.argv[1:])"

# The API on :8000 and the web app on :3000 together, as they ship: gunicorn, and the web app's
# production build behind server.ts (its sign-in limits and headers); Ctrl-C stops both. The build
# runs only when the app's sources changed (frontend/scripts/build-if-changed.ts). DEBUG stays as
# .env says. gthread workers: idle browser connections wait in a poller, not in a worker; no
# control socket, which would be one per user in ~/.gunicorn, shared by every gunicorn started.
# The two sides get ready side by side, the web app's in one Node process (scripts/run-built.ts:
# setup, build check, server.ts), since each start costs seconds on a small machine; either side
# ending stops the other.
run: $(VENV)/.installed .env env-ports $(FRONTEND)/node_modules/.installed staticfiles/staticfiles.json
	@echo ""
	@echo "  Open http://localhost:$(WEB_PORT) and sign up once it says Ready.   API: http://$(HOST):$(PORT)/api/docs/   Ctrl-C stops both."
	@echo ""
	@# Ctrl-C: the shell's trap sends SIGTERM to the two and waits for both; a side that ended on
	@# the interrupt itself (130, 143: tsx exits so on SIGINT) is no error either, so Ctrl-C exits 0.
	@# Not `kill 0`: make itself would get a second signal and complain ("wait: No child
	@# processes"). A short graceful timeout: a local run has no request worth waiting for. gunicorn
	@# in a process group of its own: Ctrl-C's SIGINT (gunicorn's quick exit, in which a worker can
	@# hang until it is SIGKILLed and logged as "out of memory") never reaches it, only SIGTERM.
	@# Once stopping, the shell ignores further signals (make forwards a SIGTERM the group also
	@# got), so it always lives to stop gunicorn, which a signal to make's group no longer reaches.
	@umask 077; trap 'trap "" INT TERM; kill -TERM $$api $$web 2>/dev/null; wait; exit 0' INT TERM; \
	($(PY) manage.py migrate --no-input && exec $(OWN_GROUP) $(PY) -m gunicorn todo_project.wsgi --bind $(HOST):$(PORT) \
		--workers 2 --worker-class gthread --threads 4 --timeout 30 --graceful-timeout 2 \
		--forwarded-allow-ips "" --no-control-socket) & api=$$!; \
	(cd $(FRONTEND) && NODE_ENV=production $(RUN_URLS) exec node --import tsx scripts/run-built.ts -H $(HOST) -p $(WEB_PORT)) & web=$$!; \
	wait -n; status=$$?; trap "" INT TERM; kill -TERM $$api $$web 2>/dev/null; wait; \
	case $$status in 130|143) exit 0;; *) exit $$status;; esac

# The same two with hot reload, for development: runserver and `next dev`.
.PHONY: dev
dev: $(VENV)/.installed .env env-ports $(FRONTEND)/node_modules/.installed
	$(PY) manage.py migrate --no-input
	cd $(FRONTEND) && $(RUN_URLS) npm run --silent setup
	@echo ""
	@echo "  Open http://localhost:$(WEB_PORT) and sign up.   API: http://$(HOST):$(PORT)/api/docs/   Ctrl-C stops both."
	@echo ""
	@# As for run: SIGTERM to the two (next dev's own children go with it), wait, exit 0.
	@trap 'trap "" INT TERM; kill -TERM $$api $$web 2>/dev/null; wait; exit 0' INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT) & api=$$!; \
	(cd $(FRONTEND) && exec node_modules/.bin/next dev --port $(WEB_PORT)) & web=$$!; \
	wait -n; status=$$?; trap "" INT TERM; kill -TERM $$api $$web 2>/dev/null; wait; \
	case $$status in 130|143) exit 0;; *) exit $$status;; esac

# The admin's and the API docs' files for WhiteNoise, collected once per install; with DEBUG on
# WhiteNoise also finds them in the apps, with DEBUG off only here.
staticfiles/staticfiles.json: $(VENV)/.installed .env
	$(PY) manage.py collectstatic --no-input -v 0

# The API alone (dev token: make token SUB=alice).
api: $(VENV)/.installed .env
	$(PY) manage.py migrate --no-input
	@echo "API on http://$(HOST):$(PORT)/api/  (docs: /api/docs/, admin: /admin/, dev token: make token SUB=alice)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# The web app alone (expects the API on :$(PORT)).
web: $(FRONTEND)/node_modules/.installed
	cd $(FRONTEND) && $(RUN_URLS) npm run --silent setup && npx next dev --port $(WEB_PORT)

# `npm install`, not `npm ci`: the lock file holds only Linux builds of Next's compiler (frontend/README.md).
# The revocation feed package is installed as a packed copy (frontend/.npmrc): a change to it is
# picked up by removing the copy first, since its version number stays the same.
PLUGIN_FILES := $(wildcard packages/better-auth-revocation-feed/*.js packages/better-auth-revocation-feed/*.ts packages/better-auth-revocation-feed/package.json)
$(FRONTEND)/node_modules/.installed: $(FRONTEND)/package.json $(FRONTEND)/package-lock.json $(PLUGIN_FILES)
	rm -rf $(FRONTEND)/node_modules/better-auth-revocation-feed
	cd $(FRONTEND) && npm install --no-audit --no-fund --loglevel=error
	@touch $@

# Installed once per change (a stamp, like the web app's): the SQLite and PostgreSQL runs share it side by side.
interop: interop/node_modules/.installed
interop/node_modules/.installed: interop/package.json interop/package-lock.json $(PLUGIN_FILES)
	@if command -v npm >/dev/null; then npm ci --prefix interop --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the real Better Auth interop tests will be skipped"; fi

test: test-api test-web test-plugin

# The project's suite (pytest.ini), then authn's own with its own settings (authn/pyproject.toml).
test-api: $(VENV)/.installed interop
	$(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-authn

# authn's suite alone, as a checkout of authn/ runs it: none of the project's settings or fixtures.
test-authn: $(VENV)/.installed
	cd authn && env -u DJANGO_SETTINGS_MODULE ../$(VENV)/bin/pytest $(AUTHN_PYTEST_ARGS)

test-web: $(FRONTEND)/node_modules/.installed
	cd $(FRONTEND) && npm test --silent

# The Better Auth revocation feed package (packages/better-auth-revocation-feed): memory, SQLite,
# and PostgreSQL at 127.0.0.1:5432 when it answers (skipped, and said so, when it does not).
PLUGIN := packages/better-auth-revocation-feed
plugin-deps: $(PLUGIN)/node_modules/.installed
$(PLUGIN)/node_modules/.installed: $(PLUGIN)/package.json $(PLUGIN)/package-lock.json
	npm ci --prefix $(PLUGIN) --no-audit --no-fund --loglevel=error
	@touch $@

test-plugin: plugin-deps
	cd $(PLUGIN) && npm test --silent

# The browser tests: real Next.js and Django servers, headless Chromium (Debian's `chromium`).
e2e: $(VENV)/.installed $(FRONTEND)/node_modules/.installed
	cd $(FRONTEND) && npm run --silent e2e

# A newcomer's wait: `make run` in a fresh clone to the first page, and the sign-up click to the
# first task list, on a first and a second start, in headless Chromium (Debian's `chromium`).
# Figures are printed, never asserted; FIRST_RUN_ARGS="--deps install" lets make install everything.
.PHONY: first-run
first-run: $(VENV)/.installed $(FRONTEND)/node_modules/.installed
	cd $(FRONTEND) && npx tsx e2e/first-run.ts $(FIRST_RUN_ARGS)

# The same suite on the local PostgreSQL (user postgres, trust auth).
# authn's suite has no database of its own to speak of (SQLite in memory): `make test-api` runs it.
test-postgres: $(VENV)/.installed interop
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/todo} $(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Usage: make token SUB=alice [EMAIL=alice@example.com] [TTL=15m]
token: $(VENV)/.installed .env
	@$(PY) manage.py mint_token --sub "$${SUB:?usage: make token SUB=alice}" $${EMAIL:+--email "$$EMAIL"} $${TTL:+--ttl "$$TTL"}

superuser: $(VENV)/.installed .env
	$(PY) manage.py migrate --no-input
	$(PY) manage.py createsuperuser

# Contract steps (RemoveField, RenameField, ...) only in migrations marked `contract = True` (docs/deploys.md).
migrations-check: $(VENV)/.installed
	$(CHECK_ENV) $(PY) -m todo_project.migration_rule

check: $(VENV)/.installed
	$(CHECK_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(CHECK_ENV) $(PY) manage.py check
	$(CHECK_ENV) $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

# authn as its own distribution (authn/README.md): dist/drf_better_auth_jwt-<version>-py3-none-any.whl
wheel: $(VENV)/.installed
	rm -rf authn/build authn/*.egg-info
	$(PY) -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir dist authn/
	rm -rf authn/build authn/*.egg-info
	@ls dist/drf_better_auth_jwt-*.whl

# authn's version matrix (noxfile.py): its suite against the built wheel on every supported Python, Django
# and DRF, MATRIX_JOBS sessions at a time, one line per session; logs in .nox/logs/. MATRIX_TAG=cover: the covering set.
MATRIX_JOBS ?= 2
MATRIX_TAG ?= matrix
matrix: $(VENV)/.installed
	@mkdir -p .nox/logs
	@started=$$(date +%s); \
	$(VENV)/bin/nox --list --json -t $(MATRIX_TAG) 2>/dev/null \
	| $(PY) -c 'import json, sys; print("\n".join(s["session"] for s in json.load(sys.stdin)))' \
	| xargs -P $(MATRIX_JOBS) -I{} sh -c ' \
		t=$$(date +%s); \
		if $(VENV)/bin/nox -s {} >.nox/logs/{}.log 2>&1; then r=ok; else r=FAILED; fi; \
		echo "$$r  {}  $$(( $$(date +%s) - t ))s  $$(grep -E "^[0-9]+ (passed|failed)|^FAILED|ERROR" .nox/logs/{}.log | tail -n 1)"; \
		[ $$r = ok ]' \
	&& status=0 || status=1; \
	echo "matrix: wall time $$(( $$(date +%s) - started ))s with $(MATRIX_JOBS) at a time; logs in .nox/logs/"; \
	exit $$status

# Benchmarks (bench/README.md): the full run writes bench/RESULTS.md; the smoke run takes a few minutes.
# The reference stacks the HTTP part measures beside the API come from bench/requirements.txt.
$(VENV)/.bench-installed: bench/requirements.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	@touch $@

bench: $(VENV)/.bench-installed
	$(PY) -m bench.run --full

bench-smoke: $(VENV)/.bench-installed
	$(PY) -m bench.run --smoke

# Sign-out to refusal at the API, with the real Better Auth server and its revocation feed (needs `make interop`).
bench-revocation: $(VENV)/.installed interop
	env -u SECRET_KEY $(PY) -m bench.revocation_lag $(REVOCATION_ARGS)

# Instructions per request under valgrind (Debian: valgrind): a steady figure for comparing two versions.
bench-instructions: $(VENV)/.bench-installed
	$(PY) -m bench.instructions $(INSTRUCTIONS_ARGS)

# Reliability (reliability/README.md): two instances behind nginx sharing PostgreSQL and Redis;
# Schemathesis against the live OpenAPI schema; mixed load with wrk (bench/load/README.md).
cluster-test: $(VENV)/.installed
	$(PY) reliability/cluster_test.py

# The two packages alone, as a new user sets them up: the npm plugin in a new Better Auth server,
# the wheel in a new startproject; sign-out, a revoked session and a deleted account reach the API.
two-packages: $(VENV)/.installed
	$(PY) reliability/two_packages.py

# 50 people behind one address sign in within a minute while someone there guesses a colleague's
# password, against the production build on SQLite (reliability/README.md); OFFICE_ARGS=--skip-build reuses it.
office-sign-in: $(VENV)/.installed $(FRONTEND)/node_modules/.installed
	$(PY) reliability/office_sign_in.py $(OFFICE_ARGS)

# Backup and restore of both databases, Better Auth's and the API's (docs/backup-restore.md).
# make backup [TO=/srv/backups/NAME]: a new directory (default var/backups/<UTC time>) with both and a manifest.
# make restore FROM=DIR [RESTORE_ARGS=--force|--check-only]: checks it, then puts both back.
.PHONY: backup restore backup-drill
backup: $(VENV)/.installed
	$(PY) manage.py backup $(TO) $(BACKUP_ARGS)

restore: $(VENV)/.installed
	$(PY) manage.py restore "$${FROM:?usage: make restore FROM=var/backups/<UTC time>}" $(RESTORE_ARGS)

# Back up while both serve, destroy, restore, check row for row, revocation after the restore
# (reliability/README.md). DRILL_ARGS=--postgres: on PostgreSQL at 127.0.0.1:5432.
backup-drill: $(VENV)/.installed $(FRONTEND)/node_modules/.installed
	$(PY) reliability/backup_drill.py $(DRILL_ARGS)

# The containers (docs/containers.md): compose-env writes .env.compose with fresh random secrets for
# `docker compose --env-file .env.compose up`; compose-test builds the images and drives compose.yaml's stack through nginx
# (installs Debian's docker.io, docker-compose and debootstrap and starts dockerd when missing: root).
.PHONY: compose-env compose-test
compose-env:
	@$(PYTHON) deploy/compose/write_env.py

compose-test: $(VENV)/.installed
	$(PY) reliability/compose_test.py $(COMPOSE_ARGS)

fuzz: $(VENV)/.installed
	$(PY) reliability/fuzz.py $(FUZZ_ARGS)

load: $(VENV)/.installed
	$(PY) bench/load/run.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) interop/node_modules $(PLUGIN)/node_modules staticfiles
