/* check_bulk.c: bulk indexing on several threads, through the public API. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sou.h"
#include "suites.h"
#include "testutil.h"

static char *dir;

static void setup(void)
{
    dir = tu_tempdir();
    ck_assert_ptr_nonnull(dir);
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
    dir = NULL;
}

/* The index in dir/ix, created or opened for writing. */
static sou_index *open_writer(void)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_index *ix = NULL;
    char path[4096];

    snprintf(path, sizeof path, "%s/ix", dir);
    o.flags = SOU_INDEX_CREATE;
    ck_assert_msg(sou_index_open(&ix, path, &o) == SOU_OK, "%s", sou_error_last()->message);
    return ix;
}

static sou_doc *make_doc(const char *id, const char *title, const char *body, double n)
{
    sou_doc *d = NULL;
    ck_assert_int_eq(sou_doc_new(&d, id, strlen(id)), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(d, "title", title, strlen(title), 0, 0), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(d, "body", body, strlen(body), 0, 0), SOU_OK);
    ck_assert_int_eq(sou_doc_set_value(d, "n", n), SOU_OK);
    return d;
}

static uint64_t total(sou_index *ix, const char *q)
{
    sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r = NULL;
    uint64_t t;

    so.flags = SOU_SEARCH_NO_SNIPPETS | SOU_SEARCH_STRICT;
    ck_assert_msg(sou_index_search(ix, q, strlen(q), &so, &r) == SOU_OK, "%s",
                  sou_error_last()->message);
    ck_assert(sou_results_total_exact(r));
    t = sou_results_total(r);
    sou_results_free(r);
    return t;
}

/* Does dir hold anything but the index itself (a shard left behind)? */
static int leftovers(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "ix"))
            n++;
    closedir(d);
    return n;
}

/* 600 documents, even ones mention lanterns, every tenth in Chinese; ids
 * 0..99 come twice, the second version wins. */
static void add_many(sou_bulk *b)
{
    char id[32], body[128];
    for (int i = 0; i < 700; i++) {
        int n = i < 600 ? i : i - 600;
        sou_doc *d;
        snprintf(id, sizeof id, "doc-%d", n);
        if (i >= 600)
            snprintf(body, sizeof body, "second version %d of a kite festival", n);
        else if (n % 10 == 0)
            snprintf(body, sizeof body, "第%d号文件，北京天气晴朗。", n);
        else
            snprintf(body, sizeof body, "note %d about %s", n, n % 2 ? "rivers" : "lanterns");
        d = make_doc(id, "A note", body, (double)n);
        ck_assert_msg(sou_bulk_add(b, d) == SOU_OK, "%s", sou_error_last()->message);
        sou_doc_free(d);
    }
}

static void check_many(sou_index *ix, uint64_t docs)
{
    sou_doc *got = NULL;
    uint64_t n = 0;

    ck_assert_int_eq(sou_index_doc_count(ix, &n), SOU_OK);
    ck_assert_uint_eq(n, docs);
    /* doc-0..99 were replaced by their second version. */
    ck_assert_uint_eq(total(ix, "festival"), 100);
    /* lanterns: even ids 100..598 not divisible by 10 */
    ck_assert_uint_eq(total(ix, "lanterns"), 200 + (docs - 600)); /* and "late" */
    ck_assert_uint_eq(total(ix, "北京天气"), 50);
    ck_assert_uint_eq(total(ix, "title:note"), 600);
    ck_assert_int_eq(sou_index_get(ix, "doc-5", 5, &got), SOU_OK);
    ck_assert_str_eq(sou_doc_field(got, "body", NULL), "second version 5 of a kite festival");
    sou_doc_free(got);
}

START_TEST(test_bulk_new_index)
{
    sou_index *ix = open_writer();
    sou_bulk_options bo = SOU_BULK_OPTIONS_INIT;
    sou_bulk *b = NULL;

    bo.threads = (unsigned int)_i + 1; /* 1, 2 and 3 workers */
    bo.memory_docs = 64;               /* many commits per shard */
    ck_assert_int_eq(sou_bulk_begin(&b, ix, &bo), SOU_OK);
    add_many(b);
    ck_assert_msg(sou_bulk_finish(b) == SOU_OK, "%s", sou_error_last()->message);
    check_many(ix, 600);
    ck_assert_int_eq(leftovers(), 0);

    /* The handle goes on as a writer, and sorting by value works. */
    sou_doc *d = make_doc("late", "Late", "one more lantern", 1000);
    ck_assert_int_eq(sou_index_add(ix, d), SOU_OK);
    sou_doc_free(d);
    ck_assert_int_eq(sou_index_commit(ix), SOU_OK);
    {
        sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
        sou_results *r = NULL;
        so.sort_by = "n";
        ck_assert_int_eq(sou_index_search(ix, "lantern", 7, &so, &r), SOU_OK);
        ck_assert_str_eq(sou_results_id(r, 0, NULL), "late");
        sou_results_free(r);
    }
    sou_index_close(ix);

    /* And a new reader sees it all. */
    ix = open_writer();
    check_many(ix, 601);
    sou_index_close(ix);
}
END_TEST

