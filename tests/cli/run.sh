#!/bin/sh
# Golden tests of the sou command: stdout and exit status of each subcommand.
# Usage: run.sh SOU_BINARY TEMP_DIR [PYTHON]
set -u

SOU=$1
TMP=$2
PY=${3:-python3}
HERE=$(cd "$(dirname "$0")" && pwd)
FIXTURE=$HERE/docs.jsonl

. "$HERE/harness.sh"

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
assert 'quiet <b>river</b> at' in h['snippet'], h
"
run 0 -d "$DB" search --json zebra
py "zero hits" "assert d['total'] == 0 and d['hits'] == [], d"

run 0 -d "$DB" search river
contains "human hit line" '^1\. en-river  ([0-9.]*)$' "$OUT"
contains "human title" '^   A walk along the river$' "$OUT"
# piped: the snippet as stored, no markers that brackets in the text could be taken for
contains "human snippet" '^   We walked along the quiet river at dawn' "$OUT"

# ------------------------------------------------------- search output
run 0 -d "$DB" search --highlight-pre '{{' --highlight-post '}}' river
contains "chosen markers" '^   We walked along the quiet {{river}} at dawn' "$OUT"
run 0 -d "$DB" search --highlight-pre '>' river
contains "one marker chosen" 'quiet >river at' "$OUT"
run 0 -d "$DB" search --json --highlight-pre '[' --highlight-post ']' river
py "chosen markers in JSON" "assert 'quiet [river] at' in d['hits'][0]['snippet'], d"

printf '%s\n' '{"id": "html", "title": "Markup <b>bold</b>", "body": "Stored: <script>alert(\"x & y\")</script> done.", "note": "it'"'"'s"}' \
    >"$TMP/html.jsonl"
run 0 -d "$TMP/db-html" index --jsonl "$TMP/html.jsonl"
run 0 -d "$TMP/db-html" search --json script
py "JSON snippet escaped, markers real" "
s = d['hits'][0]['snippet']
assert s == 'Stored: &lt;<b>script</b>&gt;alert(&quot;x &amp; y&quot;)&lt;/<b>script</b>&gt; done.', s
assert d['hits'][0]['body'] == 'Stored: <script>alert(\"x & y\")</script> done.', d
"
run 0 -d "$TMP/db-html" search --highlight-pre '<mark>' --highlight-post '</mark>' script
contains "HTML markers escape the text" '^   Stored: &lt;<mark>script</mark>&gt;alert(&quot;x &amp; y&quot;)&lt;/<mark>script</mark>&gt; done\.$' "$OUT"
run 0 -d "$TMP/db-html" search --highlight-pre '*' --highlight-post '*' script
contains "other markers: text as stored" '^   Stored: <\*script\*>alert("x & y")</\*script\*> done\.$' "$OUT"

# On a terminal (script(1) gives one, where a pseudo-terminal can be had):
# bold yellow, bold alone under NO_COLOR.
if command -v script >/dev/null 2>&1 && script -qc true /dev/null >/dev/null 2>&1; then
    TERM=xterm script -qc "'$SOU' -d '$DB' search river" /dev/null >"$OUT" 2>"$ERR"
    contains "terminal: bold yellow" "$(printf 'quiet \033\\[1;33mriver\033\\[0m at')" "$OUT"
    NO_COLOR=1 TERM=xterm script -qc "'$SOU' -d '$DB' search river" /dev/null >"$OUT" 2>"$ERR"
    contains "terminal, NO_COLOR: bold" "$(printf 'quiet \033\\[1mriver\033\\[22m at')" "$OUT"
    TERM=dumb script -qc "'$SOU' -d '$DB' search river" /dev/null >"$OUT" 2>"$ERR"
    contains "dumb terminal: no escapes" 'quiet river at' "$OUT"
fi

