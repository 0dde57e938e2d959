#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan/UBSan in build-fuzz/ and runs
# one of them: scripts/fuzz.sh [target] [seconds]   (default: fuzz_endpoint, 60 s)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-fuzz_endpoint}
seconds=${2:-60}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSOCKSCOPE_SANITIZE=ON -DSOCKSCOPE_FUZZ=ON -DSOCKSCOPE_BUILD_BENCH=OFF > /dev/null
cmake --build build-fuzz --target "$target" -j"$(nproc)"
corpus=build-fuzz/corpus/$target
mkdir -p "$corpus"
seeds=tests/fuzz/corpus/$target
[ -d "$seeds" ] || seeds=
build-fuzz/tests/fuzz/$target -max_total_time="$seconds" -max_len=65536 "$corpus" $seeds
