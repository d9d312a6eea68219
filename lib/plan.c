/*
 * plan.c: the query planner, from the syntax tree of query.c to trees of
 * index terms (lib/terms.h), at up to three match levels:
 *
 *   exact   the query as typed: every word (a Latin word by its stem), a
 *           run of Chinese, kana or Hangul as an exact substring, phrases
 *           as phrases; ranked up where its words stand close together.
 *   all     every word, a run typed without spaces split into its
 *           dictionary words, each a substring anywhere in the document,
 *           closer together ranking higher. Only where a run splits.
 *   some    some of the words, by BM25, which adds an idf-weighted share
 *           for each word a document has: more words, and rarer ones,
 *           count more (as Elasticsearch's minimum_should_match ranks).
 *
 * What the user wrote explicitly is never relaxed: +word, field:word,
 * words joined by AND, NOT and -word keep their meaning at every level; a
 * quoted phrase or a group in parentheses is one word of the relaxed
 * levels, always matched as written, never split.
 * Only the top level of a query with the default AND is relaxed.
 *
 * Words without a field look in every indexed field: a single word as a
 * synonym of its terms in each field (BM25 sees one term), a word inside a
 * phrase as an OR of them (a phrase cannot span two fields: fields are 100
 * positions apart).
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "query.h"
#include "stopwords_en.h"
#include "terms.h"

/* Proximity ranks only queries of this many words or fewer: beyond it the
 * position lists cost more than the signal is worth. */
#define NEAR_WORDS_MAX 8

/* An analyzed token, copied out of the callback. */
typedef struct {
    size_t term_off, term_len, stem_off, stem_len;
    size_t start, end;
    uint32_t pos;
    sou_token_kind kind;
    unsigned int flags;
} atok;

typedef struct {
    atok *toks;
    size_t n, cap;
    char *buf;
    size_t blen, bcap;
} atoks;

typedef struct {
    const sou__query_env *env;
    const char *q;
    size_t len;
    sou__parsed *out;
    char *const *fields; /* where a word without a field looks */
    size_t nfields;
    int stemming;
    int stopwords;       /* English stopwords apply */
    int negative;        /* inside a negated part: no highlight patterns */
    size_t max_terms;
    int uncounted;       /* terms made now repeat ones already counted */
    int rc;
} planner;

static char *const BARE_ONLY[] = { (char *)SOU__BARE_FIELD };

/* --------------------------------------------------------------- helpers */

static int fail(planner *p, int rc)
{
    if (p->rc == SOU_OK)
        p->rc = rc;
    return rc;
}

static int buf_put(atoks *a, const char *s, size_t n, size_t *off)
{
    int rc = sou__grow((void **)&a->buf, &a->bcap, a->blen + n + 1, 1);
    if (rc != SOU_OK)
        return rc;
    memcpy(a->buf + a->blen, s, n);
    *off = a->blen;
    a->blen += n;
    a->buf[a->blen++] = '\0';
    return SOU_OK;
}

static int collect_tok(const sou_token *t, void *payload)
{
    atoks *a = payload;
    atok *k;
    int rc = sou__grow((void **)&a->toks, &a->cap, a->n + 1, sizeof *a->toks);
    if (rc != SOU_OK)
        return rc;
    k = &a->toks[a->n];
    if ((rc = buf_put(a, t->term, t->term_len, &k->term_off)) != SOU_OK)
        return rc;
    if ((rc = buf_put(a, t->stem, t->stem_len, &k->stem_off)) != SOU_OK)
        return rc;
    k->term_len = t->term_len;
    k->stem_len = t->stem_len;
    k->start = t->start;
    k->end = t->end;
    k->pos = t->position;
    k->kind = t->kind;
    k->flags = t->flags;
    a->n++;
    return SOU_OK;
}

static void atoks_free(atoks *a)
{
    sou__free(a->toks);
    sou__free(a->buf);
    memset(a, 0, sizeof *a);
}

static int analyze_text(planner *p, const char *text, size_t len, atoks *a)
{
    int rc;
    memset(a, 0, sizeof *a);
    if (len == 0)
        return SOU_OK;
    rc = sou_analyzer_tokenize(p->env->analyzer, text, len, collect_tok, a);
    if (rc != SOU_OK) {
        atoks_free(a);
        if (rc > 0)
            rc = SOU_ERROR;
        fail(p, rc);
    }
    return rc;
}

static int is_latin(sou_token_kind k)
{
    return k == SOU_TOKEN_LATIN || k == SOU_TOKEN_ALPHA;
}

static int is_cjk(sou_token_kind k)
{
    return k == SOU_TOKEN_IDEOGRAPHIC || k == SOU_TOKEN_KANA || k == SOU_TOKEN_HANGUL;
}

static int is_compound(const atok *t)
{
    return (t->flags & SOU_TOKEN_COMPOUND) != 0;
}

/* Add kid to parent; on failure both are freed and NULL returned. */
static sou__qnode *add_kid(planner *p, sou__qnode *parent, sou__qnode *kid)
{
    if (!parent || !kid) {
        sou__qnode_free(parent);
        sou__qnode_free(kid);
        if (p->rc == SOU_OK)
            fail(p, SOU_ENOMEM);
        return NULL;
    }
    if (sou__qnode_add(parent, kid) != SOU_OK) {
        sou__qnode_free(parent);
        fail(p, SOU_ENOMEM);
        return NULL;
    }
    return parent;
}

/* A node of op over two kids. */
static sou__qnode *pair(planner *p, sou__qop op, sou__qnode *a, sou__qnode *b)
{
    sou__qnode *n;
    if (!a || !b) {
        sou__qnode_free(a);
        sou__qnode_free(b);
        return NULL;
    }
    n = sou__qnode_new(op);
    n = add_kid(p, n, a);
    return add_kid(p, n, b);
}

static sou__qnode *clone(planner *p, const sou__qnode *n)
{
    sou__qnode *c;

    if (!n)
        return NULL;
    if (n->op == SOU__Q_TERM || n->op == SOU__Q_WILDCARD) {
        c = sou__qnode_term(n->term, n->term_len, n->wqf);
        if (c)
            c->op = n->op;
    } else {
        c = sou__qnode_new(n->op);
    }
    if (!c) {
        fail(p, SOU_ENOMEM);
        return NULL;
    }
    c->window = n->window;
    c->slot = n->slot;
    c->has_lo = n->has_lo;
    c->has_hi = n->has_hi;
    c->lo = n->lo;
    c->hi = n->hi;
    for (size_t i = 0; i < n->nkids && c; i++)
        c = add_kid(p, c, clone(p, n->kids[i]));
    return c;
}

/* ----------------------------------------------------------------- terms */

