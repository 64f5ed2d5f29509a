#!/bin/sh
# Every video and image hint is a command a user can paste (issue 13): for
# each rule with one, probe a generated file that breaks it, take the
# command out of the finding's hint exactly as printed, run it in a shell,
# and probe what it wrote: the finding is gone and the file passes (a
# landscape video comes out vertical). File names with spaces and quotes
# check the quoting.
# Env (from ctest): PM3K, DATA, SRC.
set -eu
: "${PM3K:?}" "${DATA:?}" "${SRC:?}"
command -v ffmpeg >/dev/null && command -v vips >/dev/null || { echo "SKIP: ffmpeg or vips"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PM3K DATA TMPDIR_HINTS="$tmp"
# generated here: a video over a small --max-size with a real bitrate, and
# one below the smallest picture side
ffmpeg -v error -f lavfi -i testsrc2=s=720x1280:r=30 -t 5 -c:v libx264 -preset ultrafast \
    -b:v 4M -pix_fmt yuv420p -movflags +faststart "$tmp/big bitrate.mp4"
ffmpeg -v error -f lavfi -i testsrc2=s=200x356:r=30 -t 1 -c:v libx264 -preset ultrafast \
    -pix_fmt yuv420p -movflags +faststart "$tmp/tiny's clip.mp4"
exec "${PYTHON:-python3}" - <<'EOF'
import json, os, re, shutil, subprocess, sys

pm3k, data, tmp = os.environ["PM3K"], os.environ["DATA"], os.environ["TMPDIR_HINTS"]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def probe(path, extra):
    done = subprocess.run([pm3k, "probe", "--format", "json"] + extra + [path],
                          capture_output=True, text=True)
    return done.returncode, json.loads(done.stdout)["items"][0]


def command_of(hint):
    """The first ffmpeg or vips command of a hint, up to '; ' or ' (or '."""
    m = re.search(r"\b(ffmpeg|vips) ", hint)
    if not m:
        return None
    rest = hint[m.start():]
    out, quote = "", None
    for i, c in enumerate(rest):
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif rest.startswith("; ", i) or rest.startswith(" (or ", i):
            break
        out += c
    return out


# (file, code, probe options, how the output is judged)
cases = [
    ("video/landscape.mp4", "not_vertical", [], "pass"),
    ("video/four_five.mp4", "not_9_16", [], "pass"),
    ("video/fps120.mp4", "frame_rate_out_of_range", [], "pass"),
    ("video/long.mp4", "duration_too_long", [], "pass"),
    ("video/mpeg4.mp4", "unsupported_codec", [], "pass"),
    ("video/vertical.webm", "unsupported_container", [], "pass"),
    ("video/vertical.avi", "unsupported_container", [], "pass"),
    ("video/vertical.flv", "unsupported_container", [], "pass"),
    ("video/moov_at_end.mp4", "moov_at_end", [], "pass"),
    (os.path.join(tmp, "big bitrate.mp4"), "too_large", ["--max-size", "1MB"], "pass"),
    (os.path.join(tmp, "tiny's clip.mp4"), "picture_size_out_of_range", [], "pass"),
    ("image/tiff_64.tif", "unsupported_image_type", [], "pass"),
    ("image/png_1000.png", "unsupported_image_type", ["--hosting", "pm3k"], "pass"),
    ("image/jpeg_1081x1000.jpg", "image_too_large_px", [], "pass"),
    ("image/jpeg_21mb.jpg", "image_too_large", [], "pass"),
    ("image/odd/animated.webp", "animated_image", [], "pass"),
    ("image/clip.mp4", "unsupported_image_type", ["--photo"], "image"),
]
for n, (name, code, extra, judge) in enumerate(cases):
    src = name if os.path.isabs(name) else os.path.join(data, name)
    work = os.path.join(tmp, "case%d" % n)
    os.makedirs(work)
    # a name a shell must quote
    path = os.path.join(work, "my clip 'v1' " + os.path.basename(src))
    shutil.copy(src, path)
    rc, item = probe(path, extra)
    found = [f for f in item["findings"] if f["code"] == code]
    if not found:
        fail("%s: no %s finding: %r" % (name, code, item["findings"]))
    hint = found[0]["hint"]
    if "IN " in hint or " OUT" in hint:
        fail("%s: the hint still says IN/OUT: %s" % (name, hint))
    cmd = command_of(hint)
    if not cmd:
        fail("%s: %s has no command: %s" % (name, code, hint))
    if cmd.startswith("ffmpeg") and "-movflags +faststart" not in cmd and "-frames:v 1" not in cmd:
        fail("%s: an ffmpeg output without -movflags +faststart: %s" % (name, cmd))
    before = set(os.listdir(work))
    done = subprocess.run(["sh", "-c", "set -f; " + cmd.replace("ffmpeg ", "ffmpeg -v error -y ", 1)],
                          cwd=work, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        fail("%s: the hint's command failed (%d): %s\n%s" % (name, done.returncode, cmd,
                                                            done.stderr[-2000:]))
    made = sorted(set(os.listdir(work)) - before)
    if len(made) != 1:
        fail("%s: the command should write one file beside the input, wrote %r" % (name, made))
    out = os.path.join(work, made[0])
    judged = [a for a in extra if a != "--photo"]
    rc, after = probe(out, judged)
    codes = [f["code"] for f in after["findings"] if f["severity"] != "info"]
    if judge == "image" and after["kind"] != "image":
        fail("%s: the still is not an image: %r" % (name, after))
    if rc != 0 or code in [f["code"] for f in after["findings"]]:
        fail("%s: after `%s` the file still fails (exit %d): %r" % (name, cmd, rc, codes))
    print("ok %-28s %s" % (code, name))
print("ok")
EOF
