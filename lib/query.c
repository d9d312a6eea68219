/*
 * query.c: query trees, and the parser from the query language to a tree of
 * index terms.
 *
 * The parser is a small recursive descent over a lexer:
 *
 *   query    := or_group
 *   or_group := and_group ((OR | implicit when default OR) and_group)*
 *   and_group:= unary ((AND | implicit when default AND) unary)*
 *   unary    := (NOT | '-' | '+')* primary
 *   primary  := '(' or_group ')' | word | "phrase" | field:word
 *             | field:"phrase" | field:( or_group )
 *
 * Every item carries a sign (plain, required, negative). A group combines
 * its required and plain items as its operator says and subtracts its
 * negative ones; a group of one item hands that item and its sign to the
 * enclosing group, so "a -b c" with default OR still subtracts b from the
 * whole query. Reading is lenient: what does not fit is read as text or
 * dropped, and only nesting too deep to be meant gives SOU_EQUERY.
 */
#include "query.h"

#include <string.h>

#include "alloc.h"
#include "error.h"
#include "terms.h"

/* Deeper parentheses are refused: they only come from generated input, and
 * trees are walked recursively here and in the shim. */
#define SOU__QUERY_DEPTH_MAX 64

/* ------------------------------------------------------------ tree nodes */

sou__qnode *sou__qnode_new(sou__qop op)
{
    sou__qnode *n = sou__calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->op = op;
    n->wqf = 1;
    return n;
}

sou__qnode *sou__qnode_term(const char *term, size_t len, uint32_t wqf)
{
    sou__qnode *n = sou__qnode_new(SOU__Q_TERM);
    if (!n)
        return NULL;
    n->term = sou__strndup(term, len);
    if (!n->term) {
        sou__free(n);
        return NULL;
    }
    n->term_len = len;
    n->wqf = wqf ? wqf : 1;
    return n;
}

int sou__qnode_add(sou__qnode *parent, sou__qnode *kid)
{
    int rc = sou__grow((void **)&parent->kids, &parent->cap, parent->nkids + 1,
                       sizeof *parent->kids);
    if (rc != SOU_OK) {
        sou__qnode_free(kid);
        return rc;
    }
    parent->kids[parent->nkids++] = kid;
    return SOU_OK;
}

void sou__qnode_free(sou__qnode *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->nkids; i++)
        sou__qnode_free(node->kids[i]);
    sou__free(node->kids);
    sou__free(node->term);
    sou__free(node);
}

static void hlpat_clear(sou__hlpat *p)
{
    for (size_t i = 0; i < p->n; i++)
        sou__free(p->terms[i]);
    sou__free(p->terms);
    sou__free(p->lens);
    sou__free(p->field);
}

void sou__parsed_free(sou__parsed *p)
{
    if (!p)
        return;
    sou__qnode_free(p->root);
    for (size_t i = 0; i < p->npats; i++)
        hlpat_clear(&p->pats[i]);
    sou__free(p->pats);
    sou__free(p);
}

/* ----------------------------------------------------------------- lexer */

typedef enum {
    LX_END,
    LX_WORD,   /* text [s, e) */
    LX_PHRASE, /* quoted text [s, e) */
    LX_LPAREN,
    LX_RPAREN,
    LX_AND,
    LX_OR,
    LX_NOT,
    LX_MINUS, /* '-' glued to what follows */
    LX_PLUS
} lx_kind;

typedef struct {
    lx_kind kind;
    size_t s, e;     /* text span (WORD, PHRASE); for others the operator */
    size_t fs, fe;   /* field name span when fielded (fe > fs) */
    int prefix;      /* WORD ended with '*' (stripped from [s, e)) */
    size_t at;       /* byte offset where the token starts */
} lx_tok;

static int is_space(unsigned char c)
{
    /* NUL and control bytes separate like spaces. */
    return c <= 0x20 || c == 0x7f;
}

/* Length of a curly double quote (U+201C, U+201D) at q[i], else 0. */
static size_t curly_quote(const char *q, size_t len, size_t i)
{
    if (i + 2 < len && (unsigned char)q[i] == 0xe2 && (unsigned char)q[i + 1] == 0x80 &&
        ((unsigned char)q[i + 2] == 0x9c || (unsigned char)q[i + 2] == 0x9d))
        return 3;
    return 0;
}

