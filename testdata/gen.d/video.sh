#!/bin/sh
# Video test media for the probe cases: testdata/gen.d/video.sh OUTDIR
#
# Small clips made with ffmpeg (lavfi sources, libx264 ultrafast, tiny
# bitrates), remuxed with -c copy where only the container or a flag
# differs. Expected findings are in tests/cli/cases/video/*.case.
set -eu
out=${1:?usage: video.sh OUTDIR}
cd "$out"

ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

# An H.264 clip of the test pattern: x264 OUT WxH FPS SECONDS [more ffmpeg args]
x264() {
    x264_out=$1 x264_size=$2 x264_fps=$3 x264_secs=$4
    shift 4
    ff -f lavfi -i "testsrc=size=$x264_size:rate=$x264_fps:duration=$x264_secs" \
        -c:v libx264 -preset ultrafast -tune zerolatency -b:v 150k -pix_fmt yuv420p \
        -movflags +faststart "$@" "$x264_out"
}

# Top-level ISO BMFF boxes of a file as "offset size type" lines (32-bit
# sizes only, which is all ffmpeg writes for these small files).
boxes() {
    boxes_file=$1 boxes_off=0 boxes_total=$(wc -c < "$1")
    while [ "$boxes_off" -lt "$boxes_total" ]; do
        set -- $(od -An -tu1 -j "$boxes_off" -N 8 "$boxes_file")
        [ $# -eq 8 ] || break
        boxes_size=$(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 ))
        boxes_type=$(dd if="$boxes_file" bs=1 skip=$((boxes_off + 4)) count=4 2>/dev/null)
        echo "$boxes_off $boxes_size $boxes_type"
        [ "$boxes_size" -ge 8 ] || break
        boxes_off=$((boxes_off + boxes_size))
    done
}

# Overwrite bytes (0..255 each) at an offset: poke FILE OFFSET BYTE...
poke() {
    poke_file=$1 poke_off=$2
    shift 2
    poke_bytes=""
    for b in "$@"; do poke_bytes="$poke_bytes\\$(printf %03o "$b")"; done
    printf "$poke_bytes" | dd of="$poke_file" bs=1 seek="$poke_off" conv=notrunc 2>/dev/null
}

# The display rotation ffprobe sees (the display matrix side data), "" if none.
rotation_of() {
    ffprobe -v error -select_streams v:0 -show_entries stream_side_data=rotation \
        -of default=nw=1:nk=1 "$1" | head -n 1
}

# Give a copy of IN a display matrix that turns the picture 90 degrees
# clockwise for display, as a phone held upright writes it (ffprobe then
# shows rotation -90, counterclockwise being positive there). Which value of
# the legacy "rotate" tag gives that differs between FFmpeg versions, so
# try both and check with ffprobe.
rotate_cw90() {
    for tag in 270 90; do
        ff -i "$1" -map 0 -c copy -metadata:s:v:0 rotate=$tag -movflags +faststart "$2"
        [ "$(rotation_of "$2")" = "-90" ] && return 0
    done
    echo "video.sh: cannot write a display matrix with ffmpeg ($(rotation_of "$2"))" >&2
    exit 1
}

audio="-f lavfi -i anullsrc=r=44100:cl=mono"

# ---- MP4/MOV that pass ----
# vertical 1080x1920 30 fps H.264 + AAC, fast-start
ff -f lavfi -i "testsrc=size=1080x1920:rate=30:duration=1" $audio -shortest \
    -c:v libx264 -preset ultrafast -tune zerolatency -b:v 150k -pix_fmt yuv420p \
    -c:a aac -b:a 16k -movflags +faststart vertical.mp4
# the same streams in other containers and layouts
ff -i vertical.mp4 -map 0 -c copy -f mov -movflags +faststart vertical.mov
ff -i vertical.mp4 -map 0 -c copy moov_at_end.mp4
ff -i vertical.mp4 -map 0 -c copy vertical.mkv
ff -i vertical.mp4 -map 0 -c copy vertical.avi
cp vertical.mkv matroska_named.mp4

# 360x640 24 fps, 2 s: passes; the base of the oversize and a rotated file
x264 small_vertical.mp4 360x640 24 2
# H.265 vertical
ff -f lavfi -i "testsrc=size=720x1280:rate=30:duration=1" \
    -c:v libx265 -preset ultrafast -x265-params log-level=error -b:v 150k -pix_fmt yuv420p \
    -tag:v hvc1 -movflags +faststart hevc_vertical.mp4

