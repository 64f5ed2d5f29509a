#!/bin/sh
# Media served by the nginx fixture for the URL tests (tests/cli/cases/url,
# tests/servers): a fast-start vertical MP4 big enough that reading it whole
# would exceed the 1 MB --deep budget, the same clip with the moov box at the
# end, a landscape clip and a few images. Output folder: $1.
set -eu
out=$1
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

# 3 s of noisy 720x1280 at 30 fps: about 3 MB, so a whole read is obvious.
ff -f lavfi -i "testsrc2=s=720x1280:r=30:d=3,noise=alls=40:allf=t" \
   -c:v libx264 -preset ultrafast -b:v 8M -maxrate 8M -bufsize 2M -pix_fmt yuv420p -movflags +faststart \
   "$out/faststart.mp4"
ff -i "$out/faststart.mp4" -c copy "$out/moov_at_end.mp4"
ff -f lavfi -i "testsrc2=s=640x360:r=30:d=1" -c:v libx264 -preset ultrafast \
   -pix_fmt yuv420p -movflags +faststart "$out/landscape.mp4"

vips black "$out/photo.jpg" 720 960 --bands 3
vips black "$out/photo.webp" 600 800 --bands 3
vips black "$out/wide.png" 1600 900 --bands 3
