/* results.c: searching an index, and the results handed to the caller. */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "doc.h"
#include "error.h"
#include "index.h"
#include "query.h"
#include "snippet.h"
#include "xapian_shim.h"

typedef struct {
    double score;
    sou_doc *doc;
    char *snippet; /* NULL: none */
    size_t snippet_len;
} sou__hit;

struct sou_results {
    size_t offset;
    uint64_t total;
    size_t count;
    sou__hit *hits;
};

int sou_search_options_init(sou_search_options *opts, unsigned int version)
{
    static const sou_search_options defaults = SOU_SEARCH_OPTIONS_INIT;

    if (!opts)
        return sou__error_set(SOU_EINVAL, "search options: NULL");
    if (version != SOU_SEARCH_OPTIONS_VERSION)
        return sou__error_set(SOU_EINVAL, "search options: unknown version %u", version);
    *opts = defaults;
    return SOU_OK;
}

static int is_field(void *ctx, const char *name, size_t len)
{
    return sou__index_has_field(ctx, name, len);
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
    if (opts->default_op != SOU_OP_AND && opts->default_op != SOU_OP_OR)
        return sou__error_set(SOU_EINVAL, "search: unknown default operator %d",
                              (int)opts->default_op);
    if (!(opts->bm25_k1 >= 0) || !isfinite(opts->bm25_k1))
        return sou__error_set(SOU_EINVAL, "search: bm25_k1 must be a number >= 0");
    if (!(opts->bm25_b >= 0 && opts->bm25_b <= 1))
        return sou__error_set(SOU_EINVAL, "search: bm25_b must be between 0 and 1");
    if (opts->sort_by && sou__index_value_slot(index, opts->sort_by) < 0)
        return sou__error_set(SOU_EINVAL, "unknown sort value '%s'", opts->sort_by);

    env.analyzer = index->analyzer;
    env.default_op = opts->default_op;
    env.is_field = is_field;
    env.ctx = index;
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
                                   target, &s, &len, &nm);
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

int sou_index_search(sou_index *index, const char *query, size_t query_len,
                     const sou_search_options *opts, sou_results **out)
{
    static const sou_search_options defaults = SOU_SEARCH_OPTIONS_INIT;
    sou__parsed *parsed = NULL;
    sou__xmatch *m = NULL;
    sou__xsearch params;
    sou_results *r = NULL;
    int rc;

    if (!out)
        return sou__error_set(SOU_EINVAL, "search: out is NULL");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if ((rc = prepare(index, query, query_len, opts, &parsed)) != SOU_OK)
        return rc;

    params.offset = opts->offset;
    params.limit = opts->limit;
    params.k1 = opts->bm25_k1;
    params.b = opts->bm25_b;
    params.sort_slot = opts->sort_by ? sou__index_value_slot(index, opts->sort_by) : -1;
    params.sort_ascending = (opts->flags & SOU_SEARCH_SORT_ASCENDING) != 0;
    if ((rc = sou__xdb_search(index->db, parsed->root, &params, &m)) != SOU_OK)
        goto fail;

    if (!(r = sou__calloc(1, sizeof *r))) {
        rc = SOU_ENOMEM;
        goto fail;
    }
    r->offset = opts->offset;
    r->total = m->total;
    if (m->count > 0 && !(r->hits = sou__calloc(m->count, sizeof *r->hits))) {
        rc = SOU_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < m->count; i++) {
        sou__hit *h = &r->hits[i];
        h->score = m->hits[i].score;
        rc = sou__doc_deserialize(m->hits[i].data, m->hits[i].data_len, &h->doc);
        if (rc != SOU_OK)
            goto fail;
        r->count++;
        if (!(opts->flags & SOU_SEARCH_NO_SNIPPETS) &&
            (rc = make_snippet(index, h->doc, parsed, opts, h)) != SOU_OK)
            goto fail;
    }
    sou__xmatch_free(m);
    sou__parsed_free(parsed);
    *out = r;
    return SOU_OK;
fail:
    sou_results_free(r);
    sou__xmatch_free(m);
    sou__parsed_free(parsed);
    return rc;
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
    rc = sou__xquery_describe(parsed->root, out);
    sou__parsed_free(parsed);
    return rc;
}

void sou_results_free(sou_results *results)
{
    if (!results)
        return;
    for (size_t i = 0; i < results->count; i++) {
        sou_doc_free(results->hits[i].doc);
        sou__free(results->hits[i].snippet);
    }
    sou__free(results->hits);
    sou__free(results);
}

size_t sou_results_count(const sou_results *results)
{
    return results ? results->count : 0;
}

uint64_t sou_results_total(const sou_results *results)
{
    return results ? results->total : 0;
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
