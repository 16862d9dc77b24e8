#!/usr/bin/env bash
# Identification searches against identity-code lookups under load (issue 8): the same
# persons queried both ways through the whole server, in one run on one machine.
#
# `population sample` picks 1 000 stored persons spread over the store and prints them
# twice: as identity codes (`loadtest --hetu-file`, TeeHenkilonTunnusKysely) and as their
# identification criteria, upper-cased surname, first names and birth date
# (`loadtest --criteria-file`, TeeHenkilonTunnistusKysely). The emulator is started once on
# the store (durable audit on, quotas lifted, identification searches granted, 127.0.0.1
# only); after unmeasured passes of both kinds that fill the caches, the two kinds take
# turns ROUNDS times, so drift on a shared machine falls on both alike. The script prints
# each run with its VTJ return codes, the medians and the ratios identification / lookup.
#
# Usage: benches/identification_load.sh DATA_DIR
#        ROUNDS=5 DURATION=10s CONNECTIONS=8 benches/identification_load.sh DATA_DIR
# Make the store with `vtj-emulator population generate --persons N --seed 1 --data DIR`.
# The store is opened read-write (the server writes its audit records into it).
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${1:?usage: benches/identification_load.sh DATA_DIR}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-8}
PORT=${PORT:-18446}

# shellcheck source=benches/common.sh
. benches/common.sh
setup
unlimited_config
sed -i 's/^identification = false\b/identification = true/' "$TMP/config.toml"
grep -q '^identification = true' "$TMP/config.toml" || {
    echo "$(basename "$0"): could not grant identification searches in config/default.toml" >&2
    exit 1
}

"$BIN" population sample --count 1000 --data "$DATA" >"$TMP/lookup.subjects"
"$BIN" population sample --count 1000 --criteria --data "$DATA" >"$TMP/identification.subjects"

"$BIN" serve --config "$TMP/config.toml" --data "$DATA" --listen "127.0.0.1:$PORT" \
    --monitor-listen off >"$TMP/server.log" 2>&1 &
PIDS+=($!)
wait_for "$PORT"

load() { # KIND ARGS...
    local kind=$1
    shift
    local file=--hetu-file
    [ "$kind" = identification ] && file=--criteria-file
    "$BIN" loadtest --target "https://127.0.0.1:$PORT" "$file" "$TMP/$kind.subjects" \
        --connections "$CONNECTIONS" --quiet --json "$@"
}

# Steady state: three passes over each sample before anything is measured.
for kind in lookup identification; do
    load "$kind" --requests 3000 >/dev/null
done
for round in $(seq 1 "$ROUNDS"); do
    for kind in lookup identification; do
        load "$kind" --duration "$DURATION" >"$TMP/$kind-$round.json"
    done
done

python3 - "$TMP" "$ROUNDS" <<'PY'
import json, os, statistics, sys
d, rounds = sys.argv[1], int(sys.argv[2])
med = {}
for kind in ("lookup", "identification"):
    rates, p50s, p99s = [], [], []
    for r in range(1, rounds + 1):
        x = json.load(open(os.path.join(d, f"{kind}-{r}.json")))
        l = x["latency_ms"]
        codes = ", ".join(f"{c} × {n}" for c, n in x["return_codes"].items())
        print(f"{kind:>14} round {r}: {x['throughput_rps']:8.0f}/s  p50 {l['p50']:.3f}  "
              f"p99 {l['p99']:.3f} ms  errors {x['errors']}  codes {codes}")
        rates.append(x["throughput_rps"])
        p50s.append(l["p50"])
        p99s.append(l["p99"])
    med[kind] = tuple(statistics.median(v) for v in (rates, p50s, p99s))
lk, idf = med["lookup"], med["identification"]
print(f"median lookup {lk[0]:.0f}/s p50 {lk[1]:.3f} ms p99 {lk[2]:.3f} ms; "
      f"identification {idf[0]:.0f}/s p50 {idf[1]:.3f} ms p99 {idf[2]:.3f} ms")
print(f"identification / lookup: throughput {idf[0] / lk[0]:.3f}, p50 {idf[1] / lk[1]:.3f}, "
      f"p99 {idf[2] / lk[2]:.3f}")
PY
