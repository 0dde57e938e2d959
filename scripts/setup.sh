#!/usr/bin/env bash
# Shared by run.sh and test.sh: install the Debian packages the build and the
# tests need (only those missing), then configure and build in build/.
# --packages-only stops after installing (fuzz.sh and sanitize.sh build
# elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
    cmake ninja-build g++ pkg-config
    zlib1g-dev libssl-dev libpcap-dev libboost-dev
    qt6-base-dev qt6-websockets-dev
    qt6-qpa-plugins fonts-dejavu-core
    python3 python3-websockets
    help2man librsvg2-bin dpkg-dev
)
# qt6-qpa-plugins holds the X11/Wayland platform plugins the GUI needs on a
# desktop (a Recommends that --no-install-recommends would skip), and the
# font keeps text readable where no desktop fonts are installed.
# The test suite also talks to a real browser (headless Chromium), makes
# TLS certificates with the openssl command and cross-checks the dissector
# against Debian's tshark.
# The build renders the icons (rsvg-convert) and writes the man pages from the
# programs' --help (help2man); cpack computes the .deb's dependencies with
# dpkg-shlibdeps (dpkg-dev). The package test validates the desktop file and
# the AppStream metainfo, runs lintian and shellcheck, installs the .deb with
# dpkg -i (its postinst needs adduser and setcap) and looks its man page up.
if [ "${1:-}" = "--with-test-peers" ]; then
    packages+=(chromium openssl tshark
               desktop-file-utils appstream lintian shellcheck adduser libcap2-bin man-db)
fi
# scripts/fuzz.sh builds the libFuzzer targets with clang; the fuzzer and
# sanitizer runtimes are in libclang-rt (only a Recommends of clang), and
# llvm-symbolizer (llvm) turns the stacks of a finding into file:line.
if [[ " $* " == *" --with-fuzzing "* ]]; then
    packages+=(clang libclang-rt-dev llvm)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "Installing: ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ " $* " == *" --packages-only "* ]]; then
    exit 0
fi

werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
if [ ! -f build/build.ninja ]; then
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOCKSCOPE_WERROR="$werror"
else
    cmake -S . -B build -DSOCKSCOPE_WERROR="$werror" > /dev/null
fi
cmake --build build -j"$(nproc)"
