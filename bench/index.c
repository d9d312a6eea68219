/* index.c: sou-bench index, indexing speed, index size and memory beside
 * Xapian and SQLite FTS5, each system in a child process of its own. */
#define _DEFAULT_SOURCE /* wait4 */

#include "bench.h"
#include "peers_sqlite.h"
#include "peers_xapian.h"

#include <jansson.h>
#include <sou.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define DOCS_DEFAULT 245400
#define RUNS_DEFAULT 3
#define RUNS_MIN 3
#define CHECKPOINTS_MAX 16

/* ---------------------------------------------------------------- systems */

/* One indexer. open() starts a fresh index at path, add() adds document i,
 * sync() makes what was added durable (at a checkpoint), finish() commits,
 * closes and frees. Every step returns 0 or -1 after printing why. */
typedef struct index_ops {
    const char *name;
    int xapian; /* a Xapian database that Database::compact can compact */
    const char *suffix; /* appended to the system name for its path */
    int (*open)(void **state, const char *path);
    int (*add)(void *state, size_t i, const char *text, size_t len);
    int (*sync)(void *state);
    int (*finish)(void *state);
} index_ops;

static int sou_fail(const char *what)
{
    fprintf(stderr, "sou-bench: sou: %s: %s\n", what, sou_error_last()->message);
    return -1;
}

/* A sou document for collection document i: id i in decimal, field body. */
static int sou_doc_make(sou_doc **doc, size_t i, const char *text, size_t len)
{
    char id[24];
    int id_len = snprintf(id, sizeof id, "%zu", i);
    if (sou_doc_new(doc, id, (size_t)id_len) != SOU_OK)
        return sou_fail("sou_doc_new");
    if (sou_doc_add_field(*doc, "body", text, len, 0, 0) != SOU_OK) {
        sou_doc_free(*doc);
        return sou_fail("sou_doc_add_field");
    }
    return 0;
}

static int sou_open_index(sou_index **index, const char *path)
{
    sou_index_options io = SOU_INDEX_OPTIONS_INIT;
    io.flags = SOU_INDEX_CREATE;
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "sou-bench: mkdir %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (sou_index_open(index, path, &io) != SOU_OK)
        return sou_fail("sou_index_open");
    return 0;
}

static int sou_open(void **state, const char *path)
{
    sou_index *index;
    if (sou_open_index(&index, path) != 0)
        return -1;
    *state = index;
    return 0;
}

static int sou_add(void *state, size_t i, const char *text, size_t len)
{
    sou_doc *doc;
    if (sou_doc_make(&doc, i, text, len) != 0)
        return -1;
    int rc = sou_index_add(state, doc);
    sou_doc_free(doc);
    return rc == SOU_OK ? 0 : sou_fail("sou_index_add");
}

static int sou_sync(void *state)
{
    return sou_index_commit(state) == SOU_OK ? 0 : sou_fail("sou_index_commit");
}

static int sou_finish(void *state)
{
    int rc = sou_sync(state);
    sou_index_close(state);
    return rc;
}

/* sou-bulk: the bulk API with its defaults. A checkpoint finishes the bulk
 * load (so the documents so far are merged and committed) and begins
 * another on the same index. */
typedef struct bulk_state {
    sou_index *index;
    sou_bulk *bulk;
} bulk_state;

static int bulk_begin(bulk_state *s)
{
    sou_bulk_options bo = SOU_BULK_OPTIONS_INIT;
    if (sou_bulk_begin(&s->bulk, s->index, &bo) != SOU_OK)
        return sou_fail("sou_bulk_begin");
    return 0;
}

