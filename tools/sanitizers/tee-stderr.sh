#!/usr/bin/env bash
# The engine for `make test-asan-e2e` (VERDICT_BIN): runs build-asan/verdict (VERDICT_SANITIZED_BIN)
# in this process's place and appends a copy of its standard error to VERDICT_SANITIZER_LOG.
# A test sees the same exit status and stderr, yet a sanitizer report in a run whose failure a test
# expects or ignores (a torchrun rank, `returncode != 0`) is still in the log, which the make target
# searches after the suite.
exec "${VERDICT_SANITIZED_BIN:?}" "$@" 2> >(tee -a "${VERDICT_SANITIZER_LOG:?}" >&2)
