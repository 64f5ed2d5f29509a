#!/bin/sh
# Run one libFuzzer target for a bounded time: run_fuzz.sh TARGET SECONDS WORKDIR SEEDS
set -eu
target=$1 seconds=$2 work=$3 seeds=$4
mkdir -p "$work" "$seeds"
# The first folder receives new inputs; the committed seeds are only read.
exec env ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" "$target" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    "$work" "$seeds"
