#!/bin/sh
# Runs each libFuzzer target of a SOU_FUZZ build for SECONDS, from its seed
# corpus and the inputs that once failed, and fails on any crash, leak,
# timeout or sanitizer report. New inputs collect in BUILD/fuzz-corpus/NAME
# (kept between runs); a failing input is saved in BUILD/fuzz-artifacts/NAME.
# usage: run.sh FUZZ_BUILD_DIR SECONDS [NAME...]
set -u
build=$1
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
bins=$build/tests/fuzz

if [ $# -eq 0 ]; then
    for b in "$bins"/fuzz_*; do
        [ -x "$b" ] && set -- "$@" "${b##*/fuzz_}"
    done
fi
if [ $# -eq 0 ]; then
    echo "run.sh: no fuzz targets in $bins (configure with SOU_FUZZ=ON)" >&2
    exit 2
fi

# A sanitizer report ends the run with a non-zero status; leaks count.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

failed=0
for name in "$@"; do
    bin=$bins/fuzz_$name
    corpus=$build/fuzz-corpus/$name
    artifacts=$build/fuzz-artifacts/$name
    log=$build/fuzz-$name.log
    mkdir -p "$corpus" "$artifacts"
    set -- -max_total_time="$seconds" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts/"
    [ -f "$here/$name.dict" ] && set -- "$@" -dict="$here/$name.dict"
    # The CLI's reader reports every bad line on stderr; libFuzzer and the
    # sanitizers keep their own copy of it.
    [ "$name" = jsonl ] && set -- "$@" -close_fd_mask=2
    set -- "$@" "$corpus" "$here/corpus/$name"
    [ -d "$here/regress/$name" ] && set -- "$@" "$here/regress/$name"
    "$bin" "$@" >"$log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    if [ "$status" -ne 0 ] || grep -q -e 'ERROR: [A-Za-z]*Sanitizer' -e 'runtime error:' "$log"; then
        failed=1
        echo "FAIL fuzz_$name (status $status): the last lines of $log:"
        tail -n 60 "$log"
        ls "$artifacts" | sed "s|^|  input saved: $artifacts/|"
    else
        echo "ok   fuzz_$name: ${execs:-?} executions in $seconds s (${rate:-?}/s), corpus $(ls "$corpus" | wc -l) inputs"
    fi
done
exit "$failed"
