/* check_index.c: opening indexes, adding, replacing, deleting and fetching
 * documents, transactions, and the terms the writer stores. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "alloc.h"
#include "doc.h"
#include "index.h"
#include "suites.h"
#include "testutil.h"
#include "xapian_shim.h"

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

static sou_index *open_index(unsigned int flags, const sou_analyzer_options *aopts,
                             size_t flush)
{
    sou_index_options opts = SOU_INDEX_OPTIONS_INIT;
    sou_index *index = NULL;
    int rc;

    opts.flags = flags;
    opts.analyzer = aopts;
    opts.flush_threshold = flush;
    rc = sou_index_open(&index, dir, &opts);
    ck_assert_msg(rc == SOU_OK, "open: %d %s", rc, sou_error_last()->message);
    ck_assert_ptr_nonnull(index);
    return index;
}

static int try_open(unsigned int flags, const sou_analyzer_options *aopts, sou_index **out)
{
    sou_index_options opts = SOU_INDEX_OPTIONS_INIT;

    opts.flags = flags;
    opts.analyzer = aopts;
    return sou_index_open(out, dir, &opts);
}

/* Add a document with a title and a body. */
static void add_doc(sou_index *index, const char *id, const char *title, const char *body)
{
    sou_doc *doc = NULL;
    int rc;

    ck_assert_int_eq(sou_doc_new(&doc, id, strlen(id)), SOU_OK);
    if (title)
        ck_assert_int_eq(sou_doc_add_field(doc, "title", title, strlen(title), 0, 0), SOU_OK);
    if (body)
        ck_assert_int_eq(sou_doc_add_field(doc, "body", body, strlen(body), 0, 0), SOU_OK);
    rc = sou_index_add(index, doc);
    ck_assert_msg(rc == SOU_OK, "add: %d %s", rc, sou_error_last()->message);
    sou_doc_free(doc);
}

static int has_term(sou_index *index, const char *term)
{
    int exists = -1;
    ck_assert_int_eq(sou__xdb_term_exists(index->db, term, strlen(term), &exists), SOU_OK);
    return exists;
}

static uint64_t doc_count(sou_index *index)
{
    sou_index_stats st;
    ck_assert_int_eq(sou_index_stats_get(index, &st), SOU_OK);
    return st.doc_count;
}

static int doc_exists(sou_index *index, const char *id)
{
    sou_doc *doc = NULL;
    int rc = sou_index_get(index, id, strlen(id), &doc);

    ck_assert(rc == SOU_OK || rc == SOU_ENOTFOUND);
    sou_doc_free(doc);
    return rc == SOU_OK;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- core */

START_TEST(test_add_get)
{
    static const char body[] = "Steam the buns.\0Serve 热 with tea.";
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);
    sou_doc *doc = NULL, *got = NULL;
    const char *text;
    size_t len;
    double v;

    ck_assert_int_eq(sou_doc_new(&doc, "bun/1", 5), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "title", "包子 Buns", strlen("包子 Buns"), 0, 0),
                     SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "body", body, sizeof body - 1, 0, 0), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "notes", "kitchen only", 12, 0, SOU_FIELD_NO_STORE),
                     SOU_OK);
    ck_assert_int_eq(sou_doc_set_value(doc, "date", 1700000000.0), SOU_OK);
    ck_assert_int_eq(sou_index_add(index, doc), SOU_OK);
    sou_doc_free(doc);

    /* Readable before and after a commit and a reopen of the handle. */
    for (int round = 0; round < 2; round++) {
        ck_assert_int_eq(sou_index_get(index, "bun/1", 5, &got), SOU_OK);
        ck_assert_str_eq(sou_doc_id(got, &len), "bun/1");
        ck_assert_str_eq(sou_doc_field(got, "title", NULL), "包子 Buns");
        text = sou_doc_field(got, "body", &len);
        ck_assert_uint_eq(len, sizeof body - 1);
        ck_assert_mem_eq(text, body, len);
        ck_assert_ptr_null(sou_doc_field(got, "notes", NULL));
        ck_assert_int_eq(sou_doc_value(got, "date", &v), SOU_OK);
        ck_assert_double_eq(v, 1700000000.0);
        sou_doc_free(got);
        got = NULL;
        sou_index_close(index);
        index = open_index(SOU_INDEX_READONLY, NULL, 0);
    }
    /* Store-less fields are still searchable. */
    ck_assert(has_term(index, "XNOTES:kitchen"));
    sou_index_close(index);
}
END_TEST

START_TEST(test_terms)
{
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);
    sou_doc *doc = NULL;

    ck_assert_int_eq(sou_doc_new(&doc, "shop-1", 6), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "title", "Alibaba shopping", 16, 0, 0), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "body", "在线购物", strlen("在线购物"), 0, 0), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "url", "http://example.org/zebra", 24, 0,
                                       SOU_FIELD_NO_INDEX),
                     SOU_OK);
    ck_assert_int_eq(sou_index_add(index, doc), SOU_OK);
    sou_doc_free(doc);

    ck_assert(has_term(index, "Qshop-1"));
    /* Format 2: each token once, in its field; "body" without a prefix. */
    ck_assert(has_term(index, "XTITLE:alibaba"));
    ck_assert(!has_term(index, "alibaba"));
    ck_assert(has_term(index, "XTITLE:shopping"));
    ck_assert(!has_term(index, "shopping"));
    ck_assert(has_term(index, "ZXTITLE:shop"));
    ck_assert(!has_term(index, "Zshop"));
    /* A stem is stored only where it differs from the word. */
    ck_assert(!has_term(index, "ZXTITLE:alibaba"));
    ck_assert(!has_term(index, "ZXTITLE:shopping"));
    /* Each Han character is a term. */
    ck_assert(has_term(index, "购"));
    ck_assert(has_term(index, "物"));
    ck_assert(!has_term(index, "XBODY:物"));
    ck_assert(!has_term(index, "Z购"));
    /* Store-only fields leave no term. */
    ck_assert(!has_term(index, "zebra"));
    ck_assert(!has_term(index, "XURL:zebra"));
    ck_assert(sou__index_has_field(index, "title", 5));
    ck_assert(sou__index_has_field(index, "body", 4));
    ck_assert(!sou__index_has_field(index, "url", 3));
    sou_index_close(index);
}
END_TEST

