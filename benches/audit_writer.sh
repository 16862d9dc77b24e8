#!/usr/bin/env bash
# The audit path's instructions per record (benches/audit_writer.rs) under callgrind: runs
# the bench for N records and for none (the same warm-up and start-up), each thread counted
# apart, and prints (count(N) - count(0)) / N for the writer thread, its SHA-256 (the sha2
# compression functions, inclusive: under valgrind sha2 takes its software rounds, on the
# server its SHA instructions), the rest of the writer, the sealing thread (a full
# segment's index file) and the appending tasks on the tokio workers (building each record
# and appending it: the channel, the reply; sled's threads and the runtime's idle turns,
# which wake on their own clock, are left out).
#
# Usage: benches/audit_writer.sh             (2200 records: 100 groups of 22)
#        RECORDS=4400 benches/audit_writer.sh
# Needs valgrind (callgrind_annotate) and python3. Instruction counts do not depend on the
# machine's load; a run takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-2200}
BIN=$(cargo bench --bench audit_writer --no-run 2>&1 |
    sed -n 's/.*Executable.*(\(.*audit_writer-[0-9a-f]*\)).*/\1/p' | tail -1)
[ -x "$BIN" ] || { echo "no bench binary" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for n in 0 "$RECORDS"; do
    mkdir -p "$TMP/$n"
    AUDIT_WRITER_RECORDS=$n valgrind --tool=callgrind --separate-threads=yes \
        --callgrind-out-file="$TMP/$n/cg" "$BIN" --bench >"$TMP/$n/out" 2>"$TMP/$n/valgrind"
    cat "$TMP/$n/out"
done

python3 - "$TMP" "$RECORDS" <<'EOF'
import glob, re, subprocess, sys

tmp, n = sys.argv[1], int(sys.argv[2])

def role(text):
    if re.search(r"audit::log::Writer::commit_and_reply", text):
        return "writer"
    if re.search(r"audit::segment::seal", text):
        return "seal"
    return None

def inclusive(path, pattern):
    """Inclusive instructions of the outermost function whose name matches `pattern`."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    best = 0
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s.*?:(.*) \[", line)
        if m and re.search(pattern, m.group(2)):
            best = max(best, int(m.group(1).replace(",", "")))
    return best

def counts(run):
    c = {"writer": 0, "writer sha": 0, "seal": 0, "tasks": 0}
    for path in glob.glob(f"{tmp}/{run}/cg-*"):
        text = open(path, errors="replace").read()
        if not text:
            continue
        total = int(re.search(r"^(?:summary|totals): (\d+)", text, re.M).group(1))
        r = role(text)
        if r in c:
            c[r] += total
        if r == "writer":
            c["writer sha"] += inclusive(path, r"^sha2::sha256::compress256$")
        # The appending tasks, polled on the workers (sled's own threads, which wake on
        # their own clock, and the runtime's idle turns are left out).
        c["tasks"] += inclusive(path, r"^audit_writer::main::\{\{closure\}\}::\{\{closure\}\}::\{\{closure\}\}$")
    return c

a, b = counts(0), counts(n)
per = {k: (b[k] - a[k]) / n for k in a}
print(f"instructions per record ({n} records, minus a run of none):")
print(f"  writer thread       {per['writer']:10.0f}")
print(f"    SHA-256           {per['writer sha']:10.0f}")
print(f"    the rest          {per['writer'] - per['writer sha']:10.0f}")
print(f"  sealing thread      {per['seal']:10.0f}")
print(f"  appending tasks     {per['tasks']:10.0f}  (on the workers: building and appending)")
EOF
