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

# ---- more containers on the default walk list (all unsupported but 3GP) ----
# 3GP-branded MP4 (3gp6) with H.264: MP4
x264 vertical.3gp 360x640 30 1 -f 3gp
# M2TS/BDAV: MPEG-TS in 192-byte packets (camcorder .mts, Blu-ray .m2ts)
ff -i vertical.ts -map 0 -c copy -f mpegts -mpegts_m2ts_mode 1 vertical.m2ts
cp vertical.m2ts camcorder.mts
ff -i small_vertical.mp4 -map 0 -c copy -f flv vertical.flv
tiny_clip="testsrc=size=360x640:rate=30:duration=0.3"
ff -f lavfi -i "$tiny_clip" -c:v mpeg2video -b:v 100k -f mpeg vertical.mpg
ff -f lavfi -i "$tiny_clip" -c:v wmv2 -b:v 100k -f asf vertical.wmv
ff -f lavfi -i "$tiny_clip" -c:v libtheora -b:v 100k -f ogg vertical.ogv

# ---- variable frame rate at the limit ----
# 60 fps from a phone: frame durations alternate 500/499 ticks of 1/30000 s,
# so the average is 60.06 fps; the base rate is 60
ff -f lavfi -i "testsrc=size=360x640:rate=60:duration=2" \
    -vf "settb=1/30000,setpts=floor(N*499.5+0.5)" -fps_mode passthrough -enc_time_base 1:30000 \
    -c:v libx264 -preset ultrafast -tune zerolatency -b:v 150k -pix_fmt yuv420p \
    -video_track_timescale 30000 -movflags +faststart vfr_60.mp4

# ---- sample tables that lie, and other MP4s patched by hand ----
# Bases: a 1 s clip with a keyframe every 15 frames, moov at the end (so the
# moov can grow without moving a chunk offset); the same fast-start, and
# fragmented; PCM sound in a MOV (which libavformat indexes chunk by chunk).
# The Python below patches copies (each function says what it makes).
base=.base
mkdir -p "$base"
ff -f lavfi -i "testsrc=size=360x640:rate=30:duration=1" -f lavfi -i anullsrc=r=44100:cl=mono \
    -shortest -c:v libx264 -preset ultrafast -tune zerolatency -g 15 -b:v 150k -pix_fmt yuv420p \
    -c:a aac -b:a 16k "$base/tables.mp4"
ff -i "$base/tables.mp4" -map 0 -c copy -movflags +faststart "$base/faststart.mp4"
ff -i "$base/tables.mp4" -map 0 -c copy -movflags +frag_keyframe+empty_moov+default_base_moof \
    "$base/frag.mp4"
ff -f lavfi -i "testsrc=size=360x640:rate=30:duration=1" -f lavfi -i anullsrc=r=8000:cl=mono \
    -shortest -c:v libx264 -preset ultrafast -tune zerolatency -b:v 150k -pix_fmt yuv420p \
    -c:a pcm_s16le -f mov "$base/pcm.mov"
# the fragmented clip as it is: samples in fragments, a pass
cp "$base/frag.mp4" fragmented.mp4
python3 - "$base/tables.mp4" "$base/frag.mp4" "$base/pcm.mov" "$base/faststart.mp4" \
    vertical.webm <<'PY'
import struct
import sys

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex",
              b"moof", b"traf", b"mfra"}


def children(d, start, end):
    """(offset, header length, size, type) of the boxes between start and end."""
    out, off = [], start
    while off + 8 <= end:
        size, kind = struct.unpack_from(">I4s", d, off)
        head = 8
        if size == 1:
            size, head = struct.unpack_from(">Q", d, off + 8)[0], 16
        elif size == 0:
            size = end - off
        if size < head:
            break
        out.append((off, head, size, kind))
        off += size
    return out


def find_all(d, path, start=0, end=None):
    """Every box at a '/'-separated path, in file order."""
    end = len(d) if end is None else end
    first, _, rest = path.partition("/")
    found = []
    for off, head, size, kind in children(d, start, end):
        if kind != first.encode():
            continue
        if rest:
            found += find_all(d, rest, off + head, off + size)
        else:
            found.append((off, head, size))
    return found


