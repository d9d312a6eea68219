/* check_search.c: searching a small mixed English and Chinese index through
 * the public API. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sou.h"
#include "suites.h"
#include "testutil.h"

typedef struct {
    const char *id;
    const char *title;
    const char *body; /* NULL: no body; then extra goes in "summary" */
    const char *extra;
    double year;
} fixture_doc;

static const fixture_doc DOCS[] = {
    { "d01", "Shopping guide for rainy days",
      "The shops downtown open early. Bring an umbrella when you go shopping.", NULL, 2001 },
    { "d02", "Garden notes", "Tomatoes and peppers grow well in warm soil. Water the garden at dawn.",
      NULL, 2002 },
    { "d03", "阿里巴巴集团简介", "阿里巴巴集团总部位于杭州，经营电子商务和云计算业务。", NULL,
      2003 },
    { "d04", "杭州旅行", "西湖边的茶馆很安静。阿里和巴巴是两只猫的名字。", NULL, 2004 },
    { "d05", "北京奥运", "2008年夏天，北京举办了奥运会。", NULL, 2008 },
    { "d06", "Cloud computing basics",
      "阿里巴巴 cloud services and other cloud providers rent servers by the hour.", NULL, 2006 },
    { "d07", "Quick brown fox", "A quick brown fox jumps over the lazy dog near the river bank.",
      NULL, 2007 },
    { "d08", "Fox facts", "The brown bear and the quick fox rarely meet.", NULL, 1998 },
    { "d09", "River walk", "We walked along the river and watched the boats.", NULL, 1999 },
    { "d10", "Phone review", "这款iPhone手机的电池很耐用，屏幕也清晰。", NULL, 2010 },
    { "d11", "Email etiquette", "Keep every e-mail short and polite.", NULL, 2011 },
    { "d12", "Rainy weekend", "Rain all weekend, so the shopping trip moved indoors.", NULL, 2012 },
    { "d13", "Tea", "Green tea and black tea taste different.", NULL, 2013 },
    { "d14", "校园", "北京大学的图书馆很安静。", NULL, 2014 },
    { "d15", "游泳", "他长大学会了游泳。", NULL, 2015 },
    { "d16", "Paper lantern craft", "Fold the paper with care and glue the edges.", NULL, 2016 },
    { "d17", "Evening market", "Each stall hung a lantern above its table.", NULL, 2017 },
    { "d18", "Kite day", NULL, "Kites flew over the hill; one kite got stuck in a tree.", 2018 },
};
#define NDOCS (sizeof DOCS / sizeof DOCS[0])

static char *dir;
static sou_index *ix;

static void build(void)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_index *w = NULL;

    dir = tu_tempdir();
    ck_assert_ptr_nonnull(dir);
    o.flags = SOU_INDEX_CREATE;
    ck_assert_int_eq(sou_index_open(&w, dir, &o), SOU_OK);
    for (size_t i = 0; i < NDOCS; i++) {
        const fixture_doc *f = &DOCS[i];
        sou_doc *d = NULL;
        ck_assert_int_eq(sou_doc_new(&d, f->id, strlen(f->id)), SOU_OK);
        ck_assert_int_eq(sou_doc_add_field(d, "title", f->title, strlen(f->title), 0, 0), SOU_OK);
        if (f->body)
            ck_assert_int_eq(sou_doc_add_field(d, "body", f->body, strlen(f->body), 0, 0), SOU_OK);
        if (f->extra)
            ck_assert_int_eq(sou_doc_add_field(d, "summary", f->extra, strlen(f->extra), 0, 0),
                             SOU_OK);
        ck_assert_int_eq(sou_doc_set_value(d, "year", f->year), SOU_OK);
        ck_assert_int_eq(sou_index_add(w, d), SOU_OK);
        sou_doc_free(d);
    }
    ck_assert_int_eq(sou_index_commit(w), SOU_OK);
    sou_index_close(w);

    /* search through a reader, as applications do */
    o.flags = SOU_INDEX_READONLY;
    ck_assert_int_eq(sou_index_open(&ix, dir, &o), SOU_OK);
}

static void teardown(void)
{
    sou_index_close(ix);
    ix = NULL;
    tu_rmtree(dir);
    free(dir);
    dir = NULL;
}

static sou_results *search_opts(const char *q, const sou_search_options *o)
{
    sou_results *r = NULL;
    int rc = sou_index_search(ix, q, strlen(q), o, &r);
    ck_assert_msg(rc == SOU_OK, "search '%s': %d %s", q, rc, sou_error_last()->message);
    ck_assert_ptr_nonnull(r);
    return r;
}

/* The ids of all hits, space separated, in rank order (static buffer). */
static const char *ids_of(sou_results *r)
{
    static char buf[512];
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sou_results_count(r); i++) {
        size_t len;
        const char *id = sou_results_id(r, i, &len);
        ck_assert_ptr_nonnull(id);
        ck_assert_uint_lt(n + len + 2, sizeof buf);
        if (n)
            buf[n++] = ' ';
        memcpy(buf + n, id, len);
        n += len;
        buf[n] = '\0';
    }
    return buf;
}

/* The ids matching q (up to 50), sorted, so order does not matter. */
static const char *found(const char *q)
{
    static char buf[512];
    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r;
    const char *ids[50];
    size_t n, len = 0;

    o.limit = 50;
    o.flags = SOU_SEARCH_NO_SNIPPETS;
    r = search_opts(q, &o);
    n = sou_results_count(r);
    ck_assert_uint_le(n, 50);
    ck_assert_uint_eq(sou_results_total(r), n);
    /* A relaxed hit shows its level: "d04~" all words apart, "d01~1/2"
     * one word of two. */
    static char marked[50][64];
    for (size_t i = 0; i < n; i++) {
        size_t matched, words;
        sou_match_level lv = sou_results_level(r, i, &matched, &words);
        if (lv == SOU_MATCH_EXACT)
            snprintf(marked[i], sizeof marked[i], "%s", sou_results_id(r, i, NULL));
        else if (lv == SOU_MATCH_ALL_WORDS)
            snprintf(marked[i], sizeof marked[i], "%s~", sou_results_id(r, i, NULL));
        else
            snprintf(marked[i], sizeof marked[i], "%s~%zu/%zu", sou_results_id(r, i, NULL),
                     matched, words);
        ids[i] = marked[i];
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
            const char *t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? " " : "", ids[i]);
    }
    sou_results_free(r);
    return buf;
}

