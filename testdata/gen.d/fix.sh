#!/bin/sh
# Media only pm3k fix's cases use: testdata/gen.d/fix.sh OUTDIR
#
# Kept out of video/ so the probe's folder-walk cases keep their item lists.
set -eu
out=${1:?usage: fix.sh OUTDIR}
cd "$out"

ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

# H.264 with Vorbis sound in Matroska: MP4 carries no Vorbis by its
# standards, so the remux is refused (stream_not_mp4)
ff -f lavfi -i "testsrc=size=360x640:rate=30:duration=1" -f lavfi -i anullsrc=r=44100:cl=mono \
    -shortest -c:v libx264 -preset ultrafast -tune zerolatency -b:v 150k -pix_fmt yuv420p \
    -c:a libvorbis -b:a 32k vorbis_audio.mkv
