/*
 * snippet.c: the passage of a stored text that best shows why it matched.
 *
 * The text is tokenized with the index's analyzer, so matches are found on
 * the same terms the index holds. A pattern matches a run of positional
 * tokens at consecutive positions; a pattern of one term also matches a
 * compound equal to it (a number inside Han text). At most the first
 * SOU_SNIPPET_SCAN_BYTES of a text are analysed, so that the cost per hit
 * is bounded, and usually much less (see SNIPPET_SCAN_ALL). The window of
 * about target bytes holding the most distinct patterns wins; its edges
 * move to token boundaries, or at least to character boundaries, and each
 * cut edge gets an ellipsis.
 */
#include "snippet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"

static const char ELLIPSIS[] = "\xe2\x80\xa6"; /* U+2026 */

#define NONE UINT32_MAX

/* How much of a text is analysed for a snippet: all of the first
 * SNIPPET_SCAN_ALL bytes; then up to the point where every pattern has
 * matched; past SNIPPET_SCAN_ANY, up to the point where any has; and never
 * more than SOU_SNIPPET_SCAN_BYTES. In each case a window's length of text
 * after that point is read too. So a query whose every word occurs early
 * costs 64 KiB of analysis, a query of many words no more than 256 KiB,
 * and a match far into a long text is still found, within 1 MiB. */
#define SNIPPET_SCAN_ALL (64u * 1024u)
#define SNIPPET_SCAN_ANY (256u * 1024u)

typedef struct {
    size_t start, end;
    uint32_t pos;
    size_t term_off, term_len, stem_off, stem_len;
} stok;

typedef struct {
    stok *toks; /* positional tokens */
    size_t n, cap;
    stok *comps; /* compounds */
    size_t nc, ccap;
    char *buf;
    size_t blen, bcap;
} stoks;

typedef struct {
    size_t start, end;
    size_t pat;
} smatch;

static int put(stoks *s, const char *p, size_t n, size_t *off)
{
    int rc = sou__grow((void **)&s->buf, &s->bcap, s->blen + n, 1);
    if (rc != SOU_OK)
        return rc;
    memcpy(s->buf + s->blen, p, n);
    *off = s->blen;
    s->blen += n;
    return SOU_OK;
}

static int pat_applies(const sou__hlpat *p, const char *field)
{
    return p->n > 0 && (!p->field || !field || strcmp(p->field, field) == 0);
}

/* Does token t match term k of pattern p? */
static int tok_is(const stoks *s, const stok *t, const sou__hlpat *p, size_t k)
{
    if (p->prefix && k + 1 == p->n)
        return t->term_len >= p->lens[k] &&
               memcmp(s->buf + t->term_off, p->terms[k], p->lens[k]) == 0;
    if (p->by_stem)
        return t->stem_len == p->lens[k] && memcmp(s->buf + t->stem_off, p->terms[k], p->lens[k]) == 0;
    return t->term_len == p->lens[k] && memcmp(s->buf + t->term_off, p->terms[k], p->lens[k]) == 0;
}

/* ---------------------------------------------------------------- matching
 *
 * Patterns are sequences of terms, so all of them are found in one pass
 * over the tokens by an Aho-Corasick automaton whose alphabet is the set of
 * distinct pattern terms: the time is linear in the tokens plus the terms
 * of the query, whatever the number of patterns. Patterns on stems get an
 * automaton of their own (a token has a term and a stem). Patterns whose
 * last term is a prefix are looked up by the prefixes of each token, one
 * lookup per distinct prefix length. */

/* Distinct strings to dense ids, by open addressing. */
typedef struct {
    const char *s; /* borrowed from the patterns; NULL: empty slot */
    size_t n;
    uint64_t h;
    uint32_t id;
} dslot;

typedef struct {
    dslot *slots;
    size_t cap, used; /* cap: a power of two, or 0 */
} dict;

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ n;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h ^ (h >> 32);
}

static uint32_t dict_find(const dict *d, const char *s, size_t n, uint64_t h)
{
    if (!d->used)
        return NONE;
    for (size_t i = h & (d->cap - 1);; i = (i + 1) & (d->cap - 1)) {
        const dslot *e = &d->slots[i];
        if (!e->s)
            return NONE;
        if (e->h == h && e->n == n && memcmp(e->s, s, n) == 0)
            return e->id;
    }
}

