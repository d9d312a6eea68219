/* alloc.h: the library's allocator, with a failure hook for tests. */
#ifndef SOU_LIB_ALLOC_H
#define SOU_LIB_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Each returns NULL on failure and, then, sets SOU_ENOMEM as last error. */
void *sou__malloc(size_t size);
void *sou__calloc(size_t n, size_t size);
void *sou__realloc(void *ptr, size_t size);
/* n bytes of s plus a NUL. */
char *sou__strndup(const char *s, size_t n);
void sou__free(void *ptr);

/* Grow *buf (of *cap elements of size elem) to hold at least need elements.
 * Returns SOU_OK or SOU_ENOMEM, leaving *buf intact on failure. */
int sou__grow(void **buf, size_t *cap, size_t need, size_t elem);

/* Tests: make the n-th allocation from now fail, and every one after it
 * while sticky is non-zero; n < 0 turns failures off. Not thread-safe. */
void sou__alloc_fail_after(long n, int sticky);

#ifdef __cplusplus
}
#endif

#endif
