#!/bin/sh
# Batch behaviour that a case file cannot express: -o writes whole or not at
# all, a closed pipe stops the run cleanly, and --jobs never changes the report.
# Env (from ctest): PM3K, DATA.
set -eu
: "${PM3K:?}" "${DATA:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
tree=$DATA/batch/tree

# -o: the report lands only when the run completes
"$PM3K" probe --format json -o "$tmp/r.json" "$tree" >/dev/null || true
[ -s "$tmp/r.json" ] || fail "-o did not write the report"
check=$SRC/tests/report_check.py
"${PYTHON:-python3}" "$check" --format json "$tmp/r.json" || fail "-o report is not valid"
ls "$tmp" | grep -q '\.tmp\.' && fail "-o left a temporary file"
perm=$(stat -c %a "$tmp/r.json")
[ "$perm" != 600 ] || fail "-o report is 0600; expected the umask's mode"

# -o into a folder that does not exist: usage error, nothing written
set +e
"$PM3K" probe --format json -o "$tmp/no/such/dir/r.json" "$tree" >/dev/null 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "-o into a missing folder exited $rc, expected 2"
grep -q "error: cannot write" "$tmp/err" || fail "no clear error for an unwritable -o"

# a closed pipe: no crash, no hang (bounded by timeout)
set +e
timeout 60 sh -c "\"$PM3K\" probe --format ndjson \"$tree\" \"$tree\" \"$tree\" | head -n 1 >/dev/null"
rc=$?
set -e
[ "$rc" = 0 ] || fail "pipeline with head exited $rc"
set +e
timeout 60 "$PM3K" probe --format ndjson "$tree" "$tree" 2>"$tmp/err" | true
rc=$?
set -e
grep -qi "sanitizer\|segmentation" "$tmp/err" && fail "crash on a closed pipe: $(cat "$tmp/err")"

# --jobs 1 and --jobs 2 give the same report, elapsed time aside
for j in 1 2; do
    "$PM3K" probe --format ndjson --jobs "$j" "$tree" "$DATA" >"$tmp/raw$j.ndjson" || true
    "${PYTHON:-python3}" "$check" --format ndjson "$tmp/raw$j.ndjson" ||
        fail "--jobs $j report is not valid"
    sed 's/"elapsed_ms":[0-9]*//' "$tmp/raw$j.ndjson" >"$tmp/jobs$j.ndjson"
done
cmp -s "$tmp/jobs1.ndjson" "$tmp/jobs2.ndjson" || {
    diff "$tmp/jobs1.ndjson" "$tmp/jobs2.ndjson" | head -20
    fail "--jobs 1 and --jobs 2 reports differ"
}
[ "$(wc -l <"$tmp/jobs1.ndjson")" -gt 20 ] || fail "expected a report of the whole test data"
# a folder nested deeper than the walk goes (a bind-mount loop looks like
# this) ends as one unreadable item; what is shallower is still checked
deep=$tmp/deep
d=$deep
i=0
while [ $i -lt 300 ]; do d=$d/d; i=$((i + 1)); done
mkdir -p "$d"
cp "$DATA/batch/ok.mp4" "$deep/d/d/shallow.mp4"
cp "$DATA/batch/ok.mp4" "$d/too-deep.mp4"
set +e
"$PM3K" probe --format json "$deep" >"$tmp/deep.json" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "a too-deep folder exited $rc, expected 2"
grep -q '"path":"[^"]*/shallow.mp4","input":0,"kind":"video","status":"pass"' "$tmp/deep.json" ||
    fail "the shallow file was not checked"
grep -q '"code":"input_unreadable"' "$tmp/deep.json" || fail "no input_unreadable for the deep folder"
grep -q 'too-deep.mp4' "$tmp/deep.json" && fail "the walk went deeper than its bound"
"${PYTHON:-python3}" "$check" --format json "$tmp/deep.json" || fail "deep report is not valid"
echo "ok"
