#!/usr/bin/env bash
# Times the web console's catalogue pages (issue 19) against a running emulator: signs in as
# the demo service user, then fetches three pages five times each (a new TLS connection
# each time) and prints each page's median whole-request time and how many persons it shows.
# The pages follow the registry's key order from a cursor and examine at most 20,000 persons,
# so their cost should not grow with the store (BENCHMARKS.md, "Web console catalogue").
#
#   target/release/vtj-emulator serve --data STORE --listen 127.0.0.1:18470 --monitor-listen off &
#   benches/console_catalogue.sh 8444
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-8444}
J=$(mktemp -d)
trap 'rm -rf "$J"' EXIT
C=(--cacert certs/ca.pem -s -c "$J/jar" -b "$J/jar")
csrf_of() { grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//'; }
persons_on() { grep -o 'href="/catalogue/persons/[^"]*"' "$1" | wc -l; }

csrf=$(curl "${C[@]}" "https://localhost:$port/login" | csrf_of)
curl "${C[@]}" -o /dev/null --data-urlencode user=demo --data-urlencode password=demo \
    --data-urlencode "csrf=$csrf" "https://localhost:$port/login"
curl "${C[@]}" -o "$J/first" "https://localhost:$port/catalogue"
csrf=$(csrf_of <"$J/first")
[ -n "$csrf" ] || { echo "console_catalogue.sh: sign-in failed" >&2; exit 1; }
echo "first page: $(persons_on "$J/first") persons"
for q in "after=150000" "after=311299" "case=declared-dead"; do
    for _ in 1 2 3 4 5; do
        curl "${C[@]}" -o "$J/out" -w '%{time_total}\n' "https://localhost:$port/catalogue?$q&csrf=$csrf"
    done | sort -n | sed -n 3p | sed "s/^/$q: median of 5 requests (s) /"
    echo "  $(persons_on "$J/out") persons shown; $(grep -o '<p class="paging">[^<]*' "$J/out" | sed 's/<p class="paging">//')"
done
