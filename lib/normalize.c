/* normalize.c: NFKC case folding and Traditional to Simplified folding. */
#include "normalize.h"

#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/utrans.h>

#include "alloc.h"
#include "error.h"
#include "utf8.h"

int sou__norm_open(sou__norm *n)
{
    UErrorCode err = U_ZERO_ERROR;

    memset(n, 0, sizeof *n);
    n->nfkc_cf = unorm2_getNFKCCasefoldInstance(&err);
    if (U_FAILURE(err))
        return sou__error_set(SOU_ERROR, "ICU: cannot load NFKC_Casefold data: %s",
                              u_errorName(err));
    return SOU_OK;
}

void sou__norm_close(sou__norm *n)
{
    sou__free(n->tmp);
    n->tmp = NULL;
    n->tmp_cap = 0;
}

static int put_utf8(const UChar *s, size_t n, char **out, size_t *cap, size_t *len)
{
    size_t i = 0, o = *len;
    char *p;

    /* Three bytes per unit at most (a surrogate pair is four for two). */
    if (sou__grow((void **)out, cap, o + 3 * n + 1, 1))
        return SOU_ENOMEM;
    p = *out;
    while (i < n) {
        uint32_t c = s[i++];
        if (c >= 0xD800 && c <= 0xDBFF && i < n && s[i] >= 0xDC00 && s[i] <= 0xDFFF)
            c = 0x10000 + ((c - 0xD800) << 10) + (s[i++] - 0xDC00);
        else if (c >= 0xD800 && c <= 0xDFFF)
            c = 0xFFFD;
        o += sou__utf8_put(p + o, c);
    }
    p[o] = '\0';
    *len = o;
    return SOU_OK;
}

int sou__norm_utf8(sou__norm *nm, const UChar *s, size_t n, char **out, size_t *out_cap,
                   size_t *out_len)
{
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *norm = nm->nfkc_cf;
    int32_t span, got;
    size_t want;

    if (n > INT32_MAX / 4)
        return sou__error_set(SOU_EINVAL, "token of %zu UTF-16 units is too long", n);
    span = unorm2_spanQuickCheckYes(norm, s, (int32_t)n, &err);
    if (U_FAILURE(err))
        return sou__error_set(SOU_ERROR, "ICU: normalization failed: %s", u_errorName(err));
    if ((size_t)span == n)
        return put_utf8(s, n, out, out_cap, out_len);
    /* Folding can expand (ß to ss, ligatures); retry once at the size ICU asks. */
    want = n * 3 + 16;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (sou__grow((void **)&nm->tmp, &nm->tmp_cap, want, sizeof(UChar)))
            return SOU_ENOMEM;
        err = U_ZERO_ERROR;
        got = unorm2_normalize(norm, s, (int32_t)n, nm->tmp, (int32_t)nm->tmp_cap, &err);
        if (err == U_BUFFER_OVERFLOW_ERROR) {
            want = (size_t)got + 1;
            continue;
        }
        if (U_FAILURE(err))
            return sou__error_set(SOU_ERROR, "ICU: normalization failed: %s",
                                  u_errorName(err));
        return put_utf8(nm->tmp, (size_t)got, out, out_cap, out_len);
    }
    return sou__error_set(SOU_ERROR, "ICU: normalization output kept growing");
}

#define HANT_FIRST 0x3400u
#define HANT_LAST 0x9FFFu

int sou__hant_open(sou__hant *h)
{
    static const UChar id[] = { 'T', 'r', 'a', 'd', 'i', 't', 'i', 'o', 'n', 'a', 'l', '-',
                                'S', 'i', 'm', 'p', 'l', 'i', 'f', 'i', 'e', 'd', 0 };
    UErrorCode err = U_ZERO_ERROR;

    memset(h, 0, sizeof *h);
    h->trans = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &err);
    if (U_FAILURE(err))
        return sou__error_set(SOU_ERROR, "ICU: cannot open Traditional-Simplified: %s",
                              u_errorName(err));
    /* Filled lazily: opening stays cheap, and only characters seen cost. */
    h->cache = sou__calloc(HANT_LAST - HANT_FIRST + 1, sizeof *h->cache);
    if (!h->cache) {
        utrans_close(h->trans);
        h->trans = NULL;
        return SOU_ENOMEM;
    }
    return SOU_OK;
}

void sou__hant_close(sou__hant *h)
{
    if (h->trans)
        utrans_close(h->trans);
    sou__free(h->cache);
    memset(h, 0, sizeof *h);
}

static UChar fold_one(sou__hant *h, UChar c)
{
    UChar buf[8];
    int32_t len = 1, limit = 1;
    UErrorCode err = U_ZERO_ERROR;

    buf[0] = c;
    utrans_transUChars(h->trans, buf, &len, (int32_t)(sizeof buf / sizeof buf[0]), 0, &limit,
                       &err);
    if (U_FAILURE(err) || len != 1)
        return c;
    return buf[0];
}

int sou__hant_fold(sou__hant *h, UChar *text, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        UChar c = text[i];
        uint16_t *slot;
        if (c < HANT_FIRST || c > HANT_LAST)
            continue;
        slot = &h->cache[c - HANT_FIRST];
        if (!*slot)
            *slot = fold_one(h, c);
        text[i] = *slot;
    }
    return 0;
}
