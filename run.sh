#!/usr/bin/env bash
# Installs what is missing, builds in build/, then starts the main job. Until
# the desktop inspector lands this is an echo server on loopback that any
# WebSocket client (a browser, python3-websockets, `sockscope-cli connect`)
# can talk to; pass other sockscope-cli arguments to run something else.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
cli=build/bin/sockscope-cli
if (($# == 0)); then
    cat <<'MSG'

Sockscope echo server on ws://127.0.0.1:9001/ (permessage-deflate on, every
frame printed with -v). Try, in another terminal:
    build/bin/sockscope-cli connect ws://127.0.0.1:9001/
and type lines; each comes back as a text message. Ctrl-C stops the server.

MSG
    exec "$cli" serve --port 9001 --echo --deflate -v
fi
exec "$cli" "$@"