static int dict_grow(dict *d)
{
    size_t cap = d->cap ? d->cap * 2 : 64;
    dslot *n = sou__calloc(cap, sizeof *n);
    if (!n)
        return SOU_ENOMEM;
    for (size_t i = 0; i < d->cap; i++) {
        const dslot *e = &d->slots[i];
        size_t j;
        if (!e->s)
            continue;
        for (j = e->h & (cap - 1); n[j].s; j = (j + 1) & (cap - 1))
            ;
        n[j] = *e;
    }
    sou__free(d->slots);
    d->slots = n;
    d->cap = cap;
    return SOU_OK;
}

/* The id of s, a new one (d->used - 1) when it is new. */
static int dict_intern(dict *d, const char *s, size_t n, uint32_t *id)
{
    uint64_t h = hash_bytes(s, n);
    size_t i;

    if ((*id = dict_find(d, s, n, h)) != NONE)
        return SOU_OK;
    if ((d->used + 1) * 2 > d->cap && dict_grow(d) != SOU_OK)
        return SOU_ENOMEM;
    for (i = h & (d->cap - 1); d->slots[i].s; i = (i + 1) & (d->cap - 1))
        ;
    d->slots[i].s = s ? s : "";
    d->slots[i].n = n;
    d->slots[i].h = h;
    d->slots[i].id = *id = (uint32_t)d->used++;
    return SOU_OK;
}

typedef struct {
    uint32_t fail;  /* longest proper suffix that is a node */
    uint32_t out;   /* the pattern spelled by this node, or NONE */
    uint32_t dict;  /* nearest node with a pattern on the fail chain, or NONE */
    uint32_t child; /* first child */
    uint32_t next;  /* next sibling */
    uint32_t sym;   /* symbol on the edge from the parent */
} acnode;

typedef struct {
    uint64_t key; /* (node << 32 | symbol) + 1; 0: empty */
    uint32_t child;
} edge;

typedef struct {
    dict syms;
    acnode *nodes; /* nodes[0] is the root */
    size_t nn, ncap;
    edge *edges;
    size_t ecap, eused;
} acm;

/* The slot of an edge key: a full 64-bit mix (MurmurHash3's finalizer),
 * since keys differ in their high (node) and low (symbol) halves alike. */
static size_t edge_slot(uint64_t key, size_t cap)
{
    key ^= key >> 33;
    key *= 0xFF51AFD7ED558CCDULL;
    key ^= key >> 33;
    key *= 0xC4CEB9FE1A85EC53ULL;
    key ^= key >> 33;
    return (size_t)key & (cap - 1);
}

static uint32_t go(const acm *a, uint32_t node, uint32_t sym)
{
    uint64_t key = ((uint64_t)node << 32 | sym) + 1;

    if (!a->eused)
        return NONE;
    for (size_t i = edge_slot(key, a->ecap);; i = (i + 1) & (a->ecap - 1)) {
        if (a->edges[i].key == key)
            return a->edges[i].child;
        if (!a->edges[i].key)
            return NONE;
    }
}

static void edge_put(edge *t, size_t cap, uint64_t key, uint32_t child)
{
    size_t i;
    for (i = edge_slot(key, cap); t[i].key; i = (i + 1) & (cap - 1))
        ;
    t[i].key = key;
    t[i].child = child;
}

static int acm_node(acm *a, uint32_t *out)
{
    if (a->nn >= NONE - 1 || sou__grow((void **)&a->nodes, &a->ncap, a->nn + 1, sizeof *a->nodes))
        return SOU_ENOMEM;
    a->nodes[a->nn] = (acnode){ 0, NONE, NONE, NONE, NONE, NONE };
    *out = (uint32_t)a->nn++;
    return SOU_OK;
}

static int acm_edge(acm *a, uint32_t parent, uint32_t sym, uint32_t child)
{
    if ((a->eused + 1) * 2 > a->ecap) {
        size_t cap = a->ecap ? a->ecap * 2 : 64;
        edge *t = sou__calloc(cap, sizeof *t);
        if (!t)
            return SOU_ENOMEM;
        for (size_t i = 0; i < a->ecap; i++)
            if (a->edges[i].key)
                edge_put(t, cap, a->edges[i].key, a->edges[i].child);
        sou__free(a->edges);
        a->edges = t;
        a->ecap = cap;
    }
    edge_put(a->edges, a->ecap, ((uint64_t)parent << 32 | sym) + 1, child);
    a->eused++;
    a->nodes[child].sym = sym;
    a->nodes[child].next = a->nodes[parent].child;
    a->nodes[parent].child = child;
    return SOU_OK;
}

/* Add the first n terms of pattern pi. A pattern equal to one added before
 * is not added again: it would only repeat the same matches. */
