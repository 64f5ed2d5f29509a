#!/usr/bin/python3
"""Validate a pm3k report against docs/report-schema.json.

As a module: load_report(fmt, text, schema) -> (items, summary), raising
ReportError. As a command (for the shell tests):

  report_check.py --format json|ndjson [--schema docs/report-schema.json] FILE|-

exits 0 when the report is valid, 1 with the reason when not, 77 when
python3-jsonschema is missing.
"""
import argparse
import json
import os
import sys

try:
    import jsonschema
except ImportError:  # pragma: no cover
    jsonschema = None

DEFAULT_SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs",
                              "report-schema.json")


class ReportError(Exception):
    pass


def load_schema(path=DEFAULT_SCHEMA):
    if jsonschema is None:
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _validate(obj, schema, what):
    try:
        jsonschema.validate(obj, schema)
    except jsonschema.ValidationError as e:
        raise ReportError("%s does not validate against docs/report-schema.json: %s at %s"
                          % (what, e.message, "/".join(str(p) for p in e.absolute_path)))


def load_report(fmt, text, schema):
    """Parse a json or ndjson report, validate it when schema is given, and
    return (items, summary)."""
    if fmt == "json":
        try:
            doc = json.loads(text)
        except ValueError as e:
            raise ReportError("the report is not JSON: %s\n%s" % (e, text[:2000]))
        if schema is not None:
            _validate(doc, schema, "the report")
        return doc["items"], doc["summary"]
    if fmt == "ndjson":
        items, summary = [], None
        line_schema = None
        if schema is not None:
            line_schema = {"$ref": "#/$defs/ndjson_line", "$defs": schema["$defs"]}
        for n, line in enumerate(text.splitlines(), 1):
            try:
                obj = json.loads(line)
            except ValueError as e:
                raise ReportError("ndjson line %d is not JSON: %s" % (n, e))
            if line_schema is not None:
                _validate(obj, line_schema, "ndjson line %d" % n)
            if "summary" in obj:
                if summary is not None:
                    raise ReportError("ndjson has two summary lines")
                summary = obj["summary"]
            else:
                if summary is not None:
                    raise ReportError("ndjson item after the summary line")
                items.append(obj)
        if summary is None:
            raise ReportError("ndjson has no summary line")
        return items, summary
    raise ReportError("format %r has no JSON schema" % fmt)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--format", required=True, choices=("json", "ndjson"))
    ap.add_argument("--schema", default=DEFAULT_SCHEMA)
    ap.add_argument("file")
    args = ap.parse_args()
    if jsonschema is None:
        print("SKIP: python3-jsonschema is not installed")
        sys.exit(77)
    text = sys.stdin.read() if args.file == "-" else open(args.file, encoding="utf-8").read()
    try:
        items, summary = load_report(args.format, text, load_schema(args.schema))
    except ReportError as e:
        print("FAIL: %s" % e)
        sys.exit(1)
    if summary["items"] != len(items):
        print("FAIL: summary says %d items, the report has %d" % (summary["items"], len(items)))
        sys.exit(1)


if __name__ == "__main__":
    main()
