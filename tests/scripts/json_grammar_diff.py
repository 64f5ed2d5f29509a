#!/usr/bin/python3
"""Differential test of pm3k's JSON grammar scan against node's JSON.parse.

Generates bodies class by class (numbers, whitespace and control bytes
between tokens, escapes, bytes inside strings, byte order marks, nesting,
and random mutations of real direct_post bodies), asks node what JSON.parse
says of each after Node's default UTF-8 decoding (Buffer.toString, which
keeps a BOM and turns invalid UTF-8 into U+FFFD), asks pm3k's scan
(test_grammar --judge), and fails on any disagreement, printing the body.

With PM3K, a sample of the bodies (every third, and all long ones: deep
nesting, long numbers, mutated direct_post bodies) also goes through the real lint
(`pm3k payload --check --format json`): a body JSON.parse accepts must get
no invalid_json, one it refuses invalid_json (or form_encoded_body), and
where JSON.parse gives an object with a string title, the lint's
title_utf16 fact must be that title's .length.

usage: json_grammar_diff.py NODE JUDGE [PM3K]
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

NODE_JUDGE = r"""
const chunks = [];
process.stdin.on('data', c => chunks.push(c));
process.stdin.on('end', () => {
  const all = Buffer.concat(chunks);
  let out = '', pos = 0;
  while (pos + 4 <= all.length) {
    const len = all.readUInt32BE(pos); pos += 4;
    const text = all.subarray(pos, pos + len).toString('utf8'); pos += len;
    try { JSON.parse(text); out += '1'; } catch (e) { out += '0'; }
  }
  process.stdout.write(out + '\n');
});
"""

# For the lint sample: per body [valid, the title's .length or null].
NODE_TITLES = r"""
const chunks = [];
process.stdin.on('data', c => chunks.push(c));
process.stdin.on('end', () => {
  const all = Buffer.concat(chunks);
  const out = [];
  let pos = 0;
  while (pos + 4 <= all.length) {
    const len = all.readUInt32BE(pos); pos += 4;
    const text = all.subarray(pos, pos + len).toString('utf8'); pos += len;
    try {
      const v = JSON.parse(text);
      const object = v !== null && typeof v === 'object' && !Array.isArray(v);
      out.push([1, object && typeof v.title === 'string' ? v.title.length : null]);
    } catch (e) { out.push([0, null]); }
  }
  process.stdout.write(JSON.stringify(out));
});
"""

BODIES = [
    b'{"source_url": "https://files.pm3k.org/uploads/u/2026-11-26/a.mp4", "title": "New drop", '
    b'"privacy": "PUBLIC_TO_EVERYONE", "disable_comment": false}',
    b'{"media_type":"PHOTO","photo_images":["https://files.pm3k.org/a.jpg",'
    b'"https://files.pm3k.org/b.webp"],"photo_cover_index":0,"privacy":"public","title":"x"}',
    b'[1, -2.5e-3, true, null, {"a": [{}, []]}, "\\u00e9\\n"]',
]


def numbers():
    signs = ["", "-", "+"]
    ints = ["0", "00", "01", "1", "10", "123", ""]
    fracs = ["", ".", ".0", ".12", ".e"]
    exps = ["", "e", "E", "e+", "e-", "e5", "E+05", "e-0", "e+"]
    for s in signs:
        for i in ints:
            for f in fracs:
                for e in exps:
                    n = (s + i + f + e).encode()
                    yield n
                    yield b"[" + n + b"]"
                    yield b'{"photo_cover_index":' + n + b"}"
    # past unpatched cJSON 1.7.15's 64-byte number buffer
    for digits in (62, 63, 64, 100, 400):
        for n in (b"1" * digits, b"-0." + b"5" * digits, b"1." + b"0" * digits + b"e-3"):
            yield b'{"photo_cover_index":' + n + b"}"
            yield b"[" + n + b", " + n + b"0.]"


def between_tokens():
    seps = [bytes([b]) for b in range(0x00, 0x21)] + [b"\x7f", b"\xc2\xa0", b"\xe2\x80\xa8",
                                                      b"\xef\xbb\xbf", b"\xc2\x85"]
    for sep in seps:
        yield sep + b"{}"
        yield b"{}" + sep
        yield b"{" + sep + b'"a"' + sep + b":" + sep + b"1" + sep + b"}"
        yield b"[1" + sep + b",2]"


def escapes():
    for c in range(0x20, 0x7f):
        yield b'"\\' + bytes([c]) + b'"'
    for hexes in ["", "0", "00", "000", "0000", "00e9", "D800", "dfff", "00G0", "12345"]:
        yield b'"\\u' + hexes.encode() + b'"'


def inside_strings():
    for b in list(range(0x00, 0x20)) + [0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xff]:
        yield b'"a' + bytes([b]) + b'b"'
    for seq in [b"\xe2\x82", b"\xf0\x9f\x98", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80"]:
        yield b'{"title":"' + seq + b'"}'
        yield b'{"title":"a' + seq + b'b' + seq + seq + b'\\ud800"}'
        yield b'{"title":"x\\u0000' + seq + b'","title":"' + seq + b'\\udc00y"}'


def nesting(rng):
    # around cJSON's 1000 levels (V8 has no limit)
    for depth in (999, 1000, 1001, 1002, 1500, 4000):
        yield b'{"privacy":"SELF_ONLY","x":' + b"[" * depth + b"1" + b"]" * depth + b"}"
        yield b"[" * depth + b"]" * (depth - 1)
    for _ in range(300):
        depth = rng.randint(1, 40)
        opens = [rng.choice("[{") for _ in range(depth)]
        body = b""
        for o in opens:
            body += b'{"k":' if o == "{" else b"["
        body += rng.choice([b"1", b'"s"', b"[]", b"{}", b""])
        for o in reversed(opens):
            body += b"}" if o == "{" else b"]"
        yield body


def mutations(rng):
    alphabet = b'{}[]:,"\\ 0123456789.-+eEtrufalsn\t\n\r\x0c\x00\xef\xbb\xbf'
    for _ in range(3000):
        body = bytearray(rng.choice(BODIES))
        for _ in range(rng.randint(1, 3)):
            op = rng.randrange(3)
            pos = rng.randrange(len(body) + 1)
            if op == 0 and body:
                del body[min(pos, len(body) - 1)]
            elif op == 1:
                body.insert(pos, rng.choice(alphabet))
            elif body:
                body[min(pos, len(body) - 1)] = rng.choice(alphabet)
        yield bytes(body)


def lint_sample(node, pm3k, cases):
    """Run the real lint on every 3rd body and on each long or title body;
    returns the disagreements as (body, what)."""
    sample = [c for i, c in enumerate(cases)
              if i % 3 == 0 or len(c) > 60 or c.startswith(b'{"title"')]
    blob = b"".join(struct.pack(">I", len(c)) + c for c in sample)
    verdicts = json.loads(subprocess.run([node, "-e", NODE_TITLES], input=blob,
                                         capture_output=True, check=True).stdout)
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, body in enumerate(sample):
            paths.append(os.path.join(tmp, "%05d.json" % i))
            with open(paths[-1], "wb") as f:
                f.write(body)
        items = []
        for start in range(0, len(paths), 256):
            run = subprocess.run([pm3k, "payload", "--check", "--format", "json"] +
                                 paths[start:start + 256], capture_output=True)
            if run.returncode not in (0, 1):
                return len(sample), [(b"", "pm3k exited %d: %s" % (run.returncode, run.stderr))]
            items += json.loads(run.stdout)["items"]
        if len(items) != len(sample):
            return len(sample), [(b"", "%d items for %d bodies" % (len(items), len(sample)))]
        for body, (valid, title), item in zip(sample, verdicts, items):
            codes = [f["code"] for f in item["findings"]]
            invalid = "invalid_json" in codes or "form_encoded_body" in codes
            if valid and invalid:
                bad.append((body, "JSON.parse accepts it, the lint says %s" % codes))
            elif not valid and not invalid:
                bad.append((body, "JSON.parse refuses it, the lint says %s" % codes))
            elif title is not None and item["facts"].get("title_utf16") != title:
                bad.append((body, "title .length %d, the lint's title_utf16 %s" %
                            (title, item["facts"].get("title_utf16"))))
    return len(sample), bad


def main():
    node, judge = sys.argv[1], sys.argv[2]
    pm3k = sys.argv[3] if len(sys.argv) > 3 else None
    rng = random.Random(20261201)
    cases = list(numbers()) + list(between_tokens()) + list(escapes()) + \
        list(inside_strings()) + list(nesting(rng)) + list(mutations(rng)) + BODIES
    blob = b"".join(struct.pack(">I", len(c)) + c for c in cases)
    want = subprocess.run([node, "-e", NODE_JUDGE], input=blob, capture_output=True,
                          check=True).stdout.strip().decode()
    got = subprocess.run([judge, "--judge"], input=blob, capture_output=True,
                         check=True).stdout.strip().decode()
    if len(want) != len(cases) or len(got) != len(cases):
        print("FAIL: %d cases, node judged %d, pm3k %d" % (len(cases), len(want), len(got)))
        return 1
    bad = [(c, w, g) for c, w, g in zip(cases, want, got) if w != g]
    valid = want.count("1")
    print("%d bodies (%d valid for JSON.parse), %d disagreements" % (len(cases), valid, len(bad)))
    for c, w, g in bad[:20]:
        print("  node %s, pm3k %s: %r" % ("valid" if w == "1" else "invalid",
                                          "valid" if g == "1" else "invalid", c))
    if not pm3k:
        return 1 if bad else 0
    linted, lint_bad = lint_sample(node, pm3k, cases)
    print("%d bodies through pm3k payload --check, %d disagreements" % (linted, len(lint_bad)))
    for c, what in lint_bad[:20]:
        print("  %s: %r" % (what, c))
    return 1 if bad or lint_bad else 0


if __name__ == "__main__":
    sys.exit(main())