static int acm_add(acm *a, const sou__hlpat *p, size_t n, size_t pi, size_t *nwant)
{
    uint32_t node = 0, sym, c;
    int rc;

    if (!a->nn && (rc = acm_node(a, &node)) != SOU_OK)
        return rc;
    for (size_t k = 0; k < n; k++) {
        if ((rc = dict_intern(&a->syms, p->terms[k], p->lens[k], &sym)) != SOU_OK)
            return rc;
        if ((c = go(a, node, sym)) == NONE) {
            if ((rc = acm_node(a, &c)) != SOU_OK || (rc = acm_edge(a, node, sym, c)) != SOU_OK)
                return rc;
        }
        node = c;
    }
    if (a->nodes[node].out == NONE) {
        a->nodes[node].out = (uint32_t)pi;
        (*nwant)++;
    }
    return SOU_OK;
}

/* Fail and dictionary links, breadth first. */
static int acm_finish(acm *a)
{
    uint32_t *queue;
    size_t head = 0, tail = 0;

    if (!a->nn)
        return SOU_OK;
    if (!(queue = sou__malloc(a->nn * sizeof *queue)))
        return SOU_ENOMEM;
    queue[tail++] = 0;
    while (head < tail) {
        uint32_t u = queue[head++];
        for (uint32_t v = a->nodes[u].child; v != NONE; v = a->nodes[v].next) {
            acnode *nv = &a->nodes[v];
            uint32_t f = a->nodes[u].fail, c = NONE;
            if (u != 0) {
                for (;;) {
                    if ((c = go(a, f, nv->sym)) != NONE || f == 0)
                        break;
                    f = a->nodes[f].fail;
                }
            }
            nv->fail = c != NONE ? c : 0;
            nv->dict = a->nodes[nv->fail].out != NONE ? nv->fail : a->nodes[nv->fail].dict;
            queue[tail++] = v;
        }
    }
    sou__free(queue);
    return SOU_OK;
}

static uint32_t acm_step(const acm *a, uint32_t state, uint32_t sym)
{
    if (sym == NONE)
        return 0;
    for (;;) {
        uint32_t c = go(a, state, sym);
        if (c != NONE)
            return c;
        if (state == 0)
            return 0;
        state = a->nodes[state].fail;
    }
}

static void acm_free(acm *a)
{
    sou__free(a->syms.slots);
    sou__free(a->nodes);
    sou__free(a->edges);
}

/* Patterns ending in a prefix: by the prefix, the distinct ones chained. */
typedef struct {
    dict prefixes;
    uint32_t *first; /* per prefix id: first pattern */
    size_t fcap;
    uint32_t *next;  /* per pattern: next one with the same prefix */
    size_t *lens;    /* prefix lengths, ascending and distinct once sorted */
    size_t nlens, lcap;
} ptab;

/* The tokens of a text and the matches found in them as they come. */
typedef struct {
    stoks s;
    const sou__parsed *parsed;
    acm terms, stems;
    ptab pre;
    uint32_t st, ss;     /* states of the two automata */
    smatch *m;
    size_t n, cap;
    unsigned char *seen; /* per pattern: has it matched? */
    size_t nwant, nseen; /* distinct patterns, and how many have matched */
    size_t any_seen_at;  /* byte where the first match ends */
    size_t all_seen_at;  /* byte where the last of them first matched */
    size_t target;       /* window size */
    int full;            /* read up to the scan limit: no early stop */
    size_t stop_end;     /* analysis stopped after this byte; 0: it did not */
} matcher;

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Is pattern pi the same as pattern pj (both ending in a prefix)? */
static int same_pat(const sou__hlpat *a, const sou__hlpat *b)
{
    if (a->n != b->n || a->by_stem != b->by_stem)
        return 0;
    for (size_t k = 0; k < a->n; k++)
        if (a->lens[k] != b->lens[k] || memcmp(a->terms[k], b->terms[k], a->lens[k]) != 0)
            return 0;
    return 1;
}

static int ptab_add(matcher *mt, size_t pi)
{
    ptab *t = &mt->pre;
    const sou__hlpat *p = &mt->parsed->pats[pi];
    size_t last = p->n - 1;
    uint32_t id;
    int rc;

    if (!t->next && !(t->next = sou__malloc(mt->parsed->npats * sizeof *t->next)))
        return SOU_ENOMEM;
    if ((rc = dict_intern(&t->prefixes, p->terms[last], p->lens[last], &id)) != SOU_OK)
        return rc;
    if (id + 1 == t->prefixes.used) {
        if (sou__grow((void **)&t->first, &t->fcap, id + 1, sizeof *t->first) ||
            sou__grow((void **)&t->lens, &t->lcap, t->nlens + 1, sizeof *t->lens))
            return SOU_ENOMEM;
        t->first[id] = NONE;
        t->lens[t->nlens++] = p->lens[last];
    }
    for (uint32_t q = t->first[id]; q != NONE; q = t->next[q])
        if (same_pat(&mt->parsed->pats[q], p))
            return SOU_OK;
    t->next[pi] = t->first[id];
    t->first[id] = (uint32_t)pi;
    mt->nwant++;
    return SOU_OK;
}