run 0 -d "$DB" search --fields author,year river
contains "--fields text" '^   author: Lin$' "$OUT"
contains "--fields value" '^   year: 2019$' "$OUT"
if grep -q 'A walk along the river' "$OUT"; then fail "--fields: the title is shown though not asked"; fi
run 0 -d "$DB" search --json --fields author,tags,nothing --or river bread
py "--fields in JSON" "
assert [sorted(h) for h in d['hits']] == [sorted(['id', 'rank', 'score', 'match', 'snippet', 'author', 'tags', 'nothing'])] * 2, d
r, b = d['hits']
assert r['author'] == 'Lin' and r['tags'] is None and r['nothing'] is None, r
assert b['tags'] == ['kitchen', 'baking'] and b['author'] is None, b
"
run 0 -d "$DB" search --json --fields '' river
py "--fields ''" "assert sorted(d['hits'][0]) == ['id', 'match', 'rank', 'score', 'snippet'], d"
run 2 -d "$DB" search --fields 'Title' river && contains "--fields bad name" "not a field name: 'Title'" "$ERR"
run 2 -d "$DB" search --fields 'body,,x' river && contains "--fields empty name" "not a field name: ''" "$ERR"
run 2 -d "$DB" search --fields score river && contains "--fields reserved" "'score' is shown with every hit" "$ERR"
run 2 -d "$DB" search --json --jsonl river && contains "--json with --jsonl" "exclude each other" "$ERR"

py_lines() {
    label=$1
    [ "$last_ok" -eq 1 ] || return
    checks=$((checks + 1))
    if ! "$PY" -c "import json, sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
assert lines[-1] == '', 'no final newline'
d = [json.loads(l) for l in lines[:-1]]
$2" "$OUT" 2>>"$ERR"; then
        fail "$label"
    fi
}
# --matches: byte offsets that slice the stored UTF-8 into the matched words
run 0 -d "$DB" search --json --matches 绿茶
py "--matches, Chinese" "
h = d['hits'][0]
b = h['body'].encode()
assert [b[s:e].decode() for s, e in h['matches']['body']] == ['绿茶', '绿茶'], h
assert 'title' not in h['matches'], h
"
run 0 -d "$DB" search --json --matches coffee 咖啡
py "--matches, mixed" "
h = d['hits'][0]
got = {f: [h[f].encode()[s:e].decode() for s, e in v] for f, v in h['matches'].items()}
assert got == {'title': ['Coffee', '咖啡'], 'body': ['coffee', '咖啡']}, got
"
run 0 -d "$DB" search --jsonl --matches --fields title walking
py_lines "--matches, stems, --fields" "
h = d[0]
assert h['matches'] == {'title': [[2, 6]]} and h['title'][2:6] == 'walk', h
"
run 2 -d "$DB" search --matches river && contains "--matches without JSON" "goes with --json" "$ERR"

run 0 -d "$DB" search --jsonl --or river bread coffee
py_lines "--jsonl: a hit per line" "
assert [h['rank'] for h in d] == [1, 2, 3], d
assert {h['id'] for h in d} == {'en-river', 'en-bread', 'mix-coffee'}, d
assert all('snippet' in h and 'title' in h for h in d), d
"
run 0 -d "$DB" search --jsonl zebra
py_lines "--jsonl without hits" "assert d == [], d"

# More hits than the command asks the library for at a time (1,000): every
# hit once, in order, the JSON whole.
"$PY" -c 'import json
for i in range(2600):
    print(json.dumps({"id": "p%04d" % i, "title": "page %d" % i, "body": "common words, number %d, [brackets]" % i, "n": i}))' \
    >"$TMP/pages.jsonl"
run 0 -d "$TMP/db-pages" index --jsonl "$TMP/pages.jsonl"
run 0 -d "$TMP/db-pages" search --json --limit 2500 --offset 50 --sort n --ascending --explain common
py "--json over pages" "
assert d['total'] == 2600 and d['total_exact'] is True, d['total']
assert 'explain' in d and d['words'][0]['word'] == 'common', d['words']
assert [h['rank'] for h in d['hits']] == list(range(51, 2551))
assert [h['n'] for h in d['hits']] == list(range(50, 2550))
assert d['hits'][0]['snippet'] == '<b>common</b> words, number 50, [brackets]', d['hits'][0]
"
run 0 -d "$TMP/db-pages" search --jsonl --limit 3000 --sort n common
py_lines "--jsonl over pages" "assert [h['n'] for h in d] == list(range(2599, -1, -1)), len(d)"
run 0 -d "$TMP/db-pages" search --limit 1500 --offset 1000 --sort n --ascending common
contains "text over pages: count" '^hits 1001-2500 of 2,600 results$' "$OUT"
contains "text over pages: last hit" '^2500\. p2499  ' "$OUT"
contains "text over pages: brackets as stored" '^   common words, number 2499, \[brackets\]$' "$OUT"
run 0 -d "$TMP/db-pages" search --limit 0 common
contains "limit 0" '^no hits shown (2,600 results in all)$' "$OUT"

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
    contains "index inside DIR, again" '^files: added 0, updated 0, unchanged 1, deleted 0, failed 0$' "$ERR"
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