typedef struct {
    sou_index *index;
    int missing;
} term_check;

static int check_token_terms(const sou_token *t, void *payload)
{
    term_check *c = payload;
    char buf[256];

    snprintf(buf, sizeof buf, "%.*s", (int)t->term_len, t->term);
    if (!has_term(c->index, buf))
        c->missing++;
    /* Once only: "body" has no second, prefixed copy. */
    snprintf(buf, sizeof buf, "XBODY:%.*s", (int)t->term_len, t->term);
    if (has_term(c->index, buf))
        c->missing++;
    return 0;
}

START_TEST(test_terms_match_analyzer)
{
    static const char text[] = "中华人民共和国成立了。我们在北京大学学习 Chinese history.";
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);
    term_check c = { index, 0 };

    add_doc(index, "zh", NULL, text);
    /* Every token the analyzer makes, compound words included, is stored
     * once, bare in "body". */
    ck_assert_int_eq(sou_analyzer_tokenize(index->analyzer, text, strlen(text),
                                           check_token_terms, &c),
                     SOU_OK);
    ck_assert_int_eq(c.missing, 0);
    ck_assert(has_term(index, "京"));
    sou_index_close(index);
}
END_TEST

START_TEST(test_no_stemmer)
{
    sou_analyzer_options aopts = SOU_ANALYZER_OPTIONS_INIT;
    sou_index *index;

    aopts.stemmer = "none";
    index = open_index(SOU_INDEX_CREATE, &aopts, 0);
    add_doc(index, "1", "Running shoes", NULL);
    ck_assert(has_term(index, "XTITLE:running"));
    ck_assert(!has_term(index, "Zrun"));
    ck_assert(!has_term(index, "ZXTITLE:run"));
    sou_index_close(index);
}
END_TEST

START_TEST(test_replace)
{
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);
    sou_doc *got = NULL;

    add_doc(index, "a", "First draft", "Old words about walruses");
    add_doc(index, "b", "Other", "Unrelated");
    add_doc(index, "a", "Second draft", "New words about penguins");
    ck_assert_int_eq(sou_index_commit(index), SOU_OK);
    ck_assert_uint_eq(doc_count(index), 2);
    ck_assert_int_eq(sou_index_get(index, "a", 1, &got), SOU_OK);
    ck_assert_str_eq(sou_doc_field(got, "title", NULL), "Second draft");
    ck_assert_str_eq(sou_doc_field(got, "body", NULL), "New words about penguins");
    sou_doc_free(got);
    ck_assert(!has_term(index, "walruses"));
    ck_assert(!has_term(index, "XTITLE:first"));
    ck_assert(has_term(index, "penguins"));
    sou_index_close(index);
}
END_TEST

START_TEST(test_delete)
{
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);
    sou_doc *got = (sou_doc *)&got;

    add_doc(index, "gone", "To be deleted", NULL);
    add_doc(index, "kept", "To be kept", NULL);
    ck_assert_int_eq(sou_index_delete(index, "gone", 4), SOU_OK);
    ck_assert_int_eq(sou_index_get(index, "gone", 4, &got), SOU_ENOTFOUND);
    ck_assert_ptr_null(got);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "gone"));
    ck_assert_int_eq(sou_index_delete(index, "gone", 4), SOU_ENOTFOUND);
    ck_assert_int_eq(sou_index_delete(index, "never", 5), SOU_ENOTFOUND);
    ck_assert_int_eq(sou_index_commit(index), SOU_OK);
    ck_assert_uint_eq(doc_count(index), 1);
    ck_assert(doc_exists(index, "kept"));
    ck_assert(!has_term(index, "deleted"));
    sou_index_close(index);
}
END_TEST

START_TEST(test_close_commits)
{
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);

    add_doc(index, "1", "Kept by close", NULL);
    sou_index_close(index);
    index = open_index(SOU_INDEX_READONLY, NULL, 0);
    ck_assert(doc_exists(index, "1"));
    sou_index_close(index);

    /* An open transaction is dropped by close. */
    index = open_index(SOU_INDEX_WRITE, NULL, 0);
    ck_assert_int_eq(sou_index_begin(index), SOU_OK);
    add_doc(index, "2", "Dropped by close", NULL);
    sou_index_close(index);
    index = open_index(SOU_INDEX_READONLY, NULL, 0);
    ck_assert(doc_exists(index, "1"));
    ck_assert(!doc_exists(index, "2"));
    sou_index_close(index);
}
END_TEST

