/*
 * terms.h: the term and prefix scheme stored in the index, shared by the
 * index writer and the query parser so that both always agree.
 *
 *   Q<id>                 the document's external id (boolean, unique)
 *   <term>                any field, with positions
 *   X<FIELD>:<term>       field FIELD (upper-cased name), with positions
 *   Z<stem>               stem of a Latin word, any field, no positions
 *   ZX<FIELD>:<stem>      stem in field FIELD, no positions
 *
 * Hybrid-mode compound words are plain <term>/X<FIELD>:<term> terms
 * without positions.
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

/* Writes the prefix for field name (NULL: none) into buf of at least
 * SOU__PREFIX_MAX + 1 bytes, stemmed or not; returns its length. */
static inline size_t sou__term_prefix(char *buf, const char *field, size_t field_len, int stemmed)
{
    size_t n = 0;
    if (stemmed)
        buf[n++] = 'Z';
    if (field) {
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
