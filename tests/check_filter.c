/* check_filter.c: ranges on values, the match-all query and facet counts,
 * through the public API, each answer checked against a count made by hand
 * over the fixture. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sou.h"
#include "suites.h"
#include "testutil.h"

typedef struct {
    const char *id;
    const char *title;
    const char *body;
    double price;     /* NAN: none */
    double cat;
    const char *date; /* NULL: none */
} fdoc;

static const fdoc DOCS[] = {
    { "f01", "Quick fox", "a quick brown fox by the river", 10, 1, "2019-03-14T10:00:00Z" },
    { "f02", "Fox den", "the fox sleeps all day", 15, 2, "2019-12-31T23:59:59Z" },
    { "f03", "River boats", "boats on the river", 20, 1, "2020-01-01" },
    { "f04", "Lazy dog", "the lazy dog sleeps", 25, 3, "2021-06-15" },
    { "f05", "Fox and river", "a fox swims the river, the fox and the river", 100, 2, "2018-07-01" },
    { "f06", "Cheap tea", "green tea", -5, 1, "2019-03-14T12:00:00+02:00" },
    { "f07", "Red fox", "a red fox", 9.5, 3, "2019-07-04" },
    { "f08", "No price", "river fox", NAN, 2, NULL },
    { "f09", "Night river", "the river at night", 20.5, 1, "2022-02-28" },
};
#define NDOCS (sizeof DOCS / sizeof DOCS[0])

static char *dir;
static sou_index *ix;

static double date_of(const char *s)
{
    double t = 0;
    ck_assert_int_eq(sou_date_parse(s, strlen(s), &t), SOU_OK);
    return t;
}

static void build(void)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_index *w = NULL;

    dir = tu_tempdir();
    ck_assert_ptr_nonnull(dir);
    o.flags = SOU_INDEX_CREATE;
    ck_assert_int_eq(sou_index_open(&w, dir, &o), SOU_OK);
    for (size_t i = 0; i < NDOCS; i++) {
        const fdoc *f = &DOCS[i];
        sou_doc *d = NULL;
        ck_assert_int_eq(sou_doc_new(&d, f->id, strlen(f->id)), SOU_OK);
        ck_assert_int_eq(sou_doc_add_field(d, "title", f->title, strlen(f->title), 0, 0), SOU_OK);
        ck_assert_int_eq(sou_doc_add_field(d, "body", f->body, strlen(f->body), 0, 0), SOU_OK);
        if (!isnan(f->price))
            ck_assert_int_eq(sou_doc_set_value(d, "price", f->price), SOU_OK);
        ck_assert_int_eq(sou_doc_set_value(d, "cat", f->cat), SOU_OK);
        if (f->date)
            ck_assert_int_eq(sou_doc_set_date(d, "date", date_of(f->date)), SOU_OK);
        ck_assert_int_eq(sou_index_add(w, d), SOU_OK);
        sou_doc_free(d);
    }
    ck_assert_int_eq(sou_index_commit(w), SOU_OK);
    sou_index_close(w);
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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ids of every hit of q, sorted and joined by spaces; "" for none.
 * The caller frees it. */
static char *ids_of(const char *q, const sou_search_options *opts)
{
    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r = NULL;
    const char *v[64];
    char *out = calloc(1, 64 * 8);
    size_t n;

    if (opts)
        o = *opts;
    o.limit = 64;
    o.flags |= SOU_SEARCH_NO_SNIPPETS;
    ck_assert_msg(sou_index_search(ix, q, strlen(q), &o, &r) == SOU_OK, "query '%s': %s", q,
                  sou_error_last()->message);
    n = sou_results_count(r);
    ck_assert_uint_eq(sou_results_total(r), n);
    ck_assert(sou_results_total_exact(r));
    for (size_t i = 0; i < n; i++)
        v[i] = sou_results_id(r, i, NULL);
    qsort(v, n, sizeof *v, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, v[i]);
    }
    sou_results_free(r);
    return out;
}

static void expect_ids(const char *q, const char *want)
{
    char *got = ids_of(q, NULL);
    ck_assert_msg(strcmp(got, want) == 0, "query '%s': got '%s', want '%s'", q, got, want);
    free(got);
}

/* The ids of the fixture whose price lies in [lo, hi], by hand. */
static void expect_price(const char *q, double lo, double hi)
{
    char want[256] = "";
    for (size_t i = 0; i < NDOCS; i++) {
        if (isnan(DOCS[i].price) || DOCS[i].price < lo || DOCS[i].price > hi)
            continue;
        if (*want)
            strcat(want, " ");
        strcat(want, DOCS[i].id);
    }
    expect_ids(q, want);
}

