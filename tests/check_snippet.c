/* check_snippet.c: passages with the query's matches highlighted. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "query.h"
#include "snippet.h"
#include "suites.h"

static const char ELL[] = "\xe2\x80\xa6";

static int is_field(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    return (len == 5 && memcmp(name, "title", 5) == 0) || (len == 4 && memcmp(name, "body", 4) == 0);
}

static sou_analyzer *analyzer(void)
{
    sou_analyzer *a = NULL;
    ck_assert_int_eq(sou_analyzer_new(&a, NULL), SOU_OK);
    return a;
}

static sou__parsed *parse(sou_analyzer *a, const char *q)
{
    sou__query_env env = { a, SOU_OP_AND, is_field, NULL, NULL, 0, 0, 0, NULL };
    sou__parsed *p = NULL;
    ck_assert_int_eq(sou__query_parse(&env, q, strlen(q), &p), SOU_OK);
    return p;
}

/* The snippet of text (len bytes) for query q; caller frees. */
static char *snip_full(const char *q, const char *text, size_t len, const char *field,
                       const char *hs, const char *he, size_t target, size_t *nmatches)
{
    sou_analyzer *a = analyzer();
    sou__parsed *p = parse(a, q);
    char *out = NULL;
    size_t out_len = 0;
    int rc = sou__snippet_make(a, text, len, p, field, hs, he, 0, target, &out, &out_len, nmatches);
    ck_assert_int_eq(rc, SOU_OK);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(strlen(out), out_len);
    sou__parsed_free(p);
    sou_analyzer_free(a);
    return out;
}

static char *snip(const char *q, const char *text)
{
    return snip_full(q, text, strlen(text), "body", "<b>", "</b>", 200, NULL);
}

#define CHECK_SNIP(q, text, want)                                                           \
    do {                                                                                    \
        char *got_ = snip(q, text);                                                         \
        ck_assert_msg(strcmp(got_, want) == 0, "query '%s': got '%s', want '%s'", q, got_,  \
                      want);                                                                \
        free(got_);                                                                         \
    } while (0)

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Is s valid UTF-8? */
static int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p >> 5) == 6 ? 1 : (*p >> 4) == 14 ? 2 : (*p >> 3) == 30 ? 3 : -1;
        if (n < 0)
            return 0;
        p++;
        for (int i = 0; i < n; i++, p++)
            if ((*p & 0xc0) != 0x80)
                return 0;
    }
    return 1;
}

/* Bytes of text in a snippet, markers and ellipses left out. */
static size_t text_bytes(const char *s, const char *hs, const char *he)
{
    size_t n = 0;
    while (*s) {
        if (strncmp(s, hs, strlen(hs)) == 0)
            s += strlen(hs);
        else if (strncmp(s, he, strlen(he)) == 0)
            s += strlen(he);
        else if (strncmp(s, ELL, 3) == 0)
            s += 3;
        else {
            s++;
            n++;
        }
    }
    return n;
}

