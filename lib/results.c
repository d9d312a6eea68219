/* results.c: searching an index, and the results handed to the caller. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "doc.h"
#include "error.h"
#include "index.h"
#include "query.h"
#include "snippet.h"
#include "terms.h"
#include "xapian_shim.h"

/* The match spans of one stored field. */
typedef struct {
    sou__span *spans;
    size_t n;
} sou__fspans;

typedef struct {
    double score;
    sou_doc *doc;
    char *snippet; /* NULL: none */
    size_t snippet_len;
    sou__fspans *fspans; /* per stored field of doc; NULL: not asked */
    sou_match_level level;
    size_t matched;
} sou__hit;

typedef struct {
    char *text;
    size_t len;
    uint64_t docs;
    char *suggestion;
} sou__word;

typedef struct {
    char *name;
    sou__xfacet counts;
} sou__facet;

struct sou_results {
    size_t offset;
    uint64_t total;
    int total_exact;
    uint64_t level_total[3];
    size_t nwords;      /* words counted by the relaxed levels */
    size_t nstopped;
    size_t count;
    sou__hit *hits;
    sou__word *words;   /* explained words */
    size_t nexplained;
    sou__facet *facets;
    size_t nfacets;
};

int sou_search_options_init(sou_search_options *opts, unsigned int version)
{
    static const sou_search_options defaults = SOU_SEARCH_OPTIONS_INIT;

    if (!opts)
        return sou__error_set(SOU_EINVAL, "search options: NULL");
    if (version < 1 || version > SOU_SEARCH_OPTIONS_VERSION)
        return sou__error_set(SOU_EINVAL, "search options: unknown version %u", version);
    /* A caller built against an older sou.h has a shorter struct: fill
     * only the fields of its version. */
    memcpy(opts, &defaults,
           version == 1   ? offsetof(sou_search_options, exact_total)
           : version == 2 ? offsetof(sou_search_options, facets)
                          : sizeof *opts);
    opts->version = version;
    return SOU_OK;
}

static int is_field(void *ctx, const char *name, size_t len)
{
    return sou__index_has_field(ctx, name, len);
}

static int value_slot(void *ctx, const char *name, size_t len, int *is_date)
{
    char buf[SOU_NAME_MAX + 1];

    *is_date = 0;
    if (len > SOU_NAME_MAX)
        return -1;
    memcpy(buf, name, len);
    buf[len] = '\0';
    *is_date = sou__index_value_is_date(ctx, name, len);
    return sou__index_value_slot(ctx, buf);
}

/* The facets of opts, which versions 1 and 2 did not have. */
static size_t facet_count(const sou_search_options *opts)
{
    return opts->version >= 3 ? opts->nfacets : 0;
}

