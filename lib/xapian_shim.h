/*
 * xapian_shim.h: the only door to Xapian. A C interface; the implementation
 * (xapian_shim.cc for the database and documents, xapian_search.cc for
 * queries and matches) catches every exception and turns it into a sou
 * return code and the thread-local message. No C++ type crosses.
 */
#ifndef SOU_LIB_XAPIAN_SHIM_H
#define SOU_LIB_XAPIAN_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"
#include "stub.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sou__xdb sou__xdb;
typedef struct sou__xdoc sou__xdoc;

/* ---- database */

/* flags: SOU_INDEX_READONLY, SOU_INDEX_WRITE or SOU_INDEX_CREATE. A second
 * writer gets SOU_ELOCKED at once; a missing index opened without CREATE
 * gets SOU_EIO. */
int sou__xdb_open(sou__xdb **out, const char *path, unsigned int flags);
/* A new database at path that holds work in progress, such as a bulk
 * load's shard: its commits are not synced to disk, since it is thrown away
 * if the process dies. It must not exist yet. */
int sou__xdb_open_scratch(sou__xdb **out, const char *path);

/* Per-operation timeout of a remote shard, once connected (milliseconds). */
#define SOU__REMOTE_TIMEOUT_MS 10000
/*
 * Open read-only, as one database, the n shards listed: a local one as the
 * glass database in its directory, a remote one over TCP. status has n
 * entries: on input, a non-zero entry leaves that shard out untouched; on
 * output, SOU_OK for each shard opened, else the code of its failure, with
 * its message in messages[i] (sou__malloc'd, NULL for the others; the
 * caller frees them whatever the return; messages may be NULL).
 * skip_failed: a shard that fails is left out; without it the first
 * failure closes everything and is returned. No shard open is SOU_EIO.
 */
int sou__xdb_open_shards(sou__xdb **out, const sou__shard *shards, size_t n,
                         unsigned int connect_timeout_ms, int skip_failed, int *status,
                         char **messages);
/*
 * Open for writing, as one index, the n local shard directories listed
 * (created when create is set): a document goes to the shard its id routes
 * to (route.h), metadata to every shard, and a commit commits each in turn.
 * Reading sees all of them, as sou__xdb_open_shards does.
 */
int sou__xdb_open_writable_shards(sou__xdb **out, const char *const *paths, size_t n, int create);
/* How many writers: 1 for a writable directory, the shards of a writable
 * stub, 0 when read-only. */
size_t sou__xdb_writers(const sou__xdb *db);
/* Metadata of writable shard i alone. */
int sou__xdb_shard_set_metadata(sou__xdb *db, size_t i, const char *key, const char *val,
                                size_t len);
/* The documents of shard i. */
int sou__xdb_shard_doc_count(sou__xdb *db, size_t i, uint64_t *out);
/* Metadata of shard i alone (as sou__xdb_get_metadata); SOU_ENOTFOUND when
 * shard i is not open. */
int sou__xdb_shard_metadata(sou__xdb *db, size_t i, const char *key, char **out, size_t *len);
/* Commits a writable database unless a transaction is open (then cancels),
 * and frees db whatever happens: SOU_OK, or the commit's failure. */
int sou__xdb_close(sou__xdb *db);
int sou__xdb_writable(const sou__xdb *db);
/* Read-only databases: move to the latest commit. */
int sou__xdb_reopen(sou__xdb *db);

/* *out is malloc'd (free with sou__free), NUL-terminated; NULL with *len 0
 * when the key is absent (still SOU_OK). */
int sou__xdb_get_metadata(sou__xdb *db, const char *key, char **out, size_t *len);
int sou__xdb_set_metadata(sou__xdb *db, const char *key, const char *val, size_t len);

int sou__xdb_commit(sou__xdb *db);
int sou__xdb_begin(sou__xdb *db);
int sou__xdb_cancel(sou__xdb *db);

typedef struct sou__xstats {
    uint64_t doc_count;
    uint64_t term_count;   /* distinct terms, prefixed ones included */
    uint64_t total_length; /* sum of document lengths */
} sou__xstats;
int sou__xdb_stats(sou__xdb *db, sou__xstats *out);
/* The document count alone: cheap, unlike the stats' term count. */
int sou__xdb_doc_count(sou__xdb *db, uint64_t *out);

/* ---- documents */

int sou__xdoc_new(sou__xdoc **out);
void sou__xdoc_free(sou__xdoc *doc);
/* A term at a position; wdf grows by wdf_inc. */
int sou__xdoc_add_posting(sou__xdoc *doc, const char *term, size_t len, uint32_t pos,
                          uint32_t wdf_inc);
/* A term without position. wdf_inc 0 makes a boolean (filter) term. */
int sou__xdoc_add_term(sou__xdoc *doc, const char *term, size_t len, uint32_t wdf_inc);
int sou__xdoc_set_data(sou__xdoc *doc, const char *data, size_t len);
/* A sortable number in a value slot. */
int sou__xdoc_set_value(sou__xdoc *doc, unsigned int slot, double value);

