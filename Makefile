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

.PHONY: run api test test-postgres interop lint format token superuser check bench bench-smoke clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# A local development .env with fresh random secrets; never committed.
.env:
	@$(PYTHON) -c "import secrets; print('\n'.join(['# Written by make run for local development.', 'DEBUG=true', 'SECRET_KEY=' + secrets.token_urlsafe(50), 'BETTER_AUTH_SECRET=' + secrets.token_urlsafe(32), 'BETTER_AUTH_URL=http://localhost:3000', 'CORS_ORIGINS=http://localhost:3000,http://127.0.0.1:3000']))" > $@
	@echo "Wrote .env (DEBUG on, random SECRET_KEY and BETTER_AUTH_SECRET)."

run api: $(VENV)/.installed .env
	$(PY) manage.py migrate --no-input
	@echo "API on http://$(HOST):$(PORT)/api/  (admin: http://$(HOST):$(PORT)/admin/, dev token: make token SUB=alice)"
	$(PY) manage.py runserver $(HOST):$(PORT)

interop:
	@if command -v npm >/dev/null; then npm ci --prefix interop --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the real Better Auth interop tests will be skipped"; fi

test: $(VENV)/.installed interop
	$(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

# The same suite on the local PostgreSQL (user postgres, trust auth).
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

check: $(VENV)/.installed
	$(CHECK_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(CHECK_ENV) $(PY) manage.py check
	$(CHECK_ENV) $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

# Benchmarks (bench/README.md): the full run writes bench/RESULTS.md; the smoke run takes about a minute.
bench: $(VENV)/.installed
	$(PY) -m bench.run --full

bench-smoke: $(VENV)/.installed
	$(PY) -m bench.run --smoke

clean:
	rm -rf $(VENV) interop/node_modules staticfiles