/* Check the arguments common to search and explain, and parse. */
static int prepare(sou_index *index, const char *query, size_t query_len,
                   const sou_search_options *opts, sou__parsed **parsed)
{
    sou__query_env env;

    if (!index || !index->db || !index->analyzer)
        return sou__error_set(SOU_EINVAL, "search: index is NULL");
    if (!query && query_len > 0)
        return sou__error_set(SOU_EINVAL, "search: query is NULL");
    if (opts->version < 1 || opts->version > SOU_SEARCH_OPTIONS_VERSION)
        return sou__error_set(SOU_EINVAL, "search: unknown options version %u", opts->version);
    if (opts->flags & ~(SOU_SEARCH_NO_SNIPPETS | SOU_SEARCH_SORT_ASCENDING | SOU_SEARCH_STRICT |
                        SOU_SEARCH_EXPLAIN | SOU_SEARCH_SNIPPET_RAW | SOU_SEARCH_SNIPPET_HTML |
                        SOU_SEARCH_MATCHES))
        return sou__error_set(SOU_EINVAL, "search: unknown flags 0x%x", opts->flags);
    if ((opts->flags & SOU_SEARCH_SNIPPET_RAW) && (opts->flags & SOU_SEARCH_SNIPPET_HTML))
        return sou__error_set(SOU_EINVAL,
                              "search: SOU_SEARCH_SNIPPET_RAW and SOU_SEARCH_SNIPPET_HTML "
                              "exclude each other");
    if (opts->default_op != SOU_OP_AND && opts->default_op != SOU_OP_OR)
        return sou__error_set(SOU_EINVAL, "search: unknown default operator %d",
                              (int)opts->default_op);
    if (!(opts->bm25_k1 >= 0) || !isfinite(opts->bm25_k1))
        return sou__error_set(SOU_EINVAL, "search: bm25_k1 must be a number >= 0");
    if (!(opts->bm25_b >= 0 && opts->bm25_b <= 1))
        return sou__error_set(SOU_EINVAL, "search: bm25_b must be between 0 and 1");
    if (opts->sort_by && sou__index_value_slot(index, opts->sort_by) < 0)
        return sou__error_set(SOU_EINVAL, "unknown sort value '%s'", opts->sort_by);
    if (facet_count(opts) && !opts->facets)
        return sou__error_set(SOU_EINVAL, "search: nfacets is %zu but facets is NULL",
                              opts->nfacets);
    for (size_t i = 0; i < facet_count(opts); i++)
        if (!opts->facets[i] || sou__index_value_slot(index, opts->facets[i]) < 0)
            return sou__error_set(SOU_EINVAL, "unknown facet value '%s'",
                                  opts->facets[i] ? opts->facets[i] : "(null)");

    memset(&env, 0, sizeof env);
    env.analyzer = index->analyzer;
    env.default_op = opts->default_op;
    env.is_field = is_field;
    env.value_slot = value_slot;
    env.ctx = index;
    env.fields = index->fields;
    env.nfields = index->nfields;
    env.relax = !(opts->flags & SOU_SEARCH_STRICT);
    return sou__query_parse(&env, query, query_len, parsed);
}

/* Order in which fields are tried for a snippet when none is asked for:
 * "body" first, then the others as stored, "title" last (callers show it
 * apart). */
static int snippet_rank(const sou_doc *doc, size_t i)
{
    const char *name = doc->fields[i].name;
    if (strcmp(name, "body") == 0)
        return 0;
    if (strcmp(name, "title") == 0)
        return 2;
    return 1;
}

/* The snippet of doc: from the chosen field; without one, from "body" when
 * it matches, else from the field with the most matches. */
static int make_snippet(sou_index *index, const sou_doc *doc, const sou__parsed *parsed,
                        const sou_search_options *opts, sou__hit *hit)
{
    const char *hs = opts->hl_start ? opts->hl_start : "<b>";
    const char *he = opts->hl_end ? opts->hl_end : "</b>";
    /* Markers that look like HTML mean the snippet goes into HTML. */
    int escape = (opts->flags & SOU_SEARCH_SNIPPET_HTML) ||
                 (!(opts->flags & SOU_SEARCH_SNIPPET_RAW) && (hs[0] == '<' || he[0] == '<'));
    size_t target = opts->snippet_bytes ? opts->snippet_bytes : 200;
    const char *want = opts->snippet_field;
    char *best = NULL;
    size_t best_len = 0, best_matches = 0;
    int rc;

    for (int rank = 0; rank <= 2; rank++) {
        for (size_t i = 0; i < doc->nfields; i++) {
            const sou__field *f = &doc->fields[i];
            char *s;
            size_t len, nm;

            if (want ? strcmp(f->name, want) != 0 : snippet_rank(doc, i) != rank)
                continue;
            rc = sou__snippet_make(index->analyzer, f->text, f->len, parsed, f->name, hs, he,
                                   escape, target, &s, &len, &nm);
            if (rc != SOU_OK) {
                sou__free(best);
                return rc;
            }
            if (!best || nm > best_matches) {
                sou__free(best);
                best = s;
                best_len = len;
                best_matches = nm;
            } else {
                sou__free(s);
            }
            if (want || (rank == 0 && best_matches > 0))
                goto done; /* the first field of that name; a matching body */
        }
    }
done:
    hit->snippet = best;
    hit->snippet_len = best_len;
    return SOU_OK;
}

