/* recall.c: sou-bench recall, how well Chinese substrings are found. */
#define _GNU_SOURCE /* memmem, nftw, mkdtemp */

#include "bench.h"
#include "peers_xapian.h"

#include <jansson.h>
#include <sou.h>

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define QUERIES_DEFAULT 400
#define QUERIES_MIN 300
#define QUERY_CHARS_MIN 2
#define QUERY_CHARS_MAX 6

enum { Q_WORD, Q_TWO_WORDS, Q_DIGITS_HAN, Q_KINDS };
static const char *const kind_names[Q_KINDS] = { "word", "two_words", "digits_han" };

/* --------------------------------------------------------------- queries */

typedef struct span {
    uint32_t doc;
    uint32_t start, end; /* bytes into the document */
} span;

typedef struct span_list {
    span *v;
    size_t n, cap;
} span_list;

typedef struct tok {
    size_t start, end;
    sou_token_kind kind;
} tok;

typedef struct tok_list {
    tok *v;
    size_t n, cap;
} tok_list;

typedef struct query {
    char *text;
    size_t len;
    int kind;
    uint32_t *truth; /* documents containing text, ascending */
    size_t n_truth;
} query;

static int span_push(span_list *l, uint32_t doc, size_t start, size_t end)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        span *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (span){ doc, (uint32_t)start, (uint32_t)end };
    return 0;
}

static int tok_collect(const sou_token *t, void *payload)
{
    tok_list *l = payload;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        tok *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return SOU_ESTOP;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (tok){ t->start, t->end, t->kind };
    return 0;
}

/* Code points in UTF-8 bytes: every byte that is not a continuation byte. */
static size_t utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Byte offset after the first @p k code points of s[at..]. */
static size_t utf8_skip(const char *s, size_t len, size_t at, size_t k)
{
    while (k > 0 && at < len) {
        at++;
        while (at < len && ((unsigned char)s[at] & 0xC0) == 0x80)
            at++;
        k--;
    }
    return at;
}

/* Byte offset of the start of the last @p k code points of s[..end). */
static size_t utf8_back(const char *s, size_t end, size_t k)
{
    while (k > 0 && end > 0) {
        end--;
        while (end > 0 && ((unsigned char)s[end] & 0xC0) == 0x80)
            end--;
        k--;
    }
    return end;
}

static int chars_ok(size_t n)
{
    return n >= QUERY_CHARS_MIN && n <= QUERY_CHARS_MAX;
}

/* Candidate spans of one document from its words-mode tokens. Han words
 * and word pairs are taken only when their tokens touch in the text, so
 * the query is a substring as typed. A number takes one or two of the Han
 * characters it touches on either side. */
static int candidates_add(span_list cand[Q_KINDS], uint32_t doc, const char *text,
                          const tok_list *toks)
{
    int rc = 0;
    for (size_t i = 0; i < toks->n && rc == 0; i++) {
        const tok *t = &toks->v[i];
        const tok *next = i + 1 < toks->n ? &toks->v[i + 1] : NULL;
        const tok *prev = i > 0 ? &toks->v[i - 1] : NULL;
        size_t chars = utf8_chars(text + t->start, t->end - t->start);
        if (t->kind == SOU_TOKEN_IDEOGRAPHIC) {
            if (chars_ok(chars))
                rc = span_push(&cand[Q_WORD], doc, t->start, t->end);
            if (rc == 0 && next && next->kind == SOU_TOKEN_IDEOGRAPHIC &&
                next->start == t->end &&
                chars_ok(chars + utf8_chars(text + next->start, next->end - next->start)))
                rc = span_push(&cand[Q_TWO_WORDS], doc, t->start, next->end);
        } else if (t->kind == SOU_TOKEN_NUMBER) {
            for (size_t k = 1; k <= 2 && rc == 0; k++) {
                if (!chars_ok(chars + k))
                    break;
                if (next && next->kind == SOU_TOKEN_IDEOGRAPHIC && next->start == t->end &&
                    utf8_chars(text + next->start, next->end - next->start) >= k)
                    rc = span_push(&cand[Q_DIGITS_HAN], doc, t->start,
                                   utf8_skip(text, next->end, next->start, k));
                if (rc == 0 && prev && prev->kind == SOU_TOKEN_IDEOGRAPHIC &&
                    prev->end == t->start &&
                    utf8_chars(text + prev->start, prev->end - prev->start) >= k)
                    rc = span_push(&cand[Q_DIGITS_HAN], doc, utf8_back(text, prev->end, k),
                                   t->end);
            }
        }
    }
    return rc;
}

