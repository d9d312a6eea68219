/* shards.c: sou-bench shards, search latency of one collection split into
 * 1, 2, 4... shards, searched through a stub file of local directories and
 * of shards served by xapian-tcpsrv on the loopback interface. */
#define _GNU_SOURCE /* posix_spawnattr_setpgroup, kill */

#include "bench.h"

#include <jansson.h>
#include <sou.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define DOCS_DEFAULT 100000
#define QUERIES_DEFAULT 1000
#define RUNS_DEFAULT 3
#define SHARDS_MAX 16
#define TOP 10

typedef struct config {
    size_t shards;
    int remote;
    char label[48];
    char path[4096 + 64]; /* the directory (one local shard) or the stub */
    sou_index *index;
    double *us;
    size_t failed, totals_differ;
    double p50, p95, p99, mean;
} config;

typedef struct server {
    pid_t pid;
    unsigned port;
} server;

static int sou_fail(const char *what)
{
    fprintf(stderr, "sou-bench: sou: %s: %s\n", what, sou_error_last()->message);
    return -1;
}

/* Shard @p k of @p n under @p dir: the documents whose id routes there,
 * built with the bulk loader. */
static int shard_build(const char *path, const bench_collection *c, size_t k, size_t n)
{
    sou_index_options io = SOU_INDEX_OPTIONS_INIT;
    sou_bulk_options bo = SOU_BULK_OPTIONS_INIT;
    sou_index *index = NULL;
    sou_bulk *bulk = NULL;
    int rc = 0;

    io.flags = SOU_INDEX_CREATE;
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "sou-bench: mkdir %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (sou_index_open(&index, path, &io) != SOU_OK)
        return sou_fail("sou_index_open");
    if (sou_bulk_begin(&bulk, index, &bo) != SOU_OK) {
        sou_index_close(index);
        return sou_fail("sou_bulk_begin");
    }
    for (size_t i = 0; i < c->docs && rc == 0; i++) {
        char id[24];
        int id_len = snprintf(id, sizeof id, "%zu", i);
        size_t len;
        const char *text;
        sou_doc *doc = NULL;

        if (sou_shard_of(id, (size_t)id_len, n) != k)
            continue;
        text = bench_collection_doc(c, i, &len);
        if (sou_doc_new(&doc, id, (size_t)id_len) != SOU_OK ||
            sou_doc_add_field(doc, "body", text, len, 0, 0) != SOU_OK ||
            sou_bulk_add(bulk, doc) != SOU_OK)
            rc = sou_fail("add");
        sou_doc_free(doc);
    }
    if (rc == 0 && sou_bulk_finish(bulk) != SOU_OK)
        rc = sou_fail("sou_bulk_finish");
    else if (rc != 0)
        sou_bulk_cancel(bulk);
    sou_index_close(index);
    return rc;
}

/* A free TCP port on the loopback interface, or 0. */
static unsigned free_port(void)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    unsigned port = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return 0;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static int port_accepts(unsigned port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

    if (fd < 0)
        return 0;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* xapian-tcpsrv serving @p dir on 127.0.0.1, in a process group of its own
 * (it signals its group when stopped). */
static int server_start(server *s, const char *tcpsrv, const char *dir)
{
    posix_spawnattr_t attr;
    char port[16];
    char *argv[] = { (char *)tcpsrv, "--interface", "127.0.0.1", "--port", port, "--quiet",
                     (char *)dir,    NULL };
    int rc;

    s->pid = 0;
    if (!(s->port = free_port())) {
        fprintf(stderr, "sou-bench: no free port on 127.0.0.1\n");
        return -1;
    }
    snprintf(port, sizeof port, "%u", s->port);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    /* Its complaints when a client goes away are not the benchmark's. */
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    rc = posix_spawnp(&s->pid, tcpsrv, &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "sou-bench: cannot run %s: %s\n", tcpsrv, strerror(rc));
        s->pid = 0;
        return -1;
    }
    for (int i = 0; i < 200; i++) {
        struct timespec ts = { 0, 25 * 1000 * 1000 };
        if (port_accepts(s->port))
            return 0;
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            s->pid = 0;
            break;
        }
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "sou-bench: %s did not come up on port %u\n", tcpsrv, s->port);
    return -1;
}