static size_t count_of(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* ------------------------------------------------------------------ core */

START_TEST(test_english)
{
    CHECK_SNIP("shopping", "We went shopping for shoes. The shops were shut.",
               "We went <b>shopping</b> for shoes. The <b>shops</b> were shut.");
    CHECK_SNIP("Shoes", "We went shopping for shoes.", "We went shopping for <b>shoes</b>.");
    CHECK_SNIP("\"for shoes\"", "shoes for us, we went for shoes",
               "shoes for us, we went <b>for shoes</b>");
    /* a quoted word matches its exact form only */
    CHECK_SNIP("\"shops\"", "shop shops shopping", "shop <b>shops</b> shopping");
    CHECK_SNIP("e-mail", "Send an e-mail or a mail.", "Send an <b>e-mail</b> or a mail.");
    CHECK_SNIP("2008", "In 2008, and 2009.", "In <b>2008</b>, and 2009.");
}
END_TEST

START_TEST(test_chinese)
{
    CHECK_SNIP("阿里巴巴", "总部：阿里巴巴集团在杭州。", "总部：<b>阿里巴巴</b>集团在杭州。");
    CHECK_SNIP("巴巴", "阿里巴巴集团", "阿里<b>巴巴</b>集团");
    CHECK_SNIP("杭州 集团", "阿里巴巴集团在杭州", "阿里巴巴<b>集团</b>在<b>杭州</b>");
    /* characters apart are no match */
    CHECK_SNIP("阿里巴巴", "阿里，巴巴", "阿里，巴巴");
    CHECK_SNIP("2008年", "北京2008年奥运会", "北京<b>2008年</b>奥运会");
    CHECK_SNIP("iPhone手机", "新款iPhone手机上市", "新款<b>iPhone手机</b>上市");
    CHECK_SNIP("阿里巴巴 cloud", "阿里巴巴 Cloud 服务",
               "<b>阿里巴巴</b> <b>Cloud</b> 服务");
}
END_TEST

START_TEST(test_numbers_in_han)
{
    /* A number touching Han text is characters plus the whole number as a
     * compound; a query of the number alone matches the compound. */
    CHECK_SNIP("2019", "公司收入2019年增长", "公司收入<b>2019</b>年增长");
    CHECK_SNIP("7.4", "营收\xef\xbc\x97.\xef\xbc\x94亿元", "营收<b>\xef\xbc\x97.\xef\xbc\x94</b>亿元");
    CHECK_SNIP("201*", "收入2019年", "收入<b>2019</b>年");
    CHECK_SNIP("2019年", "收入2019年", "收入<b>2019年</b>");
    /* a part of the number is no match of the whole */
    CHECK_SNIP("2019", "收入20190年", "收入20190年");
    CHECK_SNIP("74", "\xef\xbc\x97.\xef\xbc\x94亿", "\xef\xbc\x97.\xef\xbc\x94亿");
}
END_TEST

START_TEST(test_merging)
{
    /* touching matches of different patterns: one highlight */
    CHECK_SNIP("阿里 巴巴", "阿里巴巴集团", "<b>阿里巴巴</b>集团");
    /* overlapping matches */
    CHECK_SNIP("阿里巴 里巴巴", "阿里巴巴集团", "<b>阿里巴巴</b>集团");
    /* a space between keeps them apart */
    CHECK_SNIP("\"red apple\" pie", "a red apple pie", "a <b>red apple</b> <b>pie</b>");
    /* every place a phrase occurs */
    CHECK_SNIP("巴巴", "巴巴巴", "<b>巴巴巴</b>");
}
END_TEST

START_TEST(test_fields)
{
    const char *text = "red apples and green pears";
    char *s = snip_full("title:apple pear", text, strlen(text), "body", "<b>", "</b>", 200, NULL);
    ck_assert_str_eq(s, "red apples and green <b>pears</b>");
    free(s);
    s = snip_full("title:apple pear", text, strlen(text), "title", "<b>", "</b>", 200, NULL);
    ck_assert_str_eq(s, "red <b>apples</b> and green <b>pears</b>");
    free(s);
    /* negated words are not highlighted */
    s = snip_full("apple -pear", text, strlen(text), "body", "<b>", "</b>", 200, NULL);
    ck_assert_str_eq(s, "red <b>apples</b> and green pears");
    free(s);
}
END_TEST

START_TEST(test_markers_and_count)
{
    const char *text = "Cats chase cats; a cat naps.";
    size_t nm = 99;
    char *s = snip_full("cat", text, strlen(text), NULL, "[[", "]]", 200, &nm);
    ck_assert_str_eq(s, "[[Cats]] chase [[cats]]; a [[cat]] naps.");
    ck_assert_uint_eq(nm, 3);
    free(s);

    s = snip_full("dog", text, strlen(text), NULL, "[[", "]]", 200, &nm);
    ck_assert_str_eq(s, text);
    ck_assert_uint_eq(nm, 0);
    free(s);

    /* NULL markers are the defaults */
    s = snip_full("cat", "a cat", 5, NULL, NULL, NULL, 200, NULL);
    ck_assert_str_eq(s, "a <b>cat</b>");
    free(s);
}
END_TEST

START_TEST(test_controls)
{
    const char text[] = "foo\0bar\tbaz\x01qux\n\n\nend  \x7f" "done";
    char *s = snip_full("bar", text, sizeof text - 1, NULL, "<b>", "</b>", 200, NULL);
    ck_assert_str_eq(s, "foo <b>bar</b> baz qux end done");
    free(s);

    s = snip_full("bar", "  \n bar  \n", 10, NULL, "<b>", "</b>", 200, NULL);
    ck_assert_str_eq(s, "<b>bar</b>");
    free(s);

    /* a C1 control (U+0085) is a space too */
    s = snip_full("bar", "foo\xc2\x85" "bar", 8, NULL, "<b>", "</b>", 200, NULL);
    ck_assert_str_eq(s, "foo <b>bar</b>");
    free(s);
}
END_TEST

START_TEST(test_empty)
{
    char *s = snip_full("bar", "", 0, NULL, "<b>", "</b>", 200, NULL);
    ck_assert_str_eq(s, "");
    free(s);
    s = snip_full("", "some text", 9, NULL, "<b>", "</b>", 200, NULL);
    ck_assert_str_eq(s, "some text");
    free(s);
    s = snip_full("bar", NULL, 0, NULL, "<b>", "</b>", 200, NULL);
    ck_assert_str_eq(s, "");
    free(s);
}
END_TEST

/* --------------------------------------------------------------- cutting */

/* n copies of unit */
static char *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * n + 1);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    s[u * n] = '\0';
    return s;
}

