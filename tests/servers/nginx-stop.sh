#!/bin/sh
# Stop the nginx test server started by nginx-start.sh:
#
#   nginx-stop.sh STATE_DIR ENV_FILE
#
# Kills by the recorded pids and waits (bounded) until they are gone, then
# removes ENV_FILE so no case runs against a server that is not there.
set -u
state=${1:?usage: nginx-stop.sh STATE_DIR ENV_FILE}
envfile=${2:?usage: nginx-stop.sh STATE_DIR ENV_FILE}

# Gone, or a zombie waiting for its reaper: either way it serves nothing.
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
    [ "$st" != Z ]
}

stop_pid() {
    pid=$1
    case "$pid" in '' | *[!0-9]*) return 0 ;; esac
    alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    i=0
    while [ $i -lt 250 ] && alive "$pid"; do
        sleep 0.02
        i=$((i + 1))
    done
    if alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null
        i=0
        while [ $i -lt 100 ] && alive "$pid"; do
            sleep 0.02
            i=$((i + 1))
        done
    fi
}

rc=0
for f in "$state/run/nginx.pid" "$state/run/master.pid" "$state/run/blackhole.pid"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null)
    stop_pid "$pid"
    if alive "$pid" 2>/dev/null; then
        echo "error: process $pid ($f) did not stop" >&2
        rc=1
    fi
    rm -f "$f"
done
rm -f "$envfile"
exit $rc
