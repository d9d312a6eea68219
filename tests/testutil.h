/* testutil.h: helpers shared by the suites. */
#ifndef SOU_TESTS_TESTUTIL_H
#define SOU_TESTS_TESTUTIL_H

#include <stddef.h>

#include "sou.h"

/* A fresh empty directory under TMPDIR; free with tu_rmtree + free. */
char *tu_tempdir(void);
/* Remove a directory tree (for index teardown). */
void tu_rmtree(const char *path);

/* Tokenize text and render the tokens as one string:
 * "term@pos[start,end) term@pos[start,end) ...", compounds as "+term@pos[...]".
 * The caller frees the result. Returns NULL if tokenizing failed. */
char *tu_tokens(sou_analyzer *a, const char *text, size_t len);
/* Only the terms, space separated (compounds prefixed with '+'). */
char *tu_terms(sou_analyzer *a, const char *text, size_t len);

#endif