/* splitmix64: a small generator whose sequence depends only on the seed. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int query_known(const query *q, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (q[i].len == len && memcmp(q[i].text, s, len) == 0)
            return 1;
    }
    return 0;
}

/* What the ground truth searches: the documents as they are, or folded
 * the way the analyzer folds text (NFKC with case folding), so that a
 * query written with full-width digits is found in text with ASCII ones,
 * as the analyzer is required to do. */
typedef struct haystack {
    char **doc;
    size_t *len;
    size_t count;
    int folded;
} haystack;

/* NFKC_Casefold of UTF-8 text, malloc'd and NUL-terminated; ill-formed
 * bytes become U+FFFD. NULL on failure. */
char *bench_fold_utf8(const char *s, size_t len, size_t *out_len)
{
    const UNormalizer2 *n;
    UErrorCode err = U_ZERO_ERROR;
    int32_t u16len = 0, nlen, olen = 0;
    UChar *u = NULL, *f = NULL;
    char *out = NULL;

    n = unorm2_getNFKCCasefoldInstance(&err);
    u_strFromUTF8WithSub(NULL, 0, &u16len, s, (int32_t)len, 0xFFFD, NULL, &err);
    if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
        return NULL;
    err = U_ZERO_ERROR;
    u = malloc((size_t)(u16len + 1) * sizeof *u);
    f = malloc((size_t)(u16len * 4 + 16) * sizeof *f);
    if (!u || !f)
        goto done;
    u_strFromUTF8WithSub(u, u16len + 1, NULL, s, (int32_t)len, 0xFFFD, NULL, &err);
    nlen = unorm2_normalize(n, u, u16len, f, u16len * 4 + 16, &err);
    if (U_FAILURE(err))
        goto done;
    u_strToUTF8(NULL, 0, &olen, f, nlen, &err);
    err = U_ZERO_ERROR;
    out = malloc((size_t)olen + 1);
    if (!out)
        goto done;
    u_strToUTF8(out, olen + 1, NULL, f, nlen, &err);
    if (U_FAILURE(err)) {
        free(out);
        out = NULL;
        goto done;
    }
    *out_len = (size_t)olen;
done:
    free(u);
    free(f);
    return out;
}

static void haystack_free(haystack *h)
{
    if (h->folded && h->doc)
        for (size_t d = 0; d < h->count; d++)
            free(h->doc[d]);
    free(h->doc);
    free(h->len);
}

static int haystack_make(haystack *h, const bench_text *docs, int folded)
{
    h->count = docs->count;
    h->folded = folded;
    h->doc = calloc(docs->count ? docs->count : 1, sizeof *h->doc);
    h->len = calloc(docs->count ? docs->count : 1, sizeof *h->len);
    if (!h->doc || !h->len)
        return -1;
    for (size_t d = 0; d < docs->count; d++) {
        if (folded) {
            h->doc[d] = bench_fold_utf8(bench_text_doc(docs, d), docs->len[d], &h->len[d]);
            if (!h->doc[d])
                return -1;
        } else {
            h->doc[d] = (char *)bench_text_doc(docs, d);
            h->len[d] = docs->len[d];
        }
    }
    return 0;
}

