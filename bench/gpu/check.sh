#!/usr/bin/env bash
# The GPU check of issue 10 item 5, one prepared run on a GPU machine (the device tool's H200: a
# bare machine that reaches nothing outside, with its own python3 holding a CUDA torch, nvcc,
# cmake and ninja). In under 5 minutes it
#   1. builds verdict there against that python3's torch (Release, -j16, no tests, no Python
#      module): a CUDA build (VERDICT_CUDA ON);
#   2. parity: `verdict eval` of each carried example bundle with --device cuda and --device cpu,
#      max |dp| between the two predictions files <= 1e-4 (fp32);
#   3. throughput: rows/s of the text example on the GPU, in fp32 and, when the engine has
#      --precision, bf16 (the log's "predicted N rows in S s");
# and writes its results under $OUT (default bench/gpu/out): check.txt (one line per check,
# PASS/FAIL), results.json, runs.log (the runs' logs) and build.log; the predictions stay in
# /tmp/verdict-gpu-check (the device tool brings back 8 files). It stops early, and says what is
# missing, when a piece is missing.
#
# Usage:
#   bench/gpu/check.sh --prepare          here, once: the example bundles and their data into
#                                         bench/gpu/carry/ (ignored by git; carry it), with the
#                                         Debian packages the build needs that a CUDA image lacks
#   bench/gpu/check.sh                    there: device run, carry=["bench/gpu/carry"]
#   bench/gpu/check.sh --cpu-only --bin build-g   here: the same steps on the CPU with a built
#                                         engine (a dry run of everything but the GPU)
# Options: --bin DIR (use DIR/verdict, build nothing), --jobs N, --rows N (--prepare: the rows of
# the throughput data, default 2000).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CARRY=$ROOT/bench/gpu/carry
OUT=${OUT:-$ROOT/bench/gpu/out}
CPU_ONLY=0 PREPARE=0 BIN_DIR="" JOBS=16 ROWS=2000 DEPS_LIB=""
while (($#)); do
  case $1 in
    --cpu-only) CPU_ONLY=1 ;;
    --prepare) PREPARE=1 ;;
    --bin) BIN_DIR=$2; shift ;;
    --jobs) JOBS=$2; shift ;;
    --rows) ROWS=$2; shift ;;
    *) echo "check.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
WORK=/tmp/verdict-gpu-check
mkdir -p "$OUT" "$WORK"
: >"$OUT/check.txt"
: >"$OUT/runs.log"
started=$(date +%s)
say() { echo "[check $(($(date +%s) - started))s] $*" | tee -a "$OUT/check.txt"; }
fail() { say "FAIL: $*"; exit 1; }

# ---- here: the example bundles and the packages to carry ----------------------------------------
# Debian packages (headers and libraries) the build needs and a CUDA image may lack: the JSON
# headers and CMake package, and cairo and libjpeg with the libraries cairo loads.
DEBS=(nlohmann-json3-dev libcairo2 libcairo2-dev libjpeg62-turbo libjpeg62-turbo-dev libpixman-1-0
  libfontconfig1 libfreetype6 libpng16-16 libxcb1 libxcb-render0 libxcb-shm0 libx11-6 libxext6
  libxrender1 libxau6 libxdmcp6 libbsd0 libbrotli1 libexpat1 libmd0)
if ((PREPARE)); then
  engine=${VERDICT_BIN:-$ROOT/build/verdict}
  [[ -x $engine ]] || fail "no engine at $engine (set VERDICT_BIN)"
  rm -rf "$CARRY" && mkdir -p "$CARRY/debs"
  grep -qx '/bench/gpu/carry/' .git/info/exclude 2>/dev/null || echo '/bench/gpu/carry/' >> .git/info/exclude
  grep -qx '/bench/gpu/out/' .git/info/exclude 2>/dev/null || echo '/bench/gpu/out/' >> .git/info/exclude
  VERDICT_BIN=$engine .venv/bin/python - "$CARRY" "$engine" "$ROWS" <<'EOF'
import pathlib, shutil, sys
from verdict.examples.demo import run_task
from verdict.examples.dialogue_data import make_orders
carry, engine, rows = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
work = carry.parent / "prepare-work"
for task in ("binary", "bimodal"):
    run_task(task, work, engine)
    shutil.copytree(work / task / "bundle", carry / task / "bundle")
    data = next((work / "data" / task).glob("eval.*"))
    shutil.copy(data, carry / task / data.name)
