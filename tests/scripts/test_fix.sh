#!/bin/sh
# pm3k fix end to end, on the generated media and copies ffmpeg makes of
# them here: streams copied bit-exact (packet checksums of video and audio
# before and after), packet times, rotation, sample aspect ratio and edit
# lists kept; images upright and stripped of metadata but the colour
# profile; the input's times kept; existing outputs kept without --force;
# --dry-run writes nothing; every file of the test media either comes out
# passing probe or is refused with the reason (and the ffmpeg command for
# what needs re-encoding); outputs are never partial, whatever signal stops
# the run. Env (from ctest): PM3K, DATA, PYTHON.
set -eu
: "${PM3K:?}" "${DATA:?}"
PYTHON=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
ff() { ffmpeg -nostdin -hide_banner -v error -y "$@"; }
V=$DATA/video
I=$DATA/image
[ -s "$V/vertical.mkv" ] && [ -s "$I/exif_rotated.jpg" ] || fail "test media missing under $DATA"

# Each stream's packet payloads, hashed: equal before and after means every
# video and audio packet was copied as it was.
hashes() { ffmpeg -nostdin -v error -i "$1" -map 0 -c copy -f streamhash -hash sha256 -; }
# Each packet's stream, pts and dts in seconds (to the millisecond:
# Matroska keeps no more), in stream order. Durations are left out: MP4
# has none of its own but the distance to the next packet. An AVI packet
# has no pts, which libavformat takes from its dts (no B-frames there).
pkt_times() {
    ffprobe -v error -show_entries packet=stream_index,pts_time,dts_time -of csv=p=0 "$1" |
        awk -F, '$1 != "" { if ($2 == "N/A") $2 = $3; printf "%s %.3f %s\n", $1, $2, $3 }' |
        sort -s -n -k1,1
}
# The input's packet times kept by the output: the same packets with the
# same pts, and the same dts wherever the input has one (Matroska stores
# none for the first frames of B-frame video: libavformat derives them).
same_times() {
    pkt_times "$1" >"$tmp/t1"
    pkt_times "$2" >"$tmp/t2"
    [ "$(wc -l <"$tmp/t1")" = "$(wc -l <"$tmp/t2")" ] || return 1
    paste -d' ' "$tmp/t1" "$tmp/t2" | awk '
        $1 != $4 || $2 != $5 { bad = 1 }
        $3 != "N/A" && sprintf("%.3f", $3) != sprintf("%.3f", $6) { bad = 1 }
        END { exit bad }'
}
side() { ffprobe -v error -show_entries "$2" -of default=nw=1 "$1"; }
probe_passes() { "$PM3K" probe -q "$@" >/dev/null 2>&1; }

# ---- streams copied bit-exact, times kept ----
mkdir "$tmp/src" "$tmp/out"
# a phone video (display matrix) in MOV, an anamorphic one in Matroska, and
# a MOV whose tracks start late (an edit list), H.265 in Matroska, all from
# the generated clips
ff -i "$V/rotated_vertical.mp4" -map 0 -c copy -f mov "$tmp/src/rotated.mov"
ff -i "$V/anamorphic_vertical.mp4" -map 0 -c copy "$tmp/src/anamorphic.mkv"
ff -i "$V/vertical.mp4" -map 0 -c copy -output_ts_offset 0.5 -f mov "$tmp/src/offset.mov"
ff -i "$V/hevc_vertical.mp4" -map 0 -c copy "$tmp/src/hevc.mkv"
for f in "$V/vertical.mkv" "$V/vertical.mov" "$V/vertical.avi" "$V/vertical.flv" \
    "$V/moov_at_end.mp4" "$V/matroska_named.mp4" "$tmp/src/rotated.mov" \
    "$tmp/src/anamorphic.mkv" "$tmp/src/offset.mov" "$tmp/src/hevc.mkv"; do
    name=$(basename "$f")
    out="$tmp/out/$name.mp4"
    "$PM3K" fix -q "$f" -o "$out" >"$tmp/log" 2>&1 || fail "fix $name: $(cat "$tmp/log")"
    probe_passes "$out" || fail "the fixed $name does not pass probe"
    [ "$(hashes "$f")" = "$(hashes "$out")" ] ||
        fail "$name: packets differ after the remux: $(hashes "$f") / $(hashes "$out")"
    [ "$(hashes "$out" | wc -l)" -ge 1 ] || fail "$name: no stream hashed"
    same_times "$f" "$out" || fail "$name: packet times differ after the remux"
    side "$out" format=format_name | grep -q mp4 || fail "$name: the output is not MP4"
