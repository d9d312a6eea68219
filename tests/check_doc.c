/* check_doc.c: documents in memory and their stored form. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "doc.h"
#include "suites.h"

static sou_doc *doc_make(const char *id)
{
    sou_doc *doc = NULL;
    ck_assert_int_eq(sou_doc_new(&doc, id, strlen(id)), SOU_OK);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

/* ---- core */

START_TEST(test_fields_in_order)
{
    sou_doc *doc = doc_make("note-1");
    const char *name, *text;
    size_t len;

    ck_assert_int_eq(sou_doc_add_field(doc, "title", "Tea notes", 9, 0, 0), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "body", "Green tea, 绿茶.", strlen("Green tea, 绿茶."), 0, 0),
                     SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "body", "second body", 11, 7, SOU_FIELD_NO_INDEX),
                     SOU_OK);
    ck_assert_uint_eq(sou_doc_field_count(doc), 3);

    ck_assert_int_eq(sou_doc_field_at(doc, 1, &name, &text, &len), SOU_OK);
    ck_assert_str_eq(name, "body");
    ck_assert_str_eq(text, "Green tea, 绿茶.");
    ck_assert_uint_eq(len, strlen("Green tea, 绿茶."));
    ck_assert_int_eq(sou_doc_field_at(doc, 2, NULL, &text, NULL), SOU_OK);
    ck_assert_str_eq(text, "second body");

    /* The first field of a name wins. */
    text = sou_doc_field(doc, "body", &len);
    ck_assert_str_eq(text, "Green tea, 绿茶.");
    ck_assert_ptr_null(sou_doc_field(doc, "author", &len));
    ck_assert_uint_eq(len, 0);

    ck_assert_int_eq(sou_doc_field_at(doc, 3, &name, &text, &len), SOU_ENOTFOUND);
    sou_doc_free(doc);
}
END_TEST

START_TEST(test_default_weights)
{
    sou_doc *doc = doc_make("w");

    ck_assert_int_eq(sou_doc_add_field(doc, "title", "a", 1, 0, 0), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "body", "b", 1, 0, 0), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "title", "c", 1, 5, 0), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "tags", "d", 1, 100, 0), SOU_OK);
    ck_assert_uint_eq(doc->fields[0].weight, 3);
    ck_assert_uint_eq(doc->fields[1].weight, 1);
    ck_assert_uint_eq(doc->fields[2].weight, 5);
    ck_assert_uint_eq(doc->fields[3].weight, 100);
    sou_doc_free(doc);
}
END_TEST

START_TEST(test_text_with_nul)
{
    static const char text[] = "before\0after";
    sou_doc *doc = doc_make("nul");
    const char *got;
    size_t len;

    ck_assert_int_eq(sou_doc_add_field(doc, "body", text, sizeof text - 1, 0, 0), SOU_OK);
    got = sou_doc_field(doc, "body", &len);
    ck_assert_uint_eq(len, sizeof text - 1);
    ck_assert_mem_eq(got, text, len);
    ck_assert_int_eq(got[len], '\0');
    /* An empty field is a field. */
    ck_assert_int_eq(sou_doc_add_field(doc, "empty", NULL, 0, 0, 0), SOU_OK);
    got = sou_doc_field(doc, "empty", &len);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(got, "");
    sou_doc_free(doc);
}
END_TEST

START_TEST(test_values)
{
    sou_doc *doc = doc_make("v");
    double v = 0;

    ck_assert_int_eq(sou_doc_set_value(doc, "date", 1700000000.0), SOU_OK);
    ck_assert_int_eq(sou_doc_set_value(doc, "price", -2.5), SOU_OK);
    ck_assert_int_eq(sou_doc_set_value(doc, "date", 1800000000.0), SOU_OK);
    ck_assert_uint_eq(doc->nvalues, 2);
    ck_assert_int_eq(sou_doc_value(doc, "date", &v), SOU_OK);
    ck_assert_double_eq(v, 1800000000.0);
    ck_assert_int_eq(sou_doc_value(doc, "price", &v), SOU_OK);
    ck_assert_double_eq(v, -2.5);
    ck_assert_int_eq(sou_doc_value(doc, "size", &v), SOU_ENOTFOUND);
    ck_assert_int_eq(sou_doc_set_value(doc, "big", INFINITY), SOU_OK);
    sou_doc_free(doc);
}
END_TEST

