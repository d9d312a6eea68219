/*
 * segment.h: finding word segments. Two paths give the same segments:
 * ICU's rule-based word break iterator (dictionary based for Han and
 * South-East Asian scripts) over UTF-16, and a byte scanner for runs of
 * plain ASCII that follows ICU's word rules for ASCII exactly (tested
 * against ICU over the English corpus and random ASCII).
 */
#ifndef SOU_LIB_SEGMENT_H
#define SOU_LIB_SEGMENT_H

#include <stddef.h>

/* A word segment of ASCII text: bytes [start, end). letters is non-zero
 * when it holds an ASCII letter, digits when it holds a digit. */
typedef struct sou__aseg {
    size_t start, end;
    int letters, digits;
} sou__aseg;

/* Receives ASCII segments; non-zero stops the scan and is returned. */
typedef int (*sou__aseg_cb)(const sou__aseg *seg, void *ctx);

/* Scan s[0, len), all ASCII, as ICU's word rules would; calls cb for each
 * segment that ICU gives a word status (letters, digits, '@', '_'). */
int sou__ascii_words(const char *s, size_t len, sou__aseg_cb cb, void *ctx);

/* Is c ASCII white space as ICU's word rules see it (a break is certain
 * on both sides unless an Extend or Format character follows)? */
static inline int sou__ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

#endif