def find(d, path, nth=0, start=0, end=None):
    return find_all(d, path, start, end)[nth]


def track(d, handler):
    """(start, end) of the first trak whose hdlr is handler."""
    for off, head, size in find_all(d, "moov/trak"):
        hdlr = find(d, "mdia/hdlr", 0, off + head, off + size)
        if d[hdlr[0] + 16:hdlr[0] + 20] == handler:
            return off + head, off + size
    raise SystemExit("no %r track" % handler)


def stbl_box(d, handler, kind):
    """(payload offset, payload end) of a sample table box of a track."""
    start, end = track(d, handler)
    off, head, size = find(d, "mdia/minf/stbl/" + kind, 0, start, end)
    return off + head, off + size


def put32(d, off, value):
    struct.pack_into(">I", d, off, value & 0xFFFFFFFF)


def get32(d, off):
    return struct.unpack_from(">I", d, off)[0]


def load(path):
    with open(path, "rb") as f:
        return bytearray(f.read())


def save(d, path):
    with open(path, "wb") as f:
        f.write(d)


def box(kind, payload):
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def replace_box(d, off, size, new):
    """d with the box at off replaced by new, the sizes of every container
    around it corrected (32-bit sizes). Only for boxes after which no
    absolute offset points (a moov at the end of the file)."""
    delta = len(new) - size
    out = d[:off] + new + d[off + size:]
    for coff, head, csize in enclosing(d, off):
        put32(out, coff, csize + delta)
    return out


def enclosing(d, target, start=0, end=None):
    end = len(d) if end is None else end
    for off, head, size, kind in children(d, start, end):
        if off < target < off + size and kind in CONTAINERS:
            return [(off, head, size)] + enclosing(d, target, off + head, off + size)
    return []


# ---- the cases ----

def constant_size_bomb(src, dst, samples):
    """One chunk, a constant sample size of 1 byte, a huge sample count: the
    video track declares `samples` samples in a few kilobytes."""
    d = load(src)
    p, _ = stbl_box(d, b"vide", "stsz")
    put32(d, p + 4, 1)
    put32(d, p + 8, samples)
    p, _ = stbl_box(d, b"vide", "stsc")
    put32(d, p + 4, 1)
    put32(d, p + 8, 1)
    put32(d, p + 12, samples)
    put32(d, p + 16, 1)
    p, _ = stbl_box(d, b"vide", "stco")
    put32(d, p + 4, 1)
    p, _ = stbl_box(d, b"vide", "stts")
    put32(d, p + 4, 1)
    put32(d, p + 8, samples)
    save(d, dst)


def chunk_bomb(src, dst, chunks):
    """PCM sound, which libavformat indexes chunk by chunk (an entry per
    1024 samples): 30 chunks of two billion samples each, in a chunk table
    of one run."""
    d = load(src)
    p, _ = stbl_box(d, b"soun", "stsc")
    put32(d, p + 4, 1)
    put32(d, p + 12, 0x7FFFF000)
    p, end = stbl_box(d, b"soun", "stco")
    first = get32(d, p + 8)
    new = box(b"stco", d[p:p + 4] + struct.pack(">I", chunks) + struct.pack(">I", first) * chunks)
    save(replace_box(d, p - 8, end - p + 8, new), dst)


def trun_bomb(src, dst, samples):
    """A fragment whose trun has no per-sample fields and a huge count: the
    samples take the tfhd's default size of one byte."""
    d = load(src)
    tfhd = find(d, "moof/traf/tfhd")
    p = tfhd[0] + tfhd[1]
    flags = get32(d, p) & 0xFFFFFF
    assert flags & 0x18 == 0x18, "tfhd without default duration and size"
    put32(d, p + 8 + (8 if flags & 1 else 0) + (4 if flags & 2 else 0) + 4, 1)
    trun = find(d, "moof/traf/trun")
    p = trun[0] + trun[1]
    put32(d, p, get32(d, p) & 0xFF0000FF)
    put32(d, p + 4, samples)
    save(d, dst)


