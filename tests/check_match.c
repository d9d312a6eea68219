/* check_match.c: what queries as people type them return, and at which
 * match level, on English, Chinese, Japanese, Korean and mixed documents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sou.h"
#include "suites.h"
#include "testutil.h"

static const char *const DOCS[][3] = {
    { "e1", "Heated models in the wind tunnel",
      "Aeroelastic models of aircraft are tested in a wind tunnel at high speed." },
    { "e2", "Speed limits", "The speed of sound limits high speed aircraft." },
    { "e3", "Cats and dogs", "The cats sleep while the dogs bark." },
    { "e4", "Kitchen", "A cat sat in the kitchen, far from the dog." },
    { "z1", "天气", "北京今天天气晴朗，适合出门。" },
    { "z2", "上海", "上海明天有雨。" },
    { "z3", "北京天气预报", "北京天气预报说周末降温。" },
    { "z4", "收入", "公司收入2019年增长了７.４亿元。" },
    { "j1", "東京", "東京タワーは夜にきれいです。" },
    { "j2", "野球", "東京ドームで野球を見ました。" },
    { "k1", "한국", "대한민국의 수도는 서울입니다." },
    { "m1", "Alibaba Cloud", "阿里巴巴 cloud services in 杭州" },
};
#define NDOCS (sizeof DOCS / sizeof DOCS[0])

static char *dir;
static sou_index *ix;

static void build(void)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;

    dir = tu_tempdir();
    ck_assert_ptr_nonnull(dir);
    o.flags = SOU_INDEX_CREATE;
    ck_assert_int_eq(sou_index_open(&ix, dir, &o), SOU_OK);
    for (size_t i = 0; i < NDOCS; i++) {
        sou_doc *d = NULL;
        ck_assert_int_eq(sou_doc_new(&d, DOCS[i][0], strlen(DOCS[i][0])), SOU_OK);
        ck_assert_int_eq(sou_doc_add_field(d, "title", DOCS[i][1], strlen(DOCS[i][1]), 0, 0),
                         SOU_OK);
        ck_assert_int_eq(sou_doc_add_field(d, "body", DOCS[i][2], strlen(DOCS[i][2]), 0, 0),
                         SOU_OK);
        ck_assert_int_eq(sou_index_add(ix, d), SOU_OK);
        sou_doc_free(d);
    }
    ck_assert_int_eq(sou_index_commit(ix), SOU_OK);
}

static void teardown(void)
{
    sou_index_close(ix);
    ix = NULL;
    tu_rmtree(dir);
    free(dir);
    dir = NULL;
}

/* Hits in rank order: "id" for an exact match, "id~" for all words apart,
 * "id~K/N" for K of the N words; then "| total" with "+" for a lower
 * bound. */
static const char *levels_of(const char *q, unsigned int flags)
{
    static char buf[1024];
    sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r = NULL;
    size_t n = 0;

    so.limit = 20;
    so.flags = SOU_SEARCH_NO_SNIPPETS | flags;
    ck_assert_msg(sou_index_search(ix, q, strlen(q), &so, &r) == SOU_OK, "'%s': %s", q,
                  sou_error_last()->message);
    buf[0] = '\0';
    for (size_t i = 0; i < sou_results_count(r); i++) {
        size_t matched, words;
        sou_match_level lv = sou_results_level(r, i, &matched, &words);
        const char *id = sou_results_id(r, i, NULL);
        if (lv == SOU_MATCH_EXACT)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s ", id);
        else if (lv == SOU_MATCH_ALL_WORDS)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s~ ", id);
        else
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s~%zu/%zu ", id, matched, words);
    }
    snprintf(buf + n, sizeof buf - n, "| %llu%s", (unsigned long long)sou_results_total(r),
             sou_results_total_exact(r) ? "" : "+");
    sou_results_free(r);
    return buf;
}

typedef struct {
    const char *q;
    unsigned int flags;
    const char *want;
} mcase;

static void run(const mcase *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *got = levels_of(c[i].q, c[i].flags);
        if (getenv("DUMP_GOT")) {
            fprintf(stderr, "GOT\t%s\t%s\n", c[i].q, got);
            continue;
        }
        ck_assert_msg(strcmp(got, c[i].want) == 0, "'%s': got '%s', want '%s'", c[i].q, got,
                      c[i].want);
    }
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define STRICT SOU_SEARCH_STRICT