/* One index term: prefix of field (NULL: the bare field) + term. */
static sou__qnode *field_term(planner *p, const char *field, size_t flen, int stemmed,
                              const char *term, size_t len)
{
    char prefix[SOU__PREFIX_MAX + 1];
    char buf[SOU__TERMBUF];
    size_t pl = sou__term_prefix(prefix, field, flen, stemmed);
    size_t n = sou__term_make(buf, prefix, pl, term, len);
    sou__qnode *node;

    if (p->rc != SOU_OK)
        return NULL;
    if (!p->uncounted && ++p->out->nterms > p->max_terms) {
        fail(p, sou__error_set(SOU_EQUERY,
                               "query too large: more than %zu index terms after expansion "
                               "into fields, stems and characters",
                               p->max_terms));
        return NULL;
    }
    if (!(node = sou__qnode_term(buf, n, 1)))
        fail(p, SOU_ENOMEM);
    return node;
}

/* A term in the field asked for, or in every field joined by op (SYNONYM
 * for a word on its own, OR inside a phrase). */
static sou__qnode *make_term(planner *p, const char *field, size_t flen, int stemmed,
                             const char *term, size_t len, sou__qop op)
{
    sou__qnode *n;

    if (field || p->nfields == 1)
        return field_term(p, field ? field : p->fields[0], field ? flen : strlen(p->fields[0]),
                          stemmed, term, len);
    n = sou__qnode_new(op);
    for (size_t i = 0; i < p->nfields && n; i++)
        n = add_kid(p, n, field_term(p, p->fields[i], strlen(p->fields[i]), stemmed, term, len));
    if (!n && p->rc == SOU_OK)
        fail(p, SOU_ENOMEM);
    return n;
}

/* Is stem its own stem? Then documents with the word stem itself hold it
 * unstemmed only (a stem is stored only where it differs). */
static int stem_is_fixed(planner *p, const char *stem, size_t len)
{
    atoks a;
    int fixed;

    if (analyze_text(p, stem, len, &a) != SOU_OK)
        return 0;
    fixed = a.n == 1 && a.toks[0].stem_len == len && memcmp(a.buf + a.toks[0].stem_off, stem, len) == 0;
    atoks_free(&a);
    return fixed;
}

/* A Latin word found by its stem: the stem terms, and the word terms that
 * have that stem, as one synonym. */
static sou__qnode *stem_node(planner *p, const char *field, size_t flen, const char *stem,
                             size_t len)
{
    sou__qnode *syn = sou__qnode_new(SOU__Q_SYNONYM);
    int fixed = stem_is_fixed(p, stem, len);

    if (p->rc != SOU_OK) {
        sou__qnode_free(syn);
        return NULL;
    }
    for (size_t i = 0; syn && i < (field ? 1 : p->nfields); i++) {
        const char *f = field ? field : p->fields[i];
        size_t fl = field ? flen : strlen(f);
        syn = add_kid(p, syn, field_term(p, f, fl, 1, stem, len));
        if (syn && fixed)
            syn = add_kid(p, syn, field_term(p, f, fl, 0, stem, len));
    }
    if (syn && syn->nkids == 1) {
        sou__qnode *one = syn->kids[0];
        syn->nkids = 0;
        sou__qnode_free(syn);
        return one;
    }
    return syn;
}

/* -------------------------------------------------------------- patterns */

static void hlpat_clear(sou__hlpat *p)
{
    for (size_t i = 0; i < p->n; i++)
        sou__free(p->terms[i]);
    sou__free(p->terms);
    sou__free(p->lens);
    sou__free(p->field);
}

/* Record a highlight pattern from the positional tokens a->toks[from, to)
 * (their stems when by_stem; the last one a prefix when prefix). */
static void add_pattern(planner *p, const atoks *a, size_t from, size_t to, int by_stem,
                        int prefix, const char *field, size_t flen)
{
    sou__parsed *out = p->out;
    sou__hlpat pat;
    size_t npos = 0;

    if (p->negative || p->rc != SOU_OK)
        return;
    for (size_t i = from; i < to; i++)
        if (!is_compound(&a->toks[i]))
            npos++;
    if (npos == 0)
        return;
    memset(&pat, 0, sizeof pat);
    pat.terms = sou__calloc(npos, sizeof *pat.terms);
    pat.lens = sou__calloc(npos, sizeof *pat.lens);
    pat.by_stem = by_stem;
    pat.prefix = prefix;
    if (!pat.terms || !pat.lens)
        goto oom;
    for (size_t i = from; i < to; i++) {
        const atok *t = &a->toks[i];
        const char *s;
        size_t n;
        if (is_compound(t))
            continue;
        s = by_stem ? a->buf + t->stem_off : a->buf + t->term_off;
        n = by_stem ? t->stem_len : t->term_len;
        if (!(pat.terms[pat.n] = sou__strndup(s, n)))
            goto oom;
        pat.lens[pat.n++] = n;
    }
    if (field && !(pat.field = sou__strndup(field, flen)))
        goto oom;
    for (size_t k = 0; pat.field && k < flen; k++)
        if (pat.field[k] >= 'A' && pat.field[k] <= 'Z')
            pat.field[k] = (char)(pat.field[k] - 'A' + 'a');
    if (sou__grow((void **)&out->pats, &out->cap, out->npats + 1, sizeof *out->pats) != SOU_OK)
        goto oom;
    out->pats[out->npats++] = pat;
    return;
oom:
    hlpat_clear(&pat);
    fail(p, SOU_ENOMEM);
}

/* ------------------------------------------------------------ word nodes */

/* A node over the tokens a->toks[from, to) of one kind (compound or
 * positional): the one term, or an op node of their terms. */
static sou__qnode *terms_of(planner *p, const atoks *a, size_t from, size_t to, int compound,
                            sou__qop op, const char *field, size_t flen)
{
    sou__qnode *node = NULL;
    size_t n = 0;
    /* Inside a phrase or near, a word is an OR over fields; alone, a synonym. */
    sou__qop each = (op == SOU__Q_PHRASE || op == SOU__Q_NEAR) ? SOU__Q_OR : SOU__Q_SYNONYM;

    for (size_t i = from; i < to; i++)
        if (is_compound(&a->toks[i]) == compound)
            n++;
    if (n == 0)
        return NULL;
    if (n > 1 && !(node = sou__qnode_new(op))) {
        fail(p, SOU_ENOMEM);
        return NULL;
    }
    for (size_t i = from; i < to; i++) {
        const atok *t = &a->toks[i];
        sou__qnode *kid;
        if (is_compound(t) != compound)
            continue;
        kid = make_term(p, field, flen, 0, a->buf + t->term_off, t->term_len,
                        n == 1 ? SOU__Q_SYNONYM : each);
        if (n == 1)
            return kid;
        if (!(node = add_kid(p, node, kid)))
            return NULL;
    }
    return node;
}

/* The positional tokens (not compounds) of toks [from, to). */
static size_t run_length(const atoks *a, size_t from, size_t to)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        n += !is_compound(&a->toks[i]);
    return n;
}