START_TEST(test_fields_and_values_registered)
{
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0), *reader;
    sou_doc *doc = NULL;

    ck_assert_int_eq(sou_doc_new(&doc, "v", 1), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "author", "Lu Xun", 6, 0, 0), SOU_OK);
    ck_assert_int_eq(sou_doc_set_value(doc, "year", 1921), SOU_OK);
    ck_assert_int_eq(sou_doc_set_value(doc, "pages", 90), SOU_OK);
    ck_assert_int_eq(sou_index_add(index, doc), SOU_OK);
    sou_doc_free(doc);
    ck_assert_int_eq(sou_index_commit(index), SOU_OK);

    reader = open_index(SOU_INDEX_READONLY, NULL, 0);
    ck_assert(sou__index_has_field(reader, "author", 6));
    ck_assert_int_eq(sou__index_value_slot(reader, "year"), 1);
    ck_assert_int_eq(sou__index_value_slot(reader, "pages"), 2);
    ck_assert_int_eq(sou__index_value_slot(reader, "size"), -1);

    /* New names reach a reader on reopen. */
    ck_assert_int_eq(sou_doc_new(&doc, "w", 1), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "summary", "A story", 7, 0, 0), SOU_OK);
    ck_assert_int_eq(sou_doc_set_value(doc, "size", 3), SOU_OK);
    ck_assert_int_eq(sou_doc_set_value(doc, "year", 1922), SOU_OK);
    ck_assert_int_eq(sou_index_add(index, doc), SOU_OK);
    sou_doc_free(doc);
    ck_assert_int_eq(sou_index_commit(index), SOU_OK);
    ck_assert(!sou__index_has_field(reader, "summary", 7));
    ck_assert_int_eq(sou_index_reopen(reader), SOU_OK);
    ck_assert(sou__index_has_field(reader, "summary", 7));
    ck_assert_int_eq(sou__index_value_slot(reader, "year"), 1);
    ck_assert_int_eq(sou__index_value_slot(reader, "size"), 3);
    sou_index_close(reader);
    sou_index_close(index);
}
END_TEST

START_TEST(test_stats)
{
    sou_analyzer_options aopts = SOU_ANALYZER_OPTIONS_INIT;
    sou_index *index;
    sou_index_stats st;

    aopts.cjk = SOU_CJK_CHARS;
    aopts.fold_hant = 1;
    index = open_index(SOU_INDEX_CREATE, &aopts, 0);
    add_doc(index, "1", "one two", "three");
    add_doc(index, "2", "four", "five six");
    ck_assert_int_eq(sou_index_commit(index), SOU_OK);
    ck_assert_int_eq(sou_index_stats_get(index, &st), SOU_OK);
    ck_assert_uint_eq(st.doc_count, 2);
    /* Two ids, and six words once each: their stems are the words. */
    ck_assert_uint_eq(st.term_count, 2 + 6);
    /* Document lengths count every term the weight times: 3 title words at
     * weight 3, and 3 body words at weight 1. */
    ck_assert_uint_eq(st.total_length, 3 * 3 + 3 * 1);
    ck_assert_uint_gt(st.size_bytes, 0);
    ck_assert_int_eq(st.analyzer.cjk, SOU_CJK_CHARS);
    ck_assert_str_eq(st.analyzer.stemmer, "english");
    ck_assert_int_eq(st.analyzer.fold_hant, 1);
    ck_assert_ptr_nonnull(st.icu_version);
    ck_assert_uint_gt(strlen(st.icu_version), 0);
    ck_assert_str_eq(sou_index_analyzer_options(index)->stemmer, "english");
    sou_index_close(index);
}
END_TEST

/* ---- concurrency */

START_TEST(test_second_writer_locked)
{
    sou_index *writer = open_index(SOU_INDEX_CREATE, NULL, 0), *other = (sou_index *)&other;
    double t0 = now();

    ck_assert_int_eq(try_open(SOU_INDEX_WRITE, NULL, &other), SOU_ELOCKED);
    ck_assert_ptr_null(other);
    ck_assert_int_eq(try_open(SOU_INDEX_CREATE, NULL, &other), SOU_ELOCKED);
    ck_assert_double_lt(now() - t0, 2.0);
    ck_assert_int_eq(sou_error_last()->code, SOU_ELOCKED);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, dir));
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "locked by another writer"));
    sou_index_close(writer);
    /* The lock goes with the writer. */
    writer = open_index(SOU_INDEX_WRITE, NULL, 0);
    sou_index_close(writer);
}
END_TEST

START_TEST(test_reader_sees_commits_after_reopen)
{
    sou_index *writer = open_index(SOU_INDEX_CREATE, NULL, 0), *reader;

    add_doc(writer, "1", "First", NULL);
    ck_assert_int_eq(sou_index_commit(writer), SOU_OK);
    reader = open_index(SOU_INDEX_READONLY, NULL, 0);
    ck_assert_uint_eq(doc_count(reader), 1);

    add_doc(writer, "2", "Second", NULL);
    ck_assert(!doc_exists(reader, "2"));
    ck_assert_int_eq(sou_index_commit(writer), SOU_OK);
    /* A reader stays on its revision until it reopens. */
    ck_assert_uint_eq(doc_count(reader), 1);
    ck_assert_int_eq(sou_index_reopen(reader), SOU_OK);
    ck_assert_uint_eq(doc_count(reader), 2);
    ck_assert(doc_exists(reader, "2"));
    sou_index_close(reader);
    sou_index_close(writer);
}
END_TEST

START_TEST(test_flush_threshold)
{
    sou_index *writer = open_index(SOU_INDEX_CREATE, NULL, 3), *reader;

    reader = open_index(SOU_INDEX_READONLY, NULL, 0);
    add_doc(writer, "1", "one", NULL);
    add_doc(writer, "2", "two", NULL);
    ck_assert_int_eq(sou_index_reopen(reader), SOU_OK);
    ck_assert_uint_eq(doc_count(reader), 0);
    add_doc(writer, "3", "three", NULL);
    /* The third change committed on its own. */
    ck_assert_int_eq(sou_index_reopen(reader), SOU_OK);
    ck_assert_uint_eq(doc_count(reader), 3);
    add_doc(writer, "4", "four", NULL);
    ck_assert_int_eq(sou_index_delete(writer, "1", 1), SOU_OK);
    ck_assert_int_eq(sou_index_reopen(reader), SOU_OK);
    ck_assert_uint_eq(doc_count(reader), 3);
    ck_assert_int_eq(sou_index_delete(writer, "2", 1), SOU_OK);
    ck_assert_int_eq(sou_index_reopen(reader), SOU_OK);
    ck_assert_uint_eq(doc_count(reader), 2);
    ck_assert(doc_exists(reader, "4"));
    sou_index_close(reader);
    sou_index_close(writer);
}
END_TEST

