#!/bin/sh
# fixtures: pm3k_emu
# Hours pass in seconds: pm3k runs under libfaketime at a given time and the
# emulator's account clock is set to the same time. The history predicts
# interval_limit, daily_limit and tiktok_cooldown without spending a
# request, says exactly when posting is allowed again (history --next says
# the same), and lets the post go once that time has come.
set -eu
. "$(dirname "$0")/emu_lib.sh"
command -v faketime >/dev/null 2>&1 || { echo "SKIP: faketime is missing (apt-get install faketime)"; exit 77; }

key="$ns-k"
T0=1893456000 # 2030-01-01T00:00:00Z
ctl key "{\"key\":\"$key\",\"open_id\":\"open-$ns\"}"
ctl clock "{\"key\":\"$key\",\"freeze\":true,\"set\":$T0}"
export PM3K_API_KEY="$key" PM3K_HISTORY="$tmp/history.db" PM3K_BASE_URL="$EMU_URL" TZ=UTC

iso() { date -u -d "@$1" '+%Y-%m-%dT%H:%M:%SZ'; }

# at SECONDS EXIT ARGS...: pm3k at T0 + SECONDS (client and account), its
# JSON report in $tmp/out
at() {
    t=$((T0 + $1))
    want=$2
    shift 2
    ctl clock "{\"key\":\"$key\",\"set\":$t}"
    rc=0
    faketime -f "@$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S')" "$PM3K" "$@" >"$tmp/out" 2>"$tmp/err" ||
        rc=$?
    [ "$rc" = "$want" ] || fail "at +$1 s: pm3k $*: exit $rc, expected $want: $(cat "$tmp/out" "$tmp/err")"
}
post() { # SECONDS EXIT NAME [OPTIONS]
    s=$1 w=$2 name=$3
    shift 3
    body "$tmp/$name.json" "$name"
    at "$s" "$w" post --format json --cacert "$EMU_CA" "$@" "$tmp/$name.json"
}
fact() { json "$tmp/out" ".items[0].facts.$1"; }
code() { json "$tmp/out" '.items[0].findings[-1].code'; }
calls() {
    got=$(emu_calls "$key" direct_post)
    [ "$got" = "$1" ] || fail "$got direct_post requests, expected $1"
}
# the post a history prediction stopped: its code, no request, the time
not_sent() { # CODE RETRY_AT...
    [ "$(code)" = "$1" ] || fail "expected $1, got $(code): $(cat "$tmp/out")"
    [ "$(fact sent)" = false ] || fail "$1: the post was sent"
    shift
    got=$(fact retry_at)
    for want in "$@"; do [ "$got" = "$want" ] && return 0; done
    fail "retry_at $got, expected one of $*"
}

# ---- interval_limit: one post per rolling hour ----
post 0 0 p0
post 1800 3 p1
# the hour runs from the answer (second 0 or 1) plus a second
not_sent interval_limit "$(iso $((T0 + 3601)))" "$(iso $((T0 + 3602)))"
next=$(fact retry_at)
at 1800 0 history --next
[ "$(cat "$tmp/out")" = "$next" ] || fail "history --next says $(cat "$tmp/out"), the post said $next"
calls 1
post 3610 0 p1
calls 2
echo "ok: interval_limit predicted until $next, then the post went"

# ---- daily_limit: 10 posts in a rolling day ----
for i in 2 3 4 5 6 7 8 9; do post $((3610 * i)) 0 "p$i"; done
calls 10
post $((3610 * 10)) 3 p10
not_sent daily_limit "$(iso $((T0 + 86401)))" "$(iso $((T0 + 86402)))"
calls 10
at $((3610 * 10)) 0 history --format json --limit 0
posts=$(jq '[.items[] | select(.kind == "post" and .facts.outcome == "ok")] | length' "$tmp/out")
[ "$posts" = 10 ] || fail "history lists $posts posts, expected 10"
post 86402 0 p10
calls 11
echo "ok: daily_limit predicted after 10 posts, then the post went"

# ---- tiktok_cooldown: after tiktok_rate_limit, 3 hours ----
ctl fault "{\"key\":\"$key\",\"endpoint\":\"direct_post\",\"fault\":\"tiktok_rate_limit\"}"
post 90100 3 p11
[ "$(code)" = tiktok_rate_limit ] || fail "expected tiktok_rate_limit: $(cat "$tmp/out")"
[ "$(fact retry_at)" = "$(iso $((T0 + 90100 + 10800)))" ] || fail "retry_at $(fact retry_at)"
calls 12
post 100000 3 p12
not_sent tiktok_cooldown "$(iso $((T0 + 90100 + 10800)))"
[ "$(fact source)" = pm3k ] || fail "the cooldown is not PM3K's"
calls 12
post $((90100 + 10801)) 0 p12
calls 13
echo "ok: tiktok_cooldown predicted from PM3K's retry_after_seconds, then the post went"
