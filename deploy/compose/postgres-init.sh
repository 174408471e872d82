#!/usr/bin/env bash
# First start of compose.yaml's PostgreSQL (an empty volume): one role and one database per app.
# Neither role is a superuser, and each database admits its owner only (CONNECT is revoked from
# PUBLIC): the API's role cannot reach Better Auth's tables (its signing keys above all), nor the
# web app's the tasks. The superuser (POSTGRES_USER, POSTGRES_PASSWORD) stays in this container.
set -euo pipefail
: "${TASKS_API_DB_PASSWORD:?must be set (make compose-env)}"
: "${AUTH_APP_DB_PASSWORD:?must be set (make compose-env)}"
# The passwords go in as psql variables, quoted by psql (:'name'), never spliced into the SQL text.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v api_password="$TASKS_API_DB_PASSWORD" -v auth_password="$AUTH_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE tasks_api LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'api_password';
CREATE ROLE auth_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'auth_password';
CREATE DATABASE tasks OWNER tasks_api;
CREATE DATABASE auth OWNER auth_app;
REVOKE CONNECT, TEMPORARY ON DATABASE tasks FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE auth FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
SQL
