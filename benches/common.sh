# Shared by the load scripts in benches/ (sourced, not run from the repository's root).
# `setup` builds the release binary ($BIN) and makes the scratch directory ($TMP, whose *.log
# files are shown when a server fails); every server whose pid is in PIDS is stopped, and
# $TMP removed, when the script ends. `load` runs the harness against a local port and
# `start_canned` starts the canned-response ceiling with the emulator's answer size.

setup() {
    cargo build --release --quiet --bin vtj-emulator
    BIN=${CARGO_TARGET_DIR:-target}/release/vtj-emulator
    TMP=$(mktemp -d)
    PIDS=()
    trap cleanup EXIT
}

# Stops the servers in PIDS.
stop_servers() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    PIDS=()
}

cleanup() {
    stop_servers
    rm -rf "$TMP"
}

# Writes the default configuration with the organisation's quotas lifted (0 = unlimited) to
# $TMP/config.toml: a load test must not meet the 200/s limit.
unlimited_config() {
    sed -e 's/^per_second = 200\b.*/per_second = 0/' -e 's/^per_day = 100000\b.*/per_day = 0/' \
        config/default.toml >"$TMP/config.toml"
    grep -q '^per_second = 0' "$TMP/config.toml" && grep -q '^per_day = 0' "$TMP/config.toml" || {
        echo "$(basename "$0"): could not lift the quotas in config/default.toml" >&2
        exit 1
    }
}

# Turns the web console off in $TMP/config.toml (its listener and sampler): queries only.
console_off() {
    sed -i 's/^\[console\]$/[console]\nenabled = false/' "$TMP/config.toml"
}

# Waits (up to 30 s: a 5.6 M-person store takes seconds to open) until a server answers a
# query on 127.0.0.1:PORT; otherwise shows the logs and exits. With PID (the server's), a
# server that has exited fails at once, with its log (LOG, default all of $TMP/*.log).
wait_for() { # PORT [PID [LOG]]
    for _ in $(seq 1 150); do
        if "$BIN" loadtest --target "https://127.0.0.1:$1" --requests 1 --connections 1 \
            --quiet --json >/dev/null 2>&1; then
            return 0
        fi
        if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
            echo "$(basename "$0"): the server for 127.0.0.1:$1 exited before it answered:" >&2
            if [ -n "${3:-}" ]; then cat "$3" >&2; else cat "$TMP"/*.log >&2; fi
            exit 1
        fi
        sleep 0.2
    done
    echo "$(basename "$0"): nothing answers on 127.0.0.1:$1" >&2
    cat "$TMP"/*.log >&2
    exit 1
}

# Runs `vtj-emulator loadtest` against 127.0.0.1:PORT with ARGS, its JSON report to OUT,
# and writes OUT.machine: the shares of the machine's CPU time during the run that the host
# took from this VM (steal) and that nobody used (idle, with I/O wait), from /proc/stat's
# "cpu" line. On a shared host the steal moves from run to run; a run that lost much of
# its time to it is not comparable with one that did not. Returns loadtest's status.
load() { # PORT OUT ARGS...
    local port=$1 out=$2 before status=0
    shift 2
    before=$(head -1 /proc/stat)
    "$BIN" loadtest --target "https://127.0.0.1:$port" --json --quiet "$@" >"$out" || status=$?
    printf '%s\n%s\n' "$before" "$(head -1 /proc/stat)" | awk '
        NR == 1 { for (i = 2; i <= 9; i++) a[i] = $i }
        NR == 2 { for (i = 2; i <= 9; i++) { d[i] = $i - a[i]; t += d[i] }
                  if (t == 0) t = 1
                  printf "{\"steal\": %.1f, \"idle\": %.1f}\n", 100 * d[9] / t, 100 * (d[5] + d[6]) / t }' \
        >"$out.machine"
    return "$status"
}

# Starts the canned-response server on 127.0.0.1:CANNED_PORT with a body of the mean
# PERUSSANOMA 3 answer size of the emulator on EMULATOR_PORT (one pass over the fixture
# persons), and waits for it; sets BODY (that size) and CANNED_PID.
start_canned() { # EMULATOR_PORT CANNED_PORT
    load "$1" "$TMP/size.json" --requests 27 --connections 1
    BODY=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(round(r["bytes_received"]/r["ok"]))' "$TMP/size.json")
    "$BIN" canned-server --listen "127.0.0.1:$2" --body-size "$BODY" >"$TMP/canned.log" 2>&1 &
    CANNED_PID=$!
    PIDS+=($!)
    wait_for "$2"
}
