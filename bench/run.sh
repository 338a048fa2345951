#!/usr/bin/env bash
# The load test on SQLite, then on a throwaway PostgreSQL cluster (as root; see .ci/postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
make install >/dev/null
.venv/bin/python bench/loadtest.py "$@"
source .ci/postgres.sh
postgres_start
DATABASE_URL="$PG_URL" .venv/bin/python bench/loadtest.py "$@"