/* The documents holding the query (both folded when the haystack is). */
static int truth_fill(query *q, const haystack *hay)
{
    size_t cap = 64, nlen = q->len;
    char *needle = q->text;

    if (hay->folded && !(needle = bench_fold_utf8(q->text, q->len, &nlen)))
        return -1;
    q->truth = malloc(cap * sizeof *q->truth);
    if (!q->truth) {
        if (needle != q->text)
            free(needle);
        return -1;
    }
    for (size_t d = 0; d < hay->count; d++) {
        if (!memmem(hay->doc[d], hay->len[d], needle, nlen))
            continue;
        if (q->n_truth == cap) {
            cap *= 2;
            uint32_t *v = realloc(q->truth, cap * sizeof *v);
            if (!v)
                return -1;
            q->truth = v;
        }
        q->truth[q->n_truth++] = (uint32_t)d;
    }
    if (needle != q->text)
        free(needle);
    return 0;
}

/* Draws distinct queries of each kind from the text: 40% single words,
 * 30% word pairs, the rest numbers with Han characters. */
static int queries_make(const bench_text *docs, const haystack *hay, size_t want, uint64_t seed,
                        query **out, size_t *n_out, size_t per_kind[Q_KINDS])
{
    sou_analyzer_options ao = SOU_ANALYZER_OPTIONS_INIT;
    ao.cjk = SOU_CJK_WORDS;
    sou_analyzer *a;
    if (sou_analyzer_new(&a, &ao) != SOU_OK) {
        fprintf(stderr, "sou-bench: analyzer: %s\n", sou_error_last()->message);
        return -1;
    }
    span_list cand[Q_KINDS] = { { 0 } };
    tok_list toks = { 0 };
    int rc = 0;
    for (size_t d = 0; d < docs->count && rc == 0; d++) {
        toks.n = 0;
        const char *text = bench_text_doc(docs, d);
        if (sou_analyzer_tokenize(a, text, docs->len[d], tok_collect, &toks) != SOU_OK) {
            fprintf(stderr, "sou-bench: tokenize: %s\n", sou_error_last()->message);
            rc = -1;
        } else if (candidates_add(cand, (uint32_t)d, text, &toks) != 0) {
            fprintf(stderr, "sou-bench: out of memory\n");
            rc = -1;
        }
    }
    free(toks.v);
    sou_analyzer_free(a);

    size_t target[Q_KINDS];
    target[Q_WORD] = want * 4 / 10;
    target[Q_TWO_WORDS] = want * 3 / 10;
    target[Q_DIGITS_HAN] = want - target[Q_WORD] - target[Q_TWO_WORDS];
    query *q = rc == 0 ? calloc(want, sizeof *q) : NULL;
    size_t n = 0;
    if (rc == 0 && !q)
        rc = -1;
    uint64_t state = seed;
    for (int k = 0; k < Q_KINDS && rc == 0; k++) {
        per_kind[k] = 0;
        for (size_t tries = 0; per_kind[k] < target[k] && cand[k].n > 0 &&
                               tries < 100 * target[k] && rc == 0;
             tries++) {
            const span *s = &cand[k].v[rng_next(&state) % cand[k].n];
            const char *text = bench_text_doc(docs, s->doc) + s->start;
            size_t len = s->end - s->start;
            if (query_known(q, n, text, len))
                continue;
            q[n].text = malloc(len + 1);
            if (!q[n].text) {
                rc = -1;
                break;
            }
            memcpy(q[n].text, text, len);
            q[n].text[len] = '\0';
            q[n].len = len;
            q[n].kind = k;
            if (truth_fill(&q[n], hay) != 0) {
                n++;
                rc = -1;
                break;
            }
            n++;
            per_kind[k]++;
        }
    }
    for (int k = 0; k < Q_KINDS; k++)
        free(cand[k].v);
    *out = q;
    *n_out = n;
    return rc;
}

