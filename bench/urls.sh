#!/bin/sh
# URL check benchmark: pm3k against the curl commands people use instead, in
# one run, against a local nginx over HTTPS (the test suite's fixture).
#
#   bench/urls.sh [PM3K] [N] [REPEAT] (defaults: build/pm3k, 2000 URLs, 5)
#
# Times, on the same N distinct URLs (one host, https, keep-alive allowed):
#   pm3k probe --format ndjson - < urls.txt           (HEAD per URL, concurrent)
#   a per-URL `curl -sS -I` loop                       (what a shell script does)
#   curl -sS -I --parallel --parallel-max 50 -K urls.cfg
# and prints each time and the ratios (targets: >= 10x the loop, >= 1x curl
# --parallel). pm3k and curl --parallel run REPEAT times, alternating, and
# their median counts (a 2-core machine shared with other work is noisy);
# the loop runs once. Every response is checked: all N must answer 200.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
pm3k=${1:-$src/build/pm3k}
n=${2:-2000}
repeat=${3:-5}
[ -x "$pm3k" ] || { echo "error: '$pm3k' is not built (cmake --build build)" >&2; exit 2; }
for tool in nginx curl openssl ffmpeg vips; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is missing" >&2; exit 2; }
done

work=$(mktemp -d /tmp/pm3k-bench-urls.XXXXXX)
chmod 755 "$work"
cleanup() {
    "$src/tests/servers/nginx-stop.sh" "$work/srv" "$work/nginx.env" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$work/data/url"
sh "$src/testdata/gen.d/url.sh" "$work/data/url"
"$src/tests/servers/nginx-start.sh" "$work/srv" "$work/nginx.env" "$work/data" >/dev/null
val() { sed -n "s/^$1=//p" "$work/nginx.env"; }
base=$(val NGINX_BASE)
ca=$(val NGINX_CACERT)
resolve=$(val NGINX_RESOLVE)

i=0
: >"$work/urls.txt"
: >"$work/urls.cfg"
while [ $i -lt "$n" ]; do
    i=$((i + 1))
    echo "$base/file.mp4?n=$i" >>"$work/urls.txt"
    printf 'url = "%s/file.mp4?n=%d"\n' "$base" "$i" >>"$work/urls.cfg"
done

now() { date +%s.%N; }
elapsed() { echo "$2 $1" | awk '{printf "%.3f", $1 - $2}'; }

echo "pm3k bench: $n URLs against nginx on 127.0.0.1 (https, HTTP/1.1), $(nproc) CPUs"
echo "pm3k: $("$pm3k" --version | head -n 1); $(curl --version | head -n 1 | cut -d' ' -f1-2)"

# warm-up: nginx's open-file cache, the page cache, the dynamic linker
"$pm3k" probe --format ndjson --domain media.test --cacert "$ca" --resolve "$resolve" \
    "$base/file.mp4" >/dev/null

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
: >"$work/t_pm3k"
: >"$work/t_par"
r=0
while [ $r -lt "$repeat" ]; do
    r=$((r + 1))
    t0=$(now)
    "$pm3k" probe --format ndjson --domain media.test --cacert "$ca" --resolve "$resolve" - \
        <"$work/urls.txt" >"$work/pm3k.out" || true
    elapsed "$t0" "$(now)" >>"$work/t_pm3k"
    echo >>"$work/t_pm3k"
    pass=$(grep -c '"status":"pass"' "$work/pm3k.out" || true)
    [ "$pass" = "$n" ] || break

    t0=$(now)
    curl -sS -I --parallel --parallel-max 50 --cacert "$ca" --resolve "$resolve" \
        -K "$work/urls.cfg" >"$work/parallel.out" 2>&1 || true
    elapsed "$t0" "$(now)" >>"$work/t_par"
    echo >>"$work/t_par"
    par_ok=$(grep -o 'HTTP/1.1 200' "$work/parallel.out" | wc -l)
    [ "$par_ok" = "$n" ] || break
done
t_pm3k=$(median <"$work/t_pm3k")
t_par=$(median <"$work/t_par")

t0=$(now)
while read -r url; do
    curl -sS -I --cacert "$ca" --resolve "$resolve" "$url"
done <"$work/urls.txt" >"$work/loop.out" 2>&1
t_loop=$(elapsed "$t0" "$(now)")
loop_ok=$(grep -o 'HTTP/1.1 200' "$work/loop.out" | wc -l)

printf '%-44s %8s s  %6s URLs/s  %s/%s answered 200\n' "pm3k probe --format ndjson -" \
    "$t_pm3k" "$(echo "$n $t_pm3k" | awk '{printf "%.0f", $1 / $2}')" "$pass" "$n"
printf '%-44s %8s s  %6s URLs/s  %s/%s answered 200\n' "curl -sS -I loop (one process per URL)" \
    "$t_loop" "$(echo "$n $t_loop" | awk '{printf "%.0f", $1 / $2}')" "$loop_ok" "$n"
printf '%-44s %8s s  %6s URLs/s  %s/%s answered 200\n' "curl -sS -I --parallel --parallel-max 50" \
    "$t_par" "$(echo "$n $t_par" | awk '{printf "%.0f", $1 / $2}')" "$par_ok" "$n"
echo "pm3k runs (s):           $(tr '\n' ' ' <"$work/t_pm3k")"
echo "curl --parallel runs (s): $(tr '\n' ' ' <"$work/t_par")"
ratio() { echo "$1 $2" | awk '{printf "%.2fx", $1 / $2}'; }
echo "pm3k vs curl loop:       $(ratio "$t_loop" "$t_pm3k") (target >= 10x)"
echo "pm3k vs curl --parallel: $(ratio "$t_par" "$t_pm3k") (target >= 1x)"
[ "$pass" = "$n" ] && [ "$loop_ok" = "$n" ] && [ "$par_ok" = "$n" ] ||
    { echo "error: not every URL answered 200; the numbers are not comparable" >&2; exit 1; }
