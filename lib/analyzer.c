/*
 * analyzer.c: UTF-8 text to terms.
 *
 * The path: plain stretches (ASCII and the typographic punctuation of
 * English prose) go through the byte scanner of segment.c; everything else is decoded to UTF-16 (utf8.c, keeping a map
 * to byte offsets), optionally folded to Simplified Chinese, and split by
 * one ICU word break iterator reused across calls. Each word segment is
 * NFKC case folded (normalize.c), Han segments become characters and/or
 * words by the CJK mode, and Latin words get a Snowball stem.
 */
#include <stdint.h>
#include <string.h>

#include <libstemmer.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include "alloc.h"
#include "analyzer.h"
#include "error.h"
#include "normalize.h"
#include "segment.h"
#include "sou.h"
#include "utf8.h"

/* A plain stretch at least this long, after other text, ends an ICU
 * chunk: shorter ones are not worth a second ICU setText. */
#define ASCII_CHUNK_MIN 48

/* A cache of stems: text repeats few words, and the Snowball stemmer costs
 * more than the rest of the analysis of a Latin word. Entries are kept in
 * the order first seen, so the frequent words, which come first, share
 * a few hot cache lines; a small open-addressed index of 16-bit entry
 * numbers finds them. The index grows to STEM_SLOTS_MAX (128 KiB) and
 * fills to three quarters at that size (1.5 MiB of entries); after that,
 * new words go to the stemmer. */
#define STEM_SLOTS_MIN 1024
#define STEM_SLOTS_MAX 65536
#define STEM_KEY_MAX 14 /* an entry is 32 bytes; longer words skip the cache */
#define STEM_CACHED_MAX (STEM_KEY_MAX - 1) /* a cached stem keeps its NUL */
/* Term buffers never shrink below this, so short terms can be read a word
 * at a time past their end. */
#define TERM_BUF_MIN 64

typedef struct stem_entry {
    uint64_t key[2]; /* the word, zero-padded, compared a word at a time */
    unsigned char klen, slen;
    char stem[STEM_KEY_MAX]; /* NUL-terminated: at most STEM_CACHED_MAX bytes */
} stem_entry;

typedef struct stem_cache {
    uint16_t *index; /* 0: empty; else entry + 1 */
    size_t cap;      /* slots in index, a power of two */
    stem_entry *entries;
    size_t used, entries_cap;
} stem_cache;

struct sou_analyzer {
    sou_analyzer_options opts;
    char stemmer_name[32];
    UBreakIterator *bi;
    struct sb_stemmer *stemmer; /* NULL: no stemming */
    size_t stem_min; /* shorter terms are their own stem */
    stem_cache stems;
    sou__norm norm;
    sou__hant hant;
    int fold_hant;
    int fast_ascii; /* the byte scanner for plain text; off only in tests */
    sou__u16buf u16;
    char *term; /* the current term, UTF-8 */
    size_t term_cap;
    char *cterm; /* the current compound */
    size_t cterm_cap;
    char *lower; /* the plain range being scanned, lower-cased */
    size_t lower_cap;
};

typedef struct run {
    sou_analyzer *a;
    const char *text;
    sou_token_cb cb;
    void *payload;
    uint32_t pos;       /* next position */
    size_t last_end;    /* byte end of the last positional token */
    int last_han;       /* was it a Han character or word? */
    int any;            /* has a positional token been emitted? */
    size_t abase;       /* byte offset of the plain range being scanned */
    uint64_t key[2];    /* term_key of the next term, when key_ok */
    int key_ok;
    uint32_t cpos;      /* position of the next compound: the last positional token's */
} run;

const char *sou_cjk_mode_name(sou_cjk_mode mode)
{
    switch (mode) {
    case SOU_CJK_HYBRID: return "hybrid";
    case SOU_CJK_WORDS: return "words";
    case SOU_CJK_CHARS: return "chars";
    }
    return NULL;
}

int sou_cjk_mode_parse(const char *name, sou_cjk_mode *out)
{
    static const sou_cjk_mode modes[] = { SOU_CJK_HYBRID, SOU_CJK_WORDS, SOU_CJK_CHARS };
    if (!name || !out)
        return sou__error_set(SOU_EINVAL, "sou_cjk_mode_parse: NULL argument");
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(name, sou_cjk_mode_name(modes[i])) == 0) {
            *out = modes[i];
            return SOU_OK;
        }
    }
    return sou__error_set(SOU_EINVAL, "unknown CJK mode '%s' (hybrid, words or chars)", name);
}

