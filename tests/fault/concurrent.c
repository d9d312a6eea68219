/* concurrent.c: one writer and four readers on one index at once.
 *
 * The writer adds documents and replaces earlier ones, commits every few,
 * and after each commit publishes how many documents it has committed.
 * Each reader, with its own handle, reads that number, reopens, and then
 * must see at least that many documents, find a committed document by its
 * own word (with snippets) and get it back intact, at version 1 or 2. The
 * only error a reader may see is SOU_EMODIFIED, the documented "reopen and
 * try again"; it is counted, the reader reopens and goes on.
 *
 * usage: concurrent threads|processes WORK_DIR
 * Environment: SOU_CONCURRENT_DOCS (documents the writer adds, default 1000).
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gen.h"
#include "sou.h"

#define READERS 4
/* Documents per commit. */
#define EVERY 25

/* What the writer and the readers share: in memory for threads, in a
 * shared mapping for processes. */
typedef struct shared {
    atomic_uint committed; /* documents 0..committed-1 are committed */
    atomic_int done;       /* the writer finished */
    atomic_int failed;
    atomic_ulong reads, searches, retries;
} shared;

static const char *dir;
static unsigned ndocs = 1000;
static shared *sh;

static void fail(const char *who, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void fail(const char *who, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "concurrent: FAIL: %s: ", who);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    atomic_store(&sh->failed, 1);
}

static void *writer(void *arg)
{
    sou_index_options opts = SOU_INDEX_OPTIONS_INIT;
    sou_index *index;
    gen_rng rng;

    (void)arg;
    gen_seed(&rng, 42);
    opts.flags = SOU_INDEX_WRITE;
    if (sou_index_open(&index, dir, &opts) != SOU_OK) {
        fail("writer", "open: %s", sou_error_last()->message);
        atomic_store(&sh->done, 1);
        return NULL;
    }
    for (unsigned n = atomic_load(&sh->committed); n < ndocs && !atomic_load(&sh->failed); n++) {
        sou_doc *doc = gen_doc(n, 1);
        if (!doc || sou_index_add(index, doc) != SOU_OK) {
            fail("writer", "add %u: %s", n, sou_error_last()->message);
            sou_doc_free(doc);
            break;
        }
        sou_doc_free(doc);
        /* Now and then a committed document gets its second version. */
        if (n % 3 == 0) {
            unsigned old = (unsigned)gen_below(&rng, n + 1);
            doc = gen_doc(old, 2);
            if (!doc || sou_index_add(index, doc) != SOU_OK) {
                fail("writer", "replace %u: %s", old, sou_error_last()->message);
                sou_doc_free(doc);
                break;
            }
            sou_doc_free(doc);
        }
        if ((n + 1) % EVERY == 0 || n + 1 == ndocs) {
            if (sou_index_commit(index) != SOU_OK) {
                fail("writer", "commit: %s", sou_error_last()->message);
                break;
            }
            atomic_store(&sh->committed, n + 1);
        }
    }
    sou_index_close(index);
    atomic_store(&sh->done, 1);
    return NULL;
}

/* 1 when rc is the documented "try again" (counted), 0 for success;
 * anything else fails the reader. */
static int retry(const char *who, const char *what, int rc)
{
    if (rc == SOU_OK)
        return 0;
    if (rc == SOU_EMODIFIED) {
        atomic_fetch_add(&sh->retries, 1);
        return 1;
    }
    fail(who, "%s: %s (%d)", what, sou_error_last()->message, rc);
    return -1;
}

/* One look at the index; returns -1 on failure. Every other look skips the
 * reopen and reads an older snapshot, which the writer's commits may
 * invalidate under it. */
static int read_once(const char *who, sou_index *index, gen_rng *rng, uint64_t *last_count)
{
    unsigned committed = atomic_load(&sh->committed), n;
    int reopen = gen_below(rng, 2) == 0;
    sou_index_stats st;
    sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
    sou_results *res = NULL;
    sou_doc *doc = NULL;
    char id[GEN_ID_MAX], key[GEN_ID_MAX], why[256];
    const char *hit;
    size_t len;
    int rc;

    if (reopen && (rc = retry(who, "reopen", sou_index_reopen(index))) != 0)
        return rc < 0 ? -1 : 0;
    if ((rc = retry(who, "stats", sou_index_stats_get(index, &st))) != 0)
        return rc < 0 ? -1 : 0;
    /* Snapshots only move forward, and a reopen reaches the last commit. */
    if ((reopen && st.doc_count < committed) || st.doc_count < *last_count) {
        fail(who, "%llu documents, but %u were committed before the %s and %llu seen",
             (unsigned long long)st.doc_count, committed, reopen ? "reopen" : "look",
             (unsigned long long)*last_count);
        return -1;
    }
    *last_count = st.doc_count;
    if (st.doc_count == 0) {
        fail(who, "no documents, though the first batch was committed before the readers began");
        return -1;
    }
    /* Documents are added in order: 0..doc_count-1 are in this snapshot. */
    n = (unsigned)gen_below(rng, st.doc_count);
    gen_id(n, id);
    gen_key(n, key);
    rc = retry(who, "get", sou_index_get(index, id, strlen(id), &doc));
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    atomic_fetch_add(&sh->reads, 1);
    if (gen_doc_check(doc, n, 1, why) != 0 && gen_doc_check(doc, n, 2, why) != 0) {
        fail(who, "%s is neither version as written: %s", id, why);
        sou_doc_free(doc);
        return -1;
    }
    sou_doc_free(doc);
    rc = retry(who, "search", sou_index_search(index, key, strlen(key), &so, &res));
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    atomic_fetch_add(&sh->searches, 1);
    if (sou_results_count(res) != 1 || !(hit = sou_results_id(res, 0, &len)) ||
        strcmp(hit, id) != 0) {
        fail(who, "search %s found %zu documents, not %s alone", key, sou_results_count(res), id);
        sou_results_free(res);
        return -1;
    }
    hit = sou_results_snippet(res, 0, &len);
    if (!hit || !strstr(hit, "<b>")) {
        fail(who, "search %s: no highlighted snippet", key);
        sou_results_free(res);
        return -1;
    }
    sou_results_free(res);
    return 0;
}

