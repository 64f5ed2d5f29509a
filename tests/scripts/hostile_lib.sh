# Sourced by the hostile-server scenario tests (tests/scripts/test_url_*.sh):
# the nginx fixture's names, a temporary folder, and servers of
# tests/servers/hostile.py started and stopped by pid. Env (from ctest):
# PM3K, BIN, SRC, PYTHON.
: "${PM3K:?}" "${BIN:?}" "${SRC:?}"
PYTHON=${PYTHON:-python3}
fail() { echo "FAIL: $*"; exit 1; }
env_file=$BIN/fixtures/nginx.env
[ -f "$env_file" ] || { echo "SKIP: no nginx fixture"; exit 77; }
nginx_env() { sed -n "s/^$1=//p" "$env_file"; }
NGINX_AVAILABLE=$(nginx_env NGINX_AVAILABLE)
[ "$NGINX_AVAILABLE" = 1 ] || { echo "SKIP: nginx is not installed"; exit 77; }
NGINX_BASE=$(nginx_env NGINX_BASE)
NGINX_PORT=$(nginx_env NGINX_PORT)
NGINX_CACERT=$(nginx_env NGINX_CACERT)
NGINX_RESOLVE=$(nginx_env NGINX_RESOLVE)
NGINX_WWW=$(nginx_env NGINX_WWW)
PKI=$(dirname "$NGINX_CACERT")
tmp=$(mktemp -d)
server_pids=""
cleanup() {
    for pid in $server_pids; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

# start_server NAME MODE [ARGS...]: hostile.py MODE in the background; sets
# PORT_<NAME> and COUNT_FILE_<NAME> (the file that holds its connection count).
start_server() {
    name=$1
    mode=$2
    shift 2
    "$PYTHON" "$SRC/tests/servers/hostile.py" "$mode" --port-file "$tmp/$name.port" \
        --count-file "$tmp/$name.count" --cert "$PKI/server.pem" --key "$PKI/server.key" \
        --lifetime 300 "$@" >"$tmp/$name.log" 2>&1 &
    server_pids="$server_pids $!"
    i=0
    while [ ! -s "$tmp/$name.port" ]; do
        i=$((i + 1))
        [ $i -lt 500 ] || fail "hostile server $name did not start: $(cat "$tmp/$name.log")"
        sleep 0.02
    done
    eval "PORT_$name=\$(cat \"\$tmp/\$name.port\")"
    eval "COUNT_FILE_$name=\$tmp/\$name.count"
}

# json_get FILE PYTHON_EXPR: evaluate EXPR with r = the JSON report.
json_get() {
    "$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

# item_of FILE PATH: the item whose path is PATH, as JSON
item_field() {
    "$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))
it = [i for i in r["items"] if i["path"] == sys.argv[2]]
if len(it) != 1:
    print("no-such-item")
    sys.exit(0)
it = it[0]
print(eval(sys.argv[3]))' "$1" "$2" "$3"
}
