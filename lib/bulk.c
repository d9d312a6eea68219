/*
 * bulk.c: indexing many documents on every core, and compaction.
 *
 * sou_bulk_add registers the document's names in the index (the caller's
 * thread owns the index handle), copies the document and hands it to one
 * of N workers, chosen by a stable hash of its id. Each worker analyses
 * with its own analyzer and writes into its own shard, a Xapian database in
 * a directory beside the index, committing every memory_docs documents so
 * that memory stays bounded whatever the collection size. The same id
 * always reaches the same shard, so a shard holds each id once.
 *
 * sou_bulk_finish commits the shards, deletes from the index the ids that
 * the shards bring again, and merges index and shards with Xapian's
 * compaction into a new directory that takes the index's place. The index
 * handle is reopened on it, so the caller goes on using it.
 *
 * sou_index_compact rewrites an index built bit by bit the same way.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "doc.h"
#include "error.h"
#include "index.h"
#include "route.h"

/* Documents waiting for a worker, per worker: enough to keep it busy while
 * the caller reads input, few enough to bound memory. */
#define QUEUE_DOCS 256
/* Documents a shard holds in memory before it commits, all workers
 * together: about 0.5 GiB of Xapian's buffers on mixed text. */
#define MEMORY_DOCS_DEFAULT 40000
#define THREADS_MAX 64

typedef struct {
    sou_doc *doc;
    unsigned int *slots;
} job;

typedef struct worker {
    struct sou_bulk *bulk;
    pthread_t thread;
    int started;
    sou_analyzer *analyzer;
    sou__xdb *shard;
    char *path;
    /* The queue: a ring of jobs guarded by mu. */
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    job ring[QUEUE_DOCS];
    size_t head, count;
    int closing;
    int waiting; /* the worker sleeps on not_empty */
    int full;    /* the caller sleeps on not_full */
    size_t since_commit;
    uint64_t docs;
    /* Hashes of the ids this shard holds: an id not among them is added
     * without Xapian's look-up of its id term. Open addressing, 0 empty. */
    uint64_t *seen;
    size_t seen_cap, seen_count;
} worker;

struct sou_bulk {
    sou_index *index;
    size_t nworkers;
    worker *workers;
    char *dir; /* holds the shards, beside the index */
    size_t commit_every;
    int stemming;
    /* The first failure of a worker, reported by the next call. */
    pthread_mutex_t err_mu;
    int err_code;
    char err_msg[512];
};

int sou_bulk_options_init(sou_bulk_options *opts, unsigned int version)
{
    const sou_bulk_options defaults = SOU_BULK_OPTIONS_INIT;

    if (!opts)
        return sou__error_set(SOU_EINVAL, "sou_bulk_options_init: opts is NULL");
    if (version != SOU_BULK_OPTIONS_VERSION)
        return sou__error_set(SOU_EINVAL, "unknown bulk options version %u", version);
    *opts = defaults;
    return SOU_OK;
}

static void bulk_fail(sou_bulk *b, int code)
{
    pthread_mutex_lock(&b->err_mu);
    if (b->err_code == SOU_OK) {
        b->err_code = code;
        snprintf(b->err_msg, sizeof b->err_msg, "%s", sou_error_last()->message);
    }
    pthread_mutex_unlock(&b->err_mu);
}

/* A worker's failure, as the caller's error. */
static int bulk_error(sou_bulk *b)
{
    int code;

    pthread_mutex_lock(&b->err_mu);
    code = b->err_code;
    pthread_mutex_unlock(&b->err_mu);
    if (code == SOU_OK)
        return SOU_OK;
    return sou__error_set(code, "bulk indexing: %s", b->err_msg);
}

static uint64_t id_hash(const char *id, size_t len)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a, 64 bits */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)id[i]) * 1099511628211ULL;
    return h ? h : 1;
}

/* Records the id's hash; returns 1 if it was there already (the id may be
 * in the shard), 0 if the id is new to it, or -1 out of memory. */