#define FOUND(q, want)                                                                     \
    do {                                                                                   \
        const char *got_ = found(q);                                                       \
        if (getenv("DUMP_GOT")) {                                                          \
            fprintf(stderr, "GOT\t%s\t%s\n", q, got_);                                   \
            break;                                                                         \
        }                                                                                  \
        ck_assert_msg(strcmp(got_, want) == 0, "query '%s': found '%s', want '%s'", q, got_, \
                      want);                                                               \
    } while (0)

/* ------------------------------------------------------------ matching */

START_TEST(test_words)
{
    FOUND("umbrella", "d01");
    FOUND("Umbrella", "d01");
    FOUND("umbrella garden", "d01~1/2 d02~1/2");
    FOUND("river", "d07 d09");
    FOUND("nonexistentword", "");
    FOUND("e-mail", "d11");
}
END_TEST

START_TEST(test_stemming)
{
    FOUND("shopping", "d01 d12");
    FOUND("shops", "d01 d12");
    FOUND("shop", "d01 d12");
    FOUND("kite", "d18");
    /* a quoted word is exact */
    FOUND("\"shops\"", "d01");
    FOUND("\"kites\"", "d18");
    FOUND("\"kite\"", "d18");
}
END_TEST

START_TEST(test_phrases)
{
    FOUND("\"quick brown fox\"", "d07");
    FOUND("quick brown fox", "d07 d08");
    FOUND("\"brown fox\"", "d07");
    FOUND("\"fox brown\"", "");
    FOUND("\"the river\"", "d07 d09");
}
END_TEST

START_TEST(test_operators)
{
    FOUND("fox -bear", "d07");
    FOUND("fox NOT bear", "d07");
    FOUND("fox AND bear", "d08");
    FOUND("tomatoes OR tea", "d02 d13");
    FOUND("(tomatoes OR tea) green", "d02~1/2 d13");
    FOUND("-fox -the -阿里", "d05 d10 d11 d13 d14 d15 d17");
    FOUND("+rain shopping", "d12");

    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r;
    o.default_op = SOU_OP_OR;
    r = search_opts("tomatoes tea", &o);
    ck_assert_uint_eq(sou_results_count(r), 2);
    sou_results_free(r);
    FOUND("tomatoes tea", "d02~1/2 d13~1/2");
}
END_TEST

START_TEST(test_fields)
{
    FOUND("title:fox", "d07 d08");
    FOUND("title:river", "d09");
    FOUND("body:river", "d07 d09");
    FOUND("title:\"brown fox\"", "d07");
    FOUND("title:(rainy OR notes)", "d01 d02 d12");
    FOUND("title:阿里巴巴", "d03");
    FOUND("summary:kites", "d18");
    /* not a field of the index: the words themselves */
    FOUND("colour:red", "");
}
END_TEST

START_TEST(test_prefix)
{
    FOUND("umbrel*", "d01");
    FOUND("tomat*", "d02");
    FOUND("title:ri*", "d09");
    FOUND("shopp*", "d01 d12");
    FOUND("zzq*", "");
}
END_TEST

START_TEST(test_chinese)
{
    /* any substring, not only dictionary words */
    FOUND("阿里", "d03 d04 d06");
    FOUND("阿里巴巴", "d03 d06");
    FOUND("巴巴", "d03 d04 d06");
    FOUND("里巴", "d03 d06");
    FOUND("湖边", "d04");
    /* the words are all there but apart: found after exact matches */
    FOUND("西湖茶馆", "d04~");
    FOUND("阿里，巴巴", "d03 d04 d06");
    FOUND("\"阿里巴巴\"", "d03 d06");
    FOUND("2008年", "d05");
    FOUND("2008", "d05");
    /* any substring of the number and its characters, as written */
    FOUND("08年", "d05");
    FOUND("8年夏天", "d05");
    FOUND("2009年", "");
    FOUND("iPhone手机", "d10");
    FOUND("手机", "d10");
    FOUND("北京", "d05 d14");
    FOUND("阿里巴巴 cloud", "d03~1/2 d06");
    FOUND("阿里巴巴 -cloud", "d03");
    FOUND("大学", "d14 d15");
}
END_TEST

/* A word repeated, or a run longer than the longest phrase (32
 * characters), finds what the plain query finds. */