const char *sou_token_kind_name(sou_token_kind kind)
{
    switch (kind) {
    case SOU_TOKEN_LATIN: return "latin";
    case SOU_TOKEN_ALPHA: return "alpha";
    case SOU_TOKEN_NUMBER: return "number";
    case SOU_TOKEN_IDEOGRAPHIC: return "ideographic";
    case SOU_TOKEN_KANA: return "kana";
    case SOU_TOKEN_HANGUL: return "hangul";
    case SOU_TOKEN_SEA: return "sea";
    }
    return NULL;
}

int sou_analyzer_options_init(sou_analyzer_options *opts, unsigned int version)
{
    static const sou_analyzer_options defaults = SOU_ANALYZER_OPTIONS_INIT;
    if (!opts || version == 0 || version > SOU_ANALYZER_OPTIONS_VERSION)
        return sou__error_set(SOU_EINVAL, "sou_analyzer_options_init: bad version %u", version);
    *opts = defaults;
    return SOU_OK;
}

void sou_analyzer_free(sou_analyzer *a)
{
    if (!a)
        return;
    if (a->bi)
        ubrk_close(a->bi);
    if (a->stemmer)
        sb_stemmer_delete(a->stemmer);
    sou__free(a->stems.index);
    sou__free(a->stems.entries);
    sou__norm_close(&a->norm);
    sou__hant_close(&a->hant);
    sou__u16buf_free(&a->u16);
    sou__free(a->term);
    sou__free(a->cterm);
    sou__free(a->lower);
    sou__free(a);
}

int sou_analyzer_new(sou_analyzer **out, const sou_analyzer_options *opts)
{
    sou_analyzer_options o = SOU_ANALYZER_OPTIONS_INIT;
    sou_analyzer *a;
    UErrorCode err = U_ZERO_ERROR;
    const char *stem;
    int rc;

    if (!out)
        return sou__error_set(SOU_EINVAL, "sou_analyzer_new: out is NULL");
    *out = NULL;
    if (opts) {
        if (opts->version == 0 || opts->version > SOU_ANALYZER_OPTIONS_VERSION)
            return sou__error_set(SOU_EINVAL, "analyzer options version %u is unknown",
                                  opts->version);
        o = *opts;
    }
    if (!sou_cjk_mode_name(o.cjk))
        return sou__error_set(SOU_EINVAL, "unknown CJK mode %d", (int)o.cjk);
    stem = o.stemmer ? o.stemmer : "english";
    if (strlen(stem) >= sizeof a->stemmer_name)
        return sou__error_set(SOU_EINVAL, "unknown stemmer '%s'", stem);

    a = sou__calloc(1, sizeof *a);
    if (!a)
        return SOU_ENOMEM;
    a->fast_ascii = 1;
    strcpy(a->stemmer_name, stem);
    a->opts = o;
    a->opts.stemmer = a->stemmer_name;
    a->opts.fold_hant = o.fold_hant ? 1 : 0;
    a->fold_hant = a->opts.fold_hant;

    if (strcmp(stem, "none") != 0) {
        a->stemmer = sb_stemmer_new(stem, "UTF_8");
        if (!a->stemmer) {
            sou_analyzer_free(a);
            return sou__error_set(SOU_EINVAL, "unknown stemmer '%s'", stem);
        }
        /* Snowball's English algorithm leaves words under three letters
         * alone ("not hop 3"), and they are a fifth of English text. (The
         * older Porter algorithm does not: "as" becomes "a".) */
        a->stem_min = strcmp(stem, "english") == 0 ? 3 : 1;
    }
    if (sou__grow((void **)&a->term, &a->term_cap, TERM_BUF_MIN, 1) ||
        sou__grow((void **)&a->cterm, &a->cterm_cap, TERM_BUF_MIN, 1)) {
        sou_analyzer_free(a);
        return SOU_ENOMEM;
    }
    a->bi = ubrk_open(UBRK_WORD, "", NULL, 0, &err);
    if (U_FAILURE(err)) {
        a->bi = NULL;
        sou_analyzer_free(a);
        return sou__error_set(SOU_ERROR, "ICU: cannot open a word break iterator: %s",
                              u_errorName(err));
    }
    if ((rc = sou__norm_open(&a->norm)) != SOU_OK ||
        (a->fold_hant && (rc = sou__hant_open(&a->hant)) != SOU_OK)) {
        sou_analyzer_free(a);
        return rc;
    }
    *out = a;
    return SOU_OK;
}

int sou_analyzer_clone(sou_analyzer **out, const sou_analyzer *analyzer)
{
    if (!out)
        return sou__error_set(SOU_EINVAL, "sou_analyzer_clone: out is NULL");
    *out = NULL;
    if (!analyzer)
        return sou__error_set(SOU_EINVAL, "sou_analyzer_clone: analyzer is NULL");
    return sou_analyzer_new(out, &analyzer->opts);
}