make_orders(rows, seed=3).to_parquet(carry / "bimodal" / "throughput.parquet", index=False)
shutil.rmtree(work)
EOF
  (cd "$CARRY/debs" && apt-get download "${DEBS[@]}" >/dev/null &&
    for deb in *%3a*; do mv "$deb" "${deb//%3a/-}"; done)  # epochs ("1:2.1.5") in the names
  say "prepared $(du -sh "$CARRY" | cut -f1) in $CARRY: carry it (at most 64 MiB)"
  exit 0
fi

# ---- the pieces, checked before anything runs -----------------------------------------------------
missing=()
for task in binary bimodal; do
  [[ -d $CARRY/$task/bundle ]] || missing+=("example bundle $CARRY/$task/bundle (run --prepare here, carry bench/gpu/carry)")
done
# The machine's python3 (its torch is what the build links); here, the project's .venv.
PYTHON=${PYTHON:-$(command -v python3 || true)}
((!CPU_ONLY)) || [[ ! -x .venv/bin/python ]] || PYTHON=$ROOT/.venv/bin/python
[[ -n $PYTHON ]] || missing+=("python3")
[[ -z $PYTHON ]] || "$PYTHON" -c "import pyarrow" 2>/dev/null || missing+=("pyarrow in $PYTHON")
if [[ -z $BIN_DIR ]]; then
  for tool in cmake ninja c++; do command -v $tool >/dev/null || missing+=("$tool"); done
  [[ -z $PYTHON ]] || "$PYTHON" -c "import torch" 2>/dev/null || missing+=("torch in $PYTHON")
fi
if ((!CPU_ONLY)); then
  nvidia-smi -L >/dev/null 2>&1 || missing+=("a GPU (nvidia-smi -L lists none)")
  [[ -z $PYTHON ]] || "$PYTHON" -c "import torch, sys; sys.exit(not torch.cuda.is_available())" 2>/dev/null ||
    missing+=("a CUDA torch that sees the GPU in $PYTHON")