static int record(matcher *mt, size_t start, size_t end, size_t pat)
{
    if (sou__grow((void **)&mt->m, &mt->cap, mt->n + 1, sizeof *mt->m) != SOU_OK)
        return SOU_ENOMEM;
    mt->m[mt->n].start = start;
    mt->m[mt->n].end = end;
    mt->m[mt->n].pat = pat;
    mt->n++;
    if (!mt->seen[pat]) {
        mt->seen[pat] = 1;
        if (mt->nseen == 0)
            mt->any_seen_at = end;
        if (++mt->nseen == mt->nwant)
            mt->all_seen_at = end;
    }
    return SOU_OK;
}

/* The patterns that end at token i of toks from state. */
static int report(matcher *mt, const acm *a, uint32_t state, const stok *toks, size_t i)
{
    uint32_t v = a->nodes[state].out != NONE ? state : a->nodes[state].dict;
    for (; v != NONE; v = a->nodes[v].dict) {
        size_t pi = a->nodes[v].out, n = mt->parsed->pats[pi].n;
        if (record(mt, toks[i + 1 - n].start, toks[i].end, pi) != SOU_OK)
            return SOU_ENOMEM;
    }
    return SOU_OK;
}

/* Prefix patterns that end at token t: toks[i] when positional (i is its
 * index), a compound when toks is NULL (then only one-term patterns). */
static int prefix_matches(matcher *mt, const stok *t, const stok *toks, size_t i)
{
    const ptab *pt = &mt->pre;
    const char *term = mt->s.buf + t->term_off;

    for (size_t l = 0; l < pt->nlens && pt->lens[l] <= t->term_len; l++) {
        uint32_t id = dict_find(&pt->prefixes, term, pt->lens[l], hash_bytes(term, pt->lens[l]));
        if (id == NONE)
            continue;
        for (uint32_t q = pt->first[id]; q != NONE; q = pt->next[q]) {
            const sou__hlpat *p = &mt->parsed->pats[q];
            size_t k, first;
            if (!toks ? p->n != 1 : p->n > i + 1)
                continue;
            first = toks ? i + 1 - p->n : 0;
            for (k = 0; k + 1 < p->n; k++) {
                const stok *u = &toks[first + k];
                if (u[1].pos != u->pos + 1 || !tok_is(&mt->s, u, p, k))
                    break;
            }
            if (k + 1 < p->n)
                continue;
            if (record(mt, toks ? toks[first].start : t->start, t->end, q) != SOU_OK)
                return SOU_ENOMEM;
        }
    }
    return SOU_OK;
}

/* A one-term pattern of automaton a equal to the compound c's key. */
static int compound_match(matcher *mt, const acm *a, const stok *c, size_t off, size_t len)
{
    const char *key = mt->s.buf + off;
    uint32_t sym = dict_find(&a->syms, key, len, hash_bytes(key, len)), v;

    if (sym == NONE || (v = go(a, 0, sym)) == NONE || a->nodes[v].out == NONE)
        return SOU_OK;
    return record(mt, c->start, c->end, a->nodes[v].out);
}

/* Build the automata for the patterns of parsed that apply to field. */
static int matcher_init(matcher *mt, const sou__parsed *parsed, const char *field, size_t target)
{
    int rc = SOU_OK;

    memset(mt, 0, sizeof *mt);
    mt->parsed = parsed;
    mt->target = target;
    if (parsed && parsed->npats && !(mt->seen = sou__calloc(parsed->npats, 1)))
        return SOU_ENOMEM;
    for (size_t pi = 0; parsed && pi < parsed->npats && rc == SOU_OK; pi++) {
        const sou__hlpat *p = &parsed->pats[pi];
        if (!pat_applies(p, field))
            continue;
        if (p->prefix)
            rc = ptab_add(mt, pi);
        else
            rc = acm_add(p->by_stem ? &mt->stems : &mt->terms, p, p->n, pi, &mt->nwant);
    }
    if (rc == SOU_OK && (rc = acm_finish(&mt->terms)) == SOU_OK)
        rc = acm_finish(&mt->stems);
    if (rc != SOU_OK)
        return SOU_ENOMEM;
    if (mt->pre.nlens) {
        size_t u = 1;
        qsort(mt->pre.lens, mt->pre.nlens, sizeof *mt->pre.lens, cmp_size);
        for (size_t i = 1; i < mt->pre.nlens; i++)
            if (mt->pre.lens[i] != mt->pre.lens[u - 1])
                mt->pre.lens[u++] = mt->pre.lens[i];
        mt->pre.nlens = u;
    }
    return SOU_OK;
}

