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

/*
 * The byte scanner reads "plain" text: ASCII, plus the typographic
 * punctuation of English prose, whose word break classes are known: U+2018
 * and U+2019 (quotes that join letters and digits like '\''), and U+201C,
 * U+201D, U+2013, U+2014, U+2026 (quotes, dashes, ellipsis: breaks).
 */

/* Length of the longest prefix of s that is plain text (never ends inside
 * a character). */
size_t sou__plain_prefix(const char *s, size_t len);

/* What a segment holds (flags of sou__aseg_cb). */
#define SOU__ASEG_LETTERS 0x1u /* an ASCII letter (not only '@' or '_') */
#define SOU__ASEG_DIGITS 0x2u  /* a digit */
#define SOU__ASEG_QUOTE 0x4u   /* U+2018 or U+2019 inside */

/* Receives each word segment of plain text, bytes [start, end), with its
 * SOU__ASEG_* flags; non-zero stops the scan and is returned. Scalars, not
 * a struct: they stay in registers on the hot path. */
typedef int (*sou__aseg_cb)(size_t start, size_t end, unsigned int flags, void *ctx);

/* Scan s[0, len), all plain text, as ICU's word rules would; calls cb for
 * each segment that ICU gives a word status (letters, digits, '@', '_'). */
int sou__ascii_words(const char *s, size_t len, sou__aseg_cb cb, void *ctx);

/* Is c ASCII white space as ICU's word rules see it (a break is certain
 * on both sides unless an Extend or Format character follows)? */
static inline int sou__ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

#endif
