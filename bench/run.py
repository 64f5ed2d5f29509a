#!/usr/bin/python3
"""Every comparison in one run (bench/run.sh runs this; see bench/README.md).

  bench/run.py --pm3k build-release/pm3k [--files 2000] [--repeat 3]
               [--rss 1000,10000,100000] [--urls 2000] [--workdir DIR] [--out FILE]

Makes its own corpus (a handful of files made with ffmpeg and vips, hard
linked to --files videos and --files images, plus one ~100 MB video), warms
the page cache, then times on the same files and cores: pm3k probe against
ffprobe per file, mediainfo and vipsheader with many files per call,
ImageMagick identify, curl for URLs (bench/urls.sh), peak RSS over 1k/10k/100k
files, the result cache against a first run and a bare stat walk, and the
floor (open + read 64 KiB of every file). Prints one markdown table, with
the versions of every tool. Quick commands run --repeat times and their
median counts; per-file loops (minutes each) run once.
"""
import argparse
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)


def timed(cmd, stdin_path=None):
    """(seconds, peak RSS in MB of the largest process, exit code) of a shell command."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    start = time.monotonic()
    proc = subprocess.Popen(cmd, shell=True, stdin=stdin, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    secs = time.monotonic() - start
    if stdin_path:
        stdin.close()
    return secs, usage.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status)


def median_of(cmd, repeat, stdin_path=None, before=None):
    times, peak = [], 0.0
    for _ in range(repeat):
        if before:
            before()
        secs, rss, code = timed(cmd, stdin_path)
        if code not in (0, 1):
            print("  warning: exit %d from %s" % (code, cmd[:100]), file=sys.stderr)
        times.append(secs)
        peak = max(peak, rss)
    return statistics.median(times), peak


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)


def make_sources(src):
    os.makedirs(src, exist_ok=True)
    ff = "ffmpeg -v error -y -f lavfi -i %s -t %s -c:v libx264 -preset ultrafast " \
         "-pix_fmt yuv420p -movflags +faststart %s"
    for name, lavfi, dur in (("v1.mp4", "testsrc=size=1080x1920:rate=30", "1"),
                             ("v2.mp4", "testsrc2=size=720x1280:rate=25", "2"),
                             ("v3.mp4", "color=c=red:size=1920x1080:rate=30", "1")):
        sh(ff % (lavfi, dur, os.path.join(src, name)))
    sh("vips gaussnoise '%s' 1080 1080" % os.path.join(src, "i1.jpg[Q=85]"))
    sh("vips gaussnoise '%s' 800 1000" % os.path.join(src, "i2.webp[Q=80]"))
    sh("vips black '%s' 1000 1000" % os.path.join(src, "i3.png"))
    # ~100 MB: 10 s at a constant 80 Mbit/s (x264 pads with filler data)
    sh("ffmpeg -v error -y -f lavfi -i testsrc2=size=1080x1920:rate=30 -t 10 -c:v libx264 "
       "-preset ultrafast -b:v 80M -minrate 80M -maxrate 80M -bufsize 80M "
       "-x264-params nal-hrd=cbr -pix_fmt yuv420p -movflags +faststart '%s'"
       % os.path.join(src, "big.mp4"))


def link_tree(root, count, sources, per_dir=500):
    """count hard links to sources (round robin) under root, per_dir per folder."""
    os.makedirs(root, exist_ok=True)
    files = []
    for i in range(count):
        source = sources[i % len(sources)]
        sub = os.path.join(root, "%04d" % (i // per_dir))
        if i % per_dir == 0:
            os.makedirs(sub, exist_ok=True)
        path = os.path.join(sub, "%06d%s" % (i, os.path.splitext(source)[1]))
        os.link(source, path)
        files.append(path)
    return files


def write_list(path, files):
    with open(path, "w") as f:
        f.write("\n".join(files) + "\n")


def warm(paths):
    seen = set()
    for p in paths:
        ino = os.stat(p).st_ino
        if ino in seen:
            continue
        seen.add(ino)
        with open(p, "rb") as fh:
            while fh.read(1 << 20):
                pass


def version(cmd):
    try:
        out = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30)
        text = (out.stdout or out.stderr).strip().splitlines()
        return text[0].strip() if text else "?"
    except (OSError, subprocess.SubprocessError):
        return "not installed"


class Table:
    def __init__(self):
        self.rows = []

    def add(self, section, what, secs, count=None, mb=None, rss=None, ratio="", target="",
            note="", unit="files"):
        if secs is None:
            rate = "n/a"
        elif mb is not None:
            rate = "%.0f MB/s" % (mb / secs)
        else:
            rate = "{:,.0f} {}/s".format(count / secs, unit)
        self.rows.append((section, what, "" if secs is None else "%.3f" % secs, rate,
                          "" if rss is None else "%.1f MB" % rss, ratio, target, note))

    def markdown(self):
        head = ("| | command | time (s) | rate | peak RSS | pm3k ratio | target | note |\n"
                "|---|---|---|---|---|---|---|---|\n")
        return head + "".join("| " + " | ".join(r) + " |\n" for r in self.rows)


def ratio(a, b):
    return "%.1fx" % (a / b) if a and b else ""


def bench_media(t, pm3k, cpus, repeat, work, vfiles, ifiles, big):
    vdir, idir = os.path.join(work, "videos"), os.path.join(work, "images")
    vlist, ilist = os.path.join(work, "videos.txt"), os.path.join(work, "images.txt")
    nv, ni = len(vfiles), len(ifiles)
    p1, r1 = median_of("%s probe --format ndjson -j 1 %s" % (pm3k, vdir), repeat)
    pn, rn = median_of("%s probe --format ndjson -j %d %s" % (pm3k, cpus, vdir), repeat)
    ff, rff, _ = timed("xargs -P %d -n 1 ffprobe -v error -show_streams -show_format -of json "
                       "< %s" % (cpus, vlist))
    sec = "videos (%d)" % nv
    mi = rmi = None
    if shutil.which("mediainfo"):
        mi, rmi = median_of("xargs -P %d -n 500 mediainfo --Output=JSON < %s" % (cpus, vlist),
                            repeat)
    t.add(sec, "pm3k probe -j 1", p1, nv, rss=r1)
    t.add(sec, "pm3k probe -j %d" % cpus, pn, nv, rss=rn)
    t.add(sec, "ffprobe -show_streams -show_format -of json per file, xargs -P %d" % cpus, ff,
          nv, rss=rff, ratio=ratio(ff, pn), target=">= 100x", note="one run")
    t.add(sec, "mediainfo --Output=JSON, 500 files per call, xargs -P %d" % cpus, mi, nv,
          rss=rmi, ratio=ratio(mi, pn), target=">= 5x", note="" if mi else "not installed")
    mb = os.path.getsize(big) / 1e6
    pb, rpb = median_of("%s probe --format ndjson %s" % (pm3k, big), repeat)
    fb, rfb = median_of("ffprobe -v error -show_streams -show_format -of json %s" % big, repeat)
    sec = "one %.0f MB video" % mb
    t.add(sec, "pm3k probe", pb, mb=mb, rss=rpb)
    t.add(sec, "ffprobe -show_streams -show_format -of json", fb, mb=mb, rss=rfb,
          ratio=ratio(fb, pb), note="startup dominates both")

    q1, s1 = median_of("%s probe --format ndjson -j 1 %s" % (pm3k, idir), repeat)
    qn, sn = median_of("%s probe --format ndjson -j %d %s" % (pm3k, cpus, idir), repeat)
    vh, rvh, _ = timed("xargs -P %d -n 1 vipsheader < %s" % (cpus, ilist))
    vb, rvb = median_of("xargs -P %d -n 500 vipsheader < %s" % (cpus, ilist), repeat)
    sec = "images (%d)" % ni
    t.add(sec, "pm3k probe -j 1", q1, ni, rss=s1)
    t.add(sec, "pm3k probe -j %d" % cpus, qn, ni, rss=sn)
    t.add(sec, "vipsheader per file, xargs -P %d" % cpus, vh, ni, rss=rvh, ratio=ratio(vh, qn),
          note="one run")
    t.add(sec, "vipsheader, 500 files per call, xargs -P %d" % cpus, vb, ni, rss=rvb,
          ratio=ratio(vb, qn), target=">= 2x")
    if shutil.which("identify"):
        im, rim = median_of("xargs -P %d -n 500 identify < %s" % (cpus, ilist), repeat)
        t.add(sec, "ImageMagick identify, 500 files per call, xargs -P %d" % cpus, im, ni,
              rss=rim, ratio=ratio(im, qn))
    else:
        t.add(sec, "ImageMagick identify", None, note="not installed")

    both = os.path.join(work, "all.txt")
    write_list(both, vfiles + ifiles)
    fl, rfl = median_of("%s < %s" % (os.path.join(work, "floor"), both), repeat)
    pa, ra = median_of("%s probe --format ndjson -j %d %s %s" % (pm3k, cpus, vdir, idir), repeat)
    sec = "floor (%d files)" % (nv + ni)
    t.add(sec, "pm3k probe -j %d, videos and images" % cpus, pa, nv + ni, rss=ra)
    t.add(sec, "open + read the first 64 KiB of every file, 1 thread", fl, nv + ni, rss=rfl,
          ratio="pm3k at %.0f%% of the floor's rate" % (100 * fl / pa),
          note="the I/O a checker cannot avoid")


def bench_urls(t, pm3k, n, raw):
    sec = "URLs (%d)" % n
    out = subprocess.run([os.path.join(HERE, "urls.sh"), pm3k, str(n), "3"], capture_output=True,
                         text=True)
    raw.append(out.stdout.strip())
    times = {}
    for key, pattern in (("pm3k", r"^pm3k probe --format ndjson -\s+([\d.]+) s"),
                         ("loop", r"^curl -sS -I loop.*?\s([\d.]+) s"),
                         ("par", r"^curl -sS -I --parallel.*?\s([\d.]+) s")):
        m = re.search(pattern, out.stdout, re.M)
        times[key] = float(m.group(1)) if m else None
    if out.returncode != 0 or None in times.values():
        t.add(sec, "bench/urls.sh", None, note="failed: " + (out.stderr.strip()[-200:] or "?"))
        return
    t.add(sec, "pm3k probe - (HEAD per URL, nginx on 127.0.0.1)", times["pm3k"], n, unit="URLs",
          note="median of 3")
    t.add(sec, "curl -sS -I loop", times["loop"], n, ratio=ratio(times["loop"], times["pm3k"]),
          target=">= 10x", note="one run", unit="URLs")
    t.add(sec, "curl -sS -I --parallel --parallel-max 50", times["par"], n,
          ratio=ratio(times["par"], times["pm3k"]), target=">= 1x", note="median of 3",
          unit="URLs")


def bench_upload(t, pm3k, raw):
    """bench/upload.sh needs the PM3K emulator, which only a build with tests
    has: the suite's build/ (scripts/dev.sh test), or BENCH_UPLOAD_BUILD."""
    build = os.environ.get("BENCH_UPLOAD_BUILD", os.path.join(HERE, "..", "build"))
    hook = os.path.join(HERE, "upload.sh")
    if not os.access(os.path.join(build, "tests", "pm3k_emu"), os.X_OK):
        t.add("upload", "pm3k upload vs curl -T / --aws-sigv4", None,
              note="needs a build with tests (scripts/dev.sh test, or BENCH_UPLOAD_BUILD)")
        return
    out = subprocess.run([hook, build], capture_output=True, text=True)
    raw.append(out.stdout.strip())
    m = re.search(r"S3 one PUT (\d+) %, S3 multipart (\d+) %, PM3K storage (\d+) %", out.stdout)
    if out.returncode != 0 or not m:
        t.add("upload", "bench/upload.sh", None, note="failed: " + (out.stderr.strip()[-200:] or "?"))
        return
    for name, value in zip(("S3, one PUT", "S3, multipart", "PM3K storage"), m.groups()):
        t.add("upload", "pm3k upload vs curl -T (%s)" % name, None, ratio="%s %%" % value,
              target=">= 80 %", note="1 GB sparse file; PM3K storage 190 MiB (plan limit)")