/* The same by date: [lo, hi) given as ISO 8601. */
static void expect_date(const char *q, const char *lo, const char *hi)
{
    double l = lo ? date_of(lo) : -INFINITY, h = hi ? date_of(hi) : INFINITY;
    char want[256] = "";
    for (size_t i = 0; i < NDOCS; i++) {
        double t;
        if (!DOCS[i].date)
            continue;
        t = date_of(DOCS[i].date);
        if (t < l || t >= h)
            continue;
        if (*want)
            strcat(want, " ");
        strcat(want, DOCS[i].id);
    }
    expect_ids(q, want);
}

START_TEST(test_dates_parse)
{
    double t;
    ck_assert_int_eq(sou_date_parse("1970", 4, &t), SOU_OK);
    ck_assert(t == 0);
    ck_assert_int_eq(sou_date_parse("2019-03-14T10:00:00Z", 20, &t), SOU_OK);
    ck_assert(t == 1552557600);
    ck_assert_int_eq(sou_date_parse("2019-03-14T12:00:00+02:00", 25, &t), SOU_OK);
    ck_assert(t == 1552557600);
    ck_assert_int_eq(sou_date_parse("2000-02-29", 10, &t), SOU_OK);
    ck_assert(t == 951782400);
    ck_assert_int_eq(sou_date_parse("1969-12-31T23:59:59Z", 20, &t), SOU_OK);
    ck_assert(t == -1);
    ck_assert_int_eq(sou_date_parse("2019-02-29", 10, &t), SOU_EINVAL);
    ck_assert_int_eq(sou_date_parse("2019-13", 7, &t), SOU_EINVAL);
    ck_assert_int_eq(sou_date_parse("19", 2, &t), SOU_EINVAL);
    ck_assert_int_eq(sou_date_parse("2019-03-14T25:00", 16, &t), SOU_EINVAL);
    ck_assert_int_eq(sou_date_parse("2019-03-14x", 11, &t), SOU_EINVAL);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "ISO 8601"));
}
END_TEST

START_TEST(test_number_ranges)
{
    expect_price("price:10..20", 10, 20);    /* both bounds are in */
    expect_price("price:10.5..20", 10.5, 20);
    expect_price("price:..10", -INFINITY, 10);
    expect_price("price:20..", 20, INFINITY);
    expect_price("price:20.5..", 20.5, INFINITY);
    expect_price("price:-10..0", -10, 0);
    expect_price("price:9.5", 9.5, 9.5);
    expect_price("PRICE:1e1..1.5e1", 10, 15);
    expect_price("price:101..", 101, INFINITY); /* none */
    expect_price("price:..", -INFINITY, INFINITY); /* has a price */
    /* Two ranges on one value: both hold. */
    expect_price("price:10.. price:..15", 10, 15);
}
END_TEST

START_TEST(test_date_ranges)
{
    /* A bound covers its whole span: 2019 up to its last second. */
    expect_date("date:2019", "2019", "2020");
    expect_date("date:2019..2020", "2019", "2021");
    expect_date("date:2019-03..2019-07", "2019-03", "2019-08");
    expect_date("date:..2019-03-14", NULL, "2019-03-15");
    expect_date("date:2020..", "2020", NULL);
    expect_date("date:2019-12-31T23:59:59Z..", "2019-12-31T23:59:59Z", NULL);
    /* One instant, given in two time zones. */
    expect_ids("date:2019-03-14T10:00:00Z", "f01 f06");
    expect_ids("date:2019-03-14T12:00+02:00..2019-03-14T10:00Z", "f01 f06");
    expect_ids("date:2019-03-14T10:00:01Z..2019-03-14T23:00Z", "");
}
END_TEST

START_TEST(test_combined)
{
    /* fox: f01 f02 f05 f07 f08; river: f01 f03 f05 f08 f09 */
    expect_ids("fox price:10..20", "f01 f02");
    expect_ids("fox AND price:..10", "f01 f07");
    expect_ids("price:..20 -fox", "f03 f06");
    expect_ids("price:..20 NOT fox", "f03 f06");
    expect_ids("fox -price:10..20", "f05 f07 f08"); /* f08 has no price */
    expect_ids("-price:..50", "f05 f08"); /* f08 has no price: not in the range */
    expect_ids("fox OR price:..0", "f01 f02 f05 f06 f07 f08");
    expect_ids("(fox OR tea) price:..10", "f01 f06 f07");
    expect_ids("\"red fox\" price:..10", "f07");
    expect_ids("fox date:2019 cat:3", "f07");
    expect_ids("river date:..2019 price:..50", "f01");

    /* With OR between words the range still filters them all. */
    {
        sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
        char *got;
        o.default_op = SOU_OP_OR;
        got = ids_of("fox tea price:..10", &o);
        ck_assert_str_eq(got, "f01 f06 f07");
        free(got);
    }
}
END_TEST

