#!/bin/sh
# A collection written through a stub of three shards, two of them then
# served by xapian-tcpsrv on the loopback interface and one local, answers
# as a single index of the same documents would: the same ids in the same
# order with the same scores (compare.c). Replacing and deleting through the
# stub find a document's shard again; a stub that lists the shards in
# another order is refused for writing. A server killed in the middle of a
# run of searches makes them fail naming the shard, never crash or hang, and
# --partial then answers from the shards still up.
# usage: sharded.sh SOU XAPIAN_TCPSRV COMPARE WORK_DIR
set -u
sou=$1
tcpsrv=$2
compare=$3
work=$4
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

ndocs=300
# ndocs documents of varied length and wording, English, Chinese and both:
# more than the 100 best matches that proximity ranks again.
awk -v ndocs="$ndocs" 'BEGIN {
    split("river lantern market harbour mountain paper night bridge winter tea", en, " ");
    split("灯笼 河边 夜市 港口 山路 纸 桥 冬天 茶馆 市场", zh, " ");
    for (i = 1; i <= ndocs; i++) {
        body = "";
        n = 3 + (i * 7) % 11;
        for (k = 0; k < n; k++) {
            w = (i * 3 + k * k + (k > 2 ? i % 5 : 0)) % 10 + 1;
            if ((i + k) % 3 == 0)
                body = body zh[w];
            else
                body = body (body == "" ? "" : " ") en[w];
        }
        if (i % 4 == 0)
            body = body " paper lanterns over the river";
        if (i % 9 == 0)
            body = body " 河边的灯笼在夜市里";
        printf "{\"id\": \"doc-%03d\", \"title\": \"%s %s\", \"body\": \"%s\"}\n",
            i, en[i % 10 + 1], zh[(i * 7) % 10 + 1], body;
    }
}' >"$work/docs.jsonl"

"$sou" -d "$work/single" index --jsonl "$work/docs.jsonl" 2>/dev/null
check "single index" "$?" "0"
printf 'auto a\nauto b\nauto c\n' >"$work/write.stub"
"$sou" -d "$work/write.stub" index --jsonl "$work/docs.jsonl" 2>/dev/null
check "written through the stub" "$?" "0"
count() {
    "$sou" "$@" stats --json 2>/dev/null | tr ',' '\n' | sed -n 's/.*"documents": *\([0-9]*\).*/\1/p'
}
na=$(count -d "$work/a")
nb=$(count -d "$work/b")
nc=$(count -d "$work/c")
check "all documents, once" "$((na + nb + nc))" "$ndocs"
check "every shard holds some" "$([ "$na" -gt 20 ] && [ "$nb" -gt 20 ] && [ "$nc" -gt 20 ] && echo yes)" "yes"

# The same documents again replace themselves; a deletion finds its shard.
"$sou" -d "$work/write.stub" index --jsonl "$work/docs.jsonl" 2>/dev/null
check "indexing again replaces" "$(count -d "$work/write.stub")" "$ndocs"
printf '%s\n' '{"id": "doc-gone", "body": "a lantern to delete"}' >"$work/gone.jsonl"
"$sou" -d "$work/write.stub" index --jsonl "$work/gone.jsonl" 2>/dev/null
"$sou" -d "$work/write.stub" delete doc-gone 2>/dev/null
check "delete through the stub" "$? $(count -d "$work/write.stub")" "0 $ndocs"
printf 'auto b\nauto a\nauto c\n' >"$work/swapped.stub"
"$sou" -d "$work/swapped.stub" index --jsonl "$work/gone.jsonl" >/dev/null 2>"$work/err"
check "shards in another order refused for writing" \
    "$? $(grep -c "was written as shard 2/3, and the stub lists it as 1/3" "$work/err")" "1 1"
printf 'auto a\nauto b\nauto c\nauto d\n' >"$work/more.stub"
"$sou" -d "$work/more.stub" index --jsonl "$work/gone.jsonl" >/dev/null 2>"$work/err"
check "another number of shards refused for writing" "$? $(grep -c 'index the documents again' "$work/err")" "1 1"

. "$(dirname "$0")/serve.sh"
trap cleanup EXIT INT TERM

serve "37451 38457 39463 40469 41471" "$work/b"
b_port=$port
serve "37453 38459 39465 40471 41473" "$work/c"
c_port=$port
c_pid=$spid
check "two servers listening" "${b_port:+yes} ${c_port:+yes}" "yes yes"
printf 'auto a\nremote 127.0.0.1:%s\nremote 127.0.0.1:%s\n' "$b_port" "$c_port" >"$work/read.stub"
check "stub counts the shards' documents" "$(count --allow-remote -d "$work/read.stub")" "$ndocs"

"$compare" "$work/single" "$work/read.stub" lantern 'river market' '"paper lanterns"' \
    灯笼 河边的灯笼 夜市 'lantern NOT river' 'title:harbour' 'mountain OR snow' '市场 lantern' \
    'who sells paper lanterns at the night market' 'lant*' '+tea bridge' 'paper lantern' >"$work/compare.out"
status=$?
cat "$work/compare.out"
check "sharded answers as the single index" \
    "$status $(grep -c '^ok ' "$work/compare.out")" "0 14"

# Kill one server in the middle of a run of searches.
i=0
: >"$work/statuses"
while [ $i -lt 30 ]; do
    [ $i -eq 10 ] && kill -KILL "$c_pid"
    "$sou" --allow-remote --connect-timeout 1000 -d "$work/read.stub" search lantern \
        >/dev/null 2>>"$work/kill.err"
    echo $? >>"$work/statuses"
    i=$((i + 1))
done
wait "$c_pid" 2>/dev/null
check "searches before the kill answer" "$(head -n 10 "$work/statuses" | sort -u | tr -d '\n')" "0"
check "searches after the kill fail cleanly" "$(tail -n 20 "$work/statuses" | sort -u | tr -d '\n')" "1"
# Named by HOST:PORT, in words: no C++ class name (NetworkError) in them.
check "the failure names the shard" \
    "$(grep -c "127.0.0.1:$c_port" "$work/kill.err") $(grep -c 'Error' "$work/kill.err")" "20 0"
ids() {
    "$sou" --allow-remote "$@" search --json --limit 200 -- lantern 2>/dev/null |
        tr ',' '\n' | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' | sort | tr '\n' ' '
}
printf 'auto a\nremote 127.0.0.1:%s\n' "$b_port" >"$work/up.stub"
check "--partial answers from the shards up" "$(ids --partial -d "$work/read.stub")" \
    "$(ids -d "$work/up.stub")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