static sou__qnode *run_node(planner *p, const atoks *a, size_t from, size_t to, int quoted,
                            const char *field, size_t flen, int patterns);

/* A run longer than SOU__RUN_MAX positions (Han characters, or the words
 * of a quoted phrase) as the AND of its pieces of SOU__RUN_MAX, each a
 * phrase of its own; a compound goes with the piece it falls in, which
 * only ranks. Identical pieces are merged after planning. */
static sou__qnode *run_pieces(planner *p, const atoks *a, size_t from, size_t to, int quoted,
                              const char *field, size_t flen, int patterns)
{
    sou__qnode *all = sou__qnode_new(SOU__Q_AND);
    size_t start = from, count = 0;

    if (!all) {
        fail(p, SOU_ENOMEM);
        return NULL;
    }
    for (size_t i = from; i <= to && all; i++) {
        if (i < to && (is_compound(&a->toks[i]) || count < SOU__RUN_MAX)) {
            count += !is_compound(&a->toks[i]);
            continue;
        }
        sou__qnode *piece = run_node(p, a, start, i, quoted, field, flen, patterns);
        if (piece)
            all = add_kid(p, all, piece);
        else if (p->rc != SOU_OK) {
            sou__qnode_free(all);
            return NULL;
        }
        start = i;
        count = 1;
    }
    return all;
}

/* One run of tokens at consecutive positions. A bare Latin word becomes its
 * stem; otherwise the positional terms form a phrase, which for a bare word
 * the dictionary words laid over them rank up. A run of more than
 * SOU__RUN_MAX positions is matched piece by piece (run_pieces). */
static sou__qnode *run_node(planner *p, const atoks *a, size_t from, size_t to, int quoted,
                            const char *field, size_t flen, int patterns)
{
    sou__qnode *node, *words = NULL;

    if (!quoted && to - from == 1 && p->stemming && is_latin(a->toks[from].kind) &&
        !is_compound(&a->toks[from])) {
        const atok *t = &a->toks[from];
        node = stem_node(p, field, flen, a->buf + t->stem_off, t->stem_len);
        if (patterns)
            add_pattern(p, a, from, to, 1, 0, field, flen);
        return node;
    }
    if (run_length(a, from, to) > SOU__RUN_MAX)
        return run_pieces(p, a, from, to, quoted, field, flen, patterns);
    node = terms_of(p, a, from, to, 0, SOU__Q_PHRASE, field, flen);
    if (!quoted && p->rc == SOU_OK)
        words = terms_of(p, a, from, to, 1, SOU__Q_OR, field, flen);
    if (p->rc != SOU_OK) {
        sou__qnode_free(node);
        sou__qnode_free(words);
        return NULL;
    }
    if (patterns)
        add_pattern(p, a, from, to, 0, 0, field, flen);
    if (node && words)
        return pair(p, SOU__Q_AND_MAYBE, node, words);
    return node ? node : words;
}

/* End of the run of tokens at consecutive positions that starts at from. */
static size_t run_end(const atoks *a, size_t from)
{
    size_t to = from + 1;
    uint32_t next = a->toks[from].pos + 1;

    while (to < a->n) {
        const atok *t = &a->toks[to];
        if (!is_compound(t)) {
            if (t->pos != next)
                break;
            next++;
        }
        to++;
    }
    return to;
}

/* The tokens split where positions jump (Han characters separated by
 * punctuation): each run is matched on its own, and all must match. */
static sou__qnode *runs_node(planner *p, const atoks *a, int quoted, const char *field,
                             size_t flen)
{
    sou__qnode *all = NULL, *one = NULL;
    size_t from = 0, nruns = 0;

    while (from < a->n && p->rc == SOU_OK) {
        size_t to = run_end(a, from);
        sou__qnode *n = run_node(p, a, from, to, quoted, field, flen, 1);
        from = to;
        if (!n)
            continue;
        if (++nruns == 1) {
            one = n;
            continue;
        }
        if (nruns == 2) {
            all = add_kid(p, sou__qnode_new(SOU__Q_AND), one);
            one = NULL;
        }
        all = add_kid(p, all, n);
    }
    if (p->rc != SOU_OK) {
        sou__qnode_free(all);
        sou__qnode_free(one);
        return NULL;
    }
    return nruns == 1 ? one : all;
}

/* A bare word; with a trailing '*', its last term is a prefix. */
static sou__qnode *word_tokens_node(planner *p, const atoks *a, int prefix, const char *field,
                                    size_t flen)
{
    sou__qnode *node = NULL;
    const atok *last = NULL;

    for (size_t i = a->n; prefix && i-- > 0;)
        if (!is_compound(&a->toks[i])) {
            last = &a->toks[i];
            break;
        }
    /* A Han character as a prefix adds nothing that substring matching
     * does not: the word is read as it is. */
    if (!last || is_cjk(last->kind))
        return runs_node(p, a, 0, field, flen);
    if (field || p->nfields == 1) {
        node = make_term(p, field, flen, 0, a->buf + last->term_off, last->term_len,
                         SOU__Q_SYNONYM);
        if (node)
            node->op = SOU__Q_WILDCARD;
    } else {
        /* A wildcard per field, weighed as one word. */
        node = sou__qnode_new(SOU__Q_SYNONYM);
        for (size_t i = 0; node && i < p->nfields; i++) {
            sou__qnode *w = field_term(p, p->fields[i], strlen(p->fields[i]), 0,
                                       a->buf + last->term_off, last->term_len);
            if (w)
                w->op = SOU__Q_WILDCARD;
            node = add_kid(p, node, w);
        }
    }
    if (!node)
        return NULL;
    add_pattern(p, a, 0, (size_t)(last - a->toks) + 1, 0, 1, field, flen);
    if (last != a->toks) {
        /* "e-mai*": the terms before the prefix as well. */
        sou__qnode *and = sou__qnode_new(SOU__Q_AND);
        for (const atok *k = a->toks; and && k != last; k++)
            if (!is_compound(k))
                and = add_kid(p, and, make_term(p, field, flen, 0, a->buf + k->term_off,
                                                k->term_len, SOU__Q_SYNONYM));
        node = add_kid(p, and, node);
    }
    return node;
}

/* ------------------------------------------------------ syntax → queries */

static const char *node_field(const sou__snode *n, const char *field, size_t *flen)
{
    if (n->field) {
        *flen = n->field_len;
        return n->field;
    }
    return field;
}

static sou__qnode *compile(planner *p, const sou__snode *n, const char *field, size_t flen);

/* Fold a group's compiled kids into one node: and_op: required and plain
 * kids all must match; otherwise required ones must and plain ones may.
 * Filters (ranges) restrict the result, whatever the operator; negative
 * kids are subtracted; a group of only negative kids subtracts from all.
 * Takes the nodes. */