START_TEST(test_repeats)
{
    static char q[4096];
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
    sou_index *w = NULL;
    sou_results *r;
    char *rdir = tu_tempdir();
    /* 40 characters in one run; r2 holds its first 32 only */
    const char *run = "我们在春天的早晨沿着河边慢慢走到山脚下的小村庄里喝一杯热茶然后再回家休息吧朋友们";
    static const struct {
        const char *id, *body;
    } docs[] = {
        { "r1", "去年我们在春天的早晨沿着河边慢慢走到山脚下的小村庄里喝一杯热茶然后再回家休息吧朋友们。" },
        { "r2", "我们在春天的早晨沿着河边慢慢走到山脚下的小村庄里喝一杯热茶然后再，没有回家。" },
        { "r3", "春天的河边很安静。" },
    };

    q[0] = '\0';
    for (int i = 0; i < 300; i++)
        strcat(q, "lantern ");
    FOUND(q, "d16 d17");
    q[0] = '\0';
    for (int i = 0; i < 200; i++)
        strcat(q, "阿里");
    /* no text holds the 400 characters; the word 阿里 is all there is */
    FOUND(q, "d03~ d04~ d06~");
    q[0] = '\0';
    for (int i = 0; i < 50; i++)
        strcat(q, "river ");
    strcat(q, "boats");
    /* d07 has one of the two words, counted once however often typed */
    FOUND(q, "d07~1/2 d09");

    ck_assert_ptr_nonnull(rdir);
    ck_assert_uint_eq(strlen(run), 40 * 3);
    o.flags = SOU_INDEX_CREATE;
    ck_assert_int_eq(sou_index_open(&w, rdir, &o), SOU_OK);
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        sou_doc *d = NULL;
        ck_assert_int_eq(sou_doc_new(&d, docs[i].id, strlen(docs[i].id)), SOU_OK);
        ck_assert_int_eq(sou_doc_add_field(d, "body", docs[i].body, strlen(docs[i].body), 0, 0),
                         SOU_OK);
        ck_assert_int_eq(sou_index_add(w, d), SOU_OK);
        sou_doc_free(d);
    }
    ck_assert_int_eq(sou_index_commit(w), SOU_OK);
    so.flags = SOU_SEARCH_NO_SNIPPETS;
    ck_assert_int_eq(sou_index_search(w, run, strlen(run), &so, &r), SOU_OK);
    ck_assert_uint_ge(sou_results_count(r), 1);
    ck_assert_str_eq(sou_results_id(r, 0, NULL), "r1");
    ck_assert_int_eq(sou_results_level(r, 0, NULL, NULL), SOU_MATCH_EXACT);
    for (size_t i = 1; i < sou_results_count(r); i++)
        ck_assert_int_ne(sou_results_level(r, i, NULL, NULL), SOU_MATCH_EXACT);
    sou_results_free(r);
    /* the first 32 characters alone are one phrase, and r2 holds them */
    ck_assert_int_eq(sou_index_search(w, run, 32 * 3, &so, &r), SOU_OK);
    ck_assert_uint_ge(sou_results_count(r), 2);
    ck_assert_int_eq(sou_results_level(r, 0, NULL, NULL), SOU_MATCH_EXACT);
    ck_assert_int_eq(sou_results_level(r, 1, NULL, NULL), SOU_MATCH_EXACT);
    for (size_t i = 2; i < sou_results_count(r); i++)
        ck_assert_int_ne(sou_results_level(r, i, NULL, NULL), SOU_MATCH_EXACT);
    sou_results_free(r);
    sou_index_close(w);
    tu_rmtree(rdir);
    free(rdir);
}
END_TEST

/* -------------------------------------------------------------- ranking */

START_TEST(test_ranking)
{
    sou_results *r = search_opts("lantern", NULL);
    ck_assert_str_eq(ids_of(r), "d16 d17");
    ck_assert(sou_results_score(r, 0) > sou_results_score(r, 1));
    ck_assert(sou_results_score(r, 1) > 0);
    sou_results_free(r);

    /* the dictionary word ranks above the same characters across words */
    r = search_opts("大学", NULL);
    ck_assert_str_eq(ids_of(r), "d14 d15");
    sou_results_free(r);

    /* the phrase in the title and the body first */
    r = search_opts("quick brown fox", NULL);
    ck_assert_str_eq(ids_of(r), "d07 d08");
    sou_results_free(r);
}
END_TEST

START_TEST(test_paging)
{
    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
    sou_results *all, *page;
    char want[512];
    size_t n;

    o.limit = 100;
    all = search_opts("the", &o);
    n = sou_results_count(all);
    ck_assert_uint_ge(n, 7);
    ck_assert_uint_eq(sou_results_total(all), n);
    snprintf(want, sizeof want, "%s", ids_of(all));

    char got[512] = "";
    size_t len = 0;
    for (size_t off = 0; off < n + 3; off += 3) {
        o.offset = off;
        o.limit = 3;
        page = search_opts("the", &o);
        ck_assert_uint_eq(sou_results_total(page), n);
        ck_assert_uint_eq(sou_results_count(page), off + 3 <= n ? 3 : (off < n ? n - off : 0));
        for (size_t i = 0; i < sou_results_count(page); i++) {
            ck_assert_uint_eq(sou_results_rank(page, i), off + i);
            ck_assert_str_eq(sou_results_id(page, i, NULL), sou_results_id(all, off + i, NULL));
        }
        if (sou_results_count(page))
            len += (size_t)snprintf(got + len, sizeof got - len, "%s%s", len ? " " : "",
                                    ids_of(page));
        sou_results_free(page);
    }
    ck_assert_str_eq(got, want);
    sou_results_free(all);

    /* limit 0: the count alone */
    o.offset = 0;
    o.limit = 0;
    page = search_opts("the", &o);
    ck_assert_uint_eq(sou_results_count(page), 0);
    ck_assert_uint_eq(sou_results_total(page), n);
    sou_results_free(page);

    /* default limit */
    page = search_opts("the", NULL);
    ck_assert_uint_eq(sou_results_count(page), n < 10 ? n : 10);
    sou_results_free(page);
}
END_TEST

START_TEST(test_sort)
{
    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r;

    o.sort_by = "year";
    r = search_opts("river OR fox OR shopping", &o);
    ck_assert_str_eq(ids_of(r), "d12 d07 d01 d09 d08");
    ck_assert(sou_results_score(r, 0) == 0.0);
    sou_results_free(r);

    o.flags = SOU_SEARCH_SORT_ASCENDING;
    r = search_opts("river OR fox OR shopping", &o);
    ck_assert_str_eq(ids_of(r), "d08 d09 d01 d07 d12");
    sou_results_free(r);

    o.sort_by = "nope";
    r = (sou_results *)1;
    ck_assert_int_eq(sou_index_search(ix, "fox", 3, &o, &r), SOU_EINVAL);
    ck_assert_ptr_null(r);
    ck_assert_str_eq(sou_error_last()->message, "unknown sort value 'nope'");
}
END_TEST

/* ------------------------------------------------------------- results */

