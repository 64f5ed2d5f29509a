#!/bin/sh
# fixtures: nginx
# A URL run whose report cannot be written any more (| head) stops at once:
# it does not wait for the URLs still running or queued.
# - 320 URLs that never answer, 16 at a time per host, --timeout 2: waiting
#   for them all takes 20 rounds of 2 s (40 s); a stop, a few rounds.
# - --deep on 80 slow URLs, 4 probes at a time (--jobs 2), each given up
#   after --timeout 2: waiting for them all takes 40 s; a stop, a few rounds.
# (The report notices a closed pipe only at the write after the flush that
# failed, when the next item is done: a few rounds, more on a loaded
# machine, far from all of them.)
# Env (from ctest): PM3K, BIN.
set -eu
: "${PM3K:?}" "${BIN:?}"
fail() { echo "FAIL: $*"; exit 1; }
env_file=$BIN/fixtures/nginx.env
[ -f "$env_file" ] || { echo "SKIP: no nginx fixture"; exit 77; }
NGINX_AVAILABLE=$(sed -n 's/^NGINX_AVAILABLE=//p' "$env_file")
NGINX_BASE=$(sed -n 's/^NGINX_BASE=//p' "$env_file")
NGINX_CACERT=$(sed -n 's/^NGINX_CACERT=//p' "$env_file")
NGINX_RESOLVE=$(sed -n 's/^NGINX_RESOLVE=//p' "$env_file")
[ "$NGINX_AVAILABLE" = 1 ] || { echo "SKIP: nginx is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run NAME MAX_SECONDS PM3K_ARGS...: the URLs in $tmp/urls, piped into head
run() {
    name=$1
    max=$2
    shift 2
    start=$(date +%s.%N)
    set +e
    timeout 60 sh -c '"$@" <"$0" 2>"$0.err" | head -c 1 >/dev/null' "$tmp/urls" \
        "$PM3K" probe --domain media.test --cacert "$NGINX_CACERT" --resolve "$NGINX_RESOLVE" "$@"
    rc=$?
    set -e
    end=$(date +%s.%N)
    elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    [ "$rc" != 124 ] || fail "$name: the run did not end within 60 s"
    if grep -qi "sanitizer\|segmentation\|leak" "$tmp/urls.err"; then
        fail "$name: crash or leak: $(cat "$tmp/urls.err")"
    fi
    awk -v t="$elapsed" -v m="$max" 'BEGIN { exit !(t < m) }' ||
        fail "$name: the run took $elapsed s after its reader went away; expected < $max s"
    echo "ok: $name stopped after $elapsed s"
}

i=0
while [ $i -lt 320 ]; do
    echo "$NGINX_BASE/stall?n=$i"
    i=$((i + 1))
done >"$tmp/urls"
run "stalled URLs" 20 --timeout 2 -

i=0
while [ $i -lt 80 ]; do
    echo "$NGINX_BASE/slow/file.mp4?n=$i"
    i=$((i + 1))
done >"$tmp/urls"
run "--deep on slow URLs" 24 --deep --jobs 2 --timeout 2 -
