#!/bin/sh
# A full disk: sou index writes onto a small tmpfs until it is full. The
# message must give the system's reason, the exit status must be 1, the
# summary must count exactly the documents the index holds afterwards, and
# the index must still open and answer at its last commit.
# Usage: diskfull.sh SOU_BINARY WORK_DIR
# Mounting needs root, or a user namespace (unshare -rm); where neither
# works the test says so and passes.
set -u

SOU=$1
WORK=$2

# Not root: try a private mount namespace of our own.
if [ "$(id -u)" -ne 0 ] && [ -z "${SOU_DISKFULL_NS:-}" ] && command -v unshare >/dev/null 2>&1 &&
    unshare -rm true 2>/dev/null; then
    SOU_DISKFULL_NS=1 exec unshare -rm sh "$0" "$@"
fi

rm -rf "$WORK"
mkdir -p "$WORK/mnt" || exit 1
MNT=$WORK/mnt
if ! mount -t tmpfs -o size=8m tmpfs "$MNT" 2>"$WORK/mount-err"; then
    echo "diskfull: SKIPPED: cannot mount a tmpfs here ($(cat "$WORK/mount-err")); run as root" \
        "or where unshare -rm works to test a full disk"
    rm -rf "$WORK"
    exit 0
fi
cleanup() {
    umount "$MNT" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

failures=0
checks=0
fail() {
    failures=$((failures + 1))
    echo "FAIL: $*" >&2
    echo "--- stderr of sou index:" >&2
    cat "$WORK/err" >&2
}
check() {
    checks=$((checks + 1))
    what=$1
    shift
    "$@" || fail "$what"
}

# gen N: N JSON lines, ids d000000.. in order, 80 words each from 3000.
gen() {
    awk -v n="$1" 'BEGIN {
        srand(7);
        for (i = 0; i < n; i++) {
            printf "{\"id\": \"d%06d\", \"title\": \"document %d\", \"body\": \"", i, i;
            for (j = 0; j < 80; j++)
                printf "w%d ", int(rand() * 3000);
            print "\"}";
        }
    }'
}

no_stray_lines() {
    ! grep -v -e '^sou: ' -e '^indexed ' "$WORK/err"
}
no_class_names() {
    ! grep -E -q '[A-Za-z]+Error' "$WORK/err"
}

# The N of the summary "indexed N documents (...)", and of sou stats.
summary_count() {
    sed -n 's/^indexed \([0-9][0-9]*\) documents\{0,1\} (.*/\1/p' "$WORK/err"
}
stats_count() {
    "$SOU" -d "$1" stats 2>>"$WORK/err" | sed -n 's/^documents: *\([0-9][0-9]*\)$/\1/p'
}

# scenario LABEL DB COMMIT_ARGS...: index $WORK/input.jsonl into DB on the
# full disk and check what a user is told against what the index holds.
scenario() {
    label=$1
    db=$2
    shift 2
    "$SOU" -d "$db" index "$@" --jsonl "$WORK/input.jsonl" 2>"$WORK/err"
    status=$?
    check "$label: exit status $status, expected 1" [ "$status" -eq 1 ]
    check "$label: no 'No space left on device' in the message" \
        grep -q 'No space left on device' "$WORK/err"
    check "$label: a message without 'sou: '" no_stray_lines
    check "$label: a Xapian class name reached the user" no_class_names
    check "$label: the summary does not say what was lost" \
        grep -q '^indexed [0-9]* documents\{0,1\} (0 skipped, [1-9][0-9]* lost to the failure)' \
        "$WORK/err"
    n=$(summary_count)
    have=$(stats_count "$db")
    check "$label: summary says '$n' documents, the index holds '$have'" \
        [ "${n:-none}" = "${have:-unknown}" ]
    echo "diskfull: $label: $(grep '^indexed ' "$WORK/err"); index holds $have"
    [ -n "$n" ] || return
    # The committed documents are the first n, in order, whole; the next is absent.
    if [ "$n" -gt 0 ]; then
        last=$(printf 'd%06d' $((n - 1)))
        checks=$((checks + 1))
        if ! "$SOU" -d "$db" get "$last" >"$WORK/doc" 2>>"$WORK/err" ||
            ! grep -q "^title: document $((n - 1))\$" "$WORK/doc"; then
            fail "$label: last committed document $last not whole"
        fi
        checks=$((checks + 1))
        if ! "$SOU" -d "$db" search --json "\"document $((n - 1))\"" >"$WORK/hits" 2>>"$WORK/err" ||
            ! grep -q "\"id\": \"$last\"" "$WORK/hits"; then
            fail "$label: $last not searchable"
        fi
    fi
    checks=$((checks + 1))
    if "$SOU" -d "$db" get "$(printf 'd%06d' "$n")" >/dev/null 2>&1; then
        fail "$label: a document past the last commit is visible"
    fi
    if command -v xapian-check >/dev/null 2>&1; then
        checks=$((checks + 1))
        xapian-check "$db" >"$WORK/check" 2>&1 || {
            cat "$WORK/check" >&2
            fail "$label: xapian-check found errors"
        }
    fi
}

gen 20000 >"$WORK/input.jsonl" || exit 1

# Several commits succeed, then the disk fills: the last commits survive.
scenario "commit every 200" "$MNT/db1" --commit-every 200
n1=$(summary_count)
check "commit every 200: nothing committed before the disk filled ('$n1')" [ "${n1:-0}" -gt 0 ]
rm -rf "$MNT/db1"

# One batch larger than the disk: nothing is committed, the index is empty
# but opens.
gen 3000 >"$WORK/input.jsonl" || exit 1
scenario "one commit" "$MNT/db2"
check "one commit: documents reported committed" [ "$(summary_count)" = 0 ]

echo "diskfull: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