START_TEST(test_results)
{
    sou_results *r = search_opts("fox -bear", NULL);
    size_t len;
    const sou_doc *d;
    double year;

    ck_assert_uint_eq(sou_results_count(r), 1);
    ck_assert_str_eq(sou_results_id(r, 0, &len), "d07");
    ck_assert_uint_eq(len, 3);
    ck_assert_str_eq(sou_results_field(r, 0, "title", &len), "Quick brown fox");
    ck_assert_uint_eq(len, strlen("Quick brown fox"));
    ck_assert_ptr_null(sou_results_field(r, 0, "nofield", &len));
    d = sou_results_doc(r, 0);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(sou_doc_value(d, "year", &year), SOU_OK);
    ck_assert(year == 2007);
    ck_assert_uint_eq(sou_results_rank(r, 0), 0);

    /* out of range */
    ck_assert_ptr_null(sou_results_id(r, 1, &len));
    ck_assert_ptr_null(sou_results_doc(r, 1));
    ck_assert_ptr_null(sou_results_field(r, 1, "title", NULL));
    ck_assert_str_eq(sou_results_snippet(r, 1, &len), "");
    ck_assert_uint_eq(len, 0);
    ck_assert(sou_results_score(r, 1) == 0.0);
    sou_results_free(r);

    /* NULL results */
    ck_assert_uint_eq(sou_results_count(NULL), 0);
    ck_assert_uint_eq(sou_results_total(NULL), 0);
    ck_assert_ptr_null(sou_results_id(NULL, 0, NULL));
    ck_assert_str_eq(sou_results_snippet(NULL, 0, NULL), "");
    sou_results_free(NULL);
}
END_TEST

static const char *snippet_of(sou_results *r, const char *id)
{
    for (size_t i = 0; i < sou_results_count(r); i++)
        if (strcmp(sou_results_id(r, i, NULL), id) == 0)
            return sou_results_snippet(r, i, NULL);
    ck_abort_msg("%s not found", id);
    return NULL;
}

START_TEST(test_snippets)
{
    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r = search_opts("shopping", NULL);
    size_t len;

    ck_assert_str_eq(snippet_of(r, "d01"),
                     "The <b>shops</b> downtown open early. Bring an umbrella when you go "
                     "<b>shopping</b>.");
    ck_assert_str_eq(snippet_of(r, "d12"),
                     "Rain all weekend, so the <b>shopping</b> trip moved indoors.");
    sou_results_snippet(r, 0, &len);
    ck_assert_uint_eq(len, strlen(sou_results_snippet(r, 0, NULL)));
    sou_results_free(r);

    r = search_opts("阿里巴巴", NULL);
    ck_assert_str_eq(snippet_of(r, "d03"), "<b>阿里巴巴</b>集团总部位于杭州，经营电子商务和云计算业务。");
    sou_results_free(r);

    /* a prefix highlights the words it matched */
    r = search_opts("lant*", NULL);
    ck_assert_str_eq(snippet_of(r, "d17"), "Each stall hung a <b>lantern</b> above its table.");
    sou_results_free(r);

    /* no body: the field with the most matches */
    r = search_opts("kite", NULL);
    ck_assert_str_eq(snippet_of(r, "d18"),
                     "<b>Kites</b> flew over the hill; one <b>kite</b> got stuck in a tree.");
    sou_results_free(r);

    /* a chosen field, markers and length */
    o.snippet_field = "title";
    o.hl_start = "[";
    o.hl_end = "]";
    r = search_opts("kite", &o);
    ck_assert_str_eq(snippet_of(r, "d18"), "[Kite] day");
    sou_results_free(r);

    o.snippet_field = NULL;
    o.snippet_bytes = 30;
    r = search_opts("umbrella", &o);
    const char *s = snippet_of(r, "d01");
    ck_assert_msg(strstr(s, "[umbrella]") != NULL, "%s", s);
    ck_assert_msg(strncmp(s, "\xe2\x80\xa6", 3) == 0, "%s", s);
    ck_assert_uint_le(strlen(s), 30 + 2 + 6);
    sou_results_free(r);

    o.flags = SOU_SEARCH_NO_SNIPPETS;
    r = search_opts("umbrella", &o);
    ck_assert_str_eq(sou_results_snippet(r, 0, NULL), "");
    sou_results_free(r);
}
END_TEST

/* An index of one document with markup in its text, searched for it. */
static sou_results *markup_search(sou_index **w, char **d, const char *q,
                                  const sou_search_options *o)
{
    static const char body[] = "Stored as typed: <script>alert('hi & bye')</script> ends.";
    sou_index_options io = SOU_INDEX_OPTIONS_INIT;
    sou_results *r = NULL;
    sou_doc *doc = NULL;

    if (!*w) {
        *d = tu_tempdir();
        ck_assert_ptr_nonnull(*d);
        io.flags = SOU_INDEX_CREATE;
        ck_assert_int_eq(sou_index_open(w, *d, &io), SOU_OK);
        ck_assert_int_eq(sou_doc_new(&doc, "m1", 2), SOU_OK);
        ck_assert_int_eq(sou_doc_add_field(doc, "body", body, strlen(body), 0, 0), SOU_OK);
        ck_assert_int_eq(sou_index_add(*w, doc), SOU_OK);
        ck_assert_int_eq(sou_index_commit(*w), SOU_OK);
        sou_doc_free(doc);
    }
    ck_assert_int_eq(sou_index_search(*w, q, strlen(q), o, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_count(r), 1);
    return r;
}

START_TEST(test_snippet_escaping)
{
    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
    sou_index *w = NULL;
    char *d = NULL;
    sou_results *r;

    /* default markers: HTML, so the text is escaped and the markers are not */
    r = markup_search(&w, &d, "script", NULL);
    ck_assert_str_eq(sou_results_snippet(r, 0, NULL),
                     "Stored as typed: &lt;<b>script</b>&gt;alert(&#39;hi &amp; bye&#39;)&lt;/"
                     "<b>script</b>&gt; ends.");
    sou_results_free(r);

    /* other HTML markers: escaped too */
    o.hl_start = "<mark class=\"q\">";
    o.hl_end = "</mark>";
    r = markup_search(&w, &d, "alert", &o);
    ck_assert_str_eq(sou_results_snippet(r, 0, NULL),
                     "Stored as typed: &lt;script&gt;<mark class=\"q\">alert</mark>(&#39;hi &amp; "
                     "bye&#39;)&lt;/script&gt; ends.");
    sou_results_free(r);

    /* raw, asked for */
    o.hl_start = NULL;
    o.hl_end = NULL;
    o.flags = SOU_SEARCH_SNIPPET_RAW;
    r = markup_search(&w, &d, "script", &o);
    ck_assert_str_eq(sou_results_snippet(r, 0, NULL),
                     "Stored as typed: <<b>script</b>>alert('hi & bye')</<b>script</b>> ends.");
    sou_results_free(r);

    /* markers that are not HTML: raw */
    o.flags = 0;
    o.hl_start = "[";
    o.hl_end = "]";
    r = markup_search(&w, &d, "bye", &o);
    ck_assert_str_eq(sou_results_snippet(r, 0, NULL),
                     "Stored as typed: <script>alert('hi & [bye]')</script> ends.");
    sou_results_free(r);

    /* escaping asked for with empty markers */
    o.flags = SOU_SEARCH_SNIPPET_HTML;
    o.hl_start = "";
    o.hl_end = "";
    r = markup_search(&w, &d, "bye", &o);
    ck_assert_str_eq(sou_results_snippet(r, 0, NULL),
                     "Stored as typed: &lt;script&gt;alert(&#39;hi &amp; bye&#39;)&lt;/script&gt; "
                     "ends.");
    sou_results_free(r);

    /* both: a clear error */
    o.flags = SOU_SEARCH_SNIPPET_HTML | SOU_SEARCH_SNIPPET_RAW;
    r = (sou_results *)1;
    ck_assert_int_eq(sou_index_search(w, "bye", 3, &o, &r), SOU_EINVAL);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "exclude each other"));

    sou_index_close(w);
    tu_rmtree(d);
    free(d);
}
END_TEST

