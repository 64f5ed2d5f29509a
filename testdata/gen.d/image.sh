#!/bin/sh
# Images for the photo-post rules (probe/image.c): testdata/gen.d/image.sh OUTDIR
#
# Made with vips, ffmpeg and shell tools in OUTDIR; every file is named for
# what it is, and the cases under tests/cli/cases/image and carousel say what
# pm3k must report for it. Small on purpose: the 21 MB file is sparse.
set -eu
out=${1:?usage: image.sh OUTDIR}
tmp="$out/.tmp"
mkdir -p "$tmp"

# A flat RGB picture of W x H saved as FILE (format from the extension).
flat() { vips black "$1" "$2" "$3" --bands 3; }

# A noisy RGB picture: plenty of entropy-coded data, so that cutting the
# file in half leaves the header intact and the data cut off.
noisy() {
    vips gaussnoise "$tmp/n.v" "$2" "$3" --mean 128 --sigma 60
    vips cast "$tmp/n.v" "$tmp/n8.v" uchar
    vips bandjoin "$tmp/n8.v $tmp/n8.v $tmp/n8.v" "$1"
}

# First half of a file: the header survives, the end does not.
half() { head -c $(($(wc -c < "$1") / 2)) "$1" > "$2"; }

# ---- accepted ----
flat "$out/jpeg_1080.jpg" 1080 1080
flat "$out/webp_1080.webp" 1080 1080
flat "$out/png_1000.png" 1000 1000

# ---- image_too_large_px: PM3K refuses more than 1080 px on any side ----
flat "$out/jpeg_1081x1000.jpg" 1081 1000
flat "$out/jpeg_1080x1920.jpg" 1080 1920
flat "$out/jpeg_1080x1350.jpg" 1080 1350

# ---- image_too_large: a valid 640x640 JPEG followed by zeros up to 21 MB
# (sparse, so it costs no disk). Data after the EOI must not fail it. ----
flat "$out/jpeg_21mb.jpg" 640 640
truncate -s 21000000 "$out/jpeg_21mb.jpg"

# ---- unsupported_image_type ----
flat "$out/gif_64.gif" 64 64
flat "$out/tiff_64.tif" 64 64
ffmpeg -v error -f lavfi -i color=c=red:s=64x64 -frames:v 1 -y "$out/bmp_64.bmp"
# HEIC and AVIF: libvips writes both when libheif has the encoders (it does
# on Debian 12: x265 and aom); otherwise ffmpeg writes AVIF, and a HEIC is
# made by hand: an ftyp box with the heic brand is what pm3k's signature
# check looks at, and a type check needs no more.
vips black "$tmp/small.v" 64 64 --bands 3
if ! vips heifsave "$tmp/small.v" "$out/heic_64.heic" 2>/dev/null; then
    printf '\000\000\000\030ftypheic\000\000\000\000mif1heic' > "$out/heic_64.heic"
fi
if ! vips heifsave "$tmp/small.v" "$out/avif_64.avif" --compression av1 2>/dev/null; then
    ffmpeg -v error -f lavfi -i color=c=red:s=64x64 -frames:v 1 -c:v libaom-av1 \
        -y "$out/avif_64.avif"
fi
# A short vertical H.264 video, for a video inside a photo post.
ffmpeg -v error -f lavfi -i testsrc=s=360x640:r=30:d=0.5 -c:v libx264 -preset ultrafast \
    -pix_fmt yuv420p -movflags +faststart -y "$out/clip.mp4"

# ---- extension_mismatch: a PNG named .jpg ----
flat "$tmp/named.png" 640 640
cp "$tmp/named.png" "$out/png_named.jpg"

# ---- unreadable_media: cut off after an intact header, empty, not an image ----
noisy "$tmp/noisy.jpg" 256 256
noisy "$tmp/noisy.png" 256 256
noisy "$tmp/noisy.webp" 256 256
half "$tmp/noisy.jpg" "$out/truncated.jpg"
half "$tmp/noisy.png" "$out/truncated.png"
half "$tmp/noisy.webp" "$out/truncated.webp"
: > "$out/empty.jpg"
printf 'this is a text file, not a picture\n' > "$out/text.png"

# ---- passes: a Motion Photo (JPEG + an MP4 appended after the EOI) ----
cat "$tmp/noisy.jpg" "$out/clip.mp4" > "$out/motion_photo.jpg"

# ---- passes: 1080x810 stored, EXIF orientation 6 (displayed 810x1080).
# vips cannot set EXIF from the command line, so an APP1 segment is put
# right after the SOI: "Exif\0\0", a big-endian TIFF header and one IFD
# entry, Orientation (0x0112) SHORT = 6. ----
flat "$tmp/plain_1080x810.jpg" 1080 810
{
    head -c 2 "$tmp/plain_1080x810.jpg"
    printf '\377\341\000\042Exif\000\000MM\000\052\000\000\000\010'
    printf '\000\001\001\022\000\003\000\000\000\001\000\006\000\000\000\000\000\000'
    tail -c +3 "$tmp/plain_1080x810.jpg"
} > "$out/exif_rotated.jpg"

# ---- carousels ----
# album/: a folder taken in sorted order; the walk skips the text file and
# the dotfile.
mkdir -p "$out/album"
flat "$out/album/b.webp" 720 720
flat "$out/album/a.jpg" 1080 1080
flat "$out/album/c.png" 800 800
printf 'notes\n' > "$out/album/notes.txt"
flat "$out/album/.hidden.jpg" 64 64
# many/: 36 images, one more than a photo post takes.
mkdir -p "$out/many"
flat "$tmp/tiny.jpg" 16 16
i=1
while [ "$i" -le 36 ]; do
    cp "$tmp/tiny.jpg" "$out/many/$(printf '%02d' "$i").jpg"
    i=$((i + 1))
done
# empty_album/: no images at all.
mkdir -p "$out/empty_album"

rm -rf "$tmp"