static void server_stop(server *s)
{
    if (s->pid <= 0)
        return;
    kill(-s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

/* Is @p name a program in PATH (or a path to one)? */
static int have_program(const char *name)
{
    const char *path = getenv("PATH");
    char buf[4096];

    if (strchr(name, '/'))
        return access(name, X_OK) == 0;
    while (path && *path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, name);
        if (access(buf, X_OK) == 0)
            return 1;
        path = end ? end + 1 : NULL;
    }
    return 0;
}

static int write_stub(const char *path, const char *dir, size_t n, const server *srv)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        fprintf(stderr, "sou-bench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        if (srv)
            fprintf(f, "remote 127.0.0.1:%u\n", srv[k].port);
        else
            fprintf(f, "auto %s/%zu/shard-%zu\n", dir, n, k);
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* One search as a results page shows it: top 10 with stored text and
 * snippets. The total into *total. */
static int search_one(sou_index *index, const bench_query *q, uint64_t *total, int *exact,
                      uint64_t *sink)
{
    sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
    sou_results *res = NULL;

    so.limit = TOP;
    if (sou_index_search(index, q->text, q->len, &so, &res) != SOU_OK)
        return -1;
    *total = sou_results_total(res);
    *exact = sou_results_total_exact(res);
    for (size_t i = 0; i < sou_results_count(res); i++) {
        size_t len = 0;
        if (sou_results_field(res, i, "body", &len))
            *sink += len;
        if (sou_results_snippet(res, i, &len))
            *sink += len;
    }
    sou_results_free(res);
    return 0;
}

static int double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int json_print(const config *cf, size_t n, size_t nq, size_t docs, unsigned runs,
                      int to_stdout, const char *save)
{
    json_t *root = bench_json_root(), *results = json_array();

    if (!root || !results) {
        json_decref(root);
        json_decref(results);
        return -1;
    }
    json_object_set_new(root, "docs", json_integer((json_int_t)docs));
    json_object_set_new(root, "runs", json_integer(runs));
    json_object_set_new(root, "top", json_integer(TOP));
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:I, s:b, s:I, s:f, s:f, s:f, s:f, s:f, s:I, s:I}", "system",
                              cf[i].label, "shards", (json_int_t)cf[i].shards, "remote",
                              cf[i].remote, "queries", (json_int_t)nq, "p50_us", cf[i].p50,
                              "p95_us", cf[i].p95, "p99_us", cf[i].p99, "mean_us", cf[i].mean,
                              "p50_ratio", cf[0].p50 > 0 ? cf[i].p50 / cf[0].p50 : 0.0, "failed",
                              (json_int_t)cf[i].failed, "totals_differ",
                              (json_int_t)cf[i].totals_differ);
        if (!o || json_array_append_new(results, o) != 0) {
            json_decref(results);
            json_decref(root);
            return -1;
        }
    }
    json_object_set_new(root, "results", results);
    return bench_json_emit(root, to_stdout, save);
}

static void shards_usage(FILE *out)
{
    fputs("usage: sou-bench shards [--corpus DIR] [--docs N] [--shards N,...] [--queries N]\n"
          "                        [--seed S] [--runs N] [--tcpsrv PATH|none] [--json]\n"
          "                        [--json-file PATH]\n"
          "\n"
          "Search latency (top 10 with snippets, warm cache) of the collection of\n"
          "sou-bench index split into shards by sou_shard_of(), each built with the bulk\n"
          "loader: one local directory, then for each count a stub of local shards and\n"
          "a stub of the same shards served by xapian-tcpsrv on 127.0.0.1. The queries\n"
          "are those of sou-bench query. One untimed pass warms the caches and checks\n"
          "that every split finds the totals the single index finds; the timed passes\n"
          "go round the splits.\n"
          "\n"
          "  --corpus DIR   the corpus (default ../shared/corpus)\n"
          "  --docs N       documents (default 100000)\n"
          "  --shards LIST  shard counts (default 1,2,4; at most 16 each)\n"
          "  --queries N    queries (default 1000)\n"
          "  --seed S       seed for drawing them (default 1)\n"
          "  --runs N       timed passes (default 3)\n"
          "  --tcpsrv PATH  the server (default xapian-tcpsrv; none: local shards only)\n"
          "  --json         print JSON instead of a table\n"
          "  --json-file PATH  also write the JSON to PATH\n",
          out);
}

/* "1,2,4" into counts; @return how many, or 0 when malformed. */
static size_t parse_counts(const char *s, size_t *counts, size_t max)
{
    size_t n = 0;

    while (*s && n < max) {
        char *end;
        unsigned long v = strtoul(s, &end, 10);
        if (end == s || v < 1 || v > SHARDS_MAX || (*end && *end != ','))
            return 0;
        counts[n++] = v;
        s = *end ? end + 1 : end;
    }
    return *s ? 0 : n;
}

