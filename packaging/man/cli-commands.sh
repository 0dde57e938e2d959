#!/bin/sh
# Writes the help2man include that gives sockscope-cli(1) a SYNOPSIS line and a
# COMMANDS subsection per command, all taken from the CLI's own help: the
# command list from `sockscope-cli --help`, each command's usage, description,
# options and arguments from `sockscope-cli COMMAND --help` (Qt's format).
# Usage: cli-commands.sh CLI OUTPUT
set -eu

cli=$1
out=$2

commands=$("$cli" --help | awk '
    /^Commands:/ { listing = 1; next }
    listing && /^[^ ]/ { listing = 0 }
    listing && /^  [a-z]/ { print $1 }')
if [ -z "$commands" ]; then
    echo "cli-commands.sh: no commands found in '$cli --help'" >&2
    exit 1
fi

# One command's help to roff. mode=synopsis prints its synopsis line,
# mode=section its subsection. -h/--help and --version are left out: the
# page's OPTIONS has them once.
# shellcheck disable=SC2016 # an awk program, not shell
to_roff='
function esc(s) {
    gsub(/\\/, "\\e", s)
    gsub(/-/, "\\-", s)
    if (s ~ /^[.'\'']/) s = "\\&" s
    return s
}
# "-i, --interface <iface>" -> bold names, italic argument
function optspec(s,   n, parts, i, r, p, sp) {
    n = split(s, parts, /, /)
    r = ""
    for (i = 1; i <= n; i++) {
        p = parts[i]
        sp = index(p, " ")
        if (sp) p = "\\fB" esc(substr(p, 1, sp - 1)) "\\fR \\fI" esc(substr(p, sp + 1)) "\\fR"
        else p = "\\fB" esc(p) "\\fR"
        r = r (i > 1 ? ", " : "") p
    }
    return r
}
function flush() {
    if (item != "" && item !~ /^\\fB\\-h\\fR, / && item !~ /^\\fB\\-\\-version\\fR$/)
        items = items ".TP\n" item "\n" text "\n"
    item = ""; text = ""
}
NR == 1 {
    sub(/^Usage: .* \[options\] /, "")
    n = split($0, words, " ")
    args = ""
    for (i = 2; i <= n; i++) args = args " \\fI" esc(words[i]) "\\fR"
    usage = "\\fBsockscope\\-cli " esc(words[1]) "\\fR [\\fIoptions\\fR]" args
    next
}
/^Options:$/ || /^Arguments:$/ { flush(); block = $0; next }
block == "" { description = description ($0 == "" ? ".PP" : esc($0)) "\n"; next }
/^  [^ ]/ {
    flush()
    line = substr($0, 3)
    gap = index(line, "  ")
    spec = gap ? substr(line, 1, gap - 1) : line
    rest = gap ? substr(line, gap) : ""
    sub(/^ +/, "", rest)
    if (block == "Arguments:") {
        if (spec == command) { spec = ""; next }  # the command itself
        item = "\\fI" esc(spec) "\\fR"
    } else {
        item = optspec(spec)
    }
    text = esc(rest)
    next
}
/^   / { sub(/^ +/, ""); text = text (text == "" ? "" : "\n") esc($0); next }
END {
    flush()
    if (mode == "synopsis") { print usage; print ".br"; exit }
    print ".SS \"" command "\""
    print usage
    print ".PP"
    sub(/(\.PP\n)+$/, "", description)
    printf "%s", description
    printf "%s", items
}
'

tmp="$out.tmp"
{
    echo "[SYNOPSIS]"
    for command in $commands; do
        "$cli" "$command" --help | awk -v mode=synopsis -v command="$command" "$to_roff"
    done
    printf '%s\n' '\fBsockscope\-cli\fR \fB\-\-help\fR | \fB\-\-version\fR'
    echo
    echo "[COMMANDS]"
    for command in $commands; do
        "$cli" "$command" --help | awk -v mode=section -v command="$command" "$to_roff"
    done
} > "$tmp"
mv "$tmp" "$out"
