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

# ---- unsupported_image_type: other image formats (types/), made by
# ffmpeg and vips where they write them, by hand where nothing does. A walk
# of the folder takes them all. ----
mkdir -p "$out/types"
for ext in ico qoi tga sgi jp2 ppm pgm pbm pam; do
    ffmpeg -v error -f lavfi -i color=c=red:s=64x48 -frames:v 1 -y "$out/types/image.$ext"
done
vips black "$out/types/image.hdr" 64 48 --bands 3
ffmpeg -v error -f lavfi -i color=c=red:s=64x48 -frames:v 1 -y "$out/types/image.exr"
# A Photoshop file as Photoshop writes a flat one: header, empty colour
# mode, resources and layers sections, then raw RGB planes. Nothing here
# writes PSD, so it is made byte by byte.
python3 - "$out/types/image.psd" <<'PSD'
import struct, sys
w, h = 64, 48
head = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, h, w, 8, 3)
planes = bytes([255]) * (w * h) + bytes(w * h) * 2
with open(sys.argv[1], "wb") as f:
    f.write(head + struct.pack(">III", 0, 0, 0) + struct.pack(">H", 0) + planes)
PSD
if ! vips copy "$tmp/small.v" "$out/types/image.jxl" 2>/dev/null; then
    printf '\377\012\372\177' > "$out/types/image.jxl"
fi
printf '<?xml version="1.0" encoding="UTF-8"?>\n<!-- a drawing -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"><rect width="64" height="48" fill="red"/></svg>\n' \
    > "$out/types/image.svg"

# ---- the same structures patched by hand (Python): hostile/ holds what
# must never cost memory or time, odd/ what decoders refuse or warn
# about. Each is a few kilobytes but the decompression bombs. ----
mkdir -p "$out/hostile" "$out/odd"
flat "$tmp/p64.png" 64 48
flat "$tmp/j64.jpg" 64 48
flat "$tmp/w64.webp" 64 48
ffmpeg -v error -f lavfi -i testsrc=s=64x48:r=5:d=1 -plays 0 -f apng -y "$out/odd/animated.png"
ffmpeg -v error -f lavfi -i testsrc=s=64x48:r=5:d=1 -c:v libwebp -loop 0 -y "$out/odd/animated.webp"
vips copy "$out/exif_rotated.jpg" "$out/odd/exif_rotated.webp"
cp "$tmp/j64.jpg" "$out/odd/photo.jfif"
cp "$tmp/p64.png" "$out/odd/png_named.jfif"
python3 - "$tmp" "$out" <<'PY'
import struct, sys, zlib
tmp, out = sys.argv[1], sys.argv[2]
png = open(tmp + "/p64.png", "rb").read()
jpg = open(tmp + "/j64.jpg", "rb").read()
webp = open(tmp + "/w64.webp", "rb").read()

def write(name, data):
    with open(out + "/" + name, "wb") as f:
        f.write(data)

def chunk(kind, data, declared=None):
    n = len(data) if declared is None else declared
    return struct.pack(">I", n) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

def deflate_zeros(mib):
    z = zlib.compressobj(9)
    block = bytes(1 << 20)
    return b"".join(z.compress(block) for _ in range(mib)) + z.flush()

# PNG: text chunks that declare about 1 GiB the file does not hold (libpng
# allocates it before reading), put right after IHDR.
head, rest = png[:33], png[33:]
for kind in (b"tEXt", b"zTXt", b"iTXt"):
    write("hostile/png_%s_1gib.png" % kind.decode().lower(),
          head + struct.pack(">I", 0x3FFFFFF0) + kind + b"Comment\0" + rest)
# decompression bombs: one zTXt of 200 MiB of zeros (200 KB), and 15 of
# 20 MiB each, each below libpng's own limit
write("hostile/png_ztxt_200mib.png", head + chunk(b"zTXt", b"Comment\0\0" + deflate_zeros(200)) + rest)
z20 = chunk(b"zTXt", b"Comment\0\0" + deflate_zeros(20))
write("hostile/png_ztxt_15x20mib.png", head + z20 * 15 + rest)
write("hostile/png_itxt_200mib.png",
      head + chunk(b"iTXt", b"XML:com.adobe.xmp\0\1\0en\0\0" + deflate_zeros(200)) + rest)
