#!/usr/bin/env bash
# Two nodes, one audit trail (issue 21): keep-alive throughput and latency of
#   (a) one node with the embedded audit store,
#   (b) one node with the PostgreSQL audit backend,
#   (c) two nodes on that one database, the harness's connections spread over both,
# in one run on one machine.
#
# Builds the release binary, starts a throwaway PostgreSQL cluster (Debian's
# /usr/lib/postgresql/*/bin/initdb and pg_ctl, the newest version there; as root they run
# as the `postgres` user, in a temporary directory it owns) on a free loopback port, with
# role and database `vtj` (password authentication over TCP, as docs/deploy/README.md sets
# it up), then three emulators (the default configuration with the organisation's quotas
# lifted and the console off, each with its own temporary data directory holding the
# fixture persons, no monitoring listener): the embedded one, and two on the database with
#   [audit] backend = "postgres", url = "postgres://vtj@127.0.0.1:PORT/vtj",
#           password_env = "VTJ_AUDIT_PG_PASSWORD", pool_size = 8.
# Each setup is warmed up, then the rounds take turns: in each round (a), (b) and (c) run
# `vtj-emulator loadtest` for DURATION on CONNECTIONS keep-alive connections, one after
# the other, so drift on the shared machine falls on all three. It prints each round, the
# medians and the paired ratios (b)/(a) and (c)/(b) of each round with their median, and
# then `audit verify` of the database's trail (asked through node 2's admin API).
# Everything listens on 127.0.0.1 only; the cluster and the data directories are removed
# at the end.
#
# The load generator, the nodes and PostgreSQL share the machine's cores: on a small
# machine (c) measures what keeping one chain across two processes costs, not how two
# machines scale.
#
# Until the emulator has the PostgreSQL backend, the run stops at (b) with the emulator's
# own message about the `[audit]` keys it does not know.
#
# Usage: benches/two_nodes.sh             (3 rounds of 10 s per setup, 32 connections)
#        DURATION=30s ROUNDS=5 CONNECTIONS=32 benches/two_nodes.sh
# Needs python3 (to read the JSON reports) and Debian's postgresql package.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-2000}
EMBEDDED_PORT=${EMBEDDED_PORT:-18463}
NODE1_PORT=${NODE1_PORT:-18464}
NODE2_PORT=${NODE2_PORT:-18465}
ME=$(basename "$0")

PG_BIN=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
    echo "$ME: PostgreSQL's server programs are missing (/usr/lib/postgresql/*/bin/initdb, pg_ctl): apt-get install postgresql" >&2
    exit 1
fi

# shellcheck source=benches/common.sh
. benches/common.sh
setup
unlimited_config
console_off

# The cluster: PostgreSQL refuses to run as root, so root runs it as `postgres`.
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vtj-two-nodes-pg.XXXXXX")
[ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
stop_pg() {
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        (cd "$PG_DIR" && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1) || true
    fi
    rm -rf "$PG_DIR"
}
trap 'cleanup; stop_pg' EXIT

PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export VTJ_AUDIT_PG_PASSWORD
VTJ_AUDIT_PG_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
(
    cd "$PG_DIR"
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 --encoding=UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 || {
        cat "$PG_DIR/initdb.log" >&2
        exit 1
    }
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w \
        -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR" \
        start >/dev/null || {
        cat "$PG_DIR/postgres.log" >&2
        exit 1
    }
    as_pg "$PG_BIN/psql" -X -q -h "$PG_DIR" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 \
        -v pw="$VTJ_AUDIT_PG_PASSWORD" <<'SQL'
CREATE ROLE vtj LOGIN PASSWORD :'pw';
CREATE DATABASE vtj OWNER vtj;
SQL
)
PG_VERSION=$("$PG_BIN/postgres" --version)

# The nodes' configuration: the same file with the PostgreSQL block in [audit].
sed "/^\[audit\]$/a backend = \"postgres\"\nurl = \"postgres://vtj@127.0.0.1:$PG_PORT/vtj\"\npassword_env = \"VTJ_AUDIT_PG_PASSWORD\"\npool_size = 8" \
    "$TMP/config.toml" >"$TMP/postgres.toml"
grep -q '^backend = "postgres"' "$TMP/postgres.toml" || {
    echo "$ME: no [audit] section in config/default.toml to add the backend to" >&2
    exit 1
}

