#!/bin/sh
# Title lengths count invalid UTF-8 as Node decodes it: pm3k_utf16_length
# agrees with Buffer.from(bytes).toString('utf8').length on every 1- and
# 2-byte string and thousands more (tests/scripts/utf16_length_diff.py).
set -eu
command -v node >/dev/null 2>&1 || { echo "SKIP: node is not installed"; exit 77; }
exec "$PYTHON" "$SRC/tests/scripts/utf16_length_diff.py" node "$BIN/tests/test_utf"
