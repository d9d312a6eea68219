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

/* Print root as indented JSON and a newline on stdout, then release it.
 * Returns 0, or -1 when it could not be written. */
int bench_json_print(json_t *root);

/** sou-bench tokenize. @return the exit status. */
int bench_tokenize_main(int argc, char **argv);

/** sou-bench recall. @return the exit status. */
int bench_recall_main(int argc, char **argv);

#endif /* SOU_BENCH_H */