/* Every span of hit i in field, sliced out of the stored text: "a|b|c". */
static const char *span_words(const sou_results *r, size_t i, const char *field)
{
    static char buf[1024];
    size_t len, n = sou_results_match_count(r, i, field), o = 0;
    const char *text = sou_results_field(r, i, field, &len);

    buf[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        size_t a, b;
        ck_assert_int_eq(sou_results_match(r, i, field, k, &a, &b), SOU_OK);
        ck_assert_uint_lt(a, b);
        ck_assert_uint_le(b, len);
        ck_assert_uint_lt(o + (b - a) + 2, sizeof buf);
        if (k > 0)
            buf[o++] = '|';
        memcpy(buf + o, text + a, b - a);
        o += b - a;
        buf[o] = '\0';
    }
    return buf;
}

static size_t hit_of(const sou_results *r, const char *id)
{
    for (size_t i = 0; i < sou_results_count(r); i++)
        if (strcmp(sou_results_id(r, i, NULL), id) == 0)
            return i;
    ck_abort_msg("%s not found", id);
    return 0;
}

START_TEST(test_match_spans)
{
    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r;
    size_t i, a = 9, b = 9;

    o.flags = SOU_SEARCH_MATCHES;
    /* English: stems in the body and the title */
    r = search_opts("shopping", &o);
    i = hit_of(r, "d01");
    ck_assert_str_eq(span_words(r, i, "body"), "shops|shopping");
    ck_assert_str_eq(span_words(r, i, "title"), "Shopping");
    sou_results_free(r);

    /* Chinese: a word inside a run without spaces, in every field */
    r = search_opts("杭州", &o);
    i = hit_of(r, "d03");
    ck_assert_str_eq(span_words(r, i, "body"), "杭州");
    ck_assert_uint_eq(sou_results_match_count(r, i, "title"), 0);
    i = hit_of(r, "d04");
    ck_assert_str_eq(span_words(r, i, "title"), "杭州");
    sou_results_free(r);

    /* mixed */
    r = search_opts("iphone 手机", &o);
    i = hit_of(r, "d10");
    ck_assert_str_eq(span_words(r, i, "body"), "iPhone|手机");
    sou_results_free(r);
    r = search_opts("阿里巴巴 cloud", &o);
    i = hit_of(r, "d06");
    ck_assert_str_eq(span_words(r, i, "body"), "阿里巴巴|cloud|cloud");
    ck_assert_str_eq(span_words(r, i, "title"), "Cloud");
    /* byte offsets into the stored text */
    ck_assert_int_eq(sou_results_match(r, i, "body", 1, &a, &b), SOU_OK);
    ck_assert_uint_eq(a, strlen("阿里巴巴 "));
    ck_assert_uint_eq(b, strlen("阿里巴巴 cloud"));

    /* out of range, no such field, NULLs */
    ck_assert_int_eq(sou_results_match(r, i, "body", 3, &a, &b), SOU_ENOTFOUND);
    ck_assert_uint_eq(a, 0);
    ck_assert_uint_eq(b, 0);
    ck_assert_int_eq(sou_results_match(r, i, "nothing", 0, NULL, NULL), SOU_ENOTFOUND);
    ck_assert_int_eq(sou_results_match(r, 99, "body", 0, NULL, NULL), SOU_ENOTFOUND);
    ck_assert_int_eq(sou_results_match(r, i, NULL, 0, NULL, NULL), SOU_EINVAL);
    ck_assert_int_eq(sou_results_match(NULL, 0, "body", 0, NULL, NULL), SOU_EINVAL);
    ck_assert_uint_eq(sou_results_match_count(r, i, NULL), 0);
    ck_assert_uint_eq(sou_results_match_count(NULL, 0, "body"), 0);
    sou_results_free(r);

    /* not asked: none */
    r = search_opts("shopping", NULL);
    ck_assert_uint_eq(sou_results_match_count(r, 0, "body"), 0);
    ck_assert_int_eq(sou_results_match(r, 0, "body", 0, NULL, NULL), SOU_ENOTFOUND);
    sou_results_free(r);

    /* without snippets, spans still */
    o.flags = SOU_SEARCH_MATCHES | SOU_SEARCH_NO_SNIPPETS;
    r = search_opts("kite", &o);
    i = hit_of(r, "d18");
    ck_assert_str_eq(sou_results_snippet(r, i, NULL), "");
    ck_assert_str_eq(span_words(r, i, "summary"), "Kites|kite");
    ck_assert_str_eq(span_words(r, i, "title"), "Kite");
    sou_results_free(r);
}
END_TEST