static void queries_free(query *q, size_t n)
{
    for (size_t i = 0; q && i < n; i++) {
        free(q[i].text);
        free(q[i].truth);
    }
    free(q);
}

/* --------------------------------------------------------------- systems */

typedef struct outcome {
    size_t returned, tp;
    int failed;
} outcome;

typedef struct system_result {
    const char *name;
    double index_s, search_s;
    size_t errors;
    outcome *per_query;
} system_result;

static int tmp_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Marks the truth of @p q in @p mark, scores the hits, then clears the marks. */
static void outcome_score(outcome *o, const query *q, unsigned char *mark, const uint32_t *hits,
                          size_t n_hits)
{
    for (size_t i = 0; i < q->n_truth; i++)
        mark[q->truth[i]] = 1;
    o->returned = n_hits;
    o->tp = 0;
    for (size_t i = 0; i < n_hits; i++)
        o->tp += mark[hits[i]];
    for (size_t i = 0; i < q->n_truth; i++)
        mark[q->truth[i]] = 0;
}

static int sou_system_run(system_result *r, sou_cjk_mode mode, const char *path,
                          const bench_text *docs, const query *q, size_t nq,
                          unsigned char *mark, uint32_t *hits)
{
    sou_analyzer_options ao = SOU_ANALYZER_OPTIONS_INIT;
    ao.cjk = mode;
    sou_index_options io = SOU_INDEX_OPTIONS_INIT;
    io.flags = SOU_INDEX_CREATE;
    io.analyzer = &ao;
    sou_index *index;
    double t0 = bench_now();
    if (sou_index_open(&index, path, &io) != SOU_OK) {
        fprintf(stderr, "sou-bench: %s: open: %s\n", r->name, sou_error_last()->message);
        return -1;
    }
    int rc = 0;
    for (size_t d = 0; d < docs->count && rc == 0; d++) {
        char id[24];
        int id_len = snprintf(id, sizeof id, "%zu", d);
        sou_doc *doc;
        rc = sou_doc_new(&doc, id, (size_t)id_len);
        if (rc == SOU_OK)
            rc = sou_doc_add_field(doc, "body", bench_text_doc(docs, d), docs->len[d], 0, 0);
        if (rc == SOU_OK)
            rc = sou_index_add(index, doc);
        sou_doc_free(doc);
    }
    if (rc == SOU_OK)
        rc = sou_index_commit(index);
    r->index_s = bench_now() - t0;
    if (rc != SOU_OK) {
        fprintf(stderr, "sou-bench: %s: indexing: %s\n", r->name, sou_error_last()->message);
        sou_index_close(index);
        return -1;
    }

    sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
    so.limit = docs->count;
    so.flags = SOU_SEARCH_NO_SNIPPETS;
    t0 = bench_now();
    for (size_t i = 0; i < nq; i++) {
        sou_results *res;
        outcome *o = &r->per_query[i];
        if (sou_index_search(index, q[i].text, q[i].len, &so, &res) != SOU_OK) {
            fprintf(stderr, "sou-bench: %s: query '%s': %s\n", r->name, q[i].text,
                    sou_error_last()->message);
            o->failed = 1;
            r->errors++;
            outcome_score(o, &q[i], mark, hits, 0);
            continue;
        }
        size_t n = sou_results_count(res), kept = 0;
        for (size_t h = 0; h < n; h++) {
            const char *id = sou_results_id(res, h, NULL);
            char *end;
            /* Substring recall is the exact level's; relaxed hits (a run's
             * words apart, some of them) come after and are not counted. */
            if (sou_results_level(res, h, NULL, NULL) != SOU_MATCH_EXACT)
                break;
            unsigned long d = id ? strtoul(id, &end, 10) : 0;
            if (id && *end == '\0' && d < docs->count)
                hits[kept++] = (uint32_t)d;
        }
        sou_results_free(res);
        outcome_score(o, &q[i], mark, hits, kept);
    }
    r->search_s = bench_now() - t0;
    sou_index_close(index);
    return 0;
}