start() { # NAME CONFIG PORT: starts an emulator, waits until it answers
    "$BIN" serve --config "$2" --data "$TMP/$1-data" --listen "127.0.0.1:$3" \
        --monitor-listen off >"$TMP/$1.log" 2>&1 &
    PIDS+=($!)
    wait_for "$3" "$!" "$TMP/$1.log"
}
echo "starting (a) one node, embedded audit store" >&2
start embedded "$TMP/config.toml" "$EMBEDDED_PORT"
echo "starting (b) one node, PostgreSQL audit backend ($PG_VERSION on 127.0.0.1:$PG_PORT)" >&2
start node1 "$TMP/postgres.toml" "$NODE1_PORT"
echo "starting (c) the second node on the same database" >&2
start node2 "$TMP/postgres.toml" "$NODE2_PORT"

# A run with failed requests still reports (loadtest exits 1 then): keep it, do not stop.
measure() { # OUT TARGET-PORT...
    local out=$1 targets=()
    shift
    for port in "$@"; do targets+=(--target "https://127.0.0.1:$port"); done
    "$BIN" loadtest "${targets[@]}" --json --quiet --connections "$CONNECTIONS" \
        "${RUN[@]}" >"$out" || true
}
RUN=(--requests "$WARMUP")
measure "$TMP/warmup-a.json" "$EMBEDDED_PORT"
measure "$TMP/warmup-b.json" "$NODE1_PORT"
measure "$TMP/warmup-c.json" "$NODE1_PORT" "$NODE2_PORT"

echo "two nodes, one audit trail: $ROUNDS rounds of $DURATION per setup, $CONNECTIONS keep-alive connections, PERUSSANOMA 3 over the fixture persons"
echo "machine: $(nproc) cores, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) (load generator, nodes and $PG_VERSION on the same cores)"
RUN=(--duration "$DURATION")
for round in $(seq 1 "$ROUNDS"); do
    measure "$TMP/a-$round.json" "$EMBEDDED_PORT"
    measure "$TMP/b-$round.json" "$NODE1_PORT"
    measure "$TMP/c-$round.json" "$NODE1_PORT" "$NODE2_PORT"
done
# The figures are of one trail: both nodes' records in one chain that verifies.
VERIFY=$("$BIN" audit verify --server "https://127.0.0.1:$NODE2_PORT" 2>&1 | tail -n 3) || true
DB_SIZE=$(as_pg "$PG_BIN/psql" -X -A -t -h "$PG_DIR" -p "$PG_PORT" -U postgres \
    -c "SELECT pg_size_pretty(pg_database_size('vtj'))" 2>/dev/null || echo "?")

ROUNDS=$ROUNDS python3 - "$TMP" <<'PY'
import json, os, statistics, sys
d = sys.argv[1]
rounds = range(1, int(os.environ["ROUNDS"]) + 1)
label = {"a": "(a) one node, embedded", "b": "(b) one node, PostgreSQL", "c": "(c) two nodes, one PostgreSQL"}
r = {(s, n): json.load(open(os.path.join(d, f"{s}-{n}.json"))) for s in "abc" for n in rounds}

def other(x):
    return sum(v for k, v in x["return_codes"].items() if k != "0000")

print(f"{'setup':<31} {'round':>5} {'answers/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'not 0000':>9}  per node")
for n in rounds:
    for s in "abc":
        x = r[(s, n)]
        l = x["latency_ms"]
        nodes = ""
        if len(x["per_target"]) > 1:
            nodes = "  ".join(f"{t['throughput_rps']:.0f}/s p99 {t['latency_ms']['p99']:.2f}" for t in x["per_target"])
        print(f"{label[s]:<31} {n:>5} {x['throughput_rps']:>10.0f} {l['p50']:>8.2f} {l['p99']:>8.2f} "
              f"{x['errors']:>7} {other(x):>9}  {nodes}")
print()
med = lambda s, f: statistics.median(f(r[(s, n)]) for n in rounds)
for s in "abc":
    print(f"median {label[s]:<31} {med(s, lambda x: x['throughput_rps']):>8.0f} answers/s  "
          f"p99 {med(s, lambda x: x['latency_ms']['p99']):.2f} ms")
for num, den in (("b", "a"), ("c", "b")):
    pairs = [r[(num, n)]["throughput_rps"] / r[(den, n)]["throughput_rps"] if r[(den, n)]["throughput_rps"] else float("nan") for n in rounds]
    print(f"paired throughput ({num})/({den}): median {statistics.median(pairs):.2f} (rounds: "
          + ", ".join(f"{p:.2f}" for p in pairs) + ")")
PY
echo "database vtj after the run: $DB_SIZE"
echo "audit verify through node 2: $VERIFY"