START_TEST(test_explain)
{
    char *s = NULL;
    ck_assert_int_eq(sou_index_explain(ix, "shopping -title:fox", 19, NULL, &s), SOU_OK);
    ck_assert_ptr_nonnull(strstr(s, "exact: "));
    ck_assert_ptr_nonnull(strstr(s, "Zshop"));
    ck_assert_ptr_nonnull(strstr(s, "AND_NOT (ZXTITLE:fox SYNONYM XTITLE:fox)"));
    sou_free(s);
    ck_assert_int_eq(sou_index_explain(ix, "", 0, NULL, &s), SOU_OK);
    ck_assert_str_eq(s, "exact: Query()");
    sou_free(s);
}
END_TEST

/* ---------------------------------------------------------------- limits */

START_TEST(test_bad_queries)
{
    static const char *const queries[] = { "", "\"", "(((", ")))", "AND", "OR OR", "NOT",
                                           "title:", "-", "***", "fox\"", "(fox", "\xff\xfe",
                                           "阿里\xe9", "title:\"", "+-+-", "\"\"\"" };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        sou_results *r = search_opts(queries[i], NULL);
        sou_results_free(r);
    }
    FOUND("", "");
    FOUND("\"", "");
    FOUND("(fox", "d07 d08");
    FOUND("fox)", "d07 d08");
    FOUND("\"brown fox", "d07");
    FOUND("fox AND", "d07 d08");

    sou_results *r = NULL;
    ck_assert_int_eq(sou_index_search(ix, "fox\0bear", 8, NULL, &r), SOU_OK);
    /* d08 has both words; d07 only fox, after it. */
    ck_assert_str_eq(ids_of(r), "d08 d07");
    ck_assert_int_eq(sou_results_level(r, 0, NULL, NULL), SOU_MATCH_EXACT);
    ck_assert_int_eq(sou_results_level(r, 1, NULL, NULL), SOU_MATCH_SOME_WORDS);
    sou_results_free(r);
}
END_TEST

