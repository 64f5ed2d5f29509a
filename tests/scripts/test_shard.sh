#!/bin/sh
# probe --shard I/N: 4 shards run with GNU parallel report, together, exactly
# the items of one unsharded run (each once, with the same input positions),
# and `pm3k report merge` gives one valid report with that run's order,
# counts and exit code.
# Env (from ctest): PM3K, DATA, SRC.
set -eu
: "${PM3K:?}" "${DATA:?}" "${SRC:?}"
PY=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v parallel >/dev/null || { echo "skip: GNU parallel missing"; exit 77; }

# folders, named files, a missing file, a URL nothing answers, and a list
printf '%s\n' "$DATA/batch/ok.mp4" "$DATA/image/webp_1080.webp" "$tmp/listed-missing.jpg" \
    >"$tmp/list.txt"
set -- "$DATA/video" "$DATA/image" "$DATA/batch/tree" "$DATA/batch/ok.jpg" \
    "$tmp/missing.mp4" https://127.0.0.1:1/clip.mp4 -
opts="--timeout 2 --format ndjson"

set +e
# shellcheck disable=SC2086
"$PM3K" probe $opts "$@" <"$tmp/list.txt" >"$tmp/all.ndjson" 2>/dev/null
single_rc=$?
# shellcheck disable=SC2086
parallel -j 4 "\"$PM3K\" probe --shard {}/4 $opts $* <\"$tmp/list.txt\" >\"$tmp/shard{}.ndjson\" \
    2>/dev/null" ::: 1 2 3 4
set -e
for k in 1 2 3 4; do
    "$PY" "$SRC/tests/report_check.py" --format ndjson "$tmp/shard$k.ndjson" >/dev/null ||
        fail "shard $k's report is not valid"
done

# the union of the shards' items is the single run's items, each once
"$PY" - "$tmp/all.ndjson" "$tmp"/shard[1-4].ndjson <<'EOF' || fail "shards do not add up to one run"
import json, sys
def items(path):
    return [l for l in (json.loads(x) for x in open(path) if x.strip()) if "summary" not in l]
def key(i):
    return json.dumps(i, sort_keys=True)
whole = items(sys.argv[1])
parts = [items(p) for p in sys.argv[2:]]
union = [key(i) for p in parts for i in p]
assert len(whole) > 100, len(whole)
assert len(union) == len(set(union)), "an item is in two shards"
assert sorted(union) == sorted(key(i) for i in whole), "items differ"
assert all(len(p) > 0 for p in parts), [len(p) for p in parts]
assert any(i["kind"] == "url" for i in whole)
EOF

# merged: one valid report, the single run's items in its order, its counts and exit code
set +e
"$PM3K" report merge --format ndjson "$tmp"/shard[1-4].ndjson >"$tmp/merged.ndjson" 2>"$tmp/merge.err"
merge_rc=$?
set -e
[ "$merge_rc" = "$single_rc" ] || fail "merge exited $merge_rc, the single run $single_rc: $(cat "$tmp/merge.err")"
"$PY" "$SRC/tests/report_check.py" --format ndjson "$tmp/merged.ndjson" >/dev/null ||
    fail "the merged report is not valid"
"$PY" - "$tmp/all.ndjson" "$tmp/merged.ndjson" <<'EOF' || fail "the merged report is not the single run's"
import json, sys
a, b = ([json.loads(l) for l in open(p) if l.strip()] for p in sys.argv[1:])
assert a[:-1] == b[:-1], "items or their order differ"
sa, sb = a[-1]["summary"], b[-1]["summary"]
for k in ("items", "passed", "warned", "failed", "errors", "skipped", "exit_code", "interrupted"):
    assert sa[k] == sb[k], (k, sa[k], sb[k])
EOF
# the merge's text report ends with the same totals line as the single run's
"$PM3K" report merge "$tmp"/shard[1-4].ndjson >"$tmp/merged.txt" 2>/dev/null || true
tail -n 1 "$tmp/merged.txt" | grep -q "^[0-9]* items: " || fail "no totals line: $(tail -n 1 "$tmp/merged.txt")"

# the partition depends on the path alone: a file added elsewhere moves nothing
mkdir "$tmp/tree"
cp "$DATA/batch/ok.mp4" "$tmp/tree/a.mp4"
cp "$DATA/batch/ok.jpg" "$tmp/tree/b.jpg"
"$PM3K" probe --shard 2/3 --format ndjson "$tmp/tree" >"$tmp/before.ndjson" 2>/dev/null || true
for n in 1 2 3 4 5 6 7 8; do cp "$DATA/batch/ok.jpg" "$tmp/tree/new$n.jpg"; done
"$PM3K" probe --shard 2/3 --format ndjson "$tmp/tree" >"$tmp/after.ndjson" 2>/dev/null || true
for f in a.mp4 b.jpg; do
    a=$(grep -c "\"$tmp/tree/$f\"" "$tmp/before.ndjson" || true)
    b=$(grep -c "\"$tmp/tree/$f\"" "$tmp/after.ndjson" || true)
    [ "$a" = "$b" ] || fail "$f changed shard when other files were added"
done
# --shard 1/1 is the whole run
"$PM3K" probe --shard 1/1 --format ndjson "$DATA/batch/tree" >"$tmp/one.ndjson" 2>/dev/null || true
"$PM3K" probe --format ndjson "$DATA/batch/tree" >"$tmp/none.ndjson" 2>/dev/null || true
[ "$(grep -vc '"summary"' "$tmp/one.ndjson")" = "$(grep -vc '"summary"' "$tmp/none.ndjson")" ] ||
    fail "--shard 1/1 is not the whole run"
echo "ok"
