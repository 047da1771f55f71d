#!/usr/bin/env bash
# Automix benchmark.
#
# (1) Balance recovery on every song in the corpus MIDI stems: the arranger's
#     balance is the stems as rendered. Each stem is perturbed by a seeded random
#     gain in ±10 dB (float WAV, so nothing clips), the folder is automixed, and
#     each stem's loudness in the automix (its soloed render, moved by the
#     render's headroom gain) is compared with the original stem's loudness,
#     both relative to their mean over the song: RMS error in dB per song.
# (2) Time to analyse and decide (no render) for 32 four-minute stems built as
#     bench/mix.sh builds them (16 corpus stems looped to 240 s, each used
#     twice); median of RUNS runs, goal < 5 s.
#
# Usage: bench/automix.sh      (needs /tmp/corpus: bash ../shared/corpus/make-corpus.sh)
# Env:   WORK=/tmp/mixmaster-automix-bench  RUNS=3  SEED=6
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
WORK=${WORK:-/tmp/mixmaster-automix-bench}
CORPUS=${CORPUS:-/tmp/corpus/midi_stems}
RUNS=${RUNS:-3}
SEED=${SEED:-6}
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS (run bash ../shared/corpus/make-corpus.sh)"; exit 1; }
bench_require_tools
mkdir -p "$WORK"

cargo build --release -q -p mixmaster-cli
BIN=$PWD/target/release/mixmaster

json_field() { # $1 = field; reads JSON on stdin
  python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print("nan" if v is None else v)' "$1"
}

# Loudness of each track of SESSION in its mix, LUFS: solo render minus its headroom gain.
track_loudness() { # $1 = session, $2 = scratch dir
  local session=$1 dir=$2 n i
  n=$(grep -c '^\[\[track\]\]' "$session")
  for ((i = 0; i < n; i++)); do
    awk -v want="$i" '
      /^\[\[track\]\]/ { print; if (k++ == want) print "solo = true"; next } { print }
    ' "$session" > "$dir/solo.toml"
    "$BIN" mix "$dir/solo.toml" -o "$dir/solo.wav" --force --json > "$dir/solo.json"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["integrated_lufs"] - r["headroom_gain_db"])' "$dir/solo.json"
  done
}

echo "== balance recovery (perturbation ±10 dB, seed $SEED) =="
total_sq=0; total_n=0
for song in "$CORPUS"/*/; do
  name=$(basename "$song")
  dir="$WORK/balance/$name"
  rm -rf "$dir"; mkdir -p "$dir/stems"
  mapfile -t files < <(ls "$song"[0-9]*_*.wav)
  orig=(); gains=()
  for f in "${files[@]}"; do
    g=$(python3 -c 'import random,sys; r=random.Random(sys.argv[1]); print(round(r.uniform(-10, 10), 2))' "$SEED:$name:$(basename "$f")")
    gains+=("$g")
    ffmpeg -v error -y -i "$f" -af "volume=${g}dB" -c:a pcm_f32le "$dir/stems/$(basename "$f")"
    orig+=("$("$BIN" analyze "$f" --json | json_field integrated_lufs)")
  done
  "$BIN" automix "$dir/stems" -o "$dir/session.toml" --force > "$dir/report.txt"
  # The session lists the stems in file-name order, as `ls` does.
  mapfile -t mixed < <(track_loudness "$dir/session.toml" "$dir")
  python3 - "$name" "${#files[@]}" "${orig[@]}" "${mixed[@]}" "${gains[@]}" <<'PY' | tee "$dir/result.txt"
import sys, math
name, n = sys.argv[1], int(sys.argv[2])
v = [float(x) for x in sys.argv[3:]]
orig, mixed, gains = v[:n], v[n:2 * n], v[2 * n:3 * n]
rel = lambda a: [x - sum(a) / len(a) for x in a]
ro, rm = rel(orig), rel(mixed)
rp = rel([o + g for o, g in zip(orig, gains)])
err = [m - o for m, o in zip(rm, ro)]
rms = math.sqrt(sum(e * e for e in err) / n)
rms_in = math.sqrt(sum((p - o) ** 2 for p, o in zip(rp, ro)) / n)
print(f"{name}: {n} stems, RMS balance error {rms:.2f} dB (perturbed input {rms_in:.2f} dB); per stem (dB): "
      + ", ".join(f"{e:+.1f}" for e in err))
print(f"SQ {sum(e * e for e in err)} {n}")
PY
  # Diagnostics: the role automix gave each stem (and which one leads) and its
  # fader; the reasons are in $dir/report.txt.
  awk '/^[^ ].*\[.*\]/ { name = $1; role = substr($0, index($0, "[") + 1); role = substr(role, 1, index(role, "]") - 1) }
       /^    fader/ { printf "    %-38s %-16s fader %s dB\n", name, role, $2 }' "$dir/report.txt"
  read -r _ sq cnt < <(grep '^SQ' "$dir/result.txt")
  total_sq=$(echo "$total_sq + $sq" | bc -l); total_n=$((total_n + cnt))
done
echo "all songs: RMS balance error $(echo "sqrt($total_sq / $total_n)" | bc -l | xargs printf '%.2f') dB over $total_n stems"

echo
echo "== analyse + decide, 32 stems x 240 s (no render) =="
src_dir="$WORK/speed/src"; stems="$WORK/speed/stems"
mkdir -p "$src_dir" "$stems"
mapfile -t SRC < <(ls "$CORPUS"/*/[0-9]*_*.wav | head -n 16)
i=0
for s in "${SRC[@]}"; do
  out="$src_dir/$(printf %02d $i)_$(basename "$s")"
  [ -s "$out" ] || ffmpeg -v error -y -stream_loop -1 -i "$s" -t 240 -c:a pcm_s24le "$out"
  for rep in 0 1; do
    ln -f "$out" "$stems/$(printf %02d $((i + 16 * rep)))_$(basename "$s")"
  done
  i=$((i + 1))
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "stems: $(ls "$stems" | wc -l) files, $(du -sh "$stems" | cut -f1) (24-bit stereo 44.1 kHz)"
t=$(median_time "$BIN" automix "$stems" -o "$WORK/speed/session.toml" --force)
rss=$(peak_rss "$BIN" automix "$stems" -o "$WORK/speed/session.toml" --force)
printf 'automix analyse+decide: median %.2f s over %d runs (goal < 5 s), peak RSS %s MB\n' "$t" "$RUNS" "$rss"
