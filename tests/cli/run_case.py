#!/usr/bin/python3
"""Run one data-driven CLI case (tests/cli/cases/**/*.case) and check it.

A case file is lines of `key: value` (blank lines and # comments ignored):

  args: probe --format json {data}/video/landscape.mp4   (shell-style words)
  exit: 1                        expected exit code (required)
  item: PATH STATUS [CODE ...]   an item of the report: its status and the exact
                                 multiset of finding codes (any severity).
                                 PATH @KIND names the one item of that kind (a
                                 path known only at run time, as a publish_id).
                                 When item lines are given, the report must hold
                                 exactly these paths, unless `partial: yes`.
  fact: PATH KEY VALUE           a fact of that item (compared as JSON when VALUE
                                 parses as JSON, else as a string); KEY may be
                                 a.b for a nested fact
  nofact: PATH KEY               that fact must be absent
  input: PATH N                  the item's input position (N, or null)
  summary: KEY VALUE             a summary field (items, passed, failed, ...)
  items: N                       the number of items
  order: PATH PATH ...           these items appear in this relative order
  stdin: FILE                    file fed to stdin (default: /dev/null)
  stdin-text: TEXT               text fed to stdin (\\r, \\n and \\0 escapes)
  env: NAME=VALUE                extra environment
  stdout-contains: TEXT          text that must appear on stdout
  stdout-lacks: TEXT             text that must not appear on stdout
  stderr-contains: TEXT          text that must appear on stderr
  stderr-lacks: TEXT             text that must not appear on stderr
  stdout-empty: yes              nothing on stdout
  stdout-json: yes               stdout must be one JSON value (payload bodies)
  stdout-json-field: KEY VALUE   a field of that JSON value (a.b for nested)
  timeout: SECONDS               default 120
  requires: PROGRAM              skip (exit 77) unless PROGRAM is on PATH
  file: NAME TEXT                before the run, write TEXT (\\n escapes) to {tmp}/NAME
                                 (mode 0600, whatever the umask)
  file-mode: NAME OCTAL          then set that file's mode (e.g. 0644)
  control: NAME JSON             before the run, POST JSON to the PM3K emulator's
                                 control endpoint NAME (key, clock, fault, status);
                                 it must answer 200 (fixture pm3k_emu)
  before: EXIT ARGS              before the run, run pm3k ARGS with the same env
                                 and stdin; it must exit EXIT
                                 (file, control and before lines run in file order)
  emu-calls: KEY ENDPOINT N      after the run, the emulator counted N calls of
                                 ENDPOINT (direct_post, status) with KEY

With PM3K_CASE_DUMP=DIR in the environment, each case also writes its exit
code, stdout and stderr to DIR/<case path>.out, with run-specific values
(folders, fixture ports, timings) replaced by names: two builds can then be
compared with `diff -r` to show a change left every report as it was.

Placeholders in values: {data} generated test data, {src} source tree,
{bin} build tree, {tmp} a fresh folder for this case, {uniq} a token unique
to this run (for emulator keys and captions: tests share one emulator), and
{NAME} for every
NAME=VALUE line of the files in {bin}/fixtures/*.env (written by ctest
fixtures such as the nginx server).

The report format is taken from --format in args. json and ndjson reports
are validated against docs/report-schema.json.
"""
import argparse
import glob
import re
import json
import os
import shlex
import shutil
import ssl
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from report_check import ReportError, jsonschema, load_report, load_schema  # noqa: E402