static int seen_insert(worker *w, uint64_t h)
{
    size_t i;

    if ((w->seen_count + 1) * 2 > w->seen_cap) {
        size_t cap = w->seen_cap ? w->seen_cap * 2 : 4096;
        uint64_t *t = sou__calloc(cap, sizeof *t);
        if (!t)
            return -1;
        for (size_t k = 0; k < w->seen_cap; k++) {
            uint64_t v = w->seen[k];
            if (!v)
                continue;
            for (i = v & (cap - 1); t[i]; i = (i + 1) & (cap - 1))
                ;
            t[i] = v;
        }
        sou__free(w->seen);
        w->seen = t;
        w->seen_cap = cap;
    }
    for (i = h & (w->seen_cap - 1); w->seen[i]; i = (i + 1) & (w->seen_cap - 1))
        if (w->seen[i] == h)
            return 1;
    w->seen[i] = h;
    w->seen_count++;
    return 0;
}

static void job_clear(job *j)
{
    sou_doc_free(j->doc);
    sou__free(j->slots);
    j->doc = NULL;
    j->slots = NULL;
}

static int worker_index(worker *w, const job *j)
{
    char idterm[SOU_ID_MAX + 2];
    size_t idlen = sou__index_id_term(idterm, j->doc->id, j->doc->id_len);
    sou__xdoc *xdoc = NULL;
    int rc;

    if ((rc = sou__xdoc_new(&xdoc)))
        return rc;
    if (!(rc = sou__xdoc_add_term(xdoc, idterm, idlen, 0)) &&
        !(rc = sou__index_build(w->analyzer, w->bulk->stemming, j->doc, j->slots, xdoc))) {
        int seen = seen_insert(w, id_hash(j->doc->id, j->doc->id_len));
        if (seen < 0)
            rc = SOU_ENOMEM;
        else if (seen)
            rc = sou__xdb_replace(w->shard, idterm, idlen, xdoc);
        else
            rc = sou__xdb_add(w->shard, xdoc);
    }
    sou__xdoc_free(xdoc);
    if (rc)
        return rc;
    w->docs++;
    if (++w->since_commit >= w->bulk->commit_every) {
        w->since_commit = 0;
        return sou__xdb_commit(w->shard);
    }
    return SOU_OK;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    job batch[QUEUE_DOCS];

    for (;;) {
        size_t n;

        /* Take all that is queued, and wake the caller only if it waits:
         * one hand-over per batch, not per document. */
        pthread_mutex_lock(&w->mu);
        while (w->count == 0 && !w->closing) {
            w->waiting = 1;
            pthread_cond_wait(&w->not_empty, &w->mu);
            w->waiting = 0;
        }
        n = w->count;
        for (size_t k = 0; k < n; k++) {
            job *q = &w->ring[(w->head + k) % QUEUE_DOCS];
            batch[k] = *q;
            q->doc = NULL;
            q->slots = NULL;
        }
        w->head = (w->head + n) % QUEUE_DOCS;
        w->count = 0;
        if (w->full)
            pthread_cond_signal(&w->not_full);
        pthread_mutex_unlock(&w->mu);
        if (n == 0)
            break; /* closing, and nothing left */

        for (size_t k = 0; k < n; k++) {
            int rc;
            /* After a failure, the rest is drained unread: the bulk fails. */
            if (w->bulk->err_code == SOU_OK && (rc = worker_index(w, &batch[k])) != SOU_OK)
                bulk_fail(w->bulk, rc);
            job_clear(&batch[k]);
        }
    }
    return NULL;
}

