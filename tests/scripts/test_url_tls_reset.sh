#!/bin/sh
# fixtures: nginx
# A TLS handshake that a reset cuts short half-way may work on the next try:
# it stays a transient fetch_error (exit 3, "retry later"), while a server
# whose TLS setup can never work (plain HTTP on the https port, only TLS
# 1.0: tests/cli/cases/url/tls_*.case) is definite. The server is
# tests/servers/hostile.py: it reads the ClientHello and resets.
set -eu
. "$(dirname "$0")/hostile_lib.sh"
start_server reset reset
url=https://media.test:$PORT_reset/file.mp4
for domain_cmd in probe verify; do
    set +e
    if [ "$domain_cmd" = probe ]; then
        timeout 60 "$PM3K" probe --format json --domain media.test --cacert "$NGINX_CACERT" \
            --resolve "media.test:$PORT_reset:127.0.0.1" "$url" >"$tmp/r.json" 2>"$tmp/r.err"
    else
        timeout 60 "$PM3K" domain verify --format json --cacert "$NGINX_CACERT" \
            --resolve "media.test:$PORT_reset:127.0.0.1" "media.test:$PORT_reset" \
            >"$tmp/r.json" 2>"$tmp/r.err"
    fi
    rc=$?
    set -e
    [ "$rc" = 3 ] || fail "$domain_cmd: exit $rc, expected 3: $(cat "$tmp/r.json" "$tmp/r.err")"
    got=$(json_get "$tmp/r.json" \
        'r["items"][0]["status"] + " " + ",".join(f["code"] for f in r["items"][0]["findings"])')
    [ "$got" = "error fetch_error" ] || fail "$domain_cmd: got '$got', expected 'error fetch_error'"
    grep -q "retry later" "$tmp/r.json" || fail "$domain_cmd: no 'retry later' hint"
    echo "ok: $domain_cmd: a reset in the handshake is transient"
done
[ "$(cat "$COUNT_FILE_reset")" -ge 2 ] || fail "the reset server saw no connection"
