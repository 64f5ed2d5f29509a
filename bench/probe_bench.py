#!/usr/bin/python3
"""Batch probe benchmark: pm3k against the tools people use instead, in one run.

  bench/probe_bench.py [--pm3k build-release/pm3k] [--videos 2000] [--images 2000]
                       [--big 10000] [--workdir DIR]

Makes a corpus of small real MP4s and JPEG/WebP/PNG files (ffmpeg + vips,
then copies, so every file is its own inode), warms the page cache, then
times on the same files, in the same run:

  pm3k probe --jobs 1 / --jobs 2          videos, images, and both
  ffprobe per file, xargs -P <cpus>       (what a shell loop does)
  mediainfo given many files per call
  vipsheader per file, xargs -P <cpus>
  vipsheader given many files per call

and prints files/s, the ratios the SPEC asks for, and peak RSS (ru_maxrss of
the child). --big N also probes N files to show memory stays flat.
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time


def run(cmd, shell=False, stdin=None):
    """Run cmd, return (seconds, peak RSS in MB of the process tree's largest child)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, shell=shell, stdin=stdin, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        print("  warning: %r exited %d" % (cmd if not shell else cmd[:80], code))
    return elapsed, usage.ru_maxrss / 1024.0


def make_corpus(work, videos, images):
    src = os.path.join(work, "src")
    os.makedirs(src, exist_ok=True)
    ff = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi"]
    specs = [("v1.mp4", "testsrc=size=1080x1920:rate=30", "1"),
             ("v2.mp4", "testsrc2=size=720x1280:rate=25", "2"),
             ("v3.mp4", "color=c=red:size=1920x1080:rate=30", "1")]
    for name, lavfi, dur in specs:
        subprocess.run(ff + ["-i", lavfi, "-t", dur, "-c:v", "libx264", "-preset", "ultrafast",
                             "-pix_fmt", "yuv420p", "-movflags", "+faststart",
                             os.path.join(src, name)], check=True)
    subprocess.run(["vips", "gaussnoise", os.path.join(src, "i1.jpg[Q=85]"), "1080", "1080"],
                   check=True)
    subprocess.run(["vips", "gaussnoise", os.path.join(src, "i2.webp[Q=80]"), "800", "1000"],
                   check=True)
    subprocess.run(["vips", "black", os.path.join(src, "i3.png"), "1000", "1000"], check=True)
    vdir, idir = os.path.join(work, "videos"), os.path.join(work, "images")
    for d, count, names in ((vdir, videos, ["v1.mp4", "v2.mp4", "v3.mp4"]),
                            (idir, images, ["i1.jpg", "i2.webp", "i3.png"])):
        os.makedirs(d, exist_ok=True)
        for i in range(count):
            name = names[i % len(names)]
            sub = os.path.join(d, "%02d" % (i % 50))
            os.makedirs(sub, exist_ok=True)
            shutil.copyfile(os.path.join(src, name),
                            os.path.join(sub, "%05d%s" % (i, os.path.splitext(name)[1])))
    return vdir, idir


def file_list(d):
    out = []
    for root, _, files in os.walk(d):
        out.extend(os.path.join(root, f) for f in files)
    out.sort()
    return out


def warm(files):
    for f in files:
        with open(f, "rb") as fh:
            while fh.read(1 << 20):
                pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pm3k", default="build-release/pm3k")
    ap.add_argument("--videos", type=int, default=2000)
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--big", type=int, default=10000)
    ap.add_argument("--workdir")
    args = ap.parse_args()
    pm3k = os.path.abspath(args.pm3k)
    if not os.access(pm3k, os.X_OK):
        sys.exit("error: '%s' is not built; cmake -S . -B build-release "
                 "-DCMAKE_BUILD_TYPE=Release && cmake --build build-release" % pm3k)
    cpus = os.cpu_count() or 1
    work = args.workdir or tempfile.mkdtemp(prefix="pm3k-bench-")
    print("corpus in %s: %d videos, %d images; %d CPUs" % (work, args.videos, args.images, cpus))
    vdir, idir = make_corpus(work, args.videos, args.images)
    vfiles, ifiles = file_list(vdir), file_list(idir)
    with open(os.path.join(work, "videos.txt"), "w") as f:
        f.write("\n".join(vfiles) + "\n")
    with open(os.path.join(work, "images.txt"), "w") as f:
        f.write("\n".join(ifiles) + "\n")
    warm(vfiles + ifiles)

    results = {}

    def bench(label, count, cmd, shell=False, stdin_path=None):
        stdin = open(stdin_path, "rb") if stdin_path else None
        try:
            secs, rss = run(cmd, shell=shell, stdin=stdin)
        finally:
            if stdin:
                stdin.close()
        rate = count / secs
        results[label] = rate
        print("  %-44s %7.0f files/s  %6.2f s  peak RSS %6.1f MB" % (label, rate, secs, rss))

    print("\nvideos (%d files)" % len(vfiles))
    bench("pm3k probe --jobs 1", len(vfiles), [pm3k, "probe", "--format", "ndjson", "--jobs", "1",
                                               vdir])
    bench("pm3k probe --jobs %d" % cpus, len(vfiles), [pm3k, "probe", "--format", "ndjson",
                                                       "--jobs", str(cpus), vdir])
    if shutil.which("ffprobe"):
        bench("ffprobe per file (xargs -P %d)" % cpus, len(vfiles),
              "xargs -P %d -n 1 ffprobe -v error -show_format -show_streams < %s"
              % (cpus, os.path.join(work, "videos.txt")), shell=True)
    if shutil.which("mediainfo"):
        bench("mediainfo, many files per call (xargs -P %d)" % cpus, len(vfiles),
              "xargs -P %d -n 500 mediainfo --Output=JSON < %s"
              % (cpus, os.path.join(work, "videos.txt")), shell=True)

    print("\nimages (%d files)" % len(ifiles))
    bench("pm3k probe --jobs 1 (images)", len(ifiles), [pm3k, "probe", "--format", "ndjson",
                                                        "--jobs", "1", idir])
    bench("pm3k probe --jobs %d (images)" % cpus, len(ifiles),
          [pm3k, "probe", "--format", "ndjson", "--jobs", str(cpus), idir])
    if shutil.which("vipsheader"):
        bench("vipsheader per file (xargs -P %d)" % cpus, len(ifiles),
              "xargs -P %d -n 1 vipsheader < %s" % (cpus, os.path.join(work, "images.txt")),
              shell=True)
        bench("vipsheader, many files per call (xargs -P %d)" % cpus, len(ifiles),
              "xargs -P %d -n 500 vipsheader < %s" % (cpus, os.path.join(work, "images.txt")),
              shell=True)

    print("\nratios (same corpus, same cores)")
    best_v = results["pm3k probe --jobs %d" % cpus]
    best_i = results["pm3k probe --jobs %d (images)" % cpus]

    def ratio(label, mine, other_key, target):
        if other_key in results:
            r = mine / results[other_key]
            print("  %-52s %7.1fx  (target >= %gx)%s" % (label, r, target,
                                                        "" if r >= target else "  BELOW"))

    ratio("pm3k vs ffprobe per file", best_v, "ffprobe per file (xargs -P %d)" % cpus, 50)
    ratio("pm3k vs mediainfo many per call", best_v,
          "mediainfo, many files per call (xargs -P %d)" % cpus, 5)
    ratio("pm3k vs vipsheader per file", best_i, "vipsheader per file (xargs -P %d)" % cpus, 10)
    ratio("pm3k vs vipsheader many per call", best_i,
          "vipsheader, many files per call (xargs -P %d)" % cpus, 1)

    if args.big:
        bigdir = os.path.join(work, "big")
        os.makedirs(bigdir, exist_ok=True)
        files = vfiles + ifiles
        for i in range(args.big):
            sub = os.path.join(bigdir, "%03d" % (i % 100))
            os.makedirs(sub, exist_ok=True)
            target = files[i % len(files)]
            os.link(target, os.path.join(sub, "%06d%s" % (i, os.path.splitext(target)[1])))
        for fmt in ("ndjson", "json"):
            secs, rss = run([pm3k, "probe", "--format", fmt, bigdir])
            print("\n%d files, --format %s: %.2f s, %.0f files/s, peak RSS %.1f MB (target < 64 MB)"
                  % (args.big, fmt, secs, args.big / secs, rss))
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
