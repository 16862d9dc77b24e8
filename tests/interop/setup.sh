#!/usr/bin/env bash
# Installs the real SOAP clients the interop tests drive (idempotent; CI and `cargo test`
# both call it): Python zeep in a venv and Node soap (node-soap), cached under
# $VTJ_INTEROP_DIR (default: target/interop beside this repository's Cargo.toml).
# Needs python3 (with venv) and npm on PATH; scripts/test installs them on a fresh machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dir="${VTJ_INTEROP_DIR:-${CARGO_TARGET_DIR:-$repo/target}/interop}"
mkdir -p "$dir"
cd "$dir"

# Versions the tests were written against; change them here only. soap 1.5 still runs on
# Debian 12's Node 18 (1.6 and later need Node 20).
ZEEP_VERSION="4.3.3"
SOAP_VERSION="1.5.0"

if [ ! -f venv/.zeep-$ZEEP_VERSION ]; then
    rm -rf venv
    python3 -m venv venv
    venv/bin/pip install --quiet --disable-pip-version-check "zeep==$ZEEP_VERSION"
    touch venv/.zeep-$ZEEP_VERSION
fi

if [ ! -f node_modules/.soap-$SOAP_VERSION ]; then
    rm -rf node_modules package.json package-lock.json
    printf '{ "name": "vtj-emulator-interop", "private": true }\n' > package.json
    npm install --silent --no-audit --no-fund "soap@$SOAP_VERSION" >/dev/null
    touch node_modules/.soap-$SOAP_VERSION
fi
echo "$dir"