/* Replace the document indexed by the unique term idterm, or add it. */
int sou__xdb_replace(sou__xdb *db, const char *idterm, size_t len, sou__xdoc *doc);
/* Adds doc as a new document, whatever its id term: for a writer that knows
 * the id is not in db yet (a bulk shard). One index directory only. */
int sou__xdb_add(sou__xdb *db, sou__xdoc *doc);
/* SOU_ENOTFOUND when no document has idterm. */
int sou__xdb_delete(sou__xdb *db, const char *idterm, size_t len);
/* The data of the document with idterm; *out malloc'd, free with sou__free.
 * SOU_ENOTFOUND when absent. Retries once after DatabaseModifiedError. */
int sou__xdb_get_data(sou__xdb *db, const char *idterm, size_t len, char **out,
                      size_t *out_len);

/* For each document whose id term starts with Q<prefix> (len bytes), in
 * byte order: cb(id without its Q, its length, values, payload), values[i]
 * the number in slot slots[i] (NaN when the document has none there, and
 * for slot 0, which holds nothing). A non-zero return of cb stops and is
 * returned. A reader modified twice under it is SOU_EMODIFIED; it is
 * retried only when cb has not been called yet. */
int sou__xdb_ids(sou__xdb *db, const char *prefix, size_t len, const unsigned int *slots,
                 size_t nslots, int (*cb)(const char *, size_t, const double *, void *),
                 void *payload);

/* Merge the databases at srcs (in order; docids renumbered) into a new
 * compact database at dst, which must not exist. Metadata comes from the
 * first source that has each key. */
int sou__xdb_compact(const char *const *srcs, size_t n, const char *dst);
/* Delete from db every document whose id term (Q...) the database at
 * other_path holds; *deleted counts them. */
int sou__xdb_delete_ids_of(sou__xdb *db, const char *other_path, uint64_t *deleted);

/* ---- search (xapian_search.cc) */

typedef struct sou__xsearch {
    size_t offset;
    size_t limit;
    double k1, b;
    int sort_slot;      /* -1: relevance */
    int sort_ascending;
    uint64_t exact_up_to; /* count matches exactly up to this many (0: estimate) */
    const unsigned int *facet_slots; /* value slots to count distinct values of */
    size_t nfacets;
    /* Ranks the best matches of level 0 up as AND_MAYBE would: the first
     * proximity_window of them by score (or the page, if longer) are scored
     * again with it; NULL: none. Ignored when sorting by value. */
    const sou__qnode *proximity;
    size_t proximity_window;
} sou__xsearch;

/* The distinct values of a slot over the match, the most frequent first
 * (equal counts: the smallest value first). */
typedef struct sou__xfacet {
    size_t n;
    double *values;
    uint64_t *counts;
} sou__xfacet;

typedef struct sou__xhit {
    uint32_t docid;
    double score;
    int level;          /* index into the levels searched */
    uint32_t matched;   /* filled by sou__xdb_words_matched */
    char *data; /* the document data, owned by the match */
    size_t data_len;
} sou__xhit;

typedef struct sou__xmatch {
    uint64_t total;     /* matches over the levels run */
    int total_exact;    /* total is exact, else a lower bound */
    uint64_t level_total[3];
    int levels_run;     /* how many levels were searched */
    size_t count;
    sou__xhit *hits;
    sou__xfacet *facets; /* one per facet slot asked, NULL when none; counted over
                            every match of the levels run (then total is exact) */
    size_t nfacets;
} sou__xmatch;

/* Run the levels in order (NULL entries skipped): each fills what is left
 * of the page [offset, offset + limit) after the ones before it, without
 * their documents, and only while they hold fewer than offset + limit.
 * *out freed with sou__xmatch_free.
 * Retries once after DatabaseModifiedError, then SOU_EMODIFIED. */
int sou__xdb_search(sou__xdb *db, sou__qnode *const *levels, size_t nlevels,
                    const sou__xsearch *params, sou__xmatch **out);
void sou__xmatch_free(sou__xmatch *m);

/* For each of the documents docids[0, ndocs), how many of the word
 * queries it matches, into matched[]. */
int sou__xdb_words_matched(sou__xdb *db, sou__qnode *const *words, size_t nwords,
                           const uint32_t *docids, size_t ndocs, uint32_t *matched);

/* How many documents match q, exactly up to check (then *exact is 0). */
int sou__xdb_count(sou__xdb *db, const sou__qnode *q, uint64_t check, uint64_t *count,
                   int *exact);

/* The Latin word of the index's vocabulary closest to word (edit distance
 * 1, or 2 for words of 5 letters or more; the most frequent wins a tie),
 * among the terms of the given prefixes ("" for the bare field). *out is
 * NULL when none is close; else malloc'd, free with sou__free. */
int sou__xdb_suggest(sou__xdb *db, const char *const *prefixes, size_t nprefixes,
                     const char *word, size_t len, char **out);

/* Xapian's description of q; *out malloc'd, free with sou__free. */
int sou__xquery_describe(const sou__qnode *q, char **out);

/* Does the database hold term? (for query decisions such as field names) */
int sou__xdb_term_exists(sou__xdb *db, const char *term, size_t len, int *exists);

#ifdef __cplusplus
}
#endif

#endif
