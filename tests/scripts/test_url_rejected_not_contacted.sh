#!/bin/sh
# fixtures: nginx
# A URL the host rules already reject (domain_mismatch, domain_not_verified,
# not_https) is never contacted: a listener on 127.0.0.1 counts every TCP
# connection and must see none for them, with or without --deep, and for
# `domain verify --sample`; their items show no HTTP status and say the URL
# was not fetched. A URL the rules allow on the same listener is then
# contacted (the count goes up), so the count is real.
set -eu
. "$(dirname "$0")/hostile_lib.sh"
start_server listen counter
port=$PORT_listen
resolve="--resolve media.test:$port:127.0.0.1 --resolve other.test:$port:127.0.0.1"

connections() { cat "$COUNT_FILE_listen"; }

# expect URL CODE: the item of URL in $tmp/r.json fails with CODE alone,
# has no status fact and says it was not fetched
expect() {
    got=$(item_field "$tmp/r.json" "$1" \
        'it["status"] + " " + ",".join(sorted(f["code"] for f in it["findings"])) + " " + str("status" in it["facts"]) + " " + str(all("not fetched" in f["message"] for f in it["findings"]))')
    [ "$got" = "fail $2 False True" ] || fail "$1: got '$got', expected 'fail $2 False True'"
}

run() {
    set +e
    timeout 60 "$PM3K" "$@" >"$tmp/r.json" 2>"$tmp/r.err"
    rc=$?
    set -e
    [ "$rc" = 1 ] || fail "$*: exit $rc, expected 1: $(cat "$tmp/r.json" "$tmp/r.err")"
}

for deep in "" --deep; do
    run probe --format json $deep --domain media.test --cacert "$NGINX_CACERT" $resolve \
        "https://other.test:$port/a.mp4" "http://media.test:$port/b.mp4" \
        "https://127.0.0.1:$port/c.mp4"
    expect "https://other.test:$port/a.mp4" domain_mismatch
    expect "http://media.test:$port/b.mp4" not_https
    expect "https://127.0.0.1:$port/c.mp4" domain_mismatch
    run probe --format json $deep --cacert "$NGINX_CACERT" $resolve \
        "https://media.test:$port/d.mp4" "https://other.test:$port/e.jpg?x=1"
    expect "https://media.test:$port/d.mp4" domain_not_verified
    expect "https://other.test:$port/e.jpg?x=1" domain_not_verified
    [ "$(connections)" = 0 ] || fail "rejected URLs ($deep) got $(connections) connections"
done
grep -q "check the URL with --domain other.test" "$tmp/r.json" ||
    fail "the hint does not say how to check the URL"

# domain verify: the HOST itself is checked (nginx), the sample on another
# host is not contacted.
set +e
timeout 60 "$PM3K" domain verify --format json --cacert "$NGINX_CACERT" \
    --resolve "$NGINX_RESOLVE" $resolve --sample "https://other.test:$port/s.mp4" \
    "media.test:$NGINX_PORT" >"$tmp/r.json" 2>"$tmp/r.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "domain verify --sample: exit $rc: $(cat "$tmp/r.json" "$tmp/r.err")"
expect "https://other.test:$port/s.mp4" domain_mismatch
[ "$(connections)" = 0 ] || fail "a rejected --sample got $(connections) connections"
echo "ok: no connection for rejected URLs"

# The control: an allowed URL on the same listener is contacted.
set +e
timeout 60 "$PM3K" probe --format json --domain media.test --cacert "$NGINX_CACERT" \
    --timeout 5 $resolve "https://media.test:$port/f.mp4" >"$tmp/r.json" 2>"$tmp/r.err"
set -e
[ "$(connections)" -ge 1 ] || fail "the allowed URL made no connection: the count is not real"
echo "ok: the allowed URL made $(connections) connection(s)"
