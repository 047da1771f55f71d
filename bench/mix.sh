#!/usr/bin/env bash
# Whole-program mix benchmark: a 32-track session built from the corpus MIDI
# stems (16 unique stems, each used twice), with an EQ and a compressor on every
# track, four group buses and two returns (reverb, delay) fed by sends. Renders
# it at 4 minutes and at 20 minutes (stems looped with ffmpeg) and reports
# × realtime, CPU use (user+sys / wall) and peak memory (GNU time's max RSS).
#
# Usage: bench/mix.sh          (needs /tmp/corpus: bash ../shared/corpus/make-corpus.sh)
# Env:   WORK=/tmp/mixmaster-mix-bench  THREADS=  (default all cores)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/mixmaster-mix-bench}
CORPUS=${CORPUS:-/tmp/corpus/midi_stems}
mkdir -p "$WORK"
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS (run bash ../shared/corpus/make-corpus.sh)"; exit 1; }
command -v ffmpeg >/dev/null && [ -x /usr/bin/time ] || {
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg time >/dev/null
}

cargo build --release -q -p mixmaster-cli
BIN=$PWD/target/release/mixmaster
mapfile -t SRC < <(ls "$CORPUS"/*/[0-9]*_*.wav | head -n 16)

group() { # role bus from the corpus file name
  case "$1" in
    *drums*) echo drums ;; *bass*) echo bass ;; *) echo music ;;
  esac
}

make_session() { # $1 = seconds, writes $WORK/$1/session.toml
  local secs=$1 dir="$WORK/$1"
  mkdir -p "$dir/stems"
  local i=0
  for s in "${SRC[@]}"; do
    local out="$dir/stems/$(printf %02d $i)_$(basename "$s")"
    [ -s "$out" ] || ffmpeg -v error -y -stream_loop -1 -i "$s" -t "$secs" -c:a pcm_s24le "$out"
    i=$((i + 1))
  done
  {
    echo "[session]"; echo "sample_rate = 44100"; echo "tempo_bpm = 120.0"; echo
    local n=0
    for rep in 0 1; do
      for f in "$dir"/stems/*.wav; do
        cat <<TOML
[[track]]
file = "stems/$(basename "$f")"
name = "t$n"
gain_db = -$((rep * 3)).0
pan = $(( (n * 37) % 200 - 100 )).0
output = "$(group "$f")"
inserts = [
  { type = "eq", bands = [{ type = "low-cut", freq_hz = 40.0 }, { type = "bell", freq_hz = 350.0, gain_db = -2.0, q = 1.2 }, { type = "high-shelf", freq_hz = 9000.0, gain_db = 1.5 }] },
  { type = "compressor", threshold_db = -24.0, ratio = 3.0, attack_ms = 5.0, release_ms = 120.0 },
]
sends = [{ bus = "verb", level_db = -14.0 }, { bus = "echo", level_db = -20.0 }]

TOML
        n=$((n + 1))
      done
    done
    for b in drums bass music vocals; do printf '[[bus]]\nname = "%s"\n\n' "$b"; done
    printf '[[bus]]\nname = "verb"\ninserts = [{ type = "reverb", preset = "plate", mix_pct = 100.0 }]\n\n'
    printf '[[bus]]\nname = "echo"\ninserts = [{ type = "delay", note = "1/8d", mix_pct = 100.0 }]\n'
  } > "$dir/session.toml"
}

run() { # $1 = seconds
  local dir="$WORK/$1"
  make_session "$1"
  local tracks; tracks=$(grep -c '^\[\[track\]\]' "$dir/session.toml")
  /usr/bin/time -f '%e %U %S %M' -o "$dir/time.txt" \
    "$BIN" mix "$dir/session.toml" -o "$dir/mix.wav" --stems-out "$dir/bus" --force \
    ${THREADS:+--threads $THREADS} > "$dir/report.txt"
  read -r wall user sys rss < "$dir/time.txt"
  awk -v s="$1" -v w="$wall" -v u="$user" -v y="$sys" -v m="$rss" -v t="$tracks" 'BEGIN {
    printf "%d tracks x %d s: wall %.2f s = %.1fx realtime, CPU %.0f%%, peak RSS %.1f MB\n",
      t, s, w, s / w, 100 * (u + y) / w, m / 1024 }'
  sed 's/^/    /' "$dir/report.txt" | grep -E 'loudness|true peak|latency'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
run 240
run 1200
