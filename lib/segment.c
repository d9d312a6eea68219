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

enum { C_OTHER = 0, C_LETTER = 1, C_DIGIT = 2, C_EXTEND = 3 };

/* Class of each ASCII byte; built at compile time. */
#define L C_LETTER
#define D C_DIGIT
static const unsigned char cls[256] = {
    ['@'] = L,
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
    ['_'] = C_EXTEND,
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
        sou__aseg seg;
        int c = cls[s[i]];

        if (c == C_OTHER) {
            i++;
            continue;
        }
        seg.start = i;
        seg.letters = 0;
        seg.digits = 0;
        seg.quote = 0;
        for (;;) {
            int last;
            size_t m;
            /* a run of word characters; c is the class of s[i] */
            do {
                last = c;
                seg.letters |= (c == C_LETTER) & (s[i] != '@');
                seg.digits |= (c == C_DIGIT);
                i++;
            } while (i < len && (c = cls[s[i]]) != C_OTHER);
            if (i >= len || last == C_EXTEND)
                break;
            /* A middle character joins only like with like. */
            m = mid_len(s, i, len, last == C_LETTER);
            if (!m || i + m >= len || cls[s[i + m]] != last)
                break;
            seg.quote |= (m == 3);
            i += m;
            c = last;
        }
        seg.end = i;
        {
            int rc = cb(&seg, ctx);
            if (rc)
                return rc;
        }
    }
    return 0;
}