static int bulk_open(void **state, const char *path)
{
    bulk_state *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    if (sou_open_index(&s->index, path) != 0 || bulk_begin(s) != 0) {
        sou_index_close(s->index);
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int bulk_add(void *state, size_t i, const char *text, size_t len)
{
    bulk_state *s = state;
    sou_doc *doc;
    if (sou_doc_make(&doc, i, text, len) != 0)
        return -1;
    int rc = sou_bulk_add(s->bulk, doc);
    sou_doc_free(doc);
    return rc == SOU_OK ? 0 : sou_fail("sou_bulk_add");
}

static int bulk_sync(void *state)
{
    bulk_state *s = state;
    int rc = sou_bulk_finish(s->bulk);
    s->bulk = NULL;
    if (rc != SOU_OK)
        return sou_fail("sou_bulk_finish");
    return bulk_begin(s);
}

static int bulk_finish(void *state)
{
    bulk_state *s = state;
    int rc = sou_bulk_finish(s->bulk) == SOU_OK ? 0 : sou_fail("sou_bulk_finish");
    sou_index_close(s->index);
    free(s);
    return rc;
}

static int xapian_open(void **state, const char *path)
{
    peer_xapian_db *db;
    if (peer_xapian_db_create(&db, path, 1) != 0) {
        fprintf(stderr, "sou-bench: xapian: %s\n", peer_xapian_error());
        return -1;
    }
    *state = db;
    return 0;
}

static int xapian_add(void *state, size_t i, const char *text, size_t len)
{
    (void)i; /* docids follow the order of adding: i + 1 */
    if (peer_xapian_db_add(state, text, len) != 0) {
        fprintf(stderr, "sou-bench: xapian: %s\n", peer_xapian_error());
        return -1;
    }
    return 0;
}

static int xapian_sync(void *state)
{
    if (peer_xapian_db_commit(state) != 0) {
        fprintf(stderr, "sou-bench: xapian: %s\n", peer_xapian_error());
        return -1;
    }
    return 0;
}

static int xapian_finish(void *state)
{
    int rc = xapian_sync(state);
    peer_xapian_db_close(state);
    return rc;
}

static int fts5_open_tok(void **state, const char *path, const char *tokenize)
{
    peer_fts5 *p;
    if (peer_fts5_create(&p, path, tokenize) != 0)
        return -1;
    if (peer_fts5_begin(p) != 0) {
        peer_fts5_close(p);
        return -1;
    }
    *state = p;
    return 0;
}

static int fts5_trigram_open(void **state, const char *path)
{
    return fts5_open_tok(state, path, "trigram");
}

static int fts5_unicode61_open(void **state, const char *path)
{
    return fts5_open_tok(state, path, "unicode61");
}

static int fts5_add(void *state, size_t i, const char *text, size_t len)
{
    return peer_fts5_add(state, (int64_t)i + 1, text, len);
}

static int fts5_sync(void *state)
{
    if (peer_fts5_commit(state) != 0)
        return -1;
    return peer_fts5_begin(state);
}

static int fts5_finish(void *state)
{
    int rc = peer_fts5_commit(state);
    peer_fts5_close(state);
    return rc;
}

static const index_ops all_systems[] = {
    { "sou", 1, "", sou_open, sou_add, sou_sync, sou_finish },
    { "sou-bulk", 1, "", bulk_open, bulk_add, bulk_sync, bulk_finish },
    { "xapian-termgen-ngram", 1, "", xapian_open, xapian_add, xapian_sync, xapian_finish },
    { "fts5-trigram", 0, ".db", fts5_trigram_open, fts5_add, fts5_sync, fts5_finish },
    { "fts5-unicode61", 0, ".db", fts5_unicode61_open, fts5_add, fts5_sync, fts5_finish },
};
#define N_SYSTEMS (sizeof all_systems / sizeof all_systems[0])

/* --------------------------------------------------------------- children */

/* What a child reports at each checkpoint. */
typedef struct checkpoint {
    double secs;     /* from opening the index to this point, commit included */
    uint64_t bytes;  /* the index on disk at this point */
    long rss_kib;    /* the child's peak RSS so far */
} checkpoint;

typedef struct child_report {
    int ok;
    checkpoint ck[CHECKPOINTS_MAX];
} child_report;

/* Builds one index in the child. The clock runs from open to the last
 * commit; measuring the size at a checkpoint is outside it. */
static void child_build(const index_ops *sys, const char *path, const bench_collection *c,
                        const size_t *ck, size_t n_ck, child_report *rep)
{
    void *state;
    double paused = 0, t0 = bench_now();
    rep->ok = 0;
    if (sys->open(&state, path) != 0)
        return;
    size_t next = 0;
    for (size_t i = 0; i < c->docs; i++) {
        size_t len;
        const char *text = bench_collection_doc(c, i, &len);
        if (sys->add(state, i, text, len) != 0) {
            sys->finish(state);
            return;
        }
        if (next < n_ck && i + 1 == ck[next]) {
            int last = next + 1 == n_ck;
            if ((last ? sys->finish(state) : sys->sync(state)) != 0) {
                if (!last)
                    sys->finish(state);
                return;
            }
            double t = bench_now();
            checkpoint *p = &rep->ck[next];
            p->secs = t - t0 - paused;
            p->bytes = bench_path_bytes(path);
            struct rusage ru;
            getrusage(RUSAGE_SELF, &ru);
            p->rss_kib = ru.ru_maxrss;
            paused += bench_now() - t;
            next++;
        }
    }
    rep->ok = next == n_ck;
}

/* Runs @p work in a child; its report comes back through a pipe and its
 * peak RSS (KiB) from wait4. @return 0 when the child reported success. */
typedef void (*child_fn)(void *arg, child_report *rep);

static int child_run(child_fn work, void *arg, child_report *rep, long *rss_kib)
{
    int fds[2];
    memset(rep, 0, sizeof *rep);
    if (pipe(fds) != 0) {
        perror("sou-bench: pipe");
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        perror("sou-bench: fork");
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        child_report r;
        memset(&r, 0, sizeof r);
        work(arg, &r);
        ssize_t w = write(fds[1], &r, sizeof r);
        fflush(stderr);
        _exit(w == (ssize_t)sizeof r && r.ok ? 0 : 1);
    }
    close(fds[1]);
    size_t got = 0;
    while (got < sizeof *rep) {
        ssize_t n = read(fds[0], (char *)rep + got, sizeof *rep - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fds[0]);
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("sou-bench: wait4");
            return -1;
        }
    }
    *rss_kib = ru.ru_maxrss;
    if (got != sizeof *rep || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || !rep->ok)
        return -1;
    return 0;
}

typedef struct build_arg {
    const index_ops *sys;
    const char *path;
    const bench_collection *c;
    const size_t *ck;
    size_t n_ck;
} build_arg;

static void build_work(void *arg, child_report *rep)
{
    build_arg *a = arg;
    child_build(a->sys, a->path, a->c, a->ck, a->n_ck, rep);
}

typedef struct compact_arg {
    const char *src, *dst;
} compact_arg;

static void compact_work(void *arg, child_report *rep)
{
    compact_arg *a = arg;
    if (peer_xapian_compact(a->src, a->dst) != 0) {
        fprintf(stderr, "sou-bench: compact %s: %s\n", a->src, peer_xapian_error());
        return;
    }
    rep->ck[0].bytes = bench_path_bytes(a->dst);
    rep->ok = 1;
}

static void idle_work(void *arg, child_report *rep)
{
    (void)arg;
    rep->ok = 1;
}

/* ---------------------------------------------------------------- results */

typedef struct row {
    const index_ops *sys;
    double *secs; /* per run, to the last checkpoint */
    size_t runs_done;
    int failed;
    double docs_s, docs_s_min, docs_s_max, mb_s;
    uint64_t bytes;
    int64_t bytes_compacted; /* -1: does not apply, or failed */
    long rss_kib;            /* highest over the runs */
    checkpoint ck[CHECKPOINTS_MAX]; /* of the last run */
    double r_speed_xap, r_speed_tri, r_size_xap, r_size_tri; /* < 0: no reference */
} row;

static double size_of(const row *r)
{
    return r->bytes_compacted >= 0 ? (double)r->bytes_compacted : (double)r->bytes;
}

static void rows_finish(row *rows, size_t n, const bench_collection *c)
{
    const row *xap = NULL, *tri = NULL;
    for (size_t i = 0; i < n; i++) {
        row *r = &rows[i];
        if (r->failed || r->runs_done == 0)
            continue;
        double slow = r->secs[0], fast = r->secs[0];
        for (size_t k = 1; k < r->runs_done; k++) {
            if (r->secs[k] > slow)
                slow = r->secs[k];
            if (r->secs[k] < fast)
                fast = r->secs[k];
        }
        double med = bench_median(r->secs, r->runs_done);
        r->docs_s = (double)c->docs / med;
        r->docs_s_min = (double)c->docs / slow;
        r->docs_s_max = (double)c->docs / fast;
        r->mb_s = (double)c->bytes / 1e6 / med;
        if (strcmp(r->sys->name, "xapian-termgen-ngram") == 0)
            xap = r;
        else if (strcmp(r->sys->name, "fts5-trigram") == 0)
            tri = r;
    }
    for (size_t i = 0; i < n; i++) {
        row *r = &rows[i];
        r->r_speed_xap = xap ? r->docs_s / xap->docs_s : -1;
        r->r_speed_tri = tri ? r->docs_s / tri->docs_s : -1;
        r->r_size_xap = xap ? size_of(r) / size_of(xap) : -1;
        r->r_size_tri = tri ? size_of(r) / size_of(tri) : -1;
    }
}

static void ratio_print(double v)
{
    if (v < 0)
        printf(" %8s", "-");
    else
        printf(" %8.2f", v);
}

static json_t *ratio_json(double v)
{
    return v < 0 ? json_null() : json_real(v);
}

static void table_print(const row *rows, size_t n)
{
    printf("%-21s %8s %8s %8s %6s %9s %9s %8s %8s %8s %8s %8s\n", "system", "docs/s", "min",
           "max", "MB/s", "MB", "MB compct", "RSS MiB", "spd/xap", "spd/tri", "size/xap",
           "size/tri");
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        if (r->failed)
            continue;
        printf("%-21s %8.0f %8.0f %8.0f %6.2f %9.1f", r->sys->name, r->docs_s, r->docs_s_min,
               r->docs_s_max, r->mb_s, (double)r->bytes / 1e6);
        if (r->bytes_compacted >= 0)
            printf(" %9.1f", (double)r->bytes_compacted / 1e6);
        else
            printf(" %9s", "-");
        printf(" %8.1f", (double)r->rss_kib / 1024.0);
        ratio_print(r->r_speed_xap);
        ratio_print(r->r_speed_tri);
        ratio_print(r->r_size_xap);
        ratio_print(r->r_size_tri);
        putchar('\n');
    }
}