/* ---- transactions */

START_TEST(test_txn_cancel)
{
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);
    sou_doc *doc = NULL;

    add_doc(index, "before", "Before", NULL);
    ck_assert_int_eq(sou_index_begin(index), SOU_OK);
    ck_assert_int_eq(sou_index_begin(index), SOU_EINVAL);
    ck_assert_int_eq(sou_doc_new(&doc, "inside", 6), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "caption", "Inside", 6, 0, 0), SOU_OK);
    ck_assert_int_eq(sou_doc_set_value(doc, "price", 9.5), SOU_OK);
    ck_assert_int_eq(sou_index_add(index, doc), SOU_OK);
    sou_doc_free(doc);
    ck_assert_int_eq(sou_index_delete(index, "before", 6), SOU_OK);
    ck_assert(doc_exists(index, "inside"));
    ck_assert_int_eq(sou_index_cancel(index), SOU_OK);
    ck_assert(!doc_exists(index, "inside"));
    ck_assert(doc_exists(index, "before"));
    /* Names first seen in the cancelled transaction are gone too. */
    ck_assert(!sou__index_has_field(index, "caption", 7));
    ck_assert_int_eq(sou__index_value_slot(index, "price"), -1);
    ck_assert_int_eq(sou_index_cancel(index), SOU_EINVAL);
    sou_index_close(index);
    index = open_index(SOU_INDEX_READONLY, NULL, 0);
    ck_assert_uint_eq(doc_count(index), 1);
    sou_index_close(index);
}
END_TEST

START_TEST(test_txn_commit)
{
    sou_index *writer = open_index(SOU_INDEX_CREATE, NULL, 1), *reader;

    reader = open_index(SOU_INDEX_READONLY, NULL, 0);
    ck_assert_int_eq(sou_index_begin(writer), SOU_OK);
    /* No automatic commit inside a transaction, whatever the threshold. */
    add_doc(writer, "1", "one", NULL);
    add_doc(writer, "2", "two", NULL);
    ck_assert_int_eq(sou_index_reopen(reader), SOU_OK);
    ck_assert_uint_eq(doc_count(reader), 0);
    ck_assert_int_eq(sou_index_commit(writer), SOU_OK);
    ck_assert_int_eq(sou_index_reopen(reader), SOU_OK);
    ck_assert_uint_eq(doc_count(reader), 2);
    /* The transaction is over. */
    ck_assert_int_eq(sou_index_cancel(writer), SOU_EINVAL);
    ck_assert_int_eq(sou_index_begin(writer), SOU_OK);
    ck_assert_int_eq(sou_index_commit(writer), SOU_OK);
    sou_index_close(reader);
    sou_index_close(writer);
}
END_TEST

/* ---- errors */

START_TEST(test_missing_index)
{
    sou_index *index = (sou_index *)&index;
    char path[512];

    snprintf(path, sizeof path, "%s/nowhere", dir);
    {
        sou_index_options opts = SOU_INDEX_OPTIONS_INIT;
        ck_assert_int_eq(sou_index_open(&index, path, &opts), SOU_EIO);
        ck_assert_ptr_null(index);
        ck_assert_ptr_nonnull(strstr(sou_error_last()->message, path));
        ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "not found"));
        opts.flags = SOU_INDEX_WRITE;
        ck_assert_int_eq(sou_index_open(&index, path, &opts), SOU_EIO);
        ck_assert_int_eq(sou_index_open(&index, path, NULL), SOU_EIO);
    }
    /* An empty directory is no index either. */
    ck_assert_int_eq(try_open(SOU_INDEX_READONLY, NULL, &index), SOU_EIO);
    ck_assert_int_eq(try_open(SOU_INDEX_WRITE, NULL, &index), SOU_EIO);
}
END_TEST

START_TEST(test_not_a_directory)
{
    sou_index *index = NULL;
    sou_index_options opts = SOU_INDEX_OPTIONS_INIT;
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/file", dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("not an index\n", f);
    fclose(f);
    /* A file is taken for a stub of shards, to read or to write: this one
     * is not, and nothing is made of it. */
    opts.flags = SOU_INDEX_CREATE;
    ck_assert_int_eq(sou_index_open(&index, path, &opts), SOU_ECORRUPT);
    ck_assert_ptr_null(index);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "neither an index directory nor a stub"));
    opts.flags = SOU_INDEX_READONLY;
    ck_assert_int_eq(sou_index_open(&index, path, &opts), SOU_ECORRUPT);
    ck_assert_ptr_null(index);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "neither an index directory nor a stub"));
    /* A directory holding other files is not turned into an index. */
    ck_assert_int_eq(try_open(SOU_INDEX_CREATE, NULL, &index), SOU_EIO);
    ck_assert_ptr_null(index);
}
END_TEST

START_TEST(test_readonly_writes)
{
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);
    sou_doc *doc = NULL;

    add_doc(index, "1", "Existing", NULL);
    sou_index_close(index);
    index = open_index(SOU_INDEX_READONLY, NULL, 0);
    ck_assert_int_eq(sou_doc_new(&doc, "2", 1), SOU_OK);
    ck_assert_int_eq(sou_index_add(index, doc), SOU_EREADONLY);
    ck_assert_int_eq(sou_error_last()->code, SOU_EREADONLY);
    sou_doc_free(doc);
    ck_assert_int_eq(sou_index_delete(index, "1", 1), SOU_EREADONLY);
    ck_assert_int_eq(sou_index_commit(index), SOU_EREADONLY);
    ck_assert_int_eq(sou_index_begin(index), SOU_EREADONLY);
    ck_assert_int_eq(sou_index_cancel(index), SOU_EINVAL);
    ck_assert(doc_exists(index, "1"));
    sou_index_close(index);
}
END_TEST

