/* alloc.c: allocation with an injectable failure for tests. */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Test hook state; off (-1) in normal use, so the check costs one branch. */
static long fail_countdown = -1;
static int fail_sticky;

static int should_fail(void)
{
    if (fail_countdown < 0)
        return 0;
    if (fail_countdown == 0) {
        if (!fail_sticky)
            fail_countdown = -1;
        return 1;
    }
    fail_countdown--;
    return 0;
}

void sou__alloc_fail_after(long n, int sticky)
{
    fail_countdown = n;
    fail_sticky = sticky;
}

static void *oom(void)
{
    sou__error_set(SOU_ENOMEM, "out of memory");
    return NULL;
}

void *sou__malloc(size_t size)
{
    void *p;
    if (should_fail())
        return oom();
    p = malloc(size ? size : 1);
    return p ? p : oom();
}

void *sou__calloc(size_t n, size_t size)
{
    void *p;
    if (should_fail())
        return oom();
    p = calloc(n ? n : 1, size ? size : 1);
    return p ? p : oom();
}

void *sou__realloc(void *ptr, size_t size)
{
    void *p;
    if (should_fail())
        return oom();
    p = realloc(ptr, size ? size : 1);
    return p ? p : oom();
}

char *sou__strndup(const char *s, size_t n)
{
    char *p;
    if (n == SIZE_MAX)
        return oom();
    p = sou__malloc(n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void sou__free(void *ptr)
{
    free(ptr);
}

void sou_free(void *ptr)
{
    free(ptr);
}

int sou__grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    size_t ncap;
    void *p;

    if (need <= *cap)
        return SOU_OK;
    ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            return sou__error_set(SOU_ENOMEM, "out of memory");
        ncap *= 2;
    }
    p = sou__realloc(*buf, ncap * elem);
    if (!p)
        return SOU_ENOMEM;
    *buf = p;
    *cap = ncap;
    return SOU_OK;
}
