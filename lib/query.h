/*
 * query.h: a query's way from text to the index, in two steps kept apart.
 *
 *   query.c  parse: the query language into a syntax tree (sou__snode) of
 *            words, phrases and groups with their signs; no analysis.
 *   plan.c   plan: the syntax tree into trees of final index terms
 *            (sou__qnode, prefixes included, see lib/terms.h) at up to three
 *            match levels, highlight patterns for snippets, and the query's
 *            words for explanations.
 *
 * The shim turns each level's tree into a Xapian::Query.
 */
#ifndef SOU_LIB_QUERY_H
#define SOU_LIB_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "sou.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ syntax tree */

typedef enum sou__sop {
    SOU__S_WORD,   /* unquoted text: [s, e) of the query */
    SOU__S_PHRASE, /* quoted text: [s, e) */
    SOU__S_GROUP,  /* kids combined by and_op, with their signs */
    SOU__S_RANGE,  /* name:LOW..HIGH on a value: slot, lo, hi */
    SOU__S_ALL     /* "*": every document */
} sou__sop;

typedef enum sou__sign {
    SOU__SIGN_PLAIN,    /* combined as the group's operator says */
    SOU__SIGN_REQUIRED, /* +x, or joined by a typed AND: must match */
    SOU__SIGN_NEGATIVE, /* -x, NOT x: must not match */
    SOU__SIGN_FILTER    /* a range: must match, filters the whole group, adds no weight */
} sou__sign;

typedef struct sou__snode {
    sou__sop op;
    sou__sign sign;
    size_t s, e;           /* WORD, PHRASE: the text in the query; GROUP in
                              parentheses: the group's text, parentheses included */
    size_t at;             /* byte offset where the item starts in the query */
    int prefix;            /* WORD: ended with '*' (not in [s, e)) */
    const char *field;     /* field restriction as typed (any case), or NULL */
    size_t field_len;
    int and_op;            /* GROUP: plain kids must all match (1) or may (0) */
    int typed;             /* GROUP: joined by a typed AND or OR, not only by spaces */
    unsigned int slot;     /* RANGE: the value slot */
    int has_lo, has_hi;    /* RANGE: which bounds there are */
    double lo, hi;         /* RANGE: lo <= value <= hi */
    struct sou__snode **kids;
    size_t nkids, cap;
} sou__snode;

typedef struct sou__query_env {
    sou_analyzer *analyzer; /* the index's analyzer */
    sou_default_op default_op;
    /* Is name a field of the index? Decides whether "name:x" is a field query. */
    int (*is_field)(void *ctx, const char *name, size_t len);
    void *ctx;
    /* The index's indexed fields: a word without a field looks in all of
     * them. NULL/0: "body" only. */
    char *const *fields;
    size_t nfields;
    /* Plan the relaxed levels (all words, some words) as well. */
    int relax;
    /* Most index terms a plan may hold (0: SOU__QUERY_TERMS_MAX). */
    size_t max_terms;
    /* The slot of the value called name, or -1; *is_date: it holds dates.
     * Decides what "name:LOW..HIGH" means. NULL: the index has no values. */
    int (*value_slot)(void *ctx, const char *name, size_t len, int *is_date);
} sou__query_env;

/* Most index terms in one query after expansion into fields, stems and
 * characters; more gives SOU_EQUERY. Wildcards expand within the shim, each
 * to at most SOU__WILDCARD_MAX terms. */
#define SOU__QUERY_TERMS_MAX 10000
#define SOU__WILDCARD_MAX 1000
/* The matches of level 0, best first, that proximity ranks again. Every
 * one of them scores at least what it scored before, so they all stay
 * ahead of the matches after them, and pages agree with each other. */
#define SOU__PROXIMITY_WINDOW 100
/* Positions of the longest run matched as one phrase (Han, kana or Hangul
 * characters, or the words of a quoted phrase); a longer run is matched as
 * pieces of this many, each a phrase.
 * Checking a phrase reads a position list per character in each candidate
 * document: 1,000 copies of one common character took 5.8 s. */
#define SOU__RUN_MAX 32

/* Parse q into a syntax tree. *out is NULL for a query with nothing in it.
 * SOU_EQUERY (message with the byte position) for what cannot be read;
 * SOU_ENOMEM. */
