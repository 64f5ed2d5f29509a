#!/bin/sh
# Stop a test server started by a fixture script:
#
#   stop-by-pid.sh [--log FILE] ENV_FILE PID_FILE...
#
# Kills each recorded pid (TERM, then KILL) and waits, bounded, until it is
# gone; then removes ENV_FILE so that no test runs against a server that is
# not there. Exit 1 when a process did not stop, or when the server's log
# FILE reports a sanitizer error (a server built with ASan reports its leaks
# there at exit, where no test would see them).
set -u
log=""
if [ "${1:-}" = --log ]; then
    log=${2:?usage: stop-by-pid.sh [--log FILE] ENV_FILE PID_FILE...}
    shift 2
fi
envfile=${1:?usage: stop-by-pid.sh [--log FILE] ENV_FILE PID_FILE...}
shift

# Gone, or a zombie waiting for its reaper: either way it serves nothing.
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
    [ "$st" != Z ]
}

wait_gone() { # PID TRIES
    i=0
    while [ $i -lt "$2" ] && alive "$1"; do
        sleep 0.02
        i=$((i + 1))
    done
}

rc=0
for f in "$@"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null)
    case "$pid" in '' | *[!0-9]*) rm -f "$f"; continue ;; esac
    if alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null
        wait_gone "$pid" 250
        if alive "$pid"; then
            kill -KILL "$pid" 2>/dev/null
            wait_gone "$pid" 100
        fi
    fi
    if alive "$pid"; then
        echo "error: process $pid ($f) did not stop" >&2
        rc=1
    fi
    rm -f "$f"
done
rm -f "$envfile"
if [ -n "$log" ] && [ -f "$log" ] && grep -q "Sanitizer" "$log"; then
    echo "error: the server reported a sanitizer error ($log):" >&2
    cat "$log" >&2
    rc=1
fi
exit $rc
