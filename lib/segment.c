/* segment.c: where plain text ends. The word rules for plain text are in
 * segment.h, inline so that the analyzer's callback inlines into the loop. */
#include "segment.h"

#include <stdint.h>
#include <string.h>

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

