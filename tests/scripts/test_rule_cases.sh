#!/bin/sh
# Every rule code of core/rules.c is expected (as an item: code) by at least
# one CLI case under tests/cli/cases/: a rule added without a case fails
# here, naming its code. Env (from ctest): SRC, PYTHON.
set -eu
: "${SRC:?}"
exec "${PYTHON:-python3}" "$SRC/tests/scripts/rule_cases.py" "$SRC"