static int xapian_system_run(system_result *r, const char *path, const bench_text *docs,
                             const query *q, size_t nq, unsigned char *mark, uint32_t *hits)
{
    peer_xapian_db *db;
    double t0 = bench_now();
    if (peer_xapian_db_create(&db, path, 0) != 0) {
        fprintf(stderr, "sou-bench: %s: %s\n", r->name, peer_xapian_error());
        return -1;
    }
    int rc = 0;
    for (size_t d = 0; d < docs->count && rc == 0; d++)
        rc = peer_xapian_db_add(db, bench_text_doc(docs, d), docs->len[d]);
    if (rc == 0)
        rc = peer_xapian_db_commit(db);
    r->index_s = bench_now() - t0;
    if (rc != 0) {
        fprintf(stderr, "sou-bench: %s: %s\n", r->name, peer_xapian_error());
        peer_xapian_db_close(db);
        return -1;
    }
    t0 = bench_now();
    for (size_t i = 0; i < nq; i++) {
        size_t n;
        outcome *o = &r->per_query[i];
        if (peer_xapian_db_search(db, q[i].text, q[i].len, hits, docs->count, &n) != 0) {
            fprintf(stderr, "sou-bench: %s: query '%s': %s\n", r->name, q[i].text,
                    peer_xapian_error());
            o->failed = 1;
            r->errors++;
            n = 0;
        }
        /* Docids count from 1 in the order added. */
        for (size_t h = 0; h < n; h++)
            hits[h] -= 1;
        outcome_score(o, &q[i], mark, hits, n);
    }
    r->search_s = bench_now() - t0;
    peer_xapian_db_close(db);
    return 0;
}

/* ---------------------------------------------------------------- report */

typedef struct totals {
    size_t queries, truth, returned, tp;
} totals;

static totals totals_of(const system_result *r, const query *q, size_t nq, int kind)
{
    totals t = { 0, 0, 0, 0 };
    for (size_t i = 0; i < nq; i++) {
        if (kind >= 0 && q[i].kind != kind)
            continue;
        t.queries++;
        t.truth += q[i].n_truth;
        t.returned += r->per_query[i].returned;
        t.tp += r->per_query[i].tp;
    }
    return t;
}

static double ratio(size_t a, size_t b)
{
    return b ? (double)a / (double)b : -1;
}

static void ratio_print(double v)
{
    if (v < 0)
        printf(" %9s", "-");
    else
        printf(" %9.4f", v);
}

static json_t *ratio_json(double v)
{
    return v < 0 ? json_null() : json_real(v);
}

typedef struct worst {
    size_t query;
    size_t missed, extra;
} worst;

static int worst_cmp(const void *a, const void *b)
{
    const worst *x = a, *y = b;
    if (x->missed != y->missed)
        return x->missed < y->missed ? 1 : -1;
    if (x->extra != y->extra)
        return x->extra < y->extra ? 1 : -1;
    return (x->query > y->query) - (x->query < y->query);
}

/* Queries of @p r sorted by documents missed, then by documents wrongly
 * returned; only those with either. @return the count, or -1. */
static long worst_list(const system_result *r, const query *q, size_t nq, worst **out)
{
    worst *w = malloc((nq ? nq : 1) * sizeof *w);
    if (!w)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < nq; i++) {
        const outcome *o = &r->per_query[i];
        size_t missed = q[i].n_truth - o->tp, extra = o->returned - o->tp;
        if (missed || extra)
            w[n++] = (worst){ i, missed, extra };
    }
    qsort(w, n, sizeof *w, worst_cmp);
    *out = w;
    return (long)n;
}

#define WORST_SHOWN 10

/* Prints @p s left-aligned in @p cols terminal columns, counting a
 * non-ASCII character (Han, full-width digits) as two columns. */