/* The match spans of every stored field of the hit's document. */
static int make_spans(sou_index *index, const sou__parsed *parsed, sou__hit *hit)
{
    const sou_doc *doc = hit->doc;

    if (!(hit->fspans = sou__calloc(doc->nfields ? doc->nfields : 1, sizeof *hit->fspans)))
        return SOU_ENOMEM;
    for (size_t i = 0; i < doc->nfields; i++) {
        const sou__field *f = &doc->fields[i];
        int rc;
        if (f->flags & SOU_FIELD_NO_INDEX)
            continue;
        rc = sou__snippet_spans(index->analyzer, f->text, f->len, parsed, f->name,
                                SOU_MATCHES_MAX, &hit->fspans[i].spans, &hit->fspans[i].n);
        if (rc != SOU_OK)
            return rc;
    }
    return SOU_OK;
}

/* The exact_total of opts, which version 1 did not have. */
static uint64_t exact_total(const sou_search_options *opts)
{
    return opts->version >= 2 ? opts->exact_total : SOU_EXACT_TOTAL_DEFAULT;
}

/* The prefixes of the fields whose Latin words spelling looks among. */
static int field_prefixes(const sou_index *index, char ***out, size_t *n)
{
    char **v = sou__calloc(index->nfields + 1, sizeof *v);
    size_t k = 0;

    *out = NULL;
    *n = 0;
    if (!v)
        return SOU_ENOMEM;
    for (size_t i = 0; i < index->nfields; i++) {
        char buf[SOU__PREFIX_MAX + 1];
        size_t l = sou__term_prefix(buf, index->fields[i], strlen(index->fields[i]), 0);
        if (!(v[k++] = sou__strndup(buf, l))) {
            for (size_t j = 0; j < k; j++)
                sou__free(v[j]);
            sou__free(v);
            return SOU_ENOMEM;
        }
    }
    if (k == 0 && !(v[k++] = sou__strndup("", 0))) {
        sou__free(v);
        return SOU_ENOMEM;
    }
    *out = v;
    *n = k;
    return SOU_OK;
}

/* Each query word with the documents that have it, and for a Latin word
 * the closest word of the index's vocabulary. */
static int explain_words(sou_index *index, const sou__parsed *parsed, uint64_t check,
                         sou_results *r)
{
    char **prefixes = NULL;
    size_t nprefixes = 0;
    int rc;

    if (parsed->nqwords == 0)
        return SOU_OK;
    if (!(r->words = sou__calloc(parsed->nqwords, sizeof *r->words)))
        return SOU_ENOMEM;
    if ((rc = field_prefixes(index, &prefixes, &nprefixes)) != SOU_OK)
        return rc;
    for (size_t i = 0; i < parsed->nqwords; i++) {
        const sou__qword *qw = &parsed->words[i];
        sou__word *w = &r->words[i];
        int exact;
        if (!(w->text = sou__strndup(qw->text, qw->len))) {
            rc = SOU_ENOMEM;
            break;
        }
        w->len = qw->len;
        r->nexplained++;
        if ((rc = sou__xdb_count(index->db, qw->node, check ? check : 1, &w->docs, &exact)))
            break;
        if (qw->folded && w->docs == 0 &&
            (rc = sou__xdb_suggest(index->db, (const char *const *)prefixes, nprefixes,
                                   qw->folded, qw->folded_len, &w->suggestion)))
            break;
    }
    for (size_t i = 0; i < nprefixes; i++)
        sou__free(prefixes[i]);
    sou__free(prefixes);
    return rc;
}

/* How many of the query's words each hit of the "some words" level has. */
static int count_words(sou_index *index, const sou__parsed *parsed, sou__xmatch *m)
{
    uint32_t *docids = NULL, *matched = NULL;
    sou__qnode **words = NULL;
    size_t n = 0;
    int rc = SOU_OK;

    for (size_t i = 0; i < m->count; i++)
        n += m->hits[i].level == SOU_MATCH_SOME_WORDS;
    if (n == 0 || parsed->nwords == 0)
        return SOU_OK;
    docids = sou__malloc(n * sizeof *docids);
    matched = sou__malloc(n * sizeof *matched);
    words = sou__malloc(parsed->nwords * sizeof *words);
    if (!docids || !matched || !words) {
        rc = SOU_ENOMEM;
        goto out;
    }
    n = 0;
    for (size_t i = 0; i < m->count; i++)
        if (m->hits[i].level == SOU_MATCH_SOME_WORDS)
            docids[n++] = m->hits[i].docid;
    for (size_t w = 0; w < parsed->nwords; w++)
        words[w] = parsed->words[w].node;
    if ((rc = sou__xdb_words_matched(index->db, words, parsed->nwords, docids, n, matched)))
        goto out;
    n = 0;
    for (size_t i = 0; i < m->count; i++)
        if (m->hits[i].level == SOU_MATCH_SOME_WORDS)
            m->hits[i].matched = matched[n++];
out:
    sou__free(docids);
    sou__free(matched);
    sou__free(words);
    return rc;
}

