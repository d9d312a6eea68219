/* floor.c: sou-bench floor, what Xapian alone costs to write the terms sou
 * makes. sou-bulk's documents are read back from the index it built and
 * written again, prebuilt in memory, on as many threads and shards as
 * sou-bulk uses, then merged by compaction: bulk indexing with analysis,
 * document building and queues taken away. Beside it, in the same rounds,
 * sou-bulk itself and Xapian's TermGenerator with CJK n-grams, the baseline
 * of sou-bench index. */
#define _GNU_SOURCE /* sysconf(_SC_NPROCESSORS_ONLN) */

#include "bench.h"
#include "peers_xapian.h"

#include <jansson.h>
#include <sou.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DOCS_DEFAULT 245400
#define RUNS_DEFAULT 3

enum { R_BULK, R_FLOOR, R_XAPIAN, N_ROWS };
static const char *const row_names[N_ROWS] = { "sou-bulk", "xapian-write-sou-terms",
                                               "xapian-termgen-ngram" };

static void floor_usage(FILE *out)
{
    fputs("usage: sou-bench floor [--corpus DIR] [--docs N] [--runs N] [--json]\n"
          "                       [--json-file PATH]\n"
          "\n"
          "How close bulk indexing is to what Xapian alone costs to write sou's terms.\n"
          "sou-bulk builds the collection of sou-bench index; its documents are read\n"
          "back into memory as Xapian documents (untimed), then each round times, in\n"
          "turn: sou-bulk (defaults), writing the prebuilt documents on one thread per\n"
          "online core into as many shards and compacting them into one\n"
          "(xapian-write-sou-terms), and Xapian's TermGenerator with CJK n-grams and\n"
          "the English stemmer on one thread (xapian-termgen-ngram).\n"
          "\n"
          "  --corpus DIR     the corpus (default ../shared/corpus)\n"
          "  --docs N         documents (default 245400)\n"
          "  --runs N         rounds (default 3)\n"
          "  --json           print JSON instead of a table\n"
          "  --json-file PATH also write the JSON to PATH\n",
          out);
}

/* Write the prebuilt documents into @p dir once. @return seconds, or < 0. */
static double floor_once(const peer_xapian_docs *docs, const char *dir)
{
    char work[4200], out[4200];
    snprintf(work, sizeof work, "%s/floor-work", dir);
    snprintf(out, sizeof out, "%s/floor", dir);
    if (bench_rmtree(work) != 0 || bench_rmtree(out) != 0 || mkdir(work, 0777) != 0)
        return -1;
    double t0 = bench_now();
    int rc = peer_xapian_docs_write(docs, work, out);
    double secs = bench_now() - t0;
    if (rc != 0)
        fprintf(stderr, "sou-bench: floor: %s\n", peer_xapian_error());
    bench_rmtree(work);
    bench_rmtree(out);
    return rc == 0 ? secs : -1;
}

/* One row's docs/s: per round in order, and their median and spread. */
typedef struct rates {
    double run[64];
    double median, lo, hi;
} rates;

static void rates_of(const double (*secs)[N_ROWS], size_t runs, size_t docs, int row, rates *out)
{
    double sorted[64];
    for (size_t k = 0; k < runs; k++)
        sorted[k] = out->run[k] = (double)docs / secs[k][row];
    out->median = bench_median(sorted, runs);
    out->lo = sorted[0];
    out->hi = sorted[runs - 1];
}

static int json_print(const rates *rate, size_t runs, const bench_collection *c, unsigned threads,
                      int to_stdout, const char *save)
{
    json_t *root = bench_json_root(), *results = json_array();
    if (!root || !results) {
        json_decref(root);
        json_decref(results);
        return -1;
    }
    json_object_set_new(root, "xapian", json_string(peer_xapian_version()));
    json_object_set_new(root, "docs", json_integer((json_int_t)c->docs));
    json_object_set_new(root, "threads", json_integer(threads));
    json_object_set_new(root, "runs", json_integer((json_int_t)runs));
    for (int r = 0; r < N_ROWS; r++) {
        json_t *per = json_array();
        for (size_t k = 0; per && k < runs; k++)
            json_array_append_new(per, json_real(rate[r].run[k]));
        json_t *o = json_pack("{s:s, s:I, s:f, s:f, s:f, s:o}", "system", row_names[r], "docs",
                              (json_int_t)c->docs, "docs_s", rate[r].median, "docs_s_min",
                              rate[r].lo, "docs_s_max", rate[r].hi, "docs_s_runs",
                              per ? per : json_null());
        if (!o || json_array_append_new(results, o) != 0) {
            json_decref(results);
            json_decref(root);
            return -1;
        }
    }
    json_object_set_new(root, "results", results);
    return bench_json_emit(root, to_stdout, save);
}

