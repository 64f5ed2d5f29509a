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

# What every media folder also holds (issue 13): system and sidecar files,
# a TypeScript file named .ts, a symlink to nothing. A walk or a list skips
# and counts them; only ok.mp4 is an item.
s=$out/sidecars
mkdir -p "$s"
cp "$out/ok.mp4" "$s/ok.mp4"
cp "$out/ok.mp4" "$s/._ok.mp4"
printf 'Bud1\0\0\0\1' > "$s/.DS_Store"
printf 'not a thumbnail cache' > "$s/Thumbs.db"
printf '[.ShellClassInfo]\r\n' > "$s/desktop.ini"
printf '1\n00:00:00,000 --> 00:00:01,000\nhello\n' > "$s/ok.srt"
printf 'caption\n' > "$s/ok.txt"
printf 'export const x: number = 1;\n' > "$s/app.ts"
printf 'export {};\n' > "$s/module.mts"
ln -s nowhere.mp4 "$s/broken.mp4"
# only files a walk skips: no media at all
o=$out/only-sidecars
mkdir -p "$o"
cp "$s/.DS_Store" "$s/Thumbs.db" "$s/ok.txt" "$s/app.ts" "$o/"