const sou_analyzer_options *sou_analyzer_options_get(const sou_analyzer *analyzer)
{
    return analyzer ? &analyzer->opts : NULL;
}

void sou__analyzer_set_fast_ascii(sou_analyzer *a, int on)
{
    a->fast_ascii = on;
}

/* ------------------------------------------------------------ emission */

/* A term of at most 16 bytes as two zero-padded words. The buffer holds
 * at least TERM_BUF_MIN bytes, and bytes past n are masked. */
static void term_key(const char *s, size_t n, uint64_t key[2])
{
    memcpy(&key[0], s, 8);
    memcpy(&key[1], s + 8, 8);
    if (n < 8) {
        key[0] &= n ? ~0ULL >> (64 - 8 * n) : 0;
        key[1] = 0;
    } else {
        key[1] &= n > 8 ? ~0ULL >> (64 - 8 * (n - 8)) : 0;
    }
}

/* Two multiplications side by side rather than in a chain: the hash is on
 * the critical path of every cached stem. The fold brings the well-mixed
 * high bits down to the low ones that pick a slot. */
static uint64_t key_hash(const uint64_t key[2], size_t n)
{
    uint64_t h = (key[0] * 0x9E3779B97F4A7C15ULL) ^ (key[1] * 0xC2B2AE3D27D4EB4FULL) ^ n;
    return h ^ (h >> 29) ^ (h >> 41);
}

/* Rebuild the index with cap slots (a power of two); on failure the old
 * one stays. */
static void stem_cache_resize(stem_cache *c, size_t cap)
{
    uint16_t *n = sou__calloc(cap, sizeof *n);
    if (!n)
        return;
    for (size_t e = 0; e < c->used; e++) {
        const stem_entry *o = &c->entries[e];
        uint64_t h = key_hash(o->key, o->klen);
        size_t i = h & (cap - 1);

        while (n[i])
            i = (i + 1) & (cap - 1);
        n[i] = (uint16_t)(e + 1);
    }
    sou__free(c->index);
    c->index = n;
    c->cap = cap;
}

/* The stem of a Latin term, NUL-terminated (as libstemmer's own result
 * is); borrowed until the next call. key is
 * term_key(term, len) when len <= STEM_KEY_MAX. */
static const char *stem_of(sou_analyzer *a, const char *term, size_t len, const uint64_t key[2],
                           size_t *out_len)
{
    stem_cache *c = &a->stems;
    uint64_t hash = key_hash(key, len);
    size_t i = 0;
    const sb_symbol *s;
    stem_entry *e;

    if (len <= STEM_KEY_MAX && c->cap) {
        for (i = hash & (c->cap - 1); c->index[i]; i = (i + 1) & (c->cap - 1)) {
            e = &c->entries[c->index[i] - 1];
            if (e->key[0] == key[0] && e->key[1] == key[1] && e->klen == len) {
                *out_len = e->slen;
                return e->stem;
            }
        }
    }
    s = sb_stemmer_stem(a->stemmer, (const sb_symbol *)term, (int)len);
    if (!s) {
        /* libstemmer fails only for want of memory: keep the word as it is. */
        *out_len = len;
        return term;
    }
    *out_len = (size_t)sb_stemmer_length(a->stemmer);
    if (len > STEM_KEY_MAX || *out_len > STEM_CACHED_MAX)
        return (const char *)s;
    if (c->used * 2 >= c->cap) {
        /* Over half full: grow; at the largest size, fill to three
         * quarters and then stop adding. */
        if (c->cap < STEM_SLOTS_MAX) {
            stem_cache_resize(c, c->cap ? c->cap * 2 : STEM_SLOTS_MIN);
            if (c->used * 2 >= c->cap)
                return (const char *)s;
            for (i = hash & (c->cap - 1); c->index[i]; i = (i + 1) & (c->cap - 1))
                ;
        } else if (c->used * 4 >= c->cap * 3) {
            return (const char *)s;
        }
    }
    if (sou__grow((void **)&c->entries, &c->entries_cap, c->used + 1, sizeof *c->entries))
        return (const char *)s;
    e = &c->entries[c->used];
    e->key[0] = key[0];
    e->key[1] = key[1];
    e->klen = (unsigned char)len;
    e->slen = (unsigned char)*out_len;
    memcpy(e->stem, s, *out_len);
    e->stem[*out_len] = '\0';
    c->index[i] = (uint16_t)(++c->used);
    return (const char *)s;
}

