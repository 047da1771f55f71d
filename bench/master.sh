#!/usr/bin/env bash
# Whole-program benchmark: `mixmaster master --target spotify` against the tools a
# user would otherwise pick, on the same 3-4 minute stereo mix:
#   - ffmpeg two-pass loudnorm to -14 LUFS / -1 dBTP (linear mode requested),
#   - Matchering 2.0 against a commercial reference (Python, /opt/mixbench venv).
# Prints wall time (median of RUNS), peak RSS, and each output's integrated
# loudness and true peak as measured by ffmpeg's ebur128 filter (an independent
# meter), plus the loudness error against -14 LUFS.
#
# Usage: bench/master.sh [MIX.wav [REFERENCE.wav]]
# Default mix: a corpus raw mix looped to 203 s; default reference: the corpus's real track.
# The corpus comes from ../shared/corpus/make-corpus.sh (it also installs matchering).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp/mixmaster-bench}
mkdir -p "$WORK"

source bench/lib.sh
bench_require_tools
cargo build --release -q -p mixmaster-cli
BIN=target/release/mixmaster

src=${1:-$(ls /tmp/corpus/midi_stems/*/raw_mix.wav 2>/dev/null | head -n 1 || true)}
ref=${2:-$(ls /tmp/corpus/real_tracks/*.wav 2>/dev/null | head -n 1 || true)}
if [ -z "$src" ]; then
  "$BIN" demo "$WORK/demo" --force >/dev/null
  src="$WORK/demo/mix.wav"
fi
MIX="$WORK/mix203.wav"
ffmpeg -v error -y -stream_loop -1 -i "$src" -t 203 -ac 2 -ar 44100 -c:a pcm_s24le "$MIX"
echo "mix: $src looped to 203 s -> $MIX"

meter() {
  ffmpeg -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
    awk '/Integrated loudness:/{f=1} f && /I:/{i=$2} /True peak:/{g=1} g && /Peak:/{p=$2} END {print i, p}'
}

run_mixmaster() { "$BIN" master "$MIX" --target spotify -o "$WORK/mm.wav" --force; }

loudnorm_two_pass() {
  local stats I TP LRA TH OFF
  stats=$(ffmpeg -hide_banner -nostats -i "$MIX" -af loudnorm=I=-14:TP=-1:LRA=11:print_format=json -f null - 2>&1 | sed -n '/^{/,/^}/p')
  I=$(echo "$stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["input_i"])')
  TP=$(echo "$stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["input_tp"])')
  LRA=$(echo "$stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["input_lra"])')
  TH=$(echo "$stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["input_thresh"])')
  OFF=$(echo "$stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_offset"])')
  ffmpeg -hide_banner -nostats -y -i "$MIX" \
    -af "loudnorm=I=-14:TP=-1:LRA=11:measured_I=$I:measured_TP=$TP:measured_LRA=$LRA:measured_thresh=$TH:offset=$OFF:linear=true" \
    -ar 44100 -c:a pcm_s24le "$WORK/loudnorm.wav"
}
export -f loudnorm_two_pass
export MIX WORK

PY=/opt/mixbench/venv/bin/python
run_matchering() {
  "$PY" -c 'import sys, matchering as mg; mg.log(lambda *a: None); mg.process(target=sys.argv[1], reference=sys.argv[2], results=[mg.pcm24(sys.argv[3])])' \
    "$MIX" "$ref" "$WORK/matchering.wav"
}

row() { # name seconds rss file
  read -r i tp < <(meter "$4")
  printf '  %-22s %7.2f s  %6s MiB  %6s LUFS (error %+.2f LU)  %6s dBTP\n' "$1" "$2" "$3" "$i" "$(echo "$i + 14" | bc -l)" "$tp"
}

echo
echo "203 s stereo 44.1 kHz mix, target -14 LUFS / -1 dBTP, median of $RUNS runs"
t_mm=$(median_time run_mixmaster); rss_mm=$(peak_rss "$BIN" master "$MIX" --target spotify -o "$WORK/mm.wav" --force)
row "mixmaster master" "$t_mm" "$rss_mm" "$WORK/mm.wav"
stages=$(MIXMASTER_TIMINGS=1 run_mixmaster 2>&1 >/dev/null | sed -n "/^timing: /{s|^timing: ||; s|$MIX|analyse|; p}" | paste -sd, - | sed 's/,/, /g')
echo "    stages (one more run): $stages"
t_ln=$(median_time bash -c loudnorm_two_pass); rss_ln=$(peak_rss bash -c loudnorm_two_pass)
row "ffmpeg loudnorm 2-pass" "$t_ln" "$rss_ln" "$WORK/loudnorm.wav"
if [ -x "$PY" ] && [ -n "$ref" ] && "$PY" -c 'import matchering' 2>/dev/null; then
  t_mg=$(median_time run_matchering); rss_mg=$(peak_rss "$PY" -c 'import sys, matchering as mg; mg.log(lambda *a: None); mg.process(target=sys.argv[1], reference=sys.argv[2], results=[mg.pcm24(sys.argv[3])])' "$MIX" "$ref" "$WORK/matchering.wav")
  row "matchering (ref)" "$t_mg" "$rss_mg" "$WORK/matchering.wav"
  printf '  speed-up vs matchering: %.2fx\n' "$(echo "$t_mg / $t_mm" | bc -l)"
else
  echo "  matchering: not installed (run ../shared/corpus/make-corpus.sh)"
fi
printf '  speed-up vs loudnorm  : %.2fx\n' "$(echo "$t_ln / $t_mm" | bc -l)"