int bench_shards_main(int argc, char **argv)
{
    const char *corpus_arg = NULL, *save = NULL, *tcpsrv = "xapian-tcpsrv", *list = "1,2,4";
    uint64_t docs = DOCS_DEFAULT, want = QUERIES_DEFAULT, seed = 1, runs = RUNS_DEFAULT;
    size_t counts[8], ncounts;
    int json = 0, failed = 0, remote;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        uint64_t *num = NULL, lo = 0, hi = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            shards_usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (i + 1 < argc && strcmp(a, "--corpus") == 0) {
            corpus_arg = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--shards") == 0) {
            list = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--tcpsrv") == 0) {
            tcpsrv = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--json-file") == 0) {
            save = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--docs") == 0) {
            num = &docs, lo = 1, hi = 100000000;
        } else if (i + 1 < argc && strcmp(a, "--queries") == 0) {
            num = &want, lo = 10, hi = 100000;
        } else if (i + 1 < argc && strcmp(a, "--seed") == 0) {
            num = &seed, lo = 0, hi = UINT64_MAX;
        } else if (i + 1 < argc && strcmp(a, "--runs") == 0) {
            num = &runs, lo = 1, hi = 100;
        } else {
            fprintf(stderr, "sou-bench: bad argument '%s'\n", a);
            shards_usage(stderr);
            return 2;
        }
        if (num && bench_num_arg(a, argv[++i], lo, hi, num) != 0)
            return 2;
    }
    if (!(ncounts = parse_counts(list, counts, sizeof counts / sizeof counts[0]))) {
        fprintf(stderr, "sou-bench: --shards takes counts from 1 to %d, comma separated\n",
                SHARDS_MAX);
        return 2;
    }
    remote = strcmp(tcpsrv, "none") != 0;
    if (remote && !have_program(tcpsrv)) {
        fprintf(stderr, "sou-bench: %s not found (Debian: xapian-tools); remote shards left out\n",
                tcpsrv);
        remote = 0;
    }
    const char *corpus;
    bench_collection c;
    int opened = bench_collection_open(&c, corpus_arg, (size_t)docs, &corpus);
    if (opened != 0)
        return opened;

    bench_query *q = NULL;
    size_t nq = 0, per_kind[BENCH_QUERY_KINDS];
    char dir[4000], path[4096 + 64];
    failed = bench_queries_make(&c, (size_t)want, seed, &q, &nq, per_kind) != 0;
    int have_tmp = !failed && bench_tmpdir(dir, sizeof dir) == 0;
    failed |= !have_tmp;

    /* The single index first: the baseline of every ratio. */
    config cf[1 + 2 * 8];
    server srv[8 * SHARDS_MAX];
    size_t ncf = 0, nsrv = 0;
    memset(cf, 0, sizeof cf);
    memset(srv, 0, sizeof srv);
    for (size_t i = 0; i < ncounts && !failed; i++) {
        size_t n = counts[i];
        snprintf(path, sizeof path, "%s/%zu", dir, n);
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            failed = 1;
            break;
        }
        if (!json)
            fprintf(stderr, "sou-bench: building %zu shard%s of %zu documents\n", n,
                    n > 1 ? "s" : "", c.docs);
        for (size_t k = 0; k < n && !failed; k++) {
            snprintf(path, sizeof path, "%s/%zu/shard-%zu", dir, n, k);
            failed = shard_build(path, &c, k, n) != 0;
        }
        if (failed)
            break;
        if (n == 1) {
            config *x = &cf[ncf++];
            x->shards = 1;
            snprintf(x->label, sizeof x->label, "1 local (directory)");
            snprintf(x->path, sizeof x->path, "%s/1/shard-0", dir);
        } else {
            config *x = &cf[ncf++];
            x->shards = n;
            snprintf(x->label, sizeof x->label, "%zu local", n);
            snprintf(x->path, sizeof x->path, "%s/%zu.local.stub", dir, n);
            failed = write_stub(x->path, dir, n, NULL) != 0;
        }
        if (remote && !failed) {
            config *x = &cf[ncf++];
            server *s = &srv[nsrv];
            for (size_t k = 0; k < n && !failed; k++) {
                snprintf(path, sizeof path, "%s/%zu/shard-%zu", dir, n, k);
                failed = server_start(&srv[nsrv], tcpsrv, path) != 0;
                nsrv++;
            }
            x->shards = n;
            x->remote = 1;
            snprintf(x->label, sizeof x->label, "%zu remote", n);
            snprintf(x->path, sizeof x->path, "%s/%zu.remote.stub", dir, n);
            failed = failed || write_stub(x->path, dir, n, s) != 0;
        }
    }
    for (size_t i = 0; i < ncf && !failed; i++) {
        sou_index_options io = SOU_INDEX_OPTIONS_INIT;
        io.flags = SOU_INDEX_READONLY | SOU_INDEX_ALLOW_REMOTE;
        cf[i].us = calloc(runs * (nq ? nq : 1), sizeof *cf[i].us);
        if (!cf[i].us || sou_index_open(&cf[i].index, cf[i].path, &io) != SOU_OK)
            failed = sou_fail(cf[i].path) != 0;
    }

    uint64_t *totals = failed ? NULL : calloc(nq ? nq : 1, sizeof *totals), sink = 0;
    failed |= !totals;
    /* Pass 0 warms the caches and compares the totals with the first
     * split's; passes 1.. are timed, round the splits. */
    for (unsigned run = 0; run <= runs && !failed; run++) {
        for (size_t i = 0; i < ncf; i++) {
            for (size_t k = 0; k < nq; k++) {
                uint64_t total = 0;
                int exact = 0;
                double t0 = bench_now();
                int rc = search_one(cf[i].index, &q[k], &total, &exact, &sink);
                double dt = bench_now() - t0;
                if (run > 0) {
                    cf[i].us[(run - 1) * nq + k] = dt * 1e6;
                    if (rc != 0 && cf[i].failed++ < 5)
                        fprintf(stderr, "sou-bench: %s: query '%s': %s\n", cf[i].label,
                                q[k].text, sou_error_last()->message);
                    continue;
                }
                if (rc != 0) {
                    cf[i].failed++;
                    fprintf(stderr, "sou-bench: %s: query '%s': %s\n", cf[i].label, q[k].text,
                            sou_error_last()->message);
                } else if (i == 0) {
                    /* A lower bound ("at least") depends on the order the
                     * matcher met the documents in: only exact totals are
                     * compared. */
                    totals[k] = exact ? total : UINT64_MAX;
                } else if (exact && totals[k] != UINT64_MAX && total != totals[k]) {
                    if (cf[i].totals_differ++ < 5)
                        fprintf(stderr, "sou-bench: %s: query '%s': %llu results, %llu in the "
                                        "first row\n",
                                cf[i].label, q[k].text, (unsigned long long)total,
                                (unsigned long long)totals[k]);
                }
            }
        }
    }
    for (size_t i = 0; i < ncf && !failed; i++) {
        size_t m = (size_t)runs * nq;
        double sum = 0;
        qsort(cf[i].us, m, sizeof *cf[i].us, double_cmp);
        for (size_t k = 0; k < m; k++)
            sum += cf[i].us[k];
        cf[i].p50 = bench_percentile(cf[i].us, m, 50);
        cf[i].p95 = bench_percentile(cf[i].us, m, 95);
        cf[i].p99 = bench_percentile(cf[i].us, m, 99);
        cf[i].mean = m ? sum / (double)m : 0;
    }
    if (!failed && (json || save) &&
        json_print(cf, ncf, nq, c.docs, (unsigned)runs, json, save) != 0) {
        fprintf(stderr, "sou-bench: cannot write JSON\n");
        failed = 1;
    }
    if (!failed && !json) {
        char cpu[256];
        int cpus;
        bench_cpu_model(cpu, sizeof cpu, &cpus);
        printf("sou-bench shards\n");
        printf("cpu:      %s (%d logical CPUs)\n", cpu, cpus);
        printf("versions: sou %s\n", sou_version());
        printf("corpus:   %s; %zu docs (en and zh lines alternated), split by sou_shard_of()\n",
               corpus, c.docs);
        printf("queries:  %zu of sou-bench query, seed %llu; top %d with snippets; %u timed "
               "passes after 1 warm-up\n",
               nq, (unsigned long long)seed, TOP, (unsigned)runs);
        printf("remote:   %s\n\n", remote ? "xapian-tcpsrv on 127.0.0.1, one per shard"
                                          : "left out (--tcpsrv none, or not found)");
        printf("%-20s %7s %9s %9s %9s %9s %10s %7s %7s\n", "shards", "queries", "p50 us",
               "p95 us", "p99 us", "mean us", "p50 ratio", "failed", "differ");
        for (size_t i = 0; i < ncf; i++)
            printf("%-20s %7zu %9.0f %9.0f %9.0f %9.0f %9.2fx %7zu %7zu\n", cf[i].label, nq,
                   cf[i].p50, cf[i].p95, cf[i].p99, cf[i].mean,
                   cf[0].p50 > 0 ? cf[i].p50 / cf[0].p50 : 0, cf[i].failed, cf[i].totals_differ);
        printf("\np50 ratio: to the first row; failed: queries that failed in any pass (their\n"
               "times are not the search's); differ: queries whose total differs from the\n"
               "first row's (exact totals only)\n");
    }
    for (size_t i = 0; i < ncf; i++) {
        sou_index_close(cf[i].index);
        free(cf[i].us);
        if (cf[i].failed)
            fprintf(stderr, "sou-bench: %s: %zu queries failed\n", cf[i].label, cf[i].failed);
        failed |= cf[i].failed > 0 || cf[i].totals_differ > 0;
    }
    for (size_t i = 0; i < nsrv; i++)
        server_stop(&srv[i]);
    free(totals);
    if (have_tmp && bench_rmtree(dir) != 0)
        fprintf(stderr, "sou-bench: could not remove %s\n", dir);
    bench_queries_free(q, nq);
    bench_collection_free(&c);
    return failed;
}