START_TEST(test_settings_mismatch)
{
    sou_analyzer_options aopts = SOU_ANALYZER_OPTIONS_INIT, other;
    sou_index *index = (sou_index *)&index;

    aopts.stemmer = "none";
    index = open_index(SOU_INDEX_CREATE, &aopts, 0);
    add_doc(index, "1", "Walking", NULL);
    sou_index_close(index);

    /* The defaults stem English: not this index. */
    other = (sou_analyzer_options)SOU_ANALYZER_OPTIONS_INIT;
    ck_assert_int_eq(try_open(SOU_INDEX_WRITE, &other, &index), SOU_ESETTINGS);
    ck_assert_ptr_null(index);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "stemmer"));
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "none"));
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "english"));
    ck_assert_int_eq(try_open(SOU_INDEX_READONLY, &other, &index), SOU_ESETTINGS);

    other = aopts;
    other.cjk = SOU_CJK_WORDS;
    ck_assert_int_eq(try_open(SOU_INDEX_READONLY, &other, &index), SOU_ESETTINGS);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "cjk"));
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "words"));
    other = aopts;
    other.fold_hant = 1;
    ck_assert_int_eq(try_open(SOU_INDEX_CREATE, &other, &index), SOU_ESETTINGS);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "fold_hant"));

    /* The same settings, or none given, open it with its own. */
    index = open_index(SOU_INDEX_WRITE, &aopts, 0);
    sou_index_close(index);
    index = open_index(SOU_INDEX_READONLY, NULL, 0);
    ck_assert_str_eq(sou_index_analyzer_options(index)->stemmer, "none");
    ck_assert_int_eq(sou_index_analyzer_options(index)->cjk, SOU_CJK_HYBRID);
    ck_assert(doc_exists(index, "1"));
    sou_index_close(index);
}
END_TEST

START_TEST(test_foreign_database)
{
    sou__xdb *db = NULL;
    sou__xdoc *xdoc = NULL;
    sou_index *index = (sou_index *)&index;

    /* A Xapian database another program made. */
    ck_assert_int_eq(sou__xdb_open(&db, dir, SOU_INDEX_CREATE), SOU_OK);
    ck_assert_int_eq(sou__xdoc_new(&xdoc), SOU_OK);
    ck_assert_int_eq(sou__xdoc_add_term(xdoc, "Qforeign", 8, 0), SOU_OK);
    ck_assert_int_eq(sou__xdoc_set_data(xdoc, "theirs", 6), SOU_OK);
    ck_assert_int_eq(sou__xdb_replace(db, "Qforeign", 8, xdoc), SOU_OK);
    sou__xdoc_free(xdoc);
    sou__xdb_close(db);

    ck_assert_int_eq(try_open(SOU_INDEX_READONLY, NULL, &index), SOU_ECORRUPT);
    ck_assert_ptr_null(index);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "not a sou index"));
    ck_assert_int_eq(try_open(SOU_INDEX_CREATE, NULL, &index), SOU_ECORRUPT);
    ck_assert_int_eq(try_open(SOU_INDEX_WRITE, NULL, &index), SOU_ECORRUPT);
}
END_TEST

/* A writer killed after making the database and before its first commit
 * leaves an empty database without sou's mark: a reader sees an empty
 * index, and the next writer makes it a sou index. */
