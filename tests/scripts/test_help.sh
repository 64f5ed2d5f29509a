#!/bin/sh
# Help made from the option tables: 'pm3k help CMD' and 'pm3k CMD --help'
# print the same text for every command 'pm3k --help' lists, each option of
# a command is in its help once, and no help line is wider than 80 columns.
# Env (from ctest): PM3K.
set -eu
: "${PM3K:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$PM3K" --help >"$tmp/main"
commands=$(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p' "$tmp/main")
[ -n "$commands" ] || fail "'pm3k --help' lists no commands"
for cmd in $commands; do
    "$PM3K" help "$cmd" >"$tmp/help" || fail "'pm3k help $cmd' failed"
    "$PM3K" "$cmd" --help >"$tmp/dash" || fail "'pm3k $cmd --help' failed"
    "$PM3K" "$cmd" -h >"$tmp/h" || fail "'pm3k $cmd -h' failed"
    cmp -s "$tmp/help" "$tmp/dash" || fail "'pm3k help $cmd' and 'pm3k $cmd --help' differ"
    cmp -s "$tmp/help" "$tmp/h" || fail "'pm3k help $cmd' and 'pm3k $cmd -h' differ"
    head -n 1 "$tmp/help" | grep -q "^usage: pm3k $cmd " || fail "$cmd: no usage line"
    grep -q '^Examples:$' "$tmp/help" || fail "$cmd: no examples"
    wide=$(awk 'length > 80' "$tmp/help")
    [ -z "$wide" ] || fail "$cmd: help lines over 80 columns: $wide"
    # an option listed twice would be two rows of one name
    dups=$(grep -oE '^  (-., )?--[a-z0-9-]+' "$tmp/help" | sed 's/.*--//' | sort | uniq -d)
    [ -z "$dups" ] || fail "$cmd: options listed twice: $dups"
done
echo "ok"
