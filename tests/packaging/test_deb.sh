#!/usr/bin/env bash
# The .deb, end to end: cpack builds it from the built tree; its file list,
# control fields, desktop file, AppStream metainfo, MIME type, icons, man
# pages, completion and maintainer scripts are checked (lintian too when
# installed: errors fail, warnings are reported). As root it is then installed
# with dpkg -i, run, and purged, and nothing of it may be left.
# Usage: test_deb.sh BUILD_DIR SOURCE_DIR VERSION HAS_CAPTURE_HELPER(0|1)
# Exit 77 (CTest: skipped) with the reason when a tool or root is missing.
set -euo pipefail

build=$1
source=$2
version=$3
has_helper=$4

app_id=io.github.sockscope.Sockscope
helper=/usr/libexec/sockscope/sockscope-capture
icon_sizes=(16 24 32 48 64 128 256)

tmp=$(mktemp -d)
installed=0
cleanup() {
    if ((installed)); then
        dpkg --purge sockscope > /dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
skip() {
    echo "SKIP: $*"
    exit 77
}
note() { echo "-- $*"; }
# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
    [[ $2 == "$3" ]] || fail "$1: expected '$2', got '$3'"
}
# Runs a command with a time limit (seconds) and fails with its output.
run_bounded() {
    local limit=$1 log=$2
    shift 2
    local status=0
    timeout "$limit" "$@" > "$log" 2>&1 || status=$?
    if ((status)); then
        cat "$log" >&2
        ((status != 124)) || fail "$* took longer than ${limit} s"
        fail "$* exited with $status"
    fi
}

for tool in cpack dpkg-deb dpkg-shlibdeps; do
    command -v "$tool" > /dev/null || skip "$tool is not installed (package dpkg-dev / cmake)"
done

# --- build -------------------------------------------------------------------
run_bounded 120 "$tmp/cpack.log" cpack -G DEB -B "$tmp/out" --config "$build/CPackConfig.cmake"
deb=$tmp/out/sockscope_${version}_$(dpkg --print-architecture).deb
[[ -f $deb ]] || fail "cpack did not write $(basename "$deb"); it wrote: $(ls "$tmp/out")"
note "$(basename "$deb"): $(stat -c %s "$deb") bytes"

# --- file list ---------------------------------------------------------------
dpkg-deb -c "$deb" > "$tmp/contents"
awk '{ print $6 }' "$tmp/contents" | sed 's|^\./|/|; s|/$||' > "$tmp/paths"
expected=(
    /usr/bin/sockscope
    /usr/bin/sockscope-cli
    "/usr/share/applications/$app_id.desktop"
    "/usr/share/metainfo/$app_id.metainfo.xml"
    /usr/share/mime/packages/sockscope.xml
    /usr/share/icons/hicolor/scalable/apps/sockscope.svg
    /usr/share/man/man1/sockscope.1.gz
    /usr/share/man/man1/sockscope-cli.1.gz
    /usr/share/bash-completion/completions/sockscope
    /usr/share/bash-completion/completions/sockscope-cli
    /usr/share/doc/sockscope/README.md
    /usr/share/doc/sockscope/copyright
    /usr/share/doc/sockscope/changelog.gz
)
for size in "${icon_sizes[@]}"; do
    expected+=("/usr/share/icons/hicolor/${size}x${size}/apps/sockscope.png")
done
if ((has_helper)); then
    expected+=("$helper")
elif grep -qx "$helper" "$tmp/paths"; then
    fail "$helper is packaged but the build has no sockscope-capture target"
fi
for path in "${expected[@]}"; do
    grep -qx "$path" "$tmp/paths" || fail "$path is not in the package"
done
# Everything belongs to root; programs are 0755, everything else 0644.
awk '$2 != "root/root" { print }' "$tmp/contents" | grep . && fail "files not owned by root/root"
for program in /usr/bin/sockscope /usr/bin/sockscope-cli; do
    expect_eq "mode of $program" "-rwxr-xr-x" "$(awk -v p=".$program" '$6 == p { print $1 }' "$tmp/contents")"
done
note "file list: $(grep -vc '/$' "$tmp/contents") files, all ${#expected[@]} expected ones present"

