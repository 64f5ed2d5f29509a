#!/bin/sh
# A list entry on stdin is read up to 65,536 bytes: a longer one (here 200 MB,
# a line or a -0 entry) is an input_unreadable item named by its start (its
# URL credentials redacted), the entries after it are checked as usual, and
# memory stays flat: peak RSS under 100 MB (it was 819 MB, the line held
# twice). Env (from ctest): PM3K, PYTHON.
set -eu
: "${PM3K:?}"
PYTHON=${PYTHON:-python3}
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Peak RSS bound: 100 MB; a sanitizer build's shadow memory gets three times that.
rss_limit=102400
if command -v ldd >/dev/null 2>&1 && ldd "$PM3K" 2>/dev/null | grep -q 'libasan'; then
    rss_limit=307200
fi
[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time is missing"; exit 77; }

for sep in newline nul; do
    flag=-
    [ "$sep" = nul ] && flag="-0 -"
    set +e
    "$PYTHON" -c 'import sys
sep = b"\0" if sys.argv[1] == "nul" else b"\n"
out = sys.stdout.buffer
out.write(b"https://files.pm3k.org/a.mp4?token=S3CRETtok&pad=")
chunk = b"x" * (1 << 20)
for _ in range(200):
    out.write(chunk)
out.write(sep + b"missing-after-the-long-line.mp4" + sep)' "$sep" |
        timeout 120 /usr/bin/time -f %M -o "$tmp/rss" "$PM3K" probe --format json $flag \
            >"$tmp/r.json" 2>"$tmp/r.err"
    rc=$?
    set -e
    [ "$rc" = 2 ] || fail "$sep: exit $rc, expected 2: $(head -c 2000 "$tmp/r.json") $(cat "$tmp/r.err")"
    "$PYTHON" - "$tmp/r.json" "$sep" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
items = r["items"]
def fail(msg):
    print("FAIL: %s: %s" % (sys.argv[2], msg))
    sys.exit(1)
if len(items) != 2:
    fail("%d items, expected 2" % len(items))
long, after = items
codes = [f["code"] for f in long["findings"]]
if codes != ["input_unreadable"] or long["input"] != 0 or long["status"] != "error":
    fail("the long entry: %s input %s codes %s" % (long["status"], long["input"], codes))
if "longer than 65536 bytes" not in long["findings"][0]["message"]:
    fail("the reason: " + long["findings"][0]["message"])
if len(long["path"]) > 300 or "S3CRETtok" in json.dumps(r) or "token=REDACTED" not in long["path"]:
    fail("the long entry's path: " + long["path"][:300])
if after["path"] != "missing-after-the-long-line.mp4" or after["input"] != 1:
    fail("the entry after it: %s" % after["path"])
PY
    rss=$(tail -n 1 "$tmp/rss")
    [ "$rss" -lt "$rss_limit" ] || fail "$sep: peak RSS $rss KB, over $rss_limit KB"
    echo "ok: $sep: a 200 MB entry is input_unreadable, peak RSS $rss KB"
done
