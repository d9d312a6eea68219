/* gen.h: the documents of the fault tests, rebuilt from their number alone,
 * so that a checker knows every byte a writer wrote. */
#ifndef SOU_FAULT_GEN_H
#define SOU_FAULT_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "sou.h"

/* A small fast generator; state must not be 0. */
typedef struct gen_rng {
    uint64_t s;
} gen_rng;

void gen_seed(gen_rng *r, uint64_t seed);
uint64_t gen_next(gen_rng *r);
/* Uniform in [0, n); n > 0. */
uint64_t gen_below(gen_rng *r, uint64_t n);

/* Longest id, title and body the generator makes, in bytes, NUL included. */
#define GEN_ID_MAX 32
#define GEN_TITLE_MAX 128
#define GEN_BODY_MAX 16384

/* The id of document n: "doc-NNNNN". */
void gen_id(unsigned n, char *buf);
/* The word only document n holds, whatever its version: "kNNNNNq". */
void gen_key(unsigned n, char *buf);

/* Title and body of version v (>= 1) of document n: English and Chinese
 * words, a line break, lengths from a few words to some kilobytes. Both
 * NUL-terminated; returns the body's length. */
size_t gen_text(unsigned n, unsigned v, char *title, char *body);

/* A new sou_doc for version v of document n, or NULL when out of memory. */
sou_doc *gen_doc(unsigned n, unsigned v);

/* Writes version v of document n as one JSON line (with its newline) to
 * buf of at least 2 * GEN_BODY_MAX bytes; returns the length. */
size_t gen_json_line(unsigned n, unsigned v, char *buf);

/* 0 when doc (as read back) is exactly version v of document n; else -1
 * with a reason in why (at least 256 bytes). */
int gen_doc_check(const sou_doc *doc, unsigned n, unsigned v, char *why);

/* Runs xapian-check on dir; 0 when it exits 0 and says "No errors found",
 * else -1 after printing its output. */
int gen_xapian_check(const char *xapian_check, const char *dir);

/* Removes a directory tree (or file); missing is fine. */
void gen_rmtree(const char *path);

/* Seconds on the monotonic clock. */
double gen_now(void);

#endif
