#!/bin/sh
# fixtures: nginx
# Every response header counts, however many come first: a server that sends
# 200 filler headers and then a second, conflicting Content-Length, a
# Transfer-Encoding: chunked, or its only Content-Length is judged on those
# (content_length_required, too_large), and one whose late Content-Length is
# fine passes. The server is tests/servers/hostile.py over TLS.
set -eu
. "$(dirname "$0")/hostile_lib.sh"
start_server late https --root "$tmp"
base=https://media.test:$PORT_late

# check NAME EXIT STATUS CODES [EXTRA PM3K ARGS]
check() {
    name=$1
    want_exit=$2
    want_status=$3
    want_codes=$4
    shift 4
    set +e
    timeout 60 "$PM3K" probe --format json --domain media.test --cacert "$NGINX_CACERT" \
        --resolve "media.test:$PORT_late:127.0.0.1" "$@" "$base/late/$name" \
        >"$tmp/$name.json" 2>"$tmp/$name.err"
    rc=$?
    set -e
    [ "$rc" = "$want_exit" ] || fail "$name $*: exit $rc, expected $want_exit: $(cat "$tmp/$name.json" "$tmp/$name.err")"
    got=$(item_field "$tmp/$name.json" "$base/late/$name" \
        'it["status"] + " " + ",".join(sorted(f["code"] for f in it["findings"]))')
    [ "$got" = "$want_status $want_codes" ] ||
        fail "$name $*: got '$got', expected '$want_status $want_codes'"
    echo "ok: $name $* -> $got"
}

check conflict.mp4 1 fail content_length_required
check conflict.mp4 1 fail content_length_required --get
check chunked.mp4 1 fail content_length_required --get
check big.mp4 1 fail too_large
check ok.mp4 0 pass ""
grep -q "1000 and 2000" "$tmp/conflict.mp4.json" || fail "the conflict is not named"
