#!/usr/bin/env bash
# Throughput against population size under load (issue 9): the same load on a small and a
# large generated store, in one run on one machine.
#
# For each data directory: `population sample` picks 1 000 stored identity codes spread over
# the store, the emulator is started on it (durable audit on, quotas lifted, 127.0.0.1 only)
# and `vtj-emulator loadtest` queries those codes (PERUSSANOMA 3, keep-alive), after three
# unmeasured passes over them that fill the caches. The stores
# take turns, ROUNDS times, so drift on a shared machine falls on both alike; the script
# prints each run, the medians and their ratio large / small, and each round's ratio (the
# large run against the small run just before it) with their median.
#
# Usage: benches/population_load.sh SMALL_DIR LARGE_DIR
#        ROUNDS=5 DURATION=10s CONNECTIONS=8 benches/population_load.sh SMALL LARGE
# Make the stores with `vtj-emulator population generate --persons N --seed 1 --data DIR`.
# The stores are opened read-write (the server writes its audit records into them).
set -euo pipefail
cd "$(dirname "$0")/.."

SMALL=${1:?usage: benches/population_load.sh SMALL_DIR LARGE_DIR}
LARGE=${2:?usage: benches/population_load.sh SMALL_DIR LARGE_DIR}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-8}
PORT=${PORT:-18445}

# shellcheck source=benches/common.sh
. benches/common.sh
setup
unlimited_config

for label in small large; do
    dir=$SMALL
    [ "$label" = large ] && dir=$LARGE
    "$BIN" population sample --count 1000 --data "$dir" >"$TMP/$label.hetus"
done

run() { # LABEL DIR ROUND
    local label=$1 dir=$2 round=$3
    "$BIN" serve --config "$TMP/config.toml" --data "$dir" --listen "127.0.0.1:$PORT" \
        --monitor-listen off >"$TMP/$label-$round.log" 2>&1 &
    PIDS=($!)
    wait_for "$PORT"
    # Steady state: three passes over the sample fill the caches before the measured run
    # (a freshly opened store reads its pages in; start-up is measured on its own).
    "$BIN" loadtest --target "https://127.0.0.1:$PORT" --hetu-file "$TMP/$label.hetus" \
        --requests 3000 --connections "$CONNECTIONS" --quiet --json >/dev/null
    "$BIN" loadtest --target "https://127.0.0.1:$PORT" --hetu-file "$TMP/$label.hetus" \
        --duration "$DURATION" --connections "$CONNECTIONS" --quiet --json \
        >"$TMP/$label-$round.json"
    stop_servers
}

for round in $(seq 1 "$ROUNDS"); do
    run small "$SMALL" "$round"
    run large "$LARGE" "$round"
done

python3 - "$TMP" "$ROUNDS" <<'PY'
import json, os, statistics, sys
d, rounds = sys.argv[1], int(sys.argv[2])
med, rates_of = {}, {}
for label in ("small", "large"):
    rates = []
    for r in range(1, rounds + 1):
        x = json.load(open(os.path.join(d, f"{label}-{r}.json")))
        l = x["latency_ms"]
        print(f"{label} round {r}: {x['throughput_rps']:8.0f}/s  p50 {l['p50']:.3f}  p99 {l['p99']:.3f} ms  errors {x['errors']}")
        rates.append(x["throughput_rps"])
    med[label] = statistics.median(rates)
    rates_of[label] = rates
print(f"median small {med['small']:.0f}/s, large {med['large']:.0f}/s, ratio large/small {med['large'] / med['small']:.3f}")
# Paired: each round's large run follows its small run, so drift falls on both alike.
ratios = [l / s for s, l in zip(rates_of["small"], rates_of["large"])]
print("per-round ratios large/small: " + ", ".join(f"{r:.3f}" for r in ratios)
      + f"; median {statistics.median(ratios):.3f}")
PY