/* Cut a term to SOU_TERM_MAX bytes on a character boundary. */
static size_t cut_term(const char *t, size_t len)
{
    size_t n = SOU_TERM_MAX;
    if (len <= n)
        return len;
    while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Emit a positional token, or a compound sharing the position before it.
 * term is NUL-terminated at term[len] (room for it is guaranteed). */
static int emit(run *r, char *term, size_t len, size_t start, size_t end, sou_token_kind kind,
                int han, unsigned int flags)
{
    sou_analyzer *a = r->a;
    sou_token t;
    int rc;

    if (len > SOU_TERM_MAX) {
        len = cut_term(term, len);
        term[len] = '\0';
        flags |= SOU_TOKEN_TRUNCATED;
    }
    t.term = term;
    t.term_len = len;
    t.stem = term;
    t.stem_len = len;
    if (a->stemmer && len >= a->stem_min && (kind == SOU_TOKEN_LATIN || kind == SOU_TOKEN_ALPHA)) {
        uint64_t key[2] = { 0, 0 };
        if (len <= STEM_KEY_MAX) {
            if (r->key_ok) {
                key[0] = r->key[0];
                key[1] = r->key[1];
            } else {
                term_key(term, len, key);
            }
        }
        t.stem = stem_of(a, term, len, key, &t.stem_len);
    }
    r->key_ok = 0;
    t.start = start;
    t.end = end;
    t.kind = kind;
    t.flags = flags;
    if (flags & SOU_TOKEN_COMPOUND) {
        t.position = r->cpos;
    } else {
        /* Two Han tokens with anything between them are not adjacent, so a
         * phrase of characters means an exact substring. */
        if (han && r->any && r->last_han && start > r->last_end)
            r->pos++;
        t.position = r->cpos = r->pos++;
        r->last_end = end;
        r->last_han = han;
        r->any = 1;
    }
    rc = r->cb(&t, r->payload);
    return rc;
}

/* "alibaba's" and "alibaba’s" index as "alibaba"; typographic apostrophes
 * inside words become ASCII ones so both spellings meet. */
static size_t english_apostrophes(char *t, size_t len)
{
    size_t i, o;
    for (i = 0, o = 0; i < len; i++) {
        if ((unsigned char)t[i] == 0xE2 && i + 2 < len && (unsigned char)t[i + 1] == 0x80 &&
            (unsigned char)t[i + 2] == 0x99) {
            t[o++] = '\'';
            i += 2;
        } else {
            t[o++] = t[i];
        }
    }
    if (o > 2 && t[o - 2] == '\'' && (t[o - 1] == 's'))
        o -= 2;
    t[o] = '\0';
    return o;
}

/* ---------------------------------------------------------- plain path */

static inline int ascii_seg(size_t seg_start, size_t seg_end, unsigned int flags, void *ctx)
{
    run *r = ctx;
    size_t n = seg_end - seg_start;
    size_t start = r->abase + seg_start;
    char *term = r->a->lower + seg_start;
    sou_token_kind kind;

    if (!(flags & (SOU__ASEG_LETTERS | SOU__ASEG_DIGITS)))
        return 0; /* "@", "___": no word content */
    kind = (flags & SOU__ASEG_LETTERS) ? SOU_TOKEN_LATIN : SOU_TOKEN_NUMBER;
    if (kind == SOU_TOKEN_LATIN && ((flags & SOU__ASEG_QUOTE) || (n > 2 && term[n - 2] == '\''))) {
        term[n] = '\0';
        n = english_apostrophes(term, n);
    } else if (kind == SOU_TOKEN_LATIN && r->a->stemmer && n <= STEM_KEY_MAX) {
        /* Hash before the NUL goes in: loading words over a byte just
         * stored stalls store forwarding. The bytes past n are masked. */
        term_key(term, n, r->key);
        r->key_ok = 1;
    }
    /* The byte after a segment is not part of any other segment. */
    term[n] = '\0';
    return emit(r, term, n, start, r->abase + seg_end, kind, 0, 0);
}

/* Lower-case the ASCII letters of s into out, eight bytes at a time: a
 * byte gets 0x20 where it is in 'A'..'Z'; bytes over 0x7F stay. */
static void lower_ascii(char *out, const char *s, size_t n)
{
    const uint64_t hi = 0x8080808080808080ULL, low7 = 0x7F7F7F7F7F7F7F7FULL;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t w, x, ge_a, gt_z;
        memcpy(&w, s + i, 8);
        x = w & low7;
        ge_a = x + 0x3F3F3F3F3F3F3F3FULL; /* top bit: x >= 'A' */
        gt_z = x + 0x2525252525252525ULL; /* top bit: x > 'Z' */
        w |= ((ge_a & ~gt_z & ~w & hi) >> 2);
        memcpy(out + i, &w, 8);
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (char)(c + ((unsigned char)(c - 'A') < 26 ? 32 : 0));
    }
}

