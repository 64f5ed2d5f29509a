#!/usr/bin/python3
"""Every rule code of the rules table has at least one CLI case that expects it.

usage: rule_cases.py SRC

Reads the rows of SRC/core/rules.c ({PM3K_RULE_<ID>, "code", "kind", ...;
tests/unit/test_rules.c checks every row has that shape) and the `item:`
lines of SRC/tests/cli/cases/**/*.case (`item: PATH STATUS [CODE ...]`,
read as tests/cli/run_case.py reads them), and fails naming each code that
no case expects.
"""
import glob
import os
import re
import shlex
import sys

ROW = re.compile(r'\{PM3K_RULE_([A-Z0-9_]+), "([a-z0-9_]+)", "([a-z]+)"')


def rule_codes(rules_c):
    with open(rules_c, encoding="utf-8") as f:
        rows = ROW.findall(f.read())
    codes = {}
    for _id, code, kind in rows:
        codes.setdefault(code, []).append(kind)
    return codes


def expected_codes(cases_dir):
    expected = {}
    for path in sorted(glob.glob(os.path.join(cases_dir, "**", "*.case"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            for line in f:
                key, sep, value = line.strip().partition(":")
                if not sep or key.strip() != "item":
                    continue
                for code in shlex.split(value)[2:]:
                    expected.setdefault(code, os.path.relpath(path, cases_dir))
    return expected


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    src = sys.argv[1]
    codes = rule_codes(os.path.join(src, "core", "rules.c"))
    if not codes:
        sys.exit("FAIL: no rule rows found in core/rules.c")
    expected = expected_codes(os.path.join(src, "tests", "cli", "cases"))
    missing = sorted(code for code in codes if code not in expected)
    for code in missing:
        print("FAIL: no tests/cli/cases/**/*.case expects rule code %s (kind %s) in an item: line"
              % (code, ", ".join(codes[code])))
    if missing:
        sys.exit(1)
    print("ok: each of the %d rule codes is expected by a CLI case" % len(codes))


if __name__ == "__main__":
    main()
