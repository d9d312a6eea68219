/* check_analyzer.c: segmentation, normalisation, stemming, limits. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "alloc.h"
#include "analyzer.h"
#include "suites.h"
#include "testutil.h"

/* Each row: input, and its tokens as "term@position[start,end)", compounds
 * with a leading '+'. Lengths come from strlen unless len is set. */
typedef struct row {
    const char *in;
    size_t len;
    const char *want;
} row;

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static sou_analyzer *make(sou_cjk_mode cjk, const char *stemmer, int fold)
{
    sou_analyzer_options o = SOU_ANALYZER_OPTIONS_INIT;
    sou_analyzer *a = NULL;
    o.cjk = cjk;
    o.stemmer = stemmer;
    o.fold_hant = fold;
    ck_assert_int_eq(sou_analyzer_new(&a, &o), SOU_OK);
    ck_assert_ptr_nonnull(a);
    return a;
}

static void check_rows(sou_analyzer *a, const row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = rows[i].len ? rows[i].len : strlen(rows[i].in);
        char *got = tu_tokens(a, rows[i].in, len);
        ck_assert_msg(got != NULL, "row %zu: tokenize failed: %s", i, sou_error_last()->message);
        ck_assert_msg(strcmp(got, rows[i].want) == 0, "row %zu (%s):\n got  %s\n want %s", i,
                      rows[i].in, got, rows[i].want);
        free(got);
    }
}

#define CHECK_TABLE(a, t) check_rows((a), (t), sizeof(t) / sizeof((t)[0]))

static const row english[] = {
    { "Hello, World!", 0, "hello@0[0,5) world@1[7,12)" },
    { "  The quick  brown\tfox\r\n", 0, "the@0[2,5) quick@1[6,11) brown@2[13,18) fox@3[19,22)" },
    { "e-mail x:y", 0, "e@0[0,1) mail@1[2,6) x@2[7,8) y@3[9,10)" },
    { "foo_bar snake_case_", 0, "foo_bar@0[0,7) snake_case_@1[8,19)" },
    { "ALL CAPS", 0, "all@0[0,3) caps@1[4,8)" },
    { "--- ... !!!", 0, "" },
};

static const row apostrophes[] = {
    { "Alibaba's cloud", 0, "alibaba@0[0,9) cloud@1[10,15)" },
    { "Alibaba\xe2\x80\x99s cloud", 0, "alibaba@0[0,11) cloud@1[12,17)" },
    { "don't Don\xe2\x80\x99t", 0, "don't@0[0,5) don't@1[6,13)" },
    { "'quoted' rock'n'roll", 0, "quoted@0[1,7) rock'n'roll@1[9,20)" },
};

static const row numbers[] = {
    { "11.11 3.14 U.S. 2,000", 0, "11.11@0[0,5) 3.14@1[6,10) u.s@2[11,14) 2,000@3[16,21)" },
    { "v1.2.3 1,299.99 12:30", 0, "v1.2.3@0[0,6) 1,299.99@1[7,15) 12@2[16,18) 30@3[19,21)" },
    /* full-width digits fold to ASCII */
    { "\xef\xbc\x91\xef\xbc\x97", 0, "17@0[0,6)" },
    /* a number written into Han text is part of the run of characters */
    { "2008\xe5\xb9\xb4", 0,
      "2@0[0,1) +2008@0[0,4) 0@1[1,2) 0@2[2,3) 8@3[3,4) \xe5\xb9\xb4@4[4,7)" },
    { "\xe7\xac\xac" "3 2008 \xe5\xb9\xb4", 0,
      "\xe7\xac\xac@0[0,3) 3@1[3,4) 2008@2[5,9) \xe5\xb9\xb4@3[10,13)" },
};

static const row simplified[] = {
    /* 阿里巴巴的发展: ICU keeps 阿里巴巴 and 发展 as words */
    { "\xe9\x98\xbf\xe9\x87\x8c\xe5\xb7\xb4\xe5\xb7\xb4\xe7\x9a\x84\xe5\x8f\x91\xe5\xb1\x95", 0,
      "\xe9\x98\xbf@0[0,3) +\xe9\x98\xbf\xe9\x87\x8c\xe5\xb7\xb4\xe5\xb7\xb4@0[0,12) "
      "\xe9\x87\x8c@1[3,6) \xe5\xb7\xb4@2[6,9) \xe5\xb7\xb4@3[9,12) \xe7\x9a\x84@4[12,15) "
      "\xe5\x8f\x91@5[15,18) +\xe5\x8f\x91\xe5\xb1\x95@5[15,21) \xe5\xb1\x95@6[18,21)" },
    /* 淘宝网: split into single characters by ICU, no compounds */
    { "\xe6\xb7\x98\xe5\xae\x9d\xe7\xbd\x91", 0,
      "\xe6\xb7\x98@0[0,3) \xe5\xae\x9d@1[3,6) \xe7\xbd\x91@2[6,9)" },
    /* 中，国 中国: characters apart are not adjacent positions */
    { "\xe4\xb8\xad\xef\xbc\x8c\xe5\x9b\xbd \xe4\xb8\xad\xe5\x9b\xbd", 0,
      "\xe4\xb8\xad@0[0,3) \xe5\x9b\xbd@2[6,9) \xe4\xb8\xad@4[10,13) "
      "+\xe4\xb8\xad\xe5\x9b\xbd@4[10,16) \xe5\x9b\xbd@5[13,16)" },
};