static sou__qnode *combine(planner *p, sou__qnode **nodes, const sou__sign *signs, size_t n,
                           int and_op)
{
    sou__qnode *must = NULL, *may = NULL, *nots = NULL, *res = NULL, *filt = NULL;
    size_t nmust = 0, nmay = 0, nnot = 0;

    for (size_t i = 0; i < n && p->rc == SOU_OK; i++) {
        if (!nodes[i] || signs[i] != SOU__SIGN_FILTER)
            continue;
        filt = filt ? pair(p, SOU__Q_AND, filt, nodes[i]) : nodes[i];
        nodes[i] = NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!nodes[i])
            continue;
        if (signs[i] == SOU__SIGN_NEGATIVE)
            nnot++;
        else if (signs[i] == SOU__SIGN_REQUIRED || and_op)
            nmust++;
        else
            nmay++;
    }
    if ((nmust + nmay + nnot == 0 && !filt) || p->rc != SOU_OK)
        goto out;
    if (nmust > 1 && !(must = sou__qnode_new(SOU__Q_AND)))
        goto oom;
    if (nmay > 1 && !(may = sou__qnode_new(SOU__Q_OR)))
        goto oom;
    for (size_t i = 0; i < n; i++) {
        sou__qnode *k = nodes[i];
        if (!k || signs[i] == SOU__SIGN_NEGATIVE)
            continue;
        nodes[i] = NULL;
        if (signs[i] == SOU__SIGN_REQUIRED || and_op) {
            if (nmust == 1)
                must = k;
            else if (!(must = add_kid(p, must, k)))
                goto out;
        } else {
            if (nmay == 1)
                may = k;
            else if (!(may = add_kid(p, may, k)))
                goto out;
        }
    }
    if (must && may) {
        res = pair(p, SOU__Q_AND_MAYBE, must, may);
        must = may = NULL;
    } else {
        res = must ? must : may;
        must = may = NULL;
    }
    if (filt) {
        res = res ? pair(p, SOU__Q_AND, res, filt) : filt;
        filt = NULL;
    }
    if (!res && nnot > 0 && !(res = sou__qnode_new(SOU__Q_ALL)))
        goto oom;
    if (p->rc != SOU_OK)
        goto out;
    if (nnot > 0) {
        if (!(nots = add_kid(p, sou__qnode_new(SOU__Q_AND_NOT), res))) {
            res = NULL;
            goto out;
        }
        res = NULL;
        for (size_t i = 0; i < n; i++) {
            if (!nodes[i] || signs[i] != SOU__SIGN_NEGATIVE)
                continue;
            sou__qnode *k = nodes[i];
            nodes[i] = NULL;
            if (!(nots = add_kid(p, nots, k)))
                goto out;
        }
        res = nots;
        nots = NULL;
    }
    goto out;
oom:
    fail(p, SOU_ENOMEM);
out:
    sou__qnode_free(must);
    sou__qnode_free(may);
    sou__qnode_free(nots);
    sou__qnode_free(filt);
    for (size_t i = 0; i < n; i++) {
        sou__qnode_free(nodes[i]);
        nodes[i] = NULL;
    }
    if (p->rc != SOU_OK) {
        sou__qnode_free(res);
        res = NULL;
    }
    return res;
}

static sou__qnode *compile_group(planner *p, const sou__snode *g, const char *field, size_t flen,
                                 const unsigned char *skip)
{
    sou__qnode **nodes = sou__calloc(g->nkids ? g->nkids : 1, sizeof *nodes);
    sou__sign *signs = sou__calloc(g->nkids ? g->nkids : 1, sizeof *signs);
    sou__qnode *res = NULL;

    if (!nodes || !signs) {
        fail(p, SOU_ENOMEM);
        goto out;
    }
    for (size_t i = 0; i < g->nkids && p->rc == SOU_OK; i++) {
        const sou__snode *k = g->kids[i];
        int neg_before = p->negative;
        signs[i] = k->sign;
        if (skip && skip[i])
            continue;
        if (k->sign == SOU__SIGN_NEGATIVE)
            p->negative = 1;
        nodes[i] = compile(p, k, field, flen);
        p->negative = neg_before;
    }
    res = combine(p, nodes, signs, g->nkids, g->and_op);
out:
    if (p->rc != SOU_OK) {
        for (size_t i = 0; nodes && i < g->nkids; i++)
            sou__qnode_free(nodes[i]);
        sou__qnode_free(res);
        res = NULL;
    }
    sou__free(nodes);
    sou__free(signs);
    return res;
}

static sou__qnode *compile(planner *p, const sou__snode *n, const char *field, size_t flen)
{
    atoks a;
    sou__qnode *node;

    if (p->rc != SOU_OK)
        return NULL;
    field = node_field(n, field, &flen);
    if (n->op == SOU__S_GROUP)
        return compile_group(p, n, field, flen, NULL);
    if (n->op == SOU__S_ALL || n->op == SOU__S_RANGE) {
        node = sou__qnode_new(n->op == SOU__S_ALL ? SOU__Q_ALL : SOU__Q_RANGE);
        if (!node) {
            fail(p, SOU_ENOMEM);
            return NULL;
        }
        node->slot = n->slot;
        node->has_lo = n->has_lo;
        node->has_hi = n->has_hi;
        node->lo = n->lo;
        node->hi = n->hi;
        return node;
    }
    if (analyze_text(p, p->q + n->s, n->e - n->s, &a) != SOU_OK)
        return NULL;
    node = n->op == SOU__S_WORD ? word_tokens_node(p, &a, n->prefix, field, flen)
                                : runs_node(p, &a, 1, field, flen);
    atoks_free(&a);
    if (p->rc != SOU_OK) {
        sou__qnode_free(node);
        node = NULL;
    }
    return node;
}

/* ------------------------------------------------------------ the words */

/* A word of the relaxed levels: its query, and what NEAR looks for. */
typedef struct {
    sou__qnode *node;
    sou__qnode *anchor; /* a positional term (OR over fields), or NULL */
    size_t span;        /* positions the word covers */
    size_t s, e;        /* its text in the query */
    int latin;
} word;

typedef struct {
    word *v;
    size_t n, cap;
} words;

static void words_free(words *w)
{
    for (size_t i = 0; i < w->n; i++) {
        sou__qnode_free(w->v[i].node);
        sou__qnode_free(w->v[i].anchor);
    }
    sou__free(w->v);
    memset(w, 0, sizeof *w);
}

