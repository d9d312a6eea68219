/* cmd_search.c: sou search, a query against an index. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Matches on a terminal: bold yellow, or bold alone under NO_COLOR (it
 * asks for no colour, and bold is none); the id in bold. Elsewhere the text
 * goes out as it is, unless --highlight-pre/--highlight-post give markers:
 * no marker can be told apart from the same characters in the text. JSON
 * gets the library's default, <b> and </b> around HTML-escaped text. */
#define COLOR_HL_START "\033[1;33m"
#define COLOR_HL_END "\033[0m"
#define BOLD_HL_START "\033[1m"
#define BOLD_HL_END "\033[22m"
#define COLOR_BOLD "\033[1m"
#define COLOR_RESET "\033[0m"
/* Most --facet options, and values of a facet shown as text (--json has all). */
#define FACETS_MAX 16
#define FACET_TEXT_VALUES 20

/* Hits asked of the library at a time: output is written page by page, so
 * memory does not grow with --limit. */
#define PAGE_HITS 1000

/* Keys that every JSON hit has; stored fields of these names are not shown. */
static const char *const RESERVED[] = { "id", "rank", "score", "match", "matched_words",
                                        "query_words", "snippet", NULL };

typedef enum { OUT_TEXT, OUT_JSON, OUT_JSONL } out_format;

/* What the output needs from the options, and where it is. */
typedef struct {
    out_format format;
    int color;                  /* escapes for a terminal (bold at least) */
    char **fields;              /* --fields, or NULL: title, and in JSON every field */
    size_t nfields;
    int matches;                /* --matches */
    const sou_search_options *opts;
    const char *query;
    size_t query_len;
    const char *explain;        /* how the query was understood, or NULL */
    size_t shown;               /* hits written so far */
    size_t first_rank, last_rank;
    sou_match_level prev;       /* level of the hit before */
} out_ctx;

static void usage(FILE *out)
{
    fputs("Usage: sou [-d DIR] search [OPTIONS] [--] QUERY...\n"
          "Search the index in DIR. The words of QUERY are joined by spaces.\n"
          "Options come before the query: from its first word on, everything\n"
          "(like -word, which excludes a word) is part of the query; '--' ends\n"
          "the options explicitly.\n"
          "\n"
          "Options:\n"
          "  --json          print one JSON object: the query, the total and the\n"
          "                  hits, written out hit by hit\n"
          "  --jsonl         print one JSON object per hit and line (JSON lines)\n"
          "  --fields A,B    print the stored fields A and B of each hit (in JSON,\n"
          "                  only these; '' for none); default: the title, and in\n"
          "                  JSON every stored field\n"
          "  --limit N       show N hits (default 10)\n"
          "  --offset N      skip the first N hits\n"
          "  --or            match any word rather than every word\n"
          "  --strict        every word or nothing: never show documents that\n"
          "                  match fewer words\n"
          "  --exact-total N count matches exactly up to N (default 10000;\n"
          "                  0: a quick estimate)\n"
          "  --sort NAME     order by the value NAME, largest first\n"
          "  --ascending     with --sort: smallest first\n"
          "  --facet NAME    count the matches by each distinct value of NAME\n"
          "                  (repeatable; counts the whole match, however many\n"
          "                  hits are shown)\n"
          "  --field NAME    take snippets from the field NAME (default: body when it\n"
          "                  matches, else the field with the most matches)\n"
          "  --highlight-pre S, --highlight-post S\n"
          "                  put S before (after) each match in snippets\n"
          "  --matches       with --json or --jsonl: where the query matched, as\n"
          "                  [start, end] byte offsets into each stored field\n"
          "  --explain       also show how the query was understood, and how many\n"
          "                  documents have each word\n"
          "  -h, --help      show this help and exit\n"
          "\n"
          "Query syntax: words (all must match unless --or); \"exact phrases\";\n"
          "AND, OR, NOT, +word, -word; parentheses; field:word and\n"
          "field:\"a phrase\"; prefix*; NAME:LOW..HIGH, NAME:LOW.., NAME:..HIGH\n"
          "on a value (numbers, or ISO 8601 dates for date values); '*' for every\n"
          "document. Chinese, Japanese and Korean text matches\n"
          "as a substring. English stopwords are left out of queries with other\n"
          "words. When fewer documents match every word than asked for, documents\n"
          "with all the words of a Chinese run apart, then with some of the words\n"
          "follow, marked as such.\n"
          "\n"
          "Each hit shows 'RANK. ID  (SCORE)', its title (or the --fields) and a\n"
          "snippet. On a terminal, matches in the snippet are bold yellow (bold\n"
          "only when NO_COLOR is set); otherwise they are not marked, unless\n"
          "--highlight-pre/--highlight-post say how. In JSON, snippets have <b>\n"
          "and </b> around matches and their text HTML-escaped; markers that start\n"
          "with '<' always get escaped text, other markers the text as stored.\n"
          "Exit status: 0 (also without hits), 1 on failure, 2 on a usage error.\n",
          out);
}