static const row traditional[] = {
    /* 臺灣 without folding stays Traditional */
    { "\xe8\x87\xba\xe7\x81\xa3", 0,
      "\xe8\x87\xba@0[0,3) +\xe8\x87\xba\xe7\x81\xa3@0[0,6) \xe7\x81\xa3@1[3,6)" },
};

static const row mixed[] = {
    /* Alibaba阿里巴巴 cloud */
    { "Alibaba\xe9\x98\xbf\xe9\x87\x8c\xe5\xb7\xb4\xe5\xb7\xb4 cloud", 0,
      "alibaba@0[0,7) \xe9\x98\xbf@1[7,10) +\xe9\x98\xbf\xe9\x87\x8c\xe5\xb7\xb4\xe5\xb7\xb4@1[7,19) "
      "\xe9\x87\x8c@2[10,13) \xe5\xb7\xb4@3[13,16) \xe5\xb7\xb4@4[16,19) cloud@5[20,25)" },
    /* full-width Latin: ＡＬＩＢＡＢＡ */
    { "\xef\xbc\xa1\xef\xbc\xac\xef\xbc\xa9\xef\xbc\xa2\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa1", 0,
      "alibaba@0[0,21)" },
    /* Café, decomposed café, Straße */
    { "Caf\xc3\xa9 cafe\xcc\x81 Stra\xc3\x9f" "e", 0,
      "caf\xc3\xa9@0[0,5) caf\xc3\xa9@1[6,12) strasse@2[13,20)" },
};

static const row scripts[] = {
    /* emoji are symbols: no token; words around them keep their spans */
    { "ok \xf0\x9f\x98\x80 go\xf0\x9f\x91\x8dnow", 0, "ok@0[0,2) go@1[8,10) now@2[14,17)" },
    /* Japanese: 東京に行きます */
    { "\xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xab\xe8\xa1\x8c\xe3\x81\x8d\xe3\x81\xbe\xe3\x81\x99", 0,
      "\xe6\x9d\xb1@0[0,3) +\xe6\x9d\xb1\xe4\xba\xac@0[0,6) \xe4\xba\xac@1[3,6) \xe3\x81\xab@2[6,9) "
      "\xe8\xa1\x8c@3[9,12) +\xe8\xa1\x8c\xe3\x81\x8d@3[9,15) \xe3\x81\x8d@4[12,15) "
      "\xe3\x81\xbe@5[15,18) +\xe3\x81\xbe\xe3\x81\x99@5[15,21) \xe3\x81\x99@6[18,21)" },
    /* Korean 안녕하세요: characters, and the word as a compound */
    { "\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94", 0,
      "\xec\x95\x88@0[0,3) +\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94@0[0,15) "
      "\xeb\x85\x95@1[3,6) \xed\x95\x98@2[6,9) \xec\x84\xb8@3[9,12) \xec\x9a\x94@4[12,15)" },
    /* Thai สวัสดีครับ: dictionary words */
    { "\xe0\xb8\xaa\xe0\xb8\xa7\xe0\xb8\xb1\xe0\xb8\xaa\xe0\xb8\x94\xe0\xb8\xb5"
      "\xe0\xb8\x84\xe0\xb8\xa3\xe0\xb8\xb1\xe0\xb8\x9a", 0,
      "\xe0\xb8\xaa\xe0\xb8\xa7\xe0\xb8\xb1\xe0\xb8\xaa\xe0\xb8\x94\xe0\xb8\xb5@0[0,18) "
      "\xe0\xb8\x84\xe0\xb8\xa3\xe0\xb8\xb1\xe0\xb8\x9a@1[18,30)" },
    /* Russian: lower-cased */
    { "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0,
      "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82@0[0,12)" },
};

/* Kana and Hangul as Han: characters at their own positions, dictionary
 * words (for Hangul, ICU's space-separated words) as compounds. */
static const row subwords[] = {
    { "東京タワー", 0,
      "東@0[0,3) +東京タワー@0[0,15) 京@1[3,6) タ@2[6,9) ワ@3[9,12) ー@4[12,15)" },
    { "タワー", 0, "タ@0[0,3) +タワー@0[0,9) ワ@1[3,6) ー@2[6,9)" },
    { "대한민국의 수도", 0,
      "대@0[0,3) +대한민국의@0[0,15) 한@1[3,6) 민@2[6,9) 국@3[9,12) 의@4[12,15) "
      "수@6[16,19) +수도@6[16,22) 도@7[19,22)" },
    /* halfwidth katakana: a voicing mark belongs to its letter */
    { "ｶﾞｲﾄﾞ", 0, "ガ@0[0,6) +ガイド@0[0,15) イ@1[6,9) ド@2[9,15)" },
    /* a number touching Hangul, as in Han text; Latin letters stay a word */
    { "2019년", 0, "2@0[0,1) +2019@0[0,4) 0@1[1,2) 1@2[2,3) 9@3[3,4) 년@4[4,7)" },
    { "SK텔레콤의", 0, "sk@0[0,2) 텔@1[2,5) +텔레콤의@1[2,14) 레@2[5,8) 콤@3[8,11) 의@4[11,14)" },
    /* a sign that makes no token is left out of the compound, which starts
     * where its first character does */
    { "@대한", 0, "대@0[1,4) +대한@0[1,7) 한@1[4,7)" },
    { "대한@", 0, "대@0[0,3) +대한@0[0,6) 한@1[3,6)" },
    { "@\xe3\x85\xab", 0, "\xe1\x87\x93@0[1,4)" },
};

