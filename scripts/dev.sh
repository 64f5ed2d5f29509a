#!/bin/sh
# pm3k developer entry point (the README's two commands use it).
#
#   scripts/dev.sh demo           install what is missing, build, make the test
#                                 media and probe it (the main job)
#   scripts/dev.sh test           install what is missing, build, run the whole suite
#   scripts/dev.sh test-sanitize  the suite again, built with ASan + UBSan
#   scripts/dev.sh fuzz [SECONDS] build the libFuzzer targets with clang and run each
#   scripts/dev.sh install [PREFIX]  build a release and install pm3k, its man pages
#                                 and shell completions (default PREFIX /usr/local)
#   scripts/dev.sh deps           only install missing Debian packages
#
# Build folders: build/ (tests), build-release/ (demo), build-asan/, build-fuzz/.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)

# Debian 12 packages: build, test and fixture needs. libmicrohttpd-dev builds
# the PM3K emulator (tests/servers/pm3k_emu.c); faketime moves the client's
# clock in the post and status tests; parallel runs clients side by side; jq
# reads the emulator's answers in tests/scripts. Not here: Node.js >= 20 for
# the S3 server (tests/s3): Debian 12's nodejs is 18, so it comes from
# NodeSource or similar; without it the S3 tests skip and say so.
PACKAGES="cmake make gcc pkg-config libc6-dev
libavformat-dev libavcodec-dev libavutil-dev libvips-dev libcurl4-openssl-dev libcjson-dev
libsqlite3-dev zlib1g-dev libcmocka-dev ffmpeg libvips-tools python3 python3-jsonschema
nginx-light libnginx-mod-http-echo openssl curl ca-certificates
libmicrohttpd-dev faketime parallel jq
clang libclang-rt-14-dev"

deps() {
    missing=""
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "dev.sh: installing:$missing"
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 || {
            echo "error: missing packages:$missing; run as root or install sudo" >&2
            exit 2
        }
        sudo=sudo
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
    # shellcheck disable=SC2086
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

configure_build() { # DIR CMAKE-ARGS...
    dir=$1
    shift
    cmake -S "$root" -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
}

run_suite() { # DIR
    ctest --test-dir "$1" -j"$jobs" --output-on-failure --timeout 900
}

cmd=${1:-help}
case $cmd in
deps) deps ;;
demo)
    deps
    configure_build build-release -DCMAKE_BUILD_TYPE=Release -DPM3K_TESTS=OFF
    testdata/gen.sh build-release/testdata
    echo
    echo "\$ pm3k probe build-release/testdata"
    set +e
    build-release/pm3k probe build-release/testdata
    rc=$?
    set -e
    echo
    echo "exit status $rc (1 = some files fail the rules, as this test data is meant to)"
    echo "pm3k is $root/build-release/pm3k; 'scripts/dev.sh install' puts it on PATH"
    [ "$rc" -le 1 ]
    ;;
install)
    deps
    configure_build build-release -DCMAKE_BUILD_TYPE=Release -DPM3K_TESTS=OFF
    cmake --install build-release --prefix "${2:-/usr/local}"
    echo "installed ${2:-/usr/local}/bin/pm3k"
    ;;
test)
    deps
    configure_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    run_suite build
    ;;
test-sanitize)
    deps
    configure_build build-asan -DCMAKE_BUILD_TYPE=Debug -DPM3K_SANITIZE=ON
    ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" \
        LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
        run_suite build-asan
    ;;
fuzz)
    deps
    seconds=${2:-30}
    configure_build build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DPM3K_FUZZ=ON \
        -DPM3K_FUZZ_SECONDS="$seconds"
    LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0" \
        ctest --test-dir build-fuzz -R '^fuzz/' -j"$jobs" --output-on-failure
    ;;
*)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    [ "$cmd" = help ] || exit 2
    ;;
esac