START_TEST(test_cut_english)
{
    char *pad = repeat("lorem ipsum dolor ", 30);
    size_t plen = strlen(pad);
    char *text = malloc(2 * plen + 64);
    char *s;

    sprintf(text, "%sthe hidden treasure is here %s", pad, pad);
    s = snip_full("treasure", text, strlen(text), NULL, "<b>", "</b>", 100, NULL);
    ck_assert_msg(strncmp(s, ELL, 3) == 0, "no leading ellipsis: %s", s);
    ck_assert_msg(strcmp(s + strlen(s) - 3, ELL) == 0, "no trailing ellipsis: %s", s);
    ck_assert_ptr_nonnull(strstr(s, "hidden <b>treasure</b> is"));
    ck_assert_uint_le(text_bytes(s, "<b>", "</b>"), 100);
    ck_assert_uint_ge(text_bytes(s, "<b>", "</b>"), 60);
    /* cut between words */
    ck_assert_msg(strchr("lidth", s[3]) != NULL, "cut inside a word: %s", s);
    ck_assert_msg(strchr("mre", s[strlen(s) - 4]) != NULL, "cut inside a word: %s", s);
    free(s);

    /* no match: the start */
    s = snip_full("absent", text, strlen(text), NULL, "<b>", "</b>", 50, NULL);
    ck_assert_msg(strncmp(s, "lorem ipsum dolor lorem ipsum dolor", 35) == 0, "%s", s);
    ck_assert_msg(strcmp(s + strlen(s) - 3, ELL) == 0, "%s", s);
    ck_assert_ptr_null(strstr(s, "<b>"));
    ck_assert_uint_le(text_bytes(s, "<b>", "</b>"), 50);
    free(s);

    /* at the very end: no trailing ellipsis */
    sprintf(text, "%sfinal treasure.", pad);
    s = snip_full("treasure", text, strlen(text), NULL, "<b>", "</b>", 60, NULL);
    ck_assert_msg(strcmp(s + strlen(s) - strlen("final <b>treasure</b>."),
                         "final <b>treasure</b>.") == 0, "%s", s);
    ck_assert(strncmp(s, ELL, 3) == 0);
    free(s);
    free(text);
    free(pad);
}
END_TEST

START_TEST(test_cut_chinese)
{
    /* sizes in bytes hit every alignment against the 3-byte characters */
    char *pad = repeat("天地玄黄宇宙洪荒", 20);
    size_t plen = strlen(pad);
    char *text = malloc(2 * plen + 64);

    sprintf(text, "%s阿里巴巴集团%s", pad, pad);
    for (size_t target = 20; target < 80; target++) {
        char *s = snip_full("阿里巴巴", text, strlen(text), NULL, "<b>", "</b>", target, NULL);
        ck_assert_msg(utf8_valid(s), "invalid UTF-8 at target %zu: %s", target, s);
        ck_assert_ptr_nonnull(strstr(s, "<b>阿里巴巴</b>"));
        ck_assert_uint_eq(count_of(s, "<b>"), 1);
        ck_assert(strncmp(s, ELL, 3) == 0);
        ck_assert(strcmp(s + strlen(s) - 3, ELL) == 0);
        ck_assert_uint_le(text_bytes(s, "<b>", "</b>"), target);
        free(s);
    }
    /* no match, odd sizes */
    for (size_t target = 1; target < 12; target++) {
        char *s = snip_full("北京", text, strlen(text), NULL, "<b>", "</b>", target, NULL);
        ck_assert_msg(utf8_valid(s), "invalid UTF-8 at target %zu: %s", target, s);
        free(s);
    }
    free(text);
    free(pad);
}
END_TEST

START_TEST(test_long_token)
{
    /* one token longer than the window: cut on a character boundary */
    char *text = repeat("\xc3\xa9", 300);
    char *s = snip_full("x", text, strlen(text), NULL, "<b>", "</b>", 51, NULL);
    ck_assert(utf8_valid(s));
    ck_assert_uint_le(text_bytes(s, "<b>", "</b>"), 51);
    ck_assert_uint_ge(text_bytes(s, "<b>", "</b>"), 40);
    free(s);
    free(text);

    /* a match longer than the window is kept whole */
    s = snip_full("\"quick brown fox\"", "a quick brown fox jumps", 23, NULL, "<b>", "</b>", 5,
                  NULL);
    ck_assert_str_eq(s, "\xe2\x80\xa6<b>quick brown fox</b>\xe2\x80\xa6");
    free(s);
}
END_TEST

START_TEST(test_best_window)
{
    /* one match early, both words together later: the later wins */
    char *pad = repeat("filler text goes on ", 20);
    char *text = malloc(2 * strlen(pad) + 128);
    char *s;

    sprintf(text, "apple first. %sthen apple and pear together. %s", pad, pad);
    s = snip_full("apple pear", text, strlen(text), NULL, "<b>", "</b>", 80, NULL);
    ck_assert_msg(strstr(s, "<b>apple</b> and <b>pear</b>") != NULL, "%s", s);
    ck_assert_ptr_null(strstr(s, "first"));
    free(s);

    /* more matches of one word beat fewer */
    sprintf(text, "kiwi once. %skiwi, kiwi and kiwi. %s", pad, pad);
    s = snip_full("kiwi", text, strlen(text), NULL, "<b>", "</b>", 60, NULL);
    ck_assert_uint_eq(count_of(s, "<b>kiwi</b>"), 3);
    free(s);
    free(text);
    free(pad);
}
END_TEST