static const row edge[] = {
    { "", 0, "" },
    /* invalid UTF-8: a stray byte, a truncated sequence, a surrogate, an overlong */
    { "ab\xff" "cd \xe4\xb8x a\xed\xa0\x80" "b \xc0\xafz", 0,
      "ab@0[0,2) cd@1[3,5) x@2[8,9) a@3[10,11) b@4[14,15) z@5[18,19)" },
    /* NUL bytes separate words, in ASCII and in Han text (中\0国) */
    { "abc\0def", 7, "abc@0[0,3) def@1[4,7)" },
    { "\xe4\xb8\xad\0\xe5\x9b\xbd", 7, "\xe4\xb8\xad@0[0,3) \xe5\x9b\xbd@2[4,7)" },
    /* a truncated sequence at the very end */
    { "end\xe4\xb8", 0, "end@0[0,3)" },
};

START_TEST(test_english)
{
    sou_analyzer *a = make(SOU_CJK_HYBRID, "none", 0);
    CHECK_TABLE(a, english);
    CHECK_TABLE(a, apostrophes);
    CHECK_TABLE(a, numbers);
    sou_analyzer_free(a);
}
END_TEST

START_TEST(test_chinese)
{
    sou_analyzer *a = make(SOU_CJK_HYBRID, NULL, 0);
    CHECK_TABLE(a, simplified);
    CHECK_TABLE(a, traditional);
    CHECK_TABLE(a, mixed);
    sou_analyzer_free(a);
}
END_TEST

START_TEST(test_scripts)
{
    sou_analyzer *a = make(SOU_CJK_HYBRID, "none", 0);
    CHECK_TABLE(a, scripts);
    CHECK_TABLE(a, subwords);
    CHECK_TABLE(a, edge);
    sou_analyzer_free(a);
}
END_TEST

typedef struct stems {
    char buf[512];
} stems;

static int collect_stems(const sou_token *t, void *payload)
{
    stems *s = payload;
    size_t n = strlen(s->buf);
    snprintf(s->buf + n, sizeof s->buf - n, "%s%.*s/%.*s", n ? " " : "", (int)t->term_len,
             t->term, (int)t->stem_len, t->stem);
    return 0;
}

START_TEST(test_stemming)
{
    sou_analyzer *a = make(SOU_CJK_HYBRID, NULL, 0);
    sou_analyzer *none = make(SOU_CJK_HYBRID, "none", 0);
    const char *text = "Shopping shops connected \xe8\xb4\xad\xe7\x89\xa9 2020";
    stems s = { "" };

    ck_assert_str_eq(sou_analyzer_options_get(a)->stemmer, "english");
    ck_assert_int_eq(sou_analyzer_tokenize(a, text, strlen(text), collect_stems, &s), SOU_OK);
    /* The unstemmed term stays for phrases; Han and numbers are never stemmed. */
    ck_assert_str_eq(s.buf, "shopping/shop shops/shop connected/connect \xe8\xb4\xad/\xe8\xb4\xad "
                            "\xe8\xb4\xad\xe7\x89\xa9/\xe8\xb4\xad\xe7\x89\xa9 "
                            "\xe7\x89\xa9/\xe7\x89\xa9 2020/2020");
    s.buf[0] = '\0';
    ck_assert_int_eq(sou_analyzer_tokenize(none, "shopping", 8, collect_stems, &s), SOU_OK);
    ck_assert_str_eq(s.buf, "shopping/shopping");
    sou_analyzer_free(a);
    sou_analyzer_free(none);
}
END_TEST

START_TEST(test_short_words_unstemmed)
{
    /* The analyzer skips the English stemmer for words under three bytes;
     * the algorithm must agree for every such word. (A word cannot begin
     * or end with an apostrophe, so none of them holds one.) */
    struct sb_stemmer *st = sb_stemmer_new("english", "UTF_8");
    static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_@";
    char w[3] = { 0 };

    ck_assert_ptr_nonnull(st);
    for (size_t i = 0; i < sizeof chars - 1; i++) {
        for (size_t j = 0; j < sizeof chars; j++) { /* j == last: one letter */
            size_t n = j < sizeof chars - 1 ? 2 : 1;
            const sb_symbol *out;
            w[0] = chars[i];
            w[1] = n == 2 ? chars[j] : '\0';
            out = sb_stemmer_stem(st, (const sb_symbol *)w, (int)n);
            ck_assert_ptr_nonnull(out);
            ck_assert_int_eq(sb_stemmer_length(st), (int)n);
            ck_assert(memcmp(out, w, n) == 0);
        }
    }
    sb_stemmer_delete(st);
}
END_TEST

/* Every stem, cached or not, is what libstemmer says, and NUL-terminated
 * as every string the library hands out. */
typedef struct stem_check {
    struct sb_stemmer *st;
    size_t tokens, wrong, unterminated, long_stems;
} stem_check;

static int check_stem(const sou_token *t, void *payload)
{
    stem_check *c = payload;
    const sb_symbol *want = sb_stemmer_stem(c->st, (const sb_symbol *)t->term, (int)t->term_len);
    size_t n = (size_t)sb_stemmer_length(c->st);
    c->tokens++;
    c->wrong += !(want && n == t->stem_len && memcmp(want, t->stem, n) == 0);
    c->unterminated += t->stem[t->stem_len] != '\0' || t->term[t->term_len] != '\0';
    c->long_stems += t->stem_len >= 12 && t->stem_len <= 14;
    return 0;
}