def bench_scale(t, pm3k, repeat, work, sources, sizes):
    biggest = None
    for n in sizes:
        tree = os.path.join(work, "rss%d" % n)
        link_tree(tree, n, sources)
        secs, rss, _ = timed("%s probe --format ndjson %s" % (pm3k, tree))
        t.add("memory", "pm3k probe --format ndjson, %d files (hard links)" % n, secs, n,
              rss=rss, target="< 64 MB" if n >= 100000 else "", note="one run")
        biggest = (tree, n)
    tree, n = biggest
    cache = os.path.join(work, "cache.db")
    first, rf, _ = timed("%s probe --format ndjson --cache %s %s" % (pm3k, cache, tree))
    again, ra = median_of("%s probe --format ndjson --cache %s %s" % (pm3k, cache, tree), repeat)
    walk, rw = median_of("find %s -type f -printf '%%s %%T@ %%i\\n'" % tree, repeat)
    sec = "cache (%d files)" % n
    t.add(sec, "pm3k probe --cache, first run (fills it)", first, n, rss=rf, note="one run")
    t.add(sec, "pm3k probe --cache, re-run (every file a hit)", again, n, rss=ra,
          ratio=ratio(first, again) + " of the first run", target=">= 20x")
    t.add(sec, "find -type f -printf '%s %T@ %i\\n' (bare stat walk)", walk, n, rss=rw,
          ratio="re-run takes %.1fx the walk" % (again / walk), target="<= 3x")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pm3k", default=os.path.join(SRC, "build-release", "pm3k"))
    ap.add_argument("--files", type=int, default=2000, help="videos, and images (each)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rss", default="1000,10000,100000")
    ap.add_argument("--urls", type=int, default=2000)
    ap.add_argument("--workdir")
    ap.add_argument("--out")
    args = ap.parse_args()
    pm3k = os.path.abspath(args.pm3k)
    cpus = os.cpu_count() or 1
    work = args.workdir or tempfile.mkdtemp(prefix="pm3k-bench-run-")
    started = time.monotonic()
    raw = []
    try:
        src = os.path.join(work, "src")
        print("bench: making the corpus in %s" % work, file=sys.stderr)
        make_sources(src)
        subprocess.run(["cc", "-O2", "-o", os.path.join(work, "floor"),
                        os.path.join(HERE, "floor.c")], check=True)
        vs = [os.path.join(src, v) for v in ("v1.mp4", "v2.mp4", "v3.mp4")]
        ims = [os.path.join(src, i) for i in ("i1.jpg", "i2.webp", "i3.png")]
        vfiles = link_tree(os.path.join(work, "videos"), args.files, vs)
        ifiles = link_tree(os.path.join(work, "images"), args.files, ims)
        write_list(os.path.join(work, "videos.txt"), vfiles)
        write_list(os.path.join(work, "images.txt"), ifiles)
        warm(vs + ims + [os.path.join(src, "big.mp4")])
        t = Table()
        print("bench: media", file=sys.stderr)
        bench_media(t, pm3k, cpus, args.repeat, work, vfiles, ifiles,
                    os.path.join(src, "big.mp4"))
        print("bench: URLs", file=sys.stderr)
        bench_urls(t, pm3k, args.urls, raw)
        bench_upload(t, pm3k, raw)
        print("bench: memory and the cache", file=sys.stderr)
        bench_scale(t, pm3k, args.repeat, work, vs + ims,
                    [int(x) for x in args.rss.split(",") if x])
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    tools = [("pm3k", "%s --version" % pm3k), ("ffprobe", "ffprobe -version"),
             ("mediainfo", "mediainfo --Version | tail -n 1"), ("vipsheader", "vipsheader --version"),
             ("identify", "identify --version"), ("curl", "curl --version"),
             ("nginx", "nginx -v 2>&1"), ("find", "find --version"),
             ("pm3k's libraries", "%s --version | tail -n 1" % pm3k)]
    cpu = version("sed -n 's/^model name\\s*: //p' /proc/cpuinfo | head -n 1")
    text = ("# pm3k benchmarks, %s\n\n" % datetime.date.today().isoformat() +
            "`bench/run.sh --files %d` on %s (%s), nproc %d, %s; %.0f s in all. "
            "Medians of %d runs unless the note says one run; ratios are the competitor's "
            "time over pm3k's (-j %d), measured in this one run on the same files.\n\n"
            % (args.files, platform.platform(), cpu, cpus, "Release build", time.monotonic() -
               started, args.repeat, cpus) + t.markdown() + "\nVersions:\n\n" +
            "".join("- %s: %s\n" % (name, version(cmd)) for name, cmd in tools) +
            "\nbench/urls.sh's and bench/upload.sh's own output (the same run):\n\n```\n%s\n```\n" % "\n".join(raw))
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