/* Lower-case the whole range first (a loop the compiler vectorizes), then
 * find its words; terms are NUL-terminated in place. */
static int ascii_range(run *r, size_t from, size_t to)
{
    sou_analyzer *a = r->a;
    const char *s = r->text + from;
    size_t n = to - from;
    char *lo;

    /* Room past the end: term_key reads 16 bytes from a term's start. */
    if (sou__grow((void **)&a->lower, &a->lower_cap, n + 16, 1))
        return SOU_ENOMEM;
    lo = a->lower;
    lower_ascii(lo, s, n);
    memset(lo + n, 0, 16);
    r->abase = from;
    return sou__ascii_words(s, n, ascii_seg, r);
}

/* ------------------------------------------------------------ ICU path */

static sou_token_kind kind_of_letter(UChar32 c)
{
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(c, &err);
    switch (sc) {
    case USCRIPT_LATIN: return SOU_TOKEN_LATIN;
    case USCRIPT_HAN: return SOU_TOKEN_IDEOGRAPHIC;
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_KATAKANA_OR_HIRAGANA: return SOU_TOKEN_KANA;
    case USCRIPT_HANGUL: return SOU_TOKEN_HANGUL;
    case USCRIPT_THAI:
    case USCRIPT_LAO:
    case USCRIPT_KHMER:
    case USCRIPT_MYANMAR: return SOU_TOKEN_SEA;
    default: return SOU_TOKEN_ALPHA;
    }
}

static int is_han(UChar32 c)
{
    UErrorCode err = U_ZERO_ERROR;
    if (sou__norm_stable_han((uint32_t)c))
        return 1;
    return c >= 0x2E80 && uscript_getScript(c, &err) == USCRIPT_HAN;
}

/* The kind of a character that is split off as a sub-word: Han, kana
 * (with the marks both kana share, such as the long vowel mark ー) or
 * Hangul; 0 for any other character. */
/* Hangul syllables and the kana letters: their own NFKC case fold, never
 * combining marks. */
