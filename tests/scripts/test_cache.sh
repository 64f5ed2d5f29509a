#!/bin/sh
# probe --cache: a verdict is served again only for the same file (path,
# size, mtime, ctime, inode, device), the same pm3k build, rules and
# options; a run of hits loads no media library; runs sharing one cache are
# safe; a damaged, foreign or newer cache, or a stored report that does not
# read back, is reported and never trusted.
# Env (from ctest): PM3K, DATA, SRC.
set -eu
: "${PM3K:?}" "${DATA:?}" "${SRC:?}"
PY=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null || { echo "skip: sqlite3 missing"; exit 77; }

mkdir "$tmp/m"
cp "$DATA/video/landscape.mp4" "$tmp/m/clip.mp4"
cp "$DATA/video/vertical.mp4" "$tmp/vertical.mp4"
cp "$DATA/image/jpeg_1080.jpg" "$tmp/m/photo.jpg"
cp "$DATA/image/png_1000.png" "$tmp/m/small.png"
db=$tmp/cache.db
# Files changed less than a second ago are checked but not stored (a second
# change within the timestamps' granularity would go unseen): wait that out
# before a run whose results should be kept.
settle() { sleep 1.2; }

# Report facts: "N/M" = cached items / items, then each item's status and
# codes, without the cached fact (to compare verdicts).
summarize() {
    "$PY" - "$1" <<'EOF'
import json, sys
items = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
items = [i for i in items if "summary" not in i]
cached = sum(1 for i in items if i["facts"].pop("cached", None) is True)
print("%d/%d" % (cached, len(items)))
for i in items:
    print(i["path"], i["status"], sorted(f["code"] for f in i["findings"]))
EOF
}
# probe with the cache; $1 names the run; the rest are pm3k's arguments
run() {
    name=$1
    shift
    set +e
    "$PM3K" probe --format ndjson --cache "$db" "$@" >"$tmp/$name.ndjson" 2>"$tmp/$name.err"
    echo $? >"$tmp/$name.rc"
    set -e
    summarize "$tmp/$name.ndjson" >"$tmp/$name.sum"
}
cached_of() { head -n 1 "$tmp/$1.sum"; }
verdicts_of() { tail -n +2 "$tmp/$1.sum"; }
expect() { # name cached/items why
    got=$(cached_of "$1")
    [ "$got" = "$2" ] || fail "$3: $got items cached, expected $2 ($(cat "$tmp/$1.err"))"
}

settle
run first "$tmp/m"
expect first 0/3 "a first run"
"$PY" "$SRC/tests/report_check.py" --format ndjson "$tmp/first.ndjson" >/dev/null ||
    fail "first report invalid"
run again "$tmp/m"
expect again 3/3 "an unchanged folder"
[ "$(verdicts_of first)" = "$(verdicts_of again)" ] || fail "cached verdicts differ from fresh ones"
[ "$(cat "$tmp/first.rc")" = "$(cat "$tmp/again.rc")" ] || fail "cached run exits differently"
"$PY" "$SRC/tests/report_check.py" --format ndjson "$tmp/again.ndjson" >/dev/null ||
    fail "cached report invalid"
# the reports are the same but for the cached fact and the run's own time
"$PY" - "$tmp/first.ndjson" "$tmp/again.ndjson" <<'EOF' || fail "cached items are not the fresh ones"
import json, sys
a, b = ([json.loads(l) for l in open(p)] for p in sys.argv[1:])
for x, y in zip(a[:-1], b[:-1]):
    assert y["facts"].pop("cached") is True, y
    assert x == y, (x, y)
assert a[-1]["summary"]["items"] == b[-1]["summary"]["items"]
EOF

# a run of hits maps neither FFmpeg nor libvips
LD_DEBUG=files LD_DEBUG_OUTPUT="$tmp/ld" "$PM3K" probe --cache "$db" "$tmp/m" >/dev/null 2>&1 || true
n=$(cat "$tmp"/ld.* | grep -cE 'file=(libavformat|libavcodec|libvips)[^ ]*' || true)
rm -f "$tmp"/ld.*
[ "$n" = 0 ] || fail "a run of cache hits loaded FFmpeg/libvips ($n)"
# ... while one miss does
touch "$tmp/m/photo.jpg"
settle
LD_DEBUG=files LD_DEBUG_OUTPUT="$tmp/ld" "$PM3K" probe --cache "$db" "$tmp/m" >/dev/null 2>&1 || true
n=$(cat "$tmp"/ld.* | grep -cE 'file=(libavformat|libavcodec|libvips)[^ ]*' || true)
rm -f "$tmp"/ld.*
[ "$n" -ge 3 ] || fail "a run with a touched file did not load the media libraries ($n)"
run after_touch "$tmp/m"
expect after_touch 3/3 "the touched file, checked again and stored"