/* Stop the workers; with commit, make their shards durable. */
static void workers_stop(sou_bulk *b, int commit)
{
    for (size_t i = 0; i < b->nworkers; i++) {
        worker *w = &b->workers[i];
        if (!w->started)
            continue;
        pthread_mutex_lock(&w->mu);
        w->closing = 1;
        pthread_cond_signal(&w->not_empty);
        pthread_mutex_unlock(&w->mu);
    }
    for (size_t i = 0; i < b->nworkers; i++) {
        worker *w = &b->workers[i];
        int rc;
        if (!w->started)
            continue;
        pthread_join(w->thread, NULL);
        w->started = 0;
        if (commit && b->err_code == SOU_OK && (rc = sou__xdb_commit(w->shard)) != SOU_OK)
            bulk_fail(b, rc);
    }
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* Remove the tree that bulk made: shards, the merged index, the old one. */
static void remove_tree(const char *path)
{
    if (path)
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Work directories beside the index that a bulk load or a compaction
 * killed before it finished left behind: PATH.bulkXXXXXX and
 * PATH.compactXXXXXX. The caller holds the index open for writing, and
 * only a writer of the index makes them, so any there now is stale. One
 * that holds "old" may hold the index itself (moved aside just before the
 * process died, with the merged one not yet in its place): it is left for
 * the user to look at; the others go. */
static void remove_stale_work(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) : 0;
    const char *base = slash ? slash + 1 : path;
    size_t blen = strlen(base);
    char *dirname, *entry;
    DIR *d;
    struct dirent *e;

    if (!blen)
        return;
    if (!slash)
        dirname = sou__strndup(".", 1);
    else
        dirname = dlen ? sou__strndup(path, dlen) : sou__strndup("/", 1);
    if (!dirname)
        return;
    if (!(d = opendir(dirname))) {
        sou__free(dirname);
        return;
    }
    while ((e = readdir(d))) {
        const char *rest = e->d_name + blen;
        size_t tail;
        struct stat st;

        if (strncmp(e->d_name, base, blen) != 0)
            continue;
        if (strncmp(rest, ".bulk", 5) == 0)
            tail = strlen(rest + 5);
        else if (strncmp(rest, ".compact", 8) == 0)
            tail = strlen(rest + 8);
        else
            continue;
        if (tail != 6) /* mkdtemp's XXXXXX */
            continue;
        if (!(entry = sou__malloc(strlen(dirname) + strlen(e->d_name) + sizeof "/" "/old")))
            break;
        sprintf(entry, "%s/%s/old", dirname, e->d_name);
        if (lstat(entry, &st) != 0 && errno == ENOENT) {
            entry[strlen(entry) - 4] = '\0';
            if (lstat(entry, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(entry);
        }
        sou__free(entry);
    }
    closedir(d);
    sou__free(dirname);
}

static void bulk_free(sou_bulk *b)
{
    if (!b)
        return;
    workers_stop(b, 0);
    for (size_t i = 0; i < b->nworkers; i++) {
        worker *w = &b->workers[i];
        for (size_t k = 0; k < w->count; k++)
            job_clear(&w->ring[(w->head + k) % QUEUE_DOCS]);
        sou__xdb_close(w->shard);
        sou__free(w->seen);
        sou_analyzer_free(w->analyzer);
        sou__free(w->path);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->not_empty);
        pthread_cond_destroy(&w->not_full);
    }
    sou__free(b->workers);
    remove_tree(b->dir);
    sou__free(b->dir);
    pthread_mutex_destroy(&b->err_mu);
    sou__free(b);
}

static unsigned int online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > THREADS_MAX ? THREADS_MAX : (unsigned int)n;
}

int sou_bulk_begin(sou_bulk **out, sou_index *index, const sou_bulk_options *opts)
{
    const sou_bulk_options defaults = SOU_BULK_OPTIONS_INIT;
    sou_bulk *b;
    size_t plen;
    int rc;

    if (!out)
        return sou__error_set(SOU_EINVAL, "bulk: out is NULL");
    *out = NULL;
    if (!index)
        return sou__error_set(SOU_EINVAL, "bulk: index is NULL");
    if (!opts)
        opts = &defaults;
    if (opts->version != SOU_BULK_OPTIONS_VERSION)
        return sou__error_set(SOU_EINVAL, "unknown bulk options version %u", opts->version);
    if (opts->threads > THREADS_MAX)
        return sou__error_set(SOU_EINVAL, "bulk: at most %d threads", THREADS_MAX);
    if (!sou__xdb_writable(index->db))
        return sou__error_set(SOU_EREADONLY, "bulk: index opened read-only");
    if (index->stub)
        return sou__error_set(SOU_EINVAL,
                              "bulk: bulk indexing builds one index directory, and '%s' is a "
                              "stub of shards (add its documents one by one)",
                              index->path);
    if (index->in_txn)
        return sou__error_set(SOU_EINVAL, "bulk: a transaction is open");

    if (!(b = sou__calloc(1, sizeof *b)))
        return SOU_ENOMEM;
    pthread_mutex_init(&b->err_mu, NULL);
    b->index = index;
    b->stemming = sou__index_stemming(index);
    b->nworkers = opts->threads ? opts->threads : online_cores();
    b->commit_every = (opts->memory_docs ? opts->memory_docs : MEMORY_DOCS_DEFAULT) / b->nworkers;
    if (b->commit_every == 0)
        b->commit_every = 1;
    remove_stale_work(index->path);
    plen = strlen(index->path);
    if (!(b->dir = sou__malloc(plen + 16))) {
        sou__free(b);
        return SOU_ENOMEM;
    }
    /* Beside the index, so that the merge renames within one file system. */
    snprintf(b->dir, plen + 16, "%s.bulkXXXXXX", index->path);
    if (!mkdtemp(b->dir)) {
        rc = sou__error_set(SOU_EIO, "bulk: cannot make a directory beside '%s': %s", index->path,
                            strerror(errno));
        sou__free(b->dir);
        b->dir = NULL;
        bulk_free(b);
        return rc;
    }
    if (!(b->workers = sou__calloc(b->nworkers, sizeof *b->workers))) {
        bulk_free(b);
        return SOU_ENOMEM;
    }
    for (size_t i = 0; i < b->nworkers; i++) {
        worker *w = &b->workers[i];
        size_t dl = strlen(b->dir) + 32;
        w->bulk = b;
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->not_empty, NULL);
        pthread_cond_init(&w->not_full, NULL);
        if (!(w->path = sou__malloc(dl))) {
            bulk_free(b);
            return SOU_ENOMEM;
        }
        snprintf(w->path, dl, "%s/shard-%zu", b->dir, i);
        if ((rc = sou_analyzer_clone(&w->analyzer, index->analyzer)) ||
            (rc = sou__xdb_open_scratch(&w->shard, w->path))) {
            bulk_free(b);
            return rc;
        }
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            rc = sou__error_set(SOU_ERROR, "bulk: cannot start a thread");
            bulk_free(b);
            return rc;
        }
        w->started = 1;
    }
    *out = b;
    return SOU_OK;
}