static void checkpoints_print(const row *rows, size_t n, const size_t *ck, size_t n_ck)
{
    printf("\nat each checkpoint (the last run):\n");
    printf("%-21s %9s %9s %9s %9s %9s\n", "system", "docs", "seconds", "docs/s", "MB",
           "RSS MiB");
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        if (r->failed)
            continue;
        for (size_t k = 0; k < n_ck; k++)
            printf("%-21s %9zu %9.1f %9.0f %9.1f %9.1f\n", r->sys->name, ck[k], r->ck[k].secs,
                   (double)ck[k] / r->ck[k].secs, (double)r->ck[k].bytes / 1e6,
                   (double)r->ck[k].rss_kib / 1024.0);
    }
}

static int json_print(const row *rows, size_t n, const bench_collection *c, const size_t *ck,
                      size_t n_ck, unsigned runs, long base_kib, int to_stdout,
                      const char *save)
{
    json_t *root = bench_json_root();
    json_t *results = json_array();
    if (!root || !results) {
        json_decref(root);
        json_decref(results);
        return -1;
    }
    json_object_set_new(root, "xapian", json_string(peer_xapian_version()));
    json_object_set_new(root, "sqlite", json_string(peer_fts5_version()));
    json_object_set_new(root, "docs", json_integer((json_int_t)c->docs));
    json_object_set_new(root, "bytes", json_integer((json_int_t)c->bytes));
    json_object_set_new(root, "runs", json_integer(runs));
    json_object_set_new(root, "base_rss_kib", json_integer(base_kib));
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        if (r->failed)
            continue;
        json_t *o = json_pack(
            "{s:s, s:I, s:f, s:f, s:f, s:f, s:I, s:o, s:I, s:o, s:o, s:o, s:o}", "system",
            r->sys->name, "docs", (json_int_t)c->docs, "docs_s", r->docs_s, "docs_s_min",
            r->docs_s_min, "docs_s_max", r->docs_s_max, "mb_s", r->mb_s, "bytes",
            (json_int_t)r->bytes, "bytes_compacted",
            r->bytes_compacted >= 0 ? json_integer(r->bytes_compacted) : json_null(),
            "peak_rss_kib", (json_int_t)r->rss_kib, "ratio_docs_s_xapian_ngram",
            ratio_json(r->r_speed_xap), "ratio_docs_s_fts5_trigram",
            ratio_json(r->r_speed_tri), "ratio_size_xapian_ngram", ratio_json(r->r_size_xap),
            "ratio_size_fts5_trigram", ratio_json(r->r_size_tri));
        if (o && n_ck > 1) {
            json_t *cks = json_array();
            for (size_t k = 0; k < n_ck; k++)
                json_array_append_new(
                    cks, json_pack("{s:I, s:f, s:f, s:I, s:I}", "docs", (json_int_t)ck[k],
                                   "seconds", r->ck[k].secs, "docs_s",
                                   (double)ck[k] / r->ck[k].secs, "bytes",
                                   (json_int_t)r->ck[k].bytes, "peak_rss_kib",
                                   (json_int_t)r->ck[k].rss_kib));
            json_object_set_new(o, "checkpoints", cks);
        }
        if (!o || json_array_append_new(results, o) != 0) {
            json_decref(results);
            json_decref(root);
            return -1;
        }
    }
    json_object_set_new(root, "results", results);
    return bench_json_emit(root, to_stdout, save);
}