int sou_index_search(sou_index *index, const char *query, size_t query_len,
                     const sou_search_options *opts, sou_results **out)
{
    static const sou_search_options defaults = SOU_SEARCH_OPTIONS_INIT;
    sou__parsed *parsed = NULL;
    sou__xmatch *m = NULL;
    sou__xsearch params;
    sou_results *r = NULL;
    unsigned int *facet_slots = NULL;
    int rc;

    if (!out)
        return sou__error_set(SOU_EINVAL, "search: out is NULL");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if ((rc = prepare(index, query, query_len, opts, &parsed)) != SOU_OK)
        return rc;

    memset(&params, 0, sizeof params);
    params.offset = opts->offset;
    params.limit = opts->limit;
    params.k1 = opts->bm25_k1;
    params.b = opts->bm25_b;
    params.sort_slot = opts->sort_by ? sou__index_value_slot(index, opts->sort_by) : -1;
    params.sort_ascending = (opts->flags & SOU_SEARCH_SORT_ASCENDING) != 0;
    params.exact_up_to = exact_total(opts);
    params.proximity = parsed->proximity;
    params.proximity_window = SOU__PROXIMITY_WINDOW;
    if (facet_count(opts)) {
        if (!(facet_slots = sou__malloc(facet_count(opts) * sizeof *facet_slots))) {
            rc = SOU_ENOMEM;
            goto fail;
        }
        for (size_t i = 0; i < facet_count(opts); i++)
            facet_slots[i] = (unsigned int)sou__index_value_slot(index, opts->facets[i]);
        params.facet_slots = facet_slots;
        params.nfacets = facet_count(opts);
    }
    if ((rc = sou__xdb_search(index->db, parsed->level, 3, &params, &m)) != SOU_OK)
        goto fail;

    if (!(r = sou__calloc(1, sizeof *r))) {
        rc = SOU_ENOMEM;
        goto fail;
    }
    r->offset = opts->offset;
    r->total = m->total;
    r->total_exact = m->total_exact;
    for (int l = 0; l < 3; l++)
        r->level_total[l] = m->level_total[l];
    r->nwords = parsed->nwords;
    r->nstopped = parsed->nstopped;
    if (m->nfacets) {
        if (!(r->facets = sou__calloc(m->nfacets, sizeof *r->facets))) {
            rc = SOU_ENOMEM;
            goto fail;
        }
        for (size_t i = 0; i < m->nfacets; i++) {
            if (!(r->facets[i].name = sou__strndup(opts->facets[i], strlen(opts->facets[i])))) {
                rc = SOU_ENOMEM;
                goto fail;
            }
            r->nfacets++;
            r->facets[i].counts = m->facets[i];
            memset(&m->facets[i], 0, sizeof m->facets[i]);
        }
    }
    if (m->count > 0 && !(r->hits = sou__calloc(m->count, sizeof *r->hits))) {
        rc = SOU_ENOMEM;
        goto fail;
    }
    if ((rc = count_words(index, parsed, m)) != SOU_OK)
        goto fail;
    for (size_t i = 0; i < m->count; i++) {
        sou__hit *h = &r->hits[i];
        h->score = m->hits[i].score;
        h->level = (sou_match_level)m->hits[i].level;
        h->matched = h->level == SOU_MATCH_SOME_WORDS ? m->hits[i].matched : parsed->nwords;
        rc = sou__doc_deserialize(m->hits[i].data, m->hits[i].data_len, &h->doc);
        if (rc != SOU_OK)
            goto fail;
        r->count++;
        if (!(opts->flags & SOU_SEARCH_NO_SNIPPETS) &&
            (rc = make_snippet(index, h->doc, parsed, opts, h)) != SOU_OK)
            goto fail;
        if ((opts->flags & SOU_SEARCH_MATCHES) && (rc = make_spans(index, parsed, h)) != SOU_OK)
            goto fail;
    }
    if ((r->count == 0 || (opts->flags & SOU_SEARCH_EXPLAIN)) &&
        (rc = explain_words(index, parsed, exact_total(opts), r)) != SOU_OK)
        goto fail;
    sou__free(facet_slots);
    sou__xmatch_free(m);
    sou__parsed_free(parsed);
    *out = r;
    return SOU_OK;
fail:
    sou__free(facet_slots);
    sou_results_free(r);
    sou__xmatch_free(m);
    sou__parsed_free(parsed);
    return rc;
}

