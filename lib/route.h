/* route.h: which shard a document goes to, by its id. */
#ifndef SOU_LIB_ROUTE_H
#define SOU_LIB_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The shard (0 to n - 1) of the document with this id: FNV-1a over the id's
 * bytes, modulo n. Stable across runs, machines and versions (the rule is
 * part of the index format), so that a replacement or a deletion finds the
 * shard the document went to. */
static inline size_t sou__route(const char *id, size_t len, size_t n)
{
    uint64_t h = 14695981039346656037ULL; /* the 64-bit offset basis */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)id[i];
        h *= 1099511628211ULL;
    }
    return n ? (size_t)(h % n) : 0;
}

#ifdef __cplusplus
}
#endif

#endif