SKIP = 77


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def load_vars(args, tmp):
    env = {"data": args.data, "src": args.src, "bin": args.bin, "tmp": tmp,
           "uniq": "%s-%d-%s" % (os.path.basename(args.case).split(".")[0], os.getpid(),
                                 os.path.basename(tmp)[-6:])}
    for path in sorted(glob.glob(os.path.join(args.bin, "fixtures", "*.env"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    k, v = line.split("=", 1)
                    env[k] = v
    return env


def subst(text, env):
    out, i = [], 0
    while i < len(text):
        if text[i] == "{":
            j = text.find("}", i)
            name = text[i + 1:j] if j > 0 else ""
            if j > 0 and name in env:
                out.append(env[name])
                i = j + 1
                continue
            if j > 0 and name and all(c.isalnum() or c == "_" for c in name):
                fail("case uses {%s} but nothing defines it (fixture not running?)" % name)
        out.append(text[i])
        i += 1
    return "".join(out)


def dump_run(case_path, env, argv, code, stdout, stderr):
    """Write the run, normalised, under $PM3K_CASE_DUMP (see the docstring)."""
    root = os.environ.get("PM3K_CASE_DUMP")
    if not root:
        return
    rel = case_path.split(os.sep + "cases" + os.sep, 1)[-1]
    text = "$ %s\nexit %d\n--- stdout\n%s\n--- stderr\n%s" % (
        shlex.join(argv[1:]), code, stdout, stderr)
    # Longest values first, so a folder inside another is named as itself.
    for name, value in sorted(env.items(), key=lambda kv: -len(kv[1])):
        if len(value) >= 4:
            text = text.replace(value, "{%s}" % name)
    text = re.sub(r'"(elapsed_ms|time)": ?[0-9.]+', r'"\1":0', text)
    text = re.sub(r'time="[0-9.]+"', 'time="0"', text)
    text = re.sub(r'"(last-modified|etag)":"(\\.|[^"\\])*"', r'"\1":"-"', text)
    text = re.sub(r"\([0-9.]+ s\)", "(0 s)", text)
    text = re.sub(r"after [0-9]+ milliseconds", "after N milliseconds", text)
    out = os.path.join(root, rel + ".out")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)


def emu_control(env, name, body):
    """POST body to the PM3K emulator's control endpoint name; its JSON answer."""
    if "PM3K_EMU_CONTROL" not in env or env.get("PM3K_EMU_AVAILABLE") != "1":
        print("SKIP: the case needs the pm3k_emu fixture")
        sys.exit(SKIP)
    ctx = ssl.create_default_context(cafile=env["PM3K_EMU_CA"])
    req = urllib.request.Request(env["PM3K_EMU_CONTROL"] + "/" + name, data=body.encode(),
                                 method="POST")
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=20) as resp:
            return json.loads(resp.read().decode())
    except Exception as e:  # noqa: BLE001 - any failure fails the case
        fail("control %s %s: %s" % (name, body, e))


def parse_case(path, env):
    lines = []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if ":" not in line:
                fail("%s:%d: expected 'key: value'" % (path, n))
            key, value = line.split(":", 1)
            lines.append((key.strip(), subst(value.strip(), env)))
    return lines


def get_nested(obj, key):
    for part in key.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return (False, None)
        obj = obj[part]
    return (True, obj)


def parse_value(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pm3k", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("case")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="pm3k-case-")
    try:
        env_vars = load_vars(args, tmp)
        with open(args.case, encoding="utf-8") as f:
            first = f.readline()
        if (first.startswith("# fixtures:") and "pm3k_emu" in first.split()
                and env_vars.get("PM3K_EMU_AVAILABLE") != "1"):
            print("SKIP: the PM3K emulator was not built (libmicrohttpd is missing)")
            sys.exit(SKIP)
        case = parse_case(args.case, env_vars)
        get = lambda k: [v for key, v in case if key == k]

        for prog in get("requires"):
            if shutil.which(prog) is None:
                print("SKIP: %s is not installed" % prog)
                sys.exit(SKIP)

        if not get("args") or not get("exit"):
            fail("case needs args: and exit:")
        argv = [args.pm3k] + shlex.split(get("args")[0])
        fmt = "text"
        for i, a in enumerate(argv):
            if a == "--format" and i + 1 < len(argv):
                fmt = argv[i + 1]
            elif a.startswith("--format="):
                fmt = a.split("=", 1)[1]

        stdin_data = b""
        if get("stdin"):
            with open(get("stdin")[0], "rb") as f:
                stdin_data = f.read()
        for t in get("stdin-text"):
            stdin_data += (t.replace("\\r", "\r").replace("\\n", "\n")
                           .replace("\\0", "\0").encode())

        env = dict(os.environ)
        env.pop("NO_COLOR", None)
        for e in get("env"):
            k, v = e.split("=", 1)
            env[k] = v
        timeout = float(get("timeout")[0]) if get("timeout") else 120.0

        for key, spec in case:
            if key == "file":
                name, text = spec.split(None, 1)
                path = os.path.join(tmp, name)
                with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w",
                          encoding="utf-8") as f:
                    f.write(text.replace("\\n", "\n"))
                os.chmod(path, 0o600)
                continue
            if key == "file-mode":
                name, mode = spec.split()
                os.chmod(os.path.join(tmp, name), int(mode, 8))
                continue
            if key == "control":
                name, body = spec.split(None, 1)
                emu_control(env_vars, name, body)
                continue
            if key != "before":
                continue
            want, before_args = spec.split(None, 1)
            before = [args.pm3k] + shlex.split(before_args)
            try:
                done = subprocess.run(before, input=stdin_data, capture_output=True, env=env,
                                      timeout=timeout, cwd=tmp)
            except subprocess.TimeoutExpired:
                fail("before: pm3k did not finish within %.0f s: %s" % (timeout,
                                                                       shlex.join(before)))
            if done.returncode != int(want):
                fail("before: %s exited %d, expected %s\nstdout:\n%s\nstderr:\n%s"
                     % (shlex.join(before), done.returncode, want,
                        done.stdout.decode("utf-8", "replace")[:4000],
                        done.stderr.decode("utf-8", "replace")[:4000]))
        try:
            proc = subprocess.run(argv, input=stdin_data, capture_output=True, env=env,
                                  timeout=timeout, cwd=tmp)
        except subprocess.TimeoutExpired:
            fail("pm3k did not finish within %.0f s: %s" % (timeout, shlex.join(argv)))
        stdout = proc.stdout.decode("utf-8", "replace")
        stderr = proc.stderr.decode("utf-8", "replace")
        print("$ " + shlex.join(argv))
        print("exit %d" % proc.returncode)
        dump_run(args.case, env_vars, argv, proc.returncode, stdout, stderr)
        if proc.returncode < 0:
            fail("pm3k died with signal %d\n%s" % (-proc.returncode, stderr))

        want_exit = int(get("exit")[0])
        if proc.returncode != want_exit:
            fail("exit code %d, expected %d\nstdout:\n%s\nstderr:\n%s"
                 % (proc.returncode, want_exit, stdout[:4000], stderr[:4000]))

        for t in get("stdout-contains"):
            if t not in stdout:
                fail("stdout lacks %r\nstdout:\n%s" % (t, stdout[:4000]))
        for t in get("stdout-lacks"):
            if t in stdout:
                fail("stdout has %r\nstdout:\n%s" % (t, stdout[:4000]))
        for t in get("stderr-contains"):
            if t not in stderr:
                fail("stderr lacks %r\nstderr:\n%s" % (t, stderr[:4000]))
        for t in get("stderr-lacks"):
            if t in stderr:
                fail("stderr has %r\nstderr:\n%s" % (t, stderr[:4000]))
        for spec in get("emu-calls"):
            key, endpoint, count = spec.split()
            calls = emu_control(env_vars, "calls", json.dumps({"key": key}))["calls"]
            if calls.get(endpoint) != int(count):
                fail("the emulator counted %r %s calls with the key, expected %s"
                     % (calls.get(endpoint), endpoint, count))
        if get("stdout-empty") and stdout:
            fail("stdout should be empty, has:\n%s" % stdout[:2000])
        if get("stdout-json"):
            try:
                body = json.loads(stdout)
            except ValueError as e:
                fail("stdout is not one JSON value: %s\n%s" % (e, stdout[:2000]))
            for spec in get("stdout-json-field"):
                key, value = spec.split(None, 1)
                found, got = get_nested(body, key)
                if not found or got != parse_value(value):
                    fail("stdout JSON %s = %r, expected %r" % (key, got if found else "<absent>",
                                                                parse_value(value)))

        schema = load_schema(os.path.join(args.src, "docs", "report-schema.json"))
        if schema is None and fmt in ("json", "ndjson"):
            print("SKIP: python3-jsonschema is not installed, the report cannot be validated")
            sys.exit(SKIP)
        wants_report = any(get(k) for k in ("item", "fact", "nofact", "input", "summary", "items",
                                             "order"))
        if not stdout.strip() and not wants_report:
            print("ok")  # e.g. a usage error: nothing on stdout to validate
            return
        items = summary = None
        if fmt in ("json", "ndjson"):
            try:
                items, summary = load_report(fmt, stdout, schema)
            except ReportError as e:
                fail(str(e))
        if items is None:
            if wants_report:
                fail("item/fact/summary checks need --format json or ndjson")
            print("ok")
            return
        by_path = {}
        for it in items:
            if it["path"] in by_path:
                fail("two items with path %r" % it["path"])
            by_path[it["path"]] = it

        def resolve(path):
            if not path.startswith("@"):
                return path
            of_kind = [i["path"] for i in items if i["kind"] == path[1:]]
            if len(of_kind) != 1:
                fail("%s: %d items of kind %s, expected one" % (path, len(of_kind), path[1:]))
            return of_kind[0]

        expected_paths = []
        for spec in get("item"):
            words = shlex.split(spec)
            if len(words) < 2:
                fail("item: needs PATH STATUS [CODES]")
            path, status, codes = resolve(words[0]), words[1], sorted(words[2:])
            expected_paths.append(path)
            if path not in by_path:
                fail("no item %r in the report; items: %s" % (path, sorted(by_path)))
            it = by_path[path]
            got_codes = sorted(f["code"] for f in it["findings"])
            if it["status"] != status or got_codes != codes:
                fail("item %r: status %s codes %s, expected status %s codes %s\nfacts: %s\n"
                     "findings: %s" % (path, it["status"], got_codes, status, codes,
                                       json.dumps(it["facts"]),
                                       json.dumps(it["findings"], indent=1)))
        if expected_paths and not get("partial"):
            extra = sorted(set(by_path) - set(expected_paths))
            if extra:
                fail("unexpected items in the report: %s" % extra)

        for spec in get("fact"):
            words = shlex.split(spec)
            if len(words) < 3:
                fail("fact: needs PATH KEY VALUE")
            path, key, value = resolve(words[0]), words[1], " ".join(words[2:])
            if path not in by_path:
                fail("fact: no item %r" % path)
            found, got = get_nested(by_path[path]["facts"], key)
            want = parse_value(value)
            if not found:
                fail("item %r has no fact %r; facts: %s" % (path, key,
                                                           json.dumps(by_path[path]["facts"])))
            if isinstance(want, (int, float)) and isinstance(got, (int, float)) \
                    and not isinstance(want, bool):
                if abs(got - want) > 1e-6 * max(1.0, abs(want)):
                    fail("item %r fact %s = %r, expected %r" % (path, key, got, want))
            elif got != want:
                fail("item %r fact %s = %r, expected %r" % (path, key, got, want))
        for spec in get("input"):
            path, value = shlex.split(spec)
            path = resolve(path)
            if path not in by_path:
                fail("input: no item %r" % path)
            if by_path[path].get("input") != parse_value(value):
                fail("item %r input = %r, expected %s" % (path, by_path[path].get("input"), value))
        for spec in get("nofact"):
            path, key = shlex.split(spec)
            path = resolve(path)
            if path in by_path and get_nested(by_path[path]["facts"], key)[0]:
                fail("item %r should not have fact %r" % (path, key))
        for spec in get("summary"):
            key, value = spec.split()
            if summary.get(key) != int(value):
                fail("summary %s = %r, expected %s" % (key, summary.get(key), value))
        for spec in get("items"):
            if len(items) != int(spec):
                fail("%d items, expected %s: %s" % (len(items), spec,
                                                   [i["path"] for i in items]))
        for spec in get("order"):
            want = shlex.split(spec)
            got = [i["path"] for i in items if i["path"] in want]
            if got != want:
                fail("order %s, expected %s" % (got, want))
        if summary["items"] != len(items):
            fail("summary says %d items, report has %d" % (summary["items"], len(items)))
        counts = {"pass": 0, "warn": 0, "fail": 0, "error": 0}
        for it in items:
            counts[it["status"]] += 1
        for status, key in (("pass", "passed"), ("warn", "warned"), ("fail", "failed"),
                            ("error", "errors")):
            if summary[key] != counts[status]:
                fail("summary %s = %d but %d items are %s" % (key, summary[key], counts[status],
                                                              status))
        if summary["exit_code"] != proc.returncode:
            fail("summary exit_code %d but pm3k exited %d" % (summary["exit_code"],
                                                             proc.returncode))
        print("ok")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