/* The Xapian query of each level, one line each. */
static int describe_plan(const sou__parsed *parsed, char **out)
{
    static const char *const names[] = { "exact", "all words", "some words" };
    char *all = NULL;
    size_t len = 0;
    int rc = SOU_OK;

    /* The levels, and after the first the proximity that ranks it. */
    for (int k = 0; k < 4 && rc == SOU_OK; k++) {
        const sou__qnode *q = k == 0 ? parsed->level[0] : k == 1 ? parsed->proximity
                                                                  : parsed->level[k - 1];
        const char *name = k == 0 ? names[0] : k == 1 ? "proximity" : names[k - 1];
        char *d = NULL;
        size_t dl, nl;
        char *grown;
        if (!q)
            continue;
        if ((rc = sou__xquery_describe(q, &d)) != SOU_OK)
            break;
        dl = strlen(d);
        nl = len + strlen(name) + 2 + dl + 2;
        if (!(grown = sou__realloc(all, nl))) {
            sou__free(d);
            rc = SOU_ENOMEM;
            break;
        }
        all = grown;
        len += (size_t)snprintf(all + len, nl - len, "%s%s: %s", len ? "\n" : "", name, d);
        sou__free(d);
    }
    if (rc != SOU_OK) {
        sou__free(all);
        return rc;
    }
    *out = all;
    return SOU_OK;
}

int sou_index_explain(sou_index *index, const char *query, size_t query_len,
                      const sou_search_options *opts, char **out)
{
    static const sou_search_options defaults = SOU_SEARCH_OPTIONS_INIT;
    sou__parsed *parsed = NULL;
    int rc;

    if (!out)
        return sou__error_set(SOU_EINVAL, "explain: out is NULL");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if ((rc = prepare(index, query, query_len, opts, &parsed)) != SOU_OK)
        return rc;
    rc = describe_plan(parsed, out);
    sou__parsed_free(parsed);
    return rc;
}

void sou_results_free(sou_results *results)
{
    if (!results)
        return;
    for (size_t i = 0; i < results->count; i++) {
        sou__hit *h = &results->hits[i];
        if (h->fspans)
            for (size_t f = 0; f < h->doc->nfields; f++)
                sou__free(h->fspans[f].spans);
        sou__free(h->fspans);
        sou_doc_free(h->doc);
        sou__free(h->snippet);
    }
    sou__free(results->hits);
    for (size_t i = 0; i < results->nexplained; i++) {
        sou__free(results->words[i].text);
        sou__free(results->words[i].suggestion);
    }
    sou__free(results->words);
    for (size_t i = 0; i < results->nfacets; i++) {
        sou__free(results->facets[i].name);
        sou__free(results->facets[i].counts.values);
        sou__free(results->facets[i].counts.counts);
    }
    sou__free(results->facets);
    sou__free(results);
}

size_t sou_results_facet_count(const sou_results *results)
{
    return results ? results->nfacets : 0;
}

const char *sou_results_facet(const sou_results *results, size_t i, size_t *nvalues)
{
    if (nvalues)
        *nvalues = 0;
    if (!results || i >= results->nfacets)
        return NULL;
    if (nvalues)
        *nvalues = results->facets[i].counts.n;
    return results->facets[i].name;
}

int sou_results_facet_value(const sou_results *results, size_t i, size_t j, double *value,
                            uint64_t *count)
{
    if (value)
        *value = 0;
    if (count)
        *count = 0;
    if (!results || i >= results->nfacets || j >= results->facets[i].counts.n)
        return sou__error_set(SOU_ENOTFOUND, "no facet value %zu of facet %zu", j, i);
    if (value)
        *value = results->facets[i].counts.values[j];
    if (count)
        *count = results->facets[i].counts.counts[j];
    return SOU_OK;
}

