#!/bin/sh
# `cmake --install BUILD --prefix P` installs a working pm3k, a man page per
# command and bash/zsh completions, all made from the option tables
# (issue 13). Env (from ctest): PM3K, DATA, BIN.
set -eu
: "${PM3K:?}" "${DATA:?}" "${BIN:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$BIN" --prefix "$tmp/prefix" >"$tmp/install.log" ||
    fail "cmake --install failed: $(cat "$tmp/install.log")"
pm3k=$tmp/prefix/bin/pm3k
[ -x "$pm3k" ] || fail "no bin/pm3k under the prefix"
"$pm3k" --version | grep -q '^pm3k ' || fail "the installed pm3k does not run"
# it checks media on its own (FFmpeg and libvips are found by soname)
"$pm3k" probe "$DATA/batch/ok.mp4" >"$tmp/out" || fail "the installed pm3k cannot probe: $(cat "$tmp/out")"

man1=$tmp/prefix/share/man/man1
for page in pm3k pm3k-probe pm3k-domain pm3k-payload pm3k-post pm3k-status pm3k-history; do
    [ -s "$man1/$page.1" ] || fail "no man page $page.1"
done
grep -q '^\.SH OPTIONS' "$man1/pm3k-probe.1" || fail "pm3k-probe.1 has no OPTIONS"
grep -q 'fail\\-on' "$man1/pm3k-probe.1" || fail "pm3k-probe.1 does not list --fail-on"
if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 man -l "$man1/pm3k-probe.1" 2>/dev/null | grep -q -- '--max-duration' ||
        fail "man cannot render pm3k-probe.1"
fi

bash_completion=$tmp/prefix/share/bash-completion/completions/pm3k
[ -s "$bash_completion" ] || fail "no bash completion"
got=$(bash -c '. "$1"; COMP_WORDS=(pm3k probe --fo); COMP_CWORD=2; _pm3k; echo "${COMPREPLY[*]}"' \
    sh "$bash_completion")
[ "$got" = "--format" ] || fail "bash completes 'pm3k probe --fo' to '$got'"
got=$(bash -c '. "$1"; COMP_WORDS=(pm3k domain --fail-on ""); COMP_CWORD=3; _pm3k; echo "${COMPREPLY[*]}"' \
    sh "$bash_completion")
[ "$got" = "error warning none" ] || fail "bash completes --fail-on's values to '$got'"
got=$(bash -c '. "$1"; COMP_WORDS=(pm3k sta); COMP_CWORD=1; _pm3k; echo "${COMPREPLY[*]}"' \
    sh "$bash_completion")
[ "$got" = "status" ] || fail "bash completes 'pm3k sta' to '$got'"
zsh_completion=$tmp/prefix/share/zsh/site-functions/_pm3k
head -1 "$zsh_completion" | grep -q '^#compdef pm3k' || fail "no zsh completion"
if command -v zsh >/dev/null 2>&1; then
    zsh -n "$zsh_completion" || fail "the zsh completion does not parse"
fi
echo ok
