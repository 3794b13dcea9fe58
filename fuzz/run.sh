#!/usr/bin/env bash
# Runs the fuzz targets of build-fuzz/ (cmake --preset fuzz) on their seed corpora and fails when
# any of them finds a crash, a leak, a timeout or a broken invariant (docs/testing.md, Fuzzing).
#
#   fuzz/run.sh [-t SECONDS] [-n RUNS] [-j PARALLEL] [TARGET...]
#
# -t: seconds per target (default 60); -n: stop a target after this many executions instead;
# -j: targets run at once (default 2). Without TARGETs every fuzz_* binary of the build runs.
# New inputs go to build-fuzz/corpus/TARGET (the committed seeds under fuzz/corpus stay as they
# are), findings to build-fuzz/artifacts/, each target's log to build-fuzz/logs/TARGET.log.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${VERDICT_FUZZ_BUILD:-build-fuzz}
# The targets write their inputs as files: in memory when /dev/shm is there.
[[ -z ${TMPDIR:-} && -d /dev/shm ]] && export TMPDIR=/dev/shm
seconds=60 runs=-1 parallel=2
while getopts "t:n:j:" opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    n) runs=$OPTARG seconds=0 ;;
    j) parallel=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
if ((${#targets[@]} == 0)); then
  for binary in "$BUILD"/fuzz/fuzz_*; do targets+=("$(basename "$binary")"); done
fi
mkdir -p "$BUILD/logs" "$BUILD/artifacts"

# One target: exit status of libFuzzer, then a summary line from its final stats.
run_one() {
  local target=$1 log="$BUILD/logs/$1.log"
  mkdir -p "$BUILD/corpus/$target"
  local status=0 flags=()
  # Arrow's I/O pool allocates on its own threads, so every fuzz_csv input looked like a leak to
  # libFuzzer's per-input check, a full LSan scan that halved its speed; LSan still checks at exit.
  [[ $target == fuzz_csv ]] && flags+=(-detect_leaks=0)
  "$BUILD/fuzz/$target" -max_total_time="$seconds" -runs="$runs" -timeout=30 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$target-" \
    "${flags[@]}" "$BUILD/corpus/$target" "fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  local executions speed
  executions=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  speed=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
  if ((status != 0)); then
    echo "FAIL $target (exit $status; $log):"
    grep -E "ERROR|SUMMARY|invariant|Test unit written" "$log" | head -5 || tail -5 "$log"
    return 1
  fi
  echo "ok   $target: ${executions:-?} executions, ${speed:-?} exec/s"
}

failed=0
for target in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= parallel)); do wait -n || failed=1; done
  run_one "$target" &
done
while (($(jobs -rp | wc -l) > 0)); do wait -n || failed=1; done
exit $failed