START_TEST(test_unmarked_empty_database)
{
    sou__xdb *db = NULL;
    sou_index *index = NULL;
    sou_results *r = NULL;
    uint64_t n = 1;

    ck_assert_int_eq(sou__xdb_open(&db, dir, SOU_INDEX_CREATE), SOU_OK);
    sou__xdb_close(db);

    ck_assert_msg(try_open(SOU_INDEX_READONLY, NULL, &index) == SOU_OK, "%s",
                  sou_error_last()->message);
    ck_assert_int_eq(sou_index_doc_count(index, &n), SOU_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(sou_index_search(index, "river", 5, NULL, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_count(r), 0);
    sou_results_free(r);
    sou_index_close(index);

    index = open_index(SOU_INDEX_WRITE, NULL, 0);
    add_doc(index, "d1", "Dawn", "A river at dawn.");
    sou_index_close(index);
    ck_assert_int_eq(try_open(SOU_INDEX_READONLY, NULL, &index), SOU_OK);
    ck_assert_int_eq(sou_index_search(index, "river", 5, NULL, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_count(r), 1);
    sou_results_free(r);
    sou_index_close(index);
}
END_TEST

START_TEST(test_corrupt_stored_document)
{
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);
    sou__xdoc *xdoc = NULL;
    sou_doc *got = NULL;

    ck_assert_int_eq(sou__xdoc_new(&xdoc), SOU_OK);
    ck_assert_int_eq(sou__xdoc_add_term(xdoc, "Qbad", 4, 0), SOU_OK);
    ck_assert_int_eq(sou__xdoc_set_data(xdoc, "\x01\x09short", 7), SOU_OK);
    ck_assert_int_eq(sou__xdb_replace(index->db, "Qbad", 4, xdoc), SOU_OK);
    sou__xdoc_free(xdoc);
    ck_assert_int_eq(sou_index_get(index, "bad", 3, &got), SOU_ECORRUPT);
    ck_assert_ptr_null(got);
    sou_index_close(index);
}
END_TEST

START_TEST(test_bad_args)
{
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);
    sou_index_options opts = SOU_INDEX_OPTIONS_INIT;
    sou_index *other = NULL;
    sou_doc *got = NULL;
    char longid[SOU_ID_MAX + 1];

    memset(longid, 'i', sizeof longid);
    ck_assert_int_eq(sou_index_add(index, NULL), SOU_EINVAL);
    ck_assert_int_eq(sou_index_add(NULL, NULL), SOU_EINVAL);
    ck_assert_int_eq(sou_index_get(index, "", 0, &got), SOU_EINVAL);
    ck_assert_int_eq(sou_index_get(index, longid, sizeof longid, &got), SOU_EINVAL);
    ck_assert_int_eq(sou_index_get(index, "a\0b", 3, &got), SOU_EINVAL);
    ck_assert_int_eq(sou_index_delete(index, NULL, 0), SOU_EINVAL);
    ck_assert_int_eq(sou_index_stats_get(index, NULL), SOU_EINVAL);

    opts.version = 99;
    ck_assert_int_eq(sou_index_open(&other, dir, &opts), SOU_EINVAL);
    opts.version = SOU_INDEX_OPTIONS_VERSION;
    opts.flags = 0x2;
    ck_assert_int_eq(sou_index_open(&other, dir, &opts), SOU_EINVAL);
    ck_assert_int_eq(sou_index_open(&other, NULL, NULL), SOU_EINVAL);
    ck_assert_int_eq(sou_index_open(NULL, dir, NULL), SOU_EINVAL);
    ck_assert_ptr_null(other);
    ck_assert_int_eq(sou_index_options_init(&opts, 3), SOU_EINVAL);
    ck_assert_int_eq(sou_index_options_init(&opts, SOU_INDEX_OPTIONS_VERSION), SOU_OK);
    ck_assert_uint_eq(opts.flags, SOU_INDEX_READONLY);
    ck_assert_ptr_null(opts.analyzer);
    sou_index_close(index);
    sou_index_close(NULL);
}
END_TEST

/* The commit close makes fails: close says so, frees the handle, and the
 * index keeps its last commit. Past a file size limit of 0 every write of
 * the commit fails with EFBIG, as it would for anyone, root included. */
START_TEST(test_close_failed_commit)
{
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);
    struct rlimit old, none;
    void (*old_xfsz)(int);
    int rc;

    add_doc(index, "kept", "Committed before", NULL);
    ck_assert_int_eq(sou_index_commit(index), SOU_OK);
    add_doc(index, "lost", "Pending at close", "words that never reach the disk");

    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    none = old;
    none.rlim_cur = 0;
    old_xfsz = signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &none), 0);
    rc = sou_index_close(index);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_xfsz);

    ck_assert_msg(rc == SOU_EIO, "close: %d %s", rc, sou_error_last()->message);
    ck_assert_int_eq(sou_error_last()->code, SOU_EIO);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, dir));
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "File too large"));
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "changes since its last commit"));

    /* The writer's lock went with the handle; the last commit is whole. */
    index = open_index(SOU_INDEX_WRITE, NULL, 0);
    ck_assert(doc_exists(index, "kept"));
    ck_assert(!doc_exists(index, "lost"));
    ck_assert_uint_eq(doc_count(index), 1);
    ck_assert_int_eq(sou_index_close(index), SOU_OK);
    index = open_index(SOU_INDEX_READONLY, NULL, 0);
    ck_assert_int_eq(sou_index_close(index), SOU_OK);
    ck_assert_int_eq(sou_index_close(NULL), SOU_OK);
}
END_TEST

/* Record icu as the index's ICU version, as an index built elsewhere would
 * (NULL removes the key). */
static void set_recorded_icu(const char *icu)
{
    sou__xdb *db = NULL;

    /* Past sou's check of the version, which would refuse this writer. */
    ck_assert_int_eq(sou__xdb_open(&db, dir, SOU_INDEX_WRITE), SOU_OK);
    ck_assert_int_eq(sou__xdb_set_metadata(db, "sou.icu_version", icu ? icu : "",
                                           icu ? strlen(icu) : 0),
                     SOU_OK);
    ck_assert_int_eq(sou__xdb_close(db), SOU_OK);
}

/* How many hits query has. */
static size_t hits(sou_index *index, const char *query)
{
    sou_results *res = NULL;
    size_t n;

    ck_assert_int_eq(sou_index_search(index, query, strlen(query), NULL, &res), SOU_OK);
    n = sou_results_count(res);
    sou_results_free(res);
    return n;
}

/* An index built with another major version of ICU: searched with a
 * warning, never written; the minor version does not count. */
