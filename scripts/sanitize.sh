#!/usr/bin/env bash
# Builds with AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/ and
# runs the test suite there (not part of ./test.sh: it doubles the build time).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh > /dev/null
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSOCKSCOPE_SANITIZE=ON \
      -DSOCKSCOPE_BUILD_BENCH=OFF > /dev/null
cmake --build build-asan -j"$(nproc)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j"$(nproc)" "$@"