START_TEST(test_english)
{
    static const mcase cases[] = {
        { "cats", 0, "e3 e4 | 2" },
        /* stopwords leave a query that has other words */
        { "the of cats", 0, "e3 e4 | 2" },
        /* no document has every word: the most words first */
        { "what similarity laws must be obeyed when constructing aeroelastic models of "
          "heated high speed aircraft",
          0, "e1~6/11 e2~3/11 | 2" },
        { "what similarity laws must be obeyed when constructing aeroelastic models of "
          "heated high speed aircraft",
          STRICT, "| 0" },
        { "cats kitchen", 0, "e4 e3~1/2 | 2" },
        { "cats kitchen", STRICT, "e4 | 1" },
        /* a phrase is one word of the relaxed levels, never split */
        { "\"cats sleep\" kitchen", 0, "e3~1/2 e4~1/2 | 2" },
        { "\"sleep cats\" kitchen", 0, "e4~1/2 | 1" },
        /* what the user wrote explicitly is never relaxed */
        { "cats AND kitchen", 0, "e4 | 1" },
        { "+cats kitchen", 0, "e4 | 1" },
        { "cats -kitchen dogs", 0, "e3 | 1" },
        { "title:speed cats", 0, "| 0" },
        /* a stopword asked for in a field is kept */
        { "title:the aircraft", 0, "e1 | 1" },
        /* closer words rank higher: e2 has "high speed" twice together */
        { "speed high", 0, "e2 e1 | 2" },
    };
    build();
    run(cases, N(cases));
    teardown();
}
END_TEST

START_TEST(test_chinese)
{
    static const mcase cases[] = {
        /* the run as typed first, then its words apart */
        { "北京天气", 0, "z3 z1~ | 2" },
        { "北京天气", STRICT, "z3 | 1" },
        { "北京的天气怎么样", 0, "z3~2/5 z1~2/5 | 2" },
        { "上海天气", 0, "z2~1/2 z1~1/2 z3~1/2 | 3" },
        /* any substring, dictionary word or not */
        { "京天", 0, "z3 | 1" },
        /* no dictionary word in the run: its characters apart mean little */
        { "京雨", 0, "| 0" },
        { "2019", 0, "z4 | 1" },
        { "7.4", 0, "z4 | 1" },
        { "北京 -预报", 0, "z1 | 1" },
    };
    build();
    run(cases, N(cases));
    teardown();
}
END_TEST

START_TEST(test_japanese_korean)
{
    static const mcase cases[] = {
        /* katakana inside a kanji+katakana word */
        { "タワー", 0, "j1 | 1" },
        { "ドーム", 0, "j2 | 1" },
        { "東京", 0, "j1 j2 | 2" },
        /* a Hangul word with its particle */
        { "대한민국", 0, "k1 | 1" },
        { "서울", 0, "k1 | 1" },
    };
    build();
    run(cases, N(cases));
    teardown();
}
END_TEST

START_TEST(test_mixed)
{
    static const mcase cases[] = {
        { "阿里巴巴 cloud", 0, "m1 | 1" },
        { "阿里巴巴 services 杭州", 0, "m1 | 1" },
        { "阿里巴巴 kitchen", 0, "m1~1/2 e4~1/2 | 2" },
    };
    build();
    run(cases, N(cases));
    teardown();
}
END_TEST