static void matcher_free(matcher *mt)
{
    acm_free(&mt->terms);
    acm_free(&mt->stems);
    sou__free(mt->pre.prefixes.slots);
    sou__free(mt->pre.first);
    sou__free(mt->pre.next);
    sou__free(mt->pre.lens);
    sou__free(mt->seen);
    sou__free(mt->m);
    sou__free(mt->s.toks);
    sou__free(mt->s.comps);
    sou__free(mt->s.buf);
}

/* The patterns that end at the newest positional token. A jump in
 * positions restarts the automata, so every match is a run of adjacent
 * tokens. */
static int match_token(matcher *mt)
{
    const stoks *s = &mt->s;
    size_t i = s->n - 1;
    const stok *t = &s->toks[i];
    const char *term = s->buf + t->term_off;
    uint64_t h = 0;
    int rc;

    if (i > 0 && t->pos != s->toks[i - 1].pos + 1)
        mt->st = mt->ss = 0;
    if (mt->terms.nn) {
        h = hash_bytes(term, t->term_len);
        mt->st = acm_step(&mt->terms, mt->st, dict_find(&mt->terms.syms, term, t->term_len, h));
        if (mt->st && (rc = report(mt, &mt->terms, mt->st, s->toks, i)) != SOU_OK)
            return rc;
    }
    if (mt->stems.nn) {
        const char *stem = s->buf + t->stem_off;
        if (t->stem_off != t->term_off || !mt->terms.nn)
            h = hash_bytes(stem, t->stem_len);
        mt->ss = acm_step(&mt->stems, mt->ss, dict_find(&mt->stems.syms, stem, t->stem_len, h));
        if (mt->ss && (rc = report(mt, &mt->stems, mt->ss, s->toks, i)) != SOU_OK)
            return rc;
    }
    return mt->pre.nlens ? prefix_matches(mt, t, s->toks, i) : SOU_OK;
}

/* A compound (a number in Han text, a dictionary word) matches a pattern
 * of one term equal to it: 2019 in 收入2019年. */
static int match_compound(matcher *mt)
{
    const stok *c = &mt->s.comps[mt->s.nc - 1];
    int rc = SOU_OK;

    if (mt->terms.nn)
        rc = compound_match(mt, &mt->terms, c, c->term_off, c->term_len);
    if (rc == SOU_OK && mt->stems.nn)
        rc = compound_match(mt, &mt->stems, c, c->stem_off, c->stem_len);
    if (rc == SOU_OK && mt->pre.nlens)
        rc = prefix_matches(mt, c, NULL, 0);
    return rc;
}

/* Returned by collect to stop the analysis early. */
#define STOP 1

/* Keep a token and match it; return STOP once enough text has been read
 * (see SNIPPET_SCAN_ALL). */
static int collect(const sou_token *t, void *payload)
{
    matcher *mt = payload;
    stoks *s = &mt->s;
    int comp = (t->flags & SOU_TOKEN_COMPOUND) != 0;
    stok *k;
    int rc;

    if (comp)
        rc = sou__grow((void **)&s->comps, &s->ccap, s->nc + 1, sizeof *s->comps);
    else
        rc = sou__grow((void **)&s->toks, &s->cap, s->n + 1, sizeof *s->toks);
    if (rc != SOU_OK)
        return rc;
    k = comp ? &s->comps[s->nc] : &s->toks[s->n];
    k->start = t->start;
    k->end = t->end;
    k->pos = t->position;
    if ((rc = put(s, t->term, t->term_len, &k->term_off)) != SOU_OK)
        return rc;
    k->term_len = t->term_len;
    if (t->stem == t->term || (t->stem_len == t->term_len &&
                               memcmp(t->stem, t->term, t->term_len) == 0)) {
        k->stem_off = k->term_off;
    } else if ((rc = put(s, t->stem, t->stem_len, &k->stem_off)) != SOU_OK) {
        return rc;
    }
    k->stem_len = t->stem_len;
    if (comp) {
        s->nc++;
        return match_compound(mt);
    }
    s->n++;
    if ((rc = match_token(mt)) != SOU_OK)
        return rc;
    /* (A compound's match may end past the token before it.) */
    if (mt->full)
        return SOU_OK;
    if (mt->nwant == 0 ? t->end > mt->target
        : mt->nseen == mt->nwant ? t->end >= SNIPPET_SCAN_ALL &&
                                       t->end >= mt->all_seen_at + mt->target
        : mt->nseen > 0 && t->end >= SNIPPET_SCAN_ANY &&
              t->end >= mt->any_seen_at + mt->target) {
        mt->stop_end = t->end;
        return STOP;
    }
    return SOU_OK;
}

