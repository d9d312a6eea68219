/* segment.c: ICU's word rules (UAX #29 as tailored by ICU) for ASCII.
 *
 * Classes: letters are A-Z, a-z and '@' (ICU counts '@' as ALetter);
 * digits 0-9; '_' is ExtendNumLet and joins whatever it touches. A single
 * '.' or '\'' joins two letters (MidNumLet, Single_Quote); a single '.',
 * '\'', ',' or ';' joins two digits (MidNum). Everything else is a break,
 * ':' included (ICU drops it from MidLetter).
 */
#include "segment.h"

#include <stdint.h>
#include <string.h>

/* Flags of each byte: a word character (F_WORD) of the joining class
 * letter (F_ALETTER, '@' included), digit or extend ('_'); F_LETTER marks
 * a real letter, which makes a segment a word rather than "@" or "_". */
enum { F_WORD = 1, F_ALETTER = 2, F_DIGIT = 4, F_EXTEND = 8, F_LETTER = 16 };

#define L (F_WORD | F_ALETTER | F_LETTER)
#define D (F_WORD | F_DIGIT)
static const unsigned char cls[256] = {
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

/* The plain characters beyond ASCII, all E2 80 xx. */
static int plain_e280(unsigned char x)
{
    return x == 0x93 || x == 0x94 || x == 0x98 || x == 0x99 || x == 0x9C || x == 0x9D ||
           x == 0xA6;
}

size_t sou__plain_prefix(const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;

    for (;;) {
        /* Eight bytes at a time while no byte has its top bit set. */
        for (; i + 8 <= len; i += 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
        }
        while (i < len && p[i] < 0x80)
            i++;
        if (i + 3 <= len && p[i] == 0xE2 && p[i + 1] == 0x80 && plain_e280(p[i + 2])) {
            i += 3;
            continue;
        }
        return i;
    }
}

/* Length of the middle character at s[i] (0 if none): '.' and '\'' join
 * letters; those and ',' ';' join digits; U+2018 and U+2019 join both. */
static size_t mid_len(const unsigned char *s, size_t i, size_t len, int letter)
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

int sou__ascii_words(const char *text, size_t len, sou__aseg_cb cb, void *ctx)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;

    while (i < len) {
        unsigned int f = cls[s[i]], acc = 0, last, quote = 0;
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
            } while (i < len && ((f = cls[s[i]]) & F_WORD));
            last = cls[s[i - 1]];
            if (i >= len || (last & F_EXTEND))
                break;
            /* A middle character joins only like with like. */
            m = mid_len(s, i, len, (last & F_ALETTER) != 0);
            if (!m || i + m >= len)
                break;
            f = cls[s[i + m]];
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