# --- control fields ----------------------------------------------------------
expect_eq Package sockscope "$(dpkg-deb -f "$deb" Package)"
expect_eq Version "$version" "$(dpkg-deb -f "$deb" Version)"
expect_eq Section net "$(dpkg-deb -f "$deb" Section)"
expect_eq Architecture "$(dpkg --print-architecture)" "$(dpkg-deb -f "$deb" Architecture)"
[[ -n $(dpkg-deb -f "$deb" Maintainer) ]] || fail "no Maintainer"
[[ $(dpkg-deb -f "$deb" Description) == *$'\n'* ]] || fail "the Description has no long part"
depends=$(dpkg-deb -f "$deb" Depends)
note "Depends: $depends"
# Library packages found by dpkg-shlibdeps (t64 names from Debian 13 on), and
# the maintainer scripts' tools.
for pattern in 'libqt6core6(t64)? \(>=' 'libqt6widgets6(t64)? \(>=' 'libqt6network6(t64)? \(>=' \
    'libpcap0\.8(t64)? \(>=' 'libc6 \(>=' 'adduser' 'libcap2-bin'; do
    grep -Eq "(^|, )$pattern" <<< "$depends" || fail "Depends lacks $pattern"
done

# --- contents ----------------------------------------------------------------
root=$tmp/root
dpkg-deb -x "$deb" "$root"

changelog_version=$(zcat "$root/usr/share/doc/sockscope/changelog.gz" | sed -n '1s/^sockscope (\([^)]*\)).*/\1/p')
expect_eq "version in packaging/debian/changelog" "$version" "$changelog_version"

for size in "${icon_sizes[@]}"; do
    png=$root/usr/share/icons/hicolor/${size}x${size}/apps/sockscope.png
    # PNG: the IHDR's width and height are big-endian at bytes 16 and 20.
    read -r w1 w2 w3 w4 h1 h2 h3 h4 < <(od -An -tu1 -j16 -N8 "$png")
    expect_eq "size of the ${size}x${size} icon" "${size}x${size}" \
        "$(((w1 << 24) | (w2 << 16) | (w3 << 8) | w4))x$(((h1 << 24) | (h2 << 16) | (h3 << 8) | h4))"
done

desktop=$root/usr/share/applications/$app_id.desktop
if command -v desktop-file-validate > /dev/null; then
    desktop-file-validate "$desktop" > "$tmp/desktop.log" 2>&1 || {
        cat "$tmp/desktop.log" >&2
        fail "desktop-file-validate rejects the .desktop file"
    }
    note "desktop-file-validate: valid$(grep -q . "$tmp/desktop.log" && printf ' (%s)' "$(tr '\n' ' ' < "$tmp/desktop.log")")"
else
    note "desktop-file-validate not installed (desktop-file-utils): not validated"
fi
for key in 'Exec=sockscope %f' 'Icon=sockscope' 'Categories=Development;Network;' \
    'MimeType=application/vnd.tcpdump.pcap;application/x-pcapng;'; do
    grep -qxF "$key" "$desktop" || fail "the .desktop file lacks $key"
done

if command -v appstreamcli > /dev/null; then
    run_bounded 60 "$tmp/appstream.log" appstreamcli validate --no-net \
        "$root/usr/share/metainfo/$app_id.metainfo.xml"
    # The tree: the metainfo's launchable must name the installed .desktop file.
    run_bounded 60 "$tmp/appstream-tree.log" appstreamcli validate-tree --no-net "$root"
    note "appstreamcli validate, validate-tree: valid"
else
    note "appstreamcli not installed (appstream): metainfo not validated"
fi

if command -v update-mime-database > /dev/null; then
    mkdir -p "$tmp/mime/packages"
    cp "$root/usr/share/mime/packages/sockscope.xml" "$tmp/mime/packages/"
    run_bounded 60 "$tmp/mime.log" update-mime-database "$tmp/mime"
    grep -qx '50:application/x-pcapng:\*\.pcapng' "$tmp/mime/globs2" ||
        fail "the MIME package does not map *.pcapng to application/x-pcapng"
    grep -q 'application/x-pcapng' "$tmp/mime/magic" || fail "no magic for application/x-pcapng"
    note "MIME: *.pcapng and its magic -> application/x-pcapng"
else
    note "update-mime-database not installed (shared-mime-info): MIME package not checked"
fi

