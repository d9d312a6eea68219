/* query.c: sou-bench query, search latency beside Xapian and SQLite FTS5
 * on the collection of sou-bench index. */
#define _GNU_SOURCE /* memmem */

#include "bench.h"
#include "peers_sqlite.h"
#include "peers_xapian.h"

#include <jansson.h>
#include <sou.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DOCS_DEFAULT 245400
#define QUERIES_DEFAULT 1000
#define RUNS_DEFAULT 3
#define TOP 10

enum { K_EN_WORD, K_TWO_WORDS, K_PHRASE, K_ZH, K_MIXED, K_KINDS };
_Static_assert(K_KINDS == BENCH_QUERY_KINDS, "bench.h counts the kinds of queries");
static const char *const kind_names[K_KINDS] = { "en_word", "two_words", "phrase", "zh",
                                                 "mixed" };
/* Shares of the queries, in percent, in the order above. */
static const unsigned kind_share[K_KINDS] = { 30, 15, 15, 30, 10 };

/* Kinds whose text holds Han characters and must occur in every hit. */
static int kind_chinese(int k)
{
    return k == K_ZH || k == K_MIXED;
}

typedef bench_query query;

/* --------------------------------------------------------------- queries */

static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

typedef struct tok {
    size_t start, end;
    sou_token_kind kind;
} tok;

typedef struct tok_list {
    tok *v;
    size_t n, cap;
} tok_list;

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

static int is_han_at(const char *s, size_t len, size_t *at)
{
    UChar32 c;
    int32_t i = (int32_t)*at;
    U8_NEXT(s, i, (int32_t)len, c);
    *at = (size_t)i;
    return c >= 0 && u_hasBinaryProperty(c, UCHAR_IDEOGRAPHIC);
}

/* Byte offset after @p k Han characters from @p at, or 0 when there are not
 * that many Han characters in a row. */
static size_t han_run(const char *s, size_t len, size_t at, unsigned k)
{
    for (unsigned i = 0; i < k; i++) {
        if (at >= len || !is_han_at(s, len, &at))
            return 0;
    }
    return at;
}

/* Start of the @p k Han characters that end at @p end, or SIZE_MAX. */
static size_t han_back(const char *s, size_t end, unsigned k)
{
    size_t at = end;
    for (unsigned i = 0; i < k; i++) {
        if (at == 0)
            return SIZE_MAX;
        do
            at--;
        while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80);
        size_t probe = at;
        if (!is_han_at(s, end, &probe))
            return SIZE_MAX;
    }
    return at;
}

static int latin_word(const tok *t)
{
    return t->kind == SOU_TOKEN_LATIN && t->end - t->start >= 2;
}

/* One candidate of kind @p k from document text @p s, or 0 when this
 * document has none; the query text goes to @p buf. */
static size_t draw_one(int k, const char *s, size_t len, const tok_list *tl, uint64_t *rng,
                       char *buf, size_t cap)
{
    if (k == K_ZH) {
        unsigned chars = 2 + (unsigned)(rng_next(rng) % 5);
        size_t at = (size_t)(rng_next(rng) % len);
        while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80)
            at--;
        size_t end = han_run(s, len, at, chars);
        if (!end || end - at >= cap)
            return 0;
        memcpy(buf, s + at, end - at);
        return end - at;
    }
    if (tl->n == 0)
        return 0;
    size_t i = (size_t)(rng_next(rng) % tl->n);
    const tok *t = &tl->v[i];
    size_t n = 0;
    if (k == K_EN_WORD) {
        if (!latin_word(t) || t->end - t->start < 3 || t->end - t->start >= cap)
            return 0;
        memcpy(buf, s + t->start, t->end - t->start);
        return t->end - t->start;
    }
    if (k == K_TWO_WORDS || k == K_PHRASE) {
        size_t words = k == K_PHRASE ? 3 : 2;
        if (i + words > tl->n)
            return 0;
        if (k == K_PHRASE)
            buf[n++] = '"';
        for (size_t w = 0; w < words; w++) {
            const tok *u = &tl->v[i + w];
            if (!latin_word(u) || n + (u->end - u->start) + 3 >= cap)
                return 0;
            if (w)
                buf[n++] = ' ';
            memcpy(buf + n, s + u->start, u->end - u->start);
            n += u->end - u->start;
        }
        if (k == K_PHRASE)
            buf[n++] = '"';
        return n;
    }
    /* K_MIXED: a number or Latin word in Chinese text with one or two of
     * the Han characters it touches, as written: 2001年, GDP增长. */
    if (t->kind != SOU_TOKEN_NUMBER && t->kind != SOU_TOKEN_LATIN)
        return 0;
    unsigned chars = 1 + (unsigned)(rng_next(rng) % 2);
    size_t from = t->start, to = t->end;
    if (rng_next(rng) % 2) {
        size_t end = han_run(s, len, t->end, chars);
        if (!end)
            return 0;
        to = end;
    } else {
        size_t start = han_back(s, t->start, chars);
        if (start == SIZE_MAX)
            return 0;
        from = start;
    }
    if (to - from >= cap)
        return 0;
    memcpy(buf, s + from, to - from);
    return to - from;
}

