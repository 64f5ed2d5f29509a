#!/bin/sh
# fixtures: pm3k_emu
# pm3k status against the emulator's publish plans: one call while pending
# (exit 3 with the next check), --wait to done (exit 0) and to failed
# (exit 1, an unknown fail_reason printed as it came), --max-attempts and
# --max-wait stopping a pending publish (exit 3), a status_cooldown longer
# than --max-wait stopping at once, and rate_limit_status's retry_after
# waited out. The waits run under libfaketime ten times faster; the
# emulator's plans count answers, not time.
set -eu
. "$(dirname "$0")/emu_lib.sh"
command -v faketime >/dev/null 2>&1 || { echo "SKIP: faketime is missing (apt-get install faketime)"; exit 77; }
export PM3K_BASE_URL="$EMU_URL"

# account NAME PLAN_JSON: a key of its own with one post; its id in $id
account() {
    key="$ns-$1"
    ctl key "{\"key\":\"$key\",\"open_id\":\"open-$key\"}"
    ctl status "{\"key\":\"$key\",$2}"
    export PM3K_API_KEY="$key" PM3K_HISTORY="$tmp/$1.db"
    body "$tmp/$1.json" "$1"
    "$PM3K" post --format json --cacert "$EMU_CA" "$tmp/$1.json" >"$tmp/post.json" ||
        fail "$1: the post failed: $(cat "$tmp/post.json")"
    id=$(json "$tmp/post.json" '.items[0].facts.publish_id')
}
# status EXIT ARGS...: faster time; the report in $tmp/out
status() {
    want=$1
    shift
    rc=0
    FAKETIME_DONT_RESET=1 faketime -f '+0 x10' "$PM3K" status --format json --cacert "$EMU_CA" \
        "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    [ "$rc" = "$want" ] || fail "status $*: exit $rc, expected $want: $(cat "$tmp/out" "$tmp/err")"
}
fact() { json "$tmp/out" ".items[0].facts.$1"; }
code() { json "$tmp/out" '.items[0].findings[-1].code'; }
expect() { # CODE [CALLS [CALLS_OF_THE_ACCOUNT]]
    [ "$(code)" = "$1" ] || fail "expected $1, got $(code): $(cat "$tmp/out")"
    [ -z "${2:-}" ] || [ "$(fact calls)" = "$2" ] || fail "$1: $(fact calls) calls, expected $2"
    total=${3:-${2:-}}
    [ -z "$total" ] || [ "$(emu_calls "$key" status)" = "$total" ] ||
        fail "$1: the emulator counted $(emu_calls "$key" status) calls, expected $total"
}

account pend '"pending_polls":3'
status 3 "$id"
expect publish_pending 1
fact retry_at >/dev/null
grep -q 'next check at 20' "$tmp/out" || fail "no next check time: $(cat "$tmp/out")"
status 0 --wait "$id"
expect published 3 4
[ "$(fact state)" = done ] || fail "state $(fact state)"
echo "ok: one call while pending (exit 3), --wait to done (exit 0) on the schedule"

account attempts '"pending_polls":50'
status 3 --wait --max-attempts 2 "$id"
expect publish_pending 2
status 3 --wait --max-wait 60 "$id"
expect publish_pending
calls=$(fact calls)
[ "$calls" -ge 2 ] && [ "$calls" -le 7 ] || fail "--max-wait 60 made $calls calls (the schedule allows 2 to 7)"
echo "ok: --max-attempts and --max-wait stop a pending publish (exit 3, $calls calls in 60 s)"

account failed '"pending_polls":0,"outcome":"failed","fail_reason":"brand_new_reason"'
status 1 --wait "$id"
expect publish_failed 1
grep -q 'brand_new_reason (a value pm3k does not know' "$tmp/out" || fail "the unknown reason: $(cat "$tmp/out")"
echo "ok: a failed publish exits 1, an unknown fail_reason printed as it came"

account cooldown '"pending_polls":0'
ctl fault "{\"key\":\"$key\",\"endpoint\":\"status\",\"fault\":\"error\",\"code\":\"status_cooldown\",\"seconds\":3600}"
status 3 --wait --max-wait 600 "$id"
expect status_cooldown 1
[ "$(fact cooldown_until)" != null ] || fail "no cooldownUntil"
echo "ok: a cooldown longer than --max-wait stops at once (exit 3, retry at $(fact retry_at))"

account minute '"pending_polls":0'
ctl fault "{\"key\":\"$key\",\"endpoint\":\"status\",\"fault\":\"error\",\"code\":\"rate_limit_status\",\"seconds\":30}"
status 0 --wait --max-wait 600 "$id"
expect published 2
echo "ok: rate_limit_status's retry_after is waited out, then done"

# A status limit answered without any time field: the client waits the
# limit's whole window (an hour for the cooldown and the hourly cap, a
# minute per minute), so its next call cannot land inside it.
untimed() { # CODE SECONDS
    account "untimed-$1" '"pending_polls":0'
    ctl fault "{\"key\":\"$key\",\"endpoint\":\"status\",\"fault\":\"error\",\"code\":\"$1\",\"untimed\":true}"
    before=$(date +%s)
    status 3 "$id"
    expect "$1" 1
    at=$(date -d "$(fact retry_at)" +%s)
    wait=$((at - before))
    [ "$wait" -ge "$(($2 - 1))" ] && [ "$wait" -le "$(($2 + 30))" ] ||
        fail "$1 without a time: retry in $wait s, expected about $2 s"
}
untimed status_cooldown 3600
untimed hourly_limit_status 3600
untimed rate_limit_status 60
echo "ok: status limits answered without a time wait their whole window"
