/* main.c: sou-bench, throughput and recall measurements on a corpus. */
#define _POSIX_C_SOURCE 200809L

#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sou.h>

#include <unicode/uclean.h>
#include <unicode/uversion.h>

static void usage(FILE *out)
{
    fputs("usage: sou-bench tokenize [--corpus DIR] [--passes N] [--json]\n"
          "                          [--text CLASS,...] [--system NAME,...]\n"
          "       sou-bench recall [--corpus DIR] [--queries N] [--seed S] [--json] [--verbose]\n"
          "       sou-bench index [--corpus DIR] [--docs N] [--runs N] [--system NAME,...]\n"
          "                       [--checkpoints N,...] [--keep DIR] [--json]\n"
          "       sou-bench query [--corpus DIR] [--docs N] [--indexes DIR] [--queries N]\n"
          "                       [--seed S] [--runs N] [--system NAME,...] [--json]\n"
          "       sou-bench relevance [--collection DIR] [--system NAME,...] [--json]\n"
          "       sou-bench shards [--corpus DIR] [--docs N] [--shards N,...] [--queries N]\n"
          "                        [--runs N] [--tcpsrv PATH|none] [--json]\n"
          "       sou-bench floor [--corpus DIR] [--docs N] [--runs N] [--json]\n"
          "\n"
          "Run 'sou-bench COMMAND --help' for the options of a command.\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    int rc = -1;
    if (strcmp(argv[1], "tokenize") == 0)
        rc = bench_tokenize_main(argc - 1, argv + 1);
    else if (strcmp(argv[1], "recall") == 0)
        rc = bench_recall_main(argc - 1, argv + 1);
    else if (strcmp(argv[1], "index") == 0)
        rc = bench_index_main(argc - 1, argv + 1);
    else if (strcmp(argv[1], "query") == 0)
        rc = bench_query_main(argc - 1, argv + 1);
    else if (strcmp(argv[1], "relevance") == 0)
        rc = bench_relevance_main(argc - 1, argv + 1);
    else if (strcmp(argv[1], "shards") == 0)
        rc = bench_shards_main(argc - 1, argv + 1);
    else if (strcmp(argv[1], "floor") == 0)
        rc = bench_floor_main(argc - 1, argv + 1);
    if (rc >= 0) {
        /* ICU keeps caches (the transliterator registry) until told to drop
         * them; dropping them keeps leak checkers quiet about the run. */
        u_cleanup();
        return rc;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "sou-bench: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    /* nearest rank: the smallest value with at least p% of values at or below it */
    size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

int bench_names_check(const char *list, const char *const *known, size_t n_known,
                      const char *what)
{
    if (!list)
        return 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        int found = 0;
        for (size_t i = 0; i < n_known && !found; i++)
            found = strlen(known[i]) == len && strncmp(known[i], p, len) == 0;
        if (!found) {
            fprintf(stderr, "sou-bench: unknown %s '%.*s'\n", what, (int)len, p);
            return -1;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, double_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_cpu_model(char *buf, size_t size, int *cpus)
{
    snprintf(buf, size, "unknown");
    *cpus = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    int have_model = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "processor", 9) == 0)
            (*cpus)++;
        else if (!have_model && strncmp(line, "model name", 10) == 0) {
            const char *v = strchr(line, ':');
            if (!v)
                continue;
            v++;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t n = strcspn(v, "\n");
            snprintf(buf, size, "%.*s", (int)n, v);
            have_model = 1;
        }
    }
    fclose(f);
}

void bench_icu_version(char *buf, size_t size)
{
    UVersionInfo v;
    char s[U_MAX_VERSION_STRING_LENGTH];
    u_getVersion(v);
    u_versionToString(v, s);
    snprintf(buf, size, "%s", s);
}

int bench_list_has(const char *list, const char *item)
{
    if (!list)
        return 1;
    size_t n = strlen(item);
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, item, n) == 0)
            return 1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

int bench_num_arg(const char *opt, const char *arg, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (bench_parse_u64(arg, out) == 0 && *out >= lo && *out <= hi)
        return 0;
    fprintf(stderr, "sou-bench: %s takes a number from %llu to %llu\n", opt,
            (unsigned long long)lo, (unsigned long long)hi);
    return -1;
}

json_t *bench_json_root(void)
{
    char cpu[256];
    int cpus;
    json_t *root = json_object();

    if (!root)
        return NULL;
    bench_cpu_model(cpu, sizeof cpu, &cpus);
    if (json_object_set_new(root, "cpu", json_string(cpu)) != 0 ||
        json_object_set_new(root, "cpus", json_integer(cpus)) != 0 ||
        json_object_set_new(root, "sou", json_string(sou_version())) != 0) {
        json_decref(root);
        return NULL;
    }
    return root;
}

int bench_parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int bench_json_emit(json_t *root, int to_stdout, const char *path)
{
    int rc = 0;
    if (path && json_dump_file(root, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
        fprintf(stderr, "sou-bench: cannot write %s\n", path);
        rc = -1;
    }
    if (!to_stdout) {
        json_decref(root);
        return rc;
    }
    return bench_json_print(root) != 0 ? -1 : rc;
}

int bench_json_print(json_t *root)
{
    int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
    json_decref(root);
    return rc;
}