done
# video and audio were both compared
[ "$(hashes "$V/vertical.mkv" | cut -d, -f2 | tr -d '\n')" = va ] ||
    fail "vertical.mkv should have a video and an audio stream"
# rotation, SAR and the late start
[ "$(side "$tmp/out/rotated.mov.mp4" stream_side_data=rotation)" = \
    "$(side "$tmp/src/rotated.mov" stream_side_data=rotation)" ] || fail "rotation lost"
side "$tmp/out/rotated.mov.mp4" stream_side_data=rotation | grep -q 'rotation=-90' ||
    fail "no display matrix in the fixed rotated.mov"
side "$tmp/out/anamorphic.mkv.mp4" stream=sample_aspect_ratio | grep -q '=9:16' ||
    fail "sample aspect ratio lost: $(side "$tmp/out/anamorphic.mkv.mp4" stream=sample_aspect_ratio)"
[ "$(side "$tmp/out/offset.mov.mp4" stream=start_time)" = \
    "$(side "$tmp/src/offset.mov" stream=start_time)" ] || fail "edit list (start time) lost"

# MPEG-TS is Annex B, MP4 length-prefixed: the NAL units themselves must be
# the same (parameter sets and access unit delimiters aside, which MP4 keeps
# in its sample entry or leaves out).
"$PM3K" fix -q "$V/vertical.ts" -o "$tmp/out/ts.mp4" >/dev/null
ffmpeg -nostdin -v error -i "$V/vertical.ts" -map 0:v -c copy -f h264 - >"$tmp/a.h264"
ffmpeg -nostdin -v error -i "$tmp/out/ts.mp4" -map 0:v -c copy -bsf:v h264_mp4toannexb \
    -f h264 - >"$tmp/b.h264"
"$PYTHON" - "$tmp/a.h264" "$tmp/b.h264" <<'PY' || fail "MPEG-TS: NAL units differ after the remux"
import re, sys
def nals(path):
    data = open(path, "rb").read()
    units = [u.rstrip(b"\0") for u in re.split(b"\0\0\1", data) if u.strip(b"\0")]
    return [u for u in units if u[0] & 0x1F not in (7, 8, 9)]
a, b = nals(sys.argv[1]), nals(sys.argv[2])
sys.exit(0 if a == b and len(a) > 10 else 1)
PY

# ---- images ----
# upright: stored 1080x810 with orientation 6, written 810x1080
"$PM3K" fix -q "$I/exif_rotated.jpg" -o "$tmp/out/upright.webp" >/dev/null
[ "$(vipsheader -f width "$tmp/out/upright.webp")x$(vipsheader -f height "$tmp/out/upright.webp")" = 810x1080 ] ||
    fail "orientation not applied: $(vipsheader "$tmp/out/upright.webp")"
if vipsheader -f orientation "$tmp/out/upright.webp" >"$tmp/o" 2>/dev/null; then
    [ "$(cat "$tmp/o")" = 1 ] || fail "the upright image still says orientation $(cat "$tmp/o")"
fi
# metadata: an EXIF Make tag goes, the ICC profile stays; --keep-metadata keeps both
vips icc_transform "$I/jpeg_1080x1920.jpg" "$tmp/src/icc.jpg" srgb --input-profile srgb --embedded
{
    head -c 2 "$tmp/src/icc.jpg"
    printf '\377\341\000\042Exif\000\000MM\000\052\000\000\000\010'
    printf '\000\001\001\017\000\002\000\000\000\004PM3\000\000\000\000\000'
    tail -c +3 "$tmp/src/icc.jpg"
} >"$tmp/src/tagged.jpg"
vipsheader -a "$tmp/src/tagged.jpg" | grep -q 'exif-ifd0-Make: PM3' || fail "could not make a tagged JPEG"
"$PM3K" fix -q "$tmp/src/tagged.jpg" -o "$tmp/out/stripped.jpg" >/dev/null
"$PM3K" fix -q --keep-metadata "$tmp/src/tagged.jpg" -o "$tmp/out/kept.jpg" >/dev/null
vipsheader -a "$tmp/out/stripped.jpg" | grep -q 'exif-ifd0-Make' && fail "EXIF Make not stripped"
vipsheader -a "$tmp/out/stripped.jpg" | grep -q '^icc-profile-data' || fail "ICC profile stripped"
vipsheader -a "$tmp/out/kept.jpg" | grep -q 'exif-ifd0-Make: PM3' || fail "--keep-metadata lost EXIF"
vipsheader -a "$tmp/out/kept.jpg" | grep -q '^icc-profile-data' || fail "--keep-metadata lost ICC"