static size_t quote_len(const char *q, size_t len, size_t i)
{
    if (q[i] == '"')
        return 1;
    return curly_quote(q, len, i);
}

/* Does a word stop before q[i]? */
static int word_stop(const char *q, size_t len, size_t i)
{
    unsigned char c = (unsigned char)q[i];
    return is_space(c) || c == '(' || c == ')' || quote_len(q, len, i) > 0;
}

/* Scan a quoted phrase whose opening quote ends at i; an unclosed quote
 * closes at the end. Sets [*s, *e) and returns the offset after it. */
static size_t scan_phrase(const char *q, size_t len, size_t i, size_t *s, size_t *e)
{
    size_t j = i, ql;
    *s = i;
    while (j < len && (ql = quote_len(q, len, j)) == 0)
        j++;
    *e = j;
    return j < len ? j + ql : j;
}

typedef struct {
    const sou__query_env *env;
    const char *q;
    size_t len;
    size_t i;
    lx_tok cur;
    int have;
} lexer;

static int field_known(const lexer *lx, size_t fs, size_t fe)
{
    char name[SOU_NAME_MAX + 1];
    size_t n = fe - fs;

    if (!lx->env->is_field || n == 0 || n > SOU_NAME_MAX)
        return 0;
    for (size_t k = 0; k < n; k++) {
        char c = lx->q[fs + k];
        name[k] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    name[n] = '\0';
    if (!sou__name_valid(name, n))
        return 0;
    return lx->env->is_field(lx->env->ctx, name, n);
}

static void lex_next(lexer *lx, lx_tok *t)
{
    const char *q = lx->q;
    size_t len = lx->len, i = lx->i, ql;

    memset(t, 0, sizeof *t);
    while (i < len && is_space((unsigned char)q[i]))
        i++;
    t->at = i;
    if (i >= len) {
        t->kind = LX_END;
        lx->i = i;
        return;
    }
    if (q[i] == '(' || q[i] == ')') {
        t->kind = q[i] == '(' ? LX_LPAREN : LX_RPAREN;
        lx->i = i + 1;
        return;
    }
    if ((ql = quote_len(q, len, i)) > 0) {
        t->kind = LX_PHRASE;
        lx->i = scan_phrase(q, len, i + ql, &t->s, &t->e);
        return;
    }
    if ((q[i] == '-' || q[i] == '+') && i + 1 < len && !is_space((unsigned char)q[i + 1]) &&
        q[i + 1] != ')') {
        t->kind = q[i] == '-' ? LX_MINUS : LX_PLUS;
        i++;
        /* "--x" and "+-x" read as one sign, the first. */
        while (i + 1 < len && (q[i] == '-' || q[i] == '+') && !is_space((unsigned char)q[i + 1]))
            i++;
        lx->i = i;
        return;
    }

    size_t s = i, e;
    while (i < len && !word_stop(q, len, i))
        i++;
    e = i;
    t->kind = LX_WORD;
    t->s = s;
    t->e = e;
    lx->i = e;

    if (e - s == 3 && memcmp(q + s, "AND", 3) == 0)
        t->kind = LX_AND;
    else if (e - s == 2 && memcmp(q + s, "OR", 2) == 0)
        t->kind = LX_OR;
    else if (e - s == 3 && memcmp(q + s, "NOT", 3) == 0)
        t->kind = LX_NOT;
    if (t->kind != LX_WORD)
        return;

    /* field:word, field:"phrase", field:( ... ) */
    const char *colon = memchr(q + s, ':', e - s);
    if (colon) {
        size_t c = (size_t)(colon - q);
        if (c > s && field_known(lx, s, c)) {
            if (c + 1 < e) {
                t->fs = s;
                t->fe = c;
                t->s = c + 1;
            } else if (e < len && (ql = quote_len(q, len, e)) > 0) {
                t->kind = LX_PHRASE;
                t->fs = s;
                t->fe = c;
                lx->i = scan_phrase(q, len, e + ql, &t->s, &t->e);
                return;
            } else if (e < len && q[e] == '(') {
                t->kind = LX_LPAREN;
                t->fs = s;
                t->fe = c;
                lx->i = e + 1;
                return;
            }
            /* "title:" with nothing after stays the text "title:". */
        }
    }
    while (t->e > t->s && q[t->e - 1] == '*') {
        t->e--;
        t->prefix = 1;
    }
}

static const lx_tok *peek(lexer *lx)
{
    if (!lx->have) {
        lex_next(lx, &lx->cur);
        lx->have = 1;
    }
    return &lx->cur;
}

static void advance(lexer *lx)
{
    peek(lx);
    lx->have = 0;
}

/* ---------------------------------------------------------------- parser */

typedef enum { SIGN_PLAIN, SIGN_REQUIRED, SIGN_NEGATIVE } sign_t;

typedef struct {
    sou__qnode *node; /* NULL: the item vanished (no tokens) */
    sign_t sign;
} item;

typedef struct {
    const sou__query_env *env;
    lexer lx;
    sou__parsed *out;
    int stemming;
    int depth;
    int negative;    /* inside a negated part: no highlight patterns */
    const char *field;   /* field restriction of the enclosing field:( ) */
    size_t field_len;
    int rc;
} parser;

/* An analyzed token, copied out of the callback. */
typedef struct {
    size_t term_off, term_len, stem_off, stem_len;
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
}

static int analyze(parser *p, size_t s, size_t e, atoks *a)
{
    int rc;
    memset(a, 0, sizeof *a);
    if (e <= s)
        return SOU_OK;
    rc = sou_analyzer_tokenize(p->env->analyzer, p->lx.q + s, e - s, collect_tok, a);
    if (rc != SOU_OK) {
        atoks_free(a);
        memset(a, 0, sizeof *a);
        if (rc > 0)
            rc = SOU_ERROR;
    }
    return rc;
}

static int fail(parser *p, int rc)
{
    if (p->rc == SOU_OK)
        p->rc = rc;
    return rc;
}

/* A TERM node for term with the prefix of field (NULL: none). */
static sou__qnode *make_term(parser *p, const char *field, size_t flen, int stemmed,
                             const char *term, size_t len)
{
    char prefix[SOU__PREFIX_MAX + 1];
    char buf[SOU__TERMBUF];
    size_t pl = sou__term_prefix(prefix, field, flen, stemmed);
    size_t n = sou__term_make(buf, prefix, pl, term, len);
    sou__qnode *node = sou__qnode_term(buf, n, 1);
    if (!node)
        fail(p, SOU_ENOMEM);
    return node;
}

/* Add kid to parent; on failure parent is freed and NULL returned. */
static sou__qnode *add_kid(parser *p, sou__qnode *parent, sou__qnode *kid)
{
    if (!parent || !kid) {
        sou__qnode_free(parent);
        sou__qnode_free(kid);
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

static int is_latin(sou_token_kind k)
{
    return k == SOU_TOKEN_LATIN || k == SOU_TOKEN_ALPHA;
}

/* Record a highlight pattern from the positional tokens a->toks[from, to)
 * (their stems when by_stem; the last one a prefix when prefix). */
static void add_pattern(parser *p, const atoks *a, size_t from, size_t to, int by_stem,
                        int prefix, const char *field, size_t flen)
{
    sou__parsed *out = p->out;
    sou__hlpat pat;
    size_t npos = 0;

    if (p->negative || p->rc != SOU_OK)
        return;
    for (size_t i = from; i < to; i++)
        if (!(a->toks[i].flags & SOU_TOKEN_COMPOUND))
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
        if (t->flags & SOU_TOKEN_COMPOUND)
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

/* A node over the tokens a->toks[from, to) of kind want (compound or
 * positional): the one TERM, or an op node of their TERMs. */
static sou__qnode *terms_of(parser *p, const atoks *a, size_t from, size_t to, int compound,
                            sou__qop op, const char *field, size_t flen)
{
    sou__qnode *node = NULL;
    size_t n = 0;

    for (size_t i = from; i < to; i++)
        if (((a->toks[i].flags & SOU_TOKEN_COMPOUND) != 0) == compound)
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
        if (((t->flags & SOU_TOKEN_COMPOUND) != 0) != compound)
            continue;
        kid = make_term(p, field, flen, 0, a->buf + t->term_off, t->term_len);
        if (n == 1)
            return kid;
        if (!(node = add_kid(p, node, kid)))
            return NULL;
    }
    return node;
}

/* One run of tokens at consecutive positions. A bare Latin word becomes its
 * stem; otherwise the positional terms form a phrase, which for a bare word
 * the dictionary words laid over them rank up. */
static sou__qnode *run_node(parser *p, const atoks *a, size_t from, size_t to, int quoted,
                            const char *field, size_t flen)
{
    sou__qnode *node, *words = NULL;

    if (!quoted && to - from == 1 && p->stemming && is_latin(a->toks[from].kind) &&
        !(a->toks[from].flags & SOU_TOKEN_COMPOUND)) {
        const atok *t = &a->toks[from];
        node = make_term(p, field, flen, 1, a->buf + t->stem_off, t->stem_len);
        add_pattern(p, a, from, to, 1, 0, field, flen);
        return node;
    }
    node = terms_of(p, a, from, to, 0, SOU__Q_PHRASE, field, flen);
    if (!quoted && p->rc == SOU_OK)
        words = terms_of(p, a, from, to, 1, SOU__Q_OR, field, flen);
    if (p->rc != SOU_OK) {
        sou__qnode_free(node);
        sou__qnode_free(words);
        return NULL;
    }
    add_pattern(p, a, from, to, 0, 0, field, flen);
    if (node && words) {
        sou__qnode *maybe = sou__qnode_new(SOU__Q_AND_MAYBE);
        maybe = add_kid(p, maybe, node);
        return add_kid(p, maybe, words);
    }
    return node ? node : words;
}

/* The tokens split where positions jump (Han characters separated by
 * punctuation): each run is matched on its own, and all must match. */
static sou__qnode *runs_node(parser *p, const atoks *a, int quoted, const char *field,
                             size_t flen)
{
    sou__qnode *all = NULL, *one = NULL;
    size_t from = 0, nruns = 0;

    while (from < a->n && p->rc == SOU_OK) {
        size_t to = from + 1;
        uint32_t next = a->toks[from].pos + 1;
        while (to < a->n) {
            const atok *t = &a->toks[to];
            if (!(t->flags & SOU_TOKEN_COMPOUND)) {
                if (t->pos != next)
                    break;
                next++;
            }
            to++;
        }
        sou__qnode *n = run_node(p, a, from, to, quoted, field, flen);
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
static sou__qnode *word_node(parser *p, const lx_tok *t, const char *field, size_t flen)
{
    atoks a;
    sou__qnode *node = NULL;
    const atok *last = NULL;
    int rc = analyze(p, t->s, t->e, &a);

    if (rc != SOU_OK) {
        fail(p, rc);
        return NULL;
    }
    for (size_t i = a.n; t->prefix && i-- > 0;)
        if (!(a.toks[i].flags & SOU_TOKEN_COMPOUND)) {
            last = &a.toks[i];
            break;
        }
    /* A Han character as a prefix adds nothing that substring matching
     * does not: the word is read as it is. */
    if (!last || last->kind == SOU_TOKEN_IDEOGRAPHIC) {
        node = runs_node(p, &a, 0, field, flen);
        goto done;
    }
    node = make_term(p, field, flen, 0, a.buf + last->term_off, last->term_len);
    if (!node)
        goto done;
    node->op = SOU__Q_WILDCARD;
    add_pattern(p, &a, 0, (size_t)(last - a.toks) + 1, 0, 1, field, flen);
    if (last != a.toks) {
        /* "e-mai*": the terms before the prefix as well. */
        sou__qnode *and = sou__qnode_new(SOU__Q_AND);
        for (const atok *k = a.toks; and && k != last; k++)
            if (!(k->flags & SOU_TOKEN_COMPOUND))
                and = add_kid(p, and, make_term(p, field, flen, 0, a.buf + k->term_off,
                                                k->term_len));
        node = add_kid(p, and, node);
    }
done:
    atoks_free(&a);
    if (p->rc != SOU_OK) {
        sou__qnode_free(node);
        node = NULL;
    }
    return node;
}

/* A quoted phrase: its plain terms, adjacent and in order. */
static sou__qnode *phrase_node(parser *p, const lx_tok *t, const char *field, size_t flen)
{
    atoks a;
    sou__qnode *node;
    int rc = analyze(p, t->s, t->e, &a);

    if (rc != SOU_OK) {
        fail(p, rc);
        return NULL;
    }
    node = runs_node(p, &a, 1, field, flen);
    atoks_free(&a);
    if (p->rc != SOU_OK) {
        sou__qnode_free(node);
        node = NULL;
    }
    return node;
}

static int starts_unary(lx_kind k)
{
    return k == LX_WORD || k == LX_PHRASE || k == LX_LPAREN || k == LX_NOT || k == LX_MINUS ||
           k == LX_PLUS;
}

static sou__qnode *or_group(parser *p);

/* Fold items into one node. and_op: required and plain items all must
 * match; otherwise required ones must and plain ones may. Negative items
 * are subtracted; a group of only negative items subtracts from all. */
static sou__qnode *combine(parser *p, item *items, size_t n, int and_op)
{
    sou__qnode *must = NULL, *may = NULL, *nots = NULL, *res = NULL;
    size_t nmust = 0, nmay = 0, nnot = 0;

    for (size_t i = 0; i < n; i++) {
        if (!items[i].node)
            continue;
        if (items[i].sign == SIGN_NEGATIVE)
            nnot++;
        else if (items[i].sign == SIGN_REQUIRED || and_op)
            nmust++;
        else
            nmay++;
    }
    if (nmust + nmay + nnot == 0)
        return NULL;
    if (nmust > 1)
        must = sou__qnode_new(SOU__Q_AND);
    if (nmay > 1)
        may = sou__qnode_new(SOU__Q_OR);
    if ((nmust > 1 && !must) || (nmay > 1 && !may)) {
        fail(p, SOU_ENOMEM);
        goto out;
    }
    if (nnot > 0 && !(nots = sou__qnode_new(SOU__Q_AND_NOT))) {
        fail(p, SOU_ENOMEM);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sou__qnode *k = items[i].node;
        if (!k || items[i].sign == SIGN_NEGATIVE)
            continue;
        items[i].node = NULL;
        if (items[i].sign == SIGN_REQUIRED || and_op) {
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
        res = sou__qnode_new(SOU__Q_AND_MAYBE);
        res = add_kid(p, res, must);
        must = NULL;
        res = add_kid(p, res, may);
        may = NULL;
    } else {
        res = must ? must : may;
        must = may = NULL;
    }
    if (!res && nnot > 0 && !(res = sou__qnode_new(SOU__Q_ALL)))
        fail(p, SOU_ENOMEM);
    if (p->rc != SOU_OK)
        goto out;
    if (nots) {
        if (!(nots = add_kid(p, nots, res))) {
            res = NULL;
            goto out;
        }
        res = NULL;
        for (size_t i = 0; i < n; i++) {
            if (!items[i].node || items[i].sign != SIGN_NEGATIVE)
                continue;
            sou__qnode *k = items[i].node;
            items[i].node = NULL;
            if (!(nots = add_kid(p, nots, k)))
                goto out;
        }
        res = nots;
        nots = NULL;
    }
out:
    sou__qnode_free(must);
    sou__qnode_free(may);
    sou__qnode_free(nots);
    for (size_t i = 0; i < n; i++) {
        sou__qnode_free(items[i].node);
        items[i].node = NULL;
    }
    if (p->rc != SOU_OK) {
        sou__qnode_free(res);
        res = NULL;
    }
    return res;
}

/* A signed item as a plain node: a lone negative item matches everything
 * but it. */
static item settle(parser *p, item it)
{
    if (it.node && it.sign != SIGN_PLAIN) {
        it.node = combine(p, &it, 1, 1);
    }
    it.sign = SIGN_PLAIN;
    return it;
}

static item unary(parser *p)
{
    item it = { NULL, SIGN_PLAIN };
    const lx_tok *t;
    int neg_before = p->negative;
    int have_sign = 0;

    for (;;) {
        t = peek(&p->lx);
        if (t->kind == LX_NOT || t->kind == LX_MINUS) {
            if (!have_sign)
                it.sign = SIGN_NEGATIVE;
            have_sign = 1;
            advance(&p->lx);
        } else if (t->kind == LX_PLUS) {
            if (!have_sign)
                it.sign = SIGN_REQUIRED;
            have_sign = 1;
            advance(&p->lx);
        } else {
            break;
        }
    }
    if (it.sign == SIGN_NEGATIVE)
        p->negative = 1;

    t = peek(&p->lx);
    if (t->kind == LX_WORD || t->kind == LX_PHRASE) {
        lx_tok w = *t;
        const char *f = p->field;
        size_t fl = p->field_len;
        advance(&p->lx);
        if (w.fe > w.fs) {
            f = p->lx.q + w.fs;
            fl = w.fe - w.fs;
        }
        it.node = w.kind == LX_WORD ? word_node(p, &w, f, fl) : phrase_node(p, &w, f, fl);
    } else if (t->kind == LX_LPAREN) {
        lx_tok w = *t;
        const char *of = p->field;
        size_t ofl = p->field_len;
        advance(&p->lx);
        if (++p->depth > SOU__QUERY_DEPTH_MAX) {
            fail(p, sou__error_set(SOU_EQUERY, "query nested too deeply at byte %zu", w.at));
        } else {
            if (w.fe > w.fs) {
                p->field = p->lx.q + w.fs;
                p->field_len = w.fe - w.fs;
            }
            it.node = or_group(p);
            p->field = of;
            p->field_len = ofl;
            /* An unclosed parenthesis closes at the end. */
            if (peek(&p->lx)->kind == LX_RPAREN)
                advance(&p->lx);
        }
        p->depth--;
    }
    /* Anything else: the sign had nothing to apply to and is dropped. */
    p->negative = neg_before;
    return it;
}

/* Is the operator at the lexer's head followed by something it can apply
 * to? Otherwise it is read as a word, or dropped. */
static int binary_op_ok(parser *p)
{
    lexer save = p->lx;
    const lx_tok *t;
    int ok;

    advance(&p->lx);
    t = peek(&p->lx);
    ok = t->kind == LX_WORD || t->kind == LX_PHRASE || t->kind == LX_LPAREN ||
         t->kind == LX_NOT || t->kind == LX_MINUS || t->kind == LX_PLUS;
    p->lx = save;
    return ok;
}

static int items_push(parser *p, item **items, size_t *n, size_t *cap, item it)
{
    if (sou__grow((void **)items, cap, *n + 1, sizeof **items) != SOU_OK) {
        sou__qnode_free(it.node);
        return fail(p, SOU_ENOMEM);
    }
    (*items)[(*n)++] = it;
    return SOU_OK;
}

static void items_free(item *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sou__qnode_free(items[i].node);
    sou__free(items);
}

/* Finish a group: one item keeps its sign for the enclosing group. */
static item group_result(parser *p, item *items, size_t n, int and_op)
{
    item r = { NULL, SIGN_PLAIN };
    size_t live = 0, last = 0;

    for (size_t i = 0; i < n; i++)
        if (items[i].node) {
            live++;
            last = i;
        }
    if (p->rc != SOU_OK || live == 0) {
        items_free(items, n);
        return r;
    }
    if (live == 1) {
        r = items[last];
        items[last].node = NULL;
        items_free(items, n);
        return r;
    }
    r.node = combine(p, items, n, and_op);
    items_free(items, n);
    return r;
}

static item and_group(parser *p)
{
    item *items = NULL;
    size_t n = 0, cap = 0;
    int implicit_and = p->env->default_op == SOU_OP_AND;

    if (items_push(p, &items, &n, &cap, unary(p)) != SOU_OK)
        goto out;
    while (p->rc == SOU_OK) {
        const lx_tok *t = peek(&p->lx);
        if (t->kind == LX_RPAREN && p->depth == 0) {
            advance(&p->lx); /* a stray ')' */
            continue;
        }
        if (t->kind == LX_AND) {
            if (!binary_op_ok(p)) {
                /* A dangling AND: dropped. */
                advance(&p->lx);
                continue;
            }
            advance(&p->lx);
        } else if (!(implicit_and && starts_unary(t->kind))) {
            break;
        }
        if (items_push(p, &items, &n, &cap, unary(p)) != SOU_OK)
            goto out;
    }
out:
    return group_result(p, items, n, 1);
}

static sou__qnode *or_group(parser *p)
{
    item *items = NULL;
    size_t n = 0, cap = 0;
    int explicit_before = 0;

    while (p->rc == SOU_OK) {
        const lx_tok *t = peek(&p->lx);
        item it;
        if (t->kind == LX_END)
            break;
        if (t->kind == LX_RPAREN) {
            if (p->depth > 0)
                break;
            advance(&p->lx); /* a stray ')' */
            continue;
        }
        if (t->kind == LX_OR || t->kind == LX_AND) {
            /* An operator with nothing on its left: dropped. */
            advance(&p->lx);
            continue;
        }
        it = and_group(p);
        t = peek(&p->lx);
        int explicit_after = 0;
        if (t->kind == LX_OR) {
            /* A dangling OR is dropped. */
            if (binary_op_ok(p))
                explicit_after = 1;
            advance(&p->lx);
        }
        /* "a OR -b" means a, or anything but b. */
        if (explicit_before || explicit_after)
            it = settle(p, it);
        if (items_push(p, &items, &n, &cap, it) != SOU_OK)
            break;
        explicit_before = explicit_after;
    }
    /* A lone signed item: "-a" alone means everything but a. */
    return settle(p, group_result(p, items, n, 0)).node;
}

/* Is the query nothing but operators? Then they are words. */
static int only_operators(const sou__query_env *env, const char *q, size_t len)
{
    lexer lx;
    lx_tok t;
    int any = 0;

    memset(&lx, 0, sizeof lx);
    lx.env = env;
    lx.q = q;
    lx.len = len;
    for (;;) {
        lex_next(&lx, &t);
        if (t.kind == LX_END)
            break;
        if (t.kind == LX_AND || t.kind == LX_OR || t.kind == LX_NOT)
            any = 1;
        else if (t.kind != LX_LPAREN && t.kind != LX_RPAREN)
            return 0;
    }
    return any;
}

int sou__query_parse(const sou__query_env *env, const char *q, size_t len, sou__parsed **out)
{
    parser p;
    sou__qnode *root = NULL;

    if (!out)
        return sou__error_set(SOU_EINVAL, "query parse: out is NULL");
    *out = NULL;
    if (!env || !env->analyzer || (!q && len > 0))
        return sou__error_set(SOU_EINVAL, "query parse: invalid arguments");
    if (!q)
        q = "";

    memset(&p, 0, sizeof p);
    p.env = env;
    p.lx.env = env;
    p.lx.q = q;
    p.lx.len = len;
    {
        const sou_analyzer_options *ao = sou_analyzer_options_get(env->analyzer);
        p.stemming = ao && ao->stemmer && strcmp(ao->stemmer, "none") != 0;
    }
    if (!(p.out = sou__calloc(1, sizeof *p.out)))
        return SOU_ENOMEM;

    if (only_operators(env, q, len)) {
        /* "NOT", "AND OR": the user means the words. */
        lx_tok t;
        lexer lx = p.lx;
        item *items = NULL;
        size_t n = 0, cap = 0;
        for (;;) {
            lex_next(&lx, &t);
            if (t.kind == LX_END)
                break;
            if (t.kind == LX_LPAREN || t.kind == LX_RPAREN)
                continue;
            t.kind = LX_WORD;
            t.s = t.at;
            t.e = lx.i;
            item it = { word_node(&p, &t, NULL, 0), SIGN_PLAIN };
            if (p.rc != SOU_OK || items_push(&p, &items, &n, &cap, it) != SOU_OK)
                break;
        }
        root = group_result(&p, items, n, env->default_op == SOU_OP_AND).node;
    } else {
        root = or_group(&p);
    }
    if (p.rc != SOU_OK) {
        sou__qnode_free(root);
        sou__parsed_free(p.out);
        return p.rc;
    }
    if (!root && !(root = sou__qnode_new(SOU__Q_NOTHING))) {
        sou__parsed_free(p.out);
        return SOU_ENOMEM;
    }
    p.out->root = root;
    *out = p.out;
    return SOU_OK;
}