static int query_known(const query *q, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (q[i].len == len && memcmp(q[i].text, s, len) == 0)
            return 1;
    return 0;
}

int bench_queries_make(const bench_collection *c, size_t want, uint64_t seed, query **out,
                       size_t *n_out, size_t per_kind[K_KINDS])
{
    sou_analyzer_options ao = SOU_ANALYZER_OPTIONS_INIT;
    ao.cjk = SOU_CJK_WORDS;
    sou_analyzer *a;
    if (sou_analyzer_new(&a, &ao) != SOU_OK) {
        fprintf(stderr, "sou-bench: analyzer: %s\n", sou_error_last()->message);
        return -1;
    }
    query *q = calloc(want ? want : 1, sizeof *q);
    tok_list tl = { 0 };
    size_t n = 0;
    uint64_t rng = seed;
    int rc = q ? 0 : -1;
    size_t target[K_KINDS], given = 0;
    for (int k = 0; k < K_KINDS; k++) {
        target[k] = want * kind_share[k] / 100;
        given += target[k];
    }
    target[K_EN_WORD] += want - given;
    for (int k = 0; k < K_KINDS && rc == 0; k++) {
        per_kind[k] = 0;
        int zh = kind_chinese(k);
        size_t pool = zh ? c->docs / 2 : (c->docs + 1) / 2;
        for (size_t tries = 0; per_kind[k] < target[k] && pool > 0 &&
                               tries < 1000 * (target[k] + 1) && rc == 0;
             tries++) {
            size_t d = 2 * (size_t)(rng_next(&rng) % pool) + (zh ? 1 : 0), len;
            const char *s = bench_collection_doc(c, d, &len);
            tl.n = 0;
            if (k != K_ZH && sou_analyzer_tokenize(a, s, len, tok_collect, &tl) != SOU_OK) {
                fprintf(stderr, "sou-bench: tokenize: %s\n", sou_error_last()->message);
                rc = -1;
                break;
            }
            char buf[256];
            size_t qlen = draw_one(k, s, len, &tl, &rng, buf, sizeof buf);
            if (!qlen || query_known(q, n, buf, qlen))
                continue;
            char fts[600];
            size_t flen = peer_fts5_expr(buf, qlen, " ", k == K_PHRASE, 0, fts, sizeof fts);
            query *nq = &q[n];
            nq->text = malloc(qlen + 1);
            nq->fts = flen ? strdup(fts) : NULL;
            nq->folded = bench_fold_utf8(buf, qlen, &nq->folded_len);
            n++;
            if (!nq->text || (flen && !nq->fts) || !nq->folded) {
                rc = -1;
                break;
            }
            memcpy(nq->text, buf, qlen);
            nq->text[qlen] = '\0';
            nq->len = qlen;
            nq->kind = k;
            per_kind[k]++;
        }
    }
    free(tl.v);
    sou_analyzer_free(a);
    *out = q;
    *n_out = n;
    return rc;
}

void bench_queries_free(query *q, size_t n)
{
    for (size_t i = 0; q && i < n; i++) {
        free(q[i].text);
        free(q[i].fts);
        free(q[i].folded);
    }
    free(q);
}

/* --------------------------------------------------------------- systems */

enum { S_SOU, S_XAPIAN, S_FTS5 };

