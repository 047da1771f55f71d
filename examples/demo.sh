#!/usr/bin/env bash
# End to end on a bundled example: build mixmaster, synthesise the demo song
# (six stems and their plain-sum mix), mix the stems from a generated session,
# automix them, and master the mix for streaming and CD with a report.
# Usage: bash examples/demo.sh [OUTDIR]   (default /tmp/mixmaster-demo)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/mixmaster-demo}

cargo build --release -q -p mixmaster-cli
BIN=target/release/mixmaster

echo "== synthesising the demo song into $OUT"
"$BIN" demo "$OUT" --force

echo "== mixing: a starting session from the stems, rendered with bus stems"
"$BIN" init "$OUT/stems" -o "$OUT/session.toml" --force
"$BIN" mix "$OUT/session.toml" -o "$OUT/mix-from-session.wav" --stems-out "$OUT/bus-stems" --force

echo "== automix: an explained first mix of the same stems"
"$BIN" automix "$OUT/stems" -o "$OUT/session.auto.toml" --render "$OUT/automix.wav" \
  --report "$OUT/automix.html" --force

echo "== mastering the mix for Spotify and CD (with an Opus preview and an HTML report)"
"$BIN" master "$OUT/mix.wav" --target spotify --target cd --out-dir "$OUT/masters" \
  --ab "$OUT/masters/mix.level-matched.wav" --plan-out "$OUT/masters/plan.json" \
  --preview opus --report "$OUT/masters/report.html" --force

echo "== measuring the streaming master"
"$BIN" analyze "$OUT/masters/mix.spotify.wav"
