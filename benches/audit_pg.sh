#!/usr/bin/env bash
# The audit benchmark against the PostgreSQL store (issue 21): starts a throwaway cluster from
# Debian's binaries (as user postgres when root) on a free loopback port, runs
# `cargo bench --bench audit` with AUDIT_BENCH_PG_URL, prints the database's size, and removes
# the cluster when it ends. Usage: benches/audit_pg.sh [RECORDS] (default 200000); the cluster
# lives under $AUDIT_BENCH_PG_DIR (default /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DIR=$(mktemp -d "${AUDIT_BENCH_PG_DIR:-/tmp}/vtj-pg-bench-XXXXXX")
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
echo bench-pw >"$DIR/pw"
[ "$(id -u)" = 0 ] && chown -R postgres: "$DIR"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$BIN/initdb" -D "$DIR/data" -U vtj --auth=scram-sha-256 --pwfile="$DIR/pw" >/dev/null
trap 'as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
# Durable commits as the emulator needs them (fsync, synchronous_commit on); more memory and
# fewer WAL checkpoints than the defaults, as a server for the trail would have.
as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w start \
    -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DIR -c shared_buffers=512MB -c max_wal_size=8GB" >/dev/null
sql() { PGPASSWORD=bench-pw "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U vtj -At "$@"; }
sql -d postgres -qc 'CREATE DATABASE audit'
AUDIT_BENCH_RECORDS=$N AUDIT_BENCH_PG_URL="postgres://vtj@127.0.0.1:$PORT/audit" \
    AUDIT_BENCH_PG_PASSWORD=bench-pw cargo bench --bench audit
sql -d audit -c "SELECT 'database size: ' || pg_size_pretty(pg_database_size('audit')) || ' = ' ||
    (pg_database_size('audit') / greatest(count(*), 1)) || ' bytes per record' FROM audit_records"