fi
((${#missing[@]} == 0)) || fail "missing: $(printf '%s; ' "${missing[@]}")"
say "pieces present; $( ((CPU_ONLY)) && echo "CPU-only dry run" || nvidia-smi -L | head -1)"

# ---- 1. build ------------------------------------------------------------------------------------
if [[ -z $BIN_DIR ]]; then
  prefix=/tmp/verdict-gpu-deps
  # The carried packages only where the machine lacks one of them: their older libraries would
  # otherwise shadow its own. Their libraries are on LD_LIBRARY_PATH for the build and the
  # engine's runs alone (DEPS_LIB), not for python3.
  if compgen -G "$CARRY/debs/*.deb" >/dev/null &&
    { ! pkg-config --exists cairo 2>/dev/null || [[ ! -f /usr/include/jpeglib.h ]] ||
      [[ ! -f /usr/include/nlohmann/json.hpp ]]; }; then
    for deb in "$CARRY"/debs/*.deb; do dpkg -x "$deb" "$prefix"; done
    multiarch=$prefix/usr/lib/x86_64-linux-gnu
    export CMAKE_PREFIX_PATH=$prefix/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}
    export PKG_CONFIG_PATH=$multiarch/pkgconfig:$prefix/usr/share/pkgconfig
    DEPS_LIB=$multiarch
    export LIBRARY_PATH=$multiarch
    export CPATH=$prefix/usr/include:$prefix/usr/include/x86_64-linux-gnu:$prefix/usr/include/cairo
    # The .pc files say prefix=/usr; cairo.pc also names its private requirements' .pc files,
    # which the runtime-only packages lack.
    sed -i "s|^prefix=.*|prefix=$prefix/usr|" "$multiarch"/pkgconfig/*.pc
    sed -i '/^Requires.private/d' "$multiarch/pkgconfig/cairo.pc"
  fi
  BIN_DIR=$ROOT/build-gpu-check
  # TORCH_CUDA_ARCH_LIST: the GPU architecture, which Torch's CMake would otherwise detect by
  # building and running a CUDA program (9.0: the H200, Hopper).
  cuda_flag=$( ((CPU_ONLY)) && echo OFF || echo ON)
  cmake -S . -B "$BIN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVERDICT_PYTHON="$PYTHON" \
    -DVERDICT_BUILD_TESTS=OFF -DVERDICT_PYTHON_MODULE=OFF -DVERDICT_CUDA=$cuda_flag \
    -DTORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}" \
    >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; fail "configure (build.log)"; }
  LD_LIBRARY_PATH=$DEPS_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
    cmake --build "$BIN_DIR" -j "$JOBS" --target verdict verdict-model >>"$OUT/build.log" 2>&1 ||
    { grep -m5 -B2 -A5 'error' "$OUT/build.log" || tail -20 "$OUT/build.log"; fail "build (build.log)"; }
  say "built $BIN_DIR/verdict (VERDICT_CUDA $cuda_flag)"
fi
ENGINE=$BIN_DIR/verdict
[[ -x $ENGINE ]] || fail "no engine at $ENGINE"

# ---- 2. parity and 3. throughput -------------------------------------------------------------------
GPU=$( ((CPU_ONLY)) && echo cpu || echo cuda)
# eval_run NAME DEVICE TASK DATA [flags...]: one run; its predictions under $WORK/NAME, its log
# $WORK/NAME.log, appended to $OUT/runs.log.
eval_run() {
  local name=$1 device=$2 task=$3 data=$4; shift 4
  local dir=$WORK/$name
  mkdir -p "$dir"
  local status=0
  LD_LIBRARY_PATH=$DEPS_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$ENGINE" eval --model-dir "$CARRY/$task/bundle" --data "$data" --output-dir "$dir" \
    --metrics-dir "$dir/metrics" --device "$device" --no-plots "$@" 2>"$WORK/$name.log" || status=$?
  { echo "=== $name"; cat "$WORK/$name.log"; } >>"$OUT/runs.log"
  ((status == 0)) || fail "$name: $(tail -1 "$WORK/$name.log")"
}
precisions=(fp32)
help=$("$ENGINE" eval --help 2>&1 || true)
[[ $help != *--precision* ]] || precisions+=(bf16)
# Parity in fp32 on both sides: auto would pick bf16 on the GPU.
parity_flags=()
[[ ${#precisions[@]} -gt 1 ]] && parity_flags=(--precision fp32)
for task in binary bimodal; do
  data=$(ls "$CARRY/$task"/eval.*)
  eval_run "$task-cpu" cpu "$task" "$data" "${parity_flags[@]}"
  eval_run "$task-$GPU" "$GPU" "$task" "$data" "${parity_flags[@]}"
done
{ grep -h " INFO device: " "$WORK/bimodal-$GPU.log" || echo "no device facts in the log"; } |
  sed 's/^.*INFO //' | tee -a "$OUT/check.txt"
for precision in "${precisions[@]}"; do
  flags=()
  [[ ${#precisions[@]} -gt 1 ]] && flags=(--precision "$precision")
  eval_run "throughput-$precision" "$GPU" bimodal "$CARRY/bimodal/throughput.parquet" "${flags[@]}"
done
"$PYTHON" - "$OUT" "$WORK" "$GPU" "${precisions[@]}" <<'EOF' | tee -a "$OUT/check.txt"
import glob, json, pathlib, re, sys
import pyarrow.csv, pyarrow.parquet
out, work, gpu, precisions = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4:]
def probs(name):
    path = next(iter(glob.glob(str(work / name / "eval_predictions.*"))))
    table = pyarrow.parquet.read_table(path) if path.endswith(".parquet") else pyarrow.csv.read_csv(path)
    return [table.column(c).to_pylist() for c in table.column_names if c.startswith("prob_class_")]
results, ok = {"device": gpu, "parity": {}, "throughput": {}}, True
for task in ("binary", "bimodal"):
    cpu, other = probs(f"{task}-cpu"), probs(f"{task}-{gpu}")
    dp = max(abs(a - b) for ca, cb in zip(cpu, other) for a, b in zip(ca, cb))
    results["parity"][task] = dp
    ok &= dp <= 1e-4
    print(f"{'PASS' if dp <= 1e-4 else 'FAIL'}: parity {task}: max |dp| {gpu} vs cpu = {dp:.3g} (<= 1e-4)")
for precision in precisions:
    log = (work / f"throughput-{precision}.log").read_text()
    rows, seconds = map(float, re.search(r"predicted (\d+) rows in ([\d.]+) s", log).groups())
    results["throughput"][precision] = {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds}
    print(f"throughput bimodal {gpu} {precision}: {rows:.0f} rows in {seconds:.2f} s = {rows / seconds:.1f} rows/s")
(out / "results.json").write_text(json.dumps(results, indent=2))
sys.exit(0 if ok else 1)
EOF
say "done"
