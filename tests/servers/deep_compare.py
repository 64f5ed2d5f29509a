#!/usr/bin/python3
"""--deep must reach the same verdicts over HTTP as the local probe.

Every generated test file ({bin}/testdata, served by the nginx fixture as
/data/...) is probed twice: as a local file, and as a URL with --deep. The
finding codes and the status of each pair must agree. Only the URL-stage
warning content_type_mismatch may be extra on the URL side (nginx picks the
Content-Type from the name, a local file has none); it can turn a pass into
a warn and nothing else. And a fast-start MP4 over 1 MB must need at most
1 MB of range reads.

  deep_compare.py --pm3k PM3K --env {bin}/fixtures/nginx.env
"""
import argparse
import json
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from report_check import ReportError, load_report, load_schema  # noqa: E402

SKIP = 77
URL_ONLY = {"content_type_mismatch"}


def load_env(path):
    env = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if "=" in line and not line.startswith("#"):
                    k, v = line.split("=", 1)
                    env[k] = v
    except OSError:
        pass
    return env


def run(argv):
    proc = subprocess.run(argv, capture_output=True, timeout=300)
    if proc.returncode not in (0, 1, 3):
        print("FAIL: %s exited %d\n%s" % (" ".join(argv[:6]), proc.returncode,
                                          proc.stderr.decode("utf-8", "replace")[:2000]))
        sys.exit(1)
    try:
        items, _ = load_report("json", proc.stdout.decode("utf-8"), load_schema())
    except ReportError as e:
        print("FAIL: %s" % e)
        sys.exit(1)
    return items


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pm3k", required=True)
    ap.add_argument("--env", required=True)
    args = ap.parse_args()
    env = load_env(args.env)
    if env.get("NGINX_AVAILABLE") != "1":
        print("SKIP: the nginx fixture is not running (nginx not installed?)")
        sys.exit(SKIP)

    data = env["NGINX_DATA"]
    files = []
    for root, dirs, names in os.walk(data):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(root, name)
            if name.startswith(".") or os.path.islink(path) or not os.path.isfile(path):
                continue
            files.append(path)
    if len(files) < 10:
        print("FAIL: only %d test files under %s" % (len(files), data))
        sys.exit(1)

    url_of = {}
    for path in files:
        rel = os.path.relpath(path, data)
        url_of[path] = env["NGINX_BASE"] + "/data/" + urllib.parse.quote(rel)

    local = {it["path"]: it for it in run([args.pm3k, "probe", "--format", "json"] + files)}
    argv = [args.pm3k, "probe", "--format", "json", "--deep", "--domain", "media.test",
            "--cacert", env["NGINX_CACERT"]] + env["NGINX_RESOLVE_ARGS"].split()
    deep = {it["path"]: it for it in run(argv + [url_of[p] for p in files])}

    bad = 0
    for path in files:
        lo, dp = local[path], deep[url_of[path]]
        lo_codes = sorted(f["code"] for f in lo["findings"])
        dp_all = sorted(f["code"] for f in dp["findings"])
        dp_codes = [c for c in dp_all if c not in URL_ONLY]
        status_ok = dp["status"] == lo["status"] or (
            lo["status"] == "pass" and dp["status"] == "warn" and dp_codes != dp_all)
        same = lo_codes == dp_codes and status_ok
        mark = "ok  " if same else "DIFF"
        print("%s %-44s local %-5s %-40s deep %-5s %s (bytes_read %s)" % (
            mark, os.path.relpath(path, data), lo["status"], ",".join(lo_codes) or "-",
            dp["status"], ",".join(dp_all) or "-", dp["facts"].get("bytes_read")))
        if not same:
            bad += 1
            print("     deep findings: %s" % json.dumps(
                [f["message"] for f in dp["findings"]]))
        # Range reads never fetch more than the file holds.
        got = dp["facts"].get("bytes_read")
        if got is not None and got > os.path.getsize(path):
            bad += 1
            print("     read %d bytes of a %d-byte file" % (got, os.path.getsize(path)))

    # A fast-start MP4 bigger than 1 MB needs at most 1 MB of reads.
    fast = os.path.join(data, "url", "faststart.mp4")
    size, got = os.path.getsize(fast), deep[url_of[fast]]["facts"].get("bytes_read")
    print("url/faststart.mp4: %d bytes, --deep read %s" % (size, got))
    if size <= 1000000 or got is None or got > 1000000:
        bad += 1
        print("FAIL: a fast-start MP4 over 1 MB must need at most 1 MB of reads")
    print("%d files, %d problems" % (len(files), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
