/*
 * query.c: query trees, and the parser from the query language to a syntax
 * tree (planned into index terms by plan.c).
 *
 * The parser is a small recursive descent over a lexer:
 *
 *   query    := or_group
 *   or_group := and_group ((OR | implicit when default OR) and_group)*
 *   and_group:= unary ((AND | implicit when default AND) unary)*
 *   unary    := (NOT | '-' | '+')* primary
 *   primary  := '(' or_group ')' | word | "phrase" | field:word
 *             | field:"phrase" | field:( or_group )
 *             | value:LOW..HIGH | value:LOW.. | value:..HIGH | value:X | '*'
 *
 * Every item carries a sign (plain, required, negative). A group holds its
 * items with their signs; the planner combines required and plain items as
 * the group's operator says and subtracts negative ones. A group of one
 * item hands that item and its sign to the enclosing group, so "a -b c"
 * with default OR still subtracts b from the whole query. Items joined by a
 * typed AND are required: what the user wrote explicitly is never relaxed.
 * A range (value:LOW..HIGH) is a filter: it must match, and it filters its
 * whole group rather than joining its OR, unless joined by a typed OR.
 * Reading is lenient: what does not fit is read as text or dropped; only
 * nesting too deep to be meant, and a range that cannot apply (no such
 * value, a bound that is no number or date), give SOU_EQUERY.
 */
#include "query.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "date.h"
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

void sou__snode_free(sou__snode *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->nkids; i++)
        sou__snode_free(node->kids[i]);
    sou__free(node->kids);
    sou__free(node);
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
    LX_PLUS,
    LX_RANGE, /* name [fs, fe), bounds [s, e) */
    LX_ALL    /* a lone '*' */
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

/* The name [fs, fe) folded to lower case into name (SOU_NAME_MAX + 1
 * bytes); 0 when it is no valid name. */