static void *reader(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    char who[32];
    sou_index *index;
    gen_rng rng;
    uint64_t last = 0;

    snprintf(who, sizeof who, "reader %u", me);
    gen_seed(&rng, me + 1000);
    if (sou_index_open(&index, dir, NULL) != SOU_OK) {
        fail(who, "open: %s", sou_error_last()->message);
        return NULL;
    }
    /* Until the writer is done, and once more after. */
    for (int last_round = 0; !atomic_load(&sh->failed);) {
        if (read_once(who, index, &rng, &last) != 0)
            break;
        if (last_round)
            break;
        last_round = atomic_load(&sh->done);
    }
    sou_index_close(index);
    return NULL;
}

/* A committed first batch, so that readers have something from the start. */
static int create_index(void)
{
    sou_index_options opts = SOU_INDEX_OPTIONS_INIT;
    sou_index *index;

    opts.flags = SOU_INDEX_CREATE;
    if (sou_index_open(&index, dir, &opts) != SOU_OK) {
        fprintf(stderr, "concurrent: create %s: %s\n", dir, sou_error_last()->message);
        return -1;
    }
    for (unsigned n = 0; n < EVERY; n++) {
        sou_doc *doc = gen_doc(n, 1);
        if (!doc || sou_index_add(index, doc) != SOU_OK) {
            fprintf(stderr, "concurrent: add: %s\n", sou_error_last()->message);
            sou_doc_free(doc);
            sou_index_close(index);
            return -1;
        }
        sou_doc_free(doc);
    }
    if (sou_index_commit(index) != SOU_OK) {
        fprintf(stderr, "concurrent: commit: %s\n", sou_error_last()->message);
        sou_index_close(index);
        return -1;
    }
    sou_index_close(index);
    atomic_store(&sh->committed, EVERY);
    return 0;
}

static int run_threads(void)
{
    pthread_t w, r[READERS];

    if (pthread_create(&w, NULL, writer, NULL) != 0)
        return -1;
    for (unsigned i = 0; i < READERS; i++)
        if (pthread_create(&r[i], NULL, reader, (void *)(uintptr_t)i) != 0)
            return -1;
    pthread_join(w, NULL);
    for (unsigned i = 0; i < READERS; i++)
        pthread_join(r[i], NULL);
    return 0;
}

static int run_processes(void)
{
    pid_t pids[READERS + 1];
    int bad = 0;

    for (unsigned i = 0; i <= READERS; i++) {
        pids[i] = fork();
        if (pids[i] < 0) {
            perror("fork");
            return -1;
        }
        if (pids[i] == 0) {
            if (i == READERS)
                writer(NULL);
            else
                reader((void *)(uintptr_t)i);
            _exit(atomic_load(&sh->failed) ? 1 : 0);
        }
    }
    for (unsigned i = 0; i <= READERS; i++) {
        int status;
        if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            fprintf(stderr, "concurrent: %s %u ended with status %d\n",
                    i == READERS ? "writer" : "reader", i, status);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    const char *env = getenv("SOU_CONCURRENT_DOCS");
    char path[4096];
    double t0 = gen_now();
    int threads, rc;

    if (argc != 3 || (strcmp(argv[1], "threads") != 0 && strcmp(argv[1], "processes") != 0)) {
        fprintf(stderr, "usage: concurrent threads|processes WORK_DIR\n");
        return 2;
    }
    threads = strcmp(argv[1], "threads") == 0;
    if (env && *env)
        ndocs = (unsigned)strtoul(env, NULL, 10);
    if (ndocs < 2 * EVERY)
        ndocs = 2 * EVERY;
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    gen_rmtree(argv[2]);
    if (mkdir(argv[2], 0755) != 0) {
        fprintf(stderr, "concurrent: mkdir %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    snprintf(path, sizeof path, "%s/index", argv[2]);
    dir = path;
    if (create_index() != 0)
        return 1;
    rc = threads ? run_threads() : run_processes();
    if (rc != 0 || atomic_load(&sh->failed))
        return 1;
    {
        /* Every document the writer added is there, once. */
        sou_index *index;
        sou_index_stats st;
        if (sou_index_open(&index, dir, NULL) != SOU_OK ||
            sou_index_stats_get(index, &st) != SOU_OK) {
            fprintf(stderr, "concurrent: final open: %s\n", sou_error_last()->message);
            return 1;
        }
        sou_index_close(index);
        if (st.doc_count != ndocs) {
            fprintf(stderr, "concurrent: FAIL: %llu documents at the end, expected %u\n",
                    (unsigned long long)st.doc_count, ndocs);
            return 1;
        }
    }
    if (threads)
        printf("concurrent (threads): ");
    else
        printf("concurrent (processes): ");
    printf("1 writer committed %u documents while %d readers made %lu gets and %lu searches, "
           "%lu SOU_EMODIFIED retries, no other error, in %.1f s\n",
           ndocs, READERS, (unsigned long)atomic_load(&sh->reads),
           (unsigned long)atomic_load(&sh->searches), (unsigned long)atomic_load(&sh->retries),
           gen_now() - t0);
    if (atomic_load(&sh->searches) == 0) {
        fprintf(stderr, "concurrent: FAIL: the readers never searched\n");
        return 1;
    }
    gen_rmtree(argv[2]);
    return 0;
}
