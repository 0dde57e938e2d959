#!/usr/bin/env bash
# Takes README's screenshots of the real window: the inspector on the bundled
# sample capture under a virtual X display (Xvfb, 1600x1000), driven with
# xdotool as a person would (clicks on rows and tabs), captured with
# ImageMagick into docs/screenshots/ (the console too, against a
# `sockscope-cli serve --echo` on port 39301, its conformance tab against
# python3-websockets on port 39302, and a wss:// capture made by
# scripts/make_tls_capture.py). Installs xvfb, xdotool, imagemagick and
# openssl when missing. The click positions match the first-start layout at that
# screen size; if the layout changes, look at the PNGs and adjust them here.
set -euo pipefail
cd "$(dirname "$0")/.."

# Waits (at most 10 s) for the inspector's window and focuses it; `wid`
# stays set for the steps that come back to that window (the conformance tab).
focus_main_window() {
    wid=""
    for _ in $(seq 50); do
        wid=$(xdotool search --onlyvisible --name "Sockscope" 2>/dev/null | head -1 || true)
        [ -n "$wid" ] && break
        sleep 0.2
    done
    [ -n "$wid" ] || { echo "the window did not appear" >&2; return 1; }
    sleep 1
    xdotool windowfocus "$wid"
}

# Runs inside the virtual display.
drive() {
    local out=$1
    build/bin/sockscope resources/sample.pcapng &
    app_pid=$!
    trap 'kill $app_pid 2>/dev/null || true' EXIT
    focus_main_window || return 1
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
    console "$out"
    conformance "$out"
    tls "$out"
}

# The conformance tab: the whole suite against Debian's python3-websockets
# (tests/session/peers/echo_server.py, which serves until its stdin closes:
# a coprocess holds it open), only the cases that did not pass listed, one
# case's frames opened.
conformance() {
    local out=$1
    coproc PEER { exec /usr/bin/python3 tests/session/peers/echo_server.py --port 39302 \
        --compression deflate >/dev/null; }
    peer_pid=$PEER_PID
    trap 'kill $app_pid $peer_pid 2>/dev/null || true' EXIT
    sleep 1
    typein() { xdotool type --delay 5 "$1"; }
    xdotool windowfocus "$wid"
    xdotool key ctrl+shift+t  # Console > Run Conformance Tests (a new console tab)
    sleep 1.5
    click 280 124  # Server URL
    typein "ws://127.0.0.1:39302/"
    click 280 229  # Case timeout: 2 s (a few cases wait it out)
    xdotool key ctrl+a
    typein 2
    click 45 270   # Start
    sleep 75       # the run: about 45 s
    click 485 66   # Show only cases that did not pass
    click 505 112  # the first row's Case column ...
    typein "3.8.4" # ... and its keyboard search: a valid message, then one with RSV1
    sleep 0.5
    click 700 511  # the server's close
    import -window root "$out/conformance.png"
    kill $peer_pid 2>/dev/null || true
}

# wss://: a chat inside TLS 1.3 made by scripts/make_tls_capture.py, which
# Sockscope decrypts with the key log the pcapng carries; the handshake pane
# with its TLS section.
tls() {
    local out=$1
    kill $app_pid 2>/dev/null || true
    wait $app_pid 2>/dev/null || true
    tls_dir=$(mktemp -d)
    python3 scripts/make_tls_capture.py "$tls_dir/wss.pcapng"
    build/bin/sockscope "$tls_dir/wss.pcapng" &
    app_pid=$!
    trap 'kill $app_pid 2>/dev/null || true; rm -rf "$tls_dir"' EXIT
    focus_main_window || return 1
    click 115 47   # connection 1
    click 111 607  # Handshake
    import -window root "$out/tls.png"
}

# The console: a client tab talking to `sockscope-cli serve --echo`, its raw
# frame mode, then a server tab with that client connected.
console() {
    local out=$1
    build/bin/sockscope-cli serve --port 39301 --echo 2>/dev/null &
    serve_pid=$!
    trap 'kill $app_pid $serve_pid 2>/dev/null || true' EXIT
    sleep 0.5
    typein() { xdotool type --delay 5 "$1"; }
    xdotool key ctrl+shift+n  # Console > New Client Session
    sleep 1.5
    click 400 93   # URL
    typein "ws://127.0.0.1:39301/chat"
    xdotool key Return
    sleep 1.5
    click 200 500  # the composer
    typein "Hello from the Sockscope console"
    xdotool key ctrl+Return
    sleep 0.5
    xdotool key ctrl+a
    typein '{"type":"subscribe","channel":"prices","symbols":["BTC","ETH"]}'
    xdotool key ctrl+Return
    sleep 0.5
    xdotool key ctrl+a
    typein "A longer text message sent as three fragments"
    click 400 396  # Fragments
    xdotool key ctrl+a
    typein 3
    click 200 500
    xdotool key ctrl+Return
    sleep 1.2
    click 1037 279  # message 3: the JSON
    click 804 608   # Details > Content
    import -window root "$out/console.png"
    click 126 371   # Raw Frame
    click 346 357   # Preset
    click 143 380   # Unmasked client frame
    click 601 859   # Send Raw
    sleep 1.5
    click 1037 379  # message 8: the server's close 1002
    click 744 608   # Details > Hex
    import -window root "$out/console-raw.png"
    kill $serve_pid 2>/dev/null || true
}

if [ "${1:-}" = "--inside" ]; then
    drive "$2"
    exit
fi

./scripts/setup.sh
missing=()
for p in xvfb xdotool imagemagick openssl; do
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