START_TEST(test_icu_major_version)
{
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);
    sou_index_stats st;
    char running[64], other_minor[80], *dot;
    const char *msg;
    long major;

    add_doc(index, "tea", "绿茶", "Green tea from Hangzhou");
    /* A new index records the ICU it runs, and has nothing to warn of. */
    ck_assert_int_eq(sou_index_stats_get(index, &st), SOU_OK);
    ck_assert_uint_lt(strlen(st.icu_version), sizeof running);
    strcpy(running, st.icu_version);
    ck_assert_ptr_null(sou_index_warning(index));
    ck_assert_int_eq(sou_index_close(index), SOU_OK);
    major = strtol(running, &dot, 10);
    ck_assert_int_gt(major, 0);

    set_recorded_icu("1.0");
    ck_assert_int_eq(try_open(SOU_INDEX_WRITE, NULL, &index), SOU_ESETTINGS);
    ck_assert_ptr_null(index);
    msg = sou_error_last()->message;
    ck_assert_msg(strstr(msg, "ICU 1.0") && strstr(msg, running) &&
                      strstr(msg, "index the documents again") && strstr(msg, dir),
                  "%s", msg);
    ck_assert_int_eq(try_open(SOU_INDEX_CREATE, NULL, &index), SOU_ESETTINGS);
    ck_assert_ptr_null(index);

    index = open_index(SOU_INDEX_READONLY, NULL, 0);
    msg = sou_index_warning(index);
    ck_assert_ptr_nonnull(msg);
    ck_assert_msg(strstr(msg, "ICU 1.0") && strstr(msg, running) &&
                      strstr(msg, "index the documents again"),
                  "%s", msg);
    ck_assert_uint_eq(hits(index, "绿茶"), 1);
    ck_assert_uint_eq(hits(index, "Hangzhou"), 1);
    ck_assert_int_eq(sou_index_close(index), SOU_OK);

    /* Another minor version of the running major, or none recorded. */
    snprintf(other_minor, sizeof other_minor, "%ld.99", major);
    set_recorded_icu(other_minor);
    index = open_index(SOU_INDEX_WRITE, NULL, 0);
    ck_assert_ptr_null(sou_index_warning(index));
    ck_assert_int_eq(sou_index_close(index), SOU_OK);
    set_recorded_icu(NULL);
    index = open_index(SOU_INDEX_WRITE, NULL, 0);
    ck_assert_ptr_null(sou_index_warning(index));
    ck_assert_int_eq(sou_index_stats_get(index, &st), SOU_OK);
    ck_assert_str_eq(st.icu_version, "unknown");
    ck_assert_int_eq(sou_index_close(index), SOU_OK);
    ck_assert_ptr_null(sou_index_warning(NULL));
}
END_TEST

START_TEST(test_bad_analyzer_options)
{
    sou_analyzer_options aopts = SOU_ANALYZER_OPTIONS_INIT;
    sou_index *index = (sou_index *)&index;

    aopts.stemmer = "klingon";
    ck_assert_int_eq(try_open(SOU_INDEX_CREATE, &aopts, &index), SOU_EINVAL);
    ck_assert_ptr_null(index);
}
END_TEST

START_TEST(test_add_alloc_failures)
{
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);
    sou_doc *doc = NULL;
    long n;
    int rc = SOU_ENOMEM;

    ck_assert_int_eq(sou_doc_new(&doc, "m", 1), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "title", "Memory test", 11, 0, 0), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "body", "内存 runs out", strlen("内存 runs out"), 0, 0),
                     SOU_OK);
    ck_assert_int_eq(sou_doc_set_value(doc, "date", 5), SOU_OK);
    /* Fail each allocation of an add in turn: a clean SOU_ENOMEM, no leak,
     * and the index still works. */
    for (n = 0; n < 500 && rc != SOU_OK; n++) {
        sou__alloc_fail_after(n, 0);
        rc = sou_index_add(index, doc);
        sou__alloc_fail_after(-1, 0);
        ck_assert_msg(rc == SOU_OK || rc == SOU_ENOMEM, "n=%ld rc=%d %s", n, rc,
                      sou_error_last()->message);
    }
    ck_assert_int_eq(rc, SOU_OK);
    sou_doc_free(doc);
    ck_assert_int_eq(sou_index_get(index, "m", 1, &doc), SOU_OK);
    ck_assert_str_eq(sou_doc_field(doc, "title", NULL), "Memory test");
    sou_doc_free(doc);
    ck_assert(sou__index_has_field(index, "body", 4));
    ck_assert_int_eq(sou__index_value_slot(index, "date"), 1);
    sou_index_close(index);
}
END_TEST

/* ---- listing ids */

typedef struct {
    char ids[8][32];
    double size[8], other[8];
    int n, stop_at;
    int nnames; /* values the listing reports */
} id_list;

static int collect_id(const char *id, size_t len, const double *values, void *payload)
{
    id_list *l = payload;

    ck_assert_uint_lt(len, sizeof l->ids[0]);
    ck_assert_uint_eq(strlen(id), len);
    memcpy(l->ids[l->n], id, len + 1);
    l->size[l->n] = values ? values[0] : -1;
    l->other[l->n] = values && l->nnames > 1 ? values[1] : -1;
    l->n++;
    return l->n == l->stop_at ? 7 : 0;
}

static void add_sized(sou_index *index, const char *id, double size)
{
    sou_doc *doc = NULL;

    ck_assert_int_eq(sou_doc_new(&doc, id, strlen(id)), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "body", "text", 4, 0, 0), SOU_OK);
    if (size >= 0)
        ck_assert_int_eq(sou_doc_set_value(doc, "size", size), SOU_OK);
    ck_assert_int_eq(sou_index_add(index, doc), SOU_OK);
    sou_doc_free(doc);
}