# ------------------------------------------------------ folder sync
# Ids are canonical paths; a rerun skips unchanged files, updates changed
# ones, adds new ones and deletes the documents of files gone.
mkdir -p "$TMP/sync/notes/sub" "$TMP/sync/notes/drafts" "$TMP/sync/notes/.git"
CANON=$(cd "$TMP/sync" && pwd -P)
printf -- '---\ntitle: "From the front matter"\ntags: [a]\n---\n# Not this heading\napricot\n' \
    >"$TMP/sync/notes/front.md"
printf 'Plain *first* line\n\n# Todo **list**\nbuy milk\n' >"$TMP/sync/notes/todo.md"
printf 'kiwi pear\n' >"$TMP/sync/notes/sub/fruit.txt"
printf 'gone soon: quince\n' >"$TMP/sync/notes/sub/old.txt"
printf 'draft plum\n' >"$TMP/sync/notes/drafts/d.md"
printf 'git object fig\n' >"$TMP/sync/notes/.git/obj"
printf 'a log of figs\n' >"$TMP/sync/notes/run.log"
printf '# comment\ndrafts/\n*.log\n' >"$TMP/sync/notes/.souignore"
DB=$TMP/sync/db
run 0 -d "$DB" index "$TMP/sync/notes" &&
    contains "sync first run" '^files: added 4, updated 0, unchanged 0, deleted 0, failed 0$' "$ERR"
search_ids "canonical id" "$CANON/notes/todo.md" milk
search_ids ".souignore dir/ pattern" "" plum
search_ids ".souignore glob" "" figs
search_ids "hidden directory left out" "" fig
run 0 -d "$DB" get --json "$CANON/notes/todo.md"
py "title from md4c: first heading, text only" "assert d['title'] == 'Todo list', d
assert d['size'] == 45 and d['mtime'] > 0 and 'mtime_nsec' in d, d"
run 0 -d "$DB" get --json "$CANON/notes/front.md"
py "title from front matter" "assert d['title'] == 'From the front matter', d"
# Unchanged: nothing written.
run 0 -d "$DB" index "$TMP/sync/notes" &&
    contains "sync unchanged" '^files: added 0, updated 0, unchanged 4, deleted 0, failed 0$' "$ERR"
# Change one, delete one, add one.
printf 'kiwi pear banana\n' >"$TMP/sync/notes/sub/fruit.txt"
rm "$TMP/sync/notes/sub/old.txt"
printf 'new mango\n' >"$TMP/sync/notes/new.md"
run 0 -d "$DB" index "$TMP/sync/notes" &&
    contains "sync after changes" '^files: added 1, updated 1, unchanged 2, deleted 1, failed 0$' "$ERR"
search_ids "deleted file gone" "" quince
search_ids "changed file updated" "$CANON/notes/sub/fruit.txt" banana
search_ids "new file added" "$CANON/notes/new.md" mango
# Every spelling of a path is the same document.
(cd "$TMP/sync/notes" && "$SOU" -d "$DB" index ./todo.md todo.md "$CANON/notes/todo.md" ../notes/todo.md) \
    >"$OUT" 2>"$ERR"
checks=$((checks + 1))
last_ok=1
contains "same id whichever way typed" '^files: added 0, updated 0, unchanged 4, deleted 0, failed 0$' "$ERR"
ln -s "$TMP/sync/notes" "$TMP/sync/link"
run 0 -d "$DB" index "$TMP/sync/link/" &&
    contains "a linked spelling of the folder" '^files: added 0, updated 0, unchanged 4, deleted 0, failed 0$' "$ERR"
run 0 -d "$DB" stats --json
py "one document per file" "assert d['documents'] == 4, d"
# --exclude leaves a file out, so the sync deletes it; --no-delete keeps it.
run 0 -d "$DB" index --no-delete --exclude 'new.*' "$TMP/sync/notes" &&
    contains "--no-delete" '^files: added 0, updated 0, unchanged 3, deleted 0, failed 0$' "$ERR"
search_ids "--no-delete keeps" "$CANON/notes/new.md" mango
run 0 -d "$DB" index --exclude 'sub/*.txt' --exclude 'new.*' "$TMP/sync/notes" &&
    contains "--exclude" '^files: added 0, updated 0, unchanged 2, deleted 2, failed 0$' "$ERR"
