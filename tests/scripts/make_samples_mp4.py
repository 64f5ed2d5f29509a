#!/usr/bin/python3
"""Write a well-formed MP4 with many samples, for tests/scripts/test_video_bounds.sh:

  make_samples_mp4.py OUT SAMPLES

One 1080x1920 H.264 track of SAMPLES one-byte samples in one chunk (a
constant-size stsz, one stsc run, one stts run of 1 tick at 1 MHz), its
mdat a hole (zeros), so the file takes no disk. Every count fits the file:
only the size of libavformat's index (24 bytes a sample) is large."""
import struct
import sys


def box(t, payload):
    return struct.pack(">I4s", 8 + len(payload), t) + payload


def full(t, v, f, payload):
    return box(t, struct.pack(">I", (v << 24) | f) + payload)


out, samples = sys.argv[1], int(sys.argv[2])
rate = 1000000
ms = samples * 1000 // rate
matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
mvhd = full(b"mvhd", 0, 0, struct.pack(">IIII", 0, 0, 1000, ms) + struct.pack(">IH", 0x10000, 0x100) +
            b"\0" * 10 + matrix + b"\0" * 24 + struct.pack(">I", 2))
tkhd = full(b"tkhd", 0, 3, struct.pack(">IIIII", 0, 0, 1, 0, ms) + b"\0" * 8 +
            struct.pack(">HHHH", 0, 0, 0, 0) + matrix + struct.pack(">II", 1080 << 16, 1920 << 16))
mdhd = full(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, rate, samples, 0x55C4, 0))
hdlr = full(b"hdlr", 0, 0, struct.pack(">I4s", 0, b"vide") + b"\0" * 12 + b"v\0")
vmhd = full(b"vmhd", 0, 1, b"\0" * 8)
dinf = box(b"dinf", full(b"dref", 0, 0, struct.pack(">I", 1) + full(b"url ", 0, 1, b"")))
avcc = box(b"avcC", bytes([1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f, 1, 0, 4, 0x68, 0xee,
                           0x3c, 0x80]))
avc1 = box(b"avc1", b"\0" * 6 + struct.pack(">H", 1) + b"\0" * 16 +
           struct.pack(">HHIII H", 1080, 1920, 0x480000, 0x480000, 0, 1) + b"\0" * 32 +
           struct.pack(">Hh", 0x18, -1) + avcc)
stsd = full(b"stsd", 0, 0, struct.pack(">I", 1) + avc1)
stts = full(b"stts", 0, 0, struct.pack(">III", 1, samples, 1))
stsc = full(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, samples, 1))
stsz = full(b"stsz", 0, 0, struct.pack(">II", 1, samples))
ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")


def moov(mdat_offset):
    stco = full(b"stco", 0, 0, struct.pack(">II", 1, mdat_offset + 8))
    stbl = box(b"stbl", stsd + stts + stsc + stsz + stco)
    mdia = box(b"mdia", mdhd + hdlr + box(b"minf", vmhd + dinf + stbl))
    return box(b"moov", mvhd + box(b"trak", tkhd + mdia))


head = ftyp + moov(0)
head = ftyp + moov(len(head))
with open(out, "wb") as f:
    f.write(head + struct.pack(">I4s", 8 + samples, b"mdat"))
    f.truncate(len(head) + 8 + samples)