START_TEST(test_ids_prefix)
{
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);
    const char *names[] = { "size", "no_such_value" };
    id_list l;

    add_sized(index, "/notes/b.md", 20);
    add_sized(index, "/notes/a.md", 10);
    add_sized(index, "/notes2/c.md", 30);
    add_sized(index, "/notes/sub/d.md", -1);
    add_sized(index, "other", 5);

    /* A writer sees its uncommitted documents, in byte order of ids. */
    memset(&l, 0, sizeof l);
    l.nnames = 2;
    ck_assert_int_eq(sou_index_ids(index, "/notes/", 7, names, 2, collect_id, &l), SOU_OK);
    ck_assert_int_eq(l.n, 3);
    ck_assert_str_eq(l.ids[0], "/notes/a.md");
    ck_assert_str_eq(l.ids[1], "/notes/b.md");
    ck_assert_str_eq(l.ids[2], "/notes/sub/d.md");
    ck_assert(l.size[0] == 10 && l.size[1] == 20);
    ck_assert(isnan(l.size[2]));
    ck_assert(isnan(l.other[0]) && isnan(l.other[1]) && isnan(l.other[2]));

    /* No prefix: every document; no names: values is NULL. */
    memset(&l, 0, sizeof l);
    ck_assert_int_eq(sou_index_ids(index, NULL, 0, NULL, 0, collect_id, &l), SOU_OK);
    ck_assert_int_eq(l.n, 5);
    ck_assert_str_eq(l.ids[4], "other");
    ck_assert(l.size[0] == -1);

    /* The callback's non-zero return stops the listing. */
    memset(&l, 0, sizeof l);
    l.stop_at = 2;
    ck_assert_int_eq(sou_index_ids(index, "", 0, NULL, 0, collect_id, &l), 7);
    ck_assert_int_eq(l.n, 2);

    /* Deleted documents are not listed; a reader sees the commit. */
    ck_assert_int_eq(sou_index_delete(index, "/notes/b.md", 11), SOU_OK);
    ck_assert_int_eq(sou_index_commit(index), SOU_OK);
    sou_index_close(index);
    index = open_index(SOU_INDEX_READONLY, NULL, 0);
    memset(&l, 0, sizeof l);
    l.nnames = 1;
    ck_assert_int_eq(sou_index_ids(index, "/notes", 6, names, 1, collect_id, &l), SOU_OK);
    ck_assert_int_eq(l.n, 3);
    ck_assert_str_eq(l.ids[0], "/notes/a.md");
    ck_assert_str_eq(l.ids[1], "/notes/sub/d.md");
    ck_assert_str_eq(l.ids[2], "/notes2/c.md");
    ck_assert(l.size[2] == 30);

    /* A prefix longer than any id lists nothing; bad arguments. */
    {
        char longp[SOU_ID_MAX + 2];
        memset(longp, 'x', sizeof longp);
        memset(&l, 0, sizeof l);
        ck_assert_int_eq(sou_index_ids(index, longp, sizeof longp, NULL, 0, collect_id, &l),
                         SOU_OK);
        ck_assert_int_eq(l.n, 0);
    }
    ck_assert_int_eq(sou_index_ids(index, "", 0, NULL, 0, NULL, NULL), SOU_EINVAL);
    ck_assert_int_eq(sou_index_ids(NULL, "", 0, NULL, 0, collect_id, &l), SOU_EINVAL);
    ck_assert_int_eq(sou_index_ids(index, NULL, 3, NULL, 0, collect_id, &l), SOU_EINVAL);
    ck_assert_int_eq(sou_index_ids(index, "", 0, NULL, 1, collect_id, &l), SOU_EINVAL);
    sou_index_close(index);
}
END_TEST

/* More ids than one batch of the lister, replaced out of order so that
 * docids and id order differ: each id still gets its own value. */
typedef struct {
    long n;
    int bad;
} id_check;

static int check_id_value(const char *id, size_t len, const double *values, void *payload)
{
    id_check *c = payload;
    long want = strtol(id + 1, NULL, 10);

    (void)len;
    if (values[0] != (double)want * 2 || c->n != want)
        c->bad++;
    c->n++;
    return 0;
}

START_TEST(test_ids_many)
{
    sou_index *index = open_index(SOU_INDEX_CREATE, NULL, 0);
    const char *names[] = { "size" };
    id_check c = { 0, 0 };
    char id[16];

    ck_assert_int_eq(sou_index_begin(index), SOU_OK);
    for (int pass = 0; pass < 2; pass++) {
        /* The second pass replaces every other document, giving it a new docid. */
        for (long i = 9999; i >= 0; i--) {
            if (pass && i % 2)
                continue;
            snprintf(id, sizeof id, "d%05ld", i);
            add_sized(index, id, (double)i * 2);
        }
    }
    ck_assert_int_eq(sou_index_commit(index), SOU_OK);
    ck_assert_int_eq(sou_index_ids(index, "d", 1, names, 1, check_id_value, &c), SOU_OK);
    ck_assert_int_eq(c.n, 10000);
    ck_assert_int_eq(c.bad, 0);
    sou_index_close(index);
}
END_TEST

Suite *sou_index_suite(void)
{
    Suite *s = suite_create("index");
    TCase *tc;

    tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_add_get);
    tcase_add_test(tc, test_terms);
    tcase_add_test(tc, test_terms_match_analyzer);
    tcase_add_test(tc, test_no_stemmer);
    tcase_add_test(tc, test_replace);
    tcase_add_test(tc, test_delete);
    tcase_add_test(tc, test_close_commits);
    tcase_add_test(tc, test_fields_and_values_registered);
    tcase_add_test(tc, test_stats);
    tcase_add_test(tc, test_ids_prefix);
    tcase_add_test(tc, test_ids_many);
    suite_add_tcase(s, tc);

    tc = tcase_create("concurrency");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_second_writer_locked);
    tcase_add_test(tc, test_reader_sees_commits_after_reopen);
    tcase_add_test(tc, test_flush_threshold);
    suite_add_tcase(s, tc);

    tc = tcase_create("transactions");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_txn_cancel);
    tcase_add_test(tc, test_txn_commit);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_missing_index);
    tcase_add_test(tc, test_not_a_directory);
    tcase_add_test(tc, test_readonly_writes);
    tcase_add_test(tc, test_settings_mismatch);
    tcase_add_test(tc, test_foreign_database);
    tcase_add_test(tc, test_unmarked_empty_database);
    tcase_add_test(tc, test_corrupt_stored_document);
    tcase_add_test(tc, test_bad_args);
    tcase_add_test(tc, test_bad_analyzer_options);
    tcase_add_test(tc, test_close_failed_commit);
    tcase_add_test(tc, test_icu_major_version);
    tcase_add_test(tc, test_add_alloc_failures);
    suite_add_tcase(s, tc);
    return s;
}