static void words_push(planner *p, words *w, sou__qnode *node, sou__qnode *anchor, size_t span,
                       size_t s, size_t e, int latin)
{
    if (!node && p->rc == SOU_OK) {
        /* The word had nothing to search (punctuation, a lone '*'). */
        sou__qnode_free(anchor);
        return;
    }
    if (!node || p->rc != SOU_OK ||
        sou__grow((void **)&w->v, &w->cap, w->n + 1, sizeof *w->v) != SOU_OK) {
        sou__qnode_free(node);
        sou__qnode_free(anchor);
        if (p->rc == SOU_OK)
            fail(p, SOU_ENOMEM);
        return;
    }
    w->v[w->n].node = node;
    w->v[w->n].anchor = anchor;
    w->v[w->n].span = span;
    w->v[w->n].s = s;
    w->v[w->n].e = e;
    w->v[w->n].latin = latin;
    w->n++;
}

/* The words of one WORD item: a Latin word, a number, and each dictionary
 * word of a run of Chinese, kana or Hangul (a character that no dictionary
 * word covers is a word of its own). Returns how many runs split. */
static size_t split_words(planner *p, const sou__snode *n, const char *field, size_t flen,
                          words *out, int patterns)
{
    atoks a;
    size_t split = 0, base = n->s;

    if (analyze_text(p, p->q + n->s, n->e - n->s, &a) != SOU_OK)
        return 0;
    if (n->prefix) {
        /* A prefix word stays whole. */
        int neg = p->negative;
        p->negative = !patterns;
        sou__qnode *w = word_tokens_node(p, &a, 1, field, flen);
        p->negative = neg;
        words_push(p, out, w, NULL, 1, n->s, n->e, 0);
        atoks_free(&a);
        return 0;
    }
    for (size_t i = 0; i < a.n && p->rc == SOU_OK;) {
        const atok *t = &a.toks[i];
        size_t run_to, pieces = 0, span = 0;
        int cjk = 0, has_word = 0;

        if (is_compound(t)) {
            i++;
            continue;
        }
        run_to = run_end(&a, i);
        for (size_t k = i; k < run_to; k++) {
            if (is_compound(&a.toks[k]))
                has_word |= is_cjk(a.toks[k].kind); /* not a number's compound */
            else {
                span++;
                cjk |= is_cjk(a.toks[k].kind);
            }
        }
        if (!cjk) {
            /* Latin words and numbers: each a word ("e-mail": e, mail). */
            for (size_t k = i; k < run_to; k++) {
                const atok *c = &a.toks[k];
                if (is_compound(c))
                    continue;
                words_push(p, out, run_node(p, &a, k, k + 1, 0, field, flen, patterns),
                           make_term(p, field, flen, 0, a.buf + c->term_off, c->term_len,
                                     SOU__Q_OR),
                           1, base + c->start, base + c->end, is_latin(c->kind));
            }
            i = run_to;
            continue;
        }
        if (!has_word) {
            /* No dictionary word in the run: its characters apart mean
             * little, so the run stays whole at every level. */
            words_push(p, out, run_node(p, &a, i, run_to, 0, field, flen, patterns),
                       make_term(p, field, flen, 0, a.buf + t->term_off, t->term_len, SOU__Q_OR),
                       span, base + t->start, base + a.toks[run_to - 1].end, 0);
            i = run_to;
            continue;
        }
        /* Cut the run into words: the longest compound laid over a
         * character covers it and those after it; a character no compound
         * covers is a word alone. */
        while (i < run_to && p->rc == SOU_OK) {
            const atok *c = &a.toks[i];
            size_t end = c->end, j, wspan = 1;
            if (is_compound(c)) {
                i++;
                continue;
            }
            for (size_t k = i + 1; k < run_to && (is_compound(&a.toks[k]) || a.toks[k].pos == c->pos); k++)
                if (is_compound(&a.toks[k]) && a.toks[k].pos == c->pos && a.toks[k].end > end)
                    end = a.toks[k].end;
            j = i + 1;
            while (j < run_to && (is_compound(&a.toks[j]) || a.toks[j].end <= end)) {
                if (!is_compound(&a.toks[j]))
                    wspan++;
                j++;
            }
            words_push(p, out, run_node(p, &a, i, j, 0, field, flen, patterns),
                       make_term(p, field, flen, 0, a.buf + c->term_off, c->term_len, SOU__Q_OR),
                       wspan, base + c->start, base + end, wspan == 1 && is_latin(c->kind));
            pieces++;
            i = j;
        }
        if (pieces > 1)
            split++;
        i = run_to;
    }
    atoks_free(&a);
    return split;
}

/* Does a WORD item hold a single Latin token that is a stopword? A word
 * in a field (title:the) is asked for and kept, as a +word is. */
