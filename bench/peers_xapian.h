/*
 * peers_xapian.h: Xapian's own text handling, measured beside sou. A C
 * door so that the rest of sou-bench stays C.
 */
#ifndef SOU_BENCH_PEERS_XAPIAN_H
#define SOU_BENCH_PEERS_XAPIAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Xapian's run-time version string. */
const char *peer_xapian_version(void);

/** The message of the last failure of a peer_xapian_* call. */
const char *peer_xapian_error(void);

/** A Xapian::TermGenerator with the English stemmer. */
typedef struct peer_xapian_tg peer_xapian_tg;

/** @param cjk_ngram non-zero: FLAG_CJK_NGRAM. @return 0 or -1. */
int peer_xapian_tg_new(peer_xapian_tg **out, int cjk_ngram);
void peer_xapian_tg_free(peer_xapian_tg *tg);

/** Index @p text into a fresh document, as an indexer would. @return 0 or -1. */
int peer_xapian_tg_index(peer_xapian_tg *tg, const char *text, size_t len);

/**
 * Index @p text into a fresh document and count the unstemmed terms made:
 * the sum of wdf over terms not starting with 'Z' (words, and with n-grams
 * both unigrams and bigrams). @return 0 or -1.
 */
int peer_xapian_tg_count(peer_xapian_tg *tg, const char *text, size_t len, uint64_t *terms);

/** A Xapian database built with TermGenerator(FLAG_CJK_NGRAM), the English
 * stemmer and STEM_SOME, searched with QueryParser(FLAG_CJK_NGRAM), the same
 * stemmer and strategy, default operator AND. */
typedef struct peer_xapian_db peer_xapian_db;

/**
 * Create (or overwrite) the database in directory @p path.
 * @param store non-zero: each document's text is also its data, as a
 *              search application stores what it shows.
 * @return 0 or -1.
 */
int peer_xapian_db_create(peer_xapian_db **out, const char *path, int store);

/** Open an existing database in @p path to search it. @return 0 or -1. */
int peer_xapian_db_open(peer_xapian_db **out, const char *path);

/** Documents in the database. */
uint64_t peer_xapian_db_count(peer_xapian_db *db);

/** Add a document; the n-th one added (from 0) gets docid n + 1. @return 0 or -1. */
int peer_xapian_db_add(peer_xapian_db *db, const char *text, size_t len);

/** @return 0 or -1. */
int peer_xapian_db_commit(peer_xapian_db *db);

/**
 * Run @p query and store at most @p cap matching docids in @p docids.
 * @param[out] count the docids stored.
 * @return 0 or -1.
 */
int peer_xapian_db_search(peer_xapian_db *db, const char *query, size_t len,
                          uint32_t *docids, size_t cap, size_t *count);

/**
 * Run @p query for the top @p cap hits as a search page would: docids in
 * @p docids and each hit's stored data read (its bytes summed in @p data_bytes).
 * @return 0 or -1.
 */
int peer_xapian_db_top(peer_xapian_db *db, const char *query, size_t len, uint32_t *docids,
                       size_t cap, size_t *count, uint64_t *data_bytes);

/** Close the database (NULL is fine). */
void peer_xapian_db_close(peer_xapian_db *db);

/**
 * The documents of an index read into memory as Xapian documents (terms,
 * positions, wdf, values, data), dealt round-robin to @p shards shards:
 * what Xapian alone costs to write a term scheme, without any analysis.
 */
typedef struct peer_xapian_docs peer_xapian_docs;

/** Read every document of the database in @p path. @return 0 or -1. */
int peer_xapian_docs_load(peer_xapian_docs **out, const char *path, unsigned shards);

/** Documents read. */
uint64_t peer_xapian_docs_count(const peer_xapian_docs *d);

/**
 * Write shard k on thread k into @p work/shardK (DB_NO_SYNC), commit, and
 * merge the shards with Database::compact into @p out. The caller removes
 * @p work. @return 0 or -1.
 */
int peer_xapian_docs_write(const peer_xapian_docs *d, const char *work, const char *out);

void peer_xapian_docs_free(peer_xapian_docs *d);

/** Write a compacted copy of the database in @p src to the new directory
 * @p dst with Xapian::Database::compact. @return 0 or -1. */
int peer_xapian_compact(const char *src, const char *dst);

/**
 * A ranking peer for English test collections: TermGenerator with the
 * English stemmer; QueryParser with the same stemmer, STEM_SOME, default
 * operator OR, FLAG_DEFAULT.
 */
typedef struct peer_xapian_rank peer_xapian_rank;

/**
 * Create (or overwrite) the database in directory @p path.
 * @param stop sorted stopwords the QueryParser drops (NULL: none).
 * @param k1,b BM25 parameters; k1 < 0 keeps Xapian's BM25Weight defaults
 *             (k1 1, b 0.5).
 * @return 0 or -1.
 */
int peer_xapian_rank_new(peer_xapian_rank **out, const char *path, const char *const *stop,
                         size_t n_stop, double k1, double b);

/** Add a document; the n-th one added (from 0) gets docid n + 1. @return 0 or -1. */
int peer_xapian_rank_add(peer_xapian_rank *r, const char *text, size_t len);

/** Commit, and make what was added searchable. @return 0 or -1. */
int peer_xapian_rank_commit(peer_xapian_rank *r);

/** The ranked docids of at most @p cap hits. @return 0 or -1. */
int peer_xapian_rank_search(peer_xapian_rank *r, const char *query, size_t len,
                            uint32_t *docids, size_t cap, size_t *count);

void peer_xapian_rank_free(peer_xapian_rank *r);

#ifdef __cplusplus
}
#endif

#endif /* SOU_BENCH_PEERS_XAPIAN_H */
