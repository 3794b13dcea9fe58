# verdict: front door. `make demo` and `make test` run whatever setup is missing first.
JOBS ?= $(shell nproc)

.PHONY: setup build test test-cpp test-python test-python-portable test-asan demo format generate \
  clean wheel test-wheel

setup:
	@tools/setup.sh

build: setup
	@cmake --build build -j $(JOBS)

test-cpp: build
	cd build && ctest --output-on-failure -j $(JOBS)

test-python: build
	.venv/bin/python -m pytest -q tests python/tests

# The end-to-end suite again with other ATen CPU kernels, which change the last bits of float32
# model outputs as another CPU would (docs/testing.md).
VERDICT_CPU_CAPABILITIES ?= default
test-python-portable: build
	@for capability in $(VERDICT_CPU_CAPABILITIES); do \
	  echo "e2e with ATEN_CPU_CAPABILITY=$$capability"; \
	  ATEN_CPU_CAPABILITY=$$capability .venv/bin/python -m pytest -q tests/e2e || exit 1; \
	done

# The wheel (pyproject.toml, scikit-build-core) into build-wheel/dist; build-wheel/ keeps the CMake
# build, so a rebuild is incremental. Built against this environment's torch and pyarrow.
WHEEL_DIR := build-wheel/dist
WHEEL_CMAKE_ARGS := $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache)
wheel: setup
	rm -rf $(WHEEL_DIR)
	CMAKE_ARGS="$(WHEEL_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) \
	  .venv/bin/pip wheel -q --disable-pip-version-check --no-build-isolation --no-deps -w $(WHEEL_DIR) .

# The wheel installed with its onnx extra (and the pinned torch, pyarrow, numpy, pandas) into a
# scratch virtual environment outside the clone, and python/tests/wheel_smoke.py run there from
# that folder.
test-wheel: wheel
	@scratch=$$(mktemp -d /tmp/verdict-wheel-XXXXXX) && trap 'rm -rf "$$scratch"' EXIT && \
	  "$$(.venv/bin/python -c 'import sys; print(sys._base_executable)')" -m venv "$$scratch/venv" && \
	  wheel=$$(ls $(WHEEL_DIR)/verdict-*.whl) && \
	  "$$scratch/venv/bin/pip" install -q --disable-pip-version-check -c requirements.txt pandas \
	    "$$wheel[onnx]" && \
	  cp python/tests/wheel_smoke.py "$$scratch/" && cd "$$scratch" && \
	  env -u VERDICT_BIN -u PYTHONPATH venv/bin/python wheel_smoke.py $(CURDIR)

test: test-cpp test-python test-python-portable test-wheel

# The C++ suites built with AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/ (the
# asan presets in CMakePresets.json, which also hold the ASAN_OPTIONS/UBSAN_OPTIONS that make any
# finding fail its test; docs/testing.md, Sanitizers). Slow, so not part of `make test`.
test-asan: setup
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# Each libFuzzer target (fuzz/) for FUZZ_SECONDS on its seed corpus, two at a time; any crash,
# leak, timeout or broken invariant fails (docs/testing.md, Fuzzing). Built with clang, ASan and
# UBSan in build-fuzz/ (the fuzz presets), without LibTorch.
FUZZ_SECONDS ?= 60
.PHONY: fuzz-smoke
fuzz-smoke: setup
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)
	fuzz/run.sh -t $(FUZZ_SECONDS) -j 2
test: fuzz-smoke

# The e2e suite against the ASan+UBSan binaries build-asan/verdict and verdict-model (the asan
# preset); the Python side and its engine module stay those of build/. Any sanitizer report
# fails its test: it exits 86 and adds stderr lines. tools/sanitizers/tee-stderr.sh copies every
# run's stderr into SANITIZER_LOG, searched afterwards for reports in runs whose failure a test
# expects. Slow, so not part of `make test` (docs/testing.md, Sanitizers).
SANITIZER_LOG = build-asan/e2e-stderr.log
.PHONY: test-asan-e2e
test-asan-e2e: build
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS) --target verdict verdict-model
	rm -f $(SANITIZER_LOG)
	VERDICT_BIN=$(CURDIR)/tools/sanitizers/tee-stderr.sh VERDICT_SANITIZED_BIN=$(CURDIR)/build-asan/verdict \
	  VERDICT_SANITIZER_LOG=$(CURDIR)/$(SANITIZER_LOG) \
	  ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:exitcode=86 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tools/sanitizers/lsan.supp:print_suppressions=0:exitcode=86 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=86 .venv/bin/python -m pytest -q tests/e2e
	! grep -n -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' $(SANITIZER_LOG)

# AOTInductor bundles end to end (tests/e2e/test_aoti.py; docs/bundle-format.md, backend aoti):
# each package is a C++ compile. `make test` runs the tabular bundle (one program); this also runs
# the bimodal text bundle (three programs, about 3 minutes on a busy 2-core machine).
.PHONY: test-aoti
test-aoti: build
	VERDICT_TEST_AOTI=1 .venv/bin/python -m pytest -q tests/e2e/test_aoti.py

# The CUDA build in build-cuda/ (VERDICT_CUDA ON), which compiles on a machine without a GPU or
# CUDA toolkit: the CUDA torch wheel and the CUDA compiler wheels go into a virtual environment
# outside the clone (CUDA_ENV; GBs), which CMake takes torch and the CUDA toolkit from
# (tools/setup.sh cuda-env). The CUDA libraries LibTorch loads (cuBLAS, cuDNN, NCCL, ...) are not
# installed there, so the binaries link with --allow-shlib-undefined and run only where they are
# (a GPU machine; bench/gpu/check.sh builds there). CUDA_ARCH names the GPU architectures, which
# Torch's CMake would otherwise detect by running a CUDA program (9.0: Hopper).
CUDA_ENV ?= /tmp/verdict-cuda
CUDA_ARCH ?= 9.0
.PHONY: build-cuda
build-cuda: setup
	@toolkit=$$(tools/setup.sh cuda-env $(CUDA_ENV) | tail -1) && \
	  cmake -S . -B build-cuda -G Ninja -DCMAKE_BUILD_TYPE=Release -DVERDICT_CUDA=ON \
	    -DVERDICT_BUILD_TESTS=OFF -DVERDICT_PYTHON_MODULE=OFF \
	    -DVERDICT_PYTHON=$(CUDA_ENV)/venv/bin/python -DCUDAToolkit_ROOT=$$toolkit \
	    -DCUDA_TOOLKIT_ROOT_DIR=$$toolkit -DCMAKE_CUDA_COMPILER=$$toolkit/bin/nvcc \
	    -DTORCH_CUDA_ARCH_LIST=$(CUDA_ARCH) -DCMAKE_EXE_LINKER_FLAGS=-Wl,--allow-shlib-undefined \
	    $(WHEEL_CMAKE_ARGS)
	cmake --build build-cuda -j $(JOBS) --target verdict verdict-model

demo: build
	.venv/bin/python -m verdict.examples.demo --out demo-out

# clang-format (.clang-format: Google style, 100 columns) on the C++ sources git tracks, except the
# generated tables (tests/test_format.py checks the same files).
format:
	git ls-files 'src/*.cc' 'src/*.h' 'fuzz/*.cc' 'fuzz/*.h' 'bench/*.cc' 'bench/*.h' \
	  | grep -v '/generated/' | xargs clang-format -i

# Rewrites src/<stage>/generated/ from the pinned Python packages (tests/test_generated.py checks
# that the committed files are what this writes).
generate: setup
	.venv/bin/python tools/generate/all.py

clean:
	rm -rf build build-wheel demo-out