def short_stz2(src, dst):
    """stsz made stz2 (same layout up to the count) with 8-bit sizes and a
    count far beyond what the box holds."""
    d = load(src)
    p, _ = stbl_box(d, b"vide", "stsz")
    d[p - 4:p] = b"stz2"
    put32(d, p + 4, 8)
    put32(d, p + 8, 100000000)
    save(d, dst)


def short_stsz(src, dst):
    """A table of sample sizes shorter than its count."""
    d = load(src)
    p, _ = stbl_box(d, b"vide", "stsz")
    put32(d, p + 8, get32(d, p + 8) + 1000)
    save(d, dst)


def fewer_sizes(src, dst):
    """The size table declares one sample fewer than the chunks hold."""
    d = load(src)
    p, _ = stbl_box(d, b"vide", "stsz")
    put32(d, p + 8, get32(d, p + 8) - 1)
    save(d, dst)


def impossible_co64(src, dst, bits=1 << 63):
    """stco made co64, one offset with the top bit set (libavformat turns
    it into 0), or with another bit set (a plain offset far past the end)."""
    d = load(src)
    p, end = stbl_box(d, b"vide", "stco")
    n = get32(d, p + 4)
    offsets = [get32(d, p + 8 + 4 * i) for i in range(n)]
    offsets[n // 2] |= bits
    new = box(b"co64", d[p:p + 4] + struct.pack(">I", n) +
              b"".join(struct.pack(">Q", o) for o in offsets))
    save(replace_box(d, p - 8, end - p + 8, new), dst)


def huge_stts(src, dst):
    """A time table declaring a billion more samples than there are."""
    d = load(src)
    p, _ = stbl_box(d, b"vide", "stts")
    put32(d, p + 8, get32(d, p + 8) + (1 << 30))
    save(d, dst)


def headers_only(src, dst):
    """Every sample table of the video track empty: headers, no samples."""
    d = load(src)
    for kind in ("stts", "stsc", "stco"):
        p, _ = stbl_box(d, b"vide", kind)
        put32(d, p + 4, 0)
    p, _ = stbl_box(d, b"vide", "stsz")
    put32(d, p + 4, 0)
    put32(d, p + 8, 0)
    p, _ = stbl_box(d, b"vide", "stss")
    put32(d, p + 4, 0)
    save(d, dst)


def init_segment(src, dst):
    """ftyp and moov of a fragmented MP4: the init segment alone."""
    d = load(src)
    moov = find(d, "moov")
    save(d[:moov[0] + moov[2]], dst)


def unknown_durations(d):
    """mvhd, tkhd and mdhd durations all ones (version 0 boxes)."""
    mvhd = find(d, "moov/mvhd")
    put32(d, mvhd[0] + mvhd[1] + 16, 0xFFFFFFFF)
    for off, head, size in find_all(d, "moov/trak"):
        tkhd = find(d, "tkhd", 0, off + head, off + size)
        put32(d, tkhd[0] + tkhd[1] + 20, 0xFFFFFFFF)
        mdhd = find(d, "mdia/mdhd", 0, off + head, off + size)
        put32(d, mdhd[0] + mdhd[1] + 16, 0xFFFFFFFF)


def frag_unknown(src, dst):
    d = load(src)
    unknown_durations(d)
    save(d, dst)


def frag_mehd(src, dst, duration):
    """Unknown durations, and an mehd giving the length: the udta makes
    room for it (the moov keeps its size, so no offset moves)."""
    d = load(src)
    unknown_durations(d)
    moov = find(d, "moov")
    udta = find(d, "moov/udta")
    mvex = find(d, "moov/mvex")
    mehd = box(b"mehd", struct.pack(">II", 0, duration))
    pad = udta[2] - len(mehd)
    assert pad >= 8
    body = bytearray()
    for off, head, size, kind in children(d, moov[0] + moov[1], moov[0] + moov[2]):
        if kind == b"udta":
            body += box(b"free", bytes(pad - 8))
        elif kind == b"mvex":
            body += box(b"mvex", mehd + bytes(d[off + head:off + size]))
        else:
            body += d[off:off + size]
    new = box(b"moov", bytes(body))
    assert len(new) == moov[2]
    save(d[:moov[0]] + new + d[moov[0] + moov[2]:], dst)


def frag_no_durations(src, dst):
    """Unknown durations, and fragments whose samples last nothing: no
    figure says how long it is."""
    d = load(src)
    unknown_durations(d)
    for off, head, size in find_all(d, "moov/mvex/trex"):
        put32(d, off + head + 12, 0)
    for moof in find_all(d, "moof"):
        for traf in find_all(d, "traf", moof[0] + moof[1], moof[0] + moof[2]):
            tfhd = find(d, "tfhd", 0, traf[0] + traf[1], traf[0] + traf[2])
            p = tfhd[0] + tfhd[1]
            flags = get32(d, p) & 0xFFFFFF
            if flags & 0x08:
                put32(d, p + 8 + (8 if flags & 1 else 0) + (4 if flags & 2 else 0), 0)
            trun = find(d, "trun", 0, traf[0] + traf[1], traf[0] + traf[2])
            strip_trun_durations(d, trun[0] + trun[1], trun[0] + trun[2])
    save(d, dst)


def strip_trun_durations(d, p, end):
    flags = get32(d, p) & 0xFFFFFF
    if not flags & 0x100:
        return
    count = get32(d, p + 4)
    head = 8 + (4 if flags & 1 else 0) + (4 if flags & 4 else 0)
    fields = bin(flags >> 8 & 0xF).count("1")
    rows = [d[p + head + 4 * fields * i:p + head + 4 * fields * (i + 1)] for i in range(count)]
    packed = b"".join(row[4:] for row in rows)
    put32(d, p, (get32(d, p) & 0xFF000000) | (flags & ~0x100))
    d[p + head:end] = packed + bytes(end - p - head - len(packed))


def short_trun(src, dst):
    """A trun with per-sample fields that declares more samples than its
    box holds."""
    d = load(src)
    trun = find(d, "moof/traf/trun")
    p = trun[0] + trun[1]
    put32(d, p + 4, get32(d, p + 4) + 1000)
    save(d, dst)


def full_box(kind, version, flags, payload):
    return box(kind, struct.pack(">I", version << 24 | flags) + payload)


def append_to_moov(d, new):
    """d with new boxes at the end of its moov (the moov last in the file,
    so no chunk offset moves)."""
    off, head, size = find(d, "moov")
    assert off + size == len(d), "the moov is not last"
    out = d + new
    put32(out, off, size + len(new))
    return out


def encrypted_senc(src, dst, samples):
    """The video sample entry made 'encv' with a protection scheme ('cenc',
    a tenc whose constant IV costs a sample no byte) and a senc at the end
    of its sample tables declaring `samples` samples in 16 bytes:
    libavformat allocated some 400 bytes per declared sample (3.8 GB for 8
    million)."""
    d = load(src)
    p, end = stbl_box(d, b"vide", "stsd")
    entry_size = get32(d, p + 8)
    assert d[p + 12:p + 16] == b"avc1"
    tenc = full_box(b"tenc", 1, 0, bytes([0, 0, 1, 0]) + b"K" * 16 + bytes([16]) + b"I" * 16)
    sinf = box(b"sinf", box(b"frma", b"avc1") +
               full_box(b"schm", 0, 0, b"cenc" + struct.pack(">I", 0x10000)) + box(b"schi", tenc))
    entry = bytearray(d[p + 8:p + 8 + entry_size]) + sinf
    put32(entry, 0, len(entry))
    entry[4:8] = b"encv"
    stsd = box(b"stsd", d[p:p + 8] + entry + d[p + 8 + entry_size:end])
    d = replace_box(d, p - 8, end - p + 8, stsd)
    start, end = track(d, b"vide")
    off, head, size = find(d, "mdia/minf/stbl", 0, start, end)
    senc = full_box(b"senc", 0, 0, struct.pack(">I", samples))
    stbl = box(b"stbl", d[off + head:off + size] + senc)
    save(replace_box(d, off, size, stbl), dst)


def keys_bomb(src, dst, count):
    """QuickTime metadata (moov/meta, an 'mdta' handler) whose keys box
    declares `count` keys and holds one: libavformat zero-filled 8 bytes per
    declared key before reading any (2 GB for 260 million)."""
    d = load(src)
    hdlr = full_box(b"hdlr", 0, 0, struct.pack(">I4s", 0, b"mdta") + b"\0" * 13)
    keys = full_box(b"keys", 0, 0, struct.pack(">I", count) + struct.pack(">I4s", 12, b"mdta") +
                    b"name")
    save(append_to_moov(d, full_box(b"meta", 0, 0, hdlr + keys)), dst)


def missing_description(src, dst):
    """The video's last chunk run (stsc) names sample description 2 of a
    track that has one: the box walk counts every sample, libavformat's
    index leaves that run's samples out."""
    d = load(src)
    p, _ = stbl_box(d, b"vide", "stsc")
    runs = get32(d, p + 4)
    assert runs >= 1
    put32(d, p + 8 + 12 * (runs - 1) + 8, 2)
    save(d, dst)


def mdat_overrun(src, dst):
    """A last mdat whose size claims 100 bytes more than the file has."""
    d = load(src)
    off, head, size = find_all(d, "mdat")[-1]
    assert head == 8 and off + size == len(d)
    put32(d, off, size + 100)
    save(d, dst)


def fourcc(src, dst, old, new):
    """The video sample entry renamed (a codec this FFmpeg does not know)."""
    d = load(src)
    p, _ = stbl_box(d, b"vide", "stsd")
    assert d[p + 12:p + 16] == old
    d[p + 12:p + 16] = new
    save(d, dst)


def truncate_last_mdat(src, dst):
    """A fragmented MP4 cut in the middle of its last media data."""
    d = load(src)
    off, head, size = find_all(d, "mdat")[-1]
    save(d[:off + size // 2], dst)


def long_doctype_size(src, dst):
    """A WebM whose DocType size is the 2-byte EBML length 0x40 0x04, as
    some JavaScript muxers write it: the EBML header grows by a byte (the
    Segment's positions are its own, so nothing else moves)."""
    d = load(src)
    at = d.find(b"\x42\x82\x84webm", 0, 64)
    assert d[:4] == b"\x1a\x45\xdf\xa3" and d[4] & 0x80 and at > 0
    d[at + 2:at + 3] = b"\x40\x04"
    d[4] += 1
    save(d, dst)


def main():
    tables, frag, pcm, faststart, webm = sys.argv[1:6]
    constant_size_bomb(tables, "bomb_samples.mp4", 50000000)
    constant_size_bomb(tables, "bomb_index_dropped.mp4", 200000000)
    chunk_bomb(pcm, "bomb_chunks.mov", 30)
    trun_bomb(frag, "bomb_trun.mp4", 50000000)
    short_stz2(tables, "short_stz2.mp4")
    encrypted_senc(tables, "encrypted_senc.mp4", 8000000)
    keys_bomb(tables, "keys_bomb.mp4", 260000000)
    missing_description(tables, "missing_description.mp4")
    short_stsz(tables, "short_stsz.mp4")
    fewer_sizes(tables, "fewer_sizes.mp4")
    impossible_co64(tables, "impossible_co64.mp4")
    impossible_co64(tables, "far_co64.mp4", 1 << 40)
    huge_stts(tables, "huge_stts.mp4")
    headers_only(tables, "headers_only.mp4")
    init_segment(frag, "init_segment.mp4")
    frag_unknown(frag, "frag_unknown_duration.mp4")
    frag_mehd(frag, "frag_mehd.mp4", 1000)
    frag_no_durations(frag, "frag_no_duration.mp4")
    short_trun(frag, "short_trun.mp4")
    truncate_last_mdat(frag, "frag_truncated.mp4")
    mdat_overrun(faststart, "mdat_overrun.mp4")
    fourcc(tables, "vvc.mp4", b"avc1", b"vvc1")
    long_doctype_size(webm, "webm_long_doctype_size.webm")


main()
PY
rm -rf "$base"

# Sanity: the flags this suite relies on were really written.
[ "$(boxes moov_at_end.mp4 | awk '$3 == "moov" || $3 == "mdat" { printf "%s ", $3 }')" = "mdat moov " ] || {
    echo "video.sh: moov_at_end.mp4 is fast-start" >&2
    exit 1
}
exit 0
