#!/usr/bin/env bash
# Whole-program benchmark: `mixmaster analyze` against `ffmpeg -af ebur128=peak=true`
# on the same 4-minute stereo file, plus a 40-minute file to show that memory
# stays flat. Prints wall-time medians, the time ratio, peak RSS, and the
# differences in integrated loudness and true peak between the two meters.
#
# Usage: bench/analyze.sh [SOURCE.wav]   (default: a corpus raw mix, else the demo mix)
# Needs: ffmpeg and GNU time (installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
WORK=${WORK:-/tmp/mixmaster-bench}
mkdir -p "$WORK"

source bench/lib.sh
bench_require_tools

cargo build --release -q -p mixmaster-cli
BIN=target/release/mixmaster

src=${1:-}
if [ -z "$src" ]; then
  src=$(ls /tmp/corpus/midi_stems/*/raw_mix.wav 2>/dev/null | head -n 1 || true)
fi
if [ -z "$src" ]; then
  "$BIN" demo "$WORK/demo" --force >/dev/null
  src="$WORK/demo/mix.wav"
fi
echo "source: $src"

# 4-minute and 40-minute stereo 44.1 kHz 24-bit files, looping the source.
ffmpeg -v error -y -stream_loop -1 -i "$src" -t 240 -ac 2 -ar 44100 -c:a pcm_s24le "$WORK/4min.wav"
ffmpeg -v error -y -stream_loop -1 -i "$src" -t 2400 -ac 2 -ar 44100 -c:a pcm_s24le "$WORK/40min.wav"


ffmpeg_meter() { ffmpeg -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1; }

mm=$("$BIN" analyze --json "$WORK/4min.wav")
mm_i=$(echo "$mm" | python3 -c 'import json,sys; print(json.load(sys.stdin)["integrated_lufs"])')
mm_tp=$(echo "$mm" | python3 -c 'import json,sys; print(json.load(sys.stdin)["true_peak_dbtp"])')
ff=$(ffmpeg_meter "$WORK/4min.wav")
ff_i=$(echo "$ff" | awk '/Integrated loudness:/{f=1} f && /I:/{print $2; exit}')
ff_tp=$(echo "$ff" | awk '/True peak:/{f=1} f && /Peak:/{print $2; exit}')

t_mm=$(median_time "$BIN" analyze "$WORK/4min.wav")
t_ff=$(median_time ffmpeg -hide_banner -nostats -i "$WORK/4min.wav" -af ebur128=peak=true -f null -)
rss4=$(peak_rss "$BIN" analyze "$WORK/4min.wav")
rss40=$(peak_rss "$BIN" analyze "$WORK/40min.wav")
rss_ff=$(peak_rss ffmpeg -hide_banner -nostats -i "$WORK/4min.wav" -af ebur128=peak=true -f null -)

echo
echo "4-minute stereo 44.1 kHz file, median of $RUNS runs"
printf '  mixmaster analyze : %6.3f s   peak RSS %s MiB\n' "$t_mm" "$rss4"
printf '  ffmpeg ebur128    : %6.3f s   peak RSS %s MiB\n' "$t_ff" "$rss_ff"
printf '  speed-up          : %.2fx\n' "$(echo "$t_ff / $t_mm" | bc -l)"
printf '  integrated        : mixmaster %s LUFS, ffmpeg %s LUFS, diff %.2f LU\n' "$mm_i" "$ff_i" "$(echo "$mm_i - $ff_i" | bc -l)"
printf '  true peak         : mixmaster %s dBTP, ffmpeg %s dBTP, diff %.2f dB\n' "$mm_tp" "$ff_tp" "$(echo "$mm_tp - $ff_tp" | bc -l)"
printf '  peak RSS 40-minute: %s MiB (4-minute: %s MiB)\n' "$rss40" "$rss4"
