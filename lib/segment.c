/* segment.c: ICU's word rules (UAX #29 as tailored by ICU) for ASCII.
 *
 * Classes: letters are A-Z, a-z and '@' (ICU counts '@' as ALetter);
 * digits 0-9; '_' is ExtendNumLet and joins whatever it touches. A single
 * '.' or '\'' joins two letters (MidNumLet, Single_Quote); a single '.',
 * '\'', ',' or ';' joins two digits (MidNum). Everything else is a break,
 * ':' included (ICU drops it from MidLetter).
 */
#include "segment.h"

enum { C_OTHER = 0, C_LETTER = 1, C_DIGIT = 2, C_EXTEND = 3 };

/* Class of each ASCII byte; built at compile time. */
#define L C_LETTER
#define D C_DIGIT
static const unsigned char cls[128] = {
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

static int mid_letter(unsigned char c)
{
    return c == '.' || c == '\'';
}

static int mid_num(unsigned char c)
{
    return c == '.' || c == '\'' || c == ',' || c == ';';
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
        for (;;) {
            /* i is a word character of class c */
            if (c == C_LETTER)
                seg.letters |= (s[i] != '@');
            else if (c == C_DIGIT)
                seg.digits = 1;
            i++;
            if (i >= len)
                break;
            {
                int n = cls[s[i]];
                if (n != C_OTHER) {
                    c = n;
                    continue;
                }
                /* A middle character joins only like with like. */
                if (i + 1 < len && c != C_EXTEND) {
                    int after = cls[s[i + 1]];
                    if ((c == C_LETTER && after == C_LETTER && mid_letter(s[i])) ||
                        (c == C_DIGIT && after == C_DIGIT && mid_num(s[i]))) {
                        i++;
                        c = after;
                        continue;
                    }
                }
                break;
            }
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