/* Matches counted the slow way: every applicable pattern tried at every
 * token, identical patterns once. */
typedef struct {
    char **terms, **stems;
    size_t *tl, *sl;
    uint32_t *pos;
    int *comp;
    size_t n, cap;
} toklist;

static int grab(const sou_token *t, void *payload)
{
    toklist *l = payload;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->terms = realloc(l->terms, l->cap * sizeof *l->terms);
        l->stems = realloc(l->stems, l->cap * sizeof *l->stems);
        l->tl = realloc(l->tl, l->cap * sizeof *l->tl);
        l->sl = realloc(l->sl, l->cap * sizeof *l->sl);
        l->pos = realloc(l->pos, l->cap * sizeof *l->pos);
        l->comp = realloc(l->comp, l->cap * sizeof *l->comp);
        ck_assert(l->terms && l->stems && l->tl && l->sl && l->pos && l->comp);
    }
    l->terms[l->n] = strndup(t->term, t->term_len);
    l->stems[l->n] = strndup(t->stem, t->stem_len);
    l->tl[l->n] = t->term_len;
    l->sl[l->n] = t->stem_len;
    l->pos[l->n] = t->position;
    l->comp[l->n] = (t->flags & SOU_TOKEN_COMPOUND) != 0;
    l->n++;
    return 0;
}

static int naive_is(const toklist *l, size_t i, const sou__hlpat *p, size_t k)
{
    if (p->prefix && k + 1 == p->n)
        return l->tl[i] >= p->lens[k] && memcmp(l->terms[i], p->terms[k], p->lens[k]) == 0;
    if (p->by_stem)
        return l->sl[i] == p->lens[k] && memcmp(l->stems[i], p->terms[k], p->lens[k]) == 0;
    return l->tl[i] == p->lens[k] && memcmp(l->terms[i], p->terms[k], p->lens[k]) == 0;
}

static int same_pattern(const sou__hlpat *a, const sou__hlpat *b)
{
    if (a->n != b->n || a->by_stem != b->by_stem || a->prefix != b->prefix)
        return 0;
    for (size_t k = 0; k < a->n; k++)
        if (a->lens[k] != b->lens[k] || memcmp(a->terms[k], b->terms[k], a->lens[k]) != 0)
            return 0;
    return 1;
}

static size_t naive_count(sou_analyzer *a, const sou__parsed *p, const char *text, size_t len)
{
    toklist l = { 0 };
    size_t count = 0, *idx, npos = 0;

    ck_assert_int_eq(sou_analyzer_tokenize(a, text, len, grab, &l), SOU_OK);
    idx = malloc((l.n + 1) * sizeof *idx);
    ck_assert_ptr_nonnull(idx);
    for (size_t i = 0; i < l.n; i++)
        if (!l.comp[i])
            idx[npos++] = i;
    for (size_t pi = 0; pi < p->npats; pi++) {
        const sou__hlpat *pat = &p->pats[pi];
        int dup = 0;
        for (size_t pj = 0; pj < pi && !dup; pj++)
            dup = same_pattern(&p->pats[pj], pat);
        if (dup || pat->n == 0)
            continue;
        for (size_t i = 0; i + pat->n <= npos; i++) {
            size_t k;
            for (k = 0; k < pat->n; k++) {
                size_t t = idx[i + k];
                if (k > 0 && l.pos[t] != l.pos[idx[i]] + k)
                    break;
                if (!naive_is(&l, t, pat, k))
                    break;
            }
            count += k == pat->n;
        }
        for (size_t i = 0; pat->n == 1 && i < l.n; i++)
            count += l.comp[i] && naive_is(&l, i, pat, 0);
    }
    for (size_t i = 0; i < l.n; i++) {
        free(l.terms[i]);
        free(l.stems[i]);
    }
    free(l.terms);
    free(l.stems);
    free(l.tl);
    free(l.sl);
    free(l.pos);
    free(l.comp);
    free(idx);
    return count;
}

