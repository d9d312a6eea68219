#!/bin/sh
# What the sou command opens: an index directory as itself only, a stub file
# under sou's rules, never a program; messages that give the cause.
# Usage: open.sh SOU_BINARY TEMP_DIR
set -u

SOU=$1
TMP=$2
unset SOU_DB
rm -rf "$TMP"
mkdir -p "$TMP" || exit 1
cd "$TMP" || exit 1
failures=0
checks=0

# expect LABEL STATUS PATTERN ARGS...: sou ARGS exits STATUS, stderr matches PATTERN.
expect() {
    label=$1
    want=$2
    pattern=$3
    shift 3
    checks=$((checks + 1))
    "$SOU" "$@" >out 2>err
    got=$?
    if [ "$got" -ne "$want" ] || { [ -n "$pattern" ] && ! grep -q -e "$pattern" err; }; then
        failures=$((failures + 1))
        echo "FAIL $label: exit $got (expected $want), stderr:" >&2
        cat err >&2
    fi
}
nothing_ran() {
    checks=$((checks + 1))
    if [ -e pwned ]; then
        failures=$((failures + 1))
        echo "FAIL $1: a program ran" >&2
        rm -f pwned
    fi
}

# A directory holding only a hostile stub is no index, and runs nothing.
mkdir -p d && printf 'remote :/usr/bin/touch pwned\n' >d/XAPIANDB
expect "hostile XAPIANDB alone" 1 "not an index" -d d search x
nothing_ran "hostile XAPIANDB alone"
expect "hostile XAPIANDB, allowed remote" 1 "not an index" --allow-remote -d d stats
nothing_ran "hostile XAPIANDB, allowed remote"

# An index with a hostile XAPIANDB inside opens as the index.
printf '{"id": "1", "body": "lanterns by the river"}\n' >doc.jsonl
"$SOU" -d idx index --jsonl doc.jsonl 2>/dev/null
printf 'remote :/usr/bin/touch pwned\n' >idx/XAPIANDB
expect "index with hostile XAPIANDB" 0 "" -d idx search lanterns
checks=$((checks + 1))
grep -q '^1' out || { failures=$((failures + 1)); echo "FAIL search hit: $(cat out)" >&2; }
expect "index with hostile XAPIANDB, writing" 0 "" -d idx index --jsonl doc.jsonl
nothing_ran "index with hostile XAPIANDB"

# A stub naming itself fails with a message instead of crashing.
printf 'auto loop.stub\n' >loop.stub
expect "self-cycle" 1 "stub cycle" -d loop.stub stats
printf 'remote :/usr/bin/touch pwned\n' >prog.stub
expect "program form" 1 "running a program" --allow-remote -d prog.stub stats
nothing_ran "program form"
printf 'remote 127.0.0.1:9\n' >remote.stub
expect "remote needs --allow-remote" 1 "--allow-remote" -d remote.stub stats

# Messages with the cause.
printf 'shopping: eggs\n' >notes.txt
expect "ordinary file" 1 "is not an index" -d notes.txt stats
expect "missing parent" 1 "No such file or directory" -d no/such/idx index --jsonl doc.jsonl
# An index the user may not read (root may read anything: ask as nobody).
mkdir locked && cp -r idx/. locked/ && chmod 000 locked
if [ "$(id -u)" -ne 0 ]; then
    expect "unreadable index" 1 "Permission denied" -d locked stats
elif command -v setpriv >/dev/null &&
    setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$TMP"; then
    checks=$((checks + 1))
    setpriv --reuid=65534 --regid=65534 --clear-groups "$SOU" -d "$TMP/locked" stats 2>err
    if [ $? -ne 1 ] || ! grep -q "cannot open index '$TMP/locked': Permission denied" err; then
        failures=$((failures + 1))
        echo "FAIL unreadable index: $(cat err)" >&2
    fi
fi
chmod 700 locked
expect "bad --connect-timeout" 2 "connect-timeout" --connect-timeout x -d idx stats

cd / && rm -rf "$TMP"
echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
