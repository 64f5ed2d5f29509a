#!/bin/sh
# Images rewritten and cut short while pm3k checks them never take the run
# down: libvips reads a copy in memory, never a map of a file that can
# change (a WebP rewritten in place used to kill the run with SIGBUS or a
# libvips assertion, and no report was written). A writer cuts each file to
# a third and writes it back, in a loop, while pm3k probes the same files
# over and over; every run must exit 0, 1 or 2 (never by a signal) with a
# complete report that validates, and a file caught changing says so.
# Bounded: 30 runs of 24 probes, 120 s at most.
# Env (from ctest): PM3K, SRC, PYTHON.
set -eu
: "${PM3K:?}" "${SRC:?}"
command -v vips >/dev/null 2>&1 || { echo "SKIP: vips is missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

vips gaussnoise "$tmp/noise.v" 1600 1600
vips copy "$tmp/noise.v" "$tmp/src.webp"
vips copy "$tmp/noise.v" "$tmp/src.jpg"
vips copy "$tmp/noise.v" "$tmp/src.png"

"${PYTHON:-python3}" - "$PM3K" "$SRC" "$tmp" <<'PY'
import os, signal, subprocess, sys, threading, time
pm3k, src, tmp = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests"))
from report_check import ReportError, load_report, load_schema  # noqa: E402

schema = load_schema()
files = {}
for ext in ("webp", "jpg", "png"):
    with open(os.path.join(tmp, "src." + ext), "rb") as f:
        files[os.path.join(tmp, "live." + ext)] = f.read()
for path, data in files.items():
    with open(path, "wb") as f:
        f.write(data)

stop = threading.Event()
cycles = [0]

def writer():
    """Cut every file to a third, then write it whole again, in place."""
    while not stop.is_set():
        for path, data in files.items():
            with open(path, "r+b") as f:
                f.truncate(len(data) // 3)
                f.flush()
                f.seek(0)
                f.write(data)
        cycles[0] += 1

allowed = {"input_unreadable", "unreadable_media", "image_too_large_px"}
thread = threading.Thread(target=writer, daemon=True)
thread.start()
deadline = time.monotonic() + 120
runs = changed = 0
try:
    while runs < 30 and time.monotonic() < deadline:
        argv = [pm3k, "probe", "--format", "json", "--jobs", "2"] + list(files) * 8
        proc = subprocess.run(argv, capture_output=True, timeout=60)
        runs += 1
        if proc.returncode < 0 or proc.returncode > 3:
            sig = -proc.returncode if proc.returncode < 0 else proc.returncode - 128
            sys.exit("FAIL: run %d ended with exit %d (signal %s)\n%s" % (
                runs, proc.returncode, signal.Signals(sig).name if 0 < sig < 65 else "?",
                proc.stderr.decode("utf-8", "replace")[-2000:]))
        try:
            items, summary = load_report("json", proc.stdout.decode("utf-8"), schema)
        except ReportError as e:
            sys.exit("FAIL: run %d: %s" % (runs, e))
        if len(items) != 24 or summary["items"] != 24:
            sys.exit("FAIL: run %d reported %d of 24 items" % (runs, len(items)))
        for item in items:
            codes = {f["code"] for f in item["findings"]}
            if codes - allowed:
                sys.exit("FAIL: run %d: %s got %s" % (runs, item["path"], sorted(codes)))
            if any("changed while it was checked" in f["message"] for f in item["findings"]):
                changed += 1
finally:
    stop.set()
    thread.join()
print("%d runs, %d writer cycles, %d probes caught a file changing" % (runs, cycles[0], changed))
if runs < 10:
    sys.exit("FAIL: only %d runs in the time allowed" % runs)
if changed == 0:
    sys.exit("FAIL: no probe caught a file changing: the scenario did not happen")
PY