# a TIFF header that claims 20000x15000 pixels in 138 bytes: refused from the
# header, before any pixel is decoded
"$PYTHON" - "$tmp/src/claim.tif" <<'PY'
import struct, sys
w, h = 20000, 15000
tags = [(256, 4, w), (257, 4, h), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, 8),
        (277, 3, 1), (278, 4, h), (279, 4, w * h)]
ifd = struct.pack("<H", len(tags)) + b"".join(
    struct.pack("<HHII", t, k, 1, v) if k == 4 else struct.pack("<HHIHH", t, k, 1, v, 0)
    for t, k, v in tags) + struct.pack("<I", 0)
open(sys.argv[1], "wb").write(b"II*\0" + struct.pack("<I", 24) + bytes(16) + ifd)
PY
set +e
"$PM3K" fix "$tmp/src/claim.tif" -o "$tmp/out/claim.jpg" >"$tmp/log" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] && grep -q 'fix_failed — the fix did not work: the image is 20000x15000' "$tmp/log" ||
    fail "a pixel bomb was not refused ($rc): $(cat "$tmp/log")"
[ ! -e "$tmp/out/claim.jpg" ] || fail "a pixel bomb left an output"

# HEIC/AVIF need libvips' HEIF module: fix loads it for such an input only,
# probe never (what the dynamic loader maps says so)
heif_loads() {
    LD_DEBUG=files LD_DEBUG_OUTPUT="$tmp/ld" "$PM3K" "$@" >/dev/null 2>&1 || true
    cat "$tmp"/ld.* 2>/dev/null | grep -c 'file=[^ ]*vips-heif' || true
    rm -f "$tmp"/ld.*
}
[ "$(heif_loads probe "$I/heic_64.heic" "$I/avif_64.avif")" = 0 ] || fail "probe loaded the HEIF module"
[ "$(heif_loads fix --dry-run "$I/gif_64.gif")" = 0 ] || fail "fix of a GIF loaded the HEIF module"
[ "$(heif_loads fix --dry-run "$I/heic_64.heic")" -ge 1 ] || fail "fix of a HEIC did not load the HEIF module"

# ---- safety: times, existing outputs, dry runs ----
cp "$V/vertical.mkv" "$tmp/src/old.mkv"
touch -d '2020-01-02 03:04:05' "$tmp/src/old.mkv"
"$PM3K" fix -q "$tmp/src/old.mkv" -o "$tmp/out/old.mp4" >/dev/null
[ "$(stat -c %Y "$tmp/out/old.mp4")" = "$(stat -c %Y "$tmp/src/old.mkv")" ] ||
    fail "the input's modification time was not kept"
echo keep >"$tmp/out/taken.mp4"
set +e
"$PM3K" fix -q "$V/vertical.mkv" -o "$tmp/out/taken.mp4" >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 2 ] && [ "$(cat "$tmp/out/taken.mp4")" = keep ] || fail "an existing output was replaced ($rc)"
"$PM3K" fix -q --force "$V/vertical.mkv" -o "$tmp/out/taken.mp4" >/dev/null
probe_passes "$tmp/out/taken.mp4" || fail "--force did not replace the output"
mkdir -p "$tmp/album/sub"
cp "$I/png_1000.png" "$I/jpeg_1080x1920.jpg" "$tmp/album/"
cp "$V/vertical.mkv" "$I/gif_64.gif" "$tmp/album/sub/"
snapshot() { (cd "$1" && find . -exec stat -c '%n %s %Y' {} + | sort); }
before=$(snapshot "$tmp/album")
"$PM3K" fix --dry-run --hosting pm3k "$tmp/album" >"$tmp/log" || fail "dry run: $(cat "$tmp/log")"
"$PM3K" fix --dry-run --hosting pm3k "$tmp/album" -o "$tmp/never" >/dev/null
[ "$(snapshot "$tmp/album")" = "$before" ] && [ ! -e "$tmp/never" ] || fail "--dry-run wrote something"
grep -q 'would remux Matroska to MP4' "$tmp/log" || fail "dry run does not say what it would do"
# the batch: the same tree under the output folder, every output passing
"$PM3K" fix -q --hosting pm3k "$tmp/album" -o "$tmp/fixed" >"$tmp/log" || fail "batch: $(cat "$tmp/log")"
for f in png_1000.jpg jpeg_1080x1920.jpg sub/vertical.mp4 sub/gif_64.jpg; do
    [ -s "$tmp/fixed/$f" ] || fail "batch: no $f under the output folder"
    "$PM3K" probe -q --hosting pm3k "$tmp/fixed/$f" >/dev/null || fail "batch: $f fails probe"