void bench_index_path(char *buf, size_t size, const char *dir, const char *name)
{
    const char *suffix = "";
    for (size_t i = 0; i < N_SYSTEMS; i++)
        if (strcmp(all_systems[i].name, name) == 0)
            suffix = all_systems[i].suffix;
    snprintf(buf, size, "%s/%s%s", dir, name, suffix);
}

int bench_index_build(const char *name, const char *dir, const bench_collection *c)
{
    double secs;
    return bench_index_build_timed(name, dir, c, &secs);
}

int bench_index_build_timed(const char *name, const char *dir, const bench_collection *c,
                            double *secs)
{
    const index_ops *sys = NULL;
    for (size_t i = 0; i < N_SYSTEMS && !sys; i++)
        if (strcmp(all_systems[i].name, name) == 0)
            sys = &all_systems[i];
    if (!sys)
        return -1;
    char path[4200];
    bench_index_path(path, sizeof path, dir, name);
    size_t ck = c->docs;
    build_arg ba = { sys, path, c, &ck, 1 };
    child_report rep;
    long rss;
    if (bench_rmtree(path) != 0 || child_run(build_work, &ba, &rep, &rss) != 0) {
        fprintf(stderr, "sou-bench: building the %s index failed\n", name);
        return -1;
    }
    *secs = rep.ck[0].secs;
    return 0;
}