int sou_bulk_add(sou_bulk *bulk, const sou_doc *doc)
{
    job j = { NULL, NULL };
    worker *w;
    int rc;

    if (!bulk)
        return sou__error_set(SOU_EINVAL, "bulk add: bulk is NULL");
    if (!doc)
        return sou__error_set(SOU_EINVAL, "bulk add: document is NULL");
    if ((rc = bulk_error(bulk)))
        return rc;
    if (!sou__index_id_valid(doc->id, doc->id_len))
        return sou__error_set(SOU_EINVAL, "bulk add: bad document id");
    if ((rc = sou__index_register(bulk->index, doc, &j.slots)))
        return rc;
    /* A copy the worker owns. */
    if ((rc = sou__doc_copy(doc, &j.doc))) {
        sou__free(j.slots);
        return rc;
    }
    /* A document and its replacement go to the same worker. */
    w = &bulk->workers[sou__route(doc->id, doc->id_len, bulk->nworkers)];
    pthread_mutex_lock(&w->mu);
    while (w->count == QUEUE_DOCS) {
        w->full = 1;
        pthread_cond_wait(&w->not_full, &w->mu);
        w->full = 0;
    }
    w->ring[(w->head + w->count) % QUEUE_DOCS] = j;
    w->count++;
    /* A worker that sleeps is woken once it has a batch worth the wake-up
     * (or the queue is all there is). */
    if (w->waiting && w->count >= QUEUE_DOCS / 4)
        pthread_cond_signal(&w->not_empty);
    pthread_mutex_unlock(&w->mu);
    return SOU_OK;
}

void sou_bulk_cancel(sou_bulk *bulk)
{
    bulk_free(bulk);
}

/* The merged index takes the index's place: the writer lets go of the
 * directory, which moves aside to old, merged moves in, and the writer
 * opens it again. */
static int take_place(sou_index *index, const char *merged, const char *old)
{
    int rc = SOU_OK, orc;

    sou__xdb_close(index->db);
    index->db = NULL;
    if (rename(index->path, old) != 0) {
        rc = sou__error_set(SOU_EIO, "cannot move '%s' aside: %s", index->path, strerror(errno));
    } else if (rename(merged, index->path) != 0) {
        rc = sou__error_set(SOU_EIO, "cannot move the merged index to '%s': %s", index->path,
                            strerror(errno));
        if (rename(old, index->path) != 0)
            rc = sou__error_set(SOU_EIO, "the index is left at '%s': %s", old, strerror(errno));
    }
    orc = sou__xdb_open(&index->db, index->path, SOU_INDEX_WRITE);
    return rc != SOU_OK ? rc : orc;
}