START_TEST(test_stem_cache)
{
    /* 80,000 words of 1 to 18 letters over a small alphabet, so that many
     * repeat and real suffixes occur: enough to grow the cache to its
     * largest size and fill it, then run again over a full cache. */
    static const char *parts[] = { "shop", "ing", "s", "ed", "ness", "ly", "a", "tion", "al",
                                   "e", "ies", "y", "run", "ful", "er", "est", "ize", "ation" };
    size_t cap = 80000 * 20, n = 0;
    char *text = malloc(cap);
    sou_analyzer *a = make(SOU_CJK_HYBRID, NULL, 0);
    stem_check c = { sb_stemmer_new("english", "UTF_8"), 0, 0, 0, 0 };
    uint64_t seed = 42;

    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(c.st);
    for (int w = 0; w < 80000; w++) {
        size_t k = 1 + rng_next(&seed) % 4;
        for (size_t j = 0; j < k; j++) {
            const char *p = parts[rng_next(&seed) % (sizeof parts / sizeof parts[0])];
            size_t m = strlen(p);
            if (n + m + 2 >= cap)
                break;
            memcpy(text + n, p, m);
            n += m;
        }
        text[n++] = (rng_next(&seed) % 7) ? ' ' : 'x';
    }
    for (int pass = 0; pass < 2; pass++) {
        ck_assert_int_eq(sou_analyzer_tokenize(a, text, n, check_stem, &c), SOU_OK);
        ck_assert_uint_eq(c.wrong, 0);
        ck_assert_uint_eq(c.unterminated, 0);
    }
    ck_assert_uint_gt(c.tokens, 100000);
    /* Stems at the cache's size limit occur, from the cache on the second pass. */
    ck_assert_uint_gt(c.long_stems, 1000);
    sb_stemmer_delete(c.st);
    sou_analyzer_free(a);
    free(text);
}
END_TEST

START_TEST(test_modes)
{
    /* 阿里巴巴集团 */
    const char *t = "\xe9\x98\xbf\xe9\x87\x8c\xe5\xb7\xb4\xe5\xb7\xb4\xe9\x9b\x86\xe5\x9b\xa2";
    sou_analyzer *w = make(SOU_CJK_WORDS, NULL, 0);
    sou_analyzer *c = make(SOU_CJK_CHARS, NULL, 0);
    char *got;

    got = tu_terms(w, t, strlen(t));
    ck_assert_str_eq(got, "\xe9\x98\xbf\xe9\x87\x8c\xe5\xb7\xb4\xe5\xb7\xb4 \xe9\x9b\x86\xe5\x9b\xa2");
    free(got);
    got = tu_terms(c, t, strlen(t));
    ck_assert_str_eq(got, "\xe9\x98\xbf \xe9\x87\x8c \xe5\xb7\xb4 \xe5\xb7\xb4 \xe9\x9b\x86 \xe5\x9b\xa2");
    free(got);
    /* Kana and Hangul follow the mode as Han does. */
    t = "東京タワー 대한민국의";
    got = tu_tokens(w, t, strlen(t));
    ck_assert_str_eq(got, "東京タワー@0[0,15) 대한민국의@1[16,31)");
    free(got);
    got = tu_tokens(c, t, strlen(t));
    ck_assert_str_eq(got, "東@0[0,3) 京@1[3,6) タ@2[6,9) ワ@3[9,12) ー@4[12,15) 대@6[16,19) "
                          "한@7[19,22) 민@8[22,25) 국@9[25,28) 의@10[28,31)");
    free(got);
    sou_analyzer_free(w);
    sou_analyzer_free(c);
}
END_TEST

START_TEST(test_fold_hant)
{
    /* 臺灣的電腦 folds to the terms of 台湾的电脑, spans on the original */
    const char *hant = "\xe8\x87\xba\xe7\x81\xa3\xe7\x9a\x84\xe9\x9b\xbb\xe8\x85\xa6";
    const char *hans = "\xe5\x8f\xb0\xe6\xb9\xbe\xe7\x9a\x84\xe7\x94\xb5\xe8\x84\x91";
    sou_analyzer *f = make(SOU_CJK_HYBRID, NULL, 1);
    sou_analyzer *p = make(SOU_CJK_HYBRID, NULL, 0);
    char *a = tu_tokens(f, hant, strlen(hant));
    char *b = tu_tokens(p, hans, strlen(hans));

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(a, b);
    ck_assert_ptr_nonnull(strstr(a, "+\xe5\x8f\xb0\xe6\xb9\xbe@0[0,6)"));
    ck_assert_int_eq(sou_analyzer_options_get(f)->fold_hant, 1);
    free(a);
    free(b);
    sou_analyzer_free(f);
    sou_analyzer_free(p);
}
END_TEST

/* Every span slices the input, and for plain lower-case ASCII words the
 * slice is the term itself. */
typedef struct spancheck {
    const char *text;
    size_t len;
    size_t count;
    uint32_t last_pos;
    size_t bad; /* tokens that broke a rule; asserting per token would be slow in Check */
} spancheck;

static int check_span(const sou_token *t, void *payload)
{
    spancheck *c = payload;
    int ok = t->start < t->end && t->end <= c->len && t->term_len <= SOU_TERM_MAX &&
             strlen(t->term) == t->term_len;
    if (c->count && !(t->flags & SOU_TOKEN_COMPOUND))
        ok = ok && t->position > c->last_pos;
    c->bad += !ok;
    c->last_pos = t->position;
    c->count++;
    return 0;
}

