#!/bin/sh
# Whatever an image declares, checking it stays under 256 MB of memory (the
# peak RSS of the pm3k process) and a few seconds: the structure walk finds
# the hostile parts before libvips reads a byte. The files: the hostile
# ones of the test data (text chunks declaring 1 GiB, decompression bombs,
# 20,000 animation frames, chunks past the end), and three big sparse ones
# made here (a JPEG with 300 MB of APP1 segments, a PNG with a 300 MB tEXt
# chunk, a 300 MB WebP), probed with --max-image-size 1GB so that only
# their structure decides: the JPEG's header is over the 32 MiB any photo
# has, the other two pass. Each must get its verdict; the wall-clock limit
# only catches a hang. Measured figures are printed.
# Env (from ctest): PM3K, DATA, PYTHON.
set -eu
: "${PM3K:?}" "${DATA:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"${PYTHON:-python3}" - "$PM3K" "$DATA" "$tmp" <<'PY'
import json, os, struct, subprocess, sys, time, zlib
pm3k, data, tmp = sys.argv[1:4]
MB = 1000 * 1000
RSS_LIMIT_MB = 256
WALL_LIMIT_S = 60

png = open(os.path.join(data, "image", "png_1000.png"), "rb").read()
jpg = open(os.path.join(data, "image", "jpeg_1080.jpg"), "rb").read()

def sparse(name, parts):
    """Write parts: bytes are written, ints are holes of that many bytes."""
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        for part in parts:
            if isinstance(part, int):
                f.seek(part, os.SEEK_CUR)
            else:
                f.write(part)
        f.truncate(f.tell())
    return path

def png_chunk(kind, length, data=b""):
    return struct.pack(">I", length) + kind + data

# 4,600 APP1 segments of 64 KiB: libjpeg keeps every one of them
app1 = []
for _ in range(4600):
    app1 += [b"\xFF\xE1\xFF\xFF", 0xFFFD]
big_jpeg = sparse("jpeg_app1_300mb.jpg", [jpg[:2]] + app1 + [jpg[2:]])
# a 300 MB tEXt chunk (its CRC is not right: libpng would read it all first)
big_png = sparse("png_text_300mb.png", [png[:33], png_chunk(b"tEXt", 300 * MB, b"Comment\0"),
                                        300 * MB - 8, b"\0\0\0\0", png[33:]])
# a 300 MB WebP: a VP8 still and a big unknown chunk
webp = open(os.path.join(data, "image", "webp_1080.webp"), "rb").read()
body = webp[12:] + b"XXXX" + struct.pack("<I", 300 * MB)
big_webp = sparse("webp_300mb.webp", [b"RIFF" + struct.pack("<I", 4 + len(body) + 300 * MB) +
                                      b"WEBP" + body, 300 * MB])

hostile = os.path.join(data, "image", "hostile")
cases = [(os.path.join(hostile, name), want) for name, want in [
    ("png_text_1gib.png", "unreadable_media"),
    ("png_ztxt_1gib.png", "unreadable_media"),
    ("png_itxt_1gib.png", "unreadable_media"),
    ("png_ztxt_200mib.png", "unreadable_media"),
    ("png_itxt_200mib.png", "unreadable_media"),
    ("png_ztxt_15x20mib.png", "unreadable_media"),
    ("jpeg_app1_past_end.jpg", "unreadable_media"),
    ("webp_chunk_past_end.webp", "unreadable_media"),
    ("webp_20000_frames.webp", "animated_image"),
]] + [(big_jpeg, "unreadable_media"), (big_png, None), (big_webp, None)]

def run(path):
    """Probe path alone: (exit code or None on a hang, seconds, peak RSS MB, codes)."""
    out_path = os.path.join(tmp, "report.json")
    with open(out_path, "wb") as out:
        proc = subprocess.Popen([pm3k, "probe", "--format", "json", "--max-image-size", "1GB",
                                 "--max-image-side", "4000", path],
                                stdout=out, stderr=subprocess.DEVNULL)
    start = time.monotonic()
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - start > WALL_LIMIT_S:
            proc.kill()
            os.wait4(proc.pid, 0)
            return None, WALL_LIMIT_S, 0.0, []
        time.sleep(0.01)
    elapsed = time.monotonic() - start
    codes = []
    try:
        with open(out_path, encoding="utf-8") as f:
            codes = [x["code"] for x in json.load(f)["items"][0]["findings"]]
    except (ValueError, KeyError, IndexError):
        pass
    return os.waitstatus_to_exitcode(status), elapsed, usage.ru_maxrss / 1024.0, codes

bad = 0
for path, want in cases:
    name = os.path.basename(path)
    code, elapsed, rss_mb, codes = run(path)
    print("%-28s exit %-4s %5.2f s  peak RSS %6.1f MB  %s" % (
        name, code, elapsed, rss_mb, ",".join(codes) or "-"))
    if code is None:
        print("FAIL %s: still running after %d s" % (name, WALL_LIMIT_S))
        bad += 1
    elif (want is None and (codes or code != 0)) or (want and (want not in codes or code > 1)):
        print("FAIL %s: expected %s" % (name, want or "a pass"))
        bad += 1
    elif rss_mb > RSS_LIMIT_MB:
        print("FAIL %s: peak RSS %.0f MB, over %d MB" % (name, rss_mb, RSS_LIMIT_MB))
        bad += 1
sys.exit(1 if bad else 0)
PY
