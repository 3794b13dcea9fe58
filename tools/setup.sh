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
# Development install of python/ (python/pyproject.toml): the engine module and binaries come from
# build/ (or $VERDICT_BIN's folder); the wheel with the engine inside is `make wheel`.
package_stamp=.venv/.verdict-python-package
if ! cmp -s python/pyproject.toml "$package_stamp" || ! .venv/bin/python -c "import verdict.export" 2>/dev/null; then
  echo "setup: installing the verdict Python package (editable)"
  .venv/bin/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e python
  cp python/pyproject.toml "$package_stamp"
fi

if [[ ! -f build/build.ninja ]]; then
  echo "setup: configuring build/"
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > build-configure.log 2>&1 \
    || { cat build-configure.log; exit 1; }
  rm -f build-configure.log
fi
