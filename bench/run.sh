#!/usr/bin/env bash
# Every benchmark on SQLite, then on a throwaway PostgreSQL cluster (as root; see
# .ci/postgres.sh). Arguments go to the load test (bench/loadtest.py). On PostgreSQL the
# capacity benchmark runs through nginx over two instances (bench/cluster.py); alone, it is
# `DATABASE_URL="$PG_URL" .venv/bin/python bench/capacity.py`.
set -euo pipefail
cd "$(dirname "$0")/.."
make install >/dev/null
.venv/bin/python bench/loadtest.py "$@"
.venv/bin/python bench/cohorts.py
.venv/bin/python bench/bankload.py
.venv/bin/python bench/banklint.py
.venv/bin/python bench/coverage.py
.venv/bin/python bench/forecast.py
.venv/bin/python bench/cycle.py
.venv/bin/python bench/capacity.py
source .ci/postgres.sh
postgres_start
DATABASE_URL="$PG_URL" .venv/bin/python bench/loadtest.py "$@"
DATABASE_URL="$PG_URL" .venv/bin/python bench/cohorts.py
DATABASE_URL="$PG_URL" .venv/bin/python bench/bankload.py
DATABASE_URL="$PG_URL" .venv/bin/python bench/banklint.py
DATABASE_URL="$PG_URL" .venv/bin/python bench/coverage.py
DATABASE_URL="$PG_URL" .venv/bin/python bench/forecast.py
DATABASE_URL="$PG_URL" .venv/bin/python bench/cycle.py
DATABASE_URL="$PG_URL" .venv/bin/python bench/cluster.py