static void cell_print(const char *s, size_t cols)
{
    size_t width = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80)
            width++;
        else if ((*p & 0xC0) != 0x80)
            width += 2;
    }
    fputs(s, stdout);
    for (; width < cols; width++)
        putchar(' ');
}

static void report_text(const system_result *rs, size_t n_sys, const query *q, size_t nq,
                        int verbose)
{
    printf("%-14s %8s %11s %9s %9s %8s %8s %8s %6s\n", "system", "index s", "search ms/q",
           "recall", "precision", "TP", "truth", "returned", "errors");
    for (size_t s = 0; s < n_sys; s++) {
        totals t = totals_of(&rs[s], q, nq, -1);
        printf("%-14s %8.2f %11.3f", rs[s].name, rs[s].index_s,
               nq ? rs[s].search_s * 1e3 / (double)nq : 0.0);
        ratio_print(ratio(t.tp, t.truth));
        ratio_print(ratio(t.tp, t.returned));
        printf(" %8zu %8zu %8zu %6zu\n", t.tp, t.truth, t.returned, rs[s].errors);
    }
    printf("\nby kind of query:\n");
    printf("%-14s %-11s %7s %9s %9s\n", "system", "kind", "queries", "recall", "precision");
    for (size_t s = 0; s < n_sys; s++) {
        for (int k = 0; k < Q_KINDS; k++) {
            totals t = totals_of(&rs[s], q, nq, k);
            printf("%-14s %-11s %7zu", rs[s].name, kind_names[k], t.queries);
            ratio_print(ratio(t.tp, t.truth));
            ratio_print(ratio(t.tp, t.returned));
            putchar('\n');
        }
    }
    if (!verbose)
        return;
    for (size_t s = 0; s < n_sys; s++) {
        worst *w;
        long n = worst_list(&rs[s], q, nq, &w);
        if (n < 0)
            continue;
        printf("\n%s: %ld queries miss or over-match; the worst %d:\n", rs[s].name, n,
               WORST_SHOWN);
        for (long i = 0; i < n && i < WORST_SHOWN; i++) {
            const query *qq = &q[w[i].query];
            fputs("  ", stdout);
            cell_print(qq->text, 14);
            printf(" %-11s truth %5zu  missed %5zu  extra %5zu%s\n", kind_names[qq->kind],
                   qq->n_truth, w[i].missed, w[i].extra,
                   rs[s].per_query[w[i].query].failed ? "  (query failed)" : "");
        }
        free(w);
    }
}

static json_t *totals_json(const totals *t)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:o, s:o}", "queries", (json_int_t)t->queries,
                     "tp", (json_int_t)t->tp, "truth", (json_int_t)t->truth, "returned",
                     (json_int_t)t->returned, "recall", ratio_json(ratio(t->tp, t->truth)),
                     "precision", ratio_json(ratio(t->tp, t->returned)));
}

