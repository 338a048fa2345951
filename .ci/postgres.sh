# Start a throwaway PostgreSQL 15 cluster for this run and stop it on exit.
# Sourced by .ci/run (and usable by hand: `source .ci/postgres.sh; postgres_start`).
# Sets PG_URL for Django (DATABASE_URL) to a database the tests may create test_* next to.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=${PG_PORT:-54329}

postgres_start() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "PostgreSQL 15 is not installed; installing it" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
  fi
  PG_DIR=$(mktemp -d /tmp/quiz-pg.XXXXXX)
  chown postgres:postgres "$PG_DIR"
  chmod 700 "$PG_DIR"
  # The postgres user must be able to enter the working directory: run from /.
  (cd / && runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres >/dev/null)
  (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=''" -w start >/dev/null)
  trap postgres_stop EXIT
  (cd / && runuser -u postgres -- "$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" quiz)
  PG_URL="postgres://postgres@/quiz?host=$PG_DIR&port=$PG_PORT"
  export PG_URL
}

postgres_stop() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null) || true
    rm -rf "$PG_DIR"
  fi
}
