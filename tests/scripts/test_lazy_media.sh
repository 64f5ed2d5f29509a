#!/bin/sh
# FFmpeg and libvips are loaded only by runs that check media
# (core/medialib.c): payload, domain and URL checks without --deep never map
# them, a local file or --deep does, and when they cannot be loaded the run
# stops with a clear error and exit 2.
# Env (from ctest): PM3K, DATA, SRC.
set -eu
: "${PM3K:?}" "${DATA:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
video=$DATA/video/vertical.mp4
image=$DATA/image/jpeg_1080.jpg
[ -s "$video" ] && [ -s "$image" ] || fail "test media missing under $DATA"

# The shared objects the dynamic loader opens for a command (its stderr and
# stdout are dropped: only what LD_DEBUG says matters).
media_loads() {
    LD_DEBUG=files LD_DEBUG_OUTPUT="$tmp/ld" timeout 60 "$PM3K" "$@" >/dev/null 2>&1 || true
    cat "$tmp"/ld.* 2>/dev/null | grep -cE 'file=(libavformat|libavcodec|libvips)[^ ]*' || true
    rm -f "$tmp"/ld.*
}

# no media: nothing of FFmpeg or libvips is mapped
n=$(media_loads payload --check "$SRC/tests/cli/payloads/docs_body_basic.json")
[ "$n" = 0 ] || fail "payload --check loaded FFmpeg/libvips ($n)"
n=$(media_loads probe --timeout 2 https://127.0.0.1:1/clip.mp4)
[ "$n" = 0 ] || fail "a URL check without --deep loaded FFmpeg/libvips ($n)"
n=$(media_loads domain verify 127.0.0.1:1 --token abc --timeout 2)
[ "$n" = 0 ] || fail "domain verify loaded FFmpeg/libvips ($n)"

# media: a local video, a local image and --deep load them
n=$(media_loads probe "$video")
[ "$n" -ge 3 ] || fail "a video probe did not load FFmpeg and libvips ($n)"
n=$(media_loads probe "$image")
[ "$n" -ge 3 ] || fail "an image probe did not load FFmpeg and libvips ($n)"
n=$(media_loads probe --deep --timeout 2 https://127.0.0.1:1/clip.mp4)
[ "$n" -ge 3 ] || fail "probe --deep did not load FFmpeg and libvips ($n)"

# the SONAME this build loads (never hard-coded here)
soname=$(LD_DEBUG=files "$PM3K" probe "$video" 2>&1 >/dev/null |
         sed -n 's/.*file=\(libavformat\.so\.[0-9]*\) .*/\1/p' | head -n 1)
[ -n "$soname" ] || fail "cannot tell which libavformat the probe loads"

# a broken install: a file that is no library in its place
mkdir "$tmp/lib"
echo "not a library" >"$tmp/lib/$soname"
set +e
LD_LIBRARY_PATH="$tmp/lib" "$PM3K" probe "$video" "$image" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "a broken $soname exited $rc, expected 2: $(cat "$tmp/err")"
grep -q "^error: cannot load '$soname' (FFmpeg), which checking media needs: .*install the package" \
    "$tmp/err" || fail "unclear error for a broken $soname: $(cat "$tmp/err")"
grep -qE "^(PASS|FAIL|WARN|ERROR) " "$tmp/out" && fail "items were reported without FFmpeg"
# ... which a run that checks no media does not notice
LD_LIBRARY_PATH="$tmp/lib" "$PM3K" payload --check \
    "$SRC/tests/cli/payloads/docs_body_basic.json" >/dev/null 2>"$tmp/err" ||
    fail "payload --check needs FFmpeg: $(cat "$tmp/err")"

# a library of that name without FFmpeg's functions (another version)
if command -v cc >/dev/null 2>&1; then
    echo 'int pm3k_not_ffmpeg;' >"$tmp/stub.c"
    cc -shared -fPIC -Wl,-soname,"$soname" -o "$tmp/lib/$soname" "$tmp/stub.c"
    set +e
    LD_LIBRARY_PATH="$tmp/lib" "$PM3K" probe --format json "$video" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    set -e
    [ "$rc" = 2 ] || fail "a $soname without FFmpeg exited $rc, expected 2: $(cat "$tmp/err")"
    grep -q "^error: cannot use '$soname' (FFmpeg): .*undefined symbol: av_.*another version" \
        "$tmp/err" || fail "unclear error for a $soname without FFmpeg: $(cat "$tmp/err")"
    LD_LIBRARY_PATH="$tmp/lib" "$PM3K" --version >"$tmp/out"
    grep -q "libavformat and libvips not loaded (cannot use '$soname'" "$tmp/out" ||
        fail "--version does not say FFmpeg is unusable: $(cat "$tmp/out")"
fi
echo "ok"