search_ids "excluded file deleted" "" mango
# Only ids under the synced folder are deleted.
printf '{"id": "other-doc", "body": "mango elsewhere"}\n' >"$TMP/sync/other.jsonl"
run 0 -d "$DB" index "$TMP/sync/other.jsonl" &&
    contains ".jsonl path read as JSON lines" '^indexed 1 document (0 skipped)' "$ERR"
mkdir -p "$TMP/sync/notes2"
printf 'second folder grape\n' >"$TMP/sync/notes2/g.txt"
run 0 -d "$DB" index "$TMP/sync/notes2" &&
    contains "a folder whose name extends another's" '^files: added 1, updated 0, unchanged 0, deleted 0, failed 0$' "$ERR"
run 0 -d "$DB" index "$TMP/sync/notes" &&
    contains "sync leaves other ids" '^files: added 2, updated 0, unchanged 2, deleted 0, failed 0$' "$ERR"
search_ids "JSON document kept" "other-doc" elsewhere
search_ids "other folder kept" "$CANON/notes2/g.txt" grape
# "!" lines include again; the last pattern that matches decides, a nearer
# .souignore after a farther one and --exclude after both.
mkdir -p "$TMP/reinc/a/sub" "$TMP/reinc/gone"
printf 'apricot kept log\n' >"$TMP/reinc/keep.log"
printf 'apricot dropped log\n' >"$TMP/reinc/drop.log"
printf 'apricot nested log\n' >"$TMP/reinc/a/sub/x.log"
printf 'apricot other log\n' >"$TMP/reinc/a/y.log"
printf 'apricot bang\n' >"$TMP/reinc/!bang.txt"
printf 'apricot inside ignored folder\n' >"$TMP/reinc/gone/in.log"
printf '*.log\n!keep.log\n\\!bang.txt\ngone/\n!gone/in.log\n' >"$TMP/reinc/.souignore"
printf '!sub/x.log\n' >"$TMP/reinc/a/.souignore"
RDB=$TMP/reinc.sou
RC=$(cd "$TMP/reinc" && pwd -P)
run 0 -d "$RDB" index "$TMP/reinc" &&
    contains "! re-includes: two files" '^files: added 2, updated 0, unchanged 0, deleted 0, failed 0$' "$ERR"
DB=$RDB
search_ids "! re-includes a name" "$RC/keep.log" kept
search_ids "a nearer .souignore re-includes a path" "$RC/a/sub/x.log" nested
search_ids "later pattern still leaves out" "" dropped
search_ids "pattern without ! still applies below" "" other
search_ids "\\! is a literal !" "" bang
search_ids "! cannot bring back a file of an ignored folder" "" inside
run 0 -d "$RDB" index --exclude 'keep.*' "$TMP/reinc" &&
    contains "--exclude overrides a .souignore !" '^files: added 0, updated 0, unchanged 1, deleted 1, failed 0$' "$ERR"
search_ids "--exclude after !" "" kept
DB=$TMP/sync/db
# An unreadable directory is not gone (as root, permissions do not stop reading).
if [ "$(id -u)" -ne 0 ]; then
    chmod 000 "$TMP/sync/notes/sub"
    run 1 -d "$DB" index "$TMP/sync/notes" &&
        contains "unreadable dir kept" '^files: added 0, updated 0, unchanged 3, deleted 0, failed 1$' "$ERR"
    chmod 755 "$TMP/sync/notes/sub"
    search_ids "documents of an unreadable dir kept" "$CANON/notes/sub/fruit.txt" banana
fi

# --------------------------------------------------- JSON member names
printf '%s\n' '{"id": 7, "Title": "Seven", "camelCase": "alpha", "first-name": "Ann", "2nd": "beta", "ID": "upper", "Year": 2021, "tags": ["x", "y"]}' \
    '{"id": "t2", "title": "lower", "TITLE": "upper case title"}' \
    '{"id": 1.5, "title": "not an integer id"}' \
    '{"id": "ok-after", "body": "the line after a bad one"}' >"$TMP/names.jsonl"