START_TEST(test_many_patterns)
{
    /* Random texts and queries over a few words that overlap as phrases
     * (a pattern inside another, sharing a start, repeated), prefixes and
     * numbers in Han text: the one-pass matcher finds what trying every
     * pattern at every token finds. */
    static const char *words[] = { "red", "apple", "apples", "pie", "a", "red", "the",
                                   "2019", "\xe6\x94\xb6\xe5\x85\xa5", "\xe5\xb9\xb4",
                                   "\xe9\x98\xbf\xe9\x87\x8c", "\xe5\xb7\xb4" };
    static const char *qwords[] = { "red", "apple", "\"red apple\"", "\"apple pie\"",
                                    "\"red apple pie\"", "\"a red\"", "ap*", "re*", "2019",
                                    "201*", "\xe5\xb7\xb4\xe5\xb7\xb4",
                                    "\xe9\x98\xbf\xe9\x87\x8c\xe5\xb7\xb4",
                                    "\xe6\x94\xb6\xe5\x85\xa5" "2019", "pie", "\"pie pie\"" };
    sou_analyzer *a = analyzer();
    uint64_t seed = 7;
    char text[2048], q[512];

    for (int round = 0; round < 300; round++) {
        size_t n = 0, qn = 0, nm = 0;
        sou__parsed *p;
        char *out = NULL;
        int nw = 1 + (int)(rnd(&seed) % 60), nq = 1 + (int)(rnd(&seed) % 6);

        for (int w = 0; w < nw; w++) {
            const char *x = words[rnd(&seed) % (sizeof words / sizeof words[0])];
            const char *sep = (rnd(&seed) % 3) ? " " : (rnd(&seed) % 2) ? "" : ", ";
            n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", x, sep);
        }
        for (int w = 0; w < nq; w++)
            qn += (size_t)snprintf(q + qn, sizeof q - qn, "%s%s", w ? " " : "",
                                   qwords[rnd(&seed) % (sizeof qwords / sizeof qwords[0])]);
        p = parse(a, q);
        ck_assert_int_eq(sou__snippet_make(a, text, n, p, "body", "<b>", "</b>", 0, 80, &out, NULL,
                                           &nm),
                         SOU_OK);
        ck_assert_msg(nm == naive_count(a, p, text, n), "query '%s' on '%s': %zu matches, want %zu",
                      q, text, nm, naive_count(a, p, text, n));
        sou__free(out);
        sou__parsed_free(p);
    }
    sou_analyzer_free(a);
}
END_TEST

START_TEST(test_scan_limit)
{
    /* Matches are looked for in the first SOU_SNIPPET_SCAN_BYTES only. */
    size_t unit = strlen("lorem ipsum dolor "), reps = SOU_SNIPPET_SCAN_BYTES / unit + 100;
    char *pad = repeat("lorem ipsum dolor ", reps);
    size_t plen = strlen(pad), nm = 0;
    char *text = malloc(plen + 64), *s;

    /* a word straddling the limit is not read as its first part */
    memcpy(text, pad, plen);
    memcpy(text + SOU_SNIPPET_SCAN_BYTES - 3, "applesauce", 10);
    strcpy(text + plen, " treasure");
    s = snip_full("treasure OR apple", text, plen + 9, NULL, "<b>", "</b>", 60, &nm);
    ck_assert_uint_eq(nm, 0);
    ck_assert_msg(strncmp(s, "lorem ipsum", 11) == 0, "%s", s);
    ck_assert_ptr_null(strstr(s, "<b>"));
    ck_assert_uint_le(text_bytes(s, "<b>", "</b>"), 60);
    free(s);

    /* just inside the limit: found, and the snippet stays short */
    memcpy(text + SOU_SNIPPET_SCAN_BYTES - 20, " treasure ", 10);
    s = snip_full("treasure", text, plen + 9, NULL, "<b>", "</b>", 60, &nm);
    ck_assert_uint_eq(nm, 1);
    ck_assert_ptr_nonnull(strstr(s, "<b>treasure</b>"));
    ck_assert_uint_le(text_bytes(s, "<b>", "</b>"), 60);
    ck_assert(strcmp(s + strlen(s) - 3, ELL) == 0);
    free(s);
    free(text);
    free(pad);

    /* Once every pattern has matched, past 64 KiB, the analysis stops: a
     * word that recurs in over 1 MiB is counted in the first part only. */
    static const char kiwi[] = "kiwi lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod "
        "tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam "
        "quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo "
        "consequat duis aute irure dolor in reprehenderit in voluptate velit esse "
        "cillum dolore eu fugiat nulla pariatur excepteur sint occaecat cupidatat non "
        "proident sunt in culpa qui officia deserunt mollit anim id est laborum sed ut "
        "perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque "
        "laudantium totam rem aperiam eaque ipsa quae ab illo inventore veritatis et "
        "quasi architecto beatae vitae dicta sunt explicabo nemo enim ipsam voluptatem "
        "quia voluptas sit aspernatur aut odit aut fugit sed quia consequuntur magni "
        "dolores eos qui ratione voluptatem sequi nesciunt neque porro quisquam est ";
    size_t ul = sizeof kiwi - 1;
    text = repeat(kiwi, SOU_SNIPPET_SCAN_BYTES / ul + 10);
    s = snip_full("kiwi", text, strlen(text), NULL, "<b>", "</b>", 60, &nm);
    ck_assert_uint_ge(nm, 65536 / ul);
    ck_assert_uint_le(nm, 65536 / ul + 2);
    ck_assert_msg(strncmp(s, "<b>kiwi</b> lorem", 17) == 0, "%s", s);
    free(s);
    /* With a word that does not occur: past 256 KiB, once any has. */
    s = snip_full("kiwi OR absent", text, strlen(text), NULL, "<b>", "</b>", 60, &nm);
    ck_assert_uint_ge(nm, 262144 / ul);
    ck_assert_uint_le(nm, 262144 / ul + 2);
    free(s);
    free(text);

    /* Past 64 KiB, the stop waits a window's length after the match of a
     * compound too, though the compound ends after the token before it. */
    pad = repeat("lorem ipsum dolor ", 70000 / 18);
    plen = strlen(pad);
    text = malloc(2 * plen + 64);
    sprintf(text, "%s收入2019年 and 2019, 2019 %s", pad, pad);
    s = snip_full("2019", text, strlen(text), NULL, "<b>", "</b>", 60, &nm);
    ck_assert_uint_eq(nm, 3);
    ck_assert_msg(strstr(s, "收入<b>2019</b>年 and <b>2019</b>, <b>2019</b>") != NULL, "%s", s);
    free(s);
    free(text);
    free(pad);

    /* A match far into a long text is still found and shown. */
    pad = repeat("lorem ipsum dolor ", 2 * SOU_SNIPPET_SCAN_BYTES / 18);
    plen = strlen(pad);
    memcpy(pad + 700000, " treasure ", 10);
    s = snip_full("treasure", pad, plen, NULL, "<b>", "</b>", 60, &nm);
    ck_assert_uint_eq(nm, 1);
    ck_assert_msg(strncmp(s, ELL, 3) == 0 && strstr(s, "<b>treasure</b>"), "%s", s);
    ck_assert(strcmp(s + strlen(s) - 3, ELL) == 0);
    ck_assert_uint_le(text_bytes(s, "<b>", "</b>"), 60);
    free(s);
    free(pad);
}
END_TEST

