/* utf8.h: UTF-8 decoding into the UTF-16 buffer ICU reads, with a map back
 * to byte offsets in the caller's text. */
#ifndef SOU_LIB_UTF8_H
#define SOU_LIB_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include <unicode/utypes.h>

/* Growable UTF-16 text plus, for each unit, the byte offset where its code
 * point starts in the source; map[len] is the source length. Offsets are
 * 32-bit: texts of 4 GiB or more are refused. */
typedef struct sou__u16buf {
    UChar *text;
    uint32_t *map;
    size_t len; /* UTF-16 units */
    size_t cap;
} sou__u16buf;

/* Decode src (len bytes). Ill-formed sequences become U+FFFD, one per
 * maximal ill-formed subpart as Unicode recommends; NUL bytes stay U+0000.
 * Returns SOU_OK, SOU_EINVAL (4 GiB or more) or SOU_ENOMEM. */
int sou__utf8_to_u16(sou__u16buf *buf, const char *src, size_t len);
void sou__u16buf_free(sou__u16buf *buf);

/* Encode one code point as UTF-8 into out (4 bytes of room); returns bytes. */
static inline size_t sou__utf8_put(char *out, uint32_t c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

#endif