# a still-fine compressed text chunk (1 MiB inflated) passes
write("odd/png_ztxt_1mib.png", head + chunk(b"zTXt", b"Comment\0\0" + deflate_zeros(1)) + rest)

# JPEG: an APP1 segment that declares 65533 bytes in a file that ends first
app1 = b"\xFF\xE1\xFF\xFF" + b"http://ns.adobe.com/xap/1.0/\0" + b"x" * 200
write("hostile/jpeg_app1_past_end.jpg", jpg[:2] + app1)

def jpeg_segments(data):
    """(marker, offset, length) of the segments before the first SOS."""
    pos, found = 2, []
    while True:
        marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2:pos + 4])[0]
        found.append((marker, pos, length))
        if marker == 0xDA:
            return found
        pos += 2 + length

# no DQT at all: the frame names quantization tables nobody defines
segs = jpeg_segments(jpg)
nodqt = jpg[:2] + b"".join(jpg[o:o + 2 + n] for m, o, n in segs[:-1] if m != 0xDB) + jpg[segs[-1][1]:]
write("odd/jpeg_no_dqt.jpg", nodqt)
# the first scan codes its first component with DC/AC Huffman tables 2,
# which no DHT defines (0 and 1 would fall back to the standard tables)
sos = segs[-1][1]
bad = bytearray(jpg)
bad[sos + 6] = 0x22
write("odd/jpeg_huffman_2.jpg", bytes(bad))
# without any DHT: libjpeg-turbo's standard tables stand in, as vips wrote
nodht = jpg[:2] + b"".join(jpg[o:o + 2 + n] for m, o, n in segs[:-1] if m != 0xC4) + jpg[sos:]
write("odd/jpeg_no_dht.jpg", nodht)
# a frame whose luma is sampled 3x1 and chroma 2x1: libjpeg cannot upsample
sof = [o for m, o, n in segs if m == 0xC0][0]
bad = bytearray(jpg)
bad[sof + 11] = 0x31
bad[sof + 14] = 0x21
write("odd/jpeg_sampling_3_2.jpg", bytes(bad))
# EXIF orientation 0 and 9 (libvips reads them as 1)
for value in (0, 9):
    exif = (b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01" +
            struct.pack(">H", value) + b"\0\0\0\0\0\0")
    write("odd/jpeg_orientation_%d.jpg" % value,
          jpg[:2] + b"\xFF\xE1" + struct.pack(">H", len(exif) + 2) + exif + jpg[2:])

# PNG: eXIf (orientation 6) after the image data, where libpng's header
# read never looks; and an eXIf with orientation 9 before it
def exif_tiff(value):
    return b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01" + struct.pack(">H", value) + b"\0\0\0\0\0\0"
write("odd/png_exif_after_idat.png", png[:-12] + chunk(b"eXIf", exif_tiff(6)) + png[-12:])
write("odd/png_orientation_9.png", head + chunk(b"eXIf", exif_tiff(9)) + rest)

# WebP: an EXIF chunk that declares 4 GiB, and a 20,000-frame animation
# (libvips walks every frame, in time by the square of their number)
def riff(body):
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body

def wchunk(kind, data, declared=None):
    n = len(data) if declared is None else declared
    return kind + struct.pack("<I", n) + data + (b"\0" if len(data) & 1 else b"")

body = webp[12:]
write("hostile/webp_chunk_past_end.webp", riff(body + wchunk(b"EXIF", b"MM\0\x2a", 0xFFFFFFF0)))
vp8x = wchunk(b"VP8X", bytes([0x02, 0, 0, 0]) + bytes(6))
anim = wchunk(b"ANIM", bytes(6))
frame = wchunk(b"ANMF", bytes(6) + bytes(3) + bytes(3) + (100).to_bytes(3, "little") + b"\0" +
               wchunk(b"VP8L", b"\x2f\0\0\0\0"))
write("hostile/webp_20000_frames.webp", riff(vp8x + anim + frame * 20000))
PY

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
