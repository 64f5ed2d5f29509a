#!/bin/sh
# pm3k in pipelines and terminals (issue 13), what a case file cannot say:
# SIGINT/SIGTERM stop the run within a second with a complete report, a
# closed stdout ends it with the SIGPIPE status, the progress line on a
# terminal (even with -q) is cleared before a report line, a path that is
# not UTF-8 keeps its bytes in path_b64, the XDG config file is read, and
# --format github escapes file names as GitHub's parser wants.
# Env (from ctest): PM3K, DATA, SRC.
set -eu
: "${PM3K:?}" "${DATA:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PM3K DATA SRC TMPDIR_UX="$tmp"
exec "${PYTHON:-python3}" - <<'EOF'
import base64, json, os, pty, re, select, signal, socket, subprocess, sys, threading, time

pm3k, data, src, tmp = (os.environ[k] for k in ("PM3K", "DATA", "SRC", "TMPDIR_UX"))
sys.path.insert(0, os.path.join(src, "tests"))
from report_check import load_report, load_schema  # noqa: E402

schema = load_schema(os.path.join(src, "docs", "report-schema.json"))


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check_report(fmt, text):
    """The report's summary, after validating it when jsonschema is there."""
    if schema is not None:
        load_report(fmt, text, schema)
    return json.loads(text.splitlines()[-1] if fmt == "ndjson" else text)["summary"]


# A TLS port that accepts and never answers: a URL check that waits.
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(64)
port = silent.getsockname()[1]
held = []


def accept_forever():
    while True:
        try:
            conn, _ = silent.accept()
        except OSError:
            return
        held.append(conn)


threading.Thread(target=accept_forever, daemon=True).start()
url_args = ["--domain", "media.example.com", "--resolve",
            "media.example.com:%d:127.0.0.1" % port,
            "https://media.example.com:%d/stall.mp4" % port]