START_TEST(test_id)
{
    char id[SOU_ID_MAX];
    sou_doc *doc = NULL;
    const char *got;
    size_t len;

    memset(id, 'k', sizeof id);
    ck_assert_int_eq(sou_doc_new(&doc, id, sizeof id), SOU_OK);
    got = sou_doc_id(doc, &len);
    ck_assert_uint_eq(len, SOU_ID_MAX);
    ck_assert_mem_eq(got, id, len);
    ck_assert_int_eq(got[len], '\0');
    sou_doc_free(doc);
    /* Ids are bytes up to a length, not C strings. */
    ck_assert_int_eq(sou_doc_new(&doc, "文档/7 x", strlen("文档") + 2), SOU_OK);
    got = sou_doc_id(doc, &len);
    ck_assert_uint_eq(len, strlen("文档/7"));
    ck_assert_str_eq(got, "文档/7");
    sou_doc_free(doc);
}
END_TEST

/* ---- stored form */

static void assert_same_stored(const sou_doc *a, const sou_doc *b)
{
    size_t n = 0;

    ck_assert_uint_eq(a->id_len, b->id_len);
    ck_assert_mem_eq(a->id, b->id, a->id_len);
    for (size_t i = 0; i < a->nfields; i++) {
        const sou__field *fa = &a->fields[i], *fb;
        if (fa->flags & SOU_FIELD_NO_STORE)
            continue;
        ck_assert_uint_lt(n, b->nfields);
        fb = &b->fields[n++];
        ck_assert_str_eq(fa->name, fb->name);
        ck_assert_uint_eq(fa->len, fb->len);
        ck_assert_mem_eq(fa->text, fb->text, fa->len);
        ck_assert_int_eq(fb->text[fb->len], '\0');
        ck_assert_uint_eq(fa->weight, fb->weight);
        ck_assert_uint_eq(fa->flags, fb->flags);
    }
    ck_assert_uint_eq(n, b->nfields);
    ck_assert_uint_eq(a->nvalues, b->nvalues);
    for (size_t i = 0; i < a->nvalues; i++) {
        ck_assert_str_eq(a->values[i].name, b->values[i].name);
        ck_assert_double_eq(a->values[i].value, b->values[i].value);
    }
}

static sou_doc *sample_doc(void)
{
    static const char body[] = "Dumplings \0饺子 with vinegar";
    sou_doc *doc = doc_make("recipe/42");

    ck_assert_int_eq(sou_doc_add_field(doc, "title", "饺子 Dumplings", strlen("饺子 Dumplings"), 0, 0),
                     SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "body", body, sizeof body - 1, 2, 0), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "secret", "index only", 10, 0, SOU_FIELD_NO_STORE),
                     SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(doc, "url", "http://x/42", 11, 0, SOU_FIELD_NO_INDEX),
                     SOU_OK);
    ck_assert_int_eq(sou_doc_set_value(doc, "date", 1234567890.5), SOU_OK);
    ck_assert_int_eq(sou_doc_set_value(doc, "neg", -0.0), SOU_OK);
    return doc;
}

START_TEST(test_roundtrip)
{
    sou_doc *doc = sample_doc(), *back = NULL;
    char *data = NULL;
    size_t len = 0;

    ck_assert_int_eq(sou__doc_serialize(doc, &data, &len), SOU_OK);
    ck_assert_int_eq(sou__doc_deserialize(data, len, &back), SOU_OK);
    assert_same_stored(doc, back);
    /* Store-less fields are not kept. */
    ck_assert_ptr_null(sou_doc_field(back, "secret", NULL));
    ck_assert_str_eq(sou_doc_field(back, "url", NULL), "http://x/42");
    sou_doc_free(back);
    sou__free(data);
    sou_doc_free(doc);
}
END_TEST

