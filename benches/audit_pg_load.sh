#!/usr/bin/env bash
# Load with the audit trail in PostgreSQL against the embedded store (issue 21), in one run:
# one node on the embedded store, one node on PostgreSQL, and two nodes on one PostgreSQL
# database with the load spread over both (two harnesses at once, half the connections each).
#
# Builds the release binary, starts a throwaway cluster of Debian's PostgreSQL (as user
# postgres when root; fsync and synchronous_commit on) on a free loopback port, and three
# emulators (the default configuration with the quotas lifted, durable audit on, no console,
# no monitoring listener; two of them on the one database), warms each up, then for each
# round runs `vtj-emulator loadtest` (PERUSSANOMA 3, keep-alive) against the embedded node,
# the PostgreSQL node, and both PostgreSQL nodes, and prints answers per second and p99 of
# each (two nodes: the sum of both harnesses' answers, the worse p99), with the median over
# rounds. The three take turns within each round.
#
# Usage: benches/audit_pg_load.sh
#        DURATION=20s CONNECTIONS=64 ROUNDS=3 benches/audit_pg_load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
ROUNDS=${ROUNDS:-3}

# shellcheck source=benches/common.sh
. benches/common.sh
setup
unlimited_config
sed -i 's/^\[console\]$/[console]\nenabled = false/' "$TMP/config.toml"

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PG_DIR=$(mktemp -d)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
echo bench-pw >"$PG_DIR/pw"
[ "$(id -u)" = 0 ] && chown -R postgres: "$PG_DIR"
PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U vtj --auth=scram-sha-256 --pwfile="$PG_DIR/pw" >/dev/null
trap 'cleanup; as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$PG_DIR"' EXIT
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w start \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DIR -c shared_buffers=512MB -c max_wal_size=8GB" >/dev/null
PGPASSWORD=bench-pw "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U vtj -d postgres -qc 'CREATE DATABASE audit'
sed "s|^\[audit\]$|[audit]\nbackend = \"postgres\"\nurl = \"postgres://vtj@127.0.0.1:$PG_PORT/audit\"\npassword_env = \"VTJ_AUDIT_PG_PASSWORD\"|" \
    "$TMP/config.toml" >"$TMP/pg.toml"
export VTJ_AUDIT_PG_PASSWORD=bench-pw

declare -A PORT=([embedded]=18461 [pg_a]=18462 [pg_b]=18463)
start() { # NAME CONFIG
    "$BIN" serve --config "$2" --data "$TMP/$1" --listen "127.0.0.1:${PORT[$1]}" \
        --monitor-listen off >"$TMP/$1.log" 2>&1 &
    PIDS+=($!)
    wait_for "${PORT[$1]}"
}
start embedded "$TMP/config.toml"
start pg_a "$TMP/pg.toml"
start pg_b "$TMP/pg.toml"
for name in embedded pg_a pg_b; do
    load "${PORT[$name]}" /dev/null --requests 3000 --connections "$CONNECTIONS"
done

for r in $(seq 1 "$ROUNDS"); do
    load "${PORT[embedded]}" "$TMP/embedded-$r.json" --duration "$DURATION" --connections "$CONNECTIONS"
    load "${PORT[pg_a]}" "$TMP/pg1-$r.json" --duration "$DURATION" --connections "$CONNECTIONS"
    # Two harnesses at once, half the connections each, one per node.
    load "${PORT[pg_a]}" "$TMP/pg2a-$r.json" --duration "$DURATION" --connections $((CONNECTIONS / 2)) &
    load "${PORT[pg_b]}" "$TMP/pg2b-$r.json" --duration "$DURATION" --connections $((CONNECTIONS / 2))
    wait $!
done

python3 - "$TMP" "$ROUNDS" "$CONNECTIONS" "$DURATION" <<'PY'
import json, statistics, sys
tmp, rounds, conns, duration = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
print(f"{conns} keep-alive connections, {duration} per run, {rounds} rounds")
for name, label in [("embedded", "one node, embedded store"), ("pg1", "one node, PostgreSQL"),
                    ("pg2", "two nodes, one PostgreSQL database")]:
    parts = ["a", "b"] if name == "pg2" else [""]
    runs = [[json.load(open(f"{tmp}/{name}{p}-{r}.json")) for p in parts] for r in range(1, rounds + 1)]
    # Two nodes: the answers of both harnesses added up, the worse of their p99s.
    rps = [sum(x["throughput_rps"] for x in run) for run in runs]
    p99 = [max(x["latency_ms"]["p99"] for x in run) for run in runs]
    errors = sum(x["errors"] for run in runs for x in run)
    print(f"{label}: {statistics.median(rps):.0f} answers/s (runs {', '.join(f'{v:.0f}' for v in rps)}), "
          f"p99 {statistics.median(p99):.1f} ms (runs {', '.join(f'{v:.1f}' for v in p99)}), errors {errors}")
PY
