#!/bin/sh
# fixtures: pm3k_emu
# status --wait keeps within PM3K's status budget across processes: a
# private emulator and every pm3k run share one clock under libfaketime,
# sped up (ten or a hundred times), so the emulator judges each call
# on the same time pm3k does.
#  1. 18 single status calls, then two concurrent `status --wait` for
#     almost an hour: the emulator refuses nothing (no 429 in its log),
#     admits exactly 40 calls, the history never holds more than 20 in a
#     minute (and does reach 20: the cap binds), and both waiters stop with
#     exit 3 and the next safe time.
#  2. PM3K pauses status polling for two hours (status_cooldown); another
#     process posts successfully an hour later, which ends the pause: the
#     waiter notices, polls again and sees the publish done well before
#     the two hours.
set -eu
. "$(dirname "$0")/emu_lib.sh"
command -v faketime >/dev/null 2>&1 || { echo "SKIP: faketime is missing (apt-get install faketime)"; exit 77; }
EMU_BIN=$BIN/tests/pm3k_emu
PKI=$(dirname "$EMU_CA")
[ -x "$EMU_BIN" ] && [ -f "$PKI/server.pem" ] || { echo "SKIP: no emulator binary or certificate"; exit 77; }
export PM3K EMU_BIN PKI EMU_CA tmp ns

# The part that runs under faketime: sh -c "$inner" SCENARIO
inner='
set -eu
scenario=$1
dir=$tmp/$scenario
mkdir -p "$dir/store"
"$EMU_BIN" --port-file "$dir/port" --store "$dir/store" --cert "$PKI/server.pem" \
    --key "$PKI/server.key" 2>"$dir/emu.log" &
emu=$!
trap "kill $emu 2>/dev/null || true" EXIT
i=0
while [ ! -s "$dir/port" ] && [ $i -lt 600 ]; do i=$((i + 1)); sleep 1; done
[ -s "$dir/port" ] || { echo "the private emulator did not start"; exit 1; }
url=https://127.0.0.1:$(cat "$dir/port")
ctl() { curl -sS -f --cacert "$EMU_CA" -X POST --data-binary "$2" "$url/__control/$1" >"$dir/ctl"; }
key="$ns-$scenario"
ctl key "{\"key\":\"$key\",\"open_id\":\"open-$key\"}"
export PM3K_API_KEY="$key" PM3K_HISTORY="$dir/history.db" PM3K_BASE_URL="$url"
mkbody() { printf "{\"source_url\":\"https://files.pm3k.org/uploads/%s/%s.mp4\",\"privacy\":\"SELF_ONLY\"}" "$key" "$1" >"$dir/$1.json"; }
mkbody a
mkbody b
if [ "$scenario" = limits ]; then
    ctl status "{\"key\":\"$key\",\"pending_polls\":1000}"
else
    ctl status "{\"key\":\"$key\",\"pending_polls\":1,\"pending_seconds\":4000}"
fi
"$PM3K" post --format json --timeout 600 --cacert "$EMU_CA" "$dir/a.json" >"$dir/post.json"
id=$(jq -r ".items[0].facts.publish_id" "$dir/post.json")
echo "$id" >"$dir/id"
if [ "$scenario" = limits ]; then
    seq 18 | xargs -P 6 -I{} sh -c "\"\$PM3K\" status --timeout 600 --cacert \"\$EMU_CA\" $id >/dev/null 2>&1 || true"
    for w in 1 2; do
        ( rc=0; "$PM3K" status --wait --max-wait 3500 --timeout 600 --format json --cacert "$EMU_CA" \
            "$id" >"$dir/w$w.json" 2>"$dir/w$w.err" || rc=$?; echo $rc >"$dir/w$w.rc" ) &
    done
    wait %2 %3 2>/dev/null || wait
else
    ctl fault "{\"key\":\"$key\",\"endpoint\":\"status\",\"fault\":\"error\",\"code\":\"status_cooldown\",\"seconds\":7200}"
    ( rc=0; "$PM3K" status --wait --max-wait 9000 --timeout 600 --format json --cacert "$EMU_CA" \
        "$id" >"$dir/w1.json" 2>"$dir/w1.err" || rc=$?; echo $rc >"$dir/w1.rc" ) &
    waiter=$!
    sleep 3700
    "$PM3K" post --format json --timeout 600 --cacert "$EMU_CA" "$dir/b.json" >"$dir/post_b.json"
    wait $waiter
fi
ctl calls "{\"key\":\"$key\"}"
cp "$dir/ctl" "$dir/calls.json"
'

run() { # SCENARIO SPEED
    FAKETIME_DONT_RESET=1 TZ=UTC faketime -f "@2030-06-01 00:00:00 x$2" sh -c "$inner" sh "$1" ||
        fail "scenario $1 failed: $(cat "$tmp/$1"/*.err "$tmp/$1/emu.log" 2>/dev/null | tail -20)"
}

# ---- 1: the limits, across two processes ----
run limits 10
d=$tmp/limits
refused=$(grep -c 'POST /api/tiktok/status -> 429' "$d/emu.log" || true)
[ "$refused" = 0 ] || fail "the emulator refused $refused status calls: $(grep -- '-> 429' "$d/emu.log" | head -3)"
calls=$(jq -r .calls.status "$d/calls.json")
[ "$calls" = 40 ] || fail "$calls status calls reached the emulator, expected 40 (the hour's budget)"
found_hourly=no
for w in 1 2; do
    [ "$(cat "$d/w$w.rc")" = 3 ] || fail "waiter $w exited $(cat "$d/w$w.rc"), expected 3: $(cat "$d/w$w.json")"
    code=$(jq -r '.items[0].findings[-1].code' "$d/w$w.json")
    case $code in
    hourly_limit_status) found_hourly=yes ;;
    publish_pending) ;;
    *) fail "waiter $w stopped with $code: $(cat "$d/w$w.json")" ;;
    esac
    jq -e '.items[0].facts.retry_at' "$d/w$w.json" >/dev/null || fail "waiter $w gives no next safe time"
done
[ "$found_hourly" = yes ] || fail "neither waiter met the hour's budget"
if command -v sqlite3 >/dev/null 2>&1; then
    most=$(sqlite3 "$d/history.db" "SELECT max((SELECT count(*) FROM status_calls b WHERE
        b.created_at BETWEEN a.created_at AND a.created_at + 59)) FROM status_calls a")
    [ "$most" = 20 ] || fail "the history holds $most status calls in one minute, expected at most and at least 20"
fi
echo "ok: two waiters and 18 single calls kept to 20 a minute and 40 an hour (no 429)"

# ---- 2: a successful post ends a status cooldown early ----
run cooldown 100
d=$tmp/cooldown
[ "$(cat "$d/w1.rc")" = 0 ] || fail "the waiter exited $(cat "$d/w1.rc"): $(cat "$d/w1.json" "$d/w1.err")"
[ "$(jq -r '.items[0].facts.publish_id' "$d/post_b.json")" != null ] || fail "the second post did not go"
waited=$(jq -r '.items[0].facts.waited_s' "$d/w1.json")
state=$(jq -r '.items[0].facts.state' "$d/w1.json")
[ "$state" = done ] || fail "the waiter ended in state $state"
awk "BEGIN { exit !($waited > 3700 && $waited < 5000) }" ||
    fail "the waiter waited $waited s: the cooldown's end at the second post (3700 s) went unseen"
echo "ok: the status cooldown ended with the next successful post; done after $waited s"
