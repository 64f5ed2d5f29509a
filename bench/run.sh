#!/bin/sh
# One command, every comparison, in one run (after the README install):
#
#   bench/run.sh [--files N] [--repeat R] [--rss 1000,10000,100000] [--urls N]
#                [--out FILE] [--workdir DIR]
#
# Builds build-release/ (Release, no tests), makes its own corpus (default
# 2,000 videos and 2,000 images hard linked from a handful of files made with
# ffmpeg and vips, plus one ~100 MB video), and prints one markdown table:
# pm3k against ffprobe, mediainfo, vipsheader, ImageMagick identify and curl,
# peak RSS over 1k/10k/100k files, the result cache against a first run and
# a bare stat walk, the I/O floor, and every tool's version (bench/run.py).
#
# mediainfo and ImageMagick serve only this benchmark, so scripts/dev.sh does
# not install them: this script does, with apt-get, when they are missing
# and it runs as root (or with sudo); otherwise their rows say "not installed".
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

missing=""
command -v mediainfo >/dev/null 2>&1 || missing="$missing mediainfo"
command -v identify >/dev/null 2>&1 || missing="$missing imagemagick"
if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=$(command -v sudo || true)
    if [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; then
        echo "bench/run.sh: installing the benchmark's competitors:$missing" >&2
        # shellcheck disable=SC2086
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            $missing >/dev/null || echo "bench/run.sh: could not install$missing" >&2
    else
        echo "bench/run.sh:$missing missing (not root, no sudo): those rows say so" >&2
    fi
fi
for tool in cmake cc ffmpeg ffprobe vips vipsheader python3 curl nginx; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "error: '$tool' is missing: run scripts/dev.sh deps first" >&2
        exit 2
    }
done

cmake -S "$src" -B "$src/build-release" -DCMAKE_BUILD_TYPE=Release -DPM3K_TESTS=OFF >/dev/null
cmake --build "$src/build-release" -j"$jobs" >/dev/null
exec python3 "$here/run.py" --pm3k "$src/build-release/pm3k" "$@"