size_t sou_results_count(const sou_results *results)
{
    return results ? results->count : 0;
}

uint64_t sou_results_total(const sou_results *results)
{
    return results ? results->total : 0;
}

int sou_results_total_exact(const sou_results *results)
{
    return results ? results->total_exact : 0;
}

sou_match_level sou_results_level(const sou_results *results, size_t i, size_t *matched,
                                  size_t *words)
{
    if (matched)
        *matched = 0;
    if (words)
        *words = results ? results->nwords : 0;
    if (!results || i >= results->count)
        return SOU_MATCH_EXACT;
    if (matched)
        *matched = results->hits[i].matched;
    return results->hits[i].level;
}

uint64_t sou_results_level_total(const sou_results *results, sou_match_level level)
{
    if (!results || (int)level < 0 || (int)level > 2)
        return 0;
    return results->level_total[level];
}

size_t sou_results_word_count(const sou_results *results)
{
    return results ? results->nexplained : 0;
}

const char *sou_results_word(const sou_results *results, size_t i, size_t *len, uint64_t *docs,
                             const char **suggestion)
{
    if (len)
        *len = 0;
    if (docs)
        *docs = 0;
    if (suggestion)
        *suggestion = NULL;
    if (!results || i >= results->nexplained)
        return NULL;
    if (len)
        *len = results->words[i].len;
    if (docs)
        *docs = results->words[i].docs;
    if (suggestion)
        *suggestion = results->words[i].suggestion;
    return results->words[i].text;
}

size_t sou_results_stopwords(const sou_results *results)
{
    return results ? results->nstopped : 0;
}

const char *sou_results_id(const sou_results *results, size_t i, size_t *len)
{
    if (!results || i >= results->count) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = results->hits[i].doc->id_len;
    return results->hits[i].doc->id;
}

size_t sou_results_rank(const sou_results *results, size_t i)
{
    return results ? results->offset + i : i;
}

double sou_results_score(const sou_results *results, size_t i)
{
    if (!results || i >= results->count)
        return 0.0;
    return results->hits[i].score;
}

const char *sou_results_field(const sou_results *results, size_t i, const char *name,
                              size_t *len)
{
    if (len)
        *len = 0;
    if (!results || i >= results->count || !name)
        return NULL;
    return sou_doc_field(results->hits[i].doc, name, len);
}

const sou_doc *sou_results_doc(const sou_results *results, size_t i)
{
    if (!results || i >= results->count)
        return NULL;
    return results->hits[i].doc;
}

const char *sou_results_snippet(const sou_results *results, size_t i, size_t *len)
{
    if (len)
        *len = 0;
    if (!results || i >= results->count || !results->hits[i].snippet)
        return "";
    if (len)
        *len = results->hits[i].snippet_len;
    return results->hits[i].snippet;
}

/* The spans of the first field called name of hit i, or NULL. */
static const sou__fspans *field_spans(const sou_results *results, size_t i, const char *name)
{
    const sou__hit *h;

    if (!results || !name || i >= results->count || !results->hits[i].fspans)
        return NULL;
    h = &results->hits[i];
    for (size_t f = 0; f < h->doc->nfields; f++)
        if (strcmp(h->doc->fields[f].name, name) == 0)
            return &h->fspans[f];
    return NULL;
}

size_t sou_results_match_count(const sou_results *results, size_t i, const char *name)
{
    const sou__fspans *fs = field_spans(results, i, name);
    return fs ? fs->n : 0;
}

int sou_results_match(const sou_results *results, size_t i, const char *name, size_t k,
                      size_t *start, size_t *end)
{
    const sou__fspans *fs;

    if (start)
        *start = 0;
    if (end)
        *end = 0;
    if (!results || !name)
        return sou__error_set(SOU_EINVAL, "match: results or name is NULL");
    fs = field_spans(results, i, name);
    if (!fs || k >= fs->n)
        return sou__error_set(SOU_ENOTFOUND, "match: hit %zu has no match %zu in '%s'", i, k,
                              name);
    if (start)
        *start = fs->spans[k].start;
    if (end)
        *end = fs->spans[k].end;
    return SOU_OK;
}