typedef struct qsystem {
    const char *name; /* the index it reads, as sou-bench index names it */
    int engine;
    int snippets;
    int strict; /* SOU_SEARCH_STRICT: no relaxed levels */
    const char *label; /* the row's name */
    void *handle;
    double *us;       /* per timed query */
    size_t answered, failed;
    size_t zh_queries, zh_returned, zh_wrong;
    size_t zh_relaxed, zh_wrong_exact; /* sou: hits at a relaxed level; wrong exact hits */
    double p50, p95, p99, mean;
    double kind_p50[K_KINDS], kind_p99[K_KINDS]; /* the same by kind of query */
} qsystem;

static const char *const system_names[] = { "sou", "xapian-termgen-ngram", "fts5-trigram",
                                            "fts5-unicode61" };
#define N_NAMES (sizeof system_names / sizeof system_names[0])

static int system_open(qsystem *s, const char *dir, size_t docs)
{
    char path[4200];
    bench_index_path(path, sizeof path, dir, s->name);
    uint64_t count = 0;
    if (s->engine == S_SOU) {
        sou_index *index;
        sou_index_stats st;
        if (sou_index_open(&index, path, NULL) != SOU_OK) {
            fprintf(stderr, "sou-bench: %s: %s\n", path, sou_error_last()->message);
            return -1;
        }
        s->handle = index;
        if (sou_index_stats_get(index, &st) == SOU_OK)
            count = st.doc_count;
    } else if (s->engine == S_XAPIAN) {
        peer_xapian_db *db;
        if (peer_xapian_db_open(&db, path) != 0) {
            fprintf(stderr, "sou-bench: %s: %s\n", path, peer_xapian_error());
            return -1;
        }
        s->handle = db;
        count = peer_xapian_db_count(db);
    } else {
        struct stat st;
        peer_fts5 *p;
        if (stat(path, &st) != 0) {
            fprintf(stderr, "sou-bench: %s: no such index\n", path);
            return -1;
        }
        if (peer_fts5_open(&p, path) != 0)
            return -1;
        s->handle = p;
        count = peer_fts5_count(p);
    }
    if (count != docs) {
        fprintf(stderr, "sou-bench: %s holds %llu documents, not %zu (--docs)\n", path,
                (unsigned long long)count, docs);
        return -1;
    }
    return 0;
}

static void system_close(qsystem *s)
{
    if (!s->handle)
        return;
    if (s->engine == S_SOU)
        sou_index_close(s->handle);
    else if (s->engine == S_XAPIAN)
        peer_xapian_db_close(s->handle);
    else
        peer_fts5_close(s->handle);
    s->handle = NULL;
}

/* Runs one query for the top hits as a results page shows them: ids and
 * stored text (and the snippets, for sou with snippets). Collection
 * document numbers go to @p hits. @return 0 or -1. */