START_TEST(test_large_input)
{
    /* 10 MB of mixed text made of a repeated unit with a known token count. */
    const char *unit = "Alibaba shopping \xe6\xb7\x98\xe5\xae\x9d\xe7\xbd\x91 42. ";
    size_t ulen = strlen(unit), reps = (10u << 20) / ulen, len = ulen * reps;
    char *text = malloc(len);
    sou_analyzer *a = make(SOU_CJK_HYBRID, NULL, 0);
    spancheck c = { text, len, 0, 0, 0 };

    ck_assert_ptr_nonnull(text);
    for (size_t i = 0; i < reps; i++)
        memcpy(text + i * ulen, unit, ulen);
    ck_assert_int_eq(sou_analyzer_tokenize(a, text, len, check_span, &c), SOU_OK);
    /* alibaba, shopping, 淘, 宝, 网, 42 per unit */
    ck_assert_uint_eq(c.count, 6 * reps);
    ck_assert_uint_eq(c.bad, 0);
    ck_assert_uint_eq(c.last_pos, 6 * reps - 1);
    free(text);
    sou_analyzer_free(a);
}
END_TEST

typedef struct one {
    int n;
    sou_token tok;
} one;

static int keep_first(const sou_token *t, void *payload)
{
    one *o = payload;
    if (o->n++ == 0)
        o->tok = *t;
    return 0;
}

START_TEST(test_long_token)
{
    /* a 100 KB word: cut to the term limit on a character boundary, span whole */
    size_t n = 100 * 1024;
    char *text = malloc(n);
    sou_analyzer *a = make(SOU_CJK_HYBRID, "none", 0);
    one o = { 0, { 0 } };

    ck_assert_ptr_nonnull(text);
    text[0] = 'x';
    for (size_t i = 1; i + 1 < n; i += 2) {
        text[i] = '\xc3';
        text[i + 1] = '\xa9'; /* é */
    }
    text[n - 1] = 'y';
    ck_assert_int_eq(sou_analyzer_tokenize(a, text, n, keep_first, &o), SOU_OK);
    ck_assert_int_eq(o.n, 1);
    ck_assert_uint_eq(o.tok.start, 0);
    ck_assert_uint_eq(o.tok.end, n);
    /* 1 + 2k bytes: byte 200 would split an é, so 199 */
    ck_assert_uint_eq(o.tok.term_len, 199);
    ck_assert(o.tok.flags & SOU_TOKEN_TRUNCATED);

    memset(text, 'a', n);
    o.n = 0;
    ck_assert_int_eq(sou_analyzer_tokenize(a, text, n, keep_first, &o), SOU_OK);
    ck_assert_int_eq(o.n, 1);
    ck_assert_uint_eq(o.tok.term_len, SOU_TERM_MAX);
    ck_assert_uint_eq(o.tok.end, n);
    free(text);
    sou_analyzer_free(a);
}
END_TEST

static int stop_at_second(const sou_token *t, void *payload)
{
    int *n = payload;
    (void)t;
    return ++*n == 2 ? 7 : 0;
}

START_TEST(test_callback_stop)
{
    sou_analyzer *a = make(SOU_CJK_HYBRID, NULL, 0);
    int n = 0;
    ck_assert_int_eq(sou_analyzer_tokenize(a, "one two three", 13, stop_at_second, &n), 7);
    ck_assert_int_eq(n, 2);
    sou_analyzer_free(a);
}
END_TEST

/* ------------------------------------------------- the ASCII fast path */

/* Both paths must give the same tokens. */
static void same_both_ways(sou_analyzer *fast, sou_analyzer *icu, const char *s, size_t n)
{
    char *x = tu_tokens(fast, s, n);
    char *y = tu_tokens(icu, s, n);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(y);
    ck_assert_msg(strcmp(x, y) == 0, "fast path differs on \"%.*s\":\n fast %s\n icu  %s",
                  (int)n, s, x, y);
    free(x);
    free(y);
}

START_TEST(test_fast_path_random_ascii)
{
    /* Characters chosen to exercise the joining rules. */
    static const char alphabet[] = "aZ09._',;:@- \t\r\n!x1sA[`{Mz";
    sou_analyzer *fast = make(SOU_CJK_HYBRID, NULL, 0);
    sou_analyzer *icu = make(SOU_CJK_HYBRID, NULL, 0);
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    char buf[64];

    sou__analyzer_set_fast_ascii(icu, 0);
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 1 + rng_next(&seed) % (sizeof buf - 1);
        for (size_t i = 0; i < n; i++)
            buf[i] = alphabet[rng_next(&seed) % (sizeof alphabet - 1)];
        same_both_ways(fast, icu, buf, n);
    }
    /* every printable ASCII pair and triple around a letter and a digit */
    for (int c1 = 32; c1 < 127; c1++) {
        for (int c2 = 32; c2 < 127; c2++) {
            char t[6] = { 'a', (char)c1, (char)c2, '1', (char)c1, 'b' };
            same_both_ways(fast, icu, t, sizeof t);
        }
    }
    sou_analyzer_free(fast);
    sou_analyzer_free(icu);
}
END_TEST

