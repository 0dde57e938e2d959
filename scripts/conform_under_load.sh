#!/usr/bin/env bash
# The conformance suite against our own CLI server and client, as separate
# processes, while the machine is kept busy (two busy loops per core): a
# loaded CI machine is where a close frame lost to a TCP reset shows up, and
# where README's "every case strictly, every run" figures come from.
#   scripts/conform_under_load.sh [RUNS]    RUNS runs of each role (default 3)
# Prints the overall line of every run and the cases that were not strict;
# exits 1 when any run was not 519/519 (server) or 502/502 (client).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-3}
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
    echo "conform_under_load.sh: RUNS must be a positive number, not '$runs'" >&2
    exit 2
fi
./scripts/setup.sh > /dev/null  # builds build/ (incremental)
cli=build/bin/sockscope-cli

work=$(mktemp -d)
busy=()
server=""
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
    kill "${busy[@]}" "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$cli" serve --port 0 --echo --deflate 2> "$work/serve.err" > /dev/null &
server=$!
port=""
for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on ws://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/serve.err")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "the server did not start: $(cat "$work/serve.err")" >&2; exit 1; }

for _ in $(seq $((2 * $(nproc)))); do
    (while :; do :; done) &
    busy+=($!)
done
echo "load: ${#busy[@]} busy loops on $(nproc) cores"

failed=0
# One conformance run: prints its overall line and the cases that did not pass.
run() {
    local label=$1 expected=$2
    shift 2
    local out="$work/run.txt"
    timeout 900 "$cli" conform "$@" > "$out" 2>&1 || true
    local overall
    overall=$(grep '^overall' "$out" || echo "overall: no result")
    echo "$label: $overall"
    grep -E '^[0-9.]+ +(non-strict|fail) ' "$out" || true
    [[ "$overall" == *"$expected cases: $expected pass"* ]] || failed=1
}
for i in $(seq "$runs"); do
    run "server run $i" 519 "ws://127.0.0.1:$port/"
done
for i in $(seq "$runs"); do
    run "client run $i" 502 --serve 0 -- "$cli" connect --echo --deflate
done
exit $failed
