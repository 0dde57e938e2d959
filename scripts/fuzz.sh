#!/usr/bin/env bash
# Builds the libFuzzer targets (clang with ASan + UBSan: CMake preset `fuzz`,
# in build-fuzz/) and runs them:
#   scripts/fuzz.sh all SECONDS         every target in turn, SECONDS each
#   scripts/fuzz.sh TARGET [SECONDS]    one target (default 60 s)
# Each target grows a working corpus in build-fuzz/corpus/<target>, starting
# from the seeds in tests/fuzz/corpus/<target>. A finding (crash, sanitizer
# report, failed check, leak, timeout, out of memory) is saved under
# build-fuzz/findings/<target>/ and makes the script exit 1 after the other
# targets have run. Reproduce one with: build-fuzz/tests/fuzz/<target> FILE
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(fuzz_frame_reader fuzz_handshake fuzz_inflate fuzz_endpoint fuzz_dissector
         fuzz_capture_records fuzz_key_log fuzz_tls_records)
# Longest input per target: room for many frames, messages or packets, and
# for fuzz_handshake a head past the 16 KiB default limit.
declare -A max_len=(
    [fuzz_frame_reader]=65536 [fuzz_handshake]=20000 [fuzz_inflate]=65536
    [fuzz_endpoint]=65536 [fuzz_dissector]=131072 [fuzz_capture_records]=65536
    [fuzz_key_log]=16384 [fuzz_tls_records]=65536)

what=${1:-fuzz_endpoint}
seconds=${2:-60}
if [ "$what" = all ]; then
    selected=("${targets[@]}")
elif [[ -v "max_len[$what]" ]]; then
    selected=("$what")
else
    echo "fuzz.sh: unknown target '$what' (all, ${targets[*]})" >&2
    exit 2
fi
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz.sh: SECONDS must be a positive number, not '$seconds'" >&2
    exit 2
fi

./scripts/setup.sh --with-fuzzing --packages-only > /dev/null
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
cmake --preset fuzz -DSOCKSCOPE_WERROR="$werror" > /dev/null
cmake --build --preset fuzz -j"$(nproc)"

mkdir -p build-fuzz/logs
failed=()
printf '%-22s %12s %8s %8s %7s  %s\n' target runs cov ft seconds result
for target in "${selected[@]}"; do
    corpus=build-fuzz/corpus/$target
    findings=build-fuzz/findings/$target
    log=build-fuzz/logs/$target.log
    mkdir -p "$corpus" "$findings"
    start=$(date +%s)
    status=0
    build-fuzz/tests/fuzz/"$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
        -max_len="${max_len[$target]}" -timeout=30 -print_final_stats=1 \
        -artifact_prefix="$findings/" "$corpus" "tests/fuzz/corpus/$target" > "$log" 2>&1 ||
        status=$?
    elapsed=$(($(date +%s) - start))
    # libFuzzer's last status line: "#RUNS <event> cov: N ft: N corp: ...".
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 || true)
    runs=$(grep -oE '^stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' ||
           grep -oE '^#[0-9]+' <<< "$last" | tr -d '#' || echo '?')
    cov=$(grep -oE 'cov: [0-9]+' <<< "$last" | grep -oE '[0-9]+' || echo '?')
    ft=$(grep -oE 'ft: [0-9]+' <<< "$last" | grep -oE '[0-9]+' || echo '?')
    if [ "$status" -eq 0 ]; then
        result="no finding"
    else
        artifact=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -n 1 | cut -d' ' -f5 || true)
        result="FINDING: ${artifact:-exit status $status} (log: $log)"
        failed+=("$target")
    fi
    printf '%-22s %12s %8s %8s %7s  %s\n' "$target" "$runs" "$cov" "$ft" "$elapsed" "$result"
done
if ((${#failed[@]})); then
    echo "fuzz.sh: findings in ${failed[*]}" >&2
    exit 1
fi
