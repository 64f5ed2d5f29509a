#!/bin/sh
# Start the nginx test server for the URL and domain tests.
#
#   nginx-start.sh STATE_DIR ENV_FILE DATA_DIR
#
# Makes a test CA and certificates with openssl, a www folder (the media of
# DATA_DIR/url, sparse oversize files, DATA_DIR itself as /data), and starts
# nginx on 127.0.0.1 on ports chosen now. When nginx answers, writes ENV_FILE
# with NAME=VALUE lines that tests/cli/run_case.py substitutes as {NAME}.
# Stop it with nginx-stop.sh STATE_DIR ENV_FILE.
#
# Exit 77 (skip) when nginx is not installed; ENV_FILE then still gets the
# names (with NGINX_AVAILABLE=0) so that cases with `requires: nginx` skip
# instead of failing on an unknown {NAME}.
set -eu
state=${1:?usage: nginx-start.sh STATE_DIR ENV_FILE DATA_DIR}
envfile=${2:?usage: nginx-start.sh STATE_DIR ENV_FILE DATA_DIR}
data=${3:?usage: nginx-start.sh STATE_DIR ENV_FILE DATA_DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$state" "$(dirname "$envfile")"
state=$(cd "$state" && pwd)
data=$(cd "$data" && pwd)

write_env() { # available port untrusted_port closed_port plain_port tls10_port twin_port
    tmp="$envfile.tmp.$$"
    resolve=""
    for h in media.test other.test files.pm3k.org verify-404.test verify-redirect.test \
             verify-500.test; do
        resolve="$resolve --resolve $h:$2:127.0.0.1"
    done
    cat >"$tmp" <<EOT
NGINX_AVAILABLE=$1
NGINX_PORT=$2
NGINX_HOST=media.test:$2
NGINX_BASE=https://media.test:$2
NGINX_CACERT=$state/pki/ca.pem
NGINX_RESOLVE=media.test:$2:127.0.0.1
NGINX_RESOLVE_ARGS=$resolve
NGINX_UNTRUSTED_PORT=$3
NGINX_UNTRUSTED_RESOLVE=media.test:$3:127.0.0.1
NGINX_CLOSED_PORT=$4
NGINX_CLOSED_RESOLVE=media.test:$4:127.0.0.1
NGINX_PLAIN_PORT=$5
NGINX_PLAIN_RESOLVE=media.test:$5:127.0.0.1
NGINX_TLS10_PORT=$6
NGINX_TLS10_RESOLVE=media.test:$6:127.0.0.1
NGINX_TWIN_PORT=$7
NGINX_TWIN_RESOLVE=media.test:$7:127.0.0.1
NGINX_WWW=$state/www
NGINX_DATA=$data
EOT
    mv "$tmp" "$envfile"
}

# Found on PATH only, as the cases' `requires: nginx` looks for it.
NGINX=${NGINX:-$(command -v nginx 2>/dev/null || true)}
if [ -z "$NGINX" ] || [ ! -x "$NGINX" ]; then
    write_env 0 1 1 1 1 1 1
    echo "SKIP: nginx is not installed (apt-get install nginx-light libnginx-mod-http-echo);" \
         "the URL and domain tests need it"
    exit 77
fi
for tool in openssl curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is missing" >&2; exit 1; }
done

# A server left over from an earlier run goes first.
"$here/nginx-stop.sh" "$state" "$envfile" >/dev/null 2>&1 || true

rm -rf "$state/run" "$state/pki" "$state/www"
mkdir -p "$state/run/tmp" "$state/pki" "$state/www"
# As root nginx's workers run as nobody: they must be able to read the files.
chmod 755 "$state" "$state/run" "$state/pki" "$state/www"

# ---- certificates: a CA, a server certificate it signs, an untrusted one ----
# The server certificate also names files.pm3k.org, so that a URL on PM3K
# storage (hosting pm3k) can be tested here through --resolve.
pki=$state/pki
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" -days 30 \
    -subj "/CN=pm3k test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$pki/server.key" -out "$pki/server.csr" \
    -subj "/CN=media.test" 2>/dev/null
cat >"$pki/server.ext" <<EOT
subjectAltName=DNS:media.test,DNS:files.pm3k.org,DNS:verify-404.test,DNS:verify-redirect.test,DNS:verify-500.test,IP:127.0.0.1
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
EOT
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
    -CAcreateserial -out "$pki/server.pem" -days 30 -extfile "$pki/server.ext" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/untrusted.key" \
    -out "$pki/untrusted.pem" -days 30 -subj "/CN=media.test" \
    -addext "subjectAltName=DNS:media.test" 2>/dev/null
chmod 644 "$pki"/*.key

# ---- the files ----
www=$state/www
for f in faststart.mp4 moov_at_end.mp4 landscape.mp4 photo.jpg photo.webp wide.png; do
    cp "$data/url/$f" "$www/$f"
done
cp "$www/faststart.mp4" "$www/file.mp4"
cp "$www/faststart.mp4" "$www/noext"
printf 'pm3k-verify-token-abc123\n' >"$www/pm3k-verify.txt"
# Over the free plan's 100 MB and under the paid 200 MB; over 20 MB for an
# image. Sparse: no disk is used.
truncate -s 150000000 "$www/big.mp4"
truncate -s 25000000 "$www/big.jpg"
ln -s "$data" "$www/data"
chmod -R a+rX "$www"

# ---- config and start ----
if [ -e /usr/lib/nginx/modules/ngx_http_echo_module.so ] && [ -z "${PM3K_NGINX_NO_ECHO:-}" ]; then
    load_echo="load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;"
    stall='location = /stall { echo_sleep 30; echo "late"; }'
    blackhole=""
else
    # Without the echo module a port that accepts connections (the kernel
    # does that for a listening socket) but never answers stands in.
    load_echo=""
    blackhole=yes
fi
user=""
[ "$(id -u)" = 0 ] && user="user root;"

tries=0
while :; do
    tries=$((tries + 1))
    port=$(shuf -i 20000-59000 -n 1)
    untrusted=$((port + 1))
    closed=$((port + 2))
    plain=$((port + 4))
    tls10=$((port + 5))
    twin=$((port + 6))
    if [ -n "$blackhole" ]; then
        silent=$((port + 3))
        stall="location = /stall { proxy_pass http://127.0.0.1:$silent; proxy_read_timeout 60s; }"
        setsid python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); time.sleep(3600)' \
            "$silent" </dev/null >"$state/run/blackhole.out" 2>&1 &
        echo $! >"$state/run/blackhole.pid"
        # Listening: a connection is accepted by the kernel and then times out
        # (curl 28); before that it is refused (curl 7).
        i=0
        while [ $i -lt 250 ]; do
            i=$((i + 1))
            rc=0
            curl -s -o /dev/null --max-time 0.1 "http://127.0.0.1:$silent/" 2>/dev/null || rc=$?
            [ "$rc" = 28 ] && break
            sleep 0.02
        done
    fi
    sed -e "s#@DIR@#$state#g" -e "s#@PORT@#$port#g" -e "s#@UNTRUSTED_PORT@#$untrusted#g" \
        -e "s#@PLAIN_PORT@#$plain#g" -e "s#@TLS10_PORT@#$tls10#g" -e "s#@TWIN_PORT@#$twin#g" \
        -e "s#@LOAD_ECHO@#$load_echo#" -e "s#@USER@#$user#" -e "s#@STALL@#$stall#" \
        "$here/nginx.conf.in" >"$state/run/nginx.conf"
    "$NGINX" -t -q -p "$state/run" -e "$state/run/error.log" -c "$state/run/nginx.conf" \
        </dev/null >"$state/run/nginx-t.out" 2>&1 || { cat "$state/run/nginx-t.out"; exit 1; }
    # Detached, every descriptor on a file: a server holding ctest's pipe
    # would make ctest wait for it.
    setsid "$NGINX" -p "$state/run" -e "$state/run/error.log" -c "$state/run/nginx.conf" \
        </dev/null >"$state/run/nginx.out" 2>&1 &
    pid=$!
    ready=""
    i=0
    while [ $i -lt 500 ]; do
        i=$((i + 1))
        kill -0 "$pid" 2>/dev/null || break
        if curl -fsS -o /dev/null --max-time 2 --cacert "$pki/ca.pem" \
                --resolve "media.test:$port:127.0.0.1" \
                "https://media.test:$port/pm3k-verify.txt" 2>/dev/null &&
           curl -fsS -o /dev/null --max-time 2 --cacert "$pki/ca.pem" \
                --resolve "media.test:$port:127.0.0.1" \
                "https://media.test:$port/data/url/photo.jpg" 2>/dev/null; then
            ready=yes
            break
        fi
        sleep 0.02
    done
    # The closed port must really be closed (curl exit 7: connection refused).
    rc=0
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$closed/" 2>/dev/null || rc=$?
    [ "$rc" = 7 ] || ready=""
    [ -n "$ready" ] && break
    kill -TERM "$pid" 2>/dev/null || true
    if [ -f "$state/run/blackhole.pid" ]; then
        kill -TERM "$(cat "$state/run/blackhole.pid")" 2>/dev/null || true
    fi
    if [ $tries -ge 5 ]; then
        echo "error: nginx did not start; its log:" >&2
        cat "$state/run/nginx.out" "$state/run/error.log" >&2 2>/dev/null || true
        exit 1
    fi
    sleep 0.2
done
echo "$pid" >"$state/run/master.pid"
write_env 1 "$port" "$untrusted" "$closed" "$plain" "$tls10" "$twin"
echo "nginx $pid on https://media.test:$port (127.0.0.1), untrusted cert on $untrusted"
if [ -n "$blackhole" ]; then
    echo "note: no echo module (libnginx-mod-http-echo): /stall uses a silent port"
fi
exit 0
