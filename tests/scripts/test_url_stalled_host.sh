#!/bin/sh
# fixtures: nginx
# A host that stopped answering cannot hold a batch hostage: after a few
# timeouts in a row from one host and port, its other URLs fail at once as
# `error` ("stopped answering") instead of a timeout each. A host that keeps
# answering some URLs in between is not cut off, and other hosts are never
# affected. nginx's /stall never answers (echo_sleep 30, or a silent port).
#   stalled:  media.test:TWIN_PORT/stall x 100
#   mixed:    media.test:PORT, /stall and /file.mp4 alternating x 40
#   other:    files.pm3k.org:PORT/file.mp4 x 20
# With --timeout 5 the 100 stalled URLs took 7 rounds of 5 s; now one (the
# timeout is long enough for the answering hosts on a loaded machine or a
# sanitizer build).
set -eu
. "$(dirname "$0")/hostile_lib.sh"
twin=$(nginx_env NGINX_TWIN_PORT)
stalled=https://media.test:$twin
mixed=$NGINX_BASE
other=https://files.pm3k.org:$NGINX_PORT
i=0
while [ $i -lt 100 ]; do
    echo "$stalled/stall?s=$i"
    if [ $i -lt 20 ]; then
        echo "$mixed/stall?m=$i"
        echo "$mixed/file.mp4?m=$i"
        echo "$other/file.mp4?o=$i"
    fi
    i=$((i + 1))
done >"$tmp/urls"
set +e
timeout 120 "$PM3K" probe --format json --domain media.test --cacert "$NGINX_CACERT" \
    --resolve "$NGINX_RESOLVE" --resolve "media.test:$twin:127.0.0.1" \
    --resolve "files.pm3k.org:$NGINX_PORT:127.0.0.1" --timeout 5 - <"$tmp/urls" \
    >"$tmp/r.json" 2>"$tmp/r.err"
rc=$?
set -e
[ "$rc" = 3 ] || fail "exit $rc, expected 3: $(tail -c 2000 "$tmp/r.json") $(cat "$tmp/r.err")"
"$PYTHON" - "$tmp/r.json" "$stalled" "$mixed" "$other" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
stalled, mixed, other = sys.argv[2:5]
def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)
def reason(it):
    return " ".join(f["message"] for f in it["findings"])
items = r["items"]
if len(items) != 160:
    fail("%d items, expected 160" % len(items))
cut = timed = 0
for it in items:
    p = it["path"]
    if p.startswith(stalled + "/"):
        codes = [f["code"] for f in it["findings"]]
        if it["status"] != "error" or codes != ["fetch_error"]:
            fail("%s: %s %s" % (p, it["status"], codes))
        if "stopped answering" in reason(it):
            cut += 1
            if "status" in it["facts"]:
                fail("%s was cut off but has a status" % p)
        elif "timed out" in reason(it):
            timed += 1
        else:
            fail("%s: %s" % (p, reason(it)))
    elif "/file.mp4" in p:
        if it["status"] != "pass":
            fail("%s (a host that answers) is %s: %s" % (p, it["status"], reason(it)))
    elif p.startswith(mixed + "/stall"):
        if "stopped answering" in reason(it) or it["status"] != "error":
            fail("%s: the mixed host was cut off: %s" % (p, reason(it)))
    else:
        fail("unexpected item " + p)
# Only the URLs already running when the host was cut off time out.
if timed > 32 or cut < 100 - 32:
    fail("stalled host: %d timed out, %d cut off; expected at most 32 timeouts" % (timed, cut))
print("ok: stalled host: %d timed out, %d failed at once; the others all answered" % (timed, cut))
PY
