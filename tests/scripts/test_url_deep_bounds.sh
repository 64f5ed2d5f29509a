#!/bin/sh
# fixtures: nginx
# --deep reads are bounded, and bytes that change between range requests are
# the server's property. The server is tests/servers/hostile.py over TLS.
# - bigread.mp4 (90 MB, under the free plan's limit) declares an avcC box of
#   90 MB that libavformat reads in one go (it was 300 MB of RSS: one 90 MB
#   range): the box walk refuses a box read whole over 16 MiB before any
#   demuxer runs, as for a local file (unreadable_media, a block read).
# - bigread2.mp4 has two sample descriptions with an avcC of 10 MB each,
#   which the walk lets through: --deep fetches at most 16 MiB, one block
#   (128 KiB) per request, then gives up with deep_unavailable; the probe's
#   peak RSS stays under 100 MB.
# - /changing/ serves other bytes (and another ETag) from the second range
#   request on, honouring If-Range (200) or not (206): deep_unavailable,
#   "the file changed", not unreadable_media.
set -eu
. "$(dirname "$0")/hostile_lib.sh"
# Peak RSS bound: 100 MB; a sanitizer build's shadow memory gets three times that.
rss_limit=102400
if command -v ldd >/dev/null 2>&1 && ldd "$PM3K" 2>/dev/null | grep -q 'libasan'; then
    rss_limit=307200
fi
mkdir "$tmp/www"
"$PYTHON" "$SRC/tests/servers/make_bigread_mp4.py" "$tmp/www/bigread.mp4" 90000000
"$PYTHON" "$SRC/tests/servers/make_bigread_mp4.py" "$tmp/www/bigread2.mp4" 10000000 2
cp "$NGINX_WWW/moov_at_end.mp4" "$tmp/www/moov_at_end.mp4"
start_server deep https --root "$tmp/www"
base=https://media.test:$PORT_deep

# deep URL: probe --deep URL into $tmp/r.json, exit code in $rc, peak RSS
# in KB in $rss (0 when /usr/bin/time is missing)
deep() {
    rss=0
    set +e
    if [ -x /usr/bin/time ]; then
        timeout 120 /usr/bin/time -f %M -o "$tmp/rss" "$PM3K" probe --format json --deep \
            --domain media.test --cacert "$NGINX_CACERT" --resolve "media.test:$PORT_deep:127.0.0.1" \
            "$1" >"$tmp/r.json" 2>"$tmp/r.err"
        rc=$?
        rss=$(tail -n 1 "$tmp/rss")
    else
        timeout 120 "$PM3K" probe --format json --deep --domain media.test \
            --cacert "$NGINX_CACERT" --resolve "media.test:$PORT_deep:127.0.0.1" "$1" \
            >"$tmp/r.json" 2>"$tmp/r.err"
        rc=$?
    fi
    set -e
}

summary='it["status"] + " " + ",".join(f["code"] for f in it["findings"]) + " " + str(it["facts"].get("bytes_read")) + " " + str(it["facts"].get("range_requests"))'

url=$base/files/bigread.mp4
deep "$url"
[ "$rc" = 1 ] || fail "bigread: exit $rc, expected 1: $(cat "$tmp/r.json" "$tmp/r.err")"
set -- $(item_field "$tmp/r.json" "$url" "$summary")
[ "$1 $2" = "fail unreadable_media" ] || fail "bigread: $*"
[ "$3" -le $(($4 * 131072)) ] || fail "bigread: $3 bytes in $4 requests: a range over 128 KiB"
grep -q "its 'avcC' box of track 1 is 90000008 bytes" "$tmp/r.json" ||
    fail "bigread: the reason does not name the box"
[ "$rss" -lt "$rss_limit" ] || fail "bigread: peak RSS $rss KB, over $rss_limit KB"
echo "ok: bigread: $3 bytes in $4 requests, peak RSS $rss KB"

url=$base/files/bigread2.mp4
deep "$url"
[ "$rc" = 0 ] || fail "bigread2: exit $rc, expected 0: $(cat "$tmp/r.json" "$tmp/r.err")"
set -- $(item_field "$tmp/r.json" "$url" "$summary")
[ "$1 $2" = "warn deep_unavailable" ] || fail "bigread2: $*"
[ "$3" -le 16777216 ] || fail "bigread2: $3 bytes read, over 16 MiB"
[ "$3" -le $(($4 * 131072)) ] || fail "bigread2: $3 bytes in $4 requests: a range over 128 KiB"
grep -q "needed more than 16 MiB" "$tmp/r.json" || fail "bigread2: the reason does not say why"
[ "$rss" -lt "$rss_limit" ] || fail "bigread2: peak RSS $rss KB, over $rss_limit KB"
echo "ok: bigread2: $3 bytes in $4 requests, peak RSS $rss KB"

for honour in 1 0; do
    url="$base/changing/moov_at_end.mp4?ifrange=$honour"
    deep "$url"
    [ "$rc" = 0 ] || fail "changing ($honour): exit $rc, expected 0: $(cat "$tmp/r.json" "$tmp/r.err")"
    set -- $(item_field "$tmp/r.json" "$url" "$summary")
    [ "$1 $2" = "warn deep_unavailable" ] || fail "changing (If-Range honoured: $honour): $*"
    grep -q "the file changed while it was read" "$tmp/r.json" ||
        fail "changing ($honour): the reason does not say the file changed"
    echo "ok: changing bytes (If-Range honoured: $honour): deep_unavailable"
done

# The same file, unchanged, reads fine (the checks are not just refusing).
url=$base/files/moov_at_end.mp4
deep "$url"
set -- $(item_field "$tmp/r.json" "$url" "$summary")
case "$2" in *deep_unavailable* | *unreadable_media*) fail "unchanged file: $*" ;; esac
echo "ok: the unchanged file reads: $*"