# The man page lists every command of the CLI and every option of each.
cli=$build/bin/sockscope-cli
page=$(zcat "$root/usr/share/man/man1/sockscope-cli.1.gz")
mapfile -t commands < <("$cli" --help | sed -n '/^Commands:/,/^[^ ]/s/^  \([a-z][a-z-]*\) .*/\1/p')
((${#commands[@]})) || fail "no commands in sockscope-cli --help"
for command in "${commands[@]}"; do
    grep -qxF ".SS \"$command\"" <<< "$page" || fail "sockscope-cli(1) has no section for $command"
    section=$(sed -n "/^\.SS \"$command\"\$/,/^\.S[SH] /p" <<< "$page")
    options=$("$cli" "$command" --help | sed -n 's/^  \(-[A-Za-z]\{1,\}\), \(--[a-z-]*\).*/\2/p; s/^  \(--[a-z-]*\).*/\1/p' |
        grep -vx -e --help -e --version)
    [[ -n $options ]] || fail "no options in sockscope-cli $command --help"
    for option in $options; do
        grep -qF "\\fB${option//-/\\-}\\fR" <<< "$section" ||
            fail "sockscope-cli(1) lacks $option under $command"
    done
done
zcat "$root/usr/share/man/man1/sockscope.1.gz" | grep -qF '\fB\-\-ws\-port\fR' ||
    fail "sockscope(1) lacks --ws-port"
for name in sockscope sockscope-cli; do
    zcat "$root/usr/share/man/man1/$name.1.gz" | grep -qx '\.SH "SEE ALSO"' || fail "$name(1) has no SEE ALSO"
    zcat "$root/usr/share/man/man1/$name.1.gz" | grep -qx '\.SH EXAMPLES' || fail "$name(1) has no EXAMPLES"
    if command -v man > /dev/null; then
        # What lintian runs: any warning from the formatter is a fault.
        warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
            man --warnings -E UTF-8 -l -Tutf8 -Z "$root/usr/share/man/man1/$name.1.gz" 2>&1 > /dev/null)
        [[ -z $warnings ]] || fail "$name(1) formats with warnings: $warnings"
    fi
done
note "man pages: every command and option of sockscope-cli --help, SEE ALSO, EXAMPLES"

# Completion, from the extracted programs: commands, options, values, files.
mkdir -p "$tmp/files/dir"
touch "$tmp/files/a.pcap" "$tmp/files/b.pcapng" "$tmp/files/c.txt"
completions=$(cd "$tmp/files" && QT_QPA_PLATFORM=offscreen bash --norc --noprofile -c '
    source "$1/usr/share/bash-completion/completions/sockscope-cli"
    source "$1/usr/share/bash-completion/completions/sockscope"
    complete_words() {
        local function=$1
        shift
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMPREPLY=()
        "$function" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "$(printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " ")"
    }
    cli=$1/usr/bin/sockscope-cli
    complete_words _sockscope_cli "$cli" ""
    complete_words _sockscope_cli "$cli" read --f
    complete_words _sockscope_cli "$cli" read --format ""
    complete_words _sockscope_cli "$cli" read --only messages,an
    complete_words _sockscope_cli "$cli" read ""
    complete_words _sockscope_cli "$cli" capture --wr
    complete_words _sockscope "$1/usr/bin/sockscope" --w
    complete_words _sockscope "$1/usr/bin/sockscope" ""
' bash "$root")
expect_eq "bash completion" "$(printf '%s\n' --help --version "${commands[@]}" | sort | tr '\n' ' ')
--format 
jsonl text 
messages,anomalies 
a.pcap b.pcapng dir 
--write 
--ws-port 
a.pcap b.pcapng dir " "$completions"
note "bash completion: commands, options, values and capture files"

# Maintainer scripts.
dpkg-deb -e "$deb" "$tmp/control"
for script in postinst postrm; do
    [[ -x $tmp/control/$script ]] || fail "no executable $script"
done
if command -v shellcheck > /dev/null; then
    shellcheck "$tmp/control/postinst" "$tmp/control/postrm" || fail "shellcheck: maintainer scripts"
    shellcheck -s bash "$root"/usr/share/bash-completion/completions/* || fail "shellcheck: completion"
    note "shellcheck: postinst, postrm, completion clean"
fi

if command -v lintian > /dev/null; then
    # Exit status 2 is lintian's own failure; errors show as "E:" lines.
    timeout 120 lintian --tag-display-limit 0 "$deb" > "$tmp/lintian.log" 2>&1 || true
    if grep -q '^E: ' "$tmp/lintian.log"; then
        cat "$tmp/lintian.log" >&2
        fail "lintian reports errors"
    fi
    note "lintian: no errors$(grep -q '^W: ' "$tmp/lintian.log" && printf '; warnings:\n%s' "$(grep '^W: ' "$tmp/lintian.log")")"
else
    note "lintian not installed: not run"
fi

# --- install, run, purge (root only) -----------------------------------------
[[ $(id -u) -eq 0 ]] || skip "the package checks passed; installing it needs root (CI runs as root)"
if dpkg-query -W -f='${Status}' sockscope 2> /dev/null | grep -q 'install ok installed'; then
    skip "sockscope is installed on this machine already; not replacing it"
fi
getent group sockscope > /dev/null && skip "a group sockscope exists already; the purge would remove it"

installed=1
run_bounded 120 "$tmp/dpkg-install.log" dpkg -i "$deb"
expect_eq "installed sockscope-cli --version" "sockscope-cli $version" "$(/usr/bin/sockscope-cli --version)"
expect_eq "installed sockscope --version" "sockscope $version" \
    "$(QT_QPA_PLATFORM=offscreen /usr/bin/sockscope --version 2> /dev/null)"

jsonl=$(/usr/bin/sockscope-cli read "$source/resources/sample.pcapng" --format jsonl)
expect_eq "JSON Lines from the sample capture" 51 "$(wc -l <<< "$jsonl")"
expect_eq "messages in the sample capture" 21 "$(grep -c '"event":"message"' <<< "$jsonl")"
grep -q '"kind":"unmasked-client-frame"' <<< "$jsonl" || fail "the sample's anomaly is missing"
expect_eq "installed and built sockscope-cli read" "$("$cli" read "$source/resources/sample.pcapng" --format jsonl)" "$jsonl"

gid=$(getent group sockscope | cut -d: -f3) || fail "postinst did not create the group sockscope"
((gid < 1000)) || fail "the group sockscope is not a system group (gid $gid)"
if ((has_helper)); then
    expect_eq "owner and mode of $helper" "root:sockscope 750" "$(stat -c '%U:%G %a' "$helper")"
    [[ ! -u $helper ]] || fail "$helper is setuid"
    caps=$(getcap "$helper")
    [[ $caps == *cap_net_admin,cap_net_raw=eip* ]] ||
        fail "$helper has no capture capabilities (getcap: '$caps'); dpkg said: $(cat "$tmp/dpkg-install.log")"
    # shellcheck disable=SC2016 # the literal $USER postinst prints
    grep -qF 'sudo usermod -aG sockscope $USER' "$tmp/dpkg-install.log" ||
        fail "postinst did not say how to join the group"
    note "capture helper: root:sockscope 0750, $caps"
fi
if command -v man > /dev/null; then
    if grep -rqs 'path-exclude=*/usr/share/man' /etc/dpkg/dpkg.cfg.d; then
        note "dpkg excludes /usr/share/man here: man -w not checked"
    else
        expect_eq "man -w sockscope-cli" /usr/share/man/man1/sockscope-cli.1.gz "$(man -w sockscope-cli)"
    fi
fi
if command -v update-desktop-database > /dev/null; then
    grep -q "^application/x-pcapng=.*$app_id.desktop" /usr/share/applications/mimeinfo.cache ||
        fail "pcapng files are not associated with Sockscope after the install"
fi

run_bounded 120 "$tmp/dpkg-purge.log" dpkg --purge sockscope
installed=0
if dpkg -L sockscope > /dev/null 2>&1; then
    fail "dpkg still knows sockscope's files after the purge"
fi
while read -r path; do
    [[ $path == / || -d $path && $path != */sockscope ]] && continue
    [[ ! -e $path ]] || fail "$path is left after the purge"
done < "$tmp/paths"
[[ ! -e /usr/libexec/sockscope ]] || fail "/usr/libexec/sockscope is left after the purge"
if getent group sockscope > /dev/null; then
    fail "the group sockscope is left after the purge"
fi
if command -v update-desktop-database > /dev/null && [[ -f /usr/share/applications/mimeinfo.cache ]]; then
    grep -q "$app_id.desktop" /usr/share/applications/mimeinfo.cache &&
        fail "the MIME association is left after the purge"
fi
note "installed, ran, purged: nothing left"
