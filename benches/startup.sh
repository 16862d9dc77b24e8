#!/usr/bin/env bash
# Start-up against population size (issue 16): seconds from launching `vtj-emulator serve`
# to its "listening" line, on each data directory in turn, ROUNDS times (the stores take
# turns, so drift on a shared machine falls on all alike). Each server is stopped with
# SIGTERM (a clean stop) before the next start. Prints every start and each store's median.
#
# Usage: benches/startup.sh DIR...
#        ROUNDS=7 benches/startup.sh /tmp/p1k /work/scratch-pop/full
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: benches/startup.sh DIR..." >&2; exit 2; }
ROUNDS=${ROUNDS:-5}
PORT=${PORT:-18447}

# shellcheck source=benches/common.sh
. benches/common.sh
setup

python3 - "$BIN" "$ROUNDS" "$PORT" "$@" <<'PY'
import statistics, subprocess, sys, time
bin_, rounds, port, dirs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
times = {d: [] for d in dirs}
for r in range(rounds):
    for d in dirs:
        start = time.monotonic()
        p = subprocess.Popen(
            [bin_, "serve", "--data", d, "--listen", f"127.0.0.1:{port}", "--monitor-listen", "off"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in p.stdout:
            if "listening" in line:
                break
        else:
            sys.exit(f"{d}: the server stopped before listening")
        t = time.monotonic() - start
        times[d].append(t)
        p.terminate()
        p.communicate(timeout=60)
        print(f"round {r + 1} {d}: {t:.3f} s")
for d in dirs:
    print(f"median {d}: {statistics.median(times[d]):.3f} s (min {min(times[d]):.3f}, max {max(times[d]):.3f})")
PY