# ---- signals: exit 128+N within a second, the report complete ----
for sig, want in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
    out = os.path.join(tmp, "r%d.json" % want)
    proc = subprocess.Popen([pm3k, "probe", "--format", "json", "--timeout", "60", "-o", out,
                             os.path.join(data, "batch", "ok.mp4")] + url_args,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)
    sent = time.monotonic()
    proc.send_signal(sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail("signal %d did not stop the run" % sig)
    took = time.monotonic() - sent
    if proc.returncode != want:
        fail("signal %d: exit %d, expected %d: %s" % (sig, proc.returncode, want,
                                                      proc.stderr.read().decode()))
    if took > 5:  # a second is the goal; a loaded sanitizer build gets slack
        fail("signal %d: the run took %.1f s to stop" % (sig, took))
    with open(out) as f:
        summary = check_report("json", f.read())
    if not summary.get("interrupted") or summary.get("exit_code") != want:
        fail("signal %d: summary %r" % (sig, summary))
    left = [n for n in os.listdir(tmp) if ".tmp." in n]
    if left:
        fail("signal %d left a temporary file: %r" % (sig, left))

# domain verify stops within a second too, its document complete
proc = subprocess.Popen([pm3k, "domain", "verify", "--format", "json", "--timeout", "60",
                         "--resolve", "media.example.com:%d:127.0.0.1" % port,
                         "media.example.com:%d" % port],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
time.sleep(1.5)
sent = time.monotonic()
proc.send_signal(signal.SIGINT)
stdout, _ = proc.communicate(timeout=10)
if proc.returncode != 130 or time.monotonic() - sent > 5:
    fail("domain verify after SIGINT: exit %d after %.1f s" % (proc.returncode,
                                                                time.monotonic() - sent))
if not check_report("json", stdout.decode())["interrupted"]:
    fail("domain verify: the summary is not interrupted: %r" % stdout)

# ndjson on stdout: the summary line still comes
proc = subprocess.Popen([pm3k, "probe", "--format", "ndjson", "--timeout", "60"] + url_args,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
time.sleep(1.5)
proc.send_signal(signal.SIGINT)
stdout, _ = proc.communicate(timeout=10)
if proc.returncode != 130:
    fail("ndjson SIGINT exit %d" % proc.returncode)
summary = check_report("ndjson", stdout.decode())
if not summary["interrupted"]:
    fail("ndjson summary not interrupted: %r" % stdout)

# ---- a closed stdout: the SIGPIPE status, quietly ----
tree = os.path.join(data, "batch", "tree")
proc = subprocess.Popen([pm3k, "probe", "--format", "ndjson"] + [tree] * 200,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
proc.stdout.readline()
proc.stdout.close()
err = proc.stderr.read().decode()
proc.wait(timeout=60)
if proc.returncode != 141:
    fail("a closed stdout: exit %d, expected 141 (%s)" % (proc.returncode, err))
if err:
    fail("a closed stdout is no error worth a message: %r" % err)

# ---- the progress line on a terminal, with -q, cleared before report lines ----
pid, fd = pty.fork()
if pid == 0:
    os.execv(pm3k, [pm3k, "probe", "-q", "--timeout", "1.5"] + url_args +
             [os.path.join(data, "batch", "notes.mp4"), tree, tree, tree,
              os.path.join(data, "batch", "notes.mp4")])
seen = b""
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    ready, _, _ = select.select([fd], [], [], 1)
    if not ready:
        continue
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
os.waitpid(pid, 0)
text = seen.decode("utf-8", "replace")
if not re.search(r"\d+/\d+ checked \(\d+%\), \d+/s, ETA \d+:\d\d", text):
    fail("no progress line with total, percentage, rate and ETA on the terminal:\n%r" % text)
if re.search(r"checked[^\r\n]*(FAIL|ERROR)", text):
    fail("a report line ran into the progress line:\n%r" % text)
if not re.search(r"\r\x1b\[K(\x1b\[[0-9;]*m)?FAIL", text):
    fail("the progress line was not cleared before a report line:\n%r" % text)

# ---- path_b64: a file name that is not UTF-8 keeps its bytes ----
raw = os.path.join(tmp.encode(), b"caf\xe9-\xff.mp4")
with open(os.path.join(data, "batch", "ok.mp4"), "rb") as f, open(raw, "wb") as g:
    g.write(f.read())
done = subprocess.run([pm3k.encode(), b"probe", b"--format", b"json", raw], capture_output=True)
if done.returncode != 0:
    fail("non-UTF-8 name: exit %d %r" % (done.returncode, done.stderr))
item = json.loads(done.stdout)["items"][0]
if base64.b64decode(item.get("path_b64", "")) != raw:
    fail("path_b64 does not give the bytes back: %r" % item)
if "\ufffd" not in item["path"]:
    fail("path should show the bad bytes as U+FFFD: %r" % item["path"])
check_report("json", done.stdout.decode())

# ---- the XDG config file, and --no-config ----
xdg = os.path.join(tmp, "xdg")
os.makedirs(os.path.join(xdg, "pm3k"))
with open(os.path.join(xdg, "pm3k", "config"), "w") as f:
    f.write("# for the n8n node\nfail-on none\n")
env = dict(os.environ, XDG_CONFIG_HOME=xdg)
env.pop("PM3K_CONFIG", None)
landscape = os.path.join(data, "video", "landscape.mp4")
rc = subprocess.run([pm3k, "probe", landscape], env=env, capture_output=True).returncode
if rc != 0:
    fail("$XDG_CONFIG_HOME/pm3k/config was not read (exit %d)" % rc)
rc = subprocess.run([pm3k, "probe", "--no-config", landscape], env=env,
                    capture_output=True).returncode
if rc != 1:
    fail("--no-config still read the config (exit %d)" % rc)
home = os.path.join(tmp, "home")
os.makedirs(os.path.join(home, ".config", "pm3k"))
with open(os.path.join(home, ".config", "pm3k", "config"), "w") as f:
    f.write("fail-on none\n")
env = dict(os.environ, HOME=home)
env.pop("XDG_CONFIG_HOME", None)
env.pop("PM3K_CONFIG", None)
rc = subprocess.run([pm3k, "probe", landscape], env=env, capture_output=True).returncode
if rc != 0:
    fail("~/.config/pm3k/config (XDG's default) was not read (exit %d)" % rc)

# ---- a symlink loop met in a walk stays input_unreadable (exit 2); one to
# nothing is skipped with a note ----
walk = os.path.join(tmp, "walk")
os.makedirs(walk)
with open(os.path.join(data, "batch", "ok.mp4"), "rb") as f, \
        open(os.path.join(walk, "ok.mp4"), "wb") as g:
    g.write(f.read())
os.symlink("loop.mp4", os.path.join(walk, "loop.mp4"))
os.symlink("nowhere.mp4", os.path.join(walk, "broken.mp4"))
done = subprocess.run([pm3k, "probe", "--format", "json", walk], capture_output=True, text=True)
report = json.loads(done.stdout)
codes = {i["path"].rsplit("/", 1)[1]: [f["code"] for f in i["findings"]] for i in report["items"]}
if done.returncode != 2 or codes != {"loop.mp4": ["input_unreadable"], "ok.mp4": []}:
    fail("a symlink loop: exit %d, items %r" % (done.returncode, codes))
if "note: skipped " + os.path.join(walk, "broken.mp4") not in done.stderr:
    fail("no note for the dangling symlink: %r" % done.stderr)
if report["summary"]["skipped"] != 1:
    fail("the dangling symlink is not counted as skipped: %r" % report["summary"])

# ---- --format github: file names escaped as properties ----
odd = os.path.join(tmp, "a%b,c:d\r\ne.mp4")
with open(odd, "w") as f:
    f.write("text, not a video\n")
done = subprocess.run([pm3k, "probe", "--format", "github", odd], capture_output=True)
out = done.stdout.decode()
want = "::error file=" + tmp.replace(":", "%3A").replace(",", "%2C") + \
    "/a%25b%2Cc%3Ad%0D%0Ae.mp4,title=unreadable_media::"
if want not in out:
    fail("github: the file property is not escaped: %r (want %r)" % (out, want))
lines = out.splitlines()
if len(lines) != 2 or not lines[1].startswith("::notice "):
    fail("github: one annotation and a notice expected, got %r" % lines)
print("ok")
EOF