static int system_search(qsystem *s, const query *q, size_t *hits, size_t *n_hits,
                         unsigned char *relaxed, uint64_t *sink)
{
    *n_hits = 0;
    memset(relaxed, 0, TOP);
    if (s->engine == S_SOU) {
        sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
        so.limit = TOP;
        if (!s->snippets)
            so.flags |= SOU_SEARCH_NO_SNIPPETS;
        if (s->strict)
            so.flags |= SOU_SEARCH_STRICT;
        sou_results *res;
        if (sou_index_search(s->handle, q->text, q->len, &so, &res) != SOU_OK)
            return -1;
        size_t n = sou_results_count(res);
        for (size_t i = 0; i < n && i < TOP; i++) {
            size_t len = 0;
            const char *id = sou_results_id(res, i, NULL);
            if (sou_results_field(res, i, "body", &len))
                *sink += len;
            if (s->snippets && sou_results_snippet(res, i, &len))
                *sink += len;
            relaxed[*n_hits] = sou_results_level(res, i, NULL, NULL) != SOU_MATCH_EXACT;
            hits[(*n_hits)++] = id ? (size_t)strtoull(id, NULL, 10) : SIZE_MAX;
        }
        sou_results_free(res);
        return 0;
    }
    if (s->engine == S_XAPIAN) {
        uint32_t ids[TOP];
        size_t n;
        if (peer_xapian_db_top(s->handle, q->text, q->len, ids, TOP, &n, sink) != 0)
            return -1;
        for (size_t i = 0; i < n; i++)
            hits[i] = (size_t)ids[i] - 1;
        *n_hits = n;
        return 0;
    }
    if (!q->fts)
        return 0;
    int64_t ids[TOP];
    size_t n;
    if (peer_fts5_search(s->handle, q->fts, TOP, ids, &n, sink) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        hits[i] = (size_t)(ids[i] - 1);
    *n_hits = n;
    return 0;
}

/* Counts the hits of a Chinese query whose text does not hold the query,
 * both folded with NFKC and case folding. */
static void check_hits(qsystem *s, const query *q, const bench_collection *c,
                       const size_t *hits, size_t n, const unsigned char *relaxed)
{
    s->zh_queries++;
    s->zh_returned += n;
    for (size_t i = 0; i < n; i++) {
        s->zh_relaxed += relaxed[i];
        int wrong = 1;
        if (hits[i] < c->docs) {
            size_t len, flen;
            const char *text = bench_collection_doc(c, hits[i], &len);
            char *f = bench_fold_utf8(text, len, &flen);
            wrong = !f || !memmem(f, flen, q->folded, q->folded_len);
            free(f);
        }
        s->zh_wrong += wrong;
        s->zh_wrong_exact += wrong && !relaxed[i];
    }
}

static int double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ------------------------------------------------------------------ output */

static void table_print(const qsystem *s, size_t n, size_t nq)
{
    printf("%-21s %8s %7s %8s %8s %8s %8s %8s %6s %7s %7s %7s %7s\n", "system", "snippets",
           "queries", "answered", "p50 us", "p95 us", "p99 us", "mean us", "zh q", "zh hits",
           "wrong", "relaxed", "w exact");
    for (size_t i = 0; i < n; i++) {
        printf("%-21s %8s %7zu %8zu %8.0f %8.0f %8.0f %8.0f %6zu %7zu %7zu", s[i].label,
               s[i].snippets ? "yes" : "no", nq, s[i].answered, s[i].p50, s[i].p95, s[i].p99,
               s[i].mean, s[i].zh_queries, s[i].zh_returned, s[i].zh_wrong);
        if (s[i].engine == S_SOU)
            printf(" %7zu %7zu\n", s[i].zh_relaxed, s[i].zh_wrong_exact);
        else
            printf(" %7s %7s\n", "-", "-");
    }
}

/* p50 and p99 of each kind of query, over all timed passes: where a
 * system is slow, not only how slow. */
static void kind_stats(qsystem *s, const query *q, size_t nq, size_t runs)
{
    size_t cells = runs * nq;
    double *v = malloc((cells ? cells : 1) * sizeof *v);

    for (int k = 0; k < K_KINDS; k++) {
        size_t m = 0;
        for (size_t r = 0; v && r < runs; r++)
            for (size_t i = 0; i < nq; i++)
                if ((int)q[i].kind == k)
                    v[m++] = s->us[r * nq + i];
        if (m)
            qsort(v, m, sizeof *v, double_cmp);
        s->kind_p50[k] = m ? bench_percentile(v, m, 50) : 0;
        s->kind_p99[k] = m ? bench_percentile(v, m, 99) : 0;
    }
    free(v);
}

static void kind_table_print(const qsystem *s, size_t n)
{
    printf("\nby kind of query, p50 / p99 us:\n%-21s %8s", "system", "snippets");
    for (int k = 0; k < K_KINDS; k++)
        printf(" %15s", kind_names[k]);
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        printf("%-21s %8s", s[i].label, s[i].snippets ? "yes" : "no");
        for (int k = 0; k < K_KINDS; k++) {
            char cell[32];
            snprintf(cell, sizeof cell, "%.0f / %.0f", s[i].kind_p50[k], s[i].kind_p99[k]);
            printf(" %15s", cell);
        }
        printf("\n");
    }
}

