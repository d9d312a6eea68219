/*
 * peers_sqlite.h: SQLite FTS5 through its C API, measured beside sou.
 */
#ifndef SOU_BENCH_PEERS_SQLITE_H
#define SOU_BENCH_PEERS_SQLITE_H

#include <stddef.h>
#include <stdint.h>

/** SQLite's run-time version string. */
const char *peer_fts5_version(void);

/** One FTS5 table `docs(body)` in a database file. */
typedef struct peer_fts5 peer_fts5;

/**
 * Create the database file @p path (removed first if it exists) with an
 * FTS5 table using @p tokenize ("trigram", "unicode61", "porter", ...).
 * @return 0, or -1 after printing why on stderr.
 */
int peer_fts5_create(peer_fts5 **out, const char *path, const char *tokenize);

/** Open an existing database file made by peer_fts5_create. @return 0 or -1. */
int peer_fts5_open(peer_fts5 **out, const char *path);

/** Start the one transaction the documents go in. @return 0 or -1. */
int peer_fts5_begin(peer_fts5 *p);

/** Add a document as rowid @p rowid. @return 0 or -1. */
int peer_fts5_add(peer_fts5 *p, int64_t rowid, const char *text, size_t len);

/** Commit the transaction. @return 0 or -1. */
int peer_fts5_commit(peer_fts5 *p);

/** Rows in the table, or 0 on failure. */
uint64_t peer_fts5_count(peer_fts5 *p);

/**
 * Run the FTS5 expression @p match for at most @p cap rows ordered by
 * @p order ("rank", or "bm25(docs)"): rowids in @p rowids; with
 * @p data_bytes non-NULL the body of each row is read and its bytes added.
 * @return 0, or -1 after printing why on stderr (a syntax error included).
 */
int peer_fts5_search(peer_fts5 *p, const char *match, size_t cap, int64_t *rowids,
                     size_t *count, uint64_t *data_bytes);

/** Close (NULL is fine). */
void peer_fts5_close(peer_fts5 *p);

/**
 * Append to @p out (NUL-terminated, at most @p cap bytes) the FTS5
 * expression for words typed by a user: every run of letters, digits or
 * non-ASCII characters in @p text becomes a quoted string, joined by
 * @p join (" " for AND, " OR " for OR). With @p phrase, all of them form one
 * quoted phrase instead. With @p distinct, a word already written (ASCII
 * case ignored) is not written again.
 * @return the bytes written, or 0 when there is no word or it does not fit.
 */
size_t peer_fts5_expr(const char *text, size_t len, const char *join, int phrase,
                      int distinct, char *out, size_t cap);

#endif /* SOU_BENCH_PEERS_SQLITE_H */
