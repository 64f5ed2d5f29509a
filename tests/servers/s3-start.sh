#!/bin/sh
# Start the S3-compatible test server for the s3:// upload tests:
# @20minutes/s3rver (pinned in tests/s3/package-lock.json; it verifies
# SigV4 signatures) over HTTPS on 127.0.0.1.
#
#   s3-start.sh STATE_DIR ENV_FILE S3_SOURCE_DIR
#
# Installs the pinned packages into STATE_DIR/node with `npm ci` when they
# are missing or the lockfile changed (never into the source tree), makes a
# test CA and a certificate for 127.0.0.1 with openssl, starts the server on
# a port the kernel chooses with path-style addressing (--no-vhost-buckets)
# and the bucket media-bucket, and writes ENV_FILE with NAME=VALUE lines
# (tests/servers/README.md lists them). Stop it with:
#   stop-by-pid.sh ENV_FILE STATE_DIR/run/s3rver.pid
#
# Exit 77 (skip) when Node.js >= 20 is missing, or npm when the packages
# must be installed; ENV_FILE then still gets S3_AVAILABLE=0.
set -eu
usage="usage: s3-start.sh STATE_DIR ENV_FILE S3_SOURCE_DIR"
state=${1:?$usage}
envfile=${2:?$usage}
src=${3:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$state" "$(dirname "$envfile")"
state=$(cd "$state" && pwd)
src=$(cd "$src" && pwd)
bucket=media-bucket

skip() {
    tmp="$envfile.tmp.$$"
    echo "S3_AVAILABLE=0" >"$tmp"
    mv "$tmp" "$envfile"
    echo "SKIP: $*; the S3 upload tests need it"
    exit 77
}

NODE=$(command -v node 2>/dev/null || true)
[ -n "$NODE" ] || skip "Node.js is missing (@20minutes/s3rver 4 needs node >= 20)"
node_major=$("$NODE" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] 2>/dev/null ||
    skip "Node.js $("$NODE" --version 2>/dev/null) is too old (@20minutes/s3rver 4 needs node >= 20)"
for tool in openssl curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is missing" >&2; exit 1; }
done

# ---- the pinned packages, in the build tree ----
pkg=$state/node
mkdir -p "$pkg"
cp "$src/package.json" "$src/package-lock.json" "$src/s3rver-cli.js" "$pkg/"
if ! cmp -s "$pkg/package-lock.json" "$pkg/node_modules/.pm3k-installed-lock" 2>/dev/null; then
    command -v npm >/dev/null 2>&1 ||
        skip "npm is missing (it installs @20minutes/s3rver from tests/s3/package-lock.json)"
    echo "installing @20minutes/s3rver into $pkg (npm ci)"
    if ! (cd "$pkg" && npm ci --no-audit --no-fund --loglevel=error </dev/null >"$state/npm.log" 2>&1); then
        echo "error: npm ci failed in $pkg; its log:" >&2
        cat "$state/npm.log" >&2
        exit 1
    fi
    cp "$pkg/package-lock.json" "$pkg/node_modules/.pm3k-installed-lock"
fi

# A server left over from an earlier run goes first.
"$here/stop-by-pid.sh" "$envfile" "$state/run/s3rver.pid" >/dev/null 2>&1 || true
rm -rf "$state/run" "$state/pki" "$state/data"
mkdir -p "$state/run" "$state/pki" "$state/data"

pki=$state/pki
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" -days 30 \
    -subj "/CN=pm3k s3 test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$pki/server.key" -out "$pki/server.csr" \
    -subj "/CN=127.0.0.1" 2>/dev/null
cat >"$pki/server.ext" <<EOT
subjectAltName=IP:127.0.0.1,DNS:s3.test
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
EOT
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
    -CAcreateserial -out "$pki/server.pem" -days 30 -extfile "$pki/server.ext" 2>/dev/null

# Detached, every descriptor on a file: a server holding ctest's pipe would
# make ctest wait for it.
log=$state/run/s3rver.log
(cd "$pkg" && exec setsid "$NODE" s3rver-cli.js -d "$state/data" -a 127.0.0.1 -p 0 \
    --no-vhost-buckets --configure-bucket "$bucket" --key "$pki/server.key" \
    --cert "$pki/server.pem" </dev/null >"$log" 2>&1) &
pid=$!
echo "$pid" >"$state/run/s3rver.pid"
port=""
i=0
while [ $i -lt 1000 ]; do
    i=$((i + 1))
    kill -0 "$pid" 2>/dev/null || break
    port=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)[^0-9]*$/\1/p' "$log" | head -n 1)
    [ -n "$port" ] && break
    sleep 0.02
done
auth="--aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER -H x-amz-content-sha256:UNSIGNED-PAYLOAD"
# shellcheck disable=SC2086
if [ -z "$port" ] || ! curl -fsS -o /dev/null --max-time 5 --cacert "$pki/ca.pem" $auth \
        "https://127.0.0.1:$port/$bucket?list-type=2" 2>/dev/null; then
    echo "error: s3rver did not start; its log:" >&2
    cat "$log" >&2
    "$here/stop-by-pid.sh" "$envfile" "$state/run/s3rver.pid" >/dev/null 2>&1 || true
    exit 1
fi

# No bare port line (see pm3k_emu-start.sh).
tmp="$envfile.tmp.$$"
cat >"$tmp" <<EOT
S3_AVAILABLE=1
S3_ENDPOINT=https://127.0.0.1:$port
S3_CA=$pki/ca.pem
S3_BUCKET=$bucket
S3_ACCESS_KEY=S3RVER
S3_SECRET_KEY=S3RVER
S3_REGION=us-east-1
S3_DATA=$state/data
S3_LOG=$log
EOT
mv "$tmp" "$envfile"
echo "s3rver $pid on https://127.0.0.1:$port, bucket $bucket"