START_TEST(test_roundtrip_empty)
{
    sou_doc *doc = doc_make("bare"), *back = NULL;
    char *data = NULL;
    size_t len = 0;

    ck_assert_int_eq(sou__doc_serialize(doc, &data, &len), SOU_OK);
    ck_assert_int_eq(sou__doc_deserialize(data, len, &back), SOU_OK);
    assert_same_stored(doc, back);
    ck_assert_uint_eq(sou_doc_field_count(back), 0);
    sou_doc_free(back);
    sou__free(data);
    sou_doc_free(doc);
}
END_TEST

START_TEST(test_corrupt_truncated)
{
    sou_doc *doc = sample_doc(), *back = NULL;
    char *data = NULL, *copy;
    size_t len = 0;

    ck_assert_int_eq(sou__doc_serialize(doc, &data, &len), SOU_OK);
    /* Every proper prefix is refused, read from an exact-size buffer so that
     * a read past the end shows under the sanitizer. */
    for (size_t n = 0; n < len; n++) {
        copy = malloc(n ? n : 1);
        memcpy(copy, data, n);
        ck_assert_int_eq(sou__doc_deserialize(copy, n, &back), SOU_ECORRUPT);
        ck_assert_ptr_null(back);
        ck_assert_int_eq(sou_error_last()->code, SOU_ECORRUPT);
        free(copy);
    }
    /* A byte too many. */
    copy = malloc(len + 1);
    memcpy(copy, data, len);
    copy[len] = 0;
    ck_assert_int_eq(sou__doc_deserialize(copy, len + 1, &back), SOU_ECORRUPT);
    free(copy);
    sou__free(data);
    sou_doc_free(doc);
}
END_TEST

START_TEST(test_corrupt_bytes)
{
    sou_doc *doc = sample_doc(), *back = NULL;
    char *data = NULL;
    size_t len = 0;
    int rc;

    ck_assert_int_eq(sou__doc_serialize(doc, &data, &len), SOU_OK);
    /* Unknown format version. */
    data[0] = 9;
    ck_assert_int_eq(sou__doc_deserialize(data, len, &back), SOU_ECORRUPT);
    data[0] = 1;
    /* Any single changed byte gives a valid document or ECORRUPT, never a
     * crash or a read out of bounds. */
    for (size_t i = 1; i < len; i++) {
        static const unsigned char subst[] = { 0x00, 0xff, 0x80, 0x7f, 'A' };
        char saved = data[i];
        for (size_t k = 0; k < sizeof subst; k++) {
            data[i] = (char)subst[k];
            rc = sou__doc_deserialize(data, len, &back);
            ck_assert(rc == SOU_OK || rc == SOU_ECORRUPT);
            ck_assert(rc == SOU_OK ? back != NULL : back == NULL);
            sou_doc_free(back);
            back = NULL;
        }
        data[i] = saved;
    }
    sou__free(data);
    sou_doc_free(doc);
}
END_TEST

START_TEST(test_corrupt_crafted)
{
    /* A huge field count in a short buffer must not allocate by it. */
    static const char huge[] = "\x01\x01x\xff\xff\xff\xff\xff\xff\xff\xff\x7f";
    /* A varint longer than 64 bits. */
    static const char longint[] = "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02";
    /* A field name with a capital letter. */
    static const char badname[] = "\x01\x01x\x01\x01T\x01\x00\x00\x00";
    /* Weight 0 is resolved before storing, so it never appears. */
    static const char weight0[] = "\x01\x01x\x01\x01t\x00\x00\x00\x00";
    /* A NaN value. */
    static const char nan[] = "\x01\x01x\x00\x01\x01v\x00\x00\x00\x00\x00\x00\xf8\x7f";
    /* An id with a NUL byte. */
    static const char nulid[] = "\x01\x02x\x00\x00\x00";
    /* The same value twice. */
    static const char twice[] = "\x01\x01x\x00\x02\x01v\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x01v\x00\x00\x00\x00\x00\x00\x00\x00";
    /* A valid one, to show the crafting is right. */
    static const char good[] = "\x01\x01x\x01\x01t\x01\x00\x02hi\x01\x01v\x00\x00\x00\x00\x00\x00\xf0\x3f";
    sou_doc *back = NULL;
    double v;

    ck_assert_int_eq(sou__doc_deserialize(huge, sizeof huge - 1, &back), SOU_ECORRUPT);
    ck_assert_int_eq(sou__doc_deserialize(longint, sizeof longint - 1, &back), SOU_ECORRUPT);
    ck_assert_int_eq(sou__doc_deserialize(badname, sizeof badname - 1, &back), SOU_ECORRUPT);
    ck_assert_int_eq(sou__doc_deserialize(weight0, sizeof weight0 - 1, &back), SOU_ECORRUPT);
    ck_assert_int_eq(sou__doc_deserialize(nan, sizeof nan - 1, &back), SOU_ECORRUPT);
    ck_assert_int_eq(sou__doc_deserialize(nulid, sizeof nulid - 1, &back), SOU_ECORRUPT);
    ck_assert_int_eq(sou__doc_deserialize(twice, sizeof twice - 1, &back), SOU_ECORRUPT);
    ck_assert_int_eq(sou__doc_deserialize(NULL, 0, &back), SOU_ECORRUPT);
    ck_assert_ptr_null(back);

    ck_assert_int_eq(sou__doc_deserialize(good, sizeof good - 1, &back), SOU_OK);
    ck_assert_str_eq(sou_doc_field(back, "t", NULL), "hi");
    ck_assert_int_eq(sou_doc_value(back, "v", &v), SOU_OK);
    ck_assert_double_eq(v, 1.0);
    sou_doc_free(back);
}
END_TEST

