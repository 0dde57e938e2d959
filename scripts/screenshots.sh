#!/usr/bin/env bash
# Takes README's screenshots of the real window: the inspector on the bundled
# sample capture under a virtual X display (Xvfb, 1600x1000), driven with
# xdotool as a person would (clicks on rows and tabs), captured with
# ImageMagick into docs/screenshots/. Installs xvfb, xdotool and imagemagick
# when missing. The click positions match the first-start layout at that
# screen size; if the layout changes, look at the PNGs and adjust them here.
set -euo pipefail
cd "$(dirname "$0")/.."

# Runs inside the virtual display.
drive() {
    local out=$1
    build/bin/sockscope resources/sample.pcapng &
    app_pid=$!
    trap 'kill $app_pid 2>/dev/null || true' EXIT
    local wid=""
    for _ in $(seq 50); do  # at most 10 s for the window
        wid=$(xdotool search --onlyvisible --name "Sockscope" 2>/dev/null | head -1 || true)
        [ -n "$wid" ] && break
        sleep 0.2
    done
    [ -n "$wid" ] || { echo "the window did not appear" >&2; return 1; }
    sleep 1
    xdotool windowfocus "$wid"
    click() { xdotool mousemove "$1" "$2" click 1; sleep 0.6; }
    click 600 265  # message 3: compressed JSON
    click 151 653  # Details > Content
    import -window root "$out/main.png"
    click 600 245  # message 2: a masked text frame
    click 91 653   # Details > Hex
    import -window root "$out/hex.png"
    click 115 47   # connection 1
    click 111 607  # Handshake
    import -window root "$out/handshake.png"
}

if [ "${1:-}" = "--inside" ]; then
    drive "$2"
    exit
fi

./scripts/setup.sh
missing=()
for p in xvfb xdotool imagemagick; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
out=docs/screenshots
mkdir -p "$out"
config=$(mktemp -d)  # a first start: no saved window state
trap 'rm -rf "$config"' EXIT
XDG_CONFIG_HOME=$config xvfb-run -a -s '-screen 0 1600x1000x24' "$0" --inside "$out"
echo "screenshots in $out/"
