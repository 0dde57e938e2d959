#!/usr/bin/env bash
# Builds with AddressSanitizer + UndefinedBehaviorSanitizer (GCC, Debug: the
# CMake preset `asan`, in build-asan/) and runs the whole test suite there.
# Arguments go to ctest, e.g. scripts/sanitize.sh -R core.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --with-test-peers --packages-only > /dev/null
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
cmake --preset asan -DSOCKSCOPE_WERROR="$werror" > /dev/null
cmake --build --preset asan -j"$(nproc)"
ctest --preset asan -j"$(nproc)" "$@"