/* ---- errors */

START_TEST(test_bad_id)
{
    char id[SOU_ID_MAX + 1];
    sou_doc *doc = (sou_doc *)&doc;

    memset(id, 'k', sizeof id);
    ck_assert_int_eq(sou_doc_new(&doc, id, sizeof id), SOU_EINVAL);
    ck_assert_ptr_null(doc);
    ck_assert_int_eq(sou_error_last()->code, SOU_EINVAL);
    ck_assert_int_eq(sou_doc_new(&doc, "", 0), SOU_EINVAL);
    ck_assert_int_eq(sou_doc_new(&doc, NULL, 3), SOU_EINVAL);
    ck_assert_int_eq(sou_doc_new(&doc, "a\0b", 3), SOU_EINVAL);
    ck_assert_int_eq(sou_doc_new(NULL, "a", 1), SOU_EINVAL);
}
END_TEST

START_TEST(test_bad_name)
{
    static const char *bad[] = { "", "Title", "9lives", "_x", "with space", "tab\t", "题目",
                                 "abcdefghijklmnopqrstuvwxyzabcdefg" /* 33 bytes */ };
    sou_doc *doc = doc_make("n");

    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_int_eq(sou_doc_add_field(doc, bad[i], "t", 1, 0, 0), SOU_EINVAL);
        ck_assert_int_eq(sou_doc_set_value(doc, bad[i], 1.0), SOU_EINVAL);
    }
    ck_assert_int_eq(sou_doc_add_field(doc, NULL, "t", 1, 0, 0), SOU_EINVAL);
    ck_assert_int_eq(sou_doc_set_value(doc, NULL, 1.0), SOU_EINVAL);
    /* 32 bytes, digits and underscores after the first letter are fine. */
    ck_assert_int_eq(sou_doc_add_field(doc, "abcdefghijklmnopqrstuvwxyz_12345", "t", 1, 0, 0),
                     SOU_OK);
    ck_assert_uint_eq(sou_doc_field_count(doc), 1);
    ck_assert_uint_eq(doc->nvalues, 0);
    sou_doc_free(doc);
}
END_TEST

START_TEST(test_bad_args)
{
    sou_doc *doc = doc_make("b");

    ck_assert_int_eq(sou_doc_add_field(doc, "body", "t", 1, 101, 0), SOU_EINVAL);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "101"));
    ck_assert_int_eq(sou_doc_add_field(doc, "body", "t", 1, 0, 0x80), SOU_EINVAL);
    ck_assert_int_eq(sou_doc_add_field(doc, "body", NULL, 4, 0, 0), SOU_EINVAL);
    ck_assert_int_eq(sou_doc_add_field(NULL, "body", "t", 1, 0, 0), SOU_EINVAL);
    ck_assert_int_eq(sou_doc_set_value(doc, "date", NAN), SOU_EINVAL);
    ck_assert_int_eq(sou_doc_value(doc, "date", NULL), SOU_ENOTFOUND);
    ck_assert_uint_eq(sou_doc_field_count(doc), 0);
    ck_assert_uint_eq(sou_doc_field_count(NULL), 0);
    sou_doc_free(doc);
    sou_doc_free(NULL);
}
END_TEST

