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
#include <stdint.h>

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

/*
 * ICU's word rules (UAX #29 as tailored by ICU) for plain text. Classes:
 * letters are A-Z, a-z and '@' (ICU counts '@' as ALetter); digits 0-9;
 * '_' is ExtendNumLet and joins whatever it touches. A single '.' or '\''
 * (or U+2018, U+2019) joins two letters; those and ',' ';' join two
 * digits. Everything else is a break, ':' included (ICU drops it from
 * MidLetter). Inline so that the callback inlines into the loop.
 */
/* Flags of each byte: a word character (F_WORD) of the joining class
 * letter (F_ALETTER, '@' included), digit or extend ('_'); F_LETTER marks
 * a real letter, which makes a segment a word rather than "@" or "_". */
enum { F_WORD = 1, F_ALETTER = 2, F_DIGIT = 4, F_EXTEND = 8, F_LETTER = 16 };

#define L (F_WORD | F_ALETTER | F_LETTER)
#define D (F_WORD | F_DIGIT)
static const unsigned char sou__cls[256] = {
    ['@'] = F_WORD | F_ALETTER,
    ['A'] = L, ['B'] = L, ['C'] = L, ['D'] = L, ['E'] = L, ['F'] = L, ['G'] = L,
    ['H'] = L, ['I'] = L, ['J'] = L, ['K'] = L, ['L'] = L, ['M'] = L, ['N'] = L,
    ['O'] = L, ['P'] = L, ['Q'] = L, ['R'] = L, ['S'] = L, ['T'] = L, ['U'] = L,
    ['V'] = L, ['W'] = L, ['X'] = L, ['Y'] = L, ['Z'] = L,
    ['a'] = L, ['b'] = L, ['c'] = L, ['d'] = L, ['e'] = L, ['f'] = L, ['g'] = L,
    ['h'] = L, ['i'] = L, ['j'] = L, ['k'] = L, ['l'] = L, ['m'] = L, ['n'] = L,
    ['o'] = L, ['p'] = L, ['q'] = L, ['r'] = L, ['s'] = L, ['t'] = L, ['u'] = L,
    ['v'] = L, ['w'] = L, ['x'] = L, ['y'] = L, ['z'] = L,
    ['0'] = D, ['1'] = D, ['2'] = D, ['3'] = D, ['4'] = D,
    ['5'] = D, ['6'] = D, ['7'] = D, ['8'] = D, ['9'] = D,
    ['_'] = F_WORD | F_EXTEND,
};
#undef L
#undef D

/* Length of the middle character at s[i] (0 if none): '.' and '\'' join
 * letters; those and ',' ';' join digits; U+2018 and U+2019 join both. */
static inline size_t sou__mid_len(const unsigned char *s, size_t i, size_t len, int letter)
{
    unsigned char c = s[i];
    if (c == '.' || c == '\'')
        return 1;
    if (!letter && (c == ',' || c == ';'))
        return 1;
    if (c == 0xE2 && i + 2 < len && s[i + 1] == 0x80 && (s[i + 2] == 0x98 || s[i + 2] == 0x99))
        return 3;
    return 0;
}

/* Scan s[0, len), all plain text, as ICU's word rules would; calls cb for
 * each segment that ICU gives a word status (letters, digits, '@', '_'). */
static inline int sou__ascii_words(const char *text, size_t len, sou__aseg_cb cb, void *ctx)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;

    while (i < len) {
        unsigned int f = sou__cls[s[i]], acc = 0, last, quote = 0;
        size_t start = i;
        int rc;

        if (!(f & F_WORD)) {
            i++;
            continue;
        }
        for (;;) {
            size_t m;
            /* a run of word characters; f holds the flags of s[i] */
            do {
                acc |= f;
                i++;
            } while (i < len && ((f = sou__cls[s[i]]) & F_WORD));
            last = sou__cls[s[i - 1]];
            if (i >= len || (last & F_EXTEND))
                break;
            /* A middle character joins only like with like. */
            m = sou__mid_len(s, i, len, (last & F_ALETTER) != 0);
            if (!m || i + m >= len)
                break;
            f = sou__cls[s[i + m]];
            if (!(f & last & (F_ALETTER | F_DIGIT)))
                break;
            quote |= (m == 3);
            i += m;
        }
        rc = cb(start, i,
                ((acc & F_LETTER) ? SOU__ASEG_LETTERS : 0) |
                    ((acc & F_DIGIT) ? SOU__ASEG_DIGITS : 0) | (quote ? SOU__ASEG_QUOTE : 0),
                ctx);
        if (rc)
            return rc;
    }
    return 0;
}

/* Is c ASCII white space as ICU's word rules see it (a break is certain
 * on both sides unless an Extend or Format character follows)? */
static inline int sou__ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

#endif