/* ------------------------------------------------------------------- main */

static void index_usage(FILE *out)
{
    fputs("usage: sou-bench index [--corpus DIR] [--docs N] [--runs N] [--system NAME,...]\n"
          "                       [--checkpoints N,...] [--scale] [--keep DIR] [--json]\n"
          "                       [--json-file PATH]\n"
          "\n"
          "Indexing speed, size and memory. The collection alternates the non-empty\n"
          "lines of en/*.txt and zh/*.utf8, each class started again when it runs out,\n"
          "to N documents. Every system builds a fresh on-disk index of it in a child\n"
          "process of its own; the runs go round the systems.\n"
          "\n"
          "  --corpus DIR       the corpus (default ../shared/corpus)\n"
          "  --docs N           documents (default 245400)\n"
          "  --runs N           runs per system, at least 3 (default 3; with\n"
          "                     --checkpoints at least 1, default 1)\n"
          "  --system LIST      sou, sou-bulk, xapian-termgen-ngram, fts5-trigram,\n"
          "                     fts5-unicode61 (default all)\n"
          "  --checkpoints LIST commit at these document counts and report the time,\n"
          "                     size and peak RSS at each (the last one is --docs)\n"
          "  --scale            --docs 1000000 --checkpoints 250000,500000,1000000\n"
          "  --keep DIR         keep the last run's indexes in DIR (for sou-bench query)\n"
          "  --json             print JSON instead of a table\n"
          "  --json-file PATH   also write the JSON to PATH\n",
          out);
}

