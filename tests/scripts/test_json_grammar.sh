#!/bin/sh
# The payload lint's JSON grammar agrees with node's JSON.parse on thousands
# of generated bodies (tests/scripts/json_grammar_diff.py says which classes).
set -eu
command -v node >/dev/null 2>&1 || { echo "SKIP: node is not installed"; exit 77; }
exec "$PYTHON" "$SRC/tests/scripts/json_grammar_diff.py" node "$BIN/tests/test_grammar"
