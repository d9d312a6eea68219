/* fuzz_analyzer.c: sou_analyzer_tokenize on arbitrary bytes.
 *
 * The first byte picks the analyzer (CJK mode, Traditional folding,
 * stemming) and where the callback stops the run; the rest is the text.
 * Every token must keep the promises of sou.h: a span inside the input,
 * positions in order, a compound on its first character's position, a
 * NUL-terminated term of valid UTF-8 and at most SOU_TERM_MAX bytes, a
 * NUL-terminated stem, a known kind and flags. The same text analysed
 * twice (the second time through the stem cache) gives the same tokens.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "sou.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_analyzer: %s:%d: %s\n", __FILE__, __LINE__, #cond);              \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* 3 CJK modes x folding x stemming. */
static sou_analyzer *analyzers[12];

typedef struct tok {
    char *term, *stem;
    size_t term_len, stem_len, start, end;
    uint32_t position;
    unsigned kind, flags;
} tok;

typedef struct run {
    size_t len;       /* input bytes */
    size_t stop_after; /* stop the run at this token (0: never) */
    tok *toks;
    size_t n, cap;
} run;

#define STOP_CODE 7

static char *dup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    CHECK(p != NULL);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static int on_token(const sou_token *t, void *payload)
{
    run *r = payload;
    tok *k;

    CHECK(t->term != NULL && t->stem != NULL);
    CHECK(t->term_len > 0 && t->term_len <= SOU_TERM_MAX);
    CHECK(t->term[t->term_len] == '\0');
    CHECK(memchr(t->term, '\0', t->term_len) == NULL);
    CHECK(utf8_valid((const unsigned char *)t->term, t->term_len));
    CHECK(t->stem_len > 0);
    CHECK(t->stem[t->stem_len] == '\0');
    CHECK(utf8_valid((const unsigned char *)t->stem, t->stem_len));
    CHECK(t->start < t->end && t->end <= r->len);
    CHECK(t->kind >= SOU_TOKEN_LATIN && t->kind <= SOU_TOKEN_SEA);
    CHECK((t->flags & ~(SOU_TOKEN_COMPOUND | SOU_TOKEN_TRUNCATED)) == 0);
    if (r->n) {
        const tok *prev = &r->toks[r->n - 1];
        /* Called in order of position. */
        CHECK(t->position >= prev->position);
    }
    if (!(t->flags & SOU_TOKEN_COMPOUND)) {
        /* Positional tokens: strictly increasing positions, spans in order
         * without overlap. */
        for (size_t i = r->n; i-- > 0;) {
            const tok *p = &r->toks[i];
            if (p->flags & SOU_TOKEN_COMPOUND)
                continue;
            CHECK(t->position > p->position);
            CHECK(t->start >= p->end);
            break;
        }
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        tok *grown = realloc(r->toks, cap * sizeof *grown);
        CHECK(grown != NULL);
        r->toks = grown;
        r->cap = cap;
    }
    k = &r->toks[r->n++];
    k->term = dup(t->term, t->term_len);
    k->stem = dup(t->stem, t->stem_len);
    k->term_len = t->term_len;
    k->stem_len = t->stem_len;
    k->start = t->start;
    k->end = t->end;
    k->position = t->position;
    k->kind = t->kind;
    k->flags = t->flags;
    return r->stop_after && r->n == r->stop_after ? STOP_CODE : 0;
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->toks[i].term);
        free(r->toks[i].stem);
    }
    free(r->toks);
}

/* A compound lies on a positional token of its position, starting where
 * that character starts. */
static void check_compounds(const run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const tok *c = &r->toks[i];
        int found = 0;
        if (!(c->flags & SOU_TOKEN_COMPOUND))
            continue;
        for (size_t j = 0; j < r->n && !found; j++) {
            const tok *p = &r->toks[j];
            found = !(p->flags & SOU_TOKEN_COMPOUND) && p->position == c->position &&
                    p->start == c->start && p->end <= c->end;
        }
        CHECK(found);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (unsigned i = 0; i < 12; i++) {
        sou_analyzer_options o = SOU_ANALYZER_OPTIONS_INIT;
        o.cjk = (sou_cjk_mode)(i % 3);
        o.fold_hant = (int)(i / 3 % 2);
        o.stemmer = i / 6 ? "none" : "english";
        if (sou_analyzer_new(&analyzers[i], &o) != SOU_OK) {
            fprintf(stderr, "fuzz_analyzer: %s\n", sou_error_last()->message);
            abort();
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run a = { 0 }, b = { 0 };
    sou_analyzer *an;
    const char *text;
    int rc;

    if (size == 0)
        return 0;
    an = analyzers[(data[0] & 0x0F) % 12];
    text = (const char *)data + 1;
    a.len = b.len = size - 1;
    a.stop_after = b.stop_after = data[0] >> 4;
    /* Text with no NUL terminator: ASan sees any read past its end. */
    rc = sou_analyzer_tokenize(an, size > 1 ? text : NULL, size - 1, on_token, &a);
    if (a.stop_after && a.n == a.stop_after)
        CHECK(rc == STOP_CODE);
    else
        CHECK(rc == SOU_OK);
    check_compounds(&a);
    rc = sou_analyzer_tokenize(an, size > 1 ? text : NULL, size - 1, on_token, &b);
    CHECK(rc == SOU_OK || rc == STOP_CODE);
    CHECK(a.n == b.n);
    for (size_t i = 0; i < a.n; i++) {
        const tok *x = &a.toks[i], *y = &b.toks[i];
        CHECK(x->term_len == y->term_len && memcmp(x->term, y->term, x->term_len) == 0);
        CHECK(x->stem_len == y->stem_len && memcmp(x->stem, y->stem, x->stem_len) == 0);
        CHECK(x->start == y->start && x->end == y->end && x->position == y->position);
        CHECK(x->kind == y->kind && x->flags == y->flags);
    }
    run_free(&a);
    run_free(&b);
    return 0;
}
