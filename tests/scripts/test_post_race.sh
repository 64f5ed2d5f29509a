#!/bin/sh
# fixtures: pm3k_emu
# Two pm3k post processes racing for the same account spend one request:
# the history records the attempt in the transaction that checks the budget
# (BEGIN IMMEDIATE), so the second sees the first's row. With different
# bodies the loser is interval_limit, with the same body outcome_unknown
# (the other is still sending) or video_duplicate; never a second request.
# The first request hangs a second in the emulator, so both are in flight.
set -eu
. "$(dirname "$0")/emu_lib.sh"

race() { # ROUND SAME|DIFFERENT
    key="$ns-$1"
    ctl key "{\"key\":\"$key\",\"open_id\":\"open-$key\"}"
    ctl fault "{\"key\":\"$key\",\"endpoint\":\"direct_post\",\"fault\":\"hang\",\"seconds\":1}"
    body "$tmp/a$1.json" "a$1"
    if [ "$2" = same ]; then cp "$tmp/a$1.json" "$tmp/b$1.json"; else body "$tmp/b$1.json" "b$1"; fi
    export PM3K_API_KEY="$key" PM3K_HISTORY="$tmp/h$1.db" PM3K_BASE_URL="$EMU_URL"
    rc_a=0 rc_b=0
    "$PM3K" post --format json --cacert "$EMU_CA" "$tmp/a$1.json" >"$tmp/a$1.out" 2>&1 &
    pid_a=$!
    "$PM3K" post --format json --cacert "$EMU_CA" "$tmp/b$1.json" >"$tmp/b$1.out" 2>&1 &
    pid_b=$!
    wait "$pid_a" || rc_a=$?
    wait "$pid_b" || rc_b=$?
    calls=$(emu_calls "$key" direct_post)
    [ "$calls" = 1 ] || fail "round $1 ($2): $calls direct_post requests, expected 1"
    if [ "$rc_a" = 0 ]; then winner=a loser=b rc=$rc_b; else winner=b loser=a rc=$rc_a; fi
    [ "$(json "$tmp/$winner$1.out" '.items[0].facts.outcome')" = ok ] ||
        fail "round $1: no post went through: $(cat "$tmp/a$1.out" "$tmp/b$1.out")"
    code=$(json "$tmp/$loser$1.out" '.items[0].findings[-1].code')
    sent=$(json "$tmp/$loser$1.out" '.items[0].facts.sent')
    [ "$sent" = false ] || fail "round $1: the loser was sent"
    case "$2:$code:$rc" in
    different:interval_limit:3 | same:outcome_unknown:3 | same:video_duplicate:1) ;;
    *) fail "round $1 ($2): the loser answered $code, exit $rc: $(cat "$tmp/$loser$1.out")" ;;
    esac
}

for round in 1 2 3; do race "$round" different; done
for round in 4 5 6; do race "$round" same; done
echo "ok: racing posts spent one request each round"
