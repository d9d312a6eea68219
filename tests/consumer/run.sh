#!/bin/sh
# Install the build tree into a temporary prefix, then build docs/example.c
# against it three ways (pkg-config shared, pkg-config static, CMake
# find_package) and run each build on a fresh index.
# usage: run.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/sou-consumer-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(find "$prefix" -maxdepth 3 -type d -name pkgconfig | head -n 1)
libdir=${libdir%/pkgconfig}
export PKG_CONFIG_PATH="$libdir/pkgconfig"

check_run() {
    # $1: program; the index must find the Chinese sub-word and the phrase.
    out=$("$1" "$work/index-$2" '阿里' '"online shopping"' 'title:cloud')
    printf '%s\n' "$out"
    printf '%s\n' "$out" | grep -q '^阿里: 2 of about 2$'
    printf '%s\n' "$out" | grep -q '^"online shopping": 1 of about 1$'
    printf '%s\n' "$out" | grep -q '1\. a2 '
}

# pkg-config's flags are meant to be split into words.
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror "$src/docs/example.c" $(pkg-config --cflags --libs sou) \
    -o "$work/example-shared"
LD_LIBRARY_PATH="$libdir" check_run "$work/example-shared" shared
# The shared library carries its SONAME.
objdump -p "$libdir/libsou.so" | grep -q 'SONAME *libsou\.so\.[0-9]'

# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror "$src/docs/example.c" \
    $(pkg-config --cflags sou) "$libdir/libsou.a" $(pkg-config --static --libs-only-l sou | sed 's/-lsou//') \
    -o "$work/example-static"
check_run "$work/example-static" static

cmake -S "$src/tests/consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DEXAMPLE_SOURCE="$src/docs/example.c" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
LD_LIBRARY_PATH="$libdir" check_run "$work/cmake-build/example" cmake
echo "consumer: pkg-config shared, pkg-config static and find_package(sou) builds pass"
