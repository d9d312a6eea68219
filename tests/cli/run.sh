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
run 2 frobnicate && contains "unknown command" "unknown command" "$ERR"
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

# -------------------------------------------------------- result
rm -rf "$TMP"
echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