START_TEST(test_fast_path_random_mixed)
{
    /* ASCII runs of all lengths next to non-ASCII words, marks and spaces. */
    static const char *pieces[] = {
        "a", "Zed", " ", "  ", ".", "'", "1", "2.5", "_", "\n",
        "\xe4\xb8\xad", "\xe6\x96\x87", "\xc3\xa9", "\xcc\x81", "\xe2\x80\x99",
        "\xef\xbc\xa1", "\xe3\x80\x82", "\xf0\x9f\x98\x80", "\xe2\x80\x8d", "\xd0\xb4",
        "\xe2\x80\x98", "\xe2\x80\x9c", "\xe2\x80\x9d", "\xe2\x80\x93", "\xe2\x80\x94",
        "\xe2\x80\xa6", "s", "9", ",", "\xe2\x80\x99s", "\xe2\x80\x99", "\xe2\x80",
        "the quick brown fox jumps over the lazy dog and keeps on running ",
    };
    sou_analyzer *fast = make(SOU_CJK_HYBRID, NULL, 0);
    sou_analyzer *icu = make(SOU_CJK_HYBRID, NULL, 0);
    uint64_t seed = 12345;
    char buf[1024];

    sou__analyzer_set_fast_ascii(icu, 0);
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 0, k = 1 + rng_next(&seed) % 24;
        for (size_t i = 0; i < k; i++) {
            const char *p = pieces[rng_next(&seed) % (sizeof pieces / sizeof pieces[0])];
            size_t m = strlen(p);
            if (n + m > sizeof buf)
                break;
            memcpy(buf + n, p, m);
            n += m;
        }
        same_both_ways(fast, icu, buf, n);
    }
    sou_analyzer_free(fast);
    sou_analyzer_free(icu);
}
END_TEST

/* With SOU_CORPUS_DIR set (ctest sets it when ../shared/corpus exists):
 * the fast path equals ICU over every line of the English novels and the
 * mixed seeds. */
static void diff_file(sou_analyzer *fast, sou_analyzer *icu, const char *path)
{
    FILE *f = fopen(path, "rb");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lines = 0;

    ck_assert_msg(f != NULL, "cannot open %s", path);
    while ((n = getline(&line, &cap, f)) > 0) {
        same_both_ways(fast, icu, line, (size_t)n);
        lines++;
    }
    ck_assert_int_gt(lines, 0);
    free(line);
    fclose(f);
}

START_TEST(test_fast_path_corpus)
{
    static const char *files[] = {
        "en/pg1342.txt", "en/pg2641.txt", "en/pg2701.txt", "en/pg37106.txt",
        "en/pg64317.txt", "en/pg84.txt", "seeds/000_ab075edec9acc55e.txt",
        "seeds/001_b73d9ef0c0ba2db4.txt", "seeds/002_08b5d9fdbbac5227.txt",
        "seeds/003_8ad93edf585f1e34.txt", "seeds/004_7254f6153017d3c5.txt",
    };
    const char *dir = getenv("SOU_CORPUS_DIR");
    sou_analyzer *fast, *icu;
    char path[4096];

    if (!dir || !*dir)
        return; /* registered as its own ctest only where the corpus exists */
    fast = make(SOU_CJK_HYBRID, NULL, 0);
    icu = make(SOU_CJK_HYBRID, NULL, 0);
    sou__analyzer_set_fast_ascii(icu, 0);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        diff_file(fast, icu, path);
    }
    sou_analyzer_free(fast);
    sou_analyzer_free(icu);
}
END_TEST

/* ------------------------------------------------------------- errors */

START_TEST(test_errors)
{
    sou_analyzer_options o = SOU_ANALYZER_OPTIONS_INIT;
    sou_analyzer *a = (sou_analyzer *)&o;
    sou_cjk_mode m;

    ck_assert_int_eq(sou_analyzer_new(NULL, NULL), SOU_EINVAL);
    o.stemmer = "klingon";
    ck_assert_int_eq(sou_analyzer_new(&a, &o), SOU_EINVAL);
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "klingon"));
    o.stemmer = NULL;
    o.cjk = (sou_cjk_mode)9;
    ck_assert_int_eq(sou_analyzer_new(&a, &o), SOU_EINVAL);
    o.cjk = SOU_CJK_HYBRID;
    o.version = 99;
    ck_assert_int_eq(sou_analyzer_new(&a, &o), SOU_EINVAL);
    ck_assert_int_eq(sou_analyzer_new(&a, NULL), SOU_OK);
    ck_assert_int_eq(sou_analyzer_tokenize(a, NULL, 3, keep_first, NULL), SOU_EINVAL);
    ck_assert_int_eq(sou_analyzer_tokenize(a, "x", 1, NULL, NULL), SOU_EINVAL);
    ck_assert_int_eq(sou_analyzer_tokenize(a, NULL, 0, keep_first, NULL), SOU_OK);
    ck_assert_int_eq(sou_cjk_mode_parse("words", &m), SOU_OK);
    ck_assert_int_eq(m, SOU_CJK_WORDS);
    ck_assert_int_eq(sou_cjk_mode_parse("bigrams", &m), SOU_EINVAL);
    ck_assert_ptr_null(sou_cjk_mode_name((sou_cjk_mode)9));
    ck_assert_str_eq(sou_token_kind_name(SOU_TOKEN_IDEOGRAPHIC), "ideographic");
    sou_analyzer_free(a);
    sou_analyzer_free(NULL);
}
END_TEST

START_TEST(test_clone)
{
    sou_analyzer *a = make(SOU_CJK_WORDS, "none", 1), *b = NULL;
    const char *t = "Shops \xe8\x87\xba\xe7\x81\xa3";
    char *x, *y;

    ck_assert_int_eq(sou_analyzer_clone(&b, a), SOU_OK);
    ck_assert_int_eq(sou_analyzer_options_get(b)->cjk, SOU_CJK_WORDS);
    ck_assert_str_eq(sou_analyzer_options_get(b)->stemmer, "none");
    x = tu_tokens(a, t, strlen(t));
    y = tu_tokens(b, t, strlen(t));
    ck_assert_str_eq(x, y);
    free(x);
    free(y);
    sou_analyzer_free(a);
    sou_analyzer_free(b);
}
END_TEST