static int is_stopword(planner *p, const sou__snode *n)
{
    atoks a;
    int stop = 0;

    if (n->op != SOU__S_WORD || n->prefix || n->sign != SOU__SIGN_PLAIN || n->field)
        return 0;
    if (analyze_text(p, p->q + n->s, n->e - n->s, &a) != SOU_OK)
        return 0;
    if (a.n == 1 && is_latin(a.toks[0].kind)) {
        const char *w = a.buf + a.toks[0].term_off;
        size_t lo = 0, hi = SOU__STOPWORDS_EN_COUNT;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            int c = strcmp(sou__stopwords_en[mid], w);
            if (c == 0) {
                stop = 1;
                break;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    atoks_free(&a);
    return stop;
}

/* NEAR over the words' anchors: the words close together rank higher. */
static sou__qnode *near_node(planner *p, const words *w)
{
    sou__qnode *near;
    size_t span = 0;

    if (w->n < 2 || w->n > NEAR_WORDS_MAX)
        return NULL;
    for (size_t i = 0; i < w->n; i++) {
        if (!w->v[i].anchor)
            return NULL;
        span += w->v[i].span;
    }
    near = sou__qnode_new(SOU__Q_NEAR);
    if (!near) {
        fail(p, SOU_ENOMEM);
        return NULL;
    }
    /* Room for the words and a few between each. */
    near->window = (uint32_t)(span + 3 * (w->n - 1));
    for (size_t i = 0; near && i < w->n; i++)
        near = add_kid(p, near, clone(p, w->v[i].anchor));
    return near;
}

static void qword_add(planner *p, const word *w)
{
    sou__parsed *out = p->out;
    sou__qword *qw;

    if (p->rc != SOU_OK)
        return;
    if (sou__grow((void **)&out->words, &out->qwords_cap, out->nqwords + 1, sizeof *out->words)) {
        fail(p, SOU_ENOMEM);
        return;
    }
    qw = &out->words[out->nqwords];
    memset(qw, 0, sizeof *qw);
    qw->text = sou__strndup(p->q + w->s, w->e - w->s);
    qw->len = w->e - w->s;
    qw->node = clone(p, w->node);
    if (!qw->text || !qw->node) {
        sou__free(qw->text);
        sou__qnode_free(qw->node);
        if (p->rc == SOU_OK)
            fail(p, SOU_ENOMEM);
        return;
    }
    out->nqwords++;
    if (w->latin) {
        atoks a;
        if (analyze_text(p, p->q + w->s, w->e - w->s, &a) != SOU_OK)
            return;
        if (a.n == 1) {
            qw->folded = sou__strndup(a.buf + a.toks[0].term_off, a.toks[0].term_len);
            qw->folded_len = a.toks[0].term_len;
            if (!qw->folded)
                fail(p, SOU_ENOMEM);
        }
        atoks_free(&a);
    }
}

/* The levels of the query: root's top items, their stopwords left out. */
static void plan_levels(planner *p, const sou__snode *root)
{
    const sou__snode *one[1];
    const sou__snode *const *items;
    size_t nitems, nstop = 0, nother = 0, split = 0, nword_items = 0;
    int fielded = 0;
    int and_op;
    unsigned char *skip = NULL;
    words w;
    sou__qnode *fixed = NULL, *level0 = NULL;
    sou__qnode **fixed_nodes = NULL;
    sou__sign *fixed_signs = NULL;
    size_t nfixed = 0;

    memset(&w, 0, sizeof w);
    if (root->op == SOU__S_GROUP && !root->field) {
        items = (const sou__snode *const *)root->kids;
        nitems = root->nkids;
        and_op = root->and_op;
    } else {
        one[0] = root;
        items = one;
        nitems = 1;
        and_op = 1;
    }
    if (!(skip = sou__calloc(nitems, 1))) {
        fail(p, SOU_ENOMEM);
        return;
    }

    /* Stopwords go when other words stay, unless typed with AND or OR. */
    if (p->stopwords && !(root->op == SOU__S_GROUP && root->typed)) {
        for (size_t i = 0; i < nitems && p->rc == SOU_OK; i++) {
            if (is_stopword(p, items[i]))
                skip[i] = 1, nstop++;
            else if (items[i]->sign != SOU__SIGN_NEGATIVE && items[i]->op != SOU__S_RANGE &&
                     items[i]->op != SOU__S_ALL)
                nother++;
        }
        if (nother == 0)
            memset(skip, 0, nitems);
        else
            p->out->nstopped = nstop;
    }

    /* The exact level: the query as typed. */
    if (root->op == SOU__S_GROUP && !root->field)
        level0 = compile_group(p, root, NULL, 0, skip);
    else
        level0 = compile(p, root, NULL, 0);

    /* The plain words, for the relaxed levels and for explanations. The
     * patterns of the words are recorded only where a run splits. */
    if (!(fixed_nodes = sou__calloc(nitems, sizeof *fixed_nodes)) ||
        !(fixed_signs = sou__calloc(nitems, sizeof *fixed_signs))) {
        fail(p, SOU_ENOMEM);
        goto out;
    }
    /* The words repeat terms of the exact level: the limit counts the
     * exact level's terms, what every search runs. */
    p->uncounted = 1;
    for (size_t i = 0; i < nitems && p->rc == SOU_OK; i++) {
        const sou__snode *it = items[i];
        size_t flen = it->field_len;
        if (skip[i])
            continue;
        /* A word with a field is a filter the user wrote: never relaxed. */
        if (it->op == SOU__S_WORD && (it->sign == SOU__SIGN_PLAIN || !and_op) &&
            it->sign != SOU__SIGN_NEGATIVE && !(it->field && and_op)) {
            split += split_words(p, it, it->field, flen, &w, 0);
            nword_items++;
            fielded |= it->field != NULL;
            continue;
        }
        if (!and_op)
            continue;
        if (it->sign == SOU__SIGN_PLAIN && !it->field &&
            (it->op == SOU__S_PHRASE || (it->op == SOU__S_GROUP && it->e > it->s))) {
            /* A phrase stays a phrase, and parentheses are no operator the
             * user typed: each is one word of the relaxed levels, matched
             * as written, never split. */
            int neg = p->negative;
            p->negative = 1; /* the exact level recorded its patterns */
            words_push(p, &w, compile(p, it, NULL, 0), NULL, 1, it->s, it->e, 0);
            p->negative = neg;
            nword_items++;
            continue;
        }
        /* Kept as typed at every level: phrases, +word, field:word, AND, NOT. */
        {
            int neg = p->negative;
            p->negative = 1; /* the exact level recorded their patterns */
            fixed_nodes[nfixed] = compile(p, it, NULL, 0);
            p->negative = neg;
            fixed_signs[nfixed] = it->sign == SOU__SIGN_NEGATIVE ? SOU__SIGN_NEGATIVE
                                                                  : SOU__SIGN_REQUIRED;
            nfixed++;
        }
    }
    if (p->rc != SOU_OK)
        goto out;
    p->uncounted = 0;
    for (size_t i = 0; i < w.n; i++)
        qword_add(p, &w.v[i]);
    /* Required and fielded words are explained too, after the relaxed
     * ones (words[0, nwords) stay the relaxed level's). */
    if (and_op) {
        size_t nterms = p->out->nterms;
        int neg = p->negative;
        p->negative = 1;
        for (size_t i = 0; i < nitems && p->rc == SOU_OK; i++) {
            const sou__snode *it = items[i];
            words tmp;
            if (skip[i] || it->op != SOU__S_WORD || it->sign == SOU__SIGN_NEGATIVE ||
                (it->sign == SOU__SIGN_PLAIN && !it->field))
                continue;
            memset(&tmp, 0, sizeof tmp);
            split_words(p, it, it->field, it->field_len, &tmp, 0);
            for (size_t k = 0; k < tmp.n; k++)
                qword_add(p, &tmp.v[k]);
            words_free(&tmp);
        }
        p->negative = neg;
        p->out->nterms = nterms;
    }

    /* Proximity ranks the exact level of two or more words. */
    if (level0 && p->rc == SOU_OK) {
        int typed_or = !and_op && root->op == SOU__S_GROUP && root->typed;
        sou__qnode *near = split == 0 && nword_items >= 2 && !fielded && !typed_or
                               ? near_node(p, &w)
                               : NULL;
        /* Not ANDed into level 0: checking positions of every match of
         * two common words would cost more than the match itself. */
        p->out->proximity = near;
    }
    p->out->level[0] = level0;
    level0 = NULL;

    if (!p->env->relax || !and_op || p->env->default_op != SOU_OP_AND || p->rc != SOU_OK ||
        w.n == 0)
        goto out;

    if (split > 0) {
        /* Highlight each word of a run that split (the terms were counted). */
        size_t nterms = p->out->nterms;
        for (size_t i = 0; i < nitems && p->rc == SOU_OK; i++) {
            const sou__snode *it = items[i];
            words tmp;
            if (skip[i] || it->op != SOU__S_WORD || it->sign != SOU__SIGN_PLAIN)
                continue;
            memset(&tmp, 0, sizeof tmp);
            split_words(p, it, it->field, it->field_len, &tmp, 1);
            words_free(&tmp);
        }
        p->out->nterms = nterms;
    }

    /* The required and negative items, for both relaxed levels. */
    for (size_t i = 0; i < nfixed && p->rc == SOU_OK; i++)
        if (fixed_nodes[i] && fixed_signs[i] == SOU__SIGN_REQUIRED)
            fixed = fixed ? (fixed->op == SOU__Q_AND ? add_kid(p, fixed, clone(p, fixed_nodes[i]))
                                                     : pair(p, SOU__Q_AND, fixed,
                                                            clone(p, fixed_nodes[i])))
                          : clone(p, fixed_nodes[i]);

    /* All words: only where a run of characters split into words. */
    if (split > 0 && p->rc == SOU_OK) {
        sou__qnode *all = sou__qnode_new(SOU__Q_AND), *near;
        for (size_t i = 0; all && i < w.n; i++)
            all = add_kid(p, all, clone(p, w.v[i].node));
        if (all && fixed)
            all = add_kid(p, all, clone(p, fixed));
        if (all && all->nkids == 1) {
            sou__qnode *k = all->kids[0];
            all->nkids = 0;
            sou__qnode_free(all);
            all = k;
        }
        if (all && !fielded && (near = near_node(p, &w)))
            all = pair(p, SOU__Q_AND_MAYBE, all, near);
        p->out->level[1] = all;
    }

    /* Some words, at least one. */
    if (w.n >= 2 && p->rc == SOU_OK) {
        sou__qnode *some = sou__qnode_new(SOU__Q_OR);
        for (size_t i = 0; some && i < w.n; i++)
            some = add_kid(p, some, clone(p, w.v[i].node));
        if (some && fixed)
            some = pair(p, SOU__Q_AND, clone(p, fixed), some);
        p->out->level[2] = some;
        p->out->nwords = w.n;
    }

    /* Negatives leave every level. */
    for (size_t l = 1; l < 3 && p->rc == SOU_OK; l++) {
        if (!p->out->level[l])
            continue;
        for (size_t i = 0; i < nfixed; i++) {
            if (!fixed_nodes[i] || fixed_signs[i] != SOU__SIGN_NEGATIVE)
                continue;
            if (p->out->level[l]->op != SOU__Q_AND_NOT)
                p->out->level[l] = pair(p, SOU__Q_AND_NOT, p->out->level[l],
                                        clone(p, fixed_nodes[i]));
            else
                p->out->level[l] = add_kid(p, p->out->level[l], clone(p, fixed_nodes[i]));
        }
    }

out:
    sou__qnode_free(level0);
    sou__qnode_free(fixed);
    for (size_t i = 0; fixed_nodes && i < nfixed; i++)
        sou__qnode_free(fixed_nodes[i]);
    sou__free(fixed_nodes);
    sou__free(fixed_signs);
    sou__free(skip);
    words_free(&w);
}

/* ------------------------------------------------------------- the plan */

void sou__parsed_free(sou__parsed *p)
{
    if (!p)
        return;
    for (size_t l = 0; l < 3; l++)
        sou__qnode_free(p->level[l]);
    sou__qnode_free(p->proximity);
    for (size_t i = 0; i < p->nqwords; i++) {
        sou__free(p->words[i].text);
        sou__free(p->words[i].folded);
        sou__qnode_free(p->words[i].node);
    }
    sou__free(p->words);
    for (size_t i = 0; i < p->npats; i++)
        hlpat_clear(&p->pats[i]);
    sou__free(p->pats);
    sou__free(p);
}

/* ------------------------------------------------------ repeated parts */

static uint64_t hash_bytes(uint64_t h, const void *data, size_t n)
{
    const unsigned char *b = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* FNV-1a over the whole subtree: what node_equal compares. */
static uint64_t node_hash(const sou__qnode *n)
{
    uint64_t h = 14695981039346656037ull;
    int op = (int)n->op;

    h = hash_bytes(h, &op, sizeof op);
    if (n->term)
        h = hash_bytes(h, n->term, n->term_len);
    h = hash_bytes(h, &n->wqf, sizeof n->wqf);
    h = hash_bytes(h, &n->window, sizeof n->window);
    h = hash_bytes(h, &n->slot, sizeof n->slot);
    if (n->op == SOU__Q_RANGE) {
        h = hash_bytes(h, &n->has_lo, sizeof n->has_lo);
        h = hash_bytes(h, &n->has_hi, sizeof n->has_hi);
        h = hash_bytes(h, &n->lo, sizeof n->lo);
        h = hash_bytes(h, &n->hi, sizeof n->hi);
    }
    for (size_t i = 0; i < n->nkids; i++) {
        uint64_t k = node_hash(n->kids[i]);
        h = hash_bytes(h, &k, sizeof k);
    }
    return h;
}

static int node_equal(const sou__qnode *a, const sou__qnode *b)
{
    if (a->op != b->op || a->term_len != b->term_len || a->wqf != b->wqf ||
        a->window != b->window || a->slot != b->slot || a->nkids != b->nkids)
        return 0;
    if (a->term_len && memcmp(a->term, b->term, a->term_len) != 0)
        return 0;
    if (a->op == SOU__Q_RANGE && (a->has_lo != b->has_lo || a->has_hi != b->has_hi ||
                                  a->lo != b->lo || a->hi != b->hi))
        return 0;
    for (size_t i = 0; i < a->nkids; i++)
        if (!node_equal(a->kids[i], b->kids[i]))
            return 0;
    return 1;
}

typedef struct kid_key {
    uint64_t hash;
    size_t at;
} kid_key;

static int kid_key_cmp(const void *x, const void *y)
{
    const kid_key *a = x, *b = y;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return (a->at > b->at) - (a->at < b->at);
}

/* Merge the kids of AND, OR, SYNONYM and NEAR nodes (none of which minds
 * the order of its kids) that repeat an earlier kid: `the the the`, or a
 * run of one character many times over, is searched as the part once.
 * Under AND and OR the part then weighs as much as its copies did
 * (SOU__Q_SCALE), since a word typed twice is a word that matters more;
 * under SYNONYM and NEAR a copy adds nothing. Xapian no longer opens one
 * posting list per copy, which for a thousand copies of a common word
 * took seconds. SOU_ENOMEM, or SOU_OK. */
static int merge_repeats(sou__qnode *n)
{
    kid_key *keys;
    uint32_t *times;
    size_t kept = 0;
    int weighed = n->op == SOU__Q_AND || n->op == SOU__Q_OR, rc = SOU_OK;

    for (size_t i = 0; i < n->nkids; i++)
        if (merge_repeats(n->kids[i]) != SOU_OK)
            return SOU_ENOMEM;
    if ((!weighed && n->op != SOU__Q_SYNONYM && n->op != SOU__Q_NEAR) || n->nkids < 2)
        return SOU_OK;
    keys = sou__malloc(n->nkids * sizeof *keys);
    times = sou__malloc(n->nkids * sizeof *times);
    if (!keys || !times) {
        sou__free(keys);
        sou__free(times);
        return SOU_ENOMEM;
    }
    for (size_t i = 0; i < n->nkids; i++) {
        keys[i] = (kid_key){ node_hash(n->kids[i]), i };
        times[i] = 1;
    }
    qsort(keys, n->nkids, sizeof *keys, kid_key_cmp);
    /* keys of one hash run in kid order: a kid equal to an earlier one of
     * its run goes, and the earlier one counts it */
    for (size_t i = 0, run = 0; i < n->nkids; i++) {
        if (i > 0 && keys[i].hash != keys[i - 1].hash)
            run = i;
        for (size_t j = run; j < i; j++)
            if (n->kids[keys[j].at] && n->kids[keys[i].at] &&
                node_equal(n->kids[keys[j].at], n->kids[keys[i].at])) {
                sou__qnode_free(n->kids[keys[i].at]);
                n->kids[keys[i].at] = NULL;
                times[keys[j].at]++;
                break;
            }
    }
    sou__free(keys);
    for (size_t i = 0; i < n->nkids; i++) {
        if (!n->kids[i])
            continue;
        if (weighed && times[i] > 1 && n->kids[i]->op != SOU__Q_RANGE) {
            sou__qnode *scale = sou__qnode_new(SOU__Q_SCALE);
            sou__qnode **one = scale ? sou__malloc(sizeof *one) : NULL;
            if (one) {
                one[0] = n->kids[i];
                scale->kids = one;
                scale->nkids = scale->cap = 1;
                scale->wqf = times[i];
                n->kids[i] = scale;
            } else {
                sou__free(scale);
                rc = SOU_ENOMEM; /* the tree stays whole, for freeing */
            }
        }
        n->kids[kept++] = n->kids[i];
    }
    sou__free(times);
    n->nkids = kept;
    if (kept == 1 && weighed) {
        /* AND or OR of one part is the part */
        sou__qnode *only = n->kids[0];
        sou__free(n->kids);
        sou__free(n->term);
        *n = *only;
        sou__free(only);
    }
    return rc;
}

static void qword_clear(sou__qword *w)
{
    sou__free(w->text);
    sou__free(w->folded);
    sou__qnode_free(w->node);
    memset(w, 0, sizeof *w);
}

/* The query's words [from, to) of out, each written once: the same text
 * planned the same way is one word for the counts of the relaxed level
 * ("2 of 2 words") and for the explanations, which count each word's
 * documents. Best effort, as merge_repeats. Returns the words kept. */
static size_t merge_repeated_words(sou__parsed *out, size_t from, size_t to)
{
    size_t n = to - from, kept = from;
    kid_key *keys;

    for (size_t i = from; i < to; i++)
        merge_repeats(out->words[i].node); /* best effort: a word's own plan */
    if (n < 2 || !(keys = sou__malloc(n * sizeof *keys)))
        return to;
    for (size_t i = 0; i < n; i++) {
        const sou__qword *w = &out->words[from + i];
        keys[i] = (kid_key){ hash_bytes(node_hash(w->node), w->text, w->len), from + i };
    }
    qsort(keys, n, sizeof *keys, kid_key_cmp);
    for (size_t i = 0, run = 0; i < n; i++) {
        sou__qword *b = &out->words[keys[i].at];
        if (i > 0 && keys[i].hash != keys[i - 1].hash)
            run = i;
        for (size_t j = run; j < i; j++) {
            const sou__qword *a = &out->words[keys[j].at];
            if (a->node && a->len == b->len && memcmp(a->text, b->text, a->len) == 0 &&
                node_equal(a->node, b->node)) {
                qword_clear(b);
                break;
            }
        }
    }
    sou__free(keys);
    for (size_t i = from; i < to; i++)
        if (out->words[i].node)
            out->words[kept++] = out->words[i];
    return kept;
}

int sou__query_plan(const sou__query_env *env, const char *q, size_t len,
                    const sou__snode *root, sou__parsed **out)
{
    planner p;
    const sou_analyzer_options *ao;

    if (!out)
        return sou__error_set(SOU_EINVAL, "query plan: out is NULL");
    *out = NULL;
    if (!env || !env->analyzer || (!q && len > 0))
        return sou__error_set(SOU_EINVAL, "query plan: invalid arguments");

    memset(&p, 0, sizeof p);
    p.env = env;
    p.q = q ? q : "";
    p.len = len;
    p.fields = env->fields && env->nfields ? env->fields : BARE_ONLY;
    p.nfields = env->fields && env->nfields ? env->nfields : 1;
    p.max_terms = env->max_terms ? env->max_terms : SOU__QUERY_TERMS_MAX;
    ao = sou_analyzer_options_get(env->analyzer);
    p.stemming = ao && ao->stemmer && strcmp(ao->stemmer, "none") != 0;
    p.stopwords = ao && ao->stemmer &&
                  (strcmp(ao->stemmer, "english") == 0 || strcmp(ao->stemmer, "none") == 0);
    if (!(p.out = sou__calloc(1, sizeof *p.out)))
        return SOU_ENOMEM;

    if (root)
        plan_levels(&p, root);
    if (p.rc == SOU_OK && !p.out->level[0] && !(p.out->level[0] = sou__qnode_new(SOU__Q_NOTHING)))
        p.rc = SOU_ENOMEM;
    for (int l = 0; p.rc == SOU_OK && l < 3; l++) {
        if (!p.out->level[l])
            continue;
        if ((p.rc = merge_repeats(p.out->level[l])) != SOU_OK)
            break;
        /* A level the same as an earlier one finds nothing new: its
         * documents are the earlier level's, which it leaves out. */
        for (int k = 0; k < l; k++)
            if (p.out->level[k] && node_equal(p.out->level[k], p.out->level[l])) {
                sou__qnode_free(p.out->level[l]);
                p.out->level[l] = NULL;
                break;
            }
    }
    if (p.rc == SOU_OK && p.out->proximity && (p.rc = merge_repeats(p.out->proximity)) == SOU_OK) {
        if (p.out->proximity->nkids < 2) { /* one word: nothing to be near */
            sou__qnode_free(p.out->proximity);
            p.out->proximity = NULL;
        }
    }
    if (p.rc == SOU_OK && p.out->nqwords) {
        /* the relaxed level's words, then the others, each kept apart */
        size_t some = merge_repeated_words(p.out, 0, p.out->nwords);
        size_t rest = merge_repeated_words(p.out, p.out->nwords, p.out->nqwords);
        memmove(&p.out->words[some], &p.out->words[p.out->nwords],
                (rest - p.out->nwords) * sizeof *p.out->words);
        p.out->nqwords = some + (rest - p.out->nwords);
        p.out->nwords = some;
    }
    if (p.rc != SOU_OK) {
        sou__parsed_free(p.out);
        return p.rc;
    }
    *out = p.out;
    return SOU_OK;
}
