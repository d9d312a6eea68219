#!/bin/sh
# Scaling out with Xapian's own remote backend: one shard served by
# xapian-tcpsrv on the loopback interface, one local, joined by a stub file
# and searched through the sou command as one read-only index; remote shards
# only with --allow-remote, a shard down with and without --partial, and
# shards with other analyzer settings refused.
# usage: run.sh SOU XAPIAN_TCPSRV WORK_DIR [REOPEN]
# REOPEN: the reader of reopen.c, for a server stopped under an open index.
set -u
sou=$1
tcpsrv=$2
work=$3
reopen=${4:-}
rm -rf "$work"
mkdir -p "$work"
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

. "$(dirname "$0")/serve.sh"
trap cleanup EXIT INT TERM

serve "37411 38417 39423 40429 41431" "$work/far"
far_port=$port
far_pid=$spid
check "xapian-tcpsrv listening" "${port:+yes}" "yes"
printf 'auto %s\nremote 127.0.0.1:%s\n' "$work/near" "$far_port" >"$work/stub"

ids() {
    "$sou" --allow-remote "$@" search --json --limit 10 -- "$q" 2>"$work/err" |
        tr ',' '\n' | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' | sort | tr '\n' ' '
}
q=lanterns
check "English across shards" "$(ids -d "$work/stub")" "far-1 near-1 "
q=灯笼
check "Chinese across shards" "$(ids -d "$work/stub")" "far-1 near-1 "
q=snow
check "one shard only" "$(ids -d "$work/stub")" "far-2 "
check "count" "$("$sou" --allow-remote -d "$work/stub" stats --json | tr ',' '\n' | sed -n 's/.*"documents": *\([0-9]*\).*/\1/p')" "4"
"$sou" -d "$work/stub" index --jsonl "$work/near.jsonl" 2>"$work/err"
check "stub with a remote shard is not written" "$? $(grep -c "shard '127.0.0.1:$far_port' is remote" "$work/err")" "1 1"

# Remote shards only when asked for: a path never opens a connection alone.
"$sou" -d "$work/stub" search lanterns >"$work/out" 2>"$work/err"
check "remote refused without --allow-remote" "$? $(grep -c -e '--allow-remote' "$work/err")" "1 1"
check "nothing printed when refused" "$(wc -c <"$work/out" | tr -d ' ')" "0"
printf 'remote :/usr/bin/touch %s/pwned\n' "$work" >"$work/prog.stub"
"$sou" --allow-remote -d "$work/prog.stub" stats >/dev/null 2>"$work/err"
check "program form refused even when remote is allowed" \
    "$? $(grep -c 'running a program' "$work/err") $([ -e "$work/pwned" ] && echo ran)" "1 1 "

# Shards built with other analyzer settings are refused by name, also when
# the odd one is remote.
"$sou" -d "$work/odd" index --cjk words --jsonl "$work/far.jsonl" 2>/dev/null
serve "37413 38419 39425 40431 41433" "$work/odd"
odd_port=$port
check "second xapian-tcpsrv listening" "${port:+yes}" "yes"
printf 'auto %s\nremote 127.0.0.1:%s\n' "$work/near" "$odd_port" >"$work/odd.stub"
"$sou" --allow-remote -d "$work/odd.stub" search lanterns >/dev/null 2>"$work/err"
check "other settings refused, shard named" \
    "$? $(grep -c "shard '127.0.0.1:$odd_port' differs" "$work/err") $(grep -c 'sou.analyzer.cjk' "$work/err")" \
    "1 1 1"

# A server stopped under an open reader: searches fail with SOU_EIO (-4)
# naming the shard; reopening goes on with the shards that are up.
if [ -n "$reopen" ]; then
    "$reopen" "$work/stub" lanterns "kill -TERM -$far_pid; sleep 0.3" >"$work/reopen.out" 2>&1
    check "reader: both shards before" "$(grep -c '^before rc=0 hits=2 missing=0$' "$work/reopen.out")" "1"
    check "reader: shard down is SOU_EIO naming it" \
        "$(grep -c "^after rc=-4 .*127.0.0.1:$far_port" "$work/reopen.out")" "1"
    check "reader: reopen leaves the shard out" "$(grep -c '^reopen rc=0 hits=0 missing=1$' "$work/reopen.out")" "1"
    check "reader: the shard up answers" "$(grep -c '^reopened rc=0 hits=1 missing=1$' "$work/reopen.out")" "1"
fi

# A shard down: an error naming it, at once; with --partial the shards that
# are up answer and the missing one is reported.
stop "$far_pid"
check "far server stopped" "$(kill -0 "$far_pid" 2>/dev/null || echo yes)" "yes"
start=$(date +%s)
"$sou" --allow-remote -d "$work/stub" search lanterns >/dev/null 2>"$work/err"
status=$?
elapsed=$(($(date +%s) - start))
check "shard down fails" "$status $(grep -c "127.0.0.1:$far_port" "$work/err")" "1 1"
check "shard down fails within the connect timeout" "$([ "$elapsed" -le 3 ] && echo yes)" "yes"
q=lanterns
check "--partial answers from the shards up" "$(ids --partial -d "$work/stub")" "near-1 "
check "--partial warns about the missing shard" \
    "$(grep -c "shard left out: shard '127.0.0.1:$far_port'" "$work/err")" "1"
check "stats lists the missing shard" \
    "$("$sou" --allow-remote --partial -d "$work/stub" stats --json 2>/dev/null | tr -d ' \n' |
        sed -n 's/.*"shards":2,"shards_missing":\["\([^"]*\)"\].*/\1/p')" "127.0.0.1:$far_port"
"$sou" --allow-remote --partial -d "$work/stub" stats >"$work/out" 2>/dev/null
check "stats human" "$(grep -c '^shards: *2 (1 missing)$' "$work/out")" "1"
printf 'remote 127.0.0.1:%s\n' "$far_port" >"$work/down.stub"
"$sou" --allow-remote --partial -d "$work/down.stub" search lanterns >/dev/null 2>"$work/err"
check "--partial with no shard up fails" "$? $(grep -c 'none of the 1 shards' "$work/err")" "1 1"
"$sou" --allow-remote --connect-timeout 0 -d "$work/stub" stats >/dev/null 2>&1
check "--connect-timeout 0 is a usage error" "$?" "2"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
