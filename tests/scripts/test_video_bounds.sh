#!/bin/sh
# Hostile MP4s of a few kilobytes that declare tens of millions of samples
# (testdata/gen.d/video.sh) took gigabytes and seconds in libavformat's
# index; so did an encrypted one whose senc declares 8 million samples
# (3.8 GB), and a keys box declaring 260 million keys (2 GB); a box the
# demuxer reads whole (a 90 MB avcC, sparse, made here) took 303 MB alone
# and 831 MB on four workers. Each must now fail as unreadable_media with
# the peak memory of the child under a generous bound (not a performance
# assertion), and end well within a wall-clock limit that only catches a
# hang; alone, and all at once on four workers. A well-formed file at the
# walk's index bound (6.6 million samples) must still be indexed, under the
# same bound, and four of them on four workers too (the workers share the
# index bound: docs/rules.md, "Engine bounds").
# Env (from ctest): PM3K, DATA, PYTHON, SRC.
set -eu
: "${PM3K:?}" "${DATA:?}" "${SRC:?}"
python=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

bombs="bomb_samples.mp4 bomb_index_dropped.mp4 bomb_trun.mp4 bomb_chunks.mov short_stz2.mp4
encrypted_senc.mp4 keys_bomb.mp4"
max_kb=262144 # 256 MB
# a sanitizer build's shadow memory and quarantine get three times that
if command -v ldd >/dev/null 2>&1 && ldd "$PM3K" 2>/dev/null | grep -q 'libasan'; then
    max_kb=786432
fi
max_s=60

# run OUT ARGS...: run pm3k with ARGS (killed after $max_s s), stdout to
# OUT; prints "EXIT PEAK_KB SECONDS", the peak resident set of the child
# itself (from wait4).
run() {
    "$python" - "$max_s" "$@" <<'PY'
import os, signal, subprocess, sys, time
limit, out, argv = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
start = time.monotonic()
with open(out, "wb") as f:
    child = subprocess.Popen(argv, stdout=f, stderr=subprocess.DEVNULL)
while True:
    pid, status, usage = os.wait4(child.pid, os.WNOHANG)
    if pid:
        break
    if time.monotonic() - start > limit:
        os.kill(child.pid, signal.SIGKILL)
    time.sleep(0.02)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, round(time.monotonic() - start, 2))
PY
}

for name in $bombs; do
    file=$DATA/video/$name
    [ -s "$file" ] || fail "test media missing: $file"
    set -- $(run "$tmp/out.json" "$PM3K" probe --format json "$file")
    code=$1 kb=$2 secs=$3
    echo "$name: exit $code, peak $kb KB, $secs s"
    [ "$code" = 1 ] || fail "$name exited $code, expected 1"
    grep -q '"code":"unreadable_media"' "$tmp/out.json" || fail "$name: no unreadable_media"
    [ "$kb" -lt "$max_kb" ] || fail "$name: peak memory $kb KB, over $max_kb KB"
done

# all of them at once, four workers: still one bound for the whole process
set --
for name in $bombs; do set -- "$@" "$DATA/video/$name"; done
set -- $(run "$tmp/all.json" "$PM3K" probe --format json --jobs 4 "$@")
echo "all at once: exit $1, peak $2 KB, $3 s"
[ "$1" = 1 ] || fail "the bombs together exited $1, expected 1"
[ "$(grep -o '"code":"unreadable_media"' "$tmp/all.json" | wc -l)" -eq 7 ] ||
    fail "not every bomb is unreadable_media"
[ "$2" -lt "$max_kb" ] || fail "the bombs together peaked at $2 KB, over $max_kb KB"

# check NAME EXPECTED_EXIT CODES MESSAGE [ARGS...]: pm3k probe ARGS, which
# must exit EXPECTED_EXIT with exactly the finding CODES (sorted, space
# separated) on every item (or, as "FILE=CODES;FILE=CODES", on the item of
# each file name), MESSAGE (if not empty) in the output, and a peak under
# the bound
check() {
    name=$1 want_exit=$2 want_codes=$3 message=$4
    shift 4
    set -- $(run "$tmp/out.json" "$PM3K" probe --format json "$@")
    echo "$name: exit $1, peak $2 KB, $3 s"
    [ "$1" = "$want_exit" ] || fail "$name exited $1, expected $want_exit"
    [ "$2" -lt "$max_kb" ] || fail "$name: peak memory $2 KB, over $max_kb KB"
    "$python" - "$tmp/out.json" "$want_codes" "$name" <<'PY' || exit 1
import json, sys
report = json.load(open(sys.argv[1]))
want = sys.argv[2]
per_file = dict(part.split("=", 1) for part in want.split(";")) if "=" in want else None
for item in report["items"]:
    got = " ".join(sorted(f["code"] for f in item["findings"]))
    if per_file is not None:
        want = per_file[item["path"].rsplit("/", 1)[-1]]
    if got != want:
        sys.exit("FAIL: %s: %s has findings [%s], expected [%s]" % (sys.argv[3], item["path"], got, want))
PY
    [ -z "$message" ] || grep -qF "$message" "$tmp/out.json" || fail "$name: no '$message'"
}

# sparse files: the avcC of each is a hole
"$python" "$SRC/tests/servers/make_bigread_mp4.py" "$tmp/avcc90.mp4" 90000000
"$python" "$SRC/tests/servers/make_bigread_mp4.py" "$tmp/avcc300.mp4" 300000000
for i in 1 2 3; do "$python" "$SRC/tests/servers/make_bigread_mp4.py" "$tmp/avcc90_$i.mp4" 90000000; done
"$python" "$SRC/tests/scripts/make_samples_mp4.py" "$tmp/samples.mp4" 6600000
for i in 1 2 3; do "$python" "$SRC/tests/scripts/make_samples_mp4.py" "$tmp/samples_$i.mp4" 6600000; done

check "90 MB avcC" 1 unreadable_media "its 'avcC' box of track 1 is 90000008 bytes, which the demuxer would read into memory whole: pm3k reads such a box up to 16 MiB" \
    "$tmp/avcc90.mp4"
check "300 MB avcC" 1 "too_large unreadable_media" "its 'avcC' box of track 1 is 300000008 bytes" \
    "$tmp/avcc300.mp4"
check "four 90 MB avcC, four workers" 1 unreadable_media "" --jobs 4 \
    "$tmp/avcc90.mp4" "$tmp/avcc90_1.mp4" "$tmp/avcc90_2.mp4" "$tmp/avcc90_3.mp4"
check "tiny senc and keys, 300 and 90 MB avcC, four workers" 1 \
    "encrypted_senc.mp4=unreadable_media;keys_bomb.mp4=unreadable_media;avcc300.mp4=too_large unreadable_media;avcc90.mp4=unreadable_media" \
    "" --jobs 4 "$DATA/video/encrypted_senc.mp4" "$DATA/video/keys_bomb.mp4" "$tmp/avcc300.mp4" "$tmp/avcc90.mp4"
# a well-formed index at the bound: read (1 MHz samples are no frame rate)
check "6.6 million samples" 1 frame_rate_out_of_range "" "$tmp/samples.mp4"
# four of them on four workers: the workers share the index bound (504 MB
# before), so the demuxers take turns
check "6.6 million samples, four files on four workers" 1 frame_rate_out_of_range "" --jobs 4 \
    "$tmp/samples.mp4" "$tmp/samples_1.mp4" "$tmp/samples_2.mp4" "$tmp/samples_3.mp4"
echo "ok"