START_TEST(test_errors)
{
    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r = (sou_results *)1;
    char *s = (char *)1;

    ck_assert_int_eq(sou_index_search(NULL, "fox", 3, NULL, &r), SOU_EINVAL);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(sou_index_search(ix, "fox", 3, NULL, NULL), SOU_EINVAL);
    ck_assert_int_eq(sou_index_search(ix, NULL, 3, NULL, &r), SOU_EINVAL);
    ck_assert_int_eq(sou_index_search(ix, NULL, 0, NULL, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_count(r), 0);
    sou_results_free(r);

    o.version = 99;
    ck_assert_int_eq(sou_index_search(ix, "fox", 3, &o, &r), SOU_EINVAL);
    o.version = SOU_SEARCH_OPTIONS_VERSION;
    o.bm25_b = 2;
    ck_assert_int_eq(sou_index_search(ix, "fox", 3, &o, &r), SOU_EINVAL);
    o.bm25_b = 0.75;
    o.bm25_k1 = -1;
    ck_assert_int_eq(sou_index_search(ix, "fox", 3, &o, &r), SOU_EINVAL);
    o.bm25_k1 = 1.2;
    o.default_op = (sou_default_op)7;
    ck_assert_int_eq(sou_index_search(ix, "fox", 3, &o, &r), SOU_EINVAL);

    ck_assert_int_eq(sou_index_explain(NULL, "fox", 3, NULL, &s), SOU_EINVAL);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(sou_index_explain(ix, "fox", 3, NULL, NULL), SOU_EINVAL);

    ck_assert_int_eq(sou_search_options_init(NULL, SOU_SEARCH_OPTIONS_VERSION), SOU_EINVAL);
    ck_assert_int_eq(sou_search_options_init(&o, 12345), SOU_EINVAL);
    memset(&o, 0, sizeof o);
    ck_assert_int_eq(sou_search_options_init(&o, SOU_SEARCH_OPTIONS_VERSION), SOU_OK);
    ck_assert_uint_eq(o.limit, 10);
    ck_assert(o.bm25_k1 == 1.2 && o.bm25_b == 0.75);
    ck_assert_uint_eq(o.snippet_bytes, 200);
    ck_assert_ptr_null(o.sort_by);
}
END_TEST

/* Search on a writer sees its own committed documents, and a reader
 * sees new commits after reopening. */
START_TEST(test_writer_and_reopen)
{
    sou_index_options io = SOU_INDEX_OPTIONS_INIT;
    sou_index *w = NULL;
    sou_doc *d = NULL;
    sou_results *r = NULL;

    io.flags = SOU_INDEX_WRITE;
    ck_assert_int_eq(sou_index_open(&w, dir, &io), SOU_OK);
    ck_assert_int_eq(sou_doc_new(&d, "d99", 3), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(d, "body", "A lantern festival in 杭州.", strlen("A lantern festival in 杭州."), 0, 0), SOU_OK);
    ck_assert_int_eq(sou_index_add(w, d), SOU_OK);
    sou_doc_free(d);
    ck_assert_int_eq(sou_index_commit(w), SOU_OK);

    ck_assert_int_eq(sou_index_search(w, "festival", 8, NULL, &r), SOU_OK);
    ck_assert_str_eq(ids_of(r), "d99");
    sou_results_free(r);

    FOUND("festival", "");
    ck_assert_int_eq(sou_index_reopen(ix), SOU_OK);
    FOUND("festival", "d99");
    FOUND("杭州", "d03 d04 d99");
    sou_index_close(w);
}
END_TEST

/* A reader keeps answering while a writer commits again and again, and
 * sees the new documents once reopened. */
START_TEST(test_reader_during_commits)
{
    sou_index_options io = SOU_INDEX_OPTIONS_INIT;
    sou_index *w = NULL;
    sou_results *r = NULL;
    char text[2048];

    FOUND("lantern", "d16 d17");
    io.flags = SOU_INDEX_WRITE;
    ck_assert_int_eq(sou_index_open(&w, dir, &io), SOU_OK);
    for (int round = 0; round < 4; round++) {
        for (size_t i = 0; i < NDOCS; i++) {
            sou_doc *d = NULL;
            size_t n = (size_t)snprintf(text, sizeof text, "lantern %s", DOCS[i].id);
            for (int k = 0; k < 100 && n + 16 < sizeof text; k++)
                n += (size_t)snprintf(text + n, sizeof text - n, " w%dx%zux%d", round, i, k);
            ck_assert_int_eq(sou_doc_new(&d, DOCS[i].id, strlen(DOCS[i].id)), SOU_OK);
            ck_assert_int_eq(sou_doc_add_field(d, "body", text, n, 0, 0), SOU_OK);
            ck_assert_int_eq(sou_index_add(w, d), SOU_OK);
            sou_doc_free(d);
        }
        ck_assert_int_eq(sou_index_commit(w), SOU_OK);
        r = search_opts("\"w3x3x50 w3x3x51\" OR \"an umbrella\"", NULL);
        ck_assert_uint_eq(sou_results_count(r), 1);
        sou_results_free(r);
    }
    sou_index_close(w);

    ck_assert_int_eq(sou_index_reopen(ix), SOU_OK);
    FOUND("\"w3x3x50 w3x3x51\" OR \"an umbrella\"", "d04");
    ck_assert_uint_eq(sou_results_count(r = search_opts("lantern", NULL)), 10);
    ck_assert_uint_eq(sou_results_total(r), NDOCS);
    sou_results_free(r);
}
END_TEST

/* Rewrite every document of w as generation gen, and commit. */
static void rewrite_all(sou_index *w, int gen)
{
    char id[16], body[128];
    for (int i = 0; i < 3000; i++) {
        sou_doc *d = NULL;
        snprintf(id, sizeof id, "m%d", i);
        snprintf(body, sizeof body, "common gen%d word%d filler%d sample%d", gen, i, i * 7,
                 gen * 100000 + i);
        ck_assert_int_eq(sou_doc_new(&d, id, strlen(id)), SOU_OK);
        ck_assert_int_eq(sou_doc_add_field(d, "body", body, strlen(body), 0, 0), SOU_OK);
        ck_assert_int_eq(sou_index_add(w, d), SOU_OK);
        sou_doc_free(d);
    }
    ck_assert_int_eq(sou_index_commit(w), SOU_OK);
}

static uint64_t total_of(sou_index *index, const char *q)
{
    sou_results *r = NULL;
    uint64_t n;
    int rc = sou_index_search(index, q, strlen(q), NULL, &r);
    ck_assert_msg(rc == SOU_OK, "search '%s': %d %s", q, rc, sou_error_last()->message);
    n = sou_results_total(r);
    sou_results_free(r);
    return n;
}

/* A reader whose revision the writer has since overwritten (two commits
 * later, Xapian reuses its blocks) gets DatabaseModifiedError inside
 * Xapian; the shim reopens and retries, so the search succeeds, on the
 * latest revision. Without the retry it would fail or see generation 0. */
START_TEST(test_modified_retry)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    char *mdir = tu_tempdir();
    sou_index *w = NULL, *r = NULL;

    ck_assert_ptr_nonnull(mdir);
    o.flags = SOU_INDEX_CREATE;
    ck_assert_int_eq(sou_index_open(&w, mdir, &o), SOU_OK);
    rewrite_all(w, 0);
    o.flags = SOU_INDEX_READONLY;
    ck_assert_int_eq(sou_index_open(&r, mdir, &o), SOU_OK);
    ck_assert_uint_eq(total_of(r, "gen0"), 3000);
    rewrite_all(w, 1);
    rewrite_all(w, 2);
    ck_assert_uint_eq(total_of(r, "common"), 3000);
    /* Xapian does not notice every read of a discarded revision (a term
     * that the old revision lacked can look absent): a reader that must see
     * the latest commits reopens. */
    ck_assert_int_eq(sou_index_reopen(r), SOU_OK);
    ck_assert_uint_eq(total_of(r, "gen2"), 3000);
    ck_assert_uint_eq(total_of(r, "gen0"), 0);
    sou_index_close(r);
    sou_index_close(w);
    tu_rmtree(mdir);
    free(mdir);
}
END_TEST

/* One handle per thread, as documented: threads search the same index at
 * once and each gets the right answers. */
static void *search_thread(void *arg)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_index *mine = NULL;
    long wrong = 0;

    (void)arg;
    if (sou_index_open(&mine, dir, &o) != SOU_OK)
        return (void *)-1L;
    for (int i = 0; i < 100; i++) {
        static const char *q[] = { "阿里巴巴", "river", "shopping", "\"quick brown\"" };
        static const size_t want[] = { 2, 2, 2, 1 };
        sou_results *r = NULL;
        if (sou_index_search(mine, q[i % 4], strlen(q[i % 4]), NULL, &r) != SOU_OK ||
            sou_results_count(r) != want[i % 4])
            wrong++;
        sou_results_free(r);
    }
    sou_index_close(mine);
    return (void *)wrong;
}

START_TEST(test_threads)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, search_thread, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *wrong = (void *)1;
        ck_assert_int_eq(pthread_join(t[i], &wrong), 0);
        ck_assert_ptr_null(wrong);
    }
}
END_TEST

/* A Xapian stub file joins shards (here two local ones; "remote HOST:PORT"
 * lines reach xapian-tcpsrv the same way) into one read-only index. */
