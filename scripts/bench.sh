#!/usr/bin/env bash
# Builds the benchmark programs in build/ and runs them, printing the figures.
# Benchmarks print numbers and never fail on time; they are not part of ctest.
#
#   scripts/bench.sh                 # bench_codec, then bench_echo
#   scripts/bench.sh --quick codec   # rough numbers, one program
#   scripts/bench.sh dissector       # generated captures (1 GB mixed, 128 MB small
#                                    # messages): dissector, CLI, tshark (--quick: 64 + 16 MB)
#   scripts/bench.sh gui             # the inspector on a 1 GB capture: first rows, indexing,
#                                    # memory per frame, filters, scrolling, tshark -2 (--quick: 64 MB)
#   scripts/bench.sh tls             # generated wss:// captures (256 MB TLS 1.3, 128 MB TLS 1.2)
#                                    # with key logs: CLI --keylog vs tshark (--quick: 32 + 16 MB)
#
# Run on an otherwise idle machine: both programs print the load average, and
# bench_echo pins the server and the load generator to different CPUs.
# SOCKSCOPE_BUILD_DIR selects another configured build directory (default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${SOCKSCOPE_BUILD_DIR:-build}"

quick=()
which=()
for arg in "$@"; do
    case "$arg" in
        --quick) quick=(--quick) ;;
        codec | echo | dissector | gui | tls) which+=("$arg") ;;
        *) echo "usage: scripts/bench.sh [--quick] [codec] [echo] [dissector] [gui] [tls]" >&2; exit 2 ;;
    esac
done
((${#which[@]})) || which=(codec echo)

if [ ! -f "$build/build.ninja" ]; then
    [ "$build" = build ] || { echo "$build is not a configured build directory" >&2; exit 2; }
    ./scripts/setup.sh  # installs missing packages, configures and builds build/
fi
targets=(bench_codec bench_echo bench_qt_echo_server bench_dissector bench_gui bench_tls)
if cmake --build "$build" --target help | grep '^sockscope-cli:' > /dev/null; then
    targets+=(sockscope-cli)
fi
cmake --build "$build" --target "${targets[@]}" -j"$(nproc)"

status=0
for program in "${which[@]}"; do
    echo
    if [ "$program" = dissector ]; then
        # --quick means a smaller capture here.
        size=(); ((${#quick[@]})) && size=(--size-mb 64 --small-size-mb 16)
        "$build/tests/bench/bench_dissector" "${size[@]}" || status=$?
        continue
    fi
    if [ "$program" = tls ]; then
        size=(); ((${#quick[@]})) && size=(--size-mb 32 --tls12-size-mb 16)
        "$build/tests/bench/bench_tls" "${size[@]}" || status=$?
        continue
    fi
    if [ "$program" = gui ]; then
        size=(); ((${#quick[@]})) && size=(--size 64)
        QT_QPA_PLATFORM=offscreen "$build/tests/bench/bench_gui" "${size[@]}" || status=$?
        continue
    fi
    "$build/tests/bench/bench_$program" "${quick[@]}" || status=$?
done
exit "$status"