START_TEST(test_alloc_failure)
{
    /* Fail each allocation in turn: every failure is SOU_ENOMEM, nothing leaks. */
    const char *t = "Shopping \xe9\x98\xbf\xe9\x87\x8c\xe5\xb7\xb4\xe5\xb7\xb4 caf\xc3\xa9";
    int saw_ok = 0;
    for (long k = 0; k < 64 && !saw_ok; k++) {
        sou_analyzer *a = NULL;
        int rc;
        sou__alloc_fail_after(k, 0);
        rc = sou_analyzer_new(&a, NULL);
        if (rc == SOU_OK) {
            char *toks = NULL;
            rc = sou_analyzer_tokenize(a, t, strlen(t), keep_first, &(one){ 0, { 0 } });
            if (rc == SOU_OK) {
                sou__alloc_fail_after(-1, 0);
                toks = tu_terms(a, t, strlen(t));
                ck_assert_ptr_nonnull(toks);
                free(toks);
                saw_ok = 1;
            }
        } else {
            ck_assert_ptr_null(a);
        }
        sou__alloc_fail_after(-1, 0);
        ck_assert_msg(rc == SOU_OK || rc == SOU_ENOMEM, "k=%ld rc=%d", k, rc);
        if (rc == SOU_ENOMEM)
            ck_assert_int_eq(sou_error_last()->code, SOU_ENOMEM);
        sou_analyzer_free(a);
    }
    ck_assert(saw_ok);
}
END_TEST

/* ------------------------------------------------------------- recall */

/* Every substring of 2 to 4 characters of Han, kana or Hangul that occurs
 * in a sentence of the fixtures, searched as typed, returns exactly the
 * sentences that contain it once NFKC case folded. */

static int is_cjk_cp(uint32_t c)
{
    return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x1100 && c <= 0x11FF);
}

