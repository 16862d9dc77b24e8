#!/usr/bin/env bash
# Server CPU per answered query (issue 15): the emulator and the canned-response ceiling
# under the same keep-alive load, one after the other, in one run.
#
# Builds the release binary, starts the emulator (its own temporary store, the default
# configuration with the organisation's quotas lifted, durable audit on, no monitoring
# listener) and the canned-response server (same TLS and HTTP settings, a body of the
# emulator's mean answer size), warms each up, then for each round and each server: reads
# the server process's utime + stime from /proc/PID/stat, runs `vtj-emulator loadtest`
# for a fixed number of PERUSSANOMA 3 queries on keep-alive connections, reads them again,
# and prints µs of server CPU per answered query (HTTP 200), with the median over rounds,
# the share of each run the host took from the VM (steal) and left idle, and the two
# servers' throughput ratio round by round. The servers take turns within each round, so
# drift on the shared machine falls on all.
#
# BASELINE_BIN=path/to/an/older/vtj-emulator adds that binary as a third server (started
# the same way), for a before/after of a change in one run.
#
# Usage: benches/cpu_per_query.sh
#        REQUESTS=50000 CONNECTIONS=32 ROUNDS=3 benches/cpu_per_query.sh
#        NEW_CONNECTION=1 REQUESTS=3000 benches/cpu_per_query.sh   # a full handshake per query
# Needs python3 (to read the JSON reports). Everything listens on 127.0.0.1 only; the load
# generator shares the machine, but its CPU is not counted (only the server process's).
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${REQUESTS:-30000}
CONNECTIONS=${CONNECTIONS:-32}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-3000}
# NEW_CONNECTION=1: every query on a connection of its own (the full mutual-TLS handshake).
MODE=()
KIND=keep-alive
if [ "${NEW_CONNECTION:-0}" = 1 ]; then MODE=(--new-connection) KIND=new-connection; fi
EMULATOR_PORT=${EMULATOR_PORT:-18453}
BASELINE_PORT=${BASELINE_PORT:-18455}
CANNED_PORT=${CANNED_PORT:-18454}

# shellcheck source=benches/common.sh
. benches/common.sh
setup
unlimited_config
# Queries only: the web console's listener and its sampler are off.
console_off

# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat; the
# command name in field 2 may hold spaces, so count from after its closing parenthesis).
cpu_ticks() { # PID
    local stat
    stat=$(<"/proc/$1/stat")
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat
    echo $((${12} + ${13}))
}

declare -A PORT PID
NAMES=(emulator)
"$BIN" serve --config "$TMP/config.toml" --data "$TMP/data" \
    --listen "127.0.0.1:$EMULATOR_PORT" --monitor-listen off >"$TMP/emulator.log" 2>&1 &
PID[emulator]=$!
PORT[emulator]=$EMULATOR_PORT
PIDS+=($!)
if [ -n "${BASELINE_BIN:-}" ]; then
    # An older binary may not know the console's keys: they are left out of its copy.
    awk '/^\[/ { t = $0 } !(t == "[console]" || (t == "[[auditor]]" && /^password_hash/))' \
        "$TMP/config.toml" >"$TMP/baseline.toml"
    "$BASELINE_BIN" serve --config "$TMP/baseline.toml" --data "$TMP/baseline-data" \
        --listen "127.0.0.1:$BASELINE_PORT" --monitor-listen off >"$TMP/baseline.log" 2>&1 &
    PID[baseline]=$!
    PORT[baseline]=$BASELINE_PORT
    PIDS+=($!)
    NAMES+=(baseline)
    wait_for "$BASELINE_PORT"
fi
wait_for "$EMULATOR_PORT"
start_canned "$EMULATOR_PORT" "$CANNED_PORT"
PID[canned]=$CANNED_PID
PORT[canned]=$CANNED_PORT
NAMES+=(canned)

TICK_US=$((1000000 / $(getconf CLK_TCK)))
echo "server CPU per answered PERUSSANOMA 3 query: $REQUESTS queries per run, $CONNECTIONS $KIND connections, $ROUNDS rounds, body $BODY bytes"
echo "machine: $(nproc) cores, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) (the load generator runs on the same cores)"
for name in "${NAMES[@]}"; do
    load "${PORT[$name]}" "$TMP/warmup.json" --requests "$WARMUP" --connections "$CONNECTIONS"
done
for round in $(seq 1 "$ROUNDS"); do
    for name in "${NAMES[@]}"; do
        before=$(cpu_ticks "${PID[$name]}")
        load "${PORT[$name]}" "$TMP/$name-$round.json" --requests "$REQUESTS" --connections "$CONNECTIONS" "${MODE[@]}"
        after=$(cpu_ticks "${PID[$name]}")
        echo "$name $round $(((after - before) * TICK_US))" >>"$TMP/cpu.txt"
    done
done

python3 - "$TMP" <<'PY'
import json, os, statistics, sys
d = sys.argv[1]
rows = {}
for line in open(os.path.join(d, "cpu.txt")):
    name, rnd, us = line.split()
    path = os.path.join(d, f"{name}-{rnd}.json")
    r = json.load(open(path))
    r["machine"] = json.load(open(path + ".machine"))
    rows.setdefault(name, []).append((int(rnd), int(us) / max(r["ok"], 1), r))
for name, runs in rows.items():
    for rnd, per, r in runs:
        print(f"{name:<9} round {rnd}: {per:7.1f} µs CPU per answer  {r['throughput_rps']:8.0f}/s  "
              f"p50 {r['latency_ms']['p50']:.2f} ms  p99 {r['latency_ms']['p99']:.2f} ms  "
              f"ok {r['ok']}  errors {r['errors']}  "
              f"steal {r['machine']['steal']:.0f} %  idle {r['machine']['idle']:.0f} %")
med = {name: statistics.median(p for _, p, _ in runs) for name, runs in rows.items()}
for name, m in med.items():
    print(f"median    {name:<9} {m:7.1f} µs CPU per answered query")
# Each round's servers ran minutes apart at most: their throughputs' ratio, round by round.
ratios = [e["throughput_rps"] / c["throughput_rps"]
          for (_, _, e), (_, _, c) in zip(rows["emulator"], rows["canned"])]
print(f"throughput emulator / canned, by round: median {statistics.median(ratios):.2f} ("
      + ", ".join(f"{x:.2f}" for x in ratios) + ")")
if "baseline" in rows:
    pairs = [e / b for (_, e, _), (_, b, _) in zip(rows["emulator"], rows["baseline"])]
    print(f"paired    emulator / baseline: median {statistics.median(pairs):.2f} (rounds: "
          + ", ".join(f"{p:.2f}" for p in pairs) + ")")
PY
