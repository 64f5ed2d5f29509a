#!/usr/bin/python3
"""Write a hostile MP4 for the --deep bounds test:

  make_bigread_mp4.py OUT BYTES [ENTRIES]

A faststart MP4 (one 1080x1920 H.264 track, one sample) whose avcC box is
declared BYTES long: libavformat reads such a box whole, in one read of
BYTES. With ENTRIES (default 1), the track has that many sample
descriptions, each with such an avcC. The boxes' payloads are holes
(zeros), so the file takes no disk."""
import struct, sys


def box(t, payload):
    return struct.pack(">I4s", 8 + len(payload), t) + payload


def full(t, v, f, payload):
    return box(t, struct.pack(">I", (v << 24) | f) + payload)


out, huge = sys.argv[1], int(sys.argv[2])
entries = int(sys.argv[3]) if len(sys.argv) > 3 else 1
matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
mvhd = full(b"mvhd", 0, 0, struct.pack(">IIII", 0, 0, 1000, 1000) + struct.pack(">IH", 0x10000, 0x100) + b"\0" * 10 + matrix + b"\0" * 24 + struct.pack(">I", 2))
tkhd = full(b"tkhd", 0, 3, struct.pack(">IIIII", 0, 0, 1, 0, 1000) + b"\0" * 8 + struct.pack(">HHHH", 0, 0, 0, 0) + matrix + struct.pack(">II", 1080 << 16, 1920 << 16))
mdhd = full(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, 1000, 1000, 0x55C4, 0))
hdlr = full(b"hdlr", 0, 0, struct.pack(">I4s", 0, b"vide") + b"\0" * 12 + b"v\0")
vmhd = full(b"vmhd", 0, 1, b"\0" * 8)
dinf = box(b"dinf", full(b"dref", 0, 0, struct.pack(">I", 1) + full(b"url ", 0, 1, b"")))
avc1_fixed = b"\0" * 6 + struct.pack(">H", 1) + b"\0" * 16 + struct.pack(">HHIII H", 1080, 1920, 0x480000, 0x480000, 0, 1) + b"\0" * 32 + struct.pack(">Hh", 0x18, -1)
# avcC: declared `huge` bytes long; its payload is left as a hole (zeros)
avcc_header = struct.pack(">I4s", 8 + huge, b"avcC")
avc1_size = 8 + len(avc1_fixed) + 8 + huge
stsd_size = 12 + 4 + entries * avc1_size
tail_tables = (full(b"stts", 0, 0, struct.pack(">III", 1, 1, 1000)) + full(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, 1, 1)) + full(b"stsz", 0, 0, struct.pack(">III", 0, 1, 10)))
stco_size = 20
stbl_size = 8 + stsd_size + len(tail_tables) + stco_size
minf_size = 8 + len(vmhd) + len(dinf) + stbl_size
mdia_size = 8 + len(mdhd) + len(hdlr) + minf_size
trak_size = 8 + len(tkhd) + mdia_size
moov_size = 8 + len(mvhd) + trak_size
ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
mdat_offset = len(ftyp) + moov_size
with open(out, "wb") as f:
    f.write(ftyp + struct.pack(">I4s", moov_size, b"moov") + mvhd + struct.pack(">I4s", trak_size, b"trak") + tkhd + struct.pack(">I4s", mdia_size, b"mdia") + mdhd + hdlr + struct.pack(">I4s", minf_size, b"minf") + vmhd + dinf + struct.pack(">I4s", stbl_size, b"stbl") + struct.pack(">I4sII", stsd_size, b"stsd", 0, entries))
    for _ in range(entries):
        f.write(struct.pack(">I4s", avc1_size, b"avc1") + avc1_fixed + avcc_header)
        f.seek(huge, 1)
    f.write(tail_tables + full(b"stco", 0, 0, struct.pack(">II", 1, mdat_offset + 8)) + box(b"mdat", b"\0" * 10))
