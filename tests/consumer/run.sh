#!/bin/sh
# Install the build tree into a temporary prefix and move the prefix
# elsewhere, as a user unpacking it would; then run the installed sou from
# there and build docs/example.c against it four ways (pkg-config shared
# and static, CMake find_package with sou::sou and sou::sou_static), each
# build indexing and searching a fresh index.
# usage: run.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/sou-consumer-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
unset LD_LIBRARY_PATH SOU_DB

cmake --install "$build" --prefix "$work/staged" >/dev/null
mv "$work/staged" "$work/prefix"
prefix=$work/prefix
libdir=$(find "$prefix" -maxdepth 3 -type d -name pkgconfig | head -n 1)
libdir=${libdir%/pkgconfig}
export PKG_CONFIG_PATH="$libdir/pkgconfig"

# The installed command starts from the moved prefix: no ldconfig, no
# LD_LIBRARY_PATH. It indexes and finds a document.
"$prefix/bin/sou" --version | grep -q '^sou [0-9]'
printf '{"id": "n1", "title": "Notes", "body": "lanterns along the river 河边的灯笼"}\n' \
    >"$work/notes.jsonl"
"$prefix/bin/sou" -d "$work/cli-index" index --jsonl "$work/notes.jsonl" 2>/dev/null
"$prefix/bin/sou" -d "$work/cli-index" search --json 灯笼 >"$work/cli-out"
grep -q '"id": *"n1"' "$work/cli-out"

# The exported targets name imported targets and libraries, never a path
# of the machine that built them.
if grep -n -E '(INTERFACE|IMPORTED)_[A-Z_]* +"(/|[^"]*;/)' "$libdir"/cmake/sou/souTargets*.cmake; then
    echo "consumer: an absolute path in the exported targets" >&2
    exit 1
fi

check_run() {
    # $1: program; the index must find the Chinese sub-word and the phrase.
    out=$("$1" "$work/index-$2" '阿里' '"online shopping"' 'title:cloud')
    printf '%s\n' "$out"
    printf '%s\n' "$out" | grep -q '^阿里: 2 of about 2$'
    printf '%s\n' "$out" | grep -q '^"online shopping": 1 of about 1$'
    printf '%s\n' "$out" | grep -q '1\. a2 '
}
# $1: program, $2: 1 if it must load libsou.so, 0 if it must not.
check_linked() {
    if readelf -d "$1" | grep -q 'NEEDED.*libsou\.so'; then got=1; else got=0; fi
    if [ "$got" -ne "$2" ]; then
        echo "consumer: $1 linked the wrong libsou (shared: $got)" >&2
        exit 1
    fi
}

# pkg-config's flags are meant to be split into words.
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror "$src/docs/example.c" $(pkg-config --cflags --libs sou) \
    -o "$work/example-shared"
check_linked "$work/example-shared" 1
LD_LIBRARY_PATH="$libdir" check_run "$work/example-shared" shared
# The shared library carries its SONAME.
objdump -p "$libdir/libsou.so" | grep -q 'SONAME *libsou\.so\.[0-9]'

# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror "$src/docs/example.c" \
    $(pkg-config --cflags sou) "$libdir/libsou.a" $(pkg-config --static --libs-only-l sou | sed 's/-lsou//') \
    -o "$work/example-static"
check_linked "$work/example-static" 0
check_run "$work/example-static" static

# A C-only CMake project; CMake's build RPATH finds the shared library.
cmake -S "$src/tests/consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DEXAMPLE_SOURCE="$src/docs/example.c" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
check_linked "$work/cmake-build/example_shared" 1
check_run "$work/cmake-build/example_shared" cmake-shared
check_linked "$work/cmake-build/example_static" 0
check_run "$work/cmake-build/example_static" cmake-static
echo "consumer: sou from a moved prefix, pkg-config shared and static, sou::sou and sou::sou_static pass"