DB=$TMP/db-names
run 1 -d "$DB" index --jsonl "$TMP/names.jsonl"
contains "non-integer id refused" 'names.jsonl:3: "id" is not a string or an integer' "$ERR"
contains "one bad line costs one line" '^indexed 3 documents (1 skipped)' "$ERR"
run 0 -d "$DB" get --json 7
py "names folded" "
assert d['id'] == '7', d
assert d['title'] == 'Seven' and d['camelcase'] == 'alpha' and d['first_name'] == 'Ann', d
assert d['f2nd'] == 'beta' and d['id_'] == 'upper' and d['year'] == 2021, d
assert d['tags'] == ['x', 'y'], d
"
search_ids "folded field searchable" "7" camelcase:alpha
search_ids "numeric id found" "7" --sort year seven
run 0 -d "$DB" get --json t2
py "names folding alike add up" "assert d['title'] == ['lower', 'upper case title'], d"

# ----------------------------------------------------------- delete forms
printf '%s\n' '{"id": "d1"}' '{"id": "d2"}' '{"id": 3}' '{"id": "p/1"}' '{"id": "p/2"}' '{"id": "q/1"}' \
    '{"id": "keep"}' | sed 's/}$/, "body": "word"}/' >"$TMP/del.jsonl"
DB=$TMP/db-del
run 0 -d "$DB" index --jsonl "$TMP/del.jsonl"
run 0 -d "$DB" delete d1 d2 && contains "several ids" '^deleted 2 documents, 0 failed$' "$ERR"
printf '{"id": 3}\n{"id": "q/1", "other": 1}\n' >"$TMP/del-ids.jsonl"
run 0 -d "$DB" delete --jsonl "$TMP/del-ids.jsonl" --prefix p/ &&
    contains "--jsonl and --prefix" '^deleted 4 documents, 0 failed$' "$ERR"
search_ids "only the rest left" "keep" word
run 1 -d "$DB" delete keep nope && contains "missing id reported" "^sou: delete: no document 'nope'" "$ERR"
search_ids "found ids still deleted" "" word
run 1 -d "$DB" delete --prefix zz && contains "empty prefix match" "^sou: no document id starts with 'zz'" "$ERR"
run 2 -d "$DB" delete --prefix ''
run 2 -d "$DB" delete

# ----------------------------------------------------------------- Ctrl-C
# SIGINT commits what is done, says so and exits 130; the documents it
# counts are searchable.
"$PY" -c 'import json
for i in range(400000):
    print(json.dumps({"id": "s%06d" % i, "body": "signal word%d text" % (i % 1000)}))' >"$TMP/sig.jsonl"
# sig_run MODE...: starts an index of sig.jsonl, interrupts it once it is
# under way, and checks the outcome.
sig_run() {
    label=$1
    shift
    rm -rf "$TMP/db-sig"
    "$SOU" -d "$TMP/db-sig" index "$@" --jsonl "$TMP/sig.jsonl" >"$OUT" 2>"$ERR" &
    pid=$!
    # Under way: a first commit (one by one) or the shards (bulk).
    i=0
    while [ $i -lt 600 ]; do
        if ls -d "$TMP"/db-sig.bulk* >/dev/null 2>&1 ||
            { [ -d "$TMP/db-sig" ] && "$SOU" -d "$TMP/db-sig" stats 2>/dev/null | grep -q '^documents: *[1-9]'; }; then
            break
        fi
        sleep 0.1
        i=$((i + 1))
    done
    # Bulk indexing shows nothing before the end: give it time to read.
    case "$*" in
    *--bulk*) if [ -n "${SOU_UNDER_VALGRIND:-}" ]; then sleep 20; else sleep 2; fi ;;
    *) sleep 0.5 ;;
    esac
    kill -INT $pid
    wait $pid
    status=$?
    checks=$((checks + 1))
    last_ok=1
    [ "$status" -eq 130 ] || { fail "$label: interrupted index exited $status, expected 130"; last_ok=0; }
    contains "$label: says so" '^sou: interrupted: [0-9]* documents\{0,1\} committed$' "$ERR"
    n=$(sed -n 's/^sou: interrupted: \([0-9]*\) .*/\1/p' "$ERR")
    run 0 -d "$TMP/db-sig" stats --json
    py "$label: count is what the index holds" "assert 0 < d['documents'] == int('${n:-0}') < 400000, d"
    run 0 -d "$TMP/db-sig" search --json --limit 1 --strict signal
    py "$label: committed documents searchable" "assert d['total'] == int('${n:-0}'), d"
}
sig_run "Ctrl-C" --no-bulk --commit-every 500
sig_run "Ctrl-C in bulk" --bulk
rm -f "$TMP/sig.jsonl"

# -------------------------------------------------------- result
rm -rf "$TMP"
echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
