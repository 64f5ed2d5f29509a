#!/bin/sh
# Upload throughput and memory: pm3k upload against curl -T to the same
# target in the same run, on loopback over HTTPS.
#
#   bench/upload.sh BUILD_DIR [SIZE_MB]
#
# Starts its own PM3K emulator and S3 server (tests/servers), makes a sparse
# file of SIZE_MB (default 1000: 1 GB) and times:
#   - S3 (s3rver): curl -T --aws-sigv4 (one PUT) vs pm3k upload --to s3://...
#     as one PUT too, and with its default multipart (16 MiB parts, 4 in
#     parallel), each followed by pm3k's public-URL check;
#   - PM3K storage (the emulator): pm3k upload --to pm3k vs curl -T with the
#     same headers. The emulator holds uploads to the plan's video limit, so
#     this one sends 190 MiB (199 MB, under the paid plan's 200 MB).
# Each command's peak RSS comes from /usr/bin/time -f %M. pm3k runs with
# --force (a sparse file is no video: the probe would refuse it) and a fresh
# history (so nothing is reused), and it also hashes the file (SHA-256) for
# the history before it sends it: that is part of its time. Goal (SPEC):
# pm3k at least 80 % of curl's throughput, RSS flat in the file size.
set -eu
build=${1:?usage: bench/upload.sh BUILD_DIR [SIZE_MB]}
size_mb=${2:-1000}
src=$(cd "$(dirname "$0")/.." && pwd)
pm3k=$build/pm3k
[ -x "$pm3k" ] && [ -x "$build/tests/pm3k_emu" ] || { echo "build pm3k and tests/pm3k_emu first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
work=$(mktemp -d)
cleanup() {
    "$src/tests/servers/stop-by-pid.sh" "$work/emu.env" "$work/emu/run/emu.pid" >/dev/null 2>&1 || true
    "$src/tests/servers/stop-by-pid.sh" "$work/s3.env" "$work/s3/run/s3rver.pid" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

"$src/tests/servers/pm3k_emu-start.sh" "$work/emu" "$work/emu.env" "$build/tests/pm3k_emu" >/dev/null
"$src/tests/servers/s3-start.sh" "$work/s3" "$work/s3.env" "$src/tests/s3" >/dev/null
var() { sed -n "s/^$2=//p" "$1"; }
EMU_URL=$(var "$work/emu.env" PM3K_EMU_URL)
EMU_CA=$(var "$work/emu.env" PM3K_EMU_CA)
EMU_CONTROL=$(var "$work/emu.env" PM3K_EMU_CONTROL)
S3=$(var "$work/s3.env" S3_ENDPOINT)
S3_CA=$(var "$work/s3.env" S3_CA)
BUCKET=$(var "$work/s3.env" S3_BUCKET)
export AWS_ACCESS_KEY_ID=$(var "$work/s3.env" S3_ACCESS_KEY)
export AWS_SECRET_ACCESS_KEY=$(var "$work/s3.env" S3_SECRET_KEY)
export AWS_REGION=$(var "$work/s3.env" S3_REGION) AWS_ENDPOINT_URL="$S3"
key=bench-key-$$
curl -sS --cacert "$EMU_CA" -X POST --data "{\"key\":\"$key\",\"plan\":\"paid\"}" \
    "$EMU_CONTROL/key" >/dev/null
export PM3K_API_KEY=$key PM3K_BASE_URL=$EMU_URL

# run NAME BYTES CMD...: wall seconds and peak RSS of CMD; one result line
run() {
    name=$1 bytes=$2
    shift 2
    start=$(date +%s.%N)
    # pm3k exits 1 for a forced file the probe fails: what counts is that
    # it stored the bytes (its "uploaded" finding)
    /usr/bin/time -f %M -o "$work/rss" "$@" >"$work/out" 2>"$work/err" ||
        grep -q 'uploaded — stored' "$work/err" ||
        { echo "$name failed: $(tail -5 "$work/err")" >&2; exit 1; }
    end=$(date +%s.%N)
    secs=$(echo "$end - $start" | bc -l)
    rate=$(echo "$bytes / $secs / 1000000" | bc -l)
    printf '%-34s %8.2f s %8.1f MB/s %8d KB\n' "$name" "$secs" "$rate" "$(tail -n 1 "$work/rss")"
    echo "$rate" >"$work/rate.$name"
}
ratio() { echo "$(cat "$work/rate.$1") / $(cat "$work/rate.$2") * 100" | bc -l; }

echo "pm3k upload vs curl -T on loopback (HTTPS), $(nproc) cores"
printf '%-34s %10s %13s %11s\n' command time throughput "peak RSS"

# ---- S3 ----
truncate -s "${size_mb}M" "$work/big.mp4"
bytes=$(stat -c %s "$work/big.mp4")
run "curl -T --aws-sigv4 (S3)" "$bytes" curl -sS --fail --cacert "$S3_CA" \
    --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T "$work/big.mp4" "$S3/$BUCKET/curl/big.mp4"
# one PUT, as curl does: the same work on the server's side
PM3K_HISTORY=$work/h1.db run "pm3k upload, one PUT (S3)" "$bytes" "$pm3k" upload --force \
    --max-size 100GB --multipart-threshold 100GB \
    --to "s3://$BUCKET/pm3k/" --public-base "$S3/$BUCKET/pm3k/" --cacert "$S3_CA" "$work/big.mp4"
s3_ratio=$(ratio "pm3k upload, one PUT (S3)" "curl -T --aws-sigv4 (S3)")
# the default: multipart, 16 MiB parts, 4 in parallel (s3rver then joins
# the parts: more work on its side than one PUT)
PM3K_HISTORY=$work/h2.db run "pm3k upload, multipart (S3)" "$bytes" "$pm3k" upload --force \
    --max-size 100GB --to "s3://$BUCKET/mp/" --public-base "$S3/$BUCKET/mp/" --cacert "$S3_CA" \
    "$work/big.mp4"
mp_ratio=$(ratio "pm3k upload, multipart (S3)" "curl -T --aws-sigv4 (S3)")
truncate -s 100M "$work/small.mp4"
PM3K_HISTORY=$work/h3.db run "pm3k upload, 100 MB (S3)" 104857600 "$pm3k" upload --force \
    --max-size 100GB --to "s3://$BUCKET/small/" --public-base "$S3/$BUCKET/small/" \
    --cacert "$S3_CA" "$work/small.mp4"
rm -f "$work/big.mp4" "$work/small.mp4"

# ---- PM3K storage (the emulator) ----
truncate -s 190M "$work/pm.mp4"
pbytes=$(stat -c %s "$work/pm.mp4")
run "curl -T (PM3K storage)" "$pbytes" sh -c 'curl -sS --fail --cacert "$1" \
    -H "Authorization: Bearer $PM3K_API_KEY" -H "Content-Type: video/mp4" -H "X-Filename: pm.mp4" \
    -T "$2" "$3/api/upload"' sh "$EMU_CA" "$work/pm.mp4" "$EMU_URL"
PM3K_HISTORY=$work/h4.db run "pm3k upload --to pm3k" "$pbytes" "$pm3k" upload --force \
    --to pm3k --cacert "$EMU_CA" "$work/pm.mp4"
pm_ratio=$(ratio "pm3k upload --to pm3k" "curl -T (PM3K storage)")

printf 'pm3k / curl throughput: S3 one PUT %.0f %%, S3 multipart %.0f %%, PM3K storage %.0f %% (goal >= 80 %%)\n' \
    "$s3_ratio" "$mp_ratio" "$pm_ratio"
