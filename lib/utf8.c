/* utf8.c: UTF-8 to UTF-16 with a byte-offset map. */
#include "utf8.h"

#include <string.h>

#include "alloc.h"
#include "error.h"

/* Bytes 2.. of a well-formed sequence: the ranges of the Unicode standard's
 * table 3-7, so overlongs, surrogates and values past U+10FFFF are
 * ill-formed at the first byte that makes them so. */
static int second_ok(unsigned char lead, unsigned char b)
{
    switch (lead) {
    case 0xE0: return b >= 0xA0 && b <= 0xBF;
    case 0xED: return b >= 0x80 && b <= 0x9F;
    case 0xF0: return b >= 0x90 && b <= 0xBF;
    case 0xF4: return b >= 0x80 && b <= 0x8F;
    default: return b >= 0x80 && b <= 0xBF;
    }
}

int sou__utf8_to_u16(sou__u16buf *buf, const char *src, size_t len)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t i = 0, n = 0;
    UChar *t;
    uint32_t *m;

    if (len >= UINT32_MAX)
        return sou__error_set(SOU_EINVAL, "text of %zu bytes is over the 4 GiB limit", len);
    /* At most one unit per byte, plus the map's end entry. */
    if (buf->cap < len + 1) {
        UChar *nt = sou__realloc(buf->text, (len + 1) * sizeof *nt);
        uint32_t *nm;
        if (!nt)
            return SOU_ENOMEM;
        buf->text = nt;
        nm = sou__realloc(buf->map, (len + 1) * sizeof *nm);
        if (!nm)
            return SOU_ENOMEM;
        buf->map = nm;
        buf->cap = len + 1;
    }
    t = buf->text;
    m = buf->map;
    while (i < len) {
        unsigned char b = s[i];
        uint32_t c;
        size_t need, k;

        if (b < 0x80) {
            m[n] = (uint32_t)i;
            t[n++] = b;
            i++;
            continue;
        }
        if (b >= 0xC2 && b <= 0xDF) {
            need = 1;
            c = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
            need = 2;
            c = b & 0x0F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            need = 3;
            c = b & 0x07;
        } else {
            m[n] = (uint32_t)i;
            t[n++] = 0xFFFD;
            i++;
            continue;
        }
        for (k = 1; k <= need; k++) {
            unsigned char cb;
            if (i + k >= len)
                break;
            cb = s[i + k];
            if (k == 1 ? !second_ok(b, cb) : (cb & 0xC0) != 0x80)
                break;
            c = (c << 6) | (cb & 0x3F);
        }
        m[n] = (uint32_t)i;
        if (k <= need) {
            /* Ill-formed: one U+FFFD for the lead and the continuation
             * bytes that were valid so far. */
            t[n++] = 0xFFFD;
            i += k;
            continue;
        }
        if (c >= 0x10000) {
            t[n++] = (UChar)(0xD7C0 + (c >> 10));
            m[n] = (uint32_t)i;
            t[n++] = (UChar)(0xDC00 | (c & 0x3FF));
        } else {
            t[n++] = (UChar)c;
        }
        i += need + 1;
    }
    m[n] = (uint32_t)len;
    buf->len = n;
    return SOU_OK;
}

void sou__u16buf_free(sou__u16buf *buf)
{
    sou__free(buf->text);
    sou__free(buf->map);
    memset(buf, 0, sizeof *buf);
}
