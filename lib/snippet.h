/* snippet.h: the best passage of a text with query matches highlighted. */
#ifndef SOU_LIB_SNIPPET_H
#define SOU_LIB_SNIPPET_H

#include <stddef.h>

#include "query.h"
#include "sou.h"

/*
 * Tokenize text with analyzer, find the patterns of parsed that apply to
 * field (NULL: all), choose the window of about target bytes holding the
 * most distinct matches, and write it with hl_start/hl_end around each
 * match (adjacent matches merged), cut on character boundaries, "…" where
 * cut. Only the first SOU_SNIPPET_SCAN_BYTES of text are searched for
 * matches. *out is sou__malloc'd and NUL-terminated; *nmatches counts the
 * matches found (may be NULL). With no match, the text's start.
 */
int sou__snippet_make(sou_analyzer *analyzer, const char *text, size_t len,
                      const sou__parsed *parsed, const char *field, const char *hl_start,
                      const char *hl_end, size_t target, char **out, size_t *out_len,
                      size_t *nmatches);

#endif
