/*
 * terms.h: the term and prefix scheme stored in the index (format 2), shared
 * by the index writer and the query planner so that both always agree.
 *
 *   Q<id>                 the document's external id (boolean, unique)
 *   <term>                a token of the field "body", with positions
 *   X<FIELD>:<term>       a token of any other field FIELD (upper-cased name),
 *                         with positions
 *   Z<stem>               stem of a Latin word of "body", no positions
 *   ZX<FIELD>:<stem>      stem in field FIELD, no positions
 *
 * Each token is stored once. A stem is stored only where it differs from
 * the word, so a stem query looks up both Z<stem> and <stem> (when the stem
 * is its own stem). Hybrid-mode compound words are <term>/X<FIELD>:<term>
 * terms without positions. A query without a field is a synonym over the
 * index's fields.
 */
#ifndef SOU_LIB_TERMS_H
#define SOU_LIB_TERMS_H

#include <stddef.h>
#include <string.h>

#include "sou.h"

/* Longest prefix: "ZX" + SOU_NAME_MAX + ":" */
#define SOU__PREFIX_MAX (SOU_NAME_MAX + 3)
/* Room for a prefix, a term and a NUL. Xapian refuses terms over 245 bytes. */
#define SOU__TERMBUF (SOU__PREFIX_MAX + SOU_TERM_MAX + 1)

/* The field whose terms carry no field prefix: the longest text of most
 * documents, so the one where a prefix would cost the most. */
#define SOU__BARE_FIELD "body"

static inline int sou__field_is_bare(const char *field, size_t len)
{
    return len == 4 && memcmp(field, SOU__BARE_FIELD, 4) == 0;
}

/* Writes the prefix for field name (NULL: none, as for "body") into buf of at least
 * SOU__PREFIX_MAX + 1 bytes, stemmed or not; returns its length. */
static inline size_t sou__term_prefix(char *buf, const char *field, size_t field_len, int stemmed)
{
    size_t n = 0;
    if (stemmed)
        buf[n++] = 'Z';
    if (field && !sou__field_is_bare(field, field_len)) {
        buf[n++] = 'X';
        for (size_t i = 0; i < field_len && i < SOU_NAME_MAX; i++) {
            char c = field[i];
            buf[n++] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
        }
        buf[n++] = ':';
    }
    buf[n] = '\0';
    return n;
}

/* prefix + term into buf (SOU__TERMBUF bytes); returns the length. */
static inline size_t sou__term_make(char *buf, const char *prefix, size_t prefix_len,
                                    const char *term, size_t term_len)
{
    if (term_len > SOU_TERM_MAX)
        term_len = SOU_TERM_MAX;
    memcpy(buf, prefix, prefix_len);
    memcpy(buf + prefix_len, term, term_len);
    buf[prefix_len + term_len] = '\0';
    return prefix_len + term_len;
}

/* Is name a valid field or value name: [a-z][a-z0-9_]*, 1..SOU_NAME_MAX bytes? */
static inline int sou__name_valid(const char *name, size_t len)
{
    if (!name || len == 0 || len > SOU_NAME_MAX || !(name[0] >= 'a' && name[0] <= 'z'))
        return 0;
    for (size_t i = 1; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

#endif