int sou__query_syntax(const sou__query_env *env, const char *q, size_t len, sou__snode **out);
void sou__snode_free(sou__snode *node);

/* ---------------------------------------------------------- index queries */

typedef enum sou__qop {
    SOU__Q_TERM,      /* term */
    SOU__Q_PHRASE,    /* kids are TERMs (or ORs of TERMs) in order, adjacent */
    SOU__Q_AND,
    SOU__Q_OR,
    SOU__Q_AND_NOT,   /* kids[0] minus the rest */
    SOU__Q_AND_MAYBE, /* kids[0], ranked up by the rest */
    SOU__Q_WILDCARD,  /* term is a prefix; expands to the terms that start with it */
    SOU__Q_ALL,       /* every document */
    SOU__Q_NOTHING,   /* no document */
    SOU__Q_SYNONYM,   /* kids weighed as one term (a word across fields and forms) */
    SOU__Q_NEAR,      /* kids (TERMs or ORs of TERMs) within window positions, any order */
    SOU__Q_RANGE,     /* documents whose value in slot is within [lo, hi]; no weight */
    SOU__Q_SCALE      /* kids[0], its weight times wqf: a part typed wqf times */
} sou__qop;

typedef struct sou__qnode {
    sou__qop op;
    char *term;      /* TERM, WILDCARD: owned, NUL-terminated */
    size_t term_len;
    uint32_t wqf;    /* TERM: within-query frequency, 1 by default */
    uint32_t window; /* NEAR: positions */
    unsigned int slot;   /* RANGE: value slot */
    int has_lo, has_hi;  /* RANGE: an open end has none */
    double lo, hi;       /* RANGE: bounds, both included */
    struct sou__qnode **kids;
    size_t nkids;
    size_t cap;
} sou__qnode;

/* NULL and SOU_ENOMEM set on failure. */
sou__qnode *sou__qnode_new(sou__qop op);
sou__qnode *sou__qnode_term(const char *term, size_t len, uint32_t wqf);
/* Takes kid (freed on failure). */
int sou__qnode_add(sou__qnode *parent, sou__qnode *kid);
void sou__qnode_free(sou__qnode *node);

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

/* A word of the query as the user typed it, for explanations: its text,
 * and the index query that finds the documents that have it. */
typedef struct sou__qword {
    char *text;
    size_t len;
    sou__qnode *node;
    char *folded; /* a Latin word as analysed, for spelling; else NULL */
    size_t folded_len;
} sou__qword;

/* How a hit matched; the order of levels is the order of results. */
typedef enum sou__level {
    SOU__LEVEL_EXACT = 0, /* the query as typed */
    SOU__LEVEL_ALL = 1,   /* every word, runs of Chinese split into their words */
    SOU__LEVEL_SOME = 2   /* some of the words, by BM25 */
} sou__level;

typedef struct sou__parsed {
    /* The levels, each run only while the ones before it do not fill the
     * page; NULL where a level does not apply. level[0] always exists. */
    sou__qnode *level[3];
    /* Ranks level 0 up where its words stand close together (NULL: no
     * such ranking): what AND_MAYBE of it would add, over the first
     * matches of level 0 by score only (SOU__PROXIMITY_WINDOW). */
    sou__qnode *proximity;
    size_t nwords;        /* words of SOU__LEVEL_SOME: words[0, nwords) */
    sou__qword *words;    /* the query's plain words, for explanations */
    size_t nqwords, qwords_cap;
    size_t nterms;        /* index terms in level[0] and the others */
    size_t nstopped;      /* stopwords left out */
    sou__hlpat *pats;
    size_t npats;
    size_t cap;
} sou__parsed;

/* Parse and plan q. SOU_EQUERY for what cannot be read or is too large;
 * SOU_ENOMEM. */
int sou__query_parse(const sou__query_env *env, const char *q, size_t len, sou__parsed **out);
/* Plan a syntax tree (NULL: the empty query) of q. */
int sou__query_plan(const sou__query_env *env, const char *q, size_t len,
                    const sou__snode *root, sou__parsed **out);
void sou__parsed_free(sou__parsed *p);

#ifdef __cplusplus
}
#endif

#endif
