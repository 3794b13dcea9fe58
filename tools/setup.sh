#!/usr/bin/env bash
# Idempotent setup for a fresh Debian 12 machine: apt packages, the project virtual environment
# (.venv, pinned by requirements.txt, plus the verdict Python package) and the CMake build tree.
# Each step is skipped when it is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git python3 python3-venv python3-dev
  libgtest-dev nlohmann-json3-dev
  libcairo2-dev libjpeg62-turbo-dev fonts-dejavu-core libexpat1-dev
  chromium
  libgloo-dev  # headers of the Gloo library inside libtorch_cpu (src/distributed: ProcessGroupGloo)
  clang libclang-rt-14-dev  # libFuzzer and the sanitizer runtimes (make fuzz-smoke, fuzz/)
  clang-format  # make format; tests/test_format.py
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing apt packages: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.verdict-requirements
if [[ ! -f $stamp ]] || ! cmp -s requirements.txt "$stamp"; then
  echo "setup: installing Python packages (requirements.txt)"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  cp requirements.txt "$stamp"
fi
# CUDA (issue 10 item 5): on a machine with a GPU (nvidia-smi -L lists one), or with VERDICT_CUDA=1,
# .venv gets torch==2.13.0 from PyPI's default index, which is the CUDA build (its CUDA libraries
# come as its dependencies), in place of the CPU wheel: the build then links the CUDA LibTorch and
# compiles the GPU-only code (VERDICT_CUDA in CMakeLists.txt). pip on the development machines is
# configured with a local CPU wheel of the same version (pip config list), which would win:
# --isolated leaves that configuration out. VERDICT_TORCH_INDEX names another index.
TORCH_INDEX=${VERDICT_TORCH_INDEX:-https://pypi.org/simple}
if [[ ${VERDICT_CUDA:-0} == 1 ]] || nvidia-smi -L >/dev/null 2>&1; then
  torch_version=$(.venv/bin/python -c "import importlib.metadata as m; print(m.version('torch'))")
  if [[ $torch_version == *+cpu ]]; then
    echo "setup: installing the CUDA torch wheel (torch==2.13.0 from $TORCH_INDEX)"
    .venv/bin/pip uninstall -q -y torch
    .venv/bin/pip install -q --isolated --index-url "$TORCH_INDEX" torch==2.13.0
  fi
fi

# Development install of python/ (python/pyproject.toml): the engine module and binaries come from
# build/ (or $VERDICT_BIN's folder); the wheel with the engine inside is `make wheel`.
package_stamp=.venv/.verdict-python-package
if ! cmp -s python/pyproject.toml "$package_stamp" || ! .venv/bin/python -c "import verdict.export" 2>/dev/null; then
  echo "setup: installing the verdict Python package (editable)"
  .venv/bin/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e python
  cp python/pyproject.toml "$package_stamp"
fi

# `tools/setup.sh cuda-env DIR` (make build-cuda): a virtual environment DIR/venv outside the clone
# for compiling the CUDA build on a machine without a GPU or CUDA toolkit: the CUDA torch wheel and
# the CUDA compiler, runtime and header wheels (nvcc, cudart, nvrtc, nvtx, cccl), without their
# runtime dependencies (cuBLAS, cuDNN, ...: GBs, and nothing here can run them); the project's
# .venv supplies the rest (pyarrow, nanobind) through a .pth file.
if [[ ${1:-} == cuda-env ]]; then
  env_dir=${2:?usage: tools/setup.sh cuda-env DIR}
  if [[ ! -x $env_dir/venv/bin/python ]]; then
    "$(.venv/bin/python -c 'import sys; print(sys._base_executable)')" -m venv "$env_dir/venv"
  fi
  site=$("$env_dir/venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  if [[ ! -d $site/torch/lib ]] || [[ ! -x $site/nvidia/cu13/bin/nvcc ]]; then
    echo "setup: the CUDA torch wheel and CUDA compiler wheels into $env_dir/venv"
    "$env_dir/venv/bin/pip" install -q --isolated --no-deps --ignore-installed \
      --index-url "$TORCH_INDEX" torch==2.13.0
    "$env_dir/venv/bin/pip" install -q --no-deps --ignore-installed nvidia-cuda-nvcc \
      nvidia-cuda-runtime nvidia-cuda-crt nvidia-nvvm nvidia-cuda-cccl nvidia-cuda-nvrtc nvidia-nvtx
  fi
  .venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])" > "$site/verdict-base.pth"
  # CMake's FindCUDAToolkit looks for the unversioned names; the wheels ship libX.so.13 only.
  for lib in "$site"/nvidia/cu13/lib/lib*.so.[0-9]*; do
    ln -sf "$(basename "$lib")" "${lib%%.so.*}.so"
  done
  echo "$site/nvidia/cu13"
  exit 0
fi

if [[ ! -f build/build.ninja ]]; then
  echo "setup: configuring build/"
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > build-configure.log 2>&1 \
    || { cat build-configure.log; exit 1; }
  rm -f build-configure.log
fi