int sou_index_compact(sou_index *index)
{
    char *work, *merged = NULL, *old = NULL;
    const char *src;
    size_t plen, dl;
    int rc;

    if (!index)
        return sou__error_set(SOU_EINVAL, "compact: index is NULL");
    if (!sou__xdb_writable(index->db))
        return sou__error_set(SOU_EREADONLY, "compact: index opened read-only");
    if (index->in_txn)
        return sou__error_set(SOU_EINVAL, "compact: a transaction is open");
    if ((rc = sou__xdb_commit(index->db)))
        return rc;
    index->pending = 0;
    remove_stale_work(index->path);
    plen = strlen(index->path);
    if (!(work = sou__malloc(plen + 16)))
        return SOU_ENOMEM;
    snprintf(work, plen + 16, "%s.compactXXXXXX", index->path);
    if (!mkdtemp(work)) {
        rc = sou__error_set(SOU_EIO, "compact: cannot make a directory beside '%s': %s",
                            index->path, strerror(errno));
        sou__free(work);
        return rc;
    }
    dl = strlen(work) + 16;
    if (!(merged = sou__malloc(dl)) || !(old = sou__malloc(dl))) {
        rc = SOU_ENOMEM;
        goto out;
    }
    snprintf(merged, dl, "%s/merged", work);
    snprintf(old, dl, "%s/old", work);
    src = index->path;
    if ((rc = sou__xdb_compact(&src, 1, merged)) == SOU_OK)
        rc = take_place(index, merged, old);
out:
    {
        sou_error saved = *sou_error_last();
        char msg[512];
        snprintf(msg, sizeof msg, "%s", saved.message);
        remove_tree(work);
        if (rc != SOU_OK)
            sou__error_set(saved.code, "compact: %s", msg);
    }
    sou__free(work);
    sou__free(merged);
    sou__free(old);
    return rc;
}

int sou_bulk_finish(sou_bulk *bulk)
{
    sou_index *index;
    const char **srcs = NULL;
    char *merged = NULL, *old = NULL;
    size_t dl;
    uint64_t deleted;
    int rc;

    if (!bulk)
        return sou__error_set(SOU_EINVAL, "bulk finish: bulk is NULL");
    index = bulk->index;
    workers_stop(bulk, 1);
    if ((rc = bulk_error(bulk)))
        goto out;

    /* The shards bring new versions of these ids. */
    for (size_t i = 0; i < bulk->nworkers; i++)
        if ((rc = sou__xdb_delete_ids_of(index->db, bulk->workers[i].path, &deleted)))
            goto out;
    if ((rc = sou__xdb_commit(index->db)))
        goto out;
    index->pending = 0;
    for (size_t i = 0; i < bulk->nworkers; i++) {
        sou__xdb_close(bulk->workers[i].shard);
        bulk->workers[i].shard = NULL;
    }

    if (!(srcs = sou__calloc(bulk->nworkers + 1, sizeof *srcs))) {
        rc = SOU_ENOMEM;
        goto out;
    }
    srcs[0] = index->path; /* first: its metadata is the index's */
    for (size_t i = 0; i < bulk->nworkers; i++)
        srcs[i + 1] = bulk->workers[i].path;
    dl = strlen(bulk->dir) + 16;
    if (!(merged = sou__malloc(dl)) || !(old = sou__malloc(dl))) {
        rc = SOU_ENOMEM;
        goto out;
    }
    snprintf(merged, dl, "%s/merged", bulk->dir);
    snprintf(old, dl, "%s/old", bulk->dir);
    if ((rc = sou__xdb_compact(srcs, bulk->nworkers + 1, merged)))
        goto out;

    rc = take_place(index, merged, old);
out:
    sou__free(srcs);
    sou__free(merged);
    sou__free(old);
    {
        /* Freeing may overwrite the error of the failure. */
        sou_error saved = *sou_error_last();
        char msg[512];
        snprintf(msg, sizeof msg, "%s", saved.message);
        bulk_free(bulk);
        if (rc != SOU_OK)
            sou__error_set(saved.code, "%s", msg);
    }
    return rc;
}
