#!/bin/sh
# Hostile MP4s of a few kilobytes that declare tens of millions of samples
# (testdata/gen.d/video.sh) took gigabytes and seconds in libavformat's
# index. Each must now fail as unreadable_media with the peak memory of the
# child under a generous bound (not a performance assertion: the bombs took
# 1.5 to 2.4 GB), and end well within a wall-clock limit that only catches
# a hang; alone, and all at once on four workers.
# Env (from ctest): PM3K, DATA, PYTHON.
set -eu
: "${PM3K:?}" "${DATA:?}"
python=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

bombs="bomb_samples.mp4 bomb_index_dropped.mp4 bomb_trun.mp4 bomb_chunks.mov short_stz2.mp4"
max_kb=262144 # 256 MB
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
[ "$(grep -o '"code":"unreadable_media"' "$tmp/all.json" | wc -l)" -eq 5 ] ||
    fail "not every bomb is unreadable_media"
[ "$2" -lt "$max_kb" ] || fail "the bombs together peaked at $2 KB, over $max_kb KB"
echo "ok"