/* ------------------------------------------------------------ escaping */

static char *snip_esc(const char *q, const char *text, size_t len, int escape, size_t target)
{
    sou_analyzer *a = analyzer();
    sou__parsed *p = parse(a, q);
    char *out = NULL;
    int rc = sou__snippet_make(a, text, len, p, NULL, escape ? "<b>" : "\x1e",
                               escape ? "</b>" : "\x1f", escape, target, &out, NULL, NULL);
    ck_assert_int_eq(rc, SOU_OK);
    sou__parsed_free(p);
    sou_analyzer_free(a);
    return out;
}

START_TEST(test_escape)
{
    const char *text = "<script>alert(\"x & y\")</script> it's a script";
    char *s = snip_esc("script", text, strlen(text), 1, 200);
    ck_assert_str_eq(s, "&lt;<b>script</b>&gt;alert(&quot;x &amp; y&quot;)&lt;/<b>script</b>&gt; "
                        "it&#39;s a <b>script</b>");
    free(s);
    /* raw: the text as it is */
    s = snip_full("script", text, strlen(text), NULL, "<b>", "</b>", 200, NULL);
    ck_assert_str_eq(s, "<<b>script</b>>alert(\"x & y\")</<b>script</b>> it's a <b>script</b>");
    free(s);
    /* no match: the start of the text, escaped too */
    s = snip_esc("zebra", "a < b && c", 10, 1, 200);
    ck_assert_str_eq(s, "a &lt; b &amp;&amp; c");
    free(s);
}
END_TEST

/* out with "\x1e"/"\x1f" markers, its text HTML-escaped and the markers
 * made <b>/</b>: what the escaped snippet must be. */
static char *escape_raw(const char *raw)
{
    size_t n = strlen(raw), o = 0;
    char *e = malloc(n * 6 + 1);
    ck_assert_ptr_nonnull(e);
    for (size_t i = 0; i < n; i++) {
        const char *r = NULL;
        switch (raw[i]) {
        case '&': r = "&amp;"; break;
        case '<': r = "&lt;"; break;
        case '>': r = "&gt;"; break;
        case '"': r = "&quot;"; break;
        case '\'': r = "&#39;"; break;
        case '\x1e': r = "<b>"; break;
        case '\x1f': r = "</b>"; break;
        default: e[o++] = raw[i]; continue;
        }
        memcpy(e + o, r, strlen(r));
        o += strlen(r);
    }
    e[o] = '\0';
    return e;
}

/* Escaping changes the bytes written, never the window: over random texts
 * of markup, Chinese and words cut at many lengths, the escaped snippet is
 * the raw one with its text escaped, so no entity or character is cut. */
