#!/usr/bin/env bash
# Installs what is missing, builds in build/, runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh --with-test-peers
ctest --test-dir build --output-on-failure --timeout 900 -j"$(nproc)" "$@"