# a touched file is checked again
touch -d '2001-02-03 04:05:06' "$tmp/m/clip.mp4"
settle
run touched "$tmp/m"
expect touched 2/3 "a touched file"
"$PM3K" probe --format ndjson --cache "$db" "$tmp/m/clip.mp4" >"$tmp/one.ndjson" || true
grep -q '"cached":true' "$tmp/one.ndjson" || fail "the re-checked file was not stored"
# another size
printf 'x' >>"$tmp/m/clip.mp4"
settle
run grown "$tmp/m"
expect grown 2/3 "a file of another size"
# the same size and mtime, other bytes (ctime tells)
run settle "$tmp/m"
cp "$tmp/m/clip.mp4" "$tmp/ref"
"$PY" -c "
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[-1] ^= 0xFF
open(p, 'r+b').write(b)" "$tmp/m/clip.mp4"
touch -r "$tmp/ref" "$tmp/m/clip.mp4"
settle
run same_mtime "$tmp/m"
expect same_mtime 2/3 "rewritten bytes with the mtime put back"
# another file moved in under the same path: another inode, another verdict
run settle2 "$tmp/m"
cp "$tmp/vertical.mp4" "$tmp/m/new.mp4"
touch -r "$tmp/m/clip.mp4" "$tmp/m/new.mp4"
mv "$tmp/m/new.mp4" "$tmp/m/clip.mp4"
settle
run replaced "$tmp/m"
expect replaced 2/3 "a file replaced by another"
verdicts_of replaced | grep -q "clip.mp4 pass" || fail "the replacing file got the old verdict"

# a file changed within the last second (here: an mtime in the future, as
# from a skewed clock) is checked but not kept
cp "$DATA/image/jpeg_1080.jpg" "$tmp/m/fresh.jpg"
touch -d "@$(($(date +%s) + 3600))" "$tmp/m/fresh.jpg"
run fresh "$tmp/m/fresh.jpg"
run fresh2 "$tmp/m/fresh.jpg"
expect fresh2 0/1 "a file changed a moment ago"
rm "$tmp/m/fresh.jpg"

# options and versions that decide verdicts
run base "$tmp/m"
expect base 3/3 "the settled folder"
run plan --plan paid "$tmp/m"
expect plan 0/3 "--plan paid"
run plan_again --plan paid "$tmp/m"
expect plan_again 3/3 "--plan paid a second time"
run maxsize --max-size 1 "$tmp/m"
expect maxsize 0/3 "--max-size"
run maxdur --max-duration 1 "$tmp/m"
expect maxdur 0/3 "--max-duration"
run side --max-image-side 500 "$tmp/m"
expect side 0/3 "--max-image-side"
verdicts_of side | grep -q "photo.jpg fail.*image_too_large_px" ||
    fail "--max-image-side was served the old verdict: $(verdicts_of side)"
run hosting --hosting pm3k "$tmp/m"
expect hosting 0/3 "--hosting pm3k"
run photo --photo "$tmp/m/photo.jpg" "$tmp/m/small.png"
expect photo 0/3 "--photo (2 images and the carousel)"
run base2 "$tmp/m"
expect base2 3/3 "the default options again"
sqlite3 "$db" "UPDATE verdict_keys SET rules_version = '0-0000000000000000'"
run rules "$tmp/m"
expect rules 0/3 "a cache of another rules version"
sqlite3 "$db" "UPDATE verdict_keys SET build_id = 'another build'"
run build "$tmp/m"
expect build 0/3 "a cache of another pm3k build"
sqlite3 "$db" "UPDATE verdict_keys SET pm3k_version = '0.0.1'"
run version "$tmp/m"
expect version 0/3 "a cache of another pm3k version"

