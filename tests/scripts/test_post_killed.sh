#!/bin/sh
# fixtures: pm3k_emu
# A post killed while its direct_post is in flight (SIGTERM, SIGKILL): its
# outcome is unknown, and the next run on this host knows it at once (the
# sender is gone), refusing to send the same post again (exit 3,
# outcome_unknown) instead of waiting for "another pm3k" that died; the
# history lists the attempt as unknown. Bounded: each hang ends in 20 s.
set -eu
. "$(dirname "$0")/emu_lib.sh"
export PM3K_BASE_URL="$EMU_URL"

killed() { # SIGNAL NUMBER
    key="$ns-$1"
    ctl key "{\"key\":\"$key\",\"open_id\":\"open-$key\"}"
    ctl fault "{\"key\":\"$key\",\"endpoint\":\"direct_post\",\"fault\":\"hang\",\"seconds\":20}"
    export PM3K_API_KEY="$key" PM3K_HISTORY="$tmp/$1.db"
    body "$tmp/$1.json" "$1"
    "$PM3K" post --cacert "$EMU_CA" --timeout 60 "$tmp/$1.json" >"$tmp/first.out" 2>&1 &
    pid=$!
    n=0 # until the attempt is recorded as sending, then a moment for the request
    until "$PM3K" history --format json 2>/dev/null | grep -q '"outcome": *"sending"'; do
        n=$((n + 1))
        [ $n -lt 200 ] || fail "$1: the post was never recorded as sending"
        sleep 0.1
    done
    sleep 0.5
    kill "-$1" "$pid"
    rc=0
    wait "$pid" || rc=$?
    want=$((128 + $2))
    [ "$rc" = "$want" ] || fail "$1: the killed post exited $rc, expected $want: $(cat "$tmp/first.out")"
    rc=0
    "$PM3K" post --format json --cacert "$EMU_CA" "$tmp/$1.json" >"$tmp/again.json" 2>"$tmp/err" || rc=$?
    [ "$rc" = 3 ] || fail "$1: the second post exited $rc: $(cat "$tmp/again.json" "$tmp/err")"
    code=$(json "$tmp/again.json" '.items[0].findings[-1].code')
    [ "$code" = outcome_unknown ] || fail "$1: the second post said $code: $(cat "$tmp/again.json")"
    grep -q 'another pm3k' "$tmp/again.json" && fail "$1: a dead run taken for a live one: $(cat "$tmp/again.json")"
    [ "$(emu_calls "$key" direct_post)" -le 1 ] || fail "$1: the post was sent again"
    "$PM3K" history --format json >"$tmp/history.json"
    outcome=$(json "$tmp/history.json" '.items[0].facts.outcome')
    [ "$outcome" = unknown ] || fail "$1: the history says $outcome: $(cat "$tmp/history.json")"
    echo "ok: a post killed by SIG$1 mid-send is an unknown outcome, never re-sent"
}
killed TERM 15
killed KILL 9

# status --wait told to stop (SIGINT) while it waits: it ends at once,
# its report complete and marked interrupted, exit 130.
key="$ns-wait"
ctl key "{\"key\":\"$key\",\"open_id\":\"open-$key\"}"
ctl status "{\"key\":\"$key\",\"pending_polls\":50}"
export PM3K_API_KEY="$key" PM3K_HISTORY="$tmp/wait.db"
body "$tmp/wait.json" wait
"$PM3K" post --format json --cacert "$EMU_CA" "$tmp/wait.json" >"$tmp/post.json" || fail "the post failed"
id=$(json "$tmp/post.json" '.items[0].facts.publish_id')
"$PM3K" status --wait --format json --cacert "$EMU_CA" "$id" >"$tmp/wait.out" 2>"$tmp/wait.err" &
pid=$!
sleep 2
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 130 ] || fail "status --wait after SIGINT exited $rc: $(cat "$tmp/wait.out")"
[ "$(json "$tmp/wait.out" '.summary.interrupted')" = true ] || fail "the report is not marked interrupted: $(cat "$tmp/wait.out")"
echo "ok: status --wait stops at SIGINT with its report complete (exit 130)"
