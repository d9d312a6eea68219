#!/bin/sh
# End-to-end tests of filters, browsing and facets through the sou command:
# JSON lines with numbers and dates indexed with --value, then ranges,
# '*' and --facet, each answer checked against a count over the input.
# Usage: filter.sh SOU_BINARY TEMP_DIR [PYTHON]
set -u

SOU=$1
TMP=$2
PY=${3:-python3}

. "$(cd "$(dirname "$0")" && pwd)/harness.sh"
IN=$TMP/docs.jsonl

# py LABEL CODE: CODE asserts, with the JSON of $OUT as d and the input
# lines as docs.
py() {
    [ "$last_ok" -eq 1 ] || return
    checks=$((checks + 1))
    if ! "$PY" -c "import json, sys, datetime
d = json.load(open(sys.argv[1], encoding='utf-8'))
docs = [json.loads(l) for l in open(sys.argv[2], encoding='utf-8')]
def ts(s):
    return datetime.datetime.fromisoformat(s.replace('Z', '+00:00')).timestamp()
ids = [h['id'] for h in d['hits']]
$2" "$OUT" "$IN" 2>>"$ERR"; then
        fail "$1"
    fi
}

contains() {
    [ "$last_ok" -eq 1 ] || return
    checks=$((checks + 1))
    if ! grep -q -e "$2" "$3"; then
        fail "$1: '$2' not in $3"
    fi
}

cat >"$IN" <<'JSONL'
{"id": "n1", "title": "Fox in winter", "body": "a fox in the snow", "year": 2018, "kind": 1, "date": "2018-12-31T23:59:59Z"}
{"id": "n2", "title": "Fox at dawn", "body": "the fox runs", "year": 2019, "kind": 2, "date": "2019-01-01"}
{"id": "n3", "title": "River notes", "body": "boats on the river", "year": 2019, "kind": 1, "date": "2019-06-30T08:00:00+02:00"}
{"id": "n4", "title": "Rain", "body": "rain on the river and a fox", "year": 2020, "kind": 2, "date": "2020-02-29"}
{"id": "n5", "title": "Tea", "body": "green tea", "year": 2021, "kind": 3, "date": "2021-07"}
{"id": "n6", "title": "Undated fox", "body": "a fox without a date", "kind": 3}
JSONL

run 0 -d "$DB" index --no-bulk --value date --jsonl "$IN"
run 1 -d "$TMP/bad" index --value date --jsonl /dev/stdin <<'JSONL'
{"id": "b1", "body": "x", "date": "last tuesday"}
JSONL
contains "a bad date is named" 'member "date": not an ISO 8601 date' "$ERR"
run 2 -d "$DB" index --value Date --jsonl "$IN"

# Numbers: both bounds included, open ends.
run 0 -d "$DB" search --json --limit 100 'year:2019..2020'
py "year range" "assert sorted(ids) == sorted(x['id'] for x in docs if 2019 <= x.get('year', 0) <= 2020), ids"
run 0 -d "$DB" search --json --limit 100 'year:..2019'
py "open low end" "assert sorted(ids) == ['n1', 'n2', 'n3'], ids"
run 0 -d "$DB" search --json --limit 100 'fox year:2019..'
py "range with a word" "assert sorted(ids) == ['n2', 'n4'], ids"
run 0 -d "$DB" search --json --limit 100 'year:2019.. -fox'
py "range with NOT" "assert sorted(ids) == ['n3', 'n5'], ids"

# Dates: a bound is its whole span; offsets are read.
run 0 -d "$DB" search --json --limit 100 'date:2019'
py "date year" "assert sorted(ids) == sorted(x['id'] for x in docs if 'date' in x and ts('2019-01-01T00:00:00Z') <= ts(x['date'] if 'T' in x['date'] or len(x['date']) == 10 else x['date'] + '-01') < ts('2020-01-01T00:00:00Z')), ids"
run 0 -d "$DB" search --json --limit 100 'date:..2019-06-30T06:00:00Z'
py "date and time, offset" "assert sorted(ids) == ['n1', 'n2', 'n3'], ids"
run 0 -d "$DB" search --json --limit 100 'date:2020-02..2021'
py "months and years" "assert sorted(ids) == ['n4', 'n5'], ids"
py "the date comes back as written" "assert d['hits'][0]['date'] in ('2020-02-29', '2021-07'), d['hits'][0]"

# Not a value: an error that names it, never an empty answer.
run 1 -d "$DB" search 'month:1..3'
contains "unknown value" "^sou: range on 'month' at byte 0: the index has no value 'month'" "$ERR"
run 1 -d "$DB" search 'title:1..3'
contains "text field" "'title' is a text field" "$ERR"
run 1 -d "$DB" search 'date:yesterday..'
run 1 -d "$DB" search 'date:2019-13..'
contains "bad date" "not an ISO 8601 date" "$ERR"

# Browse: everything, in the order added, or by a value; filters alone.
run 0 -d "$DB" search --json --limit 100 '*'
py "browse all" "assert ids == [x['id'] for x in docs] and d['total'] == len(docs) and d['total_exact'], d"
run 0 -d "$DB" search --json --limit 100 --sort year --ascending 'kind:1..2'
py "browse filtered, sorted" "assert ids == ['n1', 'n2', 'n3', 'n4'] and d['total'] == 4, ids"

# Facets: counts over the whole match, whatever the page.
run 0 -d "$DB" search --json --limit 1 --facet kind --facet year '*'
py "facets of all" "
from collections import Counter
want = Counter(x['kind'] for x in docs)
got = {f['value']: f['count'] for f in d['facets']['kind']}
assert got == want, (got, want)
assert [f['count'] for f in d['facets']['kind']] == sorted(want.values(), reverse=True)
assert sum(f['count'] for f in d['facets']['year']) == 5, d['facets']['year']
assert len(d['hits']) == 1"
run 0 -d "$DB" search --json --limit 1 --facet kind 'fox'
py "facets of a query" "
from collections import Counter
want = Counter(x['kind'] for x in docs if 'fox' in x['body'])
assert {f['value']: f['count'] for f in d['facets']['kind']} == want, d['facets']"
run 0 -d "$DB" search --facet kind 'fox year:2019..'
contains "facet text" '^facet kind: 1 value$' "$OUT"
contains "facet text line" '^  2: 2$' "$OUT"
run 1 -d "$DB" search --facet colour fox
contains "unknown facet" "unknown facet value 'colour'" "$ERR"

rm -rf "$TMP"
echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