done

# ---- every file of the test media: passing output, or refused with a reason ----
# One folder per file (symlinks), so two inputs never share an output name.
n=0
find "$V" "$I" -type f ! -name '.*' | sort >"$tmp/all"
while read -r f; do
    n=$((n + 1))
    mkdir -p "$tmp/each/$n"
    ln -s "$f" "$tmp/each/$n/$(basename "$f")"
done <"$tmp/all"
set +e
"$PM3K" fix --format json --max-duration 86400 "$tmp/each" -o "$tmp/eachout" >"$tmp/each.json"
set -e
"$PYTHON" - "$tmp/each.json" "$PM3K" <<'PY' || fail "the test media run"
import json, os, subprocess, sys
report = json.load(open(sys.argv[1]))
pm3k = sys.argv[2]
reencode = {"unsupported_codec", "not_vertical", "picture_size_out_of_range",
            "frame_rate_out_of_range", "duration_too_long", "too_large"}
fixed = refused = 0
for item in report["items"]:
    codes = [f["code"] for f in item["findings"]]
    out = item["facts"].get("output")
    if "fixed" in codes:
        fixed += 1
        if not out or not os.path.isfile(out):
            sys.exit("%s: fixed but no output" % item["path"])
        if subprocess.run([pm3k, "probe", "-q", out], capture_output=True).returncode != 0:
            sys.exit("%s: the output %s fails probe" % (item["path"], out))
        continue
    if out and os.path.exists(out):
        sys.exit("%s: not fixed (%s) but %s was written" % (item["path"], codes, out))
    if item["status"] in ("fail", "error"):
        refused += 1
        for f in item["findings"]:
            if f["severity"] == "error" and not f["hint"]:
                sys.exit("%s: %s without a hint" % (item["path"], f["code"]))
            if f["code"] == "fix_refused" and f["message"].split(":")[0] in reencode \
                    and "ffmpeg" not in f["hint"]:
                sys.exit("%s: no ffmpeg command for %s" % (item["path"], f["message"]))
if fixed < 20 or refused < 20:
    sys.exit("only %d fixed and %d refused" % (fixed, refused))
print("%d fixed, %d refused" % (fixed, refused))
PY
find "$tmp/eachout" -name '*.tmp.*' | grep -q . && fail "temporary files left after the test media run"

# ---- never partial: a signal at any moment leaves the output whole or absent ----
ff -stream_loop 1500 -i "$V/vertical.mkv" -c copy "$tmp/src/big.mkv"
stopped=0
for spec in INT:0.1 INT:0.4 TERM:0.3 INT:0.9 KILL:0.4; do
    sig=${spec%%:*} delay=${spec#*:}
    rm -rf "$tmp/kill"
    mkdir "$tmp/kill"
    "$PM3K" fix --format json --max-duration 86400 "$tmp/src/big.mkv" -o "$tmp/kill/big.mp4" \
        >"$tmp/kill.json" 2>/dev/null &
    pid=$!
    sleep "$delay"
    kill -s "$sig" "$pid" 2>/dev/null || true
    set +e
    wait "$pid"
    rc=$?
    set -e
    case "$sig:$rc" in
    *:0) probe_passes --max-duration 86400 "$tmp/kill/big.mp4" || fail "SIG$sig after ${delay}s: a finished output fails probe" ;;
    INT:130 | TERM:143)
        stopped=$((stopped + 1))
        [ -e "$tmp/kill/big.mp4" ] && fail "SIG$sig: an output after an interrupted run"
        "$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["summary"]["interrupted"] else 1)' \
            "$tmp/kill.json" || fail "SIG$sig: the report does not say interrupted"
        ;;
    KILL:137) [ -e "$tmp/kill/big.mp4" ] && fail "SIGKILL: a partial output under the final name" ;;
    *) fail "SIG$sig after ${delay}s: exit $rc" ;;
    esac
    if [ "$sig" != KILL ] && find "$tmp/kill" -name '*.tmp.*' | grep -q .; then
        fail "SIG$sig after ${delay}s: a temporary file was left"
    fi
done
# at least one signal came while the remux ran (the early ones do)
[ "$stopped" -ge 1 ] || fail "no run was interrupted: the signal tests did not test"
echo "ok"