static int report_json(const system_result *rs, size_t n_sys, const query *q, size_t nq,
                       const size_t per_kind[Q_KINDS], const bench_text *docs, uint64_t seed,
                       int truth_bytes, int verbose)
{
    json_t *root = json_object();
    json_t *results = json_array();
    json_t *kinds = json_object();
    if (!root || !results || !kinds) {
        json_decref(root);
        json_decref(results);
        json_decref(kinds);
        return -1;
    }
    json_object_set_new(root, "documents", json_integer((json_int_t)docs->count));
    json_object_set_new(root, "bytes", json_integer((json_int_t)docs->bytes));
    json_object_set_new(root, "files", json_string(docs->files));
    json_object_set_new(root, "seed", json_integer((json_int_t)seed));
    json_object_set_new(root, "truth", json_string(truth_bytes ? "bytes" : "folded"));
    json_object_set_new(kinds, "total", json_integer((json_int_t)nq));
    for (int k = 0; k < Q_KINDS; k++)
        json_object_set_new(kinds, kind_names[k], json_integer((json_int_t)per_kind[k]));
    json_object_set_new(root, "queries", kinds);
    for (size_t s = 0; s < n_sys; s++) {
        totals t = totals_of(&rs[s], q, nq, -1);
        json_t *by_kind = json_object();
        for (int k = 0; k < Q_KINDS; k++) {
            totals tk = totals_of(&rs[s], q, nq, k);
            json_object_set_new(by_kind, kind_names[k], totals_json(&tk));
        }
        json_t *o = json_pack("{s:s, s:o, s:o, s:I, s:I, s:I, s:f, s:f, s:I, s:o}", "system",
                              rs[s].name, "recall", ratio_json(ratio(t.tp, t.truth)),
                              "precision", ratio_json(ratio(t.tp, t.returned)), "tp",
                              (json_int_t)t.tp, "truth", (json_int_t)t.truth, "returned",
                              (json_int_t)t.returned, "index_s", rs[s].index_s, "search_s",
                              rs[s].search_s, "errors", (json_int_t)rs[s].errors, "by_kind",
                              by_kind);
        worst *w;
        long n = verbose && o ? worst_list(&rs[s], q, nq, &w) : -1;
        if (n >= 0) {
            json_t *list = json_array();
            for (long i = 0; i < n && i < WORST_SHOWN; i++) {
                const query *qq = &q[w[i].query];
                json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I, s:I}", "query",
                                                      qq->text, "kind", kind_names[qq->kind],
                                                      "truth", (json_int_t)qq->n_truth,
                                                      "missed", (json_int_t)w[i].missed,
                                                      "extra", (json_int_t)w[i].extra));
            }
            json_object_set_new(o, "worst", list);
            free(w);
        }
        if (!o || json_array_append_new(results, o) != 0) {
            json_decref(results);
            json_decref(root);
            return -1;
        }
    }
    json_object_set_new(root, "results", results);
    return bench_json_print(root);
}

/* ------------------------------------------------------------------ main */

static void recall_usage(FILE *out)
{
    fputs("usage: sou-bench recall [--corpus DIR] [--queries N] [--seed S] [--json] [--verbose]\n"
          "\n"
          "Chinese substring search: indexes every non-empty line of zh/*.utf8 with\n"
          "sou (hybrid and words modes) and with Xapian's CJK n-grams, runs queries\n"
          "cut from the text (single words, two adjacent words, numbers with Han\n"
          "characters; 2 to 6 characters) and compares the hits with the lines that\n"
          "contain the query, both folded with NFKC and case folding as the analyzer\n"
          "folds text. Recall and precision are micro-averaged.\n"
          "\n"
          "  --corpus DIR   the corpus (default ../shared/corpus)\n"
          "  --queries N    queries to draw, at least 300 (default 400)\n"
          "  --seed S       seed for drawing them (default 1)\n"
          "  --json         print JSON instead of tables\n"
          "  --verbose      list the queries that miss the most documents\n"
          "  --truth-bytes  ground truth on the raw bytes, without folding\n",
          out);
}

