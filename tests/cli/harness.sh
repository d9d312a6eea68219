# harness.sh: what the sou command's end-to-end tests share, sourced by
# run.sh and filter.sh after they set SOU (the binary) and TMP (a work
# directory, made afresh). run EXPECTED_STATUS ARGS... runs sou with stdout
# in $OUT and stderr in $ERR, counting checks and failures.

unset SOU_DB NO_COLOR
rm -rf "$TMP"
mkdir -p "$TMP" || exit 1
DB=$TMP/db
OUT=$TMP/out
ERR=$TMP/err
failures=0
checks=0
last_ok=1

fail() {
    failures=$((failures + 1))
    echo "FAIL: $*" >&2
    echo "--- stdout:" >&2
    cat "$OUT" >&2
    echo "--- stderr:" >&2
    cat "$ERR" >&2
}

# run EXPECTED_STATUS ARGS...: runs sou, keeps stdout in $OUT and stderr in
# $ERR; 1 (and a failure) when the status is not the one expected.
run() {
    expected=$1
    shift
    checks=$((checks + 1))
    "$SOU" "$@" >"$OUT" 2>"$ERR"
    status=$?
    last_ok=1
    if [ "$status" -ne "$expected" ]; then
        fail "sou $* exited $status, expected $expected"
        last_ok=0
        return 1
    fi
    return 0
}
