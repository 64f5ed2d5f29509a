#!/usr/bin/python3
"""Differential test of pm3k's UTF-16 length (pm3k_utf16_length) against node.

A title's length is what JavaScript's .length says of the string Node decoded
from the body's bytes: Buffer.from(bytes).toString('utf8'), which turns each
maximal invalid subsequence into one U+FFFD (WHATWG). Generates byte strings
class by class (every 1- and 2-byte string, every lead byte with each kind of
second and third byte, truncated and overlong sequences, surrogates, past
U+10FFFF, and random mixes of valid and invalid pieces between ASCII), asks
node and pm3k (test_utf --judge) for the length of each, and fails on any
disagreement, printing the bytes.

usage: utf16_length_diff.py NODE JUDGE
"""
import random
import struct
import subprocess
import sys

NODE_JUDGE = r"""
const chunks = [];
process.stdin.on('data', c => chunks.push(c));
process.stdin.on('end', () => {
  const all = Buffer.concat(chunks);
  const out = [];
  let pos = 0;
  while (pos + 4 <= all.length) {
    const len = all.readUInt32BE(pos); pos += 4;
    out.push(all.subarray(pos, pos + len).toString('utf8').length); pos += len;
  }
  process.stdout.write(out.join('\n') + '\n');
});
"""

# Bytes of each kind a decoder tells apart.
KINDS = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
         0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF8, 0xFE, 0xFF]

PIECES = [b"a", b" ", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\xef\xbf\xbd",
          b"\xe2\x82", b"\xf0\x9f\x98", b"\xf0\x9f", b"\xed\xa0\x80", b"\xed\xbf\xbf",
          b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80",
          b"\x80", b"\xbf", b"\xc3", b"\xe0", b"\xf4\x8f\xbf\xbf", b"\xe0\xa0\x80"]


def short_strings():
    for a in range(256):
        yield bytes([a])
        for b in range(256):
            yield bytes([a, b])


def three_and_four(rng):
    for a in range(0xC0, 0x100):
        for b in KINDS:
            for c in KINDS:
                yield bytes([a, b, c])
                yield bytes([a, b, c, rng.choice(KINDS)])
                yield b"x" + bytes([a, b, c]) + b"y"


def mixes(rng):
    for _ in range(20000):
        yield b"".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12)))


def main():
    node, judge = sys.argv[1], sys.argv[2]
    rng = random.Random(20261202)
    cases = list(short_strings()) + list(three_and_four(rng)) + list(mixes(rng))
    blob = b"".join(struct.pack(">I", len(c)) + c for c in cases)
    want = subprocess.run([node, "-e", NODE_JUDGE], input=blob, capture_output=True,
                          check=True).stdout.split()
    got = subprocess.run([judge, "--judge"], input=blob, capture_output=True,
                         check=True).stdout.split()
    if len(want) != len(cases) or len(got) != len(cases):
        print("FAIL: %d cases, node judged %d, pm3k %d" % (len(cases), len(want), len(got)))
        return 1
    bad = [(c, w, g) for c, w, g in zip(cases, want, got) if w != g]
    print("%d byte strings, %d disagreements" % (len(cases), len(bad)))
    for c, w, g in bad[:20]:
        print("  node %s, pm3k %s: %s" % (w.decode(), g.decode(), c.hex(" ")))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
