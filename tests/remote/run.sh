#!/bin/sh
# Scaling out with Xapian's own remote backend: one shard served by
# xapian-tcpsrv on the loopback interface, one local, joined by a stub file
# and searched through the sou command as one read-only index.
# usage: run.sh SOU XAPIAN_TCPSRV WORK_DIR
set -u
sou=$1
tcpsrv=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill -TERM -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
passed=0
failed=0
check() {
    if [ "$2" = "$3" ]; then
        passed=$((passed + 1))
        echo "ok   $1"
    else
        failed=$((failed + 1))
        echo "FAIL $1: got '$2', expected '$3'"
    fi
}

printf '%s\n' '{"id": "near-1", "body": "Lanterns over the river. 河边的灯笼。"}' \
    '{"id": "near-2", "body": "A quiet harbour at dawn."}' >"$work/near.jsonl"
printf '%s\n' '{"id": "far-1", "body": "The river market sells paper lanterns. 夜市卖纸灯笼。"}' \
    '{"id": "far-2", "body": "Snow on the mountain pass."}' >"$work/far.jsonl"
"$sou" -d "$work/near" index --jsonl "$work/near.jsonl" 2>/dev/null
"$sou" -d "$work/far" index --jsonl "$work/far.jsonl" 2>/dev/null

# A free port on the loopback interface: try a few until the server stays up.
port=
for p in 37411 38417 39423 40429 41431; do
    # In a session of its own: on SIGTERM the server signals its whole
    # process group, which must not be ours.
    setsid "$tcpsrv" --interface 127.0.0.1 --port "$p" --quiet "$work/far" >"$work/srv.log" 2>&1 &
    pid=$!
    sleep 0.5
    if kill -0 "$pid" 2>/dev/null; then
        port=$p
        break
    fi
    pid=
done
check "xapian-tcpsrv listening" "${port:+yes}" "yes"
printf 'auto %s\nremote 127.0.0.1:%s\n' "$work/near" "$port" >"$work/stub"

ids() {
    "$sou" --allow-remote -d "$work/stub" search --json --limit 10 -- "$1" |
        tr ',' '\n' | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' | sort | tr '\n' ' '
}
check "English across shards" "$(ids lanterns)" "far-1 near-1 "
check "Chinese across shards" "$(ids 灯笼)" "far-1 near-1 "
check "one shard only" "$(ids snow)" "far-2 "
check "count" "$("$sou" --allow-remote -d "$work/stub" stats --json | tr ',' '\n' | sed -n 's/.*"documents": *\([0-9]*\).*/\1/p')" "4"
"$sou" -d "$work/stub" index --jsonl "$work/near.jsonl" 2>"$work/err"
check "stub is read-only" "$? $(grep -c 'read-only' "$work/err")" "1 1"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