/* Totals are exact up to exact_total, a lower bound beyond it. */
START_TEST(test_totals)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r = NULL;
    char id[16];

    dir = tu_tempdir();
    o.flags = SOU_INDEX_CREATE;
    ck_assert_int_eq(sou_index_open(&ix, dir, &o), SOU_OK);
    for (int i = 0; i < 3000; i++) {
        sou_doc *d = NULL;
        const char *body = i % 3 ? "中国的河流" : "中国的山";
        snprintf(id, sizeof id, "%d", i);
        ck_assert_int_eq(sou_doc_new(&d, id, strlen(id)), SOU_OK);
        ck_assert_int_eq(sou_doc_add_field(d, "body", body, strlen(body), 0, 0), SOU_OK);
        ck_assert_int_eq(sou_index_add(ix, d), SOU_OK);
        sou_doc_free(d);
    }
    ck_assert_int_eq(sou_index_commit(ix), SOU_OK);

    so.flags = SOU_SEARCH_NO_SNIPPETS;
    ck_assert_int_eq(sou_index_search(ix, "中国", 6, &so, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_total(r), 3000);
    ck_assert(sou_results_total_exact(r));
    ck_assert_uint_eq(sou_results_count(r), 10);
    sou_results_free(r);
    ck_assert_int_eq(sou_index_search(ix, "河流", 6, &so, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_total(r), 2000);
    ck_assert(sou_results_total_exact(r));
    sou_results_free(r);

    so.exact_total = 500;
    ck_assert_int_eq(sou_index_search(ix, "中国", 6, &so, &r), SOU_OK);
    ck_assert(!sou_results_total_exact(r));
    ck_assert_uint_ge(sou_results_total(r), 500);
    ck_assert_uint_le(sou_results_total(r), 3000);
    sou_results_free(r);

    /* Version 1 options count exactly to the default. */
    so.version = 1;
    ck_assert_int_eq(sou_index_search(ix, "中国", 6, &so, &r), SOU_OK);
    ck_assert(sou_results_total_exact(r));
    sou_results_free(r);
    teardown();
}
END_TEST

/* Nothing found: each word with its document count and a suggestion. */
START_TEST(test_words_explained)
{
    sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r = NULL;
    const char *sugg, *w;
    uint64_t docs;
    size_t len;

    build();
    /* A query of stopwords only keeps them. */
    ck_assert_int_eq(sou_index_search(ix, "the who", 7, &so, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_total(r), 4);
    ck_assert_uint_eq(sou_results_stopwords(r), 0);
    sou_results_free(r);
    ck_assert_int_eq(sou_index_search(ix, "kichen zebras", 13, &so, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_count(r), 0);
    ck_assert_uint_eq(sou_results_word_count(r), 2);
    w = sou_results_word(r, 0, &len, &docs, &sugg);
    ck_assert_str_eq(w, "kichen");
    ck_assert_uint_eq(docs, 0);
    ck_assert_str_eq(sugg, "kitchen");
    w = sou_results_word(r, 1, &len, &docs, &sugg);
    ck_assert_str_eq(w, "zebras");
    ck_assert_ptr_null(sugg);
    ck_assert_ptr_null(sou_results_word(r, 2, NULL, NULL, NULL));
    sou_results_free(r);

    /* With hits, only when asked. */
    ck_assert_int_eq(sou_index_search(ix, "cats", 4, &so, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_word_count(r), 0);
    sou_results_free(r);
    so.flags = SOU_SEARCH_EXPLAIN;
    ck_assert_int_eq(sou_index_search(ix, "the cats", 8, &so, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_word_count(r), 1);
    ck_assert_str_eq(sou_results_word(r, 0, NULL, &docs, NULL), "cats");
    ck_assert_uint_eq(docs, 2);
    ck_assert_uint_eq(sou_results_stopwords(r), 1);
    sou_results_free(r);

    /* Unknown flags are refused. */
    so.flags = 0x8000;
    ck_assert_int_eq(sou_index_search(ix, "cats", 4, &so, &r), SOU_EINVAL);
    teardown();
}
END_TEST

/* A query that expands past the term limit is refused, not run. */
START_TEST(test_too_large)
{
    size_t cap = 30000 * 6, n = 0;
    char *q = malloc(cap);
    sou_results *r = NULL;

    ck_assert_ptr_nonnull(q);
    build();
    for (int i = 0; i < 25000; i++)
        n += (size_t)snprintf(q + n, cap - n, "w%d ", i);
    ck_assert_int_eq(sou_index_search(ix, q, n, NULL, &r), SOU_EQUERY);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "too large"));
    free(q);
    teardown();
}
END_TEST

Suite *sou_match_suite(void)
{
    Suite *s = suite_create("match");
    TCase *tc = tcase_create("levels");
    tcase_add_test(tc, test_english);
    tcase_add_test(tc, test_chinese);
    tcase_add_test(tc, test_japanese_korean);
    tcase_add_test(tc, test_mixed);
    suite_add_tcase(s, tc);
    tc = tcase_create("totals");
    tcase_add_test(tc, test_totals);
    tcase_add_test(tc, test_words_explained);
    tcase_add_test(tc, test_too_large);
    suite_add_tcase(s, tc);
    return s;
}
