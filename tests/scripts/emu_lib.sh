# Sourced by the post and status scripts (tests/scripts/test_post_*.sh,
# test_status_*.sh): the PM3K emulator fixture's env, control calls, keys
# of their own, and a scratch folder. Env (from ctest): PM3K, BIN.
: "${PM3K:?}" "${BIN:?}"
emu_env=$BIN/fixtures/pm3k_emu.env
[ -f "$emu_env" ] || { echo "SKIP: no pm3k_emu fixture"; exit 77; }
emu_var() { sed -n "s/^$1=//p" "$emu_env"; }
[ "$(emu_var PM3K_EMU_AVAILABLE)" = 1 ] || { echo "SKIP: the PM3K emulator was not built"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq is missing (apt-get install jq)"; exit 77; }
EMU_URL=$(emu_var PM3K_EMU_URL)
EMU_CA=$(emu_var PM3K_EMU_CA)
EMU_CONTROL=$(emu_var PM3K_EMU_CONTROL)
EMU_LOG=$(emu_var PM3K_EMU_LOG)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Keys, open_ids and captions of this run: tests share one emulator.
ns="$(basename "$0" .sh)-$$"

fail() {
    echo "FAIL: $*"
    exit 1
}

# ctl NAME JSON [CONTROL_URL]: a control call that must succeed; its answer in $tmp/ctl
ctl() {
    ctl_http=$(curl -sS --cacert "$EMU_CA" --max-time 10 -o "$tmp/ctl" -w '%{http_code}' \
        -X POST --data-binary "$2" "${3:-$EMU_CONTROL}/$1") || fail "control $1: curl failed"
    [ "$ctl_http" = 200 ] || fail "control $1 $2: HTTP $ctl_http $(cat "$tmp/ctl")"
}

# emu_calls KEY ENDPOINT [CONTROL_URL]: how many calls of ENDPOINT the emulator had with KEY
emu_calls() {
    ctl calls "{\"key\":\"$1\"}" "${3:-$EMU_CONTROL}"
    jq -r ".calls.$2" "$tmp/ctl"
}

# body FILE NAME: a valid video body of this run (its own URL and caption)
body() {
    printf '{"source_url":"https://files.pm3k.org/uploads/%s/%s.mp4","privacy":"PUBLIC_TO_EVERYONE","title":"%s %s"}\n' \
        "$ns" "$2" "$2" "$ns" >"$1"
}

# json FILE FILTER: one value of a report
json() { jq -r "$2" "$1"; }

# libfaketime is an LD_PRELOAD library: under the sanitizer build ASan must
# not insist on coming first (it still intercepts what it needs).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