# a stored report that does not read back is never trusted
run settle3 "$tmp/m"
sqlite3 "$db" "UPDATE results SET report = '{\"kind\":\"video\"'"
sqlite3 "$db" "UPDATE results SET report = replace(report, 'not_vertical', 'no_such_code')"
run tampered "$tmp/m"
expect tampered 0/3 "stored reports that do not read back"
[ "$(verdicts_of tampered)" = "$(verdicts_of base)" ] || fail "tampered cache changed verdicts"

# runs sharing one cache at once (parallel): every run right, no warning
mkdir "$tmp/many"
i=0
for f in "$DATA"/video/*.mp4 "$DATA"/image/*.jpg "$DATA"/image/*.png; do
    i=$((i + 1))
    cp "$f" "$tmp/many/$i-$(basename "$f")"
done
settle
"$PM3K" probe --format ndjson "$tmp/many" >"$tmp/plain.ndjson" 2>/dev/null || true
summarize "$tmp/plain.ndjson" | tail -n +2 >"$tmp/plain.sum"
seq 1 4 | parallel -j 4 "\"$PM3K\" probe -j 1 --format ndjson --cache \"$tmp/shared.db\" \
    \"$tmp/many\" >\"$tmp/par{}.ndjson\" 2>\"$tmp/par{}.err\"; echo \$? >\"$tmp/par{}.rc\"" || true
for k in 1 2 3 4; do
    [ -s "$tmp/par$k.err" ] && fail "concurrent run $k: $(cat "$tmp/par$k.err")"
    summarize "$tmp/par$k.ndjson" | tail -n +2 | diff -u "$tmp/plain.sum" - >/dev/null ||
        fail "concurrent run $k reports other verdicts"
done
"$PM3K" probe -v --format ndjson --cache "$tmp/shared.db" "$tmp/many" >"$tmp/after.ndjson" \
    2>"$tmp/after.err" || true
n=$(grep -c . "$tmp/plain.ndjson")
grep -q "cache: $((n - 1)) hits, 0 misses" "$tmp/after.err" ||
    fail "after concurrent runs the cache misses: $(cat "$tmp/after.err")"

# damaged, foreign, newer, or not a file: reported, ignored
warned() { # file what
    "$PM3K" probe --format ndjson --cache "$1" "$tmp/m" >"$tmp/w.ndjson" 2>"$tmp/w.err" || true
    grep -q "^warning: .*$2.*running without the cache" "$tmp/w.err" ||
        fail "no warning for $2: $(cat "$tmp/w.err")"
    grep -q '"cached":true' "$tmp/w.ndjson" && fail "a $2 cache served a verdict"
    summarize "$tmp/w.ndjson" | tail -n +2 | diff -u - "$tmp/base.sum.v" >/dev/null ||
        fail "verdicts changed with a $2 cache"
}
verdicts_of base >"$tmp/base.sum.v"
head -c 20000 /dev/urandom >"$tmp/noise.db"
warned "$tmp/noise.db" "is not a SQLite database"
sqlite3 "$tmp/foreign.db" "CREATE TABLE photos (id INTEGER); INSERT INTO photos VALUES (1)"
warned "$tmp/foreign.db" "belongs to another program"
cp "$db" "$tmp/newer.db"
sqlite3 "$tmp/newer.db" "PRAGMA user_version = 99"
warned "$tmp/newer.db" "written by a newer pm3k"
mkdir "$tmp/dir.db"
warned "$tmp/dir.db" "cannot"
# a file damaged inside (its pages overwritten): never a wrong verdict
cp "$db" "$tmp/damaged.db"
size=$(stat -c %s "$tmp/damaged.db")
"$PY" -c "
import sys
p, size = sys.argv[1], int(sys.argv[2])
with open(p, 'r+b') as f:
    f.seek(1024)
    f.write(bytes([0xA5]) * (size - 1024))" "$tmp/damaged.db" "$size"
"$PM3K" probe --format ndjson --cache "$tmp/damaged.db" "$tmp/m" >"$tmp/d.ndjson" 2>"$tmp/d.err" ||
    true
grep -q "^warning: .*damaged.db" "$tmp/d.err" || fail "no warning for a damaged cache: $(cat "$tmp/d.err")"
summarize "$tmp/d.ndjson" | tail -n +2 | diff -u - "$tmp/base.sum.v" >/dev/null ||
    fail "verdicts changed with a damaged cache"
echo "ok"