START_TEST(test_escape_window)
{
    static const char *const parts[] = { "<", ">", "&", "\"", "'", "&amp;", "北京", "天安门",
                                         " ", "fox", "<b>", "dog", "。", "x&y", "é" };
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    char text[600];

    for (int round = 0; round < 300; round++) {
        size_t n = 0;
        while (n < 500) {
            const char *w = parts[rnd(&seed) % (sizeof parts / sizeof parts[0])];
            memcpy(text + n, w, strlen(w));
            n += strlen(w);
        }
        text[n] = '\0';
        size_t target = 10 + rnd(&seed) % 120;
        const char *q = round % 3 == 0 ? "fox" : round % 3 == 1 ? "北京 dog" : "天安门";
        char *raw = snip_esc(q, text, n, 0, target);
        char *esc = snip_esc(q, text, n, 1, target);
        char *want = escape_raw(raw);
        ck_assert_msg(strcmp(esc, want) == 0, "target %zu:\n got %s\nwant %s", target, esc, want);
        ck_assert(utf8_valid(esc));
        free(raw);
        free(esc);
        free(want);
    }
}
END_TEST

/* --------------------------------------------------------------- spans */

/* The spans of q in text as "word|word|...": each span sliced out of text. */
static char *spans_of(const char *q, const char *text, const char *field, size_t max)
{
    sou_analyzer *a = analyzer();
    sou__parsed *p = parse(a, q);
    sou__span *v = NULL;
    size_t n = 99, o = 0;
    char *out = malloc(strlen(text) * 2 + 2);

    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(sou__snippet_spans(a, text, strlen(text), p, field, max, &v, &n), SOU_OK);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_lt(v[i].start, v[i].end);
        ck_assert_uint_le(v[i].end, strlen(text));
        if (i > 0) {
            ck_assert_uint_le(v[i - 1].end, v[i].start);
            out[o++] = '|';
        }
        memcpy(out + o, text + v[i].start, v[i].end - v[i].start);
        o += v[i].end - v[i].start;
    }
    out[o] = '\0';
    if (n == 0)
        ck_assert_ptr_null(v);
    sou__free(v);
    sou__parsed_free(p);
    sou_analyzer_free(a);
    return out;
}

#define CHECK_SPANS(q, text, want)                                                          \
    do {                                                                                    \
        char *got_ = spans_of(q, text, "body", SOU_MATCHES_MAX);                            \
        ck_assert_msg(strcmp(got_, want) == 0, "query '%s': got '%s', want '%s'", q, got_,  \
                      want);                                                                \
        free(got_);                                                                         \
    } while (0)

START_TEST(test_spans)
{
    /* English: stems, case, phrases, prefixes */
    CHECK_SPANS("shopping", "We went shopping for shoes. The Shops were shut.", "shopping|Shops");
    CHECK_SPANS("\"for shoes\"", "shoes for us, we went for shoes", "for shoes");
    CHECK_SPANS("lant*", "A lantern, two lanterns and a lamp.", "lantern|lanterns");
    /* Chinese: a word inside a run without spaces */
    CHECK_SPANS("杭州", "阿里巴巴集团总部位于杭州，经营电子商务。", "杭州");
    CHECK_SPANS("北京大学", "他在北京大学的图书馆看书", "北京大学");
    /* touching words stay apart, overlapping ones merge */
    CHECK_SPANS("阿里 巴巴", "阿里巴巴集团", "阿里|巴巴");
    CHECK_SPANS("阿里巴 里巴巴", "阿里巴巴集团", "阿里巴巴");
    /* mixed text */
    CHECK_SPANS("iphone 手机", "这款iPhone手机的电池很耐用，iPhone很贵。", "iPhone|手机|iPhone");
    CHECK_SPANS("2019", "公司收入2019年增长, and 2019 again", "2019|2019");
    CHECK_SPANS("cloud 阿里巴巴", "阿里巴巴 cloud services, more Cloud", "阿里巴巴|cloud|Cloud");
    /* nothing, and negated words */
    CHECK_SPANS("zebra", "no stripes here", "");
    CHECK_SPANS("apple -pear", "red apples and green pears", "apples");
}
END_TEST

