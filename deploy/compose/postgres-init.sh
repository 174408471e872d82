#!/usr/bin/env bash
# First start of compose.yaml's PostgreSQL: Better Auth's own database beside the API's.
set -euo pipefail
createdb --owner "$POSTGRES_USER" auth
