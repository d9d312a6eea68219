/* normalize.h: NFKC case folding of terms, and Traditional to Simplified
 * Chinese folding of text before segmentation. */
#ifndef SOU_LIB_NORMALIZE_H
#define SOU_LIB_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include <unicode/utypes.h>

typedef struct sou__norm {
    const void *nfkc_cf;  /* UNormalizer2, owned by ICU */
    UChar *tmp;           /* normalizer output */
    size_t tmp_cap;
} sou__norm;

int sou__norm_open(sou__norm *n);
void sou__norm_close(sou__norm *n);

/* Is c left alone by NFKC case folding on its own and in any context
 * (ASCII is lower-cased separately)? True for most Han. */
static inline int sou__norm_stable_han(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

/* NFKC_Casefold of s[0, n) as UTF-8 appended to *out (growing it),
 * starting at *out_len. Returns SOU_OK, SOU_ENOMEM or SOU_ERROR. */
int sou__norm_utf8(sou__norm *nm, const UChar *s, size_t n, char **out, size_t *out_cap,
                   size_t *out_len);

/* Traditional to Simplified, character by character so that the UTF-16
 * length and so every offset stay the same; characters that map to more
 * than one unit are left as they are. */
typedef struct sou__hant {
    void *trans;      /* UTransliterator */
    uint16_t *cache;  /* for U+3400..U+9FFF: 0 unknown, else the folded unit */
} sou__hant;

int sou__hant_open(sou__hant *h);
void sou__hant_close(sou__hant *h);
int sou__hant_fold(sou__hant *h, UChar *text, size_t n);

#endif