/* Writes len bytes of s on one line: line breaks, tabs and other control
 * characters become spaces, so stored text cannot move the cursor or
 * change the terminal's colours. */
static void put_line(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        putchar(c < 0x20 || c == 0x7f ? ' ' : c);
    }
}

/* A snippet: the library made its spaces and controls single spaces; the
 * markers are written as given. */
static void put_snippet(const char *s, size_t len)
{
    fwrite(s, 1, len, stdout);
}

/* n with a comma every three digits: 10000 as "10,000". */
static void format_count(uint64_t n, char *buf, size_t size)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
    size_t o = 0;

    for (int i = 0; i < len && o + 2 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

/* "12 results", "at least 10,000 results", "about 12,000 results". */
static void print_total(const sou_results *res, const sou_search_options *opts)
{
    uint64_t total = sou_results_total(res);
    char num[32];

    format_count(total, num, sizeof num);
    if (sou_results_total_exact(res))
        printf("%s result%s", num, total == 1 ? "" : "s");
    else if (opts->exact_total == 0)
        printf("about %s results", num); /* an estimate, asked for */
    else
        printf("at least %s results", num); /* counted that far */
}

/* Where relaxed hits begin: say what they have. */
static void print_level_note(const sou_results *res, size_t i)
{
    size_t words;
    sou_match_level lv = sou_results_level(res, i, NULL, &words);
    int none_before = sou_results_level_total(res, SOU_MATCH_EXACT) == 0 &&
                      (lv == SOU_MATCH_ALL_WORDS ||
                       sou_results_level_total(res, SOU_MATCH_ALL_WORDS) == 0);

    if (lv == SOU_MATCH_ALL_WORDS)
        printf("-- %sshowing documents with all the words apart --\n\n",
               none_before ? "no document has the words together; " : "");
    else if (lv == SOU_MATCH_SOME_WORDS)
        printf("-- %sshowing documents with some of the %zu words --\n\n",
               none_before ? "no document has every word; " : "", words);
}

/* Each word with the documents that have it, and "did you mean". */
static void print_words(const sou_results *res)
{
    size_t n = sou_results_word_count(res);

    for (size_t i = 0; i < n; i++) {
        size_t len;
        uint64_t docs;
        const char *sugg;
        const char *w = sou_results_word(res, i, &len, &docs, &sugg);
        fputs("  ", stdout);
        put_line(w, len);
        if (docs == 0)
            fputs(": in no document", stdout);
        else
            printf(": in %llu document%s", (unsigned long long)docs, docs == 1 ? "" : "s");
        if (sugg)
            printf("; did you mean '%s'?", sugg);
        putchar('\n');
    }
    if (sou_results_stopwords(res))
        printf("  (%zu stopword%s left out)\n", sou_results_stopwords(res),
               sou_results_stopwords(res) == 1 ? "" : "s");
}

/* Is name one of the --fields? */
static int field_wanted(const out_ctx *o, const char *name)
{
    for (size_t i = 0; i < o->nfields; i++)
        if (strcmp(o->fields[i], name) == 0)
            return 1;
    return 0;
}

/* ---- text: a block per hit, then the count */

static void text_hit(out_ctx *o, const sou_results *res, size_t i)
{
    size_t id_len, snippet_len, matched;
    const char *id = sou_results_id(res, i, &id_len);
    const char *snippet = sou_results_snippet(res, i, &snippet_len);
    sou_match_level lv = sou_results_level(res, i, &matched, NULL);

    if (o->explain && o->shown == 0)
        printf("query: %s\n\n", o->explain);
    if (lv != SOU_MATCH_EXACT && (o->shown == 0 || lv != o->prev))
        print_level_note(res, i);
    o->prev = lv;
    printf("%zu. %s", sou_results_rank(res, i) + 1, o->color ? COLOR_BOLD : "");
    put_line(id, id_len);
    printf("%s  (%.3f)", o->color ? COLOR_RESET : "", sou_results_score(res, i));
    if (lv == SOU_MATCH_SOME_WORDS) {
        size_t words;
        sou_results_level(res, i, &matched, &words);
        printf("  %zu of %zu words", matched, words);
    }
    putchar('\n');
    if (!o->fields) {
        size_t title_len;
        const char *title = sou_results_field(res, i, "title", &title_len);
        if (title) {
            fputs("   ", stdout);
            put_line(title, title_len);
            putchar('\n');
        }
    } else {
        const sou_doc *doc = sou_results_doc(res, i);
        for (size_t f = 0; f < o->nfields; f++) {
            size_t count = sou_doc_field_count(doc), len;
            const char *name, *text;
            int any = 0;
            double d;
            for (size_t k = 0; k < count; k++) {
                if (sou_doc_field_at(doc, k, &name, &text, &len) != SOU_OK ||
                    strcmp(name, o->fields[f]) != 0)
                    continue;
                printf("   %s: ", name);
                put_line(text, len);
                putchar('\n');
                any = 1;
            }
            if (!any && sou_doc_value(doc, o->fields[f], &d) == SOU_OK)
                printf("   %s: %.15g\n", o->fields[f], d);
        }
    }
    if (snippet_len) {
        fputs("   ", stdout);
        put_snippet(snippet, snippet_len);
        putchar('\n');
    }
    putchar('\n');
}

static void text_end(out_ctx *o, const sou_results *first)
{
    const sou_search_options *opts = o->opts;
    uint64_t total = sou_results_total(first);

    if (o->explain && o->shown == 0)
        printf("query: %s\n\n", o->explain);
    if (o->shown > 0) {
        printf("hits %zu-%zu of ", o->first_rank + 1, o->last_rank + 1);
        print_total(first, opts);
        putchar('\n');
    } else if (total == 0) {
        fputs("no hits\n", stdout);
    } else {
        fputs("no hits shown (", stdout);
        print_total(first, opts);
        fputs(" in all)\n", stdout);
    }
    if (sou_results_word_count(first) > 0) {
        int relaxed = !(opts->flags & SOU_SEARCH_STRICT) && opts->default_op == SOU_OP_AND;
        if (o->shown == 0 && total == 0)
            fputs(relaxed ? "no document matches even some of the words:\n"
                          : "no document matches; the words:\n",
                  stdout);
        else
            fputs("words:\n", stdout);
        print_words(first);
    }
}

/* The facets as text: each value with its count, the most frequent first. */
static void print_facets(const sou_results *res)
{
    for (size_t f = 0; f < sou_results_facet_count(res); f++) {
        size_t n;
        const char *name = sou_results_facet(res, f, &n);
        printf("facet %s: %zu value%s\n", name, n, n == 1 ? "" : "s");
        for (size_t j = 0; j < n && j < FACET_TEXT_VALUES; j++) {
            double v;
            uint64_t count;
            char buf[32];
            sou_results_facet_value(res, f, j, &v, &count);
            format_count(count, buf, sizeof buf);
            printf("  %.15g: %s\n", v, buf);
        }
        if (n > FACET_TEXT_VALUES)
            printf("  (%zu more; --json lists all)\n", n - FACET_TEXT_VALUES);
    }
}

/* The facets as a JSON member "facets": {NAME: [{"value": V, "count": N}]};
 * nothing without facets. 0, or -1 when out of memory. */
static int facets_json(json_t *root, const sou_results *res)
{
    json_t *all;

    if (sou_results_facet_count(res) == 0)
        return 0;
    if (!(all = json_object()) || json_object_set_new(root, "facets", all) != 0)
        return -1;
    for (size_t f = 0; f < sou_results_facet_count(res); f++) {
        size_t n;
        const char *name = sou_results_facet(res, f, &n);
        json_t *vals = json_array();
        if (!vals || json_object_set_new(all, name, vals) != 0)
            return -1;
        for (size_t j = 0; j < n; j++) {
            double v;
            uint64_t count;
            json_t *o = json_object();
            sou_results_facet_value(res, f, j, &v, &count);
            if (!o || json_array_append_new(vals, o) != 0 ||
                json_object_set_new(o, "value", json_real(v)) != 0 ||
                json_object_set_new(o, "count", json_integer((json_int_t)count)) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- JSON: the answer's head, then the hits one by one */

/* A field's texts: a string, or an array when the name is repeated; then a
 * value of that name; else NULL. */
static json_t *field_json(const sou_doc *doc, const char *want)
{
    size_t count = sou_doc_field_count(doc), len;
    const char *name, *text;
    json_t *v = NULL;
    double d;

    for (size_t k = 0; k < count; k++) {
        json_t *t;
        if (sou_doc_field_at(doc, k, &name, &text, &len) != SOU_OK || strcmp(name, want) != 0)
            continue;
        if (!(t = cli_json_text(text, len)))
            goto oom;
        if (!v) {
            v = t;
        } else if (json_is_array(v)) {
            if (json_array_append_new(v, t) != 0)
                goto oom;
        } else {
            json_t *arr = json_array();
            if (!arr || json_array_append_new(arr, v) != 0) {
                json_decref(arr);
                json_decref(t);
                return NULL;
            }
            v = arr;
            if (json_array_append_new(v, t) != 0)
                goto oom;
        }
    }
    if (v)
        return v;
    if (sou_doc_value(doc, want, &d) == SOU_OK)
        return (d > -9e15 && d < 9e15 && d == (double)(json_int_t)d)
                   ? json_integer((json_int_t)d)
                   : json_real(d);
    return json_null();
oom:
    json_decref(v);
    return NULL;
}

/* For --matches: each field shown that has matches, with its spans as
 * [start, end] byte offsets into the stored text. */
static json_t *matches_json(const out_ctx *o, const sou_results *res, size_t i)
{
    const sou_doc *doc = sou_results_doc(res, i);
    size_t count = sou_doc_field_count(doc);
    json_t *m = json_object();

    for (size_t f = 0; m && f < count; f++) {
        const char *name;
        size_t n;
        json_t *arr;
        if (sou_doc_field_at(doc, f, &name, NULL, NULL) != SOU_OK ||
            (o->fields && !field_wanted(o, name)) || json_object_get(m, name) ||
            (n = sou_results_match_count(res, i, name)) == 0)
            continue;
        if (!(arr = json_array()) || json_object_set_new(m, name, arr) != 0)
            goto oom;
        for (size_t k = 0; k < n; k++) {
            size_t a, b;
            json_t *span;
            if (sou_results_match(res, i, name, k, &a, &b) != SOU_OK)
                continue;
            if (!(span = json_pack("[II]", (json_int_t)a, (json_int_t)b)) ||
                json_array_append_new(arr, span) != 0)
                goto oom;
        }
    }
    return m;
oom:
    json_decref(m);
    return NULL;
}

static json_t *hit_json(const out_ctx *o, const sou_results *res, size_t i)
{
    static const char *const levels[] = { "exact", "all_words", "some_words" };
    static const char *const skip[] = { "id",          "rank",        "score",   "match", "title",
                                        "matched_words", "query_words", "snippet", NULL };
    static const char *const skip_m[] = { "id",          "rank",        "score",   "match", "title",
                                          "matched_words", "query_words", "snippet", "matches",
                                          NULL };
    json_t *hit = json_object();
    const char *s;
    size_t len, matched, words;
    sou_match_level lv = sou_results_level(res, i, &matched, &words);

    if (!hit)
        return NULL;
    s = sou_results_id(res, i, &len);
    if (json_object_set_new(hit, "id", cli_json_text(s, len)) != 0 ||
        json_object_set_new(hit, "rank", json_integer((json_int_t)sou_results_rank(res, i) + 1)) !=
            0 ||
        json_object_set_new(hit, "score", json_real(sou_results_score(res, i))) != 0 ||
        json_object_set_new(hit, "match", json_string(levels[lv])) != 0 ||
        (lv == SOU_MATCH_SOME_WORDS &&
         (json_object_set_new(hit, "matched_words", json_integer((json_int_t)matched)) != 0 ||
          json_object_set_new(hit, "query_words", json_integer((json_int_t)words)) != 0)))
        goto fail;
    if (!o->fields) {
        s = sou_results_field(res, i, "title", &len);
        if (json_object_set_new(hit, "title", s ? cli_json_text(s, len) : json_string("")) != 0)
            goto fail;
    }
    s = sou_results_snippet(res, i, &len);
    if (json_object_set_new(hit, "snippet", cli_json_text(s, len)) != 0)
        goto fail;
    if (!o->fields) {
        if (cli_json_add_fields(hit, sou_results_doc(res, i), o->matches ? skip_m : skip) != 0)
            goto fail;
    } else {
        for (size_t f = 0; f < o->nfields; f++)
            if (json_object_set_new(hit, o->fields[f],
                                    field_json(sou_results_doc(res, i), o->fields[f])) != 0)
                goto fail;
    }
    if (o->matches && json_object_set_new(hit, "matches", matches_json(o, res, i)) != 0)
        goto fail;
    return hit;
fail:
    json_decref(hit);
    return NULL;
}

/* Everything of the answer but its hits, as an object. */
static json_t *json_head(const out_ctx *o, const sou_results *res)
{
    json_t *root = json_object();

    if (!root ||
        json_object_set_new(root, "query", cli_json_text(o->query, o->query_len)) != 0 ||
        (o->explain &&
         json_object_set_new(root, "explain", cli_json_text(o->explain, strlen(o->explain))) !=
             0) ||
        json_object_set_new(root, "total", json_integer((json_int_t)sou_results_total(res))) != 0 ||
        json_object_set_new(root, "total_exact", json_boolean(sou_results_total_exact(res))) != 0)
        goto oom;
    if (sou_results_word_count(res) > 0) {
        json_t *words = json_array();
        if (!words || json_object_set_new(root, "words", words) != 0)
            goto oom;
        for (size_t i = 0; i < sou_results_word_count(res); i++) {
            size_t len;
            uint64_t docs;
            const char *sugg;
            const char *w = sou_results_word(res, i, &len, &docs, &sugg);
            json_t *wo = json_object();
            if (!wo || json_array_append_new(words, wo) != 0 ||
                json_object_set_new(wo, "word", cli_json_text(w, len)) != 0 ||
                json_object_set_new(wo, "docs", json_integer((json_int_t)docs)) != 0 ||
                json_object_set_new(wo, "suggestion", sugg ? json_string(sugg) : json_null()) !=
                    0)
                goto oom;
        }
    }
    if (facets_json(root, res) != 0)
        goto oom;
    return root;
oom:
    json_decref(root);
    return NULL;
}

/* value on one line, as JSON. */
static int json_put(json_t *value)
{
    if (!value) {
        cli_warn("out of memory");
        return CLI_FAIL;
    }
    if (json_dumpf(value, stdout, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6)) != 0) {
        cli_warn("cannot write the output: %s", strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* The head's members, one a line, and the opening of "hits". */
static int json_begin(const out_ctx *o, const sou_results *res)
{
    json_t *head = json_head(o, res);
    const char *key;
    json_t *value;
    int rc = CLI_OK;

    if (!head) {
        cli_warn("out of memory");
        return CLI_FAIL;
    }
    fputs("{\n", stdout);
    json_object_foreach(head, key, value)
    {
        json_t *k = json_string(key);
        fputs("  ", stdout);
        if ((rc = json_put(k)) == CLI_OK) {
            fputs(": ", stdout);
            rc = json_put(value);
        }
        json_decref(k);
        if (rc != CLI_OK)
            break;
        fputs(",\n", stdout);
    }
    json_decref(head);
    if (rc == CLI_OK)
        fputs("  \"hits\": [", stdout);
    return rc;
}

static int json_hit(out_ctx *o, const sou_results *res, size_t i)
{
    json_t *hit = hit_json(o, res, i);
    int rc;

    if (o->format == OUT_JSON)
        fputs(o->shown ? ",\n    " : "\n    ", stdout);
    rc = json_put(hit);
    json_decref(hit);
    if (rc == CLI_OK && o->format == OUT_JSONL)
        putchar('\n');
    return rc;
}

static void json_end(const out_ctx *o)
{
    fputs(o->shown ? "\n  ]\n}\n" : "]\n}\n", stdout);
}

/* ---- the search, page by page */

static int out_begin(out_ctx *o, const sou_results *first)
{
    return o->format == OUT_JSON ? json_begin(o, first) : CLI_OK;
}

static int out_hit(out_ctx *o, const sou_results *res, size_t i)
{
    int rc = CLI_OK;

    if (o->format == OUT_TEXT)
        text_hit(o, res, i);
    else
        rc = json_hit(o, res, i);
    if (o->shown == 0)
        o->first_rank = sou_results_rank(res, i);
    o->last_rank = sou_results_rank(res, i);
    o->shown++;
    /* A pipe closed early (| head) ends the listing. */
    if (rc == CLI_OK && ferror(stdout)) {
        cli_warn("cannot write the output: %s", strerror(errno));
        rc = CLI_FAIL;
    }
    return rc;
}

static void out_end(out_ctx *o, const sou_results *first)
{
    if (o->format == OUT_TEXT) {
        text_end(o, first);
        print_facets(first);
    } else if (o->format == OUT_JSON)
        json_end(o);
}

/* Run the query for opts->limit hits from opts->offset, PAGE_HITS at a
 * time, each page written before the next is asked for. The first page
 * gives the total and the explained words; later pages only hits. */
static int search_pages(sou_index *index, const char *query, size_t query_len,
                        const sou_search_options *opts, out_ctx *o)
{
    sou_search_options page = *opts;
    sou_results *first = NULL, *res = NULL;
    size_t want = opts->limit, done = 0;
    int rc;

    page.limit = want < PAGE_HITS ? want : PAGE_HITS;
    if (sou_index_search(index, query, query_len, &page, &first) != SOU_OK)
        return cli_lib_error();
    if ((rc = out_begin(o, first)) != CLI_OK)
        goto out;
    res = first;
    for (;;) {
        size_t n = sou_results_count(res);
        for (size_t i = 0; i < n; i++)
            if ((rc = out_hit(o, res, i)) != CLI_OK)
                goto out;
        done += n;
        if (n < page.limit || done >= want)
            break;
        if (res != first)
            sou_results_free(res);
        res = NULL;
        /* The total is known: later pages count no further than they must. */
        page.offset = opts->offset + done;
        page.limit = want - done < PAGE_HITS ? want - done : PAGE_HITS;
        page.exact_total = 0;
        page.flags &= ~SOU_SEARCH_EXPLAIN;
        /* Facets come with the first page, counted over the whole match. */
        page.facets = NULL;
        page.nfacets = 0;
        if (sou_index_search(index, query, query_len, &page, &res) != SOU_OK) {
            rc = cli_lib_error();
            goto out;
        }
    }
    out_end(o, first);
out:
    if (res != first)
        sou_results_free(res);
    sou_results_free(first);
    return rc;
}

/* --fields A,B into o: names as the library allows them, each once. */
static int parse_fields(const char *list, out_ctx *o)
{
    size_t cap = 1;
    const char *p;

    for (p = list; *p; p++)
        cap += *p == ',';
    if (!(o->fields = calloc(cap, sizeof *o->fields))) {
        cli_warn("out of memory");
        return CLI_FAIL;
    }
    for (p = list; *p;) {
        size_t n = strcspn(p, ",");
        int ok = n > 0 && n <= SOU_NAME_MAX && p[0] >= 'a' && p[0] <= 'z';
        char *name;
        for (size_t k = 1; ok && k < n; k++)
            ok = (p[k] >= 'a' && p[k] <= 'z') || (p[k] >= '0' && p[k] <= '9') || p[k] == '_';
        if (!ok)
            return cli_usage_error("search", "--fields: not a field name: '%.*s'", (int)n, p);
        if (!(name = malloc(n + 1))) {
            cli_warn("out of memory");
            return CLI_FAIL;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        for (const char *const *r = RESERVED; *r; r++)
            if (strcmp(name, *r) == 0) {
                free(name);
                return cli_usage_error("search",
                                       "--fields: '%.*s' is shown with every hit, not a field "
                                       "that can be chosen",
                                       (int)n, p);
            }
        if (field_wanted(o, name))
            free(name);
        else
            o->fields[o->nfields++] = name;
        p += n;
        if (*p == ',')
            p++;
    }
    return CLI_OK;
}

int cmd_search(cli_global *g, int argc, char **argv)
{
    enum {
        OPT_JSON = 256, OPT_LIMIT, OPT_OFFSET, OPT_OR, OPT_SORT, OPT_ASC, OPT_FIELD, OPT_EXPLAIN,
        OPT_STRICT, OPT_EXACT_TOTAL, OPT_JSONL, OPT_FIELDS, OPT_HL_PRE, OPT_HL_POST, OPT_MATCHES, OPT_FACET
    };
    static const struct option longopts[] = {
        { "json", no_argument, NULL, OPT_JSON },
        { "jsonl", no_argument, NULL, OPT_JSONL },
        { "fields", required_argument, NULL, OPT_FIELDS },
        { "highlight-pre", required_argument, NULL, OPT_HL_PRE },
        { "highlight-post", required_argument, NULL, OPT_HL_POST },
        { "matches", no_argument, NULL, OPT_MATCHES },
        { "limit", required_argument, NULL, OPT_LIMIT },
        { "offset", required_argument, NULL, OPT_OFFSET },
        { "or", no_argument, NULL, OPT_OR },
        { "sort", required_argument, NULL, OPT_SORT },
        { "ascending", no_argument, NULL, OPT_ASC },
        { "field", required_argument, NULL, OPT_FIELD },
        { "explain", no_argument, NULL, OPT_EXPLAIN },
        { "strict", no_argument, NULL, OPT_STRICT },
        { "exact-total", required_argument, NULL, OPT_EXACT_TOTAL },
        { "facet", required_argument, NULL, OPT_FACET },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    sou_search_options opts;
    out_ctx o;
    int explain = 0, c, rc;
    const char *facets[FACETS_MAX];
    sou_index *index = NULL;
    char *query = NULL, *explained = NULL;
    const char *no_color, *term, *hl_pre = NULL, *hl_post = NULL, *fields = NULL;
    size_t query_len;

    memset(&o, 0, sizeof o);
    sou_search_options_init(&opts, SOU_SEARCH_OPTIONS_VERSION);
    /* "+": the first query word ends the options, so "-word" needs no "--". */
    while ((c = cli_getopt(g, "search", argc, argv, "+h", longopts)) != -1) {
        switch (c) {
        case OPT_JSON:
        case OPT_JSONL:
            if (o.format != OUT_TEXT && o.format != (c == OPT_JSON ? OUT_JSON : OUT_JSONL))
                return cli_usage_error("search", "--json and --jsonl exclude each other");
            o.format = c == OPT_JSON ? OUT_JSON : OUT_JSONL;
            break;
        case OPT_FIELDS: fields = optarg; break;
        case OPT_HL_PRE: hl_pre = optarg; break;
        case OPT_HL_POST: hl_post = optarg; break;
        case OPT_MATCHES:
            o.matches = 1;
            opts.flags |= SOU_SEARCH_MATCHES;
            break;
        case OPT_LIMIT:
            if (cli_parse_size(optarg, &opts.limit) != 0)
                return cli_usage_error("search", "--limit: not a number: '%s'", optarg);
            break;
        case OPT_OFFSET:
            if (cli_parse_size(optarg, &opts.offset) != 0)
                return cli_usage_error("search", "--offset: not a number: '%s'", optarg);
            break;
        case OPT_OR: opts.default_op = SOU_OP_OR; break;
        case OPT_SORT: opts.sort_by = optarg; break;
        case OPT_ASC: opts.flags |= SOU_SEARCH_SORT_ASCENDING; break;
        case OPT_FIELD: opts.snippet_field = optarg; break;
        case OPT_EXPLAIN:
            explain = 1;
            opts.flags |= SOU_SEARCH_EXPLAIN;
            break;
        case OPT_STRICT: opts.flags |= SOU_SEARCH_STRICT; break;
        case OPT_EXACT_TOTAL: {
            size_t n;
            if (cli_parse_size(optarg, &n) != 0)
                return cli_usage_error("search", "--exact-total: not a number: '%s'", optarg);
            opts.exact_total = n;
            break;
        }
        case OPT_FACET:
            if (opts.nfacets == FACETS_MAX)
                return cli_usage_error("search", "--facet: at most %d", FACETS_MAX);
            facets[opts.nfacets++] = optarg;
            opts.facets = facets;
            break;
        case 'h':
            usage(stdout);
            return cli_finish(CLI_OK);
        default:
            return cli_usage_hint("search");
        }
    }
    if (optind >= argc)
        return cli_usage_error("search", "no query");
    /* "sou search river --json" would search for "--json": say so, unless
     * "--" showed that the query is meant as written. */
    if (strcmp(argv[optind - 1], "--") != 0) {
        for (int i = optind; i < argc; i++)
            if (cli_is_option(longopts, argv[i]))
                return cli_usage_error("search",
                                       "option '%.*s' after the query: put options first, "
                                       "or '--' before a query that holds it",
                                       (int)strcspn(argv[i], "="), argv[i]);
    }
    if (o.matches && o.format == OUT_TEXT)
        return cli_usage_error("search", "--matches goes with --json or --jsonl");
    if (fields && (rc = parse_fields(fields, &o)) != CLI_OK)
        goto out;
    if (o.matches && field_wanted(&o, "matches")) {
        rc = cli_usage_error("search", "--fields: 'matches' is the key of --matches");
        goto out;
    }
    no_color = getenv("NO_COLOR");
    term = getenv("TERM");
    o.color = o.format == OUT_TEXT && isatty(STDOUT_FILENO) && !(term && !strcmp(term, "dumb"));
    if (o.format != OUT_TEXT) {
        opts.hl_start = NULL; /* the library's: <b>, </b>, escaped text */
        opts.hl_end = NULL;
    } else if (!o.color) {
        opts.hl_start = "";
        opts.hl_end = "";
    } else if (no_color && *no_color) {
        opts.hl_start = BOLD_HL_START;
        opts.hl_end = BOLD_HL_END;
    } else {
        opts.hl_start = COLOR_HL_START;
        opts.hl_end = COLOR_HL_END;
    }
    if (hl_pre)
        opts.hl_start = hl_pre;
    if (hl_post)
        opts.hl_end = hl_post;
    o.opts = &opts;
    query = cli_join_args(argc - optind, argv + optind, &query_len);
    if (!query) {
        cli_warn("out of memory");
        rc = CLI_FAIL;
        goto out;
    }
    o.query = query;
    o.query_len = query_len;
    rc = cli_index_open(g, "search", SOU_INDEX_READONLY, NULL, &index);
    if (rc != CLI_OK)
        goto out;
    if (explain && sou_index_explain(index, query, query_len, &opts, &explained) != SOU_OK) {
        rc = cli_lib_error();
    } else {
        o.explain = explained;
        rc = search_pages(index, query, query_len, &opts, &o);
    }
    sou_free(explained);
    sou_index_close(index);
    rc = cli_finish(rc);
out:
    for (size_t i = 0; i < o.nfields; i++)
        free(o.fields[i]);
    free(o.fields);
    free(query);
    return rc;
}