/* A filter changes which documents match, never their scores. */
START_TEST(test_filter_keeps_scores)
{
    sou_results *a = NULL, *b = NULL;
    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;

    o.flags = SOU_SEARCH_NO_SNIPPETS;
    ck_assert_int_eq(sou_index_search(ix, "fox", 3, &o, &a), SOU_OK);
    ck_assert_int_eq(sou_index_search(ix, "fox price:10..20", 16, &o, &b), SOU_OK);
    ck_assert_uint_eq(sou_results_count(b), 2);
    for (size_t j = 0; j < sou_results_count(b); j++) {
        int found = 0;
        for (size_t i = 0; i < sou_results_count(a); i++) {
            if (strcmp(sou_results_id(a, i, NULL), sou_results_id(b, j, NULL)) != 0)
                continue;
            found = 1;
            ck_assert(sou_results_score(b, j) > 0);
            ck_assert(fabs(sou_results_score(a, i) - sou_results_score(b, j)) < 1e-12);
        }
        ck_assert(found);
    }
    sou_results_free(a);
    sou_results_free(b);
}
END_TEST

/* Relaxed levels keep the filter: fox and river together in range is f01
 * only (f05 costs 100, f08 has no price); the others have one word. */
START_TEST(test_levels)
{
    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r = NULL;
    const char *q = "fox river price:..20";
    char *got;

    o.flags = SOU_SEARCH_NO_SNIPPETS;
    ck_assert_int_eq(sou_index_search(ix, q, strlen(q), &o, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_count(r), 4);
    ck_assert_str_eq(sou_results_id(r, 0, NULL), "f01");
    ck_assert_int_eq(sou_results_level(r, 0, NULL, NULL), SOU_MATCH_EXACT);
    for (size_t i = 1; i < 4; i++) {
        double p = 0;
        ck_assert_int_eq(sou_results_level(r, i, NULL, NULL), SOU_MATCH_SOME_WORDS);
        ck_assert_int_eq(sou_doc_value(sou_results_doc(r, i), "price", &p), SOU_OK);
        ck_assert(p <= 20);
    }
    ck_assert_uint_eq(sou_results_level_total(r, SOU_MATCH_EXACT), 1);
    ck_assert_uint_eq(sou_results_level_total(r, SOU_MATCH_SOME_WORDS), 3);
    sou_results_free(r);
    got = ids_of(q, NULL);
    ck_assert_str_eq(got, "f01 f02 f03 f07");
    free(got);
    /* A Chinese-free query of one word does not relax: the filter alone decides. */
    expect_ids("fox price:..9.5", "f07");
}
END_TEST

START_TEST(test_range_errors)
{
    static const struct {
        const char *q;
        const char *says;
    } cases[] = {
        { "year:2019..2021", "no value 'year'" },
        { "fox year:..2021", "no value 'year'" },
        { "title:1..2", "'title' is a text field" },
        { "fox:1..2", "no value 'fox'" },
        { "price:2019-03..", "'2019-03' is not a number" },
        { "date:12345..", "'12345' is not an ISO 8601 date" },
        { "date:2019-02-30", "not an ISO 8601 date" },
        { "price:20..10", "'20' is above '10'" },
        { "price:cheap", "'cheap' is not a number" },
        { "date:yesterday..", "'yesterday' is not an ISO 8601 date" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sou_results *r = (sou_results *)1;
        int rc = sou_index_search(ix, cases[i].q, strlen(cases[i].q), NULL, &r);
        ck_assert_msg(rc == SOU_EQUERY, "query '%s': %d", cases[i].q, rc);
        ck_assert_ptr_null(r);
        ck_assert_msg(strstr(sou_error_last()->message, cases[i].says) != NULL,
                      "query '%s': message '%s'", cases[i].q, sou_error_last()->message);
    }
    /* Text that only looks a little like a range stays text. */
    free(ids_of("river:boats", NULL));
    free(ids_of("fox..river", NULL));
}
END_TEST

START_TEST(test_browse)
{
    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r = NULL;
    double prev = -INFINITY;
    size_t n = 0;

    /* Every document, in the order added. */
    o.flags = SOU_SEARCH_NO_SNIPPETS;
    o.limit = 100;
    ck_assert_int_eq(sou_index_search(ix, "*", 1, &o, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_total(r), NDOCS);
    ck_assert(sou_results_total_exact(r));
    ck_assert_uint_eq(sou_results_count(r), NDOCS);
    for (size_t i = 0; i < NDOCS; i++)
        ck_assert_str_eq(sou_results_id(r, i, NULL), DOCS[i].id);
    sou_results_free(r);

    /* A page of it. */
    o.offset = 3;
    o.limit = 2;
    ck_assert_int_eq(sou_index_search(ix, "*", 1, &o, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_total(r), NDOCS);
    ck_assert_uint_eq(sou_results_count(r), 2);
    ck_assert_str_eq(sou_results_id(r, 0, NULL), "f04");
    sou_results_free(r);

    /* Filters alone, sorted by a value. */
    o.offset = 0;
    o.limit = 100;
    o.sort_by = "price";
    o.flags |= SOU_SEARCH_SORT_ASCENDING;
    ck_assert_int_eq(sou_index_search(ix, "date:2019..2020", 15, &o, &r), SOU_OK);
    for (size_t i = 0; i < NDOCS; i++)
        n += DOCS[i].date && date_of(DOCS[i].date) >= date_of("2019") &&
             date_of(DOCS[i].date) < date_of("2021");
    ck_assert_uint_eq(sou_results_total(r), n);
    ck_assert(sou_results_total_exact(r));
    ck_assert_uint_eq(sou_results_count(r), n);
    for (size_t i = 0; i < n; i++) {
        double p = 0;
        ck_assert_int_eq(sou_doc_value(sou_results_doc(r, i), "price", &p), SOU_OK);
        ck_assert(p >= prev);
        prev = p;
    }
    sou_results_free(r);

    expect_ids("* -fox", "f03 f04 f06 f09");
    expect_ids("* price:20..", "f03 f04 f05 f09");
    expect_ids("", "");
}
END_TEST

/* Facet counts against a count by hand of cat over the documents that q
 * matches (match(i) says which). */
static void check_cat_facet(const sou_results *r, size_t facet, const int *match)
{
    uint64_t want[4] = { 0, 0, 0, 0 }, prev = UINT64_MAX;
    size_t nvalues = 0, distinct = 0;
    const char *name = sou_results_facet(r, facet, &nvalues);

    ck_assert_str_eq(name, "cat");
    for (size_t i = 0; i < NDOCS; i++)
        if (match[i])
            want[(int)DOCS[i].cat]++;
    for (int c = 0; c < 4; c++)
        distinct += want[c] > 0;
    ck_assert_uint_eq(nvalues, distinct);
    for (size_t j = 0; j < nvalues; j++) {
        double v = 0;
        uint64_t count = 0;
        ck_assert_int_eq(sou_results_facet_value(r, facet, j, &v, &count), SOU_OK);
        ck_assert(v >= 1 && v <= 3);
        ck_assert_uint_eq(count, want[(int)v]);
        ck_assert(count <= prev); /* the most frequent first */
        prev = count;
    }
    ck_assert_int_eq(sou_results_facet_value(r, facet, nvalues, NULL, NULL), SOU_ENOTFOUND);
}

START_TEST(test_facets)
{
    static const char *const names[] = { "price", "cat" };
    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r = NULL;
    int match[NDOCS];
    size_t n;

    o.facets = names;
    o.nfacets = 2;
    o.limit = 1; /* counts cover the whole match, not the page */
    o.exact_total = 0;

    ck_assert_int_eq(sou_index_search(ix, "*", 1, &o, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_facet_count(r), 2);
    for (size_t i = 0; i < NDOCS; i++)
        match[i] = 1;
    check_cat_facet(r, 1, match);
    /* price: f03 and f09 differ (20, 20.5); f08 has none. */
    ck_assert_str_eq(sou_results_facet(r, 0, &n), "price");
    ck_assert_uint_eq(n, NDOCS - 1);
    ck_assert_uint_eq(sou_results_total(r), NDOCS);
    ck_assert(sou_results_total_exact(r));
    sou_results_free(r);

    /* fox: f01 f02 f05 f07 f08 */
    ck_assert_int_eq(sou_index_search(ix, "fox", 3, &o, &r), SOU_OK);
    for (size_t i = 0; i < NDOCS; i++)
        match[i] = strstr(DOCS[i].body, "fox") != NULL;
    check_cat_facet(r, 1, match);
    ck_assert_uint_eq(sou_results_total(r), 5);
    ck_assert(sou_results_total_exact(r));
    sou_results_free(r);

    /* A filter, and relaxed levels: the counts cover the matches the total
     * counts. The exact level (both words) fills a page of one, so only
     * it runs and is counted... */
    ck_assert_int_eq(sou_index_search(ix, "fox river price:..20", 20, &o, &r), SOU_OK);
    n = 0;
    for (size_t i = 0; i < NDOCS; i++) {
        match[i] = !isnan(DOCS[i].price) && DOCS[i].price <= 20 &&
                   strstr(DOCS[i].body, "fox") && strstr(DOCS[i].body, "river");
        n += match[i];
    }
    ck_assert_uint_ge(n, 1);
    check_cat_facet(r, 1, match);
    ck_assert_uint_eq(sou_results_total(r), n);
    sou_results_free(r);
    /* ...and a page it leaves short runs the relaxed levels, counted too. */
    o.limit = 20;
    ck_assert_int_eq(sou_index_search(ix, "fox river price:..20", 20, &o, &r), SOU_OK);
    for (size_t i = 0; i < NDOCS; i++)
        match[i] = !isnan(DOCS[i].price) && DOCS[i].price <= 20 &&
                   (strstr(DOCS[i].body, "fox") || strstr(DOCS[i].body, "river"));
    check_cat_facet(r, 1, match);
    ck_assert_uint_eq(sou_results_total(r), 4);
    ck_assert_uint_gt(4, n);
    sou_results_free(r);
    o.limit = 1;

    /* Nothing matched: no values. */
    ck_assert_int_eq(sou_index_search(ix, "zebra", 5, &o, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_facet_count(r), 2);
    ck_assert_str_eq(sou_results_facet(r, 1, &n), "cat");
    ck_assert_uint_eq(n, 0);
    sou_results_free(r);

    /* Options of version 2 have no facets; init fills only their fields. */
    {
        sou_search_options raw;
        size_t marker;
        memset(&raw, 0xab, sizeof raw);
        memset(&marker, 0xab, sizeof marker);
        ck_assert_int_eq(sou_search_options_init(&raw, 2), SOU_OK);
        ck_assert_uint_eq(raw.version, 2);
        ck_assert_uint_eq(raw.exact_total, SOU_EXACT_TOTAL_DEFAULT);
        ck_assert_uint_eq(raw.nfacets, marker); /* past a version 2 struct: untouched */
        ck_assert_int_eq(sou_search_options_init(&raw, 4), SOU_EINVAL);
    }
    o.version = 2;
    ck_assert_int_eq(sou_index_search(ix, "*", 1, &o, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_facet_count(r), 0);
    ck_assert_ptr_null(sou_results_facet(r, 0, &n));
    sou_results_free(r);
}
END_TEST

START_TEST(test_facet_errors)
{
    static const char *const bad[] = { "cat", "colour" };
    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r = NULL;

    o.facets = bad;
    o.nfacets = 2;
    ck_assert_int_eq(sou_index_search(ix, "*", 1, &o, &r), SOU_EINVAL);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "'colour'"));
    o.facets = NULL;
    ck_assert_int_eq(sou_index_search(ix, "*", 1, &o, &r), SOU_EINVAL);
    /* A text field is no value either. */
    o.facets = (const char *const[]){ "title" };
    o.nfacets = 1;
    ck_assert_int_eq(sou_index_search(ix, "*", 1, &o, &r), SOU_EINVAL);
    ck_assert_uint_eq(sou_results_facet_count(NULL), 0);
    ck_assert_int_eq(sou_results_facet_value(NULL, 0, 0, NULL, NULL), SOU_ENOTFOUND);
}
END_TEST

Suite *sou_filter_suite(void)
{
    Suite *s = suite_create("filter");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, build, teardown);
    tcase_add_test(tc, test_dates_parse);
    tcase_add_test(tc, test_number_ranges);
    tcase_add_test(tc, test_date_ranges);
    tcase_add_test(tc, test_combined);
    tcase_add_test(tc, test_filter_keeps_scores);
    tcase_add_test(tc, test_levels);
    tcase_add_test(tc, test_browse);
    tcase_add_test(tc, test_facets);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, build, teardown);
    tcase_add_test(tc, test_range_errors);
    tcase_add_test(tc, test_facet_errors);
    suite_add_tcase(s, tc);
    return s;
}