int bench_recall_main(int argc, char **argv)
{
    const char *corpus_arg = NULL;
    uint64_t want = QUERIES_DEFAULT, seed = 1;
    int json = 0, verbose = 0, truth_bytes = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            recall_usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            verbose = 1;
        } else if (strcmp(a, "--truth-bytes") == 0) {
            truth_bytes = 1;
        } else if (i + 1 < argc && strcmp(a, "--corpus") == 0) {
            corpus_arg = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--queries") == 0) {
            if (bench_parse_u64(argv[++i], &want) != 0 || want < QUERIES_MIN ||
                want > 1000000) {
                fprintf(stderr, "sou-bench: --queries takes a number from %d to 1000000\n",
                        QUERIES_MIN);
                return 2;
            }
        } else if (i + 1 < argc && strcmp(a, "--seed") == 0) {
            if (bench_parse_u64(argv[++i], &seed) != 0) {
                fprintf(stderr, "sou-bench: --seed takes a non-negative number\n");
                return 2;
            }
        } else {
            fprintf(stderr, "sou-bench: bad argument '%s'\n", a);
            recall_usage(stderr);
            return 2;
        }
    }
    const char *corpus = bench_corpus_dir(corpus_arg);
    if (!corpus)
        return 2;
    bench_text docs;
    if (bench_text_load(&docs, corpus, "zh") != 0)
        return 1;

    query *q = NULL;
    size_t nq = 0, per_kind[Q_KINDS] = { 0 };
    haystack hay;
    int failed = haystack_make(&hay, &docs, !truth_bytes) != 0 ||
                 queries_make(&docs, &hay, (size_t)want, seed, &q, &nq, per_kind) != 0;
    haystack_free(&hay);
    if (!failed && nq < QUERIES_MIN)
        fprintf(stderr, "sou-bench: only %zu distinct queries could be drawn\n", nq);

    char tmpl[4096];
    const char *tmp = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/sou-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int have_tmp = 0;
    if (!failed) {
        if (mkdtemp(tmpl))
            have_tmp = 1;
        else {
            perror("sou-bench: mkdtemp");
            failed = 1;
        }
    }

    enum { N_SYS = 3 };
    system_result rs[N_SYS] = { { "sou-hybrid", 0, 0, 0, NULL },
                                { "sou-words", 0, 0, 0, NULL },
                                { "xapian-ngram", 0, 0, 0, NULL } };
    unsigned char *mark = calloc(docs.count, 1);
    uint32_t *hits = malloc(docs.count * sizeof *hits);
    if (!mark || !hits)
        failed = 1;
    size_t n_sys = 0;
    for (size_t s = 0; s < N_SYS && !failed; s++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", tmpl, rs[s].name);
        rs[s].per_query = calloc(nq ? nq : 1, sizeof *rs[s].per_query);
        if (!rs[s].per_query) {
            failed = 1;
            break;
        }
        int rc;
        if (s == 0)
            rc = sou_system_run(&rs[s], SOU_CJK_HYBRID, path, &docs, q, nq, mark, hits);
        else if (s == 1)
            rc = sou_system_run(&rs[s], SOU_CJK_WORDS, path, &docs, q, nq, mark, hits);
        else
            rc = xapian_system_run(&rs[s], path, &docs, q, nq, mark, hits);
        if (rc != 0) {
            failed = 1;
            break;
        }
        n_sys++;
    }
    if (have_tmp && nftw(tmpl, tmp_remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "sou-bench: could not remove %s\n", tmpl);

    if (!failed) {
        if (json) {
            if (report_json(rs, n_sys, q, nq, per_kind, &docs, seed, truth_bytes, verbose) != 0) {
                fprintf(stderr, "sou-bench: cannot write JSON\n");
                failed = 1;
            }
        } else {
            printf("sou-bench recall\n");
            printf("documents: %zu lines, %zu bytes (%s)\n", docs.count, docs.bytes,
                   docs.files);
            printf("truth:     lines containing the query, %s\n",
                   truth_bytes ? "as bytes" : "both NFKC case folded");
            printf("queries:   %zu (word %zu, two_words %zu, digits_han %zu), seed %llu\n",
                   nq, per_kind[Q_WORD], per_kind[Q_TWO_WORDS], per_kind[Q_DIGITS_HAN],
                   (unsigned long long)seed);
            printf("scores:    recall = TP/truth, precision = TP/returned, summed over "
                   "queries\n\n");
            report_text(rs, n_sys, q, nq, verbose);
        }
    }
    for (size_t s = 0; s < N_SYS; s++)
        free(rs[s].per_query);
    free(mark);
    free(hits);
    queries_free(q, nq);
    bench_text_free(&docs);
    return failed;
}