static int cmp_match(const void *a, const void *b)
{
    const smatch *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return 0;
}

/* Pick the window [*ws, *we) of about target bytes over the sorted matches:
 * most distinct patterns first, then most matches. */
static void best_window(const smatch *m, size_t n, size_t npats, size_t target, size_t len,
                        size_t *ws, size_t *we, int *ok)
{
    size_t *count = sou__calloc(npats ? npats : 1, sizeof *count);
    size_t best_i = 0, best_r = 0, best_d = 0, best_n = 0, distinct = 0, r = 0;

    *ok = count != NULL;
    if (!count)
        return;
    for (size_t i = 0; i < n; i++) {
        /* The window always holds its first match, even one longer than
         * target. */
        while (r < n && (r <= i || m[r].end - m[i].start <= target)) {
            if (count[m[r].pat]++ == 0)
                distinct++;
            r++;
        }
        if (distinct > best_d || (distinct == best_d && r - i > best_n)) {
            best_d = distinct;
            best_n = r - i;
            best_i = i;
            best_r = r;
        }
        if (--count[m[i].pat] == 0)
            distinct--;
    }
    sou__free(count);

    size_t ms = m[best_i].start, me = m[best_i].end;
    for (size_t j = best_i; j < best_r; j++)
        if (m[j].end > me)
            me = m[j].end;
    if (me - ms >= target) {
        *ws = ms;
        *we = me;
        return;
    }
    /* Some context before the matches, the rest after. */
    size_t slack = target - (me - ms);
    size_t lead = slack / 3;
    *ws = ms > lead ? ms - lead : 0;
    *we = *ws + target;
    if (*we > len) {
        *we = len;
        *ws = len > target ? len - target : 0;
        if (*ws > ms)
            *ws = ms;
    }
    if (*we < me)
        *we = me;
}

static int is_cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

/* Move the window edges to token boundaries, or failing that to character
 * boundaries, without uncovering [keep_s, keep_e). Tokens cover the first
 * scanned bytes of the text. */
static void snap(const stoks *s, const char *text, size_t len, size_t scanned, size_t target,
                 size_t keep_s, size_t keep_e, size_t *ws, size_t *we)
{
    size_t a = *ws, b = *we;

    if (a > 0) {
        size_t i = 0;
        while (i < s->n && s->toks[i].start < a)
            i++;
        if (i == 0) {
            a = 0; /* nothing worth keeping before the first token */
        } else if (i < s->n && s->toks[i].start <= keep_s &&
                   s->toks[i].start - a <= target / 2) {
            a = s->toks[i].start;
        } else {
            for (int k = 0; k < 3 && a < len && a < keep_s && is_cont((unsigned char)text[a]); k++)
                a++;
        }
    }
    if (b < len) {
        size_t i = s->n;
        while (i > 0 && s->toks[i - 1].end > b)
            i--;
        if (i == s->n && scanned == len) {
            b = len; /* nothing but spaces and punctuation after */
        } else if (i > 0 && s->toks[i - 1].end >= keep_e && s->toks[i - 1].end > a &&
                   b - s->toks[i - 1].end <= target / 2) {
            b = s->toks[i - 1].end;
        } else {
            for (int k = 0; k < 3 && b > a && b > keep_e && is_cont((unsigned char)text[b]); k++)
                b--;
        }
    }
    *ws = a;
    *we = b;
}

typedef struct {
    char *buf;
    size_t len, cap;
    int rc;
} sbuf;