# ---- orientation and aspect ----
x264 landscape.mp4 1920x1080 30 1
x264 square.mp4 1080x1080 30 1
x264 four_five.mp4 1080x1350 30 1
# a phone video: coded landscape, displayed upright through the rotation
rotate_cw90 landscape.mp4 rotated_vertical.mp4
# coded portrait with the same rotation: displays landscape
rotate_cw90 small_vertical.mp4 rotated_landscape.mp4
# anamorphic: square pixels are not square on screen
x264 anamorphic_vertical.mp4 1080x1080 30 1 -vf setsar=9/16
x264 anamorphic_landscape.mp4 540x960 30 1 -vf setsar=2/1

# ---- other rules ----
x264 fps15.mp4 360x640 15 1
x264 fps120.mp4 360x640 120 0.5
x264 tiny.mp4 320x568 30 1
# 9:16 but 4160 px high: over TikTok's 4096 px
x264 huge.mp4 2340x4160 24 0.5
ff -f lavfi -i "testsrc=size=360x640:rate=30:duration=1" -c:v mpeg4 -q:v 20 \
    -movflags +faststart mpeg4.mp4
ff -f lavfi -i "testsrc=size=360x640:rate=30:duration=1" -c:v libvpx-vp9 -deadline realtime \
    -cpu-used 8 -b:v 100k vertical.webm
# containers the signature sniffer does not know, or without headers: a raw
# H.264 stream (libavformat's own probe finds it) and MPEG-TS
x264 vertical.ts 360x640 30 1 -f mpegts
ff -i vertical.ts -map 0 -c copy -f h264 raw_h264.mp4
# over 600 s without encoding 600 s: loop a flat 2 s clip by copying packets
ff -f lavfi -i "color=c=gray:size=360x640:rate=24:duration=2" -c:v libx264 -preset ultrafast \
    -pix_fmt yuv420p -b:v 10k long_base.mp4
ff -stream_loop 305 -i long_base.mp4 -c copy -movflags +faststart long.mp4
rm -f long_base.mp4

# over 100 MB without using the disk: the 2 s clip followed by a sparse
# 'free' box whose 64-bit largesize runs exactly to the end of the file
oversize=150000000
cp small_vertical.mp4 oversize.mp4
base=$(wc -c < oversize.mp4)
rest=$((oversize - base))
poke oversize.mp4 "$base" 0 0 0 1 102 114 101 101 \
    $(( (rest >> 56) & 255 )) $(( (rest >> 48) & 255 )) $(( (rest >> 40) & 255 )) \
    $(( (rest >> 32) & 255 )) $(( (rest >> 24) & 255 )) $(( (rest >> 16) & 255 )) \
    $(( (rest >> 8) & 255 )) $(( rest & 255 ))
truncate -s "$oversize" oversize.mp4

# ---- no video ----
ff $audio -t 1 -c:a aac -b:a 16k -movflags +faststart audio_only.m4a
ff $audio -t 1 -c:a aac -b:a 16k -movflags +faststart audio_only.mp4
# audio with cover art: the picture stream is an attached picture, not video
ff -f lavfi -i "color=red:size=64x64:duration=1" -frames:v 1 cover.png
ff $audio -i cover.png -t 1 -map 0:a -map 1:v -c:a aac -b:a 16k -c:v png \
    -disposition:v:0 attached_pic -movflags +faststart cover_art.mp4
rm -f cover.png
: > empty.mp4
printf 'this is a text file, not a video\n' > text.mp4

# ---- truncated (half-copied) ----
# moov at the end, cut in half: no moov at all
whole=$(wc -c < moov_at_end.mp4)
head -c $((whole / 2)) moov_at_end.mp4 > truncated_no_moov.mp4
# fast-start, cut in the middle of mdat: the mdat box and its samples run
# past the end
whole=$(wc -c < vertical.mp4)
head -c $((whole * 3 / 5)) vertical.mp4 > truncated_faststart.mp4
# the same cut, but mdat's size set to 0 ("to the end of the file", as
# streaming recorders write it): only the sample index shows the cut
cp truncated_faststart.mp4 truncated_mdat_to_eof.mp4
mdat=$(boxes truncated_mdat_to_eof.mp4 | awk '$3 == "mdat" { print $1 }')
[ -n "$mdat" ] || { echo "video.sh: no mdat in truncated_mdat_to_eof.mp4" >&2; exit 1; }
poke truncated_mdat_to_eof.mp4 "$mdat" 0 0 0 0

# Sanity: the flags this suite relies on were really written.
[ "$(boxes moov_at_end.mp4 | awk '$3 == "moov" || $3 == "mdat" { printf "%s ", $3 }')" = "mdat moov " ] || {
    echo "video.sh: moov_at_end.mp4 is fast-start" >&2
    exit 1
}
exit 0
