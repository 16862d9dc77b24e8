#!/usr/bin/env bash
# The emulator against the stack's ceiling (issue 9), in one run on one machine.
#
# Builds the release binary, starts the emulator (its own temporary store, the default
# configuration with the organisation's quotas lifted, durable audit on, no monitoring
# listener) and the canned-response server (same TLS settings, a body of the emulator's
# answer size, no parsing, lookup or audit), runs the same `vtj-emulator loadtest` against
# each, keep-alive and new-connection, then an open-loop run at half the emulator's
# keep-alive maximum (on 4 × the connections, and on as many), and prints the ratios.
# Everything listens on 127.0.0.1 only.
#
# Usage: benches/compare.sh            (10 s per run, 32 connections)
#        DURATION=30s CONNECTIONS=16 benches/compare.sh
# Needs python3 (to read the JSON reports). The load generator shares the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
EMULATOR_PORT=${EMULATOR_PORT:-18443}
CANNED_PORT=${CANNED_PORT:-18444}

# shellcheck source=benches/common.sh
. benches/common.sh
setup
unlimited_config
# Queries only: the web console and its sampler are off (the canned server has none).
console_off

"$BIN" serve --config "$TMP/config.toml" --data "$TMP/data" \
    --listen "127.0.0.1:$EMULATOR_PORT" --monitor-listen off >"$TMP/emulator.log" 2>&1 &
PIDS+=($!)

wait_for "$EMULATOR_PORT"
start_canned "$EMULATOR_PORT" "$CANNED_PORT"

# A run with failed requests still reports (loadtest exits 1 then): show it, do not stop.
measure() { load "$@" || true; }

echo "vtj-emulator vs canned-response ceiling: $DURATION per run, $CONNECTIONS connections, body $BODY bytes"
echo "machine: $(nproc) cores, $(uname -sr)"
for mode in keep-alive new-connection; do
    flag=()
    [ "$mode" = new-connection ] && flag=(--new-connection)
    measure "$EMULATOR_PORT" "$TMP/emulator-$mode.json" --duration "$DURATION" --connections "$CONNECTIONS" "${flag[@]}"
    measure "$CANNED_PORT" "$TMP/canned-$mode.json" --duration "$DURATION" --connections "$CONNECTIONS" "${flag[@]}"
done
# Open loop at half the emulator's keep-alive maximum: the latency a user sees under load.
# Arrivals in an open loop do not wait for one another, so this run has OPEN_CONNECTIONS
# (default 4 × CONNECTIONS) to send on: a request then waits for the server, not for one of
# a few connections to come free. The same rate on CONNECTIONS connections is run too.
OPEN_CONNECTIONS=${OPEN_CONNECTIONS:-$((4 * CONNECTIONS))}
HALF=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["throughput_rps"]/2))' "$TMP/emulator-keep-alive.json")
measure "$EMULATOR_PORT" "$TMP/emulator-half.json" --duration "$DURATION" --connections "$OPEN_CONNECTIONS" --rate "$HALF"
measure "$EMULATOR_PORT" "$TMP/emulator-half-few.json" --duration "$DURATION" --connections "$CONNECTIONS" --rate "$HALF"

OPEN_CONNECTIONS=$OPEN_CONNECTIONS CONNECTIONS=$CONNECTIONS python3 - "$TMP" <<'PY'
import json, sys, os
d = sys.argv[1]
def r(name):
    path = os.path.join(d, name + ".json")
    x = json.load(open(path))
    x["machine"] = json.load(open(path + ".machine"))
    return x
def row(label, x):
    l, m = x["latency_ms"], x["machine"]
    print(f"{label:<28} {x['throughput_rps']:>9.0f}/s  p50 {l['p50']:>7.3f}  p99 {l['p99']:>7.3f}  "
          f"p99.9 {l['p999']:>7.3f}  max {l['max']:>8.3f} ms  errors {x['errors']}  "
          f"steal {m['steal']:.0f} %  idle {m['idle']:.0f} %")
for mode in ("keep-alive", "new-connection"):
    e, c = r("emulator-" + mode), r("canned-" + mode)
    row(f"emulator {mode}", e)
    row(f"canned   {mode}", c)
    ratio = e["throughput_rps"] / c["throughput_rps"] if c["throughput_rps"] else float("nan")
    print(f"  ratio emulator/canned ({mode}): {ratio:.2f}")
h = r("emulator-half")
row(f"emulator at {h['rate']:.0f}/s (open, {os.environ['OPEN_CONNECTIONS']} conn.)", h)
h = r("emulator-half-few")
row(f"emulator at {h['rate']:.0f}/s (open, {os.environ['CONNECTIONS']} conn.)", h)
PY
