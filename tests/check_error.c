/* check_error.c: return codes, messages, the thread-local last error. */
#include <pthread.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "suites.h"

START_TEST(test_strerror)
{
    static const int codes[] = { SOU_OK, SOU_ERROR, SOU_EINVAL, SOU_ENOMEM, SOU_EIO,
                                 SOU_ENOTFOUND, SOU_ELOCKED, SOU_ECORRUPT, SOU_EMODIFIED,
                                 SOU_EQUERY, SOU_EREADONLY, SOU_ESETTINGS, SOU_ESTOP };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *s = sou_strerror(codes[i]);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_ne(s, "unknown error code");
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(s, sou_strerror(codes[j]));
    }
    ck_assert_str_eq(sou_strerror(-999), "unknown error code");
    ck_assert_str_eq(sou_strerror(SOU_ELOCKED), "index locked by another writer");
}
END_TEST

START_TEST(test_last_error)
{
    const sou_error *e = sou_error_last();
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_nonnull(e->message);
    ck_assert_int_eq(sou__error_set(SOU_EQUERY, "bad query at byte %d\nsecond line", 7),
                     SOU_EQUERY);
    e = sou_error_last();
    ck_assert_int_eq(e->code, SOU_EQUERY);
    /* one line, always */
    ck_assert_str_eq(e->message, "bad query at byte 7 second line");
    ck_assert_int_eq(sou__error_code(SOU_EIO), SOU_EIO);
    ck_assert_str_eq(sou_error_last()->message, "input/output error");
}
END_TEST

static void *other_thread(void *arg)
{
    (void)arg;
    /* A new thread starts clean and its errors stay its own. */
    if (sou_error_last()->code != SOU_OK)
        return (void *)1;
    sou__error_set(SOU_ENOTFOUND, "only here");
    return NULL;
}

START_TEST(test_thread_local)
{
    pthread_t t;
    void *res = (void *)2;
    sou__error_set(SOU_EINVAL, "main thread");
    ck_assert_int_eq(pthread_create(&t, NULL, other_thread, NULL), 0);
    ck_assert_int_eq(pthread_join(t, &res), 0);
    ck_assert_ptr_null(res);
    ck_assert_int_eq(sou_error_last()->code, SOU_EINVAL);
    ck_assert_str_eq(sou_error_last()->message, "main thread");
}
END_TEST

START_TEST(test_alloc_hook)
{
    void *p;
    sou__alloc_fail_after(1, 0);
    p = sou__malloc(8);
    ck_assert_ptr_nonnull(p);
    sou__free(p);
    ck_assert_ptr_null(sou__malloc(8));
    ck_assert_int_eq(sou_error_last()->code, SOU_ENOMEM);
    /* one-shot: the next one works */
    p = sou__strndup("abc", 3);
    ck_assert_str_eq(p, "abc");
    sou__free(p);
    sou__alloc_fail_after(0, 1);
    ck_assert_ptr_null(sou__calloc(2, 2));
    ck_assert_ptr_null(sou__realloc(NULL, 2));
    sou__alloc_fail_after(-1, 0);
}
END_TEST

START_TEST(test_version)
{
    ck_assert_str_eq(sou_version(), SOU_VERSION_STRING);
    ck_assert_int_eq(sou_version_number(), SOU_VERSION_MAJOR * 10000 + SOU_VERSION_MINOR * 100 +
                                               SOU_VERSION_PATCH);
}
END_TEST

Suite *sou_error_suite(void)
{
    Suite *s = suite_create("error");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_strerror);
    tcase_add_test(core, test_last_error);
    tcase_add_test(core, test_thread_local);
    tcase_add_test(core, test_alloc_hook);
    tcase_add_test(core, test_version);
    suite_add_tcase(s, core);
    return s;
}