START_TEST(test_shards)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    char *other = tu_tempdir(), *stubdir = tu_tempdir(), stub[4096];
    sou_index *w = NULL, *joined = NULL;
    sou_doc *d = NULL, *got = NULL;
    sou_results *r = NULL;
    sou_index_stats st;
    FILE *f;

    ck_assert_ptr_nonnull(other);
    ck_assert_ptr_nonnull(stubdir);
    o.flags = SOU_INDEX_CREATE;
    ck_assert_int_eq(sou_index_open(&w, other, &o), SOU_OK);
    ck_assert_int_eq(sou_doc_new(&d, "s01", 3), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(d, "body", "River lanterns float past the bridge.", 37, 0, 0),
                     SOU_OK);
    ck_assert_int_eq(sou_index_add(w, d), SOU_OK);
    sou_doc_free(d);
    sou_index_close(w);

    snprintf(stub, sizeof stub, "%s/shards", stubdir);
    f = fopen(stub, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "auto %s\nauto %s\n", dir, other);
    fclose(f);

    o.flags = SOU_INDEX_READONLY;
    ck_assert_int_eq(sou_index_open(&joined, stub, &o), SOU_OK);
    ck_assert_int_eq(sou_index_search(joined, "river", 5, NULL, &r), SOU_OK);
    /* hits from both shards: s01 from the new one, d07 and d09 from the fixture */
    ck_assert_uint_eq(sou_results_count(r), 3);
    ck_assert_uint_eq(sou_results_total(r), 3);
    ck_assert_ptr_nonnull(strstr(ids_of(r), "s01"));
    ck_assert_ptr_nonnull(strstr(ids_of(r), "d07"));
    ck_assert_ptr_nonnull(strstr(ids_of(r), "d09"));
    sou_results_free(r);
    ck_assert_int_eq(sou_index_get(joined, "s01", 3, &got), SOU_OK);
    ck_assert_ptr_nonnull(sou_doc_field(got, "body", NULL));
    sou_doc_free(got);
    ck_assert_int_eq(sou_index_stats_get(joined, &st), SOU_OK);
    ck_assert_uint_eq(st.doc_count, NDOCS + 1);
    sou_index_close(joined);

    /* shards written on their own are not written through the stub */
    o.flags = SOU_INDEX_WRITE;
    ck_assert_int_eq(sou_index_open(&joined, stub, &o), SOU_ESETTINGS);
    ck_assert_ptr_null(joined);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "not written through a stub"));

    tu_rmtree(other);
    tu_rmtree(stubdir);
    free(other);
    free(stubdir);
}
END_TEST

/* Proximity ranks the best matches up: where two words stand together the
 * document comes first, and with more matches than the window that is
 * ranked again, pages still agree with each other and hold every match
 * once. */
START_TEST(test_proximity)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
    sou_index *w = NULL;
    sou_results *all, *page;
    char *pdir = tu_tempdir();
    char id[16], body[160];
    const size_t n = 250;
    static char want[8192];

    ck_assert_ptr_nonnull(pdir);
    o.flags = SOU_INDEX_CREATE;
    ck_assert_int_eq(sou_index_open(&w, pdir, &o), SOU_OK);
    for (size_t i = 0; i < n; i++) {
        sou_doc *d = NULL;
        snprintf(id, sizeof id, "p%03zu", i);
        /* Same words, same length: only where amber and cedar stand differs. */
        if (i == 30)
            snprintf(body, sizeof body, "one two three four five six amber cedar seven");
        else
            snprintf(body, sizeof body, "amber one two three four five six seven cedar");
        ck_assert_int_eq(sou_doc_new(&d, id, strlen(id)), SOU_OK);
        ck_assert_int_eq(sou_doc_add_field(d, "body", body, strlen(body), 0, 0), SOU_OK);
        ck_assert_int_eq(sou_index_add(w, d), SOU_OK);
        sou_doc_free(d);
    }
    ck_assert_int_eq(sou_index_commit(w), SOU_OK);

    so.flags = SOU_SEARCH_NO_SNIPPETS;
    so.limit = n;
    ck_assert_int_eq(sou_index_search(w, "amber cedar", 11, &so, &all), SOU_OK);
    ck_assert_uint_eq(sou_results_total(all), n);
    ck_assert(sou_results_total_exact(all));
    ck_assert_uint_eq(sou_results_count(all), n);
    ck_assert_str_eq(sou_results_id(all, 0, NULL), "p030");
    ck_assert(sou_results_score(all, 0) > sou_results_score(all, 1));
    want[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(want, sou_results_id(all, i, NULL));
        strcat(want, " ");
        if (i)
            ck_assert(sou_results_score(all, i) <= sou_results_score(all, i - 1));
    }
    /* every match once */
    for (size_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "p%03zu ", i);
        ck_assert_ptr_nonnull(strstr(want, id));
        ck_assert_ptr_null(strstr(strstr(want, id) + 1, id));
    }
    /* pages of 7 across the window's edge give the same order */
    for (size_t off = 0; off < n; off += 7) {
        so.offset = off;
        so.limit = 7;
        ck_assert_int_eq(sou_index_search(w, "amber cedar", 11, &so, &page), SOU_OK);
        ck_assert_uint_eq(sou_results_total(page), n);
        for (size_t i = 0; i < sou_results_count(page); i++)
            ck_assert_str_eq(sou_results_id(page, i, NULL), sou_results_id(all, off + i, NULL));
        sou_results_free(page);
    }
    sou_results_free(all);
    sou_index_close(w);
    tu_rmtree(pdir);
    free(pdir);
}
END_TEST

Suite *sou_search_suite(void)
{
    Suite *s = suite_create("search");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, build, teardown);
    tcase_add_test(tc, test_words);
    tcase_add_test(tc, test_stemming);
    tcase_add_test(tc, test_phrases);
    tcase_add_test(tc, test_operators);
    tcase_add_test(tc, test_fields);
    tcase_add_test(tc, test_prefix);
    tcase_add_test(tc, test_chinese);
    tcase_add_test(tc, test_repeats);
    tcase_add_test(tc, test_ranking);
    tcase_add_test(tc, test_paging);
    tcase_add_test(tc, test_proximity);
    tcase_add_test(tc, test_sort);
    tcase_add_test(tc, test_results);
    tcase_add_test(tc, test_snippets);
    tcase_add_test(tc, test_snippet_escaping);
    tcase_add_test(tc, test_match_spans);
    tcase_add_test(tc, test_explain);
    tcase_add_test(tc, test_writer_and_reopen);
    tcase_add_test(tc, test_reader_during_commits);
    tcase_add_test(tc, test_shards);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_modified_retry);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, build, teardown);
    tcase_add_test(tc, test_bad_queries);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, build, teardown);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    return s;
}
