#!/bin/sh
# Start the PM3K emulator for the upload, post and status tests.
#
#   pm3k_emu-start.sh STATE_DIR ENV_FILE EMULATOR
#
# Makes a test CA and a certificate for 127.0.0.1, pm3k.test and pm3k.org
# with openssl, starts EMULATOR (the pm3k_emu binary) over HTTPS on a port
# the kernel chooses, and when it answers writes ENV_FILE with NAME=VALUE
# lines (tests/servers/README.md lists them). Uploads are stored under
# STATE_DIR/store. Stop it with:
#   stop-by-pid.sh --log STATE_DIR/run/emu.log ENV_FILE STATE_DIR/run/emu.pid
#
# Exit 77 (skip) when the emulator was not built (no libmicrohttpd); ENV_FILE
# then still gets PM3K_EMU_AVAILABLE=0 so that tests can skip by it.
set -eu
usage="usage: pm3k_emu-start.sh STATE_DIR ENV_FILE EMULATOR"
state=${1:?$usage}
envfile=${2:?$usage}
emu=${3:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$state" "$(dirname "$envfile")"
state=$(cd "$state" && pwd)

if [ ! -x "$emu" ]; then
    tmp="$envfile.tmp.$$"
    echo "PM3K_EMU_AVAILABLE=0" >"$tmp"
    mv "$tmp" "$envfile"
    echo "SKIP: the PM3K emulator was not built: libmicrohttpd is missing" \
         "(apt-get install libmicrohttpd-dev, then re-run cmake)"
    exit 77
fi
for tool in openssl curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is missing" >&2; exit 1; }
done

# A server left over from an earlier run goes first.
"$here/stop-by-pid.sh" "$envfile" "$state/run/emu.pid" >/dev/null 2>&1 || true
rm -rf "$state/run" "$state/pki" "$state/store"
mkdir -p "$state/run" "$state/pki" "$state/store"

# Clients run under faketime at any date of 2020-2039 still trust these
# certificates: they are made "in" 2020 for 20 years. Without faketime they
# are valid for 30 days from now.
if command -v faketime >/dev/null 2>&1; then
    dated() { faketime -f '@2020-01-01 00:00:00' "$@"; }
    days=7300
else
    dated() { "$@"; }
    days=30
fi
pki=$state/pki
dated openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" \
    -days "$days" -subj "/CN=pm3k emulator test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$pki/server.key" -out "$pki/server.csr" \
    -subj "/CN=pm3k.test" 2>/dev/null
cat >"$pki/server.ext" <<EOT
subjectAltName=DNS:pm3k.test,DNS:pm3k.org,IP:127.0.0.1
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
EOT
dated openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
    -CAcreateserial -out "$pki/server.pem" -days "$days" -extfile "$pki/server.ext" 2>/dev/null

# Detached, every descriptor on a file: a server holding ctest's pipe would
# make ctest wait for it.
setsid "$emu" --port-file "$state/run/port" --pid-file "$state/run/emu.pid" \
    --store "$state/store" --cert "$pki/server.pem" --key "$pki/server.key" \
    </dev/null >"$state/run/emu.log" 2>&1 &
pid=$!
port=""
i=0
while [ $i -lt 500 ]; do
    i=$((i + 1))
    kill -0 "$pid" 2>/dev/null || break
    if [ -s "$state/run/port" ]; then
        port=$(cat "$state/run/port")
        curl -fsS -o /dev/null --max-time 2 --cacert "$pki/ca.pem" -X POST \
            "https://127.0.0.1:$port/__control/health" 2>/dev/null && break
        port=""
    fi
    sleep 0.01
done
if [ -z "$port" ]; then
    echo "error: the PM3K emulator did not start; its log:" >&2
    cat "$state/run/emu.log" >&2
    kill -TERM "$pid" 2>/dev/null || true
    exit 1
fi
[ -s "$state/run/emu.pid" ] || echo "$pid" >"$state/run/emu.pid"

# No bare port line: tests/cli/run_case.py's dump names every env value of
# 4+ characters wherever it appears, and a bare number would match digits in
# unrelated output.
tmp="$envfile.tmp.$$"
cat >"$tmp" <<EOT
PM3K_EMU_AVAILABLE=1
PM3K_EMU_URL=https://127.0.0.1:$port
PM3K_EMU_NAME_URL=https://pm3k.test:$port
PM3K_EMU_RESOLVE=pm3k.test:$port:127.0.0.1
PM3K_EMU_ORG_URL=https://pm3k.org:$port
PM3K_EMU_ORG_RESOLVE=pm3k.org:$port:127.0.0.1
PM3K_EMU_CA=$pki/ca.pem
PM3K_EMU_CONTROL=https://127.0.0.1:$port/__control
PM3K_EMU_UPLOAD_URL=https://127.0.0.1:$port/api/upload
PM3K_EMU_STORE=$state/store
PM3K_EMU_LOG=$state/run/emu.log
EOT
mv "$tmp" "$envfile"
echo "pm3k_emu $(cat "$state/run/emu.pid") on https://127.0.0.1:$port (pm3k.test)"
