#!/bin/sh
# The payload lint's JSON grammar agrees with node's JSON.parse on thousands
# of generated bodies (tests/scripts/json_grammar_diff.py says which classes),
# and so does the real lint (pm3k payload --check) on a sample of them.
set -eu
command -v node >/dev/null 2>&1 || { echo "SKIP: node is not installed"; exit 77; }
exec "$PYTHON" "$SRC/tests/scripts/json_grammar_diff.py" node "$BIN/tests/test_grammar" "$PM3K"
