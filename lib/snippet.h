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
 * cut. With escape, & < > " ' of the text (never of the markers) are
 * written as HTML entities; target counts bytes of the text, before
 * escaping. Only the first SOU_SNIPPET_SCAN_BYTES of text are searched for
 * matches. *out is sou__malloc'd and NUL-terminated; *nmatches counts the
 * matches found (may be NULL). With no match, the text's start.
 */
int sou__snippet_make(sou_analyzer *analyzer, const char *text, size_t len,
                      const sou__parsed *parsed, const char *field, const char *hl_start,
                      const char *hl_end, int escape, size_t target, char **out,
                      size_t *out_len, size_t *nmatches);

/* A match: bytes [start, end) of the text. */
typedef struct sou__span {
    size_t start, end;
} sou__span;

/*
 * The matches of the patterns of parsed that apply to field (NULL: all) in
 * the first SOU_SNIPPET_SCAN_BYTES of text, found as sou__snippet_make
 * finds them, in ascending order: overlapping matches merged, touching ones
 * apart, at most max (the first ones). *out (sou__free; NULL when *n is 0)
 * and *n get them.
 */
int sou__snippet_spans(sou_analyzer *analyzer, const char *text, size_t len,
                       const sou__parsed *parsed, const char *field, size_t max,
                       sou__span **out, size_t *n);

#endif