/* Build the sample document with the n-th allocation failing; returns the
 * first failing code, or SOU_OK when nothing failed. */
static int build_with_failure(long n)
{
    sou_doc *doc = NULL;
    int rc;

    sou__alloc_fail_after(n, 0);
    rc = sou_doc_new(&doc, "id-7", 4);
    if (rc != SOU_OK)
        ck_assert_ptr_null(doc);
    if (rc == SOU_OK)
        rc = sou_doc_add_field(doc, "title", "A title", 7, 0, 0);
    if (rc == SOU_OK)
        rc = sou_doc_add_field(doc, "body", "Some body text", 14, 0, 0);
    if (rc == SOU_OK)
        rc = sou_doc_set_value(doc, "date", 1.0);
    if (rc == SOU_OK)
        rc = sou_doc_set_value(doc, "rank", 2.0);
    sou__alloc_fail_after(-1, 0);
    sou_doc_free(doc);
    return rc;
}

START_TEST(test_alloc_failures)
{
    long n;
    int rc;

    /* Fail each allocation in turn until the build needs no more; leaks
     * show under the sanitizer. */
    for (n = 0; n < 100; n++) {
        rc = build_with_failure(n);
        if (rc == SOU_OK)
            break;
        ck_assert_int_eq(rc, SOU_ENOMEM);
        ck_assert_int_eq(sou_error_last()->code, SOU_ENOMEM);
    }
    ck_assert_int_gt(n, 4);
    ck_assert_int_lt(n, 100);
}
END_TEST

START_TEST(test_alloc_failures_stored)
{
    sou_doc *doc = sample_doc(), *back;
    char *data = NULL;
    size_t len;
    long n;
    int rc = SOU_ENOMEM;

    for (n = 0; n < 10 && rc != SOU_OK; n++) {
        sou__alloc_fail_after(n, 0);
        rc = sou__doc_serialize(doc, &data, &len);
        sou__alloc_fail_after(-1, 0);
        ck_assert(rc == SOU_OK || (rc == SOU_ENOMEM && data == NULL));
    }
    ck_assert_int_eq(rc, SOU_OK);
    /* A failed allocation is not corruption. */
    rc = SOU_ENOMEM;
    for (n = 0; n < 100 && rc != SOU_OK; n++) {
        back = NULL;
        sou__alloc_fail_after(n, 0);
        rc = sou__doc_deserialize(data, len, &back);
        sou__alloc_fail_after(-1, 0);
        ck_assert(rc == SOU_OK || (rc == SOU_ENOMEM && back == NULL));
        if (rc == SOU_OK)
            assert_same_stored(doc, back);
        sou_doc_free(back);
    }
    ck_assert_int_eq(rc, SOU_OK);
    sou__free(data);
    sou_doc_free(doc);
}
END_TEST

Suite *sou_doc_suite(void)
{
    Suite *s = suite_create("doc");
    TCase *tc;

    tc = tcase_create("core");
    tcase_add_test(tc, test_fields_in_order);
    tcase_add_test(tc, test_default_weights);
    tcase_add_test(tc, test_text_with_nul);
    tcase_add_test(tc, test_values);
    tcase_add_test(tc, test_id);
    suite_add_tcase(s, tc);

    tc = tcase_create("stored");
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_roundtrip_empty);
    tcase_add_test(tc, test_corrupt_truncated);
    tcase_add_test(tc, test_corrupt_bytes);
    tcase_add_test(tc, test_corrupt_crafted);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_bad_id);
    tcase_add_test(tc, test_bad_name);
    tcase_add_test(tc, test_bad_args);
    tcase_add_test(tc, test_alloc_failures);
    tcase_add_test(tc, test_alloc_failures_stored);
    suite_add_tcase(s, tc);
    return s;
}