static int exists_in(const char *name)
{
    char path[4096];
    DIR *d;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!(d = opendir(path)))
        return 0;
    closedir(d);
    return 1;
}

static void make_dir_in(const char *name)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    ck_assert_int_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/%s/iamglass", dir, name);
    ck_assert_ptr_nonnull(f = fopen(path, "w"));
    fclose(f);
}

/* What a killed bulk load or compaction left beside the index goes at the
 * next one; a work directory that may hold the index moved aside stays,
 * and so does anything else. The path may end in '/'. */
START_TEST(test_bulk_stale_work)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_index *ix = NULL;
    sou_bulk *b = NULL;
    char path[4096];

    make_dir_in("ix.bulkAb3dE9");
    make_dir_in("ix.bulkAb3dE9/s0");
    make_dir_in("ix.compactZz81kQ");
    make_dir_in("ix.bulkOLDold");
    make_dir_in("ix.bulkOLDold/old");
    make_dir_in("ix.bulk-mine");
    make_dir_in("ixx.bulkAb3dE9");

    snprintf(path, sizeof path, "%s/ix/", dir);
    o.flags = SOU_INDEX_CREATE;
    ck_assert_msg(sou_index_open(&ix, path, &o) == SOU_OK, "%s", sou_error_last()->message);
    ck_assert_int_eq(sou_bulk_begin(&b, ix, NULL), SOU_OK);
    add_many(b);
    ck_assert_msg(sou_bulk_finish(b) == SOU_OK, "%s", sou_error_last()->message);
    check_many(ix, 600);
    sou_index_close(ix);

    ck_assert(!exists_in("ix.bulkAb3dE9"));
    ck_assert(!exists_in("ix.compactZz81kQ"));
    ck_assert(exists_in("ix.bulkOLDold/old"));
    ck_assert(exists_in("ix.bulk-mine"));
    ck_assert(exists_in("ixx.bulkAb3dE9"));
    /* the index, the one kept and the two that are not bulk's */
    ck_assert_int_eq(leftovers(), 3);
}
END_TEST

START_TEST(test_bulk_into_existing)
{
    sou_index *ix = open_writer();
    sou_bulk *b = NULL;
    sou_doc *d;

    /* Before: doc-1 is about owls, "keep" is not in the bulk at all. */
    d = make_doc("doc-1", "Old", "owls at night", 1);
    ck_assert_int_eq(sou_index_add(ix, d), SOU_OK);
    sou_doc_free(d);
    d = make_doc("keep", "Kept", "owls and lanterns", 2);
    ck_assert_int_eq(sou_index_add(ix, d), SOU_OK);
    sou_doc_free(d);
    ck_assert_int_eq(sou_index_commit(ix), SOU_OK);

    ck_assert_int_eq(sou_bulk_begin(&b, ix, NULL), SOU_OK);
    add_many(b);
    ck_assert_msg(sou_bulk_finish(b) == SOU_OK, "%s", sou_error_last()->message);
    ck_assert_uint_eq(total(ix, "owls"), 1); /* only "keep" */
    ck_assert_uint_eq(total(ix, "lanterns"), 201);
    ck_assert_uint_eq(total(ix, "festival"), 100);
    sou_index_close(ix);
}
END_TEST