static void emit(sbuf *o, const char *p, size_t n)
{
    if (o->rc != SOU_OK)
        return;
    if ((o->rc = sou__grow((void **)&o->buf, &o->cap, o->len + n + 1, 1)) != SOU_OK)
        return;
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

/* Bytes of a character at text[i] that shows as a space: ASCII controls,
 * NUL, and C1 controls (U+0080..U+009F). 0 for any other character. */
static size_t space_like(const char *text, size_t len, size_t i)
{
    unsigned char c = (unsigned char)text[i];
    if (c <= 0x20 || c == 0x7f)
        return 1;
    if (c == 0xc2 && i + 1 < len && (unsigned char)text[i + 1] >= 0x80 &&
        (unsigned char)text[i + 1] <= 0x9f)
        return 2;
    return 0;
}

/* One byte of text; with escape, the five characters that HTML reads as
 * markup as their entities. Each is one ASCII byte, never part of a longer
 * UTF-8 sequence, so an entity is written whole or not at all. */
static void emit_text(sbuf *o, char c, int escape)
{
    const char *ent = NULL;

    if (escape) {
        switch (c) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = "&quot;"; break;
        case '\'': ent = "&#39;"; break;
        default: break;
        }
    }
    if (ent)
        emit(o, ent, strlen(ent));
    else
        emit(o, &c, 1);
}

/* Write text[ws, we) with the highlights, runs of spaces and controls as
 * one space, and an ellipsis at each cut edge; the window is measured in
 * bytes of the text, before any escaping. */
static void render(sbuf *o, const char *text, size_t len, size_t ws, size_t we,
                   const smatch *hl, size_t nhl, const char *hs, const char *he, int escape)
{
    size_t hsl = strlen(hs), hel = strlen(he);
    size_t h = 0, i = ws, open_at = 0;
    int open = 0, pending_space = 0, any = 0;

    if (ws > 0)
        emit(o, ELLIPSIS, sizeof ELLIPSIS - 1);
    while (h < nhl && hl[h].end <= ws)
        h++;
    while (i < we) {
        if (!open && h < nhl && hl[h].start <= i) {
            if (pending_space && any)
                emit(o, " ", 1);
            pending_space = 0;
            emit(o, hs, hsl);
            open = 1;
            open_at = hl[h].end < we ? hl[h].end : we;
            any = 1;
        }
        size_t sp = space_like(text, len, i);
        if (sp && !open) {
            pending_space = 1;
            i += sp;
            continue;
        }
        if (pending_space && any)
            emit(o, " ", 1);
        pending_space = 0;
        if (sp) {
            emit(o, " ", 1);
            i += sp;
        } else {
            emit_text(o, text[i], escape);
            i++;
        }
        any = 1;
        if (open && i >= open_at) {
            emit(o, he, hel);
            open = 0;
            h++;
        }
    }
    if (open)
        emit(o, he, hel);
    if (we < len)
        emit(o, ELLIPSIS, sizeof ELLIPSIS - 1);
}

/* Tokenize the first *scanned bytes of text (at most SOU_SNIPPET_SCAN_BYTES,
 * cut on a character boundary) into mt, matching as it goes. *scanned is
 * then how far the analysis read. */
static int analyse(matcher *mt, sou_analyzer *analyzer, const char *text, size_t len,
                   size_t *scanned)
{
    size_t sc = len;
    int rc;

    if (sc > SOU_SNIPPET_SCAN_BYTES) {
        sc = SOU_SNIPPET_SCAN_BYTES;
        while (sc > 0 && is_cont((unsigned char)text[sc]))
            sc--;
    }
    *scanned = sc;
    if (sc == 0)
        return SOU_OK;
    rc = sou_analyzer_tokenize(analyzer, text, sc, collect, mt);
    if (rc == STOP) {
        *scanned = mt->stop_end;
        return SOU_OK;
    }
    if (rc == SOU_OK && sc < len) {
        /* The word at the cut may go on past it: forget it. */
        size_t k = 0;
        while (mt->s.n > 0 && mt->s.toks[mt->s.n - 1].end == sc)
            mt->s.n--;
        for (size_t i = 0; i < mt->n; i++)
            if (mt->m[i].end != sc)
                mt->m[k++] = mt->m[i];
        mt->n = k;
    }
    if (rc > 0)
        rc = sou__error_set(SOU_ERROR, "snippet: tokenizing failed");
    return rc;
}