static int json_print(const qsystem *s, size_t n, size_t nq, const size_t per_kind[K_KINDS],
                      const bench_collection *c, uint64_t seed, unsigned runs, int to_stdout,
                      const char *save)
{
    json_t *root = bench_json_root(), *results = json_array(), *kinds = json_object();
    if (!root || !results || !kinds) {
        json_decref(root);
        json_decref(results);
        json_decref(kinds);
        return -1;
    }
    json_object_set_new(root, "xapian", json_string(peer_xapian_version()));
    json_object_set_new(root, "sqlite", json_string(peer_fts5_version()));
    json_object_set_new(root, "docs", json_integer((json_int_t)c->docs));
    json_object_set_new(root, "seed", json_integer((json_int_t)seed));
    json_object_set_new(root, "runs", json_integer(runs));
    json_object_set_new(root, "top", json_integer(TOP));
    for (int k = 0; k < K_KINDS; k++)
        json_object_set_new(kinds, kind_names[k], json_integer((json_int_t)per_kind[k]));
    json_object_set_new(root, "query_kinds", kinds);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:b, s:I, s:I, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:I}",
                              "system", s[i].label, "snippets", s[i].snippets, "queries",
                              (json_int_t)nq, "answered", (json_int_t)s[i].answered, "p50_us",
                              s[i].p50, "p95_us", s[i].p95, "p99_us", s[i].p99, "mean_us",
                              s[i].mean, "failed", (json_int_t)s[i].failed, "zh_queries",
                              (json_int_t)s[i].zh_queries, "zh_returned",
                              (json_int_t)s[i].zh_returned, "zh_wrong",
                              (json_int_t)s[i].zh_wrong);
        json_t *by_kind = o ? json_object() : NULL;
        for (int k = 0; by_kind && k < K_KINDS; k++)
            json_object_set_new(by_kind, kind_names[k],
                                json_pack("{s:f, s:f}", "p50_us", s[i].kind_p50[k], "p99_us",
                                          s[i].kind_p99[k]));
        if (by_kind)
            json_object_set_new(o, "by_kind", by_kind);
        if (o && s[i].engine == S_SOU) {
            json_object_set_new(o, "strict", json_boolean(s[i].strict));
            json_object_set_new(o, "zh_relaxed", json_integer((json_int_t)s[i].zh_relaxed));
            json_object_set_new(o, "zh_wrong_exact",
                                json_integer((json_int_t)s[i].zh_wrong_exact));
        }
        if (!o || json_array_append_new(results, o) != 0) {
            json_decref(results);
            json_decref(root);
            return -1;
        }
    }
    json_object_set_new(root, "results", results);
    return bench_json_emit(root, to_stdout, save);
}

/* The @p n queries of @p s slowest by their median over the timed passes,
 * on stderr: to see where the tail of the latency comes from. */
static void slowest_print(const qsystem *s, const query *q, size_t nq, size_t runs, size_t n)
{
    double *med = malloc((nq ? nq : 1) * sizeof *med), *v = malloc(runs * sizeof *v);
    size_t *order = malloc((nq ? nq : 1) * sizeof *order);

    if (!med || !v || !order) {
        free(med);
        free(v);
        free(order);
        return;
    }
    for (size_t k = 0; k < nq; k++) {
        for (size_t r = 0; r < runs; r++)
            v[r] = s->us[r * nq + k];
        med[k] = bench_median(v, runs);
        order[k] = k;
    }
    /* a partial selection sort: n is small */
    for (size_t i = 0; i < n && i < nq; i++) {
        size_t best = i;
        for (size_t k = i + 1; k < nq; k++)
            if (med[order[k]] > med[order[best]])
                best = k;
        size_t t = order[i];
        order[i] = order[best];
        order[best] = t;
    }
    fprintf(stderr, "slowest queries of %s%s (median us over %zu passes):\n", s->label,
            s->snippets ? " with snippets" : "", runs);
    for (size_t i = 0; i < n && i < nq; i++)
        fprintf(stderr, "  %9.0f  %-9s %s\n", med[order[i]], kind_names[q[order[i]].kind],
                q[order[i]].text);
    free(med);
    free(v);
    free(order);
}

/* -------------------------------------------------------------------- main */

static void query_usage(FILE *out)
{
    fputs("usage: sou-bench query [--corpus DIR] [--docs N] [--indexes DIR] [--queries N]\n"
          "                       [--seed S] [--runs N] [--system NAME,...] [--json]\n"
          "                       [--json-file PATH] [--slowest N]\n"
          "\n"
          "Search latency, top 10, warm cache, on the collection of sou-bench index.\n"
          "Queries are drawn from the collection by a seeded generator: English words,\n"
          "two English words, three-word phrases in quotes, 2 to 6 Han characters, and\n"
          "a number or Latin word with the Han characters it touches. One untimed pass\n"
          "warms the caches and checks the hits of the Chinese queries, then the timed\n"
          "passes go round the systems.\n"
          "\n"
          "  --corpus DIR   the corpus (default ../shared/corpus)\n"
          "  --docs N       documents (default 245400); must match --indexes\n"
          "  --indexes DIR  the indexes kept by 'sou-bench index --keep DIR' (default:\n"
          "                 build them first in a temporary directory)\n"
          "  --queries N    queries (default 1000)\n"
          "  --seed S       seed for drawing them (default 1)\n"
          "  --runs N       timed passes (default 3)\n"
          "  --system LIST  sou (with and without snippets, and strict), xapian-termgen-ngram,\n"
          "                 fts5-trigram, fts5-unicode61 (default all)\n"
          "  --json         print JSON instead of a table\n"
          "  --json-file PATH  also write the JSON to PATH\n"
          "  --slowest N    print each system's N slowest queries on stderr\n",
          out);
}

