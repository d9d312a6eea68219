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

/** A Xapian database built with TermGenerator(FLAG_CJK_NGRAM) and searched
 * with QueryParser(FLAG_CJK_NGRAM), default operator AND. */
typedef struct peer_xapian_db peer_xapian_db;

/** Create (or overwrite) the database in directory @p path. @return 0 or -1. */
int peer_xapian_db_create(peer_xapian_db **out, const char *path);

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

/** Close the database (NULL is fine). */
void peer_xapian_db_close(peer_xapian_db *db);

#ifdef __cplusplus
}
#endif

#endif /* SOU_BENCH_PEERS_XAPIAN_H */
