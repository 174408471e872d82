# The task API: gunicorn on :8000 as an unprivileged user, static files collected at build time.
# Migrations are not run here: `manage.py migrate` is a one-shot command of its own (compose.yaml's
# `migrate` service), so instances never race to migrate at start. See docs/containers.md.

# Build: a virtualenv with the pinned dependencies (wheels only, so no compiler is needed).
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --only-binary=:all: -r /tmp/requirements.txt

# Runtime: the virtualenv and the code, owned by root and read-only to the user that runs them.
FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ENV_FILE=""
# pg_dump and pg_restore for `manage.py backup` and `restore` (docs/containers.md): Debian
# bookworm's client is PostgreSQL 15's, the major version of compose.yaml's server (pg_dump
# refuses a newer server than itself).
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-create-home app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The project's Python packages (a new one is added here too), gunicorn's settings, and the
# certificate script of compose.yaml's `certs` service.
COPY manage.py ./
COPY todo_project ./todo_project
COPY api ./api
COPY tasks ./tasks
COPY authn ./authn
COPY backups ./backups
COPY deploy/gunicorn.conf.py ./deploy/gunicorn.conf.py
COPY deploy/compose/selfsigned.py ./deploy/compose/selfsigned.py
# The collected files are the same for every deployment: no secret of any deployment goes in.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v 0
USER app
EXPOSE 8000
# As docs/operations.md deploys it: each worker warms up (readiness checks) before its first
# request, and TRUSTED_PROXIES alone decides whose X-Forwarded-Proto is believed.
CMD ["gunicorn", "todo_project.wsgi", "--config", "deploy/gunicorn.conf.py", "--bind", "0.0.0.0:8000", \
     "--workers", "2", "--timeout", "30", "--graceful-timeout", "20", "--keep-alive", "5", "--forwarded-allow-ips", ""]