int bench_query_main(int argc, char **argv)
{
    const char *corpus_arg = NULL, *system_list = NULL, *indexes = NULL, *save = NULL;
    uint64_t docs = DOCS_DEFAULT, want = QUERIES_DEFAULT, seed = 1, runs = RUNS_DEFAULT;
    uint64_t slowest = 0;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        uint64_t *num = NULL, lo = 0, hi = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            query_usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (i + 1 < argc && strcmp(a, "--corpus") == 0) {
            corpus_arg = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--system") == 0) {
            system_list = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--indexes") == 0) {
            indexes = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--json-file") == 0) {
            save = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--docs") == 0) {
            num = &docs, lo = 1, hi = 100000000;
        } else if (i + 1 < argc && strcmp(a, "--queries") == 0) {
            num = &want, lo = 10, hi = 100000;
        } else if (i + 1 < argc && strcmp(a, "--seed") == 0) {
            num = &seed, lo = 0, hi = UINT64_MAX;
        } else if (i + 1 < argc && strcmp(a, "--runs") == 0) {
            num = &runs, lo = 1, hi = 100;
        } else if (i + 1 < argc && strcmp(a, "--slowest") == 0) {
            num = &slowest, lo = 1, hi = 1000;
        } else {
            fprintf(stderr, "sou-bench: bad argument '%s'\n", a);
            query_usage(stderr);
            return 2;
        }
        if (num && bench_num_arg(a, argv[++i], lo, hi, num) != 0)
            return 2;
    }
    if (bench_names_check(system_list, system_names, N_NAMES, "system") != 0)
        return 2;
    const char *corpus;
    bench_collection c;
    int opened = bench_collection_open(&c, corpus_arg, (size_t)docs, &corpus);
    if (opened != 0)
        return opened;

    qsystem all[] = {
        { .name = "sou", .label = "sou", .engine = S_SOU, .snippets = 1 },
        { .name = "sou", .label = "sou", .engine = S_SOU },
        { .name = "sou", .label = "sou-strict", .engine = S_SOU, .snippets = 1, .strict = 1 },
        { .name = "xapian-termgen-ngram", .label = "xapian-termgen-ngram", .engine = S_XAPIAN },
        { .name = "fts5-trigram", .label = "fts5-trigram", .engine = S_FTS5 },
        { .name = "fts5-unicode61", .label = "fts5-unicode61", .engine = S_FTS5 },
    };
    enum { N_ALL = sizeof all / sizeof all[0] };
    qsystem sys[N_ALL];
    size_t n_sys = 0;
    for (size_t i = 0; i < N_ALL; i++)
        if (bench_list_has(system_list, all[i].name))
            sys[n_sys++] = all[i];

    query *q = NULL;
    size_t nq = 0, per_kind[K_KINDS] = { 0 };
    int failed = bench_queries_make(&c, (size_t)want, seed, &q, &nq, per_kind) != 0;
    if (!failed && nq < want)
        fprintf(stderr, "sou-bench: only %zu distinct queries could be drawn\n", nq);

    char tmp[4096];
    int have_tmp = 0;
    const char *dir = indexes;
    if (!failed && !dir) {
        have_tmp = bench_tmpdir(tmp, sizeof tmp) == 0;
        failed = !have_tmp;
        dir = tmp;
        for (size_t i = 0; i < n_sys && !failed; i++) {
            int built = 0;
            for (size_t k = 0; k < i; k++)
                built |= strcmp(sys[k].name, sys[i].name) == 0;
            if (built)
                continue;
            if (!json)
                fprintf(stderr, "sou-bench: building the %s index of %zu documents\n",
                        sys[i].name, c.docs);
            failed = bench_index_build(sys[i].name, dir, &c) != 0;
        }
    }
    for (size_t i = 0; i < n_sys && !failed; i++) {
        sys[i].us = calloc(runs * (nq ? nq : 1), sizeof *sys[i].us);
        failed = !sys[i].us || system_open(&sys[i], dir, c.docs) != 0;
    }

    size_t hits[TOP], n_hits;
    unsigned char relaxed[TOP];
    uint64_t sink = 0;
    /* Pass 0 warms the caches and checks the hits; passes 1.. are timed. */
    for (unsigned run = 0; run <= runs && !failed; run++) {
        for (size_t i = 0; i < n_sys; i++) {
            qsystem *s = &sys[i];
            for (size_t k = 0; k < nq; k++) {
                double t0 = bench_now();
                int rc = system_search(s, &q[k], hits, &n_hits, relaxed, &sink);
                double dt = bench_now() - t0;
                if (run > 0) {
                    s->us[(run - 1) * nq + k] = dt * 1e6;
                    continue;
                }
                if (rc != 0) {
                    s->failed++;
                    if (s->engine == S_SOU)
                        fprintf(stderr, "sou-bench: sou: query '%s': %s\n", q[k].text,
                                sou_error_last()->message);
                    else if (s->engine == S_XAPIAN)
                        fprintf(stderr, "sou-bench: xapian: query '%s': %s\n", q[k].text,
                                peer_xapian_error());
                    continue;
                }
                s->answered += n_hits > 0;
                if (kind_chinese(q[k].kind))
                    check_hits(s, &q[k], &c, hits, n_hits, relaxed);
            }
        }
    }
    for (size_t i = 0; i < n_sys && !failed && slowest; i++)
        slowest_print(&sys[i], q, nq, (size_t)runs, (size_t)slowest);
    for (size_t i = 0; i < n_sys && !failed; i++) {
        qsystem *s = &sys[i];
        size_t m = (size_t)runs * nq;
        double sum = 0;
        kind_stats(s, q, nq, (size_t)runs);
        qsort(s->us, m, sizeof *s->us, double_cmp);
        for (size_t k = 0; k < m; k++)
            sum += s->us[k];
        s->p50 = bench_percentile(s->us, m, 50);
        s->p95 = bench_percentile(s->us, m, 95);
        s->p99 = bench_percentile(s->us, m, 99);
        s->mean = m ? sum / (double)m : 0;
    }
    if (!failed && (json || save) &&
        json_print(sys, n_sys, nq, per_kind, &c, seed, (unsigned)runs, json, save) != 0) {
        fprintf(stderr, "sou-bench: cannot write JSON\n");
        failed = 1;
    }
    if (!failed) {
        if (!json) {
            char cpu[256];
            int cpus;
            bench_cpu_model(cpu, sizeof cpu, &cpus);
            printf("sou-bench query\n");
            printf("cpu:      %s (%d logical CPUs)\n", cpu, cpus);
            printf("versions: sou %s, Xapian %s, SQLite %s\n", sou_version(),
                   peer_xapian_version(), peer_fts5_version());
            printf("corpus:   %s; %zu docs (en and zh lines alternated), indexes %s\n", corpus,
                   c.docs, indexes ? indexes : "built for this run");
            printf("queries:  %zu (", nq);
            for (int k = 0; k < K_KINDS; k++)
                printf("%s%s %zu", k ? ", " : "", kind_names[k], per_kind[k]);
            printf("), seed %llu; top %d; %u timed passes after 1 warm-up\n",
                   (unsigned long long)seed, TOP, (unsigned)runs);
            printf("zh:       hits of the zh and mixed queries; wrong: the text does not "
                   "hold the query (NFKC case folded);\n"
                   "          relaxed: sou hits below the exact level; w exact: wrong hits "
                   "at the exact level\n\n");
            table_print(sys, n_sys, nq);
            kind_table_print(sys, n_sys);
        }
    }
    for (size_t i = 0; i < n_sys; i++) {
        system_close(&sys[i]);
        free(sys[i].us);
        if (sys[i].failed)
            fprintf(stderr, "sou-bench: %s: %zu queries failed\n", sys[i].label, sys[i].failed);
    }
    if (have_tmp && bench_rmtree(tmp) != 0)
        fprintf(stderr, "sou-bench: could not remove %s\n", tmp);
    bench_queries_free(q, nq);
    bench_collection_free(&c);
    return failed;
}
