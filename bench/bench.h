/*
 * bench.h: what the sou-bench commands share: corpus text classes held in
 * memory, a monotonic clock, option parsing and machine facts.
 */
#ifndef SOU_BENCH_H
#define SOU_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* One text class: every document is a non-empty line of the source files,
 * without its CR and BOM, kept NUL-terminated in one buffer. */
typedef struct bench_text {
    char name[16];
    char *buf;
    size_t buf_len, buf_cap;
    size_t *off; /* start of document i in buf */
    size_t *len; /* bytes of document i, without the NUL */
    size_t count, cap;
    size_t bytes; /* sum of len: the UTF-8 input a pass reads */
    char files[512]; /* the files read, relative to the corpus, comma separated */
} bench_text;

/** The i-th document of @p t. */
static inline const char *bench_text_doc(const bench_text *t, size_t i)
{
    return t->buf + t->off[i];
}

/**
 * Load text class @p name ("en", "zh", "zh-hant" or "mixed") from the
 * corpus directory. "mixed" alternates an en line and a zh line, as many
 * pairs as the shorter class has lines.
 * @return 0, or -1 after printing why on stderr.
 */
int bench_text_load(bench_text *t, const char *corpus, const char *name);

/** Release what bench_text_load allocated. */
void bench_text_free(bench_text *t);

/* The mixed collection of the index and query benchmarks: document i is
 * English line i/2 (even i) or Chinese line i/2 (odd i), each class taken
 * round from its start again when it runs out, so that any number of
 * documents can be made from the corpus without inventing text. */
typedef struct bench_collection {
    bench_text en, zh;
    size_t docs;
    uint64_t bytes; /* UTF-8 bytes of the docs documents */
} bench_collection;

/** Load the en and zh classes and size the collection to @p docs (>= 1).
 * @return 0, or -1 after printing why on stderr. */
int bench_collection_load(bench_collection *c, const char *corpus, size_t docs);

/** The corpus directory of --corpus @p given (bench_corpus_dir, in
 * @p corpus) and its collection of @p docs documents, as the index, query,
 * shards and floor commands start. @return 0, or the exit status: 2 when
 * there is no corpus, 1 when it cannot be read (the message printed). */
int bench_collection_open(bench_collection *c, const char *given, size_t docs,
                          const char **corpus);

void bench_collection_free(bench_collection *c);

/** Document @p i (< c->docs), NUL-terminated, its bytes in @p len. */
static inline const char *bench_collection_doc(const bench_collection *c, size_t i,
                                               size_t *len)
{
    const bench_text *t = i % 2 ? &c->zh : &c->en;
    size_t k = (i / 2) % t->count;
    *len = t->len[k];
    return bench_text_doc(t, k);
}

/* The queries of sou-bench query: English words, two English words,
 * three-word phrases in quotes, 2 to 6 Han characters, and a number or Latin
 * word with the Han characters it touches. */
#define BENCH_QUERY_KINDS 5
typedef struct bench_query {
    char *text; /* as a user types it */
    size_t len;
    int kind;     /* 0 to BENCH_QUERY_KINDS - 1, in the order above */
    char *fts;    /* the FTS5 expression for the same words; NULL when none */
    char *folded; /* text folded as the analyzer folds, for the checks */
    size_t folded_len;
} bench_query;

/** Draw @p want distinct queries from documents of @p c picked by a
 * generator seeded with @p seed; how many of each kind into @p per_kind.
 * Free with bench_queries_free even on failure. @return 0 or -1 (printed). */
int bench_queries_make(const bench_collection *c, size_t want, uint64_t seed, bench_query **out,
                       size_t *n_out, size_t per_kind[BENCH_QUERY_KINDS]);
void bench_queries_free(bench_query *q, size_t n);

/** A new directory under $TMPDIR (or /tmp) into @p buf. @return 0 or -1 (printed). */
int bench_tmpdir(char *buf, size_t size);