START_TEST(test_bulk_cancel)
{
    sou_index *ix = open_writer();
    sou_bulk *b = NULL;
    sou_doc *d = make_doc("x", "Before", "a quiet pond", 1);
    uint64_t n = 0;

    ck_assert_int_eq(sou_index_add(ix, d), SOU_OK);
    sou_doc_free(d);
    ck_assert_int_eq(sou_index_commit(ix), SOU_OK);
    ck_assert_int_eq(sou_bulk_begin(&b, ix, NULL), SOU_OK);
    add_many(b);
    sou_bulk_cancel(b);
    ck_assert_int_eq(leftovers(), 0);
    ck_assert_int_eq(sou_index_doc_count(ix, &n), SOU_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(total(ix, "festival"), 0);
    ck_assert_uint_eq(total(ix, "pond"), 1);
    sou_bulk_cancel(NULL);
    sou_index_close(ix);
}
END_TEST

START_TEST(test_compact)
{
    sou_index *ix = open_writer(), *ro = NULL;
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_index_stats before, after;
    char id[32], body[128], path[4096];

    /* Committed bit by bit, as incremental indexing does. */
    for (int i = 0; i < 400; i++) {
        sou_doc *d;
        snprintf(id, sizeof id, "c%d", i);
        snprintf(body, sizeof body, "entry %d on tides, 潮汐记录 %d", i, i * 3);
        d = make_doc(id, "Log", body, i);
        ck_assert_int_eq(sou_index_add(ix, d), SOU_OK);
        sou_doc_free(d);
        if (i % 20 == 0)
            ck_assert_int_eq(sou_index_commit(ix), SOU_OK);
    }
    ck_assert_int_eq(sou_index_stats_get(ix, &before), SOU_OK);
    ck_assert_int_eq(sou_index_compact(ix), SOU_OK);
    ck_assert_int_eq(sou_index_stats_get(ix, &after), SOU_OK);
    ck_assert_uint_eq(after.doc_count, 400);
    ck_assert_uint_eq(after.term_count, before.term_count);
    ck_assert_uint_lt(after.size_bytes, before.size_bytes);
    ck_assert_int_eq(leftovers(), 0);
    ck_assert_uint_eq(total(ix, "tides"), 400);
    ck_assert_uint_eq(total(ix, "潮汐"), 400);
    /* Still a writer. */
    ck_assert_int_eq(sou_index_delete(ix, "c7", 2), SOU_OK);
    ck_assert_int_eq(sou_index_commit(ix), SOU_OK);
    ck_assert_uint_eq(total(ix, "tides"), 399);

    snprintf(path, sizeof path, "%s/ix", dir);
    o.flags = SOU_INDEX_READONLY;
    ck_assert_int_eq(sou_index_open(&ro, path, &o), SOU_OK);
    ck_assert_int_eq(sou_index_compact(ro), SOU_EREADONLY);
    ck_assert_int_eq(sou_index_compact(NULL), SOU_EINVAL);
    sou_index_close(ro);
    sou_index_close(ix);
}
END_TEST

START_TEST(test_bulk_errors)
{
    sou_index *ix = open_writer(), *ro = NULL;
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_bulk_options bo = SOU_BULK_OPTIONS_INIT;
    sou_bulk *b = (sou_bulk *)1;
    sou_doc *d = NULL;
    char path[4096];

    ck_assert_int_eq(sou_bulk_begin(NULL, ix, NULL), SOU_EINVAL);
    ck_assert_int_eq(sou_bulk_begin(&b, NULL, NULL), SOU_EINVAL);
    ck_assert_ptr_null(b);
    bo.version = 99;
    ck_assert_int_eq(sou_bulk_begin(&b, ix, &bo), SOU_EINVAL);
    bo.version = SOU_BULK_OPTIONS_VERSION;
    bo.threads = 1000;
    ck_assert_int_eq(sou_bulk_begin(&b, ix, &bo), SOU_EINVAL);
    ck_assert_int_eq(sou_bulk_options_init(&bo, SOU_BULK_OPTIONS_VERSION), SOU_OK);
    ck_assert_uint_eq(bo.threads, 0);

    ck_assert_int_eq(sou_index_begin(ix), SOU_OK);
    ck_assert_int_eq(sou_bulk_begin(&b, ix, NULL), SOU_EINVAL);
    ck_assert_int_eq(sou_index_cancel(ix), SOU_OK);
    ck_assert_int_eq(sou_index_commit(ix), SOU_OK);

    snprintf(path, sizeof path, "%s/ix", dir);
    o.flags = SOU_INDEX_READONLY;
    ck_assert_int_eq(sou_index_open(&ro, path, &o), SOU_OK);
    ck_assert_int_eq(sou_bulk_begin(&b, ro, NULL), SOU_EREADONLY);
    sou_index_close(ro);

    ck_assert_int_eq(sou_bulk_begin(&b, ix, NULL), SOU_OK);
    ck_assert_int_eq(sou_bulk_add(b, NULL), SOU_EINVAL);
    ck_assert_int_eq(sou_bulk_add(NULL, NULL), SOU_EINVAL);
    d = make_doc("ok", "Fine", "a fine day", 1);
    ck_assert_int_eq(sou_bulk_add(b, d), SOU_OK);
    sou_doc_free(d);
    ck_assert_int_eq(sou_bulk_finish(b), SOU_OK);
    ck_assert_int_eq(sou_bulk_finish(NULL), SOU_EINVAL);
    ck_assert_uint_eq(total(ix, "fine"), 1);
    sou_index_close(ix);
}
END_TEST

Suite *sou_bulk_suite(void)
{
    Suite *s = suite_create("bulk");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_bulk_new_index, 0, 3);
    tcase_add_test(tc, test_bulk_into_existing);
    tcase_add_test(tc, test_bulk_stale_work);
    tcase_add_test(tc, test_bulk_cancel);
    tcase_add_test(tc, test_compact);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_bulk_errors);
    suite_add_tcase(s, tc);
    return s;
}
