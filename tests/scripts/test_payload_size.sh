#!/bin/sh
# Bodies are read up to PM3K_PAYLOAD_MAX_BYTES (4 MB): one byte more is an
# unreadable input (exit 2) found without reading on, and the largest body
# allowed, however hostile (nothing but numbers: the most tree per byte),
# stays within a generous memory bound.
set -eu
: "${PM3K:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 4,000,001 bytes: a valid object padded with spaces
python3 -c "import sys; sys.stdout.write('{\"privacy\":\"public\"}' + ' ' * (4000001 - 20))" >"$tmp/big.json"
[ "$(wc -c <"$tmp/big.json")" = 4000001 ] || fail "the big body is not 4,000,001 bytes"
set +e
"$PM3K" payload --check --format json "$tmp/big.json" >"$tmp/big.out" 2>/dev/null
rc=$?
set -e
[ "$rc" = 2 ] || fail "a body over 4 MB exited $rc, expected 2"
grep -q '"code":"input_unreadable"' "$tmp/big.out" || fail "no input_unreadable finding"
grep -q 'larger than 4000000 bytes' "$tmp/big.out" || fail "the finding does not say the bound"

# 3,999,999 bytes of numbers in an array: read, linted, within 256 MB
python3 -c "import sys; n=(3999999-2)//4; sys.stdout.write('[' + '1.5,' * n + '1' + ' ' * (3999999 - 3 - 4*n) + ']')" >"$tmp/nums.json"
[ "$(wc -c <"$tmp/nums.json")" = 3999999 ] || fail "the number body is not 3,999,999 bytes"
set +e
/usr/bin/time -f '%M' -o "$tmp/rss" "$PM3K" payload --check --format json "$tmp/nums.json" >"$tmp/nums.out" 2>/dev/null
rc=$?
set -e
[ "$rc" = 1 ] || fail "a body of numbers exited $rc, expected 1 (not an object)"
grep -q '"code":"not_an_object"' "$tmp/nums.out" || fail "no not_an_object finding"
rss=$(tail -1 "$tmp/rss")
echo "peak RSS of the largest body of numbers: $rss KB"
[ "$rss" -lt 262144 ] || fail "peak RSS $rss KB is over 256 MB"
echo ok
