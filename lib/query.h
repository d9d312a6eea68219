/*
 * query.h: the query tree that the C parser builds and the shim turns into
 * a Xapian::Query. Terms in it are final index terms, prefixes included
 * (see docs/ARCHITECTURE.md for the scheme).
 */
#ifndef SOU_LIB_QUERY_H
#define SOU_LIB_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "sou.h"

#ifdef __cplusplus
extern "C" {
#endif


typedef enum sou__qop {
    SOU__Q_TERM,      /* term */
    SOU__Q_PHRASE,    /* kids are TERMs (or ORs of TERMs) in order, adjacent */
    SOU__Q_AND,
    SOU__Q_OR,
    SOU__Q_AND_NOT,   /* kids[0] minus the rest */
    SOU__Q_AND_MAYBE, /* kids[0], ranked up by the rest */
    SOU__Q_WILDCARD,  /* term is a prefix; expands to the terms that start with it */
    SOU__Q_ALL,       /* every document */
    SOU__Q_NOTHING    /* no document */
} sou__qop;

typedef struct sou__qnode {
    sou__qop op;
    char *term;      /* TERM, WILDCARD: owned, NUL-terminated */
    size_t term_len;
    uint32_t wqf;    /* TERM: within-query frequency, 1 by default */
    struct sou__qnode **kids;
    size_t nkids;
    size_t cap;
} sou__qnode;

/* ---- building trees (query.c) */


/* NULL and SOU_ENOMEM set on failure. */
sou__qnode *sou__qnode_new(sou__qop op);
sou__qnode *sou__qnode_term(const char *term, size_t len, uint32_t wqf);
/* Takes kid (freed on failure). */
int sou__qnode_add(sou__qnode *parent, sou__qnode *kid);
void sou__qnode_free(sou__qnode *node);

/* ---- parsing (query.c) */

/* One thing to highlight in snippets: a sequence of adjacent terms as the
 * analyzer emits them for a stored field. A term matches a token's term, or
 * its stem when by_stem is set. field NULL matches every field. */
typedef struct sou__hlpat {
    char **terms;
    size_t *lens;
    size_t n;
    int by_stem;
    int prefix; /* the last term matches any token term that starts with it */
    char *field;
} sou__hlpat;

typedef struct sou__parsed {
    sou__qnode *root;
    sou__hlpat *pats;
    size_t npats;
    size_t cap;
} sou__parsed;

typedef struct sou__query_env {
    sou_analyzer *analyzer; /* the index's analyzer */
    sou_default_op default_op;
    /* Is name a field of the index? Decides whether "name:x" is a field query. */
    int (*is_field)(void *ctx, const char *name, size_t len);
    void *ctx;
} sou__query_env;

/* Parse q into a tree of index terms. SOU_EQUERY (message with the byte
 * position) for what cannot be read; SOU_ENOMEM. */
int sou__query_parse(const sou__query_env *env, const char *q, size_t len, sou__parsed **out);
void sou__parsed_free(sou__parsed *p);

#ifdef __cplusplus
}
#endif

#endif