static int plain_kana_hangul(UChar32 c)
{
    return (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x3041 && c <= 0x3096) ||
           (c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC;
}

static sou_token_kind cjk_kind(UChar32 c)
{
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode sc;

    if (c < 0x1100)
        return 0;
    if (plain_kana_hangul(c))
        return c >= 0xAC00 ? SOU_TOKEN_HANGUL : SOU_TOKEN_KANA;
    if (is_han(c))
        return SOU_TOKEN_IDEOGRAPHIC;
    sc = uscript_getScript(c, &err);
    switch (sc) {
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_KATAKANA_OR_HIRAGANA: return SOU_TOKEN_KANA;
    case USCRIPT_HANGUL: return SOU_TOKEN_HANGUL;
    case USCRIPT_COMMON:
    case USCRIPT_INHERITED:
        if (uscript_hasScript(c, USCRIPT_KATAKANA) || uscript_hasScript(c, USCRIPT_HIRAGANA))
            return SOU_TOKEN_KANA;
        return 0;
    default: return 0;
    }
}

/* Does c belong to the character before it: a combining mark, a halfwidth
 * voicing mark (ｶﾞ is ガ), a medial or final Hangul jamo? */
static int joins_previous(UChar32 c)
{
    int8_t t;
    if (c < 0x300 || plain_kana_hangul(c) || (c >= 0x4E00 && c <= 0x9FFF))
        return 0;
    if (c == 0xFF9E || c == 0xFF9F || (c >= 0x1160 && c <= 0x11FF) || (c >= 0xD7B0 && c <= 0xD7FF))
        return 1;
    t = u_charType(c);
    return t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK || t == U_COMBINING_SPACING_MARK;
}

/* The code point at u[*i] (before e), *i moved past it. */
static UChar32 next_cp(const UChar *u, size_t *i, size_t e)
{
    UChar32 c = u[(*i)++];
    if (U16_IS_LEAD(c) && *i < e && U16_IS_TRAIL(u[*i]))
        c = U16_GET_SUPPLEMENTARY(c, u[(*i)++]);
    return c;
}

/* Normalize u16[s, e) into buf (a->term or a->cterm). */
static int norm_into(sou_analyzer *a, size_t s, size_t e, char **buf, size_t *cap, size_t *len)
{
    const UChar *u = a->u16.text;
    size_t i;

    *len = 0;
    /* Runs of ASCII, common Han, kana letters and Hangul syllables are
     * already folded but for ASCII case. */
    for (i = s; i < e; i++) {
        UChar c = u[i];
        if (!(c < 0x80 || sou__norm_stable_han(c) || plain_kana_hangul(c)))
            break;
    }
    if (i == e) {
        size_t o = 0;
        if (sou__grow((void **)buf, cap, 3 * (e - s) + 1, 1))
            return SOU_ENOMEM;
        for (i = s; i < e; i++) {
            UChar c = u[i];
            if (c < 0x80)
                (*buf)[o++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
            else
                o += sou__utf8_put(*buf + o, c);
        }
        (*buf)[o] = '\0';
        *len = o;
        return SOU_OK;
    }
    return sou__norm_utf8(&a->norm, u + s, e - s, buf, cap, len);
}

/* Is the code point starting at u[i] (i < n) Han, kana or Hangul? */
static int cjk_at(const UChar *u, size_t i, size_t n)
{
    UChar32 c;
    if (i >= n)
        return 0;
    c = u[i];
    if (U16_IS_LEAD(c) && i + 1 < n && U16_IS_TRAIL(u[i + 1]))
        c = U16_GET_SUPPLEMENTARY(c, u[i + 1]);
    return cjk_kind(c) != 0;
}

/* Is the code point ending just before u[i] Han, kana or Hangul? */
static int cjk_before(const UChar *u, size_t i)
{
    UChar32 c;
    if (i == 0)
        return 0;
    c = u[i - 1];
    if (U16_IS_TRAIL(c) && i >= 2 && U16_IS_LEAD(u[i - 2]))
        c = U16_GET_SUPPLEMENTARY(u[i - 2], c);
    return cjk_kind(c) != 0;
}

static int emit_compound(run *r, size_t base, size_t s, size_t e, sou_token_kind kind)
{
    sou_analyzer *a = r->a;
    size_t len;
    int rc;

    if ((rc = norm_into(a, s, e, &a->cterm, &a->cterm_cap, &len)) != SOU_OK)
        return rc;
    return emit(r, a->cterm, len, base + a->u16.map[s], base + a->u16.map[e], kind, 1,
                SOU_TOKEN_COMPOUND);
}

/* The number u16[s, e) touching Han, kana or Hangul, in hybrid mode: one
 * token per character (digits and separators), each at its own position,
 * and the whole number as a compound at the first one's position. When
 * word is set, the compound u16[word[0], word[1]) of kind wkind goes right
 * after the first token too. */
static int emit_number(run *r, size_t base, size_t s, size_t e, const size_t *word,
                       sou_token_kind wkind)
{
    sou_analyzer *a = r->a;
    const uint32_t *map = a->u16.map;
    int first = 1, rc;
    size_t len;

    for (size_t i = s; i < e;) {
        size_t cs = i;
        next_cp(a->u16.text, &i, e);
        /* 7.4亿: the separator is a character of the run too, so that
         * 7.4亿 and 74亿 stay apart. */
        if ((rc = norm_into(a, cs, i, &a->term, &a->term_cap, &len)) != SOU_OK)
            return rc;
        if (len == 0)
            continue;
        if ((rc = emit(r, a->term, len, base + map[cs], base + map[i], SOU_TOKEN_NUMBER, 1, 0)))
            return rc;
        if (first && word && (rc = emit_compound(r, base, word[0], word[1], wkind)))
            return rc;
        if (first && i < e && (rc = emit_compound(r, base, s, e, SOU_TOKEN_NUMBER)))
            return rc;
        first = 0;
    }
    return 0;
}

/* Is u16[s, e) a stretch without CJK characters, letters or digits, which
 * makes no token (the "@" of "@한")? */
static int no_token_stretch(const UChar *u, size_t s, size_t e)
{
    for (size_t k = s; k < e;) {
        UChar32 c = next_cp(u, &k, e);
        if (cjk_kind(c) || u_isalpha(c) || u_isdigit(c))
            return 0;
    }
    return 1;
}

/* A word u16[s, e) holding Han, kana or Hangul, in hybrid or chars mode.
 * Each such character (with the marks that belong to it) is a token at its
 * own position; a stretch of other letters inside the word (SK텔레콤) is one
 * word token, a number a number as in Han text. In hybrid mode the whole
 * word, when it is more than one character, is also a compound at its
 * first token's position, emitted right after that token. The compound
 * leaves out a leading or trailing stretch that makes no token, so that it
 * starts where its first token starts. */
static int emit_subwords(run *r, size_t base, size_t s, size_t e)
{
    sou_analyzer *a = r->a;
    const UChar *u = a->u16.text;
    const uint32_t *map = a->u16.map;
    int hybrid = a->opts.cjk == SOU_CJK_HYBRID, compound = 0, rc;
    sou_token_kind wkind = 0;
    size_t len, i = s, word[2] = { s, e };

    /* The compound's span: the word less a leading and a trailing stretch
     * of characters that make no token. */
    for (size_t k = s; k < e;) {
        size_t cs = k;
        if (cjk_kind(next_cp(u, &k, e))) {
            if (no_token_stretch(u, s, cs))
                word[0] = cs;
            break;
        }
    }
    for (size_t k = e; k > word[0];) {
        size_t ce = k;
        UChar32 c;
        U16_BACK_1(u, word[0], k);
        c = next_cp(u, &(size_t){ k }, ce);
        if (cjk_kind(c) || joins_previous(c)) {
            if (no_token_stretch(u, ce, e))
                word[1] = ce;
            break;
        }
    }
    /* The compound, if any, carries the kind of the word's first CJK
     * character. */
    for (size_t k = word[0]; k < word[1] && !wkind;)
        wkind = cjk_kind(next_cp(u, &k, word[1]));
    for (size_t k = word[0], n = 0; k < word[1] && !compound;)
        if (!joins_previous(next_cp(u, &k, word[1])) && ++n == 2)
            compound = hybrid;
    while (i < e) {
        size_t ps = i;
        UChar32 c = next_cp(u, &i, e);
        sou_token_kind kind = cjk_kind(c);
        int positional = 0;

        if (kind) {
            /* one character and its marks */
            while (i < e) {
                size_t k = i;
                if (!joins_previous(next_cp(u, &k, e)))
                    break;
                i = k;
            }
            if ((rc = norm_into(a, ps, i, &a->term, &a->term_cap, &len)) != SOU_OK)
                return rc;
            if (len > 0) {
                if ((rc = emit(r, a->term, len, base + map[ps], base + map[i], kind, 1, 0)))
                    return rc;
                positional = 1;
            }
        } else {
            /* a stretch of other characters: letters make a word, digits
             * alone a number */
            int letters = 0, digits = 0;
            sou_token_kind lkind = SOU_TOKEN_NUMBER;
            for (size_t k = ps; k < e;) {
                size_t cs = k;
                UChar32 d = next_cp(u, &k, e);
                if (cjk_kind(d)) {
                    i = cs;
                    break;
                }
                i = k;
                if (u_isalpha(d)) {
                    if (!letters)
                        lkind = d < 0x80 ? SOU_TOKEN_LATIN : kind_of_letter(d);
                    letters = 1;
                } else if (u_isdigit(d)) {
                    digits = 1;
                }
            }
            if (!letters && !digits)
                continue;
            if (!letters && hybrid) {
                uint32_t before = r->pos;
                size_t w[2] = { ps, word[1] };
                if ((rc = emit_number(r, base, ps, i, compound ? w : NULL, wkind)))
                    return rc;
                if (r->pos != before)
                    compound = 0;
            } else {
                if ((rc = norm_into(a, ps, i, &a->term, &a->term_cap, &len)) != SOU_OK)
                    return rc;
                if (lkind == SOU_TOKEN_LATIN)
                    len = english_apostrophes(a->term, len);
                if (len > 0) {
                    if ((rc = emit(r, a->term, len, base + map[ps], base + map[i], lkind,
                                   !letters, 0)))
                        return rc;
                    positional = 1;
                }
            }
        }
        if (positional && compound) {
            compound = 0;
            if (ps < word[1] && (rc = emit_compound(r, base, ps, word[1], wkind)))
                return rc;
        }
    }
    return 0;
}

/* A word segment of ICU: u16[s, e) with rule status st. */
static int icu_word(run *r, size_t base, size_t s, size_t e, int32_t st)
{
    sou_analyzer *a = r->a;
    const UChar *u = a->u16.text;
    const uint32_t *map = a->u16.map;
    int letters = 0, digits = 0, han = 0, cjk = 0, nchars = 0;
    sou_token_kind kind = SOU_TOKEN_NUMBER;
    size_t len;
    int rc;

    for (size_t i = s; i < e;) {
        UChar32 c = u[i++];
        if (U16_IS_LEAD(c) && i < e && U16_IS_TRAIL(u[i]))
            c = U16_GET_SUPPLEMENTARY(c, u[i++]);
        nchars++;
        if (c < 0x80) {
            if ((c | 32) >= 'a' && (c | 32) <= 'z') {
                if (!letters)
                    kind = SOU_TOKEN_LATIN;
                letters = 1;
            } else if (c >= '0' && c <= '9') {
                digits = 1;
            }
        } else if (is_han(c)) {
            han = 1;
            if (!letters)
                kind = SOU_TOKEN_IDEOGRAPHIC;
            letters = 1;
        } else if (u_isalpha(c)) {
            if (!letters)
                kind = kind_of_letter(c);
            letters = 1;
            if (!cjk && cjk_kind(c))
                cjk = 1;
        } else if (u_isdigit(c)) {
            digits = 1;
        }
    }
    if (!letters && !digits)
        return 0;

    /* Dictionary-segmented Han (and Japanese) words, and any word with kana
     * or Hangul: characters, so that any substring finds them. */
    if (((han && st >= UBRK_WORD_KANA) || cjk) && a->opts.cjk != SOU_CJK_WORDS)
        return emit_subwords(r, base, s, e);
    /* A number written into Chinese (or Japanese, Korean) text (2008年,
     * 第3) is part of the run of characters, so that any substring of it
     * finds it; the whole number stays as a compound for queries that name
     * it alone. */
    if (!letters && a->opts.cjk == SOU_CJK_HYBRID &&
        (cjk_before(u, s) || cjk_at(u, e, a->u16.len)))
        return emit_number(r, base, s, e, NULL, 0);
    if (!letters)
        kind = SOU_TOKEN_NUMBER;
    if ((rc = norm_into(a, s, e, &a->term, &a->term_cap, &len)) != SOU_OK)
        return rc;
    if (len == 0)
        return 0;
    if (kind == SOU_TOKEN_LATIN)
        len = english_apostrophes(a->term, len);
    return emit(r, a->term, len, base + map[s], base + map[e], kind, han, 0);
}

/* Segment text[from, to) with ICU. */
static int icu_chunk(run *r, size_t from, size_t to)
{
    sou_analyzer *a = r->a;
    UErrorCode err = U_ZERO_ERROR;
    int32_t prev, next;
    int rc;

    if ((rc = sou__utf8_to_u16(&a->u16, r->text + from, to - from)) != SOU_OK)
        return rc;
    if (a->fold_hant)
        sou__hant_fold(&a->hant, a->u16.text, a->u16.len);
    ubrk_setText(a->bi, a->u16.text, (int32_t)a->u16.len, &err);
    if (U_FAILURE(err))
        return sou__error_set(SOU_ERROR, "ICU: cannot set break iterator text: %s",
                              u_errorName(err));
    prev = ubrk_first(a->bi);
    while ((next = ubrk_next(a->bi)) != UBRK_DONE) {
        int32_t st = ubrk_getRuleStatus(a->bi);
        if (st >= UBRK_WORD_NONE_LIMIT &&
            (rc = icu_word(r, from, (size_t)prev, (size_t)next, st)) != 0)
            return rc;
        prev = next;
    }
    return 0;
}

/* Where the ICU chunk that starts at a non-plain byte at i should end: at
 * an ASCII space that opens a long plain stretch (or the text's end), since
 * ICU always breaks there. */
static size_t icu_chunk_end(const char *text, size_t len, size_t i)
{
    while (i < len) {
        size_t asc;
        while (i < len && (unsigned char)text[i] >= 0x80)
            i++;
        asc = sou__plain_prefix(text + i, len - i);
        if (i + asc == len || asc >= ASCII_CHUNK_MIN) {
            for (size_t k = i; k < i + asc; k++)
                if (sou__ascii_space((unsigned char)text[k]))
                    return k;
        }
        i += asc;
    }
    return len;
}

int sou_analyzer_tokenize(sou_analyzer *a, const char *text, size_t len, sou_token_cb cb,
                          void *payload)
{
    run r;
    size_t pos = 0;
    int rc;

    if (!a || !cb || (!text && len))
        return sou__error_set(SOU_EINVAL, "sou_analyzer_tokenize: NULL argument");
    if (len >= UINT32_MAX)
        return sou__error_set(SOU_EINVAL, "text of %zu bytes is over the 4 GiB limit", len);
    memset(&r, 0, sizeof r);
    r.a = a;
    r.text = text;
    r.cb = cb;
    r.payload = payload;
    if (!a->fast_ascii)
        return icu_chunk(&r, 0, len);
    while (pos < len) {
        size_t asc = sou__plain_prefix(text + pos, len - pos);
        size_t icu_from, icu_to;

        if (pos + asc == len)
            return ascii_range(&r, pos, len);
        /* The plain part is safe up to its last space: the word after that
         * may continue into the text that follows. */
        icu_from = pos;
        for (size_t k = pos + asc; k > pos; k--) {
            if (sou__ascii_space((unsigned char)text[k - 1])) {
                icu_from = k;
                break;
            }
        }
        if (icu_from > pos && (rc = ascii_range(&r, pos, icu_from)) != 0)
            return rc;
        icu_to = icu_chunk_end(text, len, pos + asc);
        if ((rc = icu_chunk(&r, icu_from, icu_to)) != 0)
            return rc;
        pos = icu_to;
    }
    return 0;
}