static int fold_name(const char *q, size_t fs, size_t fe, char *name)
{
    size_t n = fe - fs;

    if (n == 0 || n > SOU_NAME_MAX)
        return 0;
    for (size_t k = 0; k < n; k++) {
        char c = q[fs + k];
        name[k] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    name[n] = '\0';
    return sou__name_valid(name, n);
}

/* Could [s, e) be the bounds of a range: digits, signs, dots, date and
 * time marks, at least one digit? */
static int bounds_shaped(const char *q, size_t s, size_t e)
{
    int digit = 0;

    for (size_t i = s; i < e; i++) {
        char c = q[i];
        if (c >= '0' && c <= '9')
            digit = 1;
        else if (!strchr(".+-:,TtZzEe", c) || c == '\0')
            return 0;
    }
    return digit;
}

static const char *find_dots(const char *q, size_t s, size_t e)
{
    for (size_t i = s; i + 1 < e; i++)
        if (q[i] == '.' && q[i + 1] == '.')
            return q + i;
    return NULL;
}

/* A range: name:LOW..HIGH, or name:X on a value that is not also a field;
 * on a name that is no value, only what looks like numbers or dates (so
 * that the parser can say the value is missing). */
static int range_token(const lexer *lx, size_t s, size_t c, size_t e)
{
    char name[SOU_NAME_MAX + 1];
    int is_date, dots;

    if (c + 1 >= e || !fold_name(lx->q, s, c, name))
        return 0;
    dots = find_dots(lx->q, c + 1, e) != NULL;
    if (lx->env->value_slot && lx->env->value_slot(lx->env->ctx, name, c - s, &is_date) >= 0)
        return dots || !(lx->env->is_field && lx->env->is_field(lx->env->ctx, name, c - s));
    return dots && bounds_shaped(lx->q, c + 1, e);
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
    if (e - s == 1 && q[s] == '*') {
        t->kind = LX_ALL;
        return;
    }

    /* field:word, field:"phrase", field:( ... ) */
    const char *colon = memchr(q + s, ':', e - s);
    if (colon) {
        size_t c = (size_t)(colon - q);
        if (c > s && range_token(lx, s, c, e)) {
            t->kind = LX_RANGE;
            t->fs = s;
            t->fe = c;
            t->s = c + 1;
            return;
        }
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

typedef struct {
    const sou__query_env *env;
    lexer lx;
    int depth;
    int rc;
} parser;

static int fail(parser *p, int rc)
{
    if (p->rc == SOU_OK)
        p->rc = rc;
    return rc;
}

static sou__snode *snode_new(parser *p, sou__sop op)
{
    sou__snode *n = sou__calloc(1, sizeof *n);
    if (!n)
        fail(p, SOU_ENOMEM);
    else
        n->op = op;
    return n;
}

/* Append kid (NULL: nothing) to group g; on failure both are freed. */
static int snode_add(parser *p, sou__snode *g, sou__snode *kid)
{
    if (!kid)
        return p->rc;
    if (sou__grow((void **)&g->kids, &g->cap, g->nkids + 1, sizeof *g->kids) != SOU_OK) {
        sou__snode_free(kid);
        return fail(p, SOU_ENOMEM);
    }
    g->kids[g->nkids++] = kid;
    return SOU_OK;
}

static int starts_unary(lx_kind k)
{
    return k == LX_WORD || k == LX_PHRASE || k == LX_LPAREN || k == LX_NOT || k == LX_MINUS ||
           k == LX_PLUS || k == LX_RANGE || k == LX_ALL;
}

/* One bound of a range, [s, e) of the query: a number, or for a date value
 * an ISO 8601 date, taken at the start of its span (lo) or at its last
 * instant (hi, the span's end excluded). */
static int range_bound(parser *p, const lx_tok *t, const char *name, int is_date, size_t s,
                       size_t e, int high, double *out)
{
    const char *q = p->lx.q;
    char buf[65];
    char *end;

    if (is_date) {
        double start, stop;
        if (sou__date_parse(q + s, e - s, &start, &stop)) {
            *out = high ? nextafter(stop, -INFINITY) : start;
            return SOU_OK;
        }
        return fail(p, sou__error_set(SOU_EQUERY,
                                      "range on '%s' at byte %zu: '%.*s' is not an ISO 8601 date "
                                      "(YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss][Z])",
                                      name, t->at, (int)(e - s > 40 ? 40 : e - s), q + s));
    }
    if (e - s < sizeof buf) {
        memcpy(buf, q + s, e - s);
        buf[e - s] = '\0';
        *out = strtod(buf, &end);
        if (end == buf + (e - s) && e > s && isfinite(*out))
            return SOU_OK;
    }
    return fail(p, sou__error_set(SOU_EQUERY, "range on '%s' at byte %zu: '%.*s' is not a number",
                                  name, t->at, (int)(e - s > 40 ? 40 : e - s), q + s));
}

/* value:LOW..HIGH into a RANGE item. */
static sou__snode *range_item(parser *p, const lx_tok *t)
{
    const char *q = p->lx.q, *dots;
    char name[SOU_NAME_MAX + 1];
    int is_date = 0, slot = -1;
    size_t ls, le, hs, he;
    sou__snode *it;

    fold_name(q, t->fs, t->fe, name);
    if (p->env->value_slot)
        slot = p->env->value_slot(p->env->ctx, name, t->fe - t->fs, &is_date);
    if (slot < 0) {
        int field = p->env->is_field && p->env->is_field(p->env->ctx, name, t->fe - t->fs);
        fail(p, sou__error_set(SOU_EQUERY,
                               field ? "range on '%s' at byte %zu: '%s' is a text field, not a "
                                       "value; ranges apply to values"
                                     : "range on '%s' at byte %zu: the index has no value '%s'",
                               name, t->at, name));
        return NULL;
    }
    if ((dots = find_dots(q, t->s, t->e))) {
        ls = t->s;
        le = (size_t)(dots - q);
        hs = le + 2;
        he = t->e;
    } else {
        ls = hs = t->s;
        le = he = t->e;
    }
    if (!(it = snode_new(p, SOU__S_RANGE)))
        return NULL;
    it->slot = (unsigned int)slot;
    it->has_lo = le > ls;
    it->has_hi = he > hs;
    it->s = t->s;
    it->e = t->e;
    it->at = t->at;
    if ((it->has_lo && range_bound(p, t, name, is_date, ls, le, 0, &it->lo) != SOU_OK) ||
        (it->has_hi && range_bound(p, t, name, is_date, hs, he, 1, &it->hi) != SOU_OK)) {
        sou__snode_free(it);
        return NULL;
    }
    if (it->has_lo && it->has_hi && it->lo > it->hi) {
        fail(p, sou__error_set(SOU_EQUERY, "range on '%s' at byte %zu: '%.*s' is above '%.*s'",
                               name, t->at, (int)(le - ls), q + ls, (int)(he - hs), q + hs));
        sou__snode_free(it);
        return NULL;
    }
    return it;
}

static sou__snode *or_group(parser *p);

/* A signed item as a plain one: a group of the item alone, which matches
 * what the sign says (a lone negative item: everything but it). */
static sou__snode *settle(parser *p, sou__snode *it)
{
    sou__snode *g;

    if (!it || it->sign == SOU__SIGN_PLAIN)
        return it;
    if (!(g = snode_new(p, SOU__S_GROUP))) {
        sou__snode_free(it);
        return NULL;
    }
    g->and_op = 1;
    g->at = it->at;
    if (snode_add(p, g, it) != SOU_OK) {
        sou__snode_free(g);
        return NULL;
    }
    return g;
}

static sou__snode *unary(parser *p)
{
    sou__snode *it = NULL;
    sou__sign sign = SOU__SIGN_PLAIN;
    const lx_tok *t;
    int have_sign = 0;
    size_t at = peek(&p->lx)->at;

    for (;;) {
        t = peek(&p->lx);
        if (t->kind == LX_NOT || t->kind == LX_MINUS) {
            if (!have_sign)
                sign = SOU__SIGN_NEGATIVE;
            have_sign = 1;
            advance(&p->lx);
        } else if (t->kind == LX_PLUS) {
            if (!have_sign)
                sign = SOU__SIGN_REQUIRED;
            have_sign = 1;
            advance(&p->lx);
        } else {
            break;
        }
    }

    t = peek(&p->lx);
    if (t->kind == LX_RANGE || t->kind == LX_ALL) {
        lx_tok w = *t;
        advance(&p->lx);
        if (w.kind == LX_RANGE) {
            it = range_item(p, &w);
            /* A filter, unless it is to leave documents out. */
            if (it && sign != SOU__SIGN_NEGATIVE)
                sign = SOU__SIGN_FILTER;
        } else if ((it = snode_new(p, SOU__S_ALL))) {
            it->s = w.s;
            it->e = w.e;
        }
    } else if (t->kind == LX_WORD || t->kind == LX_PHRASE) {
        lx_tok w = *t;
        advance(&p->lx);
        if ((it = snode_new(p, w.kind == LX_WORD ? SOU__S_WORD : SOU__S_PHRASE))) {
            it->s = w.s;
            it->e = w.e;
            it->at = w.at;
            it->prefix = w.prefix;
            if (w.fe > w.fs) {
                it->field = p->lx.q + w.fs;
                it->field_len = w.fe - w.fs;
            }
        }
    } else if (t->kind == LX_LPAREN) {
        lx_tok w = *t;
        advance(&p->lx);
        if (++p->depth > SOU__QUERY_DEPTH_MAX) {
            fail(p, sou__error_set(SOU_EQUERY, "query nested too deeply at byte %zu", w.at));
        } else {
            it = or_group(p);
            /* field:( ... ) restricts what is inside; a group of one item
             * may come back as that item, which takes the field unless it
             * names its own. */
            if (it && w.fe > w.fs && !it->field) {
                it->field = p->lx.q + w.fs;
                it->field_len = w.fe - w.fs;
            }
            /* An unclosed parenthesis closes at the end. */
            if (peek(&p->lx)->kind == LX_RPAREN)
                advance(&p->lx);
            if (it && it->op == SOU__S_GROUP) {
                it->s = w.at;
                it->e = p->lx.i;
            }
        }
        p->depth--;
    }
    /* Anything else: the sign had nothing to apply to and is dropped. */
    if (it) {
        it->sign = sign;
        it->at = at;
    }
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
    ok = starts_unary(t->kind);
    p->lx = save;
    return ok;
}

/* Finish a group of items: none gives NULL, one keeps its sign for the
 * enclosing group. */
static sou__snode *group_result(parser *p, sou__snode *g)
{
    sou__snode *one;

    if (p->rc != SOU_OK || g->nkids == 0) {
        sou__snode_free(g);
        return NULL;
    }
    if (g->nkids > 1)
        return g;
    one = g->kids[0];
    g->nkids = 0;
    sou__snode_free(g);
    return one;
}

/* Mark a plain item required: it sits next to a typed AND. */
static void require(sou__snode *it)
{
    if (it && it->sign == SOU__SIGN_PLAIN)
        it->sign = SOU__SIGN_REQUIRED;
}

static sou__snode *and_group(parser *p)
{
    sou__snode *g = snode_new(p, SOU__S_GROUP), *prev;
    int implicit_and = p->env->default_op == SOU_OP_AND;

    if (!g)
        return NULL;
    g->and_op = 1;
    g->at = peek(&p->lx)->at;
    prev = unary(p);
    if (snode_add(p, g, prev) != SOU_OK)
        goto out;
    while (p->rc == SOU_OK) {
        const lx_tok *t = peek(&p->lx);
        int typed = 0;
        sou__snode *it;
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
            typed = 1;
        } else if (!(implicit_and && starts_unary(t->kind))) {
            break;
        }
        it = unary(p);
        if (typed) {
            require(prev);
            require(it);
            g->typed = 1;
        }
        if (it)
            prev = it;
        if (snode_add(p, g, it) != SOU_OK)
            goto out;
    }
out:
    return group_result(p, g);
}

static sou__snode *or_group(parser *p)
{
    sou__snode *g = snode_new(p, SOU__S_GROUP);
    int explicit_before = 0;

    if (!g)
        return NULL;
    g->at = peek(&p->lx)->at;
    while (p->rc == SOU_OK) {
        const lx_tok *t = peek(&p->lx);
        sou__snode *it;
        int explicit_after = 0;
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
        if (t->kind == LX_OR) {
            /* A dangling OR is dropped. */
            if (binary_op_ok(p))
                explicit_after = g->typed = 1;
            advance(&p->lx);
        }
        /* "a OR -b" means a, or anything but b. */
        if (explicit_before || explicit_after)
            it = settle(p, it);
        if (snode_add(p, g, it) != SOU_OK)
            break;
        explicit_before = explicit_after;
    }
    /* A lone signed item: "-a" alone means everything but a. */
    return settle(p, group_result(p, g));
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

int sou__query_syntax(const sou__query_env *env, const char *q, size_t len, sou__snode **out)
{
    parser p;
    sou__snode *root = NULL;

    if (!out)
        return sou__error_set(SOU_EINVAL, "query parse: out is NULL");
    *out = NULL;
    if (!env || (!q && len > 0))
        return sou__error_set(SOU_EINVAL, "query parse: invalid arguments");
    if (!q)
        q = "";

    memset(&p, 0, sizeof p);
    p.env = env;
    p.lx.env = env;
    p.lx.q = q;
    p.lx.len = len;

    if (only_operators(env, q, len)) {
        /* "NOT", "AND OR": the user means the words. */
        lx_tok t;
        lexer lx = p.lx;
        sou__snode *g = snode_new(&p, SOU__S_GROUP);
        if (g)
            g->and_op = env->default_op == SOU_OP_AND;
        for (; g;) {
            sou__snode *w;
            lex_next(&lx, &t);
            if (t.kind == LX_END)
                break;
            if (t.kind == LX_LPAREN || t.kind == LX_RPAREN)
                continue;
            if (!(w = snode_new(&p, SOU__S_WORD)))
                break;
            w->s = w->at = t.at;
            w->e = lx.i;
            if (snode_add(&p, g, w) != SOU_OK)
                break;
        }
        root = g ? group_result(&p, g) : NULL;
    } else {
        root = or_group(&p);
    }
    if (p.rc != SOU_OK) {
        sou__snode_free(root);
        return p.rc;
    }
    *out = root;
    return SOU_OK;
}

int sou__query_parse(const sou__query_env *env, const char *q, size_t len, sou__parsed **out)
{
    sou__snode *root = NULL;
    int rc;

    if (!out)
        return sou__error_set(SOU_EINVAL, "query parse: out is NULL");
    *out = NULL;
    if (!env || !env->analyzer || (!q && len > 0))
        return sou__error_set(SOU_EINVAL, "query parse: invalid arguments");
    if ((rc = sou__query_syntax(env, q, len, &root)) != SOU_OK)
        return rc;
    rc = sou__query_plan(env, q ? q : "", len, root, out);
    sou__snode_free(root);
    return rc;
}
