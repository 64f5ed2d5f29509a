#!/bin/sh
# fixtures: pm3k_emu
# The API key never appears in stdout, stderr, -v traces, reports (-o),
# the history (its file, WAL and shared memory) or a core file, whatever
# happens: a post, a refusal, a server that echoes the key back in its
# message, an unknown outcome, status polling, a key file, the history
# listing. A pm3k holding the key writes no core file when it is killed.
set -eu
. "$(dirname "$0")/emu_lib.sh"

key="$ns-KEYMATERIAL-9f3b2c"
ctl key "{\"key\":\"$key\",\"open_id\":\"open-$ns\"}"
export PM3K_API_KEY="$key" PM3K_HISTORY="$tmp/state/history.db" PM3K_BASE_URL="$EMU_URL"
out=$tmp/out
mkdir -p "$out"
n=0
run() { # EXPECTED_EXIT ARGS...: stdout and stderr kept in $out
    want=$1
    shift
    n=$((n + 1))
    rc=0
    "$PM3K" "$@" >"$out/$n.stdout" 2>"$out/$n.stderr" || rc=$?
    [ "$rc" = "$want" ] || fail "pm3k $*: exit $rc, expected $want: $(cat "$out/$n.stdout" "$out/$n.stderr")"
}

body "$tmp/a.json" a
body "$tmp/b.json" b
body "$tmp/c.json" c
ctl status "{\"key\":\"$key\",\"pending_polls\":1}"
run 0 post -v --format json -o "$out/report.json" --cacert "$EMU_CA" "$tmp/a.json"
id=$(json "$out/report.json" '.items[0].facts.publish_id')
grep -q 'Authorization: REDACTED' "$out/$n.stderr" || fail "-v shows no redacted Authorization"
run 3 post -v --cacert "$EMU_CA" "$tmp/b.json"
run 0 status -v --wait --format ndjson --cacert "$EMU_CA" "$id"
run 0 history -v
run 0 history --format json
# A lying server echoes the key in its message: pm3k cuts it out.
ctl fault "{\"key\":\"$key\",\"endpoint\":\"direct_post\",\"fault\":\"error\",\"code\":\"bad_request\",\"message\":\"your key $key is bad\"}"
run 1 post -v --ignore-history --format json --cacert "$EMU_CA" "$tmp/c.json"
grep -q 'your key REDACTED is bad' "$out/$n.stdout" || fail "the echoed key was not redacted: $(cat "$out/$n.stdout")"
grep -q "your key REDACTED is bad" "$out/$n.stderr" || fail "the -v trace of the answer does not show it redacted: $(cat "$out/$n.stderr")"
ctl fault "{\"key\":\"$key\",\"endpoint\":\"status\",\"fault\":\"error\",\"code\":\"rate_limit_status\",\"message\":\"slow down $key\"}"
run 3 status -v --format junit --cacert "$EMU_CA" "$id"
ctl fault "{\"key\":\"$key\",\"endpoint\":\"direct_post\",\"fault\":\"drop\"}"
run 3 post -v --resend --ignore-history --format json --cacert "$EMU_CA" "$tmp/c.json"
# From a key file, with the environment's key gone.
printf '%s\n' "$key" >"$tmp/key"
chmod 600 "$tmp/key"
PM3K_API_KEY='' run 0 history --key-file "$tmp/key" --format json
PM3K_API_KEY='' run 3 status --key-file "$tmp/key" --cacert "$EMU_CA" "$id"
grep -q 'readable by group' "$out/$n.stderr" && fail "a 0600 key file warned"
# Uploads carry the key too (PM3K storage), and publish every call.
run 0 upload -v --format json --to pm3k --cacert "$EMU_CA" "${DATA:?}/video/vertical.mp4"
run 0 upload -v --to pm3k --force --payload --privacy public --cacert "$EMU_CA" "$DATA/video/vertical.mp4"
run 3 publish -v --format json --to pm3k --privacy public --cacert "$EMU_CA" "$DATA/video/vertical.mp4"

for f in "$out"/* "$tmp"/state/*; do
    [ -f "$f" ] || continue
    if grep -q -a -F "$key" "$f"; then fail "the key is in $f"; fi
    if grep -q -a -F "KEYMATERIAL" "$f"; then fail "part of the key is in $f"; fi
done
[ -s "$tmp/state/history.db" ] || fail "no history was written"
echo "ok: the key is in no output, report, trace or history file ($n runs)"

# A pm3k that holds the key writes no core file when it dies: it is not
# dumpable. Checked only where this shell's processes do dump cores.
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || echo '|')
case "$pattern" in
'|'* | /*)
    echo "ok: core files go elsewhere ($pattern): not checked"
    exit 0
    ;;
esac
mkdir -p "$tmp/cores/sleep" "$tmp/cores/pm3k"
(
    ulimit -c unlimited 2>/dev/null || exit 0
    cd "$tmp/cores/sleep"
    sleep 30 &
    p=$!
    sleep 0.2
    kill -ABRT "$p"
    wait "$p" || true
)
if [ -z "$(ls "$tmp/cores/sleep")" ]; then
    echo "ok: this system writes no core files: not checked"
    exit 0
fi
ctl fault "{\"key\":\"$key\",\"endpoint\":\"status\",\"fault\":\"hang\",\"seconds\":20}"
(
    ulimit -c unlimited
    cd "$tmp/cores/pm3k"
    # a history of its own: the one above holds rate_limit_status
    PM3K_HISTORY="$tmp/cores/history.db" "$PM3K" status --timeout 30 --cacert "$EMU_CA" "$id" \
        >/dev/null 2>&1 &
    p=$!
    sleep 1
    kill -0 "$p" 2>/dev/null || fail "pm3k status did not wait for the hanging answer"
    kill -ABRT "$p"
    wait "$p" || true
)
[ -z "$(ls "$tmp/cores/pm3k" | grep -v '^history')" ] || fail "pm3k holding the key wrote a core file: $(ls "$tmp/cores/pm3k")"
echo "ok: a pm3k holding the key writes no core file"
