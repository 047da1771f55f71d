# Shared helpers for the whole-program benchmark scripts (sourced, not run).

# Installs ffmpeg, GNU time and bc with apt-get when missing.
bench_require_tools() {
  local need=()
  command -v ffmpeg >/dev/null || need+=(ffmpeg)
  [ -x /usr/bin/time ] || need+=(time)
  command -v bc >/dev/null || need+=(bc)
  if ((${#need[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

# Median wall-clock seconds of RUNS runs of a command.
median_time() {
  local times=()
  for _ in $(seq "$RUNS"); do
    local t0 t1
    t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# Peak resident memory of one run of a command, MiB.
peak_rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1 | awk '{printf "%.1f", $1/1024}'; }
