#!/usr/bin/env bash
# Installs what is missing, builds in build/, then opens the inspector on the
# bundled sample capture (resources/sample.pcapng). Pass a capture file to
# open that instead, or `--cli ARGS...` to run sockscope-cli.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
if [ "${1:-}" = "--cli" ]; then
    shift
    exec build/bin/sockscope-cli "$@"
fi
capture=${1:-resources/sample.pcapng}
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    cat >&2 <<'MSG'
No display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window
cannot open here. On a machine without a desktop, try the CLI instead:
    ./run.sh --cli read resources/sample.pcapng
or run the window on a virtual display:
    xvfb-run -s '-screen 0 1600x1000x24' build/bin/sockscope resources/sample.pcapng
MSG
    exit 1
fi
exec build/bin/sockscope "$capture"