static int checkpoints_parse(const char *s, size_t *ck, size_t *n)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    *n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (*n == CHECKPOINTS_MAX || bench_parse_u64(t, &v) != 0 || v == 0 ||
            (*n && v <= ck[*n - 1]))
            return -1;
        ck[(*n)++] = (size_t)v;
    }
    return *n ? 0 : -1;
}

static int keep_index(const char *keep, const char *path, const char *name, const char *suffix)
{
    char dst[4200];
    snprintf(dst, sizeof dst, "%s/%s%s", keep, name, suffix);
    if (bench_rmtree(dst) != 0 || rename(path, dst) != 0) {
        fprintf(stderr, "sou-bench: cannot keep %s as %s: %s\n", path, dst, strerror(errno));
        return -1;
    }
    return 0;
}

int bench_index_main(int argc, char **argv)
{
    const char *corpus_arg = NULL, *system_list = NULL, *ck_arg = NULL, *keep = NULL;
    const char *save = NULL;
    uint64_t docs = DOCS_DEFAULT, runs = 0;
    int json = 0, have_docs = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            index_usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--scale") == 0) {
            ck_arg = "250000,500000,1000000";
        } else if (i + 1 < argc && strcmp(a, "--corpus") == 0) {
            corpus_arg = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--system") == 0) {
            system_list = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--checkpoints") == 0) {
            ck_arg = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--keep") == 0) {
            keep = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--json-file") == 0) {
            save = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--docs") == 0) {
            if (bench_num_arg(a, argv[++i], 1, 100000000, &docs) != 0)
                return 2;
            have_docs = 1;
        } else if (i + 1 < argc && strcmp(a, "--runs") == 0) {
            if (bench_num_arg(a, argv[++i], 1, 100, &runs) != 0)
                return 2;
        } else {
            fprintf(stderr, "sou-bench: bad argument '%s'\n", a);
            index_usage(stderr);
            return 2;
        }
    }
    const char *names[N_SYSTEMS];
    for (size_t i = 0; i < N_SYSTEMS; i++)
        names[i] = all_systems[i].name;
    if (bench_names_check(system_list, names, N_SYSTEMS, "system") != 0)
        return 2;
    size_t ck[CHECKPOINTS_MAX], n_ck = 1;
    if (ck_arg) {
        if (checkpoints_parse(ck_arg, ck, &n_ck) != 0) {
            fprintf(stderr, "sou-bench: --checkpoints takes up to %d rising counts\n",
                    CHECKPOINTS_MAX);
            return 2;
        }
        if (!have_docs)
            docs = ck[n_ck - 1];
        else if (ck[n_ck - 1] != docs) {
            fprintf(stderr, "sou-bench: the last checkpoint must be --docs (%llu)\n",
                    (unsigned long long)docs);
            return 2;
        }
    } else {
        ck[0] = (size_t)docs;
    }
    if (runs == 0)
        runs = ck_arg ? 1 : RUNS_DEFAULT;
    else if (!ck_arg && runs < RUNS_MIN) {
        fprintf(stderr, "sou-bench: --runs takes at least %d without --checkpoints\n",
                RUNS_MIN);
        return 2;
    }
    if (keep && mkdir(keep, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "sou-bench: mkdir %s: %s\n", keep, strerror(errno));
        return 1;
    }
    const char *corpus;
    bench_collection c;
    int opened = bench_collection_open(&c, corpus_arg, (size_t)docs, &corpus);
    if (opened != 0)
        return opened;
    char tmp[4096];
    if (bench_tmpdir(tmp, sizeof tmp) != 0) {
        bench_collection_free(&c);
        return 1;
    }

    row rows[N_SYSTEMS];
    size_t n = 0;
    int failed = 0;
    for (size_t i = 0; i < N_SYSTEMS; i++) {
        if (!bench_list_has(system_list, all_systems[i].name))
            continue;
        memset(&rows[n], 0, sizeof rows[n]);
        rows[n].sys = &all_systems[i];
        rows[n].bytes_compacted = -1;
        rows[n].secs = calloc(runs, sizeof *rows[n].secs);
        if (!rows[n].secs)
            failed = 1;
        n++;
    }
    child_report rep;
    long base_kib = 0;
    child_run(idle_work, NULL, &rep, &base_kib);

    char cpu[256];
    int cpus;
    bench_cpu_model(cpu, sizeof cpu, &cpus);
    if (!json) {
        printf("sou-bench index\n");
        printf("cpu:      %s (%d logical CPUs)\n", cpu, cpus);
        printf("versions: sou %s, Xapian %s, SQLite %s\n", sou_version(), peer_xapian_version(),
               peer_fts5_version());
        printf("corpus:   %s; %zu docs (en and zh lines alternated), %llu bytes; MB = 10^6 "
               "bytes\n",
               corpus, c.docs, (unsigned long long)c.bytes);
        printf("runs:     %u per system, round-robin; RSS of a child before it builds: "
               "%.1f MiB\n\n",
               (unsigned)runs, (double)base_kib / 1024.0);
        fflush(stdout);
    }
    for (unsigned run = 0; run < runs && !failed; run++) {
        for (size_t i = 0; i < n; i++) {
            row *r = &rows[i];
            if (r->failed)
                continue;
            char path[4200];
            snprintf(path, sizeof path, "%s/%s%s", tmp, r->sys->name, r->sys->suffix);
            build_arg ba = { r->sys, path, &c, ck, n_ck };
            long rss;
            if (bench_rmtree(path) != 0 || child_run(build_work, &ba, &rep, &rss) != 0) {
                fprintf(stderr, "sou-bench: %s failed; row skipped\n", r->sys->name);
                r->failed = 1;
                bench_rmtree(path);
                continue;
            }
            r->secs[r->runs_done++] = rep.ck[n_ck - 1].secs;
            r->bytes = rep.ck[n_ck - 1].bytes;
            memcpy(r->ck, rep.ck, sizeof r->ck);
            if (rss > r->rss_kib)
                r->rss_kib = rss;
            fprintf(stderr, "sou-bench: run %u/%u %-21s %8.0f docs/s %9.1f MB %7.1f MiB\n",
                    run + 1, (unsigned)runs, r->sys->name,
                    (double)c.docs / rep.ck[n_ck - 1].secs, (double)r->bytes / 1e6,
                    (double)rss / 1024.0);
            if (run + 1 == runs && r->sys->xapian) {
                char dst[4300];
                snprintf(dst, sizeof dst, "%s.compact", path);
                compact_arg ca = { path, dst };
                long crss;
                if (bench_rmtree(dst) == 0 && child_run(compact_work, &ca, &rep, &crss) == 0)
                    r->bytes_compacted = (int64_t)rep.ck[0].bytes;
                else
                    fprintf(stderr, "sou-bench: %s: compaction failed\n", r->sys->name);
                bench_rmtree(dst);
            }
            if (run + 1 == runs && keep &&
                keep_index(keep, path, r->sys->name, r->sys->suffix) != 0)
                failed = 1;
            bench_rmtree(path);
        }
    }
    rows_finish(rows, n, &c);
    for (size_t i = 0; i < n; i++)
        failed |= rows[i].failed;
    if (!json) {
        table_print(rows, n);
        if (n_ck > 1)
            checkpoints_print(rows, n, ck, n_ck);
    }
    if ((json || save) &&
        json_print(rows, n, &c, ck, n_ck, (unsigned)runs, base_kib, json, save) != 0) {
        fprintf(stderr, "sou-bench: cannot write JSON\n");
        failed = 1;
    }
    for (size_t i = 0; i < n; i++)
        free(rows[i].secs);
    if (bench_rmtree(tmp) != 0)
        fprintf(stderr, "sou-bench: could not remove %s\n", tmp);
    bench_collection_free(&c);
    return failed;
}