START_TEST(test_spans_limits)
{
    char *s;
    /* field: a pattern of another field does not apply */
    s = spans_of("title:apple pear", "red apples and green pears", "body", 10);
    ck_assert_str_eq(s, "pears");
    free(s);
    s = spans_of("title:apple pear", "red apples and green pears", "title", 10);
    ck_assert_str_eq(s, "apples|pears");
    free(s);
    /* at most max: the first ones */
    s = spans_of("cat", "cat cat cat cat cat", "body", 2);
    ck_assert_str_eq(s, "cat|cat");
    free(s);
    s = spans_of("cat", "cat cat", "body", 0);
    ck_assert_str_eq(s, "");
    free(s);

    /* past SOU_SNIPPET_SCAN_BYTES nothing is found; before it, far in, all */
    size_t n = SOU_SNIPPET_SCAN_BYTES + 100;
    char *text = malloc(n + 1);
    ck_assert_ptr_nonnull(text);
    memset(text, ' ', n);
    memcpy(text + 10, "fox", 3);
    memcpy(text + 200000, "fox", 3);
    memcpy(text + SOU_SNIPPET_SCAN_BYTES - 2, "fox", 3); /* cut by the limit */
    memcpy(text + SOU_SNIPPET_SCAN_BYTES + 50, "fox", 3);
    text[n] = '\0';
    {
        sou_analyzer *a = analyzer();
        sou__parsed *p = parse(a, "fox");
        sou__span *v = NULL;
        size_t nv = 0;
        ck_assert_int_eq(sou__snippet_spans(a, text, n, p, NULL, 100, &v, &nv), SOU_OK);
        ck_assert_uint_eq(nv, 2);
        ck_assert_uint_eq(v[0].start, 10);
        ck_assert_uint_eq(v[1].start, 200000);
        ck_assert_uint_eq(v[1].end, 200003);
        sou__free(v);

        /* errors, and failed allocations */
        ck_assert_int_eq(sou__snippet_spans(a, "x", 1, p, NULL, 10, NULL, &nv), SOU_EINVAL);
        ck_assert_int_eq(sou__snippet_spans(NULL, "x", 1, p, NULL, 10, &v, &nv), SOU_EINVAL);
        ck_assert_ptr_null(v);
        for (long k = 0; k < 200; k++) {
            int rc;
            sou__alloc_fail_after(k, 0);
            rc = sou__snippet_spans(a, "a fox and a fox", 15, p, NULL, 10, &v, &nv);
            sou__alloc_fail_after(-1, 0);
            if (rc == SOU_OK) {
                ck_assert_uint_eq(nv, 2);
                sou__free(v);
                break;
            }
            ck_assert_int_eq(rc, SOU_ENOMEM);
            ck_assert_ptr_null(v);
            ck_assert_uint_eq(nv, 0);
        }
        sou__parsed_free(p);
        sou_analyzer_free(a);
    }
    free(text);
}
END_TEST

/* ---------------------------------------------------------------- errors */

START_TEST(test_errors)
{
    sou_analyzer *a = analyzer();
    sou__parsed *p = parse(a, "x");
    char *out = (char *)1;
    size_t n;

    ck_assert_int_eq(sou__snippet_make(a, "x", 1, p, NULL, "<b>", "</b>", 0, 10, NULL, &n, NULL),
                     SOU_EINVAL);
    ck_assert_int_eq(sou__snippet_make(NULL, "x", 1, p, NULL, "<b>", "</b>", 0, 10, &out, &n, NULL),
                     SOU_EINVAL);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(sou__snippet_make(a, NULL, 4, p, NULL, "<b>", "</b>", 0, 10, &out, &n, NULL),
                     SOU_EINVAL);

    /* without a parsed query: the start of the text */
    ck_assert_int_eq(sou__snippet_make(a, "a b", 3, NULL, NULL, "<b>", "</b>", 0, 10, &out, &n, NULL),
                     SOU_OK);
    ck_assert_str_eq(out, "a b");
    sou__free(out);

    for (long k = 0; k < 200; k++) {
        int rc;
        out = NULL;
        sou__alloc_fail_after(k, 0);
        rc = sou__snippet_make(a, "an x and an x", 13, p, NULL, "<b>", "</b>", 0, 50, &out, &n,
                               NULL);
        sou__alloc_fail_after(-1, 0);
        if (rc == SOU_OK) {
            ck_assert_str_eq(out, "an <b>x</b> and an <b>x</b>");
            sou__free(out);
            break;
        }
        ck_assert_int_eq(rc, SOU_ENOMEM);
        ck_assert_ptr_null(out);
    }
    sou__parsed_free(p);
    sou_analyzer_free(a);
}
END_TEST

Suite *sou_snippet_suite(void)
{
    Suite *s = suite_create("snippet");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_english);
    tcase_add_test(tc, test_chinese);
    tcase_add_test(tc, test_numbers_in_han);
    tcase_add_test(tc, test_merging);
    tcase_add_test(tc, test_fields);
    tcase_add_test(tc, test_markers_and_count);
    tcase_add_test(tc, test_controls);
    tcase_add_test(tc, test_empty);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, test_cut_english);
    tcase_add_test(tc, test_cut_chinese);
    tcase_add_test(tc, test_long_token);
    tcase_add_test(tc, test_best_window);
    tcase_add_test(tc, test_many_patterns);
    tcase_add_test(tc, test_scan_limit);
    suite_add_tcase(s, tc);

    tc = tcase_create("escaping");
    tcase_add_test(tc, test_escape);
    tcase_add_test(tc, test_escape_window);
    suite_add_tcase(s, tc);

    tc = tcase_create("spans");
    tcase_add_test(tc, test_spans);
    tcase_add_test(tc, test_spans_limits);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    return s;
}
