#!/bin/sh
# Make the test media: testdata/gen.sh OUTDIR
#
# Every part in testdata/gen.d/NAME.sh makes OUTDIR/NAME/ with ffmpeg, vips
# and shell tools, at test time (nothing large is committed). A part is made
# again only when its script changed, so repeated test runs start at once.
set -eu
out=${1:?usage: testdata/gen.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

for tool in ffmpeg vips sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "error: '$tool' is missing; install ffmpeg and libvips-tools (see README)" >&2
        exit 1
    }
done

for part in "$here"/gen.d/*.sh; do
    [ -f "$part" ] || continue
    name=$(basename "$part" .sh)
    stamp=$(cat "$here/gen.sh" "$part" | sha256sum | cut -c1-16)
    if [ -f "$out/$name/.stamp" ] && [ "$(cat "$out/$name/.stamp")" = "$stamp" ]; then
        continue
    fi
    echo "gen.sh: making $name test data"
    rm -rf "$out/$name.tmp"
    mkdir -p "$out/$name.tmp"
    sh "$part" "$out/$name.tmp"
    echo "$stamp" > "$out/$name.tmp/.stamp"
    rm -rf "$out/$name"
    mv "$out/$name.tmp" "$out/$name"
done
