/*
 * snippet.c: the passage of a stored text that best shows why it matched.
 *
 * The text is tokenized with the index's analyzer, so matches are found on
 * the same terms the index holds. A pattern matches a run of positional
 * tokens at consecutive positions (compounds are skipped: the characters
 * under them already match). The window of about target bytes holding the
 * most distinct patterns wins; its edges move to token boundaries, or at
 * least to character boundaries, and each cut edge gets an ellipsis.
 */
#include "snippet.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"

static const char ELLIPSIS[] = "\xe2\x80\xa6"; /* U+2026 */

typedef struct {
    size_t start, end;
    uint32_t pos;
    size_t term_off, term_len, stem_off, stem_len;
} stok;

typedef struct {
    stok *toks;
    size_t n, cap;
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

static int collect(const sou_token *t, void *payload)
{
    stoks *s = payload;
    stok *k;
    int rc;

    if (t->flags & SOU_TOKEN_COMPOUND)
        return SOU_OK;
    if ((rc = sou__grow((void **)&s->toks, &s->cap, s->n + 1, sizeof *s->toks)) != SOU_OK)
        return rc;
    k = &s->toks[s->n];
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
    s->n++;
    return SOU_OK;
}

static int pat_applies(const sou__hlpat *p, const char *field)
{
    return p->n > 0 && (!p->field || !field || strcmp(p->field, field) == 0);
}

static int tok_is(const stoks *s, const stok *t, const sou__hlpat *p, size_t k)
{
    if (p->prefix && k + 1 == p->n)
        return t->term_len >= p->lens[k] &&
               memcmp(s->buf + t->term_off, p->terms[k], p->lens[k]) == 0;
    if (p->by_stem)
        return t->stem_len == p->lens[k] && memcmp(s->buf + t->stem_off, p->terms[k], p->lens[k]) == 0;
    return t->term_len == p->lens[k] && memcmp(s->buf + t->term_off, p->terms[k], p->lens[k]) == 0;
}

static int find_matches(const stoks *s, const sou__parsed *parsed, const char *field,
                        smatch **out, size_t *nout)
{
    smatch *m = NULL;
    size_t n = 0, cap = 0;

    for (size_t pi = 0; parsed && pi < parsed->npats; pi++) {
        const sou__hlpat *p = &parsed->pats[pi];
        if (!pat_applies(p, field))
            continue;
        for (size_t i = 0; i + p->n <= s->n; i++) {
            size_t k;
            for (k = 0; k < p->n; k++) {
                const stok *t = &s->toks[i + k];
                if (k > 0 && t->pos != s->toks[i].pos + k)
                    break;
                if (!tok_is(s, t, p, k))
                    break;
            }
            if (k < p->n)
                continue;
            if (sou__grow((void **)&m, &cap, n + 1, sizeof *m) != SOU_OK) {
                sou__free(m);
                return SOU_ENOMEM;
            }
            m[n].start = s->toks[i].start;
            m[n].end = s->toks[i + p->n - 1].end;
            m[n].pat = pi;
            n++;
        }
    }
    *out = m;
    *nout = n;
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
 * boundaries, without uncovering [keep_s, keep_e). */
static void snap(const stoks *s, const char *text, size_t len, size_t target, size_t keep_s,
                 size_t keep_e, size_t *ws, size_t *we)
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
        if (i == s->n) {
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

/* Write text[ws, we) with the highlights, runs of spaces and controls as
 * one space, and an ellipsis at each cut edge. */
static void render(sbuf *o, const char *text, size_t len, size_t ws, size_t we,
                   const smatch *hl, size_t nhl, const char *hs, const char *he)
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
            emit(o, text + i, 1);
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

int sou__snippet_make(sou_analyzer *analyzer, const char *text, size_t len,
                      const sou__parsed *parsed, const char *field, const char *hl_start,
                      const char *hl_end, size_t target, char **out, size_t *out_len,
                      size_t *nmatches)
{
    stoks s;
    smatch *m = NULL, *hl = NULL;
    size_t nm = 0, nhl = 0, ws = 0, we = 0;
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

    memset(&s, 0, sizeof s);
    if (len > 0) {
        rc = sou_analyzer_tokenize(analyzer, text, len, collect, &s);
        if (rc != SOU_OK) {
            if (rc > 0)
                rc = sou__error_set(SOU_ERROR, "snippet: tokenizing failed");
            goto out;
        }
    }
    if ((rc = find_matches(&s, parsed, field, &m, &nm)) != SOU_OK)
        goto out;
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
        snap(&s, text, len, target, ks, ke, &ws, &we);
    } else {
        ws = 0;
        we = len < target ? len : target;
        snap(&s, text, len, target, 0, 0, &ws, &we);
    }
    render(&o, text, len, ws, we, hl, nhl, hl_start, hl_end);
    emit(&o, "", 0);
    rc = o.rc;
out:
    sou__free(s.toks);
    sou__free(s.buf);
    sou__free(m);
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
