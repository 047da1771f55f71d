#!/usr/bin/env bash
# End to end on a bundled example: build mixmaster, synthesise the demo song
# (six stems and their mix), and run the main job on it.
# Usage: bash examples/demo.sh [OUTDIR]   (default /tmp/mixmaster-demo)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/mixmaster-demo}

cargo build --release -q -p mixmaster-cli
BIN=target/release/mixmaster

echo "== synthesising the demo song into $OUT"
"$BIN" demo "$OUT" --force

echo "== measuring the mix"
"$BIN" analyze "$OUT/mix.wav"