int bench_floor_main(int argc, char **argv)
{
    const char *corpus_arg = NULL, *save = NULL;
    uint64_t docs = DOCS_DEFAULT, runs = RUNS_DEFAULT;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            floor_usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (i + 1 < argc && strcmp(a, "--corpus") == 0) {
            corpus_arg = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--json-file") == 0) {
            save = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--docs") == 0) {
            if (bench_num_arg(a, argv[++i], 1, 100000000, &docs) != 0)
                return 2;
        } else if (i + 1 < argc && strcmp(a, "--runs") == 0) {
            if (bench_num_arg(a, argv[++i], 1, 64, &runs) != 0)
                return 2;
        } else {
            fprintf(stderr, "sou-bench: bad argument '%s'\n", a);
            floor_usage(stderr);
            return 2;
        }
    }
    const char *corpus;
    bench_collection c;
    int opened = bench_collection_open(&c, corpus_arg, (size_t)docs, &corpus);
    if (opened != 0)
        return opened;
    char tmp[4096], path[4200];
    if (bench_tmpdir(tmp, sizeof tmp) != 0) {
        bench_collection_free(&c);
        return 1;
    }
    char cpu[256];
    int cpus;
    bench_cpu_model(cpu, sizeof cpu, &cpus);
    /* sou-bulk's default: one worker per online core */
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = online < 1 ? 1 : online > 64 ? 64 : (unsigned)online;

    int failed = 0;
    peer_xapian_docs *prebuilt = NULL;
    double secs[64][N_ROWS];
    if (!json)
        fprintf(stderr, "sou-bench: building the sou-bulk index of %zu documents\n", c.docs);
    bench_index_path(path, sizeof path, tmp, "sou-bulk");
    if (bench_index_build("sou-bulk", tmp, &c) != 0 ||
        peer_xapian_docs_load(&prebuilt, path, threads) != 0) {
        if (!prebuilt)
            fprintf(stderr, "sou-bench: floor: %s\n", peer_xapian_error());
        failed = 1;
    } else if (peer_xapian_docs_count(prebuilt) != c.docs) {
        fprintf(stderr, "sou-bench: floor: the index holds %llu documents, not %zu\n",
                (unsigned long long)peer_xapian_docs_count(prebuilt), c.docs);
        failed = 1;
    }
    for (size_t k = 0; k < runs && !failed; k++) {
        for (int r = 0; r < N_ROWS && !failed; r++) {
            double s = -1;
            if (r == R_FLOOR)
                s = floor_once(prebuilt, tmp);
            else if (bench_index_build_timed(row_names[r], tmp, &c, &s) != 0)
                s = -1;
            if (s <= 0) {
                failed = 1;
                break;
            }
            secs[k][r] = s;
            if (!json)
                fprintf(stderr, "sou-bench: round %zu: %s %.1f s\n", k + 1, row_names[r], s);
        }
    }
    peer_xapian_docs_free(prebuilt);
    bench_rmtree(tmp);

    rates rate[N_ROWS];
    for (int r = 0; r < N_ROWS && !failed; r++)
        rates_of((const double (*)[N_ROWS])secs, (size_t)runs, c.docs, r, &rate[r]);
    if (!failed && (json || save) && json_print(rate, (size_t)runs, &c, threads, json, save) != 0) {
        fprintf(stderr, "sou-bench: cannot write JSON\n");
        failed = 1;
    }
    if (!failed && !json) {
        printf("sou-bench floor\n");
        printf("cpu:      %s (%d logical CPUs)\n", cpu, cpus);
        printf("versions: sou %s, Xapian %s\n", sou_version(), peer_xapian_version());
        printf("corpus:   %s; %zu docs (en and zh lines alternated)\n", corpus, c.docs);
        printf("runs:     %llu rounds; %u threads and shards for sou-bulk and the prebuilt "
               "write\n\n",
               (unsigned long long)runs, threads);
        printf("%-24s %24s %9s\n", "system", "docs/s median (min-max)", "/ xapian");
        for (int r = 0; r < N_ROWS; r++) {
            char cell[64];
            snprintf(cell, sizeof cell, "%.0f (%.0f-%.0f)", rate[r].median, rate[r].lo,
                     rate[r].hi);
            printf("%-24s %24s %9.2f\n", row_names[r], cell,
                   rate[r].median / rate[R_XAPIAN].median);
        }
        printf("\nper round, docs/s / xapian-termgen-ngram's of the same round:\n");
        for (size_t k = 0; k < runs; k++)
            printf("  round %zu: sou-bulk %.2f, xapian-write-sou-terms %.2f, sou-bulk / "
                   "xapian-write-sou-terms %.2f\n",
                   k + 1, secs[k][R_XAPIAN] / secs[k][R_BULK],
                   secs[k][R_XAPIAN] / secs[k][R_FLOOR], secs[k][R_FLOOR] / secs[k][R_BULK]);
    }
    bench_collection_free(&c);
    return failed ? 1 : 0;
}
