# verdict: front door. `make demo` and `make test` run whatever setup is missing first.
JOBS ?= $(shell nproc)

.PHONY: setup build test test-cpp test-python demo format generate clean

setup:
	@tools/setup.sh

build: setup
	@cmake --build build -j $(JOBS)

test-cpp: build
	cd build && ctest --output-on-failure -j $(JOBS)

test-python: build
	.venv/bin/python -m pytest -q tests python/tests

test: test-cpp test-python

demo: build
	.venv/bin/python -m verdict.examples.demo --out demo-out

format:
	find src bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

# Rewrites src/<stage>/generated/ from the pinned Python packages (tests/test_generated.py checks
# that the committed files are what this writes).
generate: setup
	.venv/bin/python tools/generate/all.py

clean:
	rm -rf build demo-out
