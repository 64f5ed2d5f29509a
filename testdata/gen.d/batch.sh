#!/bin/sh
# Batch fixtures: a folder tree that exercises walk order, skipping and
# symlinks, and stdin lists. The media are tiny copies of two valid files.
set -eu
out=$1
ffmpeg -v error -f lavfi -i color=c=blue:s=1080x1920:r=30 -t 1 -c:v libx264 -preset ultrafast \
    -pix_fmt yuv420p -movflags +faststart "$out/ok.mp4"
vips black "$out/ok.jpg[Q=80]" 1080 1080 --bands 3

t=$out/tree
mkdir -p "$t/a/b" "$t/.git" "$t/empty-dir"
cp "$out/ok.mp4" "$t/a/b/c.mp4"
cp "$out/ok.mp4" "$t/a/b.x.mp4"      # "a/b.x.mp4" sorts before "a/b/c.mp4" ('.' < '/')
cp "$out/ok.mp4" "$t/a/B.mp4"        # uppercase sorts first, bytewise
cp "$out/ok.mp4" "$t/clip.MP4"       # extensions match in any case
cp "$out/ok.jpg" "$t/photo.jpg"
cp "$out/ok.mp4" "$t/.hidden.mp4"    # dotfiles are skipped
cp "$out/ok.mp4" "$t/._clip.mp4"     # AppleDouble files are skipped
cp "$out/ok.mp4" "$t/.git/x.mp4"     # so are dot-folders
echo "not media" > "$t/notes.txt"    # not in the walk's extension list
ln -s a "$t/link-to-a"               # a symlinked folder is not followed
ln -s a/b/c.mp4 "$t/link.mp4"        # a symlinked file is taken
printf 'text, not a video\n' > "$out/notes.mp4"