/* Byte length of the UTF-8 sequence at s (valid input), and its code point. */
static size_t cp_at(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    if (u[0] < 0xE0) {
        *cp = (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
        return 2;
    }
    if (u[0] < 0xF0) {
        *cp = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
        return 3;
    }
    *cp = (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
          (uint32_t)(u[2] & 0x3F) << 6 | (u[3] & 0x3F);
    return 4;
}

static char *nfkc_casefold(const char *s)
{
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *n = unorm2_getNFKCCasefoldInstance(&err);
    UChar in[1024], out[2048];
    int32_t ilen, olen, blen;
    char *b = malloc(4 * 2048 + 1);

    ck_assert_ptr_nonnull(b);
    u_strFromUTF8(in, 1024, &ilen, s, -1, &err);
    olen = unorm2_normalize(n, in, ilen, out, 2048, &err);
    u_strToUTF8(b, 4 * 2048, &blen, out, olen, &err);
    ck_assert_msg(U_SUCCESS(err), "ICU: %s", u_errorName(err));
    b[blen] = '\0';
    return b;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct recall_stats {
    size_t queries, relevant, found, returned;
} recall_stats;

/* Index the sentences of fixture in mode, run every substring query and
 * count; with must_be_exact, fail on the first query that misses a
 * sentence or finds one too many. */
static void substring_recall(const char *fixture, sou_cjk_mode mode, int must_be_exact,
                             recall_stats *st)
{
    char path[4096], line[1024];
    char *lines[256], *norm[256], **subs = NULL;
    size_t nlines = 0, nsubs = 0, cap = 0;
    char *dir = tu_tempdir();
    sou_analyzer_options ao = SOU_ANALYZER_OPTIONS_INIT;
    sou_index_options io = SOU_INDEX_OPTIONS_INIT;
    sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
    sou_index *ix = NULL;
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", SOU_TEST_FIXTURES, fixture);
    ck_assert_msg((f = fopen(path, "r")) != NULL, "cannot open %s", path);
    while (nlines < 256 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        ck_assert_ptr_nonnull(lines[nlines] = strdup(line));
        norm[nlines] = nfkc_casefold(line);
        nlines++;
    }
    fclose(f);
    ck_assert_uint_ge(nlines, 30);

    ao.cjk = mode;
    io.flags = SOU_INDEX_CREATE;
    io.analyzer = &ao;
    ck_assert_int_eq(sou_index_open(&ix, dir, &io), SOU_OK);
    for (size_t i = 0; i < nlines; i++) {
        char id[16];
        sou_doc *d = NULL;
        snprintf(id, sizeof id, "%zu", i);
        ck_assert_int_eq(sou_doc_new(&d, id, strlen(id)), SOU_OK);
        ck_assert_int_eq(sou_doc_add_field(d, "body", lines[i], strlen(lines[i]), 0, 0), SOU_OK);
        ck_assert_int_eq(sou_index_add(ix, d), SOU_OK);
        sou_doc_free(d);
    }
    ck_assert_int_eq(sou_index_commit(ix), SOU_OK);

    /* The distinct substrings of 2-4 characters inside runs of CJK text. */
    for (size_t i = 0; i < nlines; i++) {
        const char *t = norm[i];
        size_t starts[1024], n = 0;
        uint32_t cp = 0;
        for (size_t b = 0;;) {
            size_t l = t[b] ? cp_at(t + b, &cp) : 0;
            if (!l || !is_cjk_cp(cp)) {
                /* a run of n characters ends at b */
                starts[n] = b;
                for (size_t k = 0; k < n; k++) {
                    for (size_t m = 2; m <= 4 && k + m <= n; m++) {
                        if (nsubs == cap) {
                            cap = cap ? 2 * cap : 1024;
                            ck_assert_ptr_nonnull(subs = realloc(subs, cap * sizeof *subs));
                        }
                        ck_assert_ptr_nonnull(subs[nsubs++] = strndup(t + starts[k],
                                                                       starts[k + m] - starts[k]));
                    }
                }
                n = 0;
                if (!l)
                    break;
                b += l;
                continue;
            }
            starts[n++] = b;
            b += l;
        }
    }
    qsort(subs, nsubs, sizeof *subs, cmp_str);

    so.limit = nlines;
    so.flags = SOU_SEARCH_NO_SNIPPETS;
    for (size_t q = 0; q < nsubs; q++) {
        unsigned char want[256] = { 0 }, got[256] = { 0 };
        sou_results *r = NULL;
        if (q > 0 && strcmp(subs[q], subs[q - 1]) == 0)
            continue;
        st->queries++;
        for (size_t i = 0; i < nlines; i++)
            if (strstr(norm[i], subs[q])) {
                want[i] = 1;
                st->relevant++;
            }
        ck_assert_msg(sou_index_search(ix, subs[q], strlen(subs[q]), &so, &r) == SOU_OK,
                      "search '%s': %s", subs[q], sou_error_last()->message);
        for (size_t h = 0; h < sou_results_count(r); h++) {
            size_t i = (size_t)strtoul(sou_results_id(r, h, NULL), NULL, 10);
            /* Substring matches are the exact level; the relaxed ones
             * (words apart, some of them) follow them and are not counted. */
            if (sou_results_level(r, h, NULL, NULL) != SOU_MATCH_EXACT)
                break;
            got[i] = 1;
            st->returned++;
            st->found += want[i];
        }
        for (size_t i = 0; must_be_exact && i < nlines; i++)
            ck_assert_msg(want[i] == got[i], "%s, mode %s: '%s' %s sentence %zu: %s", fixture,
                          sou_cjk_mode_name(mode), subs[q], want[i] ? "misses" : "wrongly finds",
                          i, lines[i]);
        sou_results_free(r);
    }
    for (size_t q = 0; q < nsubs; q++)
        free(subs[q]);
    free(subs);
    for (size_t i = 0; i < nlines; i++) {
        free(lines[i]);
        free(norm[i]);
    }
    sou_index_close(ix);
    tu_rmtree(dir);
    free(dir);
}

static void report_recall(const char *name, sou_cjk_mode mode, const recall_stats *st)
{
    /* The figures, for notes and docs: CK_VERBOSITY=verbose prints them. */
    const char *v = getenv("CK_VERBOSITY");
    if (v && strcmp(v, "verbose") == 0)
        printf("%s %s: %zu queries, recall %.4f, precision %.4f\n", name,
               sou_cjk_mode_name(mode), st->queries,
               st->relevant ? (double)st->found / (double)st->relevant : 1.0,
               st->returned ? (double)st->found / (double)st->returned : 1.0);
}

START_TEST(test_substring_recall)
{
    static const char *const fixtures[] = { "ja.txt", "ko.txt" };
    static const sou_cjk_mode modes[] = { SOU_CJK_HYBRID, SOU_CJK_CHARS };
    int exact = getenv("SOU_RECALL_REPORT_ONLY") == NULL;

    for (size_t fi = 0; fi < 2; fi++) {
        for (size_t mi = 0; mi < 2; mi++) {
            recall_stats st = { 0, 0, 0, 0 };
            substring_recall(fixtures[fi], modes[mi], exact, &st);
            report_recall(fixtures[fi], modes[mi], &st);
            ck_assert_uint_gt(st.queries, 400);
            if (exact) {
                ck_assert_uint_eq(st.found, st.relevant);
                ck_assert_uint_eq(st.found, st.returned);
            }
        }
        /* Words mode: dictionary words only, reported but not required. */
        {
            recall_stats st = { 0, 0, 0, 0 };
            substring_recall(fixtures[fi], SOU_CJK_WORDS, 0, &st);
            report_recall(fixtures[fi], SOU_CJK_WORDS, &st);
        }
    }
}
END_TEST

Suite *sou_analyzer_suite(void)
{
    Suite *s = suite_create("analyzer");
    TCase *core = tcase_create("core");
    TCase *limits = tcase_create("limits");
    TCase *fast = tcase_create("fastpath");
    TCase *errors = tcase_create("errors");
    TCase *corpus = tcase_create("corpus");
    TCase *recall = tcase_create("recall");

    tcase_add_test(core, test_english);
    tcase_add_test(core, test_chinese);
    tcase_add_test(core, test_scripts);
    tcase_add_test(core, test_stemming);
    tcase_add_test(core, test_modes);
    tcase_add_test(core, test_short_words_unstemmed);
    tcase_add_test(core, test_stem_cache);
    tcase_add_test(core, test_fold_hant);
    tcase_add_test(core, test_callback_stop);
    tcase_add_test(core, test_clone);
    tcase_add_test(limits, test_large_input);
    tcase_add_test(limits, test_long_token);
    tcase_set_timeout(limits, 120);
    tcase_add_test(fast, test_fast_path_random_ascii);
    tcase_add_test(fast, test_fast_path_random_mixed);
    tcase_set_timeout(fast, 300);
    tcase_add_test(errors, test_errors);
    tcase_add_test(errors, test_alloc_failure);
    tcase_add_test(corpus, test_fast_path_corpus);
    tcase_add_test(recall, test_substring_recall);
    tcase_set_timeout(corpus, 600);
    tcase_set_timeout(recall, 300);
    suite_add_tcase(s, core);
    suite_add_tcase(s, limits);
    suite_add_tcase(s, fast);
    suite_add_tcase(s, errors);
    suite_add_tcase(s, corpus);
    suite_add_tcase(s, recall);
    return s;
}