int sou__snippet_make(sou_analyzer *analyzer, const char *text, size_t len,
                      const sou__parsed *parsed, const char *field, const char *hl_start,
                      const char *hl_end, int escape, size_t target, char **out,
                      size_t *out_len, size_t *nmatches)
{
    matcher mt;
    const stoks *s = &mt.s;
    smatch *m, *hl = NULL;
    size_t nm = 0, nhl = 0, ws = 0, we = 0, scanned = len;
    sbuf o = { NULL, 0, 0, SOU_OK };
    int rc;

    if (!out)
        return sou__error_set(SOU_EINVAL, "snippet: out is NULL");
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (nmatches)
        *nmatches = 0;
    if (!analyzer || (!text && len > 0))
        return sou__error_set(SOU_EINVAL, "snippet: invalid arguments");
    if (!hl_start)
        hl_start = "<b>";
    if (!hl_end)
        hl_end = "</b>";
    if (target == 0)
        target = 200;

    if ((rc = matcher_init(&mt, parsed, field, target)) != SOU_OK ||
        (rc = analyse(&mt, analyzer, text, len, &scanned)) != SOU_OK)
        goto out;
    m = mt.m;
    nm = mt.n;
    if (nmatches)
        *nmatches = nm;

    if (nm > 0) {
        int ok;
        qsort(m, nm, sizeof *m, cmp_match);
        best_window(m, nm, parsed->npats, target, len, &ws, &we, &ok);
        if (!ok) {
            rc = SOU_ENOMEM;
            goto out;
        }
        /* Highlights: overlapping or touching matches become one. */
        if (!(hl = sou__malloc(nm * sizeof *hl))) {
            rc = SOU_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < nm; i++) {
            if (nhl > 0 && m[i].start <= hl[nhl - 1].end) {
                if (m[i].end > hl[nhl - 1].end)
                    hl[nhl - 1].end = m[i].end;
            } else {
                hl[nhl++] = m[i];
            }
        }
        /* Keep whole highlights that the window touches at its edges. */
        size_t ks = we, ke = ws;
        for (size_t i = 0; i < nhl; i++) {
            if (hl[i].end <= ws || hl[i].start >= we)
                continue;
            if (hl[i].start >= ws && hl[i].start < ks)
                ks = hl[i].start;
            if (hl[i].end <= we && hl[i].end > ke)
                ke = hl[i].end;
        }
        if (ks > ke) {
            ks = ws;
            ke = ws;
        }
        snap(s, text, len, scanned, target, ks, ke, &ws, &we);
    } else {
        ws = 0;
        we = len < target ? len : target;
        snap(s, text, len, scanned, target, 0, 0, &ws, &we);
    }
    render(&o, text, len, ws, we, hl, nhl, hl_start, hl_end, escape);
    emit(&o, "", 0);
    rc = o.rc;
out:
    matcher_free(&mt);
    sou__free(hl);
    if (rc != SOU_OK) {
        sou__free(o.buf);
        if (nmatches)
            *nmatches = 0;
        return rc;
    }
    *out = o.buf;
    if (out_len)
        *out_len = o.len;
    return SOU_OK;
}

int sou__snippet_spans(sou_analyzer *analyzer, const char *text, size_t len,
                       const sou__parsed *parsed, const char *field, size_t max,
                       sou__span **out, size_t *nout)
{
    matcher mt;
    sou__span *v = NULL;
    size_t n = 0, scanned;
    int rc;

    if (!out || !nout)
        return sou__error_set(SOU_EINVAL, "match spans: out is NULL");
    *out = NULL;
    *nout = 0;
    if (!analyzer || (!text && len > 0))
        return sou__error_set(SOU_EINVAL, "match spans: invalid arguments");
    if ((rc = matcher_init(&mt, parsed, field, 0)) != SOU_OK)
        goto out;
    mt.full = 1;
    if (max == 0 || mt.nwant == 0 || (rc = analyse(&mt, analyzer, text, len, &scanned)) != SOU_OK ||
        mt.n == 0)
        goto out;
    qsort(mt.m, mt.n, sizeof *mt.m, cmp_match);
    if (!(v = sou__malloc((mt.n < max ? mt.n : max) * sizeof *v))) {
        rc = SOU_ENOMEM;
        goto out;
    }
    /* Overlapping matches become one span (a phrase and a word in it);
     * matches that only touch stay apart (two Chinese words side by side). */
    for (size_t i = 0; i < mt.n; i++) {
        if (n > 0 && mt.m[i].start < v[n - 1].end) {
            if (mt.m[i].end > v[n - 1].end)
                v[n - 1].end = mt.m[i].end;
            continue;
        }
        if (n == max)
            break;
        v[n].start = mt.m[i].start;
        v[n].end = mt.m[i].end;
        n++;
    }
out:
    matcher_free(&mt);
    if (rc != SOU_OK) {
        sou__free(v);
        return rc;
    }
    if (n == 0) {
        sou__free(v);
        v = NULL;
    }
    *out = v;
    *nout = n;
    return SOU_OK;
}
