#!/bin/sh
# Golden tests of the sou command: stdout and exit status of each subcommand.
# Usage: run.sh SOU_BINARY TEMP_DIR [PYTHON]
set -u

SOU=$1
TMP=$2
PY=${3:-python3}
HERE=$(cd "$(dirname "$0")" && pwd)
FIXTURE=$HERE/docs.jsonl

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

# run EXPECTED_STATUS ARGS...: runs sou, keeps stdout in $OUT and stderr in $ERR.
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

# py LABEL CODE: runs CODE with the JSON of $OUT as `d`; CODE asserts.
# Skipped when the last run already failed.
py() {
    label=$1
    [ "$last_ok" -eq 1 ] || return
    checks=$((checks + 1))
    if ! "$PY" -c "import json, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
$2" "$OUT" 2>>"$ERR"; then
        fail "$label"
    fi
}

# search_ids LABEL EXPECTED_IDS QUERY_ARGS...: search $DB with --json and
# compare the hit ids, in order, with EXPECTED_IDS (space-separated).
search_ids() {
    label=$1
    want=$2
    shift 2
    run 0 -d "$DB" search --json "$@" || return
    got=$("$PY" -c 'import json, sys
print(" ".join(h["id"] for h in json.load(open(sys.argv[1], encoding="utf-8"))["hits"]))' "$OUT")
    if [ "$got" != "$want" ]; then
        fail "$label: search $* gave ids '$got', expected '$want'"
    fi
}

contains() {
    [ "$last_ok" -eq 1 ] || return
    checks=$((checks + 1))
    if ! grep -q -e "$2" "$3"; then
        fail "$1: '$2' not in $3"
    fi
}

# ---------------------------------------------------------------- help
run 0 --version && contains "version" '^sou [0-9][0-9.]*' "$OUT"
run 0 --help && contains "help" '^Usage: sou' "$OUT"
for cmd in tokenize index search get delete stats; do
    run 0 "$cmd" --help && contains "$cmd --help" "^Usage: sou.* $cmd" "$OUT"
done
run 2
run 2 frobnicate && contains "unknown command" "^sou: no command 'frobnicate'\$" "$ERR"
# A slip of the keyboard gets the command meant.
run 2 serch river && contains "did you mean" "^sou: no command 'serch'; did you mean 'search'?\$" "$ERR"
run 2 idnex x && contains "did you mean, swapped letters" "did you mean 'index'?" "$ERR"
run 2 -q stats && contains "unknown global option" "^sou: unknown option -q\$" "$ERR"
run 2 --db && contains "global option without argument" "^sou: option --db needs an argument\$" "$ERR"
run 2 tokenize --bogus-option

# ------------------------------------------------------------ tokenize
TEXT='Hello 世界, running FAST! 北京 3.14'
run 0 tokenize "$TEXT"
cat >"$TMP/expected" <<'EOF'
0  0-5  latin  hello
1  6-9  ideographic  世
1  6-12  ideographic  世界  +compound
2  9-12  ideographic  界
3  14-21  latin  running  -> run
4  22-26  latin  fast
5  28-31  ideographic  北
5  28-34  ideographic  北京  +compound
6  31-34  ideographic  京
7  35-39  number  3.14
EOF
checks=$((checks + 1))
cmp -s "$OUT" "$TMP/expected" || fail "tokenize human output differs"

run 0 tokenize --json "$TEXT"
py "tokenize --json spans" "
import unicodedata
text = '''$TEXT'''.encode('utf-8')
for t in d:
    piece = text[t['start']:t['end']].decode('utf-8')
    assert unicodedata.normalize('NFKC', piece).casefold() == t['term'], t
assert [t['term'] for t in d] == ['hello', '世', '世界', '界', 'running', 'fast', '北', '北京', '京', '3.14'], d
assert [t['pos'] for t in d] == [0, 1, 1, 2, 3, 4, 5, 5, 6, 7], d
assert [t['term'] for t in d if t.get('compound')] == ['世界', '北京'], d
assert [(t['term'], t['stem']) for t in d if 'stem' in t] == [('running', 'run')], d
assert {t['kind'] for t in d} == {'latin', 'ideographic', 'number'}, d
"

run 0 tokenize --json --cjk chars --no-stem 'running 世界'
py "tokenize --cjk chars --no-stem" "
assert [(t['term'], t['pos']) for t in d] == [('running', 0), ('世', 1), ('界', 2)], d
assert not any('stem' in t or 'compound' in t for t in d), d
"

# Bad bytes on standard input still give valid JSON with spans inside the input.
printf 'ok \377\376 fine 中文' >"$TMP/bad.txt"
checks=$((checks + 1))
last_ok=0
"$SOU" tokenize --json - <"$TMP/bad.txt" >"$OUT" 2>"$ERR" && last_ok=1 || fail "tokenize of bad UTF-8 failed"
py "tokenize bad UTF-8" "
assert [t['term'] for t in d if t['kind'] == 'latin'] == ['ok', 'fine'], d
assert all(0 <= t['start'] < t['end'] <= 17 for t in d), d
"
run 2 tokenize --cjk nonsense x

# ------------------------------------------------------------ no index
run 2 search river && contains "no index" "SOU_DB" "$ERR"
run 2 index --jsonl "$FIXTURE"
run 1 -d "$TMP/nothing-here" search river && contains "missing index" '^sou: ' "$ERR"

# --------------------------------------------------------------- index
# Lines 6 (malformed), 8 (no id) and 9 (not an object) are skipped; line 7 is blank.
run 1 -d "$DB" index --jsonl "$FIXTURE"
contains "bad JSON reported" 'docs.jsonl:6: ' "$ERR"
contains "missing id reported" 'docs.jsonl:8: ' "$ERR"
contains "non-object reported" 'docs.jsonl:9: ' "$ERR"
contains "summary" '^indexed 6 documents (3 skipped) in ' "$ERR"
run 2 -d "$DB" index --commit-every x --jsonl "$FIXTURE"

# A line with bytes that are not UTF-8 is indexed, with a warning, not lost.
printf '{"id": "latin1", "body": "caf\351 au lait"}\n' > "$TMP/latin1.jsonl"
run 0 -d "$TMP/db-latin1" index --jsonl "$TMP/latin1.jsonl"
contains "bad bytes reported" 'latin1.jsonl:1: 1 byte of invalid UTF-8 read as U+FFFD' "$ERR"
contains "bad-bytes line indexed" '^indexed 1 document (0 skipped)' "$ERR"
run 0 -d "$TMP/db-latin1" search --json lait
py "bad bytes searchable" 'assert [h["id"] for h in d["hits"]] == ["latin1"], d'

# -------------------------------------------------------------- search
search_ids "English stem" "en-river" herons
search_ids "English word" "en-bread" bread
search_ids "English phrase" "en-bread" '"baking bread"'
search_ids "Chinese word" "zh-tea" 绿茶
search_ids "Chinese word" "zh-city" 夜晚
search_ids "Chinese substring across words" "zh-tea" 茶的习
search_ids "mixed query" "mix-coffee" coffee 咖啡
search_ids "mixed query" "mix-coffee" morning 下午
search_ids "no hits" "" zebra
search_ids "sort by value" "mix-coffee en-bread en-river" --or --sort year river bread coffee
search_ids "sort ascending" "en-river en-bread mix-coffee" --or --sort year --ascending river bread coffee
search_ids "offset and limit" "en-bread" --or --sort year --limit 1 --offset 1 river bread coffee
search_ids "query starting with -" "en-river" -- -bread water
# An option after the query is an error, not a query word; after -- it is text.
run 2 -d "$DB" search river --json && contains "option after query" "option '--json' after the query" "$ERR"
search_ids "field query" "zh-tea" author:王小明

run 0 -d "$DB" search --json river
py "hit fields" "
assert d['query'] == 'river' and d['total'] == 1, d
h = d['hits'][0]
assert h['id'] == 'en-river' and h['rank'] == 1 and h['score'] > 0, h
assert h['title'] == 'A walk along the river' and h['author'] == 'Lin', h
assert '[river]' in h['snippet'], h
"
run 0 -d "$DB" search --json zebra
py "zero hits" "assert d['total'] == 0 and d['hits'] == [], d"

run 0 -d "$DB" search river
contains "human hit line" '^1\. en-river  ([0-9.]*)$' "$OUT"
contains "human title" '^   A walk along the river$' "$OUT"
contains "human snippet" 'quiet \[river\]' "$OUT"

run 2 -d "$DB" search -bread water
run 2 -d "$DB" search --limit x river
run 2 -d "$DB" search

# ------------------------------------------------------------ options
# getopt's own words never show: each message names sou and the command.
run 2 -d "$DB" search --bogus river &&
    contains "unknown long option" "^sou: search: unknown option --bogus\$" "$ERR"
contains "usage hint" "^Try 'sou search --help' for more information.\$" "$ERR"
run 2 -d "$DB" search -x river && contains "unknown short option" "^sou: search: unknown option -x\$" "$ERR"
run 2 -d "$DB" search --limt 3 river &&
    contains "long option slip" "^sou: search: unknown option --limt; did you mean --limit?\$" "$ERR"
run 2 -d "$DB" search --limit &&
    contains "missing argument" "^sou: search: option --limit needs an argument\$" "$ERR"
run 2 -d "$DB" search --json=yes river &&
    contains "argument not taken" "^sou: search: option --json takes no argument\$" "$ERR"
run 2 -d "$DB" search --e river &&
    contains "ambiguous option" "^sou: search: option --e is ambiguous: --explain, --exact-total\$" "$ERR"
run 2 -d "$DB" stats -d && contains "-d without a directory" "^sou: stats: option -d needs an argument\$" "$ERR"
run 2 get --frob x && contains "get: unknown option" "^sou: get: unknown option --frob\$" "$ERR"
checks=$((checks + 1))
grep -v -e '^sou: ' -e '^Try ' "$ERR" >"$TMP/stray" && fail "usage lines without 'sou: ': $(cat "$TMP/stray")"
# The index options work after the command as well as before it.
search_ids_after() {
    run 0 search --json "$@" || return
    got=$("$PY" -c 'import json, sys
print(" ".join(h["id"] for h in json.load(open(sys.argv[1], encoding="utf-8"))["hits"]))' "$OUT")
    [ "$got" = "en-river" ] || fail "search $* gave ids '$got', expected 'en-river'"
}
search_ids_after -d "$DB" river
search_ids_after --db "$DB" river
search_ids_after "--db=$DB" --partial river
run 0 get en-river -d "$DB" && contains "-d after the argument" '^id: en-river$' "$OUT"
run 0 stats --json --db "$DB"
py "--db after stats" "assert d['documents'] == 6, d"
# After a query's words -d would be query text: say where it goes.
run 2 search river -d "$DB" &&
    contains "-d after the query" "^sou: option '-d' after the query: put options first" "$ERR"
run 2 search river --db="$DB" && contains "--db after the query" "option '--db' after the query" "$ERR"

# ------------------------------------------------------------ get
run 0 -d "$DB" get --json en-river
py "get --json" "
assert d['id'] == 'en-river' and d['author'] == 'Lin', d
assert d['title'] == 'A walk along the river' and 'herons' in d['body'], d
"
run 0 -d "$DB" get en-bread
checks=$((checks + 1))
[ "$(head -n 1 "$OUT")" = "id: en-bread" ] || fail "get first line"
contains "get repeated field" '^tags: baking$' "$OUT"
run 1 -d "$DB" get no-such-doc && contains "get missing" '^sou: ' "$ERR"

# ----------------------------------------------------- delete, stats
run 0 -d "$DB" delete en-bread
search_ids "deleted document is gone" "" bread
run 1 -d "$DB" delete en-bread && contains "delete missing" '^sou: ' "$ERR"
run 0 -d "$DB" delete -- -dash

checks=$((checks + 1))
last_ok=0
SOU_DB=$DB "$SOU" stats --json >"$OUT" 2>"$ERR" && last_ok=1 || fail "stats with SOU_DB"
py "stats --json" "
assert d['documents'] == 4, d
assert d['terms'] > 0 and d['total_length'] > 0 and d['size_bytes'] > 0, d
assert d['analyzer'] == {'cjk': 'hybrid', 'stemmer': 'english', 'fold_hant': False}, d
assert d['icu_version'], d
"
run 0 -d "$DB" stats && contains "stats human" '^documents: *4$' "$OUT"

# -------------------------------------------------- text files
mkdir -p "$TMP/notes/sub" "$TMP/notes/.hidden"
printf 'Intro line\n\n```\n# not a title\n```\n## Garden notes ##\nTomatoes want sun.\n' >"$TMP/notes/garden.md"
printf '\n  First words here  \n番茄需要阳光。\n' >"$TMP/notes/sub/plain.txt"
printf 'tomatoes hidden\n' >"$TMP/notes/.hidden/secret.md"
printf 'tomatoes\0binary' >"$TMP/notes/blob.bin"
# A link back up must not make the walk loop.
ln -s .. "$TMP/notes/sub/up" 2>/dev/null
DB=$TMP/db2
run 0 -d "$DB" index "$TMP/notes"
contains "files summary" '^indexed 2 documents (0 skipped)' "$ERR"
search_ids "Markdown file" "$TMP/notes/garden.md" tomatoes
search_ids "text file" "$TMP/notes/sub/plain.txt" 番茄
run 0 -d "$DB" get --json "$TMP/notes/garden.md"
py "Markdown title" "assert d['title'] == 'Garden notes', d"
run 0 -d "$DB" get --json "$TMP/notes/sub/plain.txt"
py "text title" "assert d['title'] == 'First words here', d"
run 1 -d "$DB" index "$TMP/notes/missing.md"

# ------------------------------------------------- line length limit
# A line over --max-line-bytes is refused with FILE:LINE before it is parsed;
# the lines after it are indexed. The limit counts bytes without the newline.
good1='{"id": "before", "body": "first good line"}'
printf '%s\n{"id": "huge", "body": "%0300d"}\n{"id": "after", "body": "last good line"}\n' \
    "$good1" 0 >"$TMP/long.jsonl"
DB=$TMP/db-long
run 1 -d "$DB" index --max-line-bytes ${#good1} --jsonl "$TMP/long.jsonl"
contains "long line refused" \
    "^sou: $TMP/long.jsonl:2: line of 326 bytes refused: longer than ${#good1} bytes (--max-line-bytes)\$" "$ERR"
contains "long line summary" '^indexed 2 documents (1 skipped) in ' "$ERR"
search_ids "line after the long one" "after" --strict last good line
search_ids "line at the limit" "before" --strict first good line
run 2 -d "$TMP/db-long" index --max-line-bytes 0 --jsonl "$TMP/long.jsonl"
run 2 -d "$TMP/db-long" index --max-line-bytes 12x --jsonl "$TMP/long.jsonl"

# Out of memory on one line costs that line only: the line is reported with
# FILE:LINE and the next is indexed. A plain build runs a 40 MB line under a
# 150 MB address-space limit; a sanitizer build (which cannot start under
# one) refuses allocations over 30 MB instead, so that jansson's buffer for
# a 20 MB line cannot grow. Skipped where neither works.
# oom_check STATUS: checks the run over $TMP/big.jsonl that exited with STATUS.
oom_check() {
    checks=$((checks + 1))
    last_ok=1
    status=$1
    [ "$status" -eq 1 ] || { fail "index out of memory exited $status, expected 1"; last_ok=0; }
    contains "out of memory reported with FILE:LINE" "^sou: $TMP/big.jsonl:1: .*out of memory" "$ERR"
    contains "out of memory summary" '^indexed 1 document (1 skipped) in ' "$ERR"
    search_ids "line after the one out of memory" "small" still indexed
    rm -f "$TMP/big.jsonl"
}
big_line() {
    "$PY" -c 'import json, sys
print(json.dumps({"id": "big", "body": "x " * int(sys.argv[1])}))
print(json.dumps({"id": "small", "body": "still indexed"}))' "$1" >"$TMP/big.jsonl"
}
DB=$TMP/db-big
# dash and bash have ulimit -v; a shell without it skips the check, and so
# does a run under Valgrind, whose own allocator the limit starves first.
# shellcheck disable=SC3045
if [ -n "${SOU_UNDER_VALGRIND:-}" ]; then
    echo "cli: out-of-memory check skipped under valgrind"
elif (ulimit -v 150000 && "$SOU" --version) >/dev/null 2>&1; then
    big_line 20000000
    # shellcheck disable=SC3045
    (ulimit -v 150000 && exec "$SOU" -d "$DB" index --jsonl "$TMP/big.jsonl") >"$OUT" 2>"$ERR"
    oom_check $?
elif ASAN_OPTIONS=help=1 "$SOU" --version 2>&1 | grep -q max_allocation_size_mb; then
    big_line 10000000
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1:max_allocation_size_mb=30" \
        "$SOU" -d "$DB" index --max-line-bytes 20000025 --jsonl "$TMP/big.jsonl" >"$OUT" 2>"$ERR"
    oom_check $?
else
    echo "cli: out-of-memory check skipped: no way to limit the memory of sou here"
fi

# ------------------------------------------------ the index inside DIR
# Its files (the lock among them) are not documents, nor is a link to one.
mkdir -p "$TMP/folder"
printf '# Kept\nplain words\n' >"$TMP/folder/kept.md"
ln -s idx/flintlock "$TMP/folder/lock-link.txt"
DB=$TMP/folder/idx
run 0 -d "$DB" index "$TMP/folder" && contains "index inside DIR" '^indexed 1 document (0 skipped)' "$ERR"
# Again, now that the index exists, through another spelling of its path.
run 0 -d "$TMP/folder/../folder/idx" index "$TMP/folder" &&
    contains "index inside DIR, again" '^indexed 1 document (0 skipped)' "$ERR"
run 0 -d "$DB" stats --json
py "only the file is indexed" "assert d['documents'] == 1, d"
run 1 -d "$DB" get "$TMP/folder/idx/flintlock"
run 1 -d "$DB" get "$TMP/folder/lock-link.txt"
run 1 -d "$DB" index "$TMP/folder/idx" "$TMP/folder/idx/flintlock"
contains "index named as a path" "^sou: $TMP/folder/idx: part of the index itself" "$ERR"
contains "index file named as a path" "^sou: $TMP/folder/idx/flintlock: part of the index itself" "$ERR"

# ------------------------------------------------------------ messages
# A failed system call says why; every message starts with "sou: ".
run 1 -d "$TMP/db-msg" index --jsonl "$TMP/no-such.jsonl"
contains "open error has errno text" \
    "^sou: $TMP/no-such.jsonl: cannot open: No such file or directory\$" "$ERR"
run 1 -d "$TMP/db-msg" index --jsonl "$TMP"
contains "read error has errno text" "^sou: $TMP: cannot read: Is a directory\$" "$ERR"
printf 'x' >"$TMP/a-file"
run 1 -d "$TMP/a-file/db" index --jsonl "$FIXTURE"
contains "index under a file" "^sou: .*a-file/db.*Not a directory" "$ERR"
run 1 -d "$TMP/no-dir/sub/db" index --jsonl "$FIXTURE"
contains "mkdir error has errno text" "^sou: cannot create index .*: No such file or directory" "$ERR"
mkdir -p "$TMP/empty-dir"
run 1 -d "$TMP/empty-dir" stats
contains "not an index, in plain words" '^sou: .*not an index (no database in this directory)' "$ERR"
checks=$((checks + 1))
grep -q -E '[A-Za-z]+Error' "$ERR" && fail "a Xapian class name reached the user"
# Damaged indexes and a held lock are described in words too.
cp -r "$TMP/db-latin1" "$TMP/db-damaged"
printf 'garbage' >"$TMP/db-damaged/postlist.glass"
run 1 -d "$TMP/db-damaged" search lait && contains "damaged table" '^sou: cannot open index ' "$ERR"
checks=$((checks + 1))
grep -q -E '[A-Za-z]+Error|Xapian::' "$ERR" && fail "a Xapian class name reached the user: $(cat "$ERR")"
printf 'bad' >"$TMP/db-damaged/iamglass"
run 1 -d "$TMP/db-damaged" stats && contains "damaged version file" '^sou: .*index corrupt' "$ERR"
checks=$((checks + 1))
grep -q -E '[A-Za-z]+Error|Xapian::' "$ERR" && fail "a Xapian class name reached the user: $(cat "$ERR")"
rm -rf "$TMP/db-damaged"
run 1 -d "$TMP/db-msg" index --jsonl "$FIXTURE"
checks=$((checks + 1))
grep -v -e '^sou: ' -e '^indexed ' "$ERR" >"$TMP/stray" && fail "messages without 'sou: ': $(cat "$TMP/stray")"
# An index the user may not read says so. As root, check as nobody.
mkdir -p "$TMP/private"
run 0 -d "$TMP/private/db" index --jsonl "$TMP/latin1.jsonl"
chmod 700 "$TMP/private/db"
as_user=
if [ "$(id -u)" -eq 0 ]; then
    command -v setpriv >/dev/null 2>&1 &&
        setpriv --reuid=65534 --regid=65534 --clear-groups "$SOU" --version >/dev/null 2>&1 &&
        chmod 755 "$TMP" "$TMP/private" && as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
else
    as_user=" "
fi
if [ -n "$as_user" ]; then
    checks=$((checks + 1))
    # shellcheck disable=SC2086
    $as_user "$SOU" -d "$TMP/private/db" stats >"$OUT" 2>"$ERR"
    status=$?
    [ "$status" -eq 1 ] || fail "unreadable index: exit $status, expected 1"
    last_ok=1
    contains "unreadable index" "^sou: cannot open index '$TMP/private/db': Permission denied\$" "$ERR"
    checks=$((checks + 1))
    # shellcheck disable=SC2086
    $as_user "$SOU" -d "$TMP/private/db" index --jsonl "$TMP/latin1.jsonl" >"$OUT" 2>"$ERR"
    status=$?
    [ "$status" -eq 1 ] || fail "unwritable index: exit $status, expected 1"
    contains "unwritable index" "^sou: cannot open index '$TMP/private/db': Permission denied\$" "$ERR"
else
    echo "cli: unreadable index check skipped: cannot run sou as another user"
fi
chmod 755 "$TMP/private/db"

# -------------------------------------------------- another ICU version
# An index that records another ICU major version (an upgrade since it was
# built) is searched with a warning and not written.
if command -v xapian-metadata >/dev/null 2>&1; then
    cp -r "$TMP/db-latin1" "$TMP/db-icu"
    xapian-metadata set "$TMP/db-icu" sou.icu_version 1.0
    run 0 -d "$TMP/db-icu" search --json lait
    py "old ICU: still searched" 'assert [h["id"] for h in d["hits"]] == ["latin1"], d'
    contains "old ICU: warning" "^sou: warning: index '$TMP/db-icu' was built with ICU 1.0 and this library runs ICU [0-9]" "$ERR"
    contains "old ICU: the way out" "index the documents again into a new index\$" "$ERR"
    run 1 -d "$TMP/db-icu" index --jsonl "$TMP/latin1.jsonl"
    contains "old ICU: not written" "^sou: cannot open index '$TMP/db-icu': built with ICU 1.0, and this library runs ICU [0-9]" "$ERR"
    contains "old ICU: not written, the way out" "index the documents again into a new index" "$ERR"
    run 1 -d "$TMP/db-icu" delete latin1
    run 0 -d "$TMP/db-icu" get latin1
    rm -rf "$TMP/db-icu"
else
    echo "cli: ICU version check skipped: no xapian-metadata (Debian: xapian-tools)"
fi

# ---------------------------------------------------- file size limit
# Past ulimit -f a write fails with EFBIG: a message and status 1, not a
# signal; the summary counts what the index holds, which still opens.
"$PY" -c 'import json
for i in range(3000):
    print(json.dumps({"id": "f%05d" % i, "body": " ".join("w%d" % ((i * 7 + j) % 5000) for j in range(60))}))' \
    >"$TMP/many.jsonl"
checks=$((checks + 1))
last_ok=1
# 2048 blocks of 512 bytes (dash), 1 MiB.
(ulimit -f 2048 && exec "$SOU" -d "$TMP/db-fsize" index --commit-every 300 --jsonl "$TMP/many.jsonl") \
    >"$OUT" 2>"$ERR"
status=$?
[ "$status" -eq 1 ] || { fail "index past ulimit -f exited $status, expected 1"; last_ok=0; }
contains "EFBIG reported" '^sou: .*File too large$' "$ERR"
contains "loss reported" '^sou: [0-9]* documents\{0,1\} added since the last commit \(is\|are\) lost$' "$ERR"
contains "summary of a failed run" '^indexed [0-9]* documents\{0,1\} (0 skipped, [1-9][0-9]* lost to the failure)' "$ERR"
committed=$(sed -n 's/^indexed \([0-9]*\) documents\{0,1\} (.*/\1/p' "$ERR")
run 0 -d "$TMP/db-fsize" stats --json
py "summary count is what the index holds" "assert d['documents'] == int('${committed:-x}'), d"
rm -f "$TMP/many.jsonl"

# -------------------------------------------------------- result
rm -rf "$TMP"
echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