/** Remove @p path and everything under it; a missing path is fine. @return 0 or -1. */
int bench_rmtree(const char *path);

/** Bytes of the regular files under @p path (or of the file itself). */
uint64_t bench_path_bytes(const char *path);

/** The @p p-th percentile (0-100, nearest rank) of @p n sorted values. */
double bench_percentile(const double *sorted, size_t n, double p);

/** NFKC_Casefold of UTF-8 text (the analyzer's folding), malloc'd and
 * NUL-terminated; ill-formed bytes become U+FFFD. NULL on failure. */
char *bench_fold_utf8(const char *s, size_t len, size_t *out_len);

/** Where sou-bench index puts system @p name's index under @p dir. */
void bench_index_path(char *buf, size_t size, const char *dir, const char *name);

/** Build system @p name's index of @p c under @p dir (at bench_index_path)
 * in a child process. @return 0, or -1 after printing why. */
int bench_index_build(const char *name, const char *dir, const bench_collection *c);

/** The same, timed as sou-bench index times a row: from opening the index
 * to its last commit (for sou-bulk, the merge included), in @p secs. */
int bench_index_build_timed(const char *name, const char *dir, const bench_collection *c,
                            double *secs);

/** Seconds on CLOCK_MONOTONIC. */
double bench_now(void);

/** Median of @p n values (n >= 1); @p v is sorted in place. */
double bench_median(double *v, size_t n);

/** The corpus to use: @p given, else ../shared/corpus when it exists.
 * @return NULL after printing a hint on stderr. */
const char *bench_corpus_dir(const char *given);

/** The CPU model from /proc/cpuinfo into @p buf, and the count of logical CPUs. */
void bench_cpu_model(char *buf, size_t size, int *cpus);

/** The ICU version as "MAJOR.MINOR" into @p buf. */
void bench_icu_version(char *buf, size_t size);

/** Whether @p item is in the comma-separated @p list (NULL list: yes). */
int bench_list_has(const char *list, const char *item);

/** Parse a non-negative decimal integer. @return 0 or -1. */
int bench_parse_u64(const char *s, uint64_t *out);

/** The argument @p arg of option @p opt as a number from @p lo to @p hi into
 * @p out. @return 0, or -1 after saying on stderr what the option takes. */
int bench_num_arg(const char *opt, const char *arg, uint64_t lo, uint64_t hi, uint64_t *out);

/** A new JSON object holding what every --json output begins with: "cpu",
 * "cpus" and "sou" (the library's version). NULL when out of memory. */
json_t *bench_json_root(void);

/* Print root as indented JSON and a newline on stdout, then release it.
 * Returns 0, or -1 when it could not be written. */
int bench_json_print(json_t *root);

/* Write root to the file @p path (when not NULL) and, when @p to_stdout,
 * print it as bench_json_print does; then release it. Returns 0 or -1. */
int bench_json_emit(json_t *root, int to_stdout, const char *path);

/** sou-bench tokenize. @return the exit status. */
int bench_tokenize_main(int argc, char **argv);

/** sou-bench recall. @return the exit status. */
int bench_recall_main(int argc, char **argv);

/** sou-bench index. @return the exit status. */
int bench_index_main(int argc, char **argv);

/** sou-bench query. @return the exit status. */
int bench_query_main(int argc, char **argv);

/** sou-bench relevance. @return the exit status. */
int bench_relevance_main(int argc, char **argv);

/** sou-bench shards: query latency over 1, 2, 4... shards, local and remote. */
int bench_shards_main(int argc, char **argv);

/** sou-bench floor: what Xapian alone costs to write the terms sou makes. */
int bench_floor_main(int argc, char **argv);

/** Rejects a name in the comma-separated @p list that is not among the
 * @p n_known names of @p known. @return 0, or -1 after printing it. */
int bench_names_check(const char *list, const char *const *known, size_t n_known,
                      const char *what);

#endif /* SOU_BENCH_H */
