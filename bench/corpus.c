/* corpus.c: reading the reference corpus into memory before any timing. */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp */

#include "bench.h"

#include <errno.h>
#include <ftw.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int text_reserve(bench_text *t, size_t more_bytes)
{
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        size_t *off = realloc(t->off, cap * sizeof *off);
        if (!off)
            return -1;
        t->off = off;
        size_t *len = realloc(t->len, cap * sizeof *len);
        if (!len)
            return -1;
        t->len = len;
        t->cap = cap;
    }
    if (t->buf_cap - t->buf_len < more_bytes + 1) {
        size_t cap = t->buf_cap ? t->buf_cap : 1 << 20;
        while (cap - t->buf_len < more_bytes + 1)
            cap *= 2;
        char *buf = realloc(t->buf, cap);
        if (!buf)
            return -1;
        t->buf = buf;
        t->buf_cap = cap;
    }
    return 0;
}

static int text_push(bench_text *t, const char *s, size_t n)
{
    if (text_reserve(t, n) != 0) {
        fprintf(stderr, "sou-bench: out of memory\n");
        return -1;
    }
    t->off[t->count] = t->buf_len;
    t->len[t->count] = n;
    memcpy(t->buf + t->buf_len, s, n);
    t->buf[t->buf_len + n] = '\0';
    t->buf_len += n + 1;
    t->count++;
    t->bytes += n;
    return 0;
}

static char *file_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "sou-bench: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        fprintf(stderr, "sou-bench: %s: cannot read\n", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* Appends every non-empty line of one file. A BOM is dropped wherever a
 * line starts with one (in the corpus only a file's first line does). */
static int text_add_file(bench_text *t, const char *path)
{
    size_t n;
    char *data = file_slurp(path, &n);
    if (!data)
        return -1;
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(data + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - data) : n;
        size_t s = i, e = end;
        if (e > s && data[e - 1] == '\r')
            e--;
        if (e - s >= 3 && memcmp(data + s, "\xEF\xBB\xBF", 3) == 0)
            s += 3;
        if (e > s && text_push(t, data + s, e - s) != 0) {
            free(data);
            return -1;
        }
        i = end + 1;
    }
    free(data);
    return 0;
}

static void files_note(bench_text *t, const char *rel)
{
    size_t used = strlen(t->files);
    snprintf(t->files + used, sizeof t->files - used, "%s%s", used ? ", " : "", rel);
}

static int text_load_glob(bench_text *t, const char *corpus, const char *sub, const char *ext)
{
    char pattern[4096];
    snprintf(pattern, sizeof pattern, "%s/%s/*.%s", corpus, sub, ext);
    glob_t g;
    int rc = glob(pattern, 0, NULL, &g);
    if (rc != 0) {
        fprintf(stderr, "sou-bench: no files match %s\n", pattern);
        if (rc != GLOB_NOMATCH)
            globfree(&g);
        return -1;
    }
    size_t skip = strlen(corpus) + 1;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        if (text_add_file(t, g.gl_pathv[i]) != 0) {
            globfree(&g);
            return -1;
        }
        files_note(t, g.gl_pathv[i] + skip);
    }
    globfree(&g);
    return 0;
}

static int text_load_mixed(bench_text *t, const char *corpus)
{
    bench_text en, zh;
    if (bench_text_load(&en, corpus, "en") != 0)
        return -1;
    if (bench_text_load(&zh, corpus, "zh") != 0) {
        bench_text_free(&en);
        return -1;
    }
    size_t pairs = en.count < zh.count ? en.count : zh.count;
    int rc = 0;
    for (size_t i = 0; i < pairs && rc == 0; i++) {
        rc = text_push(t, bench_text_doc(&en, i), en.len[i]);
        if (rc == 0)
            rc = text_push(t, bench_text_doc(&zh, i), zh.len[i]);
    }
    snprintf(t->files, sizeof t->files, "first %zu lines of en/ and zh/ alternated", pairs);
    bench_text_free(&en);
    bench_text_free(&zh);
    return rc;
}

int bench_text_load(bench_text *t, const char *corpus, const char *name)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    int rc;
    if (strcmp(name, "en") == 0)
        rc = text_load_glob(t, corpus, "en", "txt");
    else if (strcmp(name, "zh") == 0)
        rc = text_load_glob(t, corpus, "zh", "utf8");
    else if (strcmp(name, "zh-hant") == 0)
        rc = text_load_glob(t, corpus, "zh-hant", "utf8");
    else if (strcmp(name, "mixed") == 0)
        rc = text_load_mixed(t, corpus);
    else {
        fprintf(stderr, "sou-bench: unknown text class '%s' (en, zh, zh-hant, mixed)\n", name);
        rc = -1;
    }
    if (rc == 0 && t->count == 0) {
        fprintf(stderr, "sou-bench: text class '%s' has no documents\n", name);
        rc = -1;
    }
    if (rc != 0)
        bench_text_free(t);
    return rc;
}

void bench_text_free(bench_text *t)
{
    free(t->buf);
    free(t->off);
    free(t->len);
    memset(t, 0, sizeof *t);
}

const char *bench_corpus_dir(const char *given)
{
    struct stat st;
    const char *dir = given ? given : "../shared/corpus";
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return dir;
    if (given)
        fprintf(stderr, "sou-bench: %s is not a directory\n", given);
    else
        fprintf(stderr, "sou-bench: no corpus at ../shared/corpus; pass --corpus DIR\n");
    return NULL;
}

int bench_collection_load(bench_collection *c, const char *corpus, size_t docs)
{
    memset(c, 0, sizeof *c);
    if (bench_text_load(&c->en, corpus, "en") != 0)
        return -1;
    if (bench_text_load(&c->zh, corpus, "zh") != 0) {
        bench_text_free(&c->en);
        return -1;
    }
    c->docs = docs;
    /* Whole rounds of each class, then the part of a round left. */
    size_t n_en = (docs + 1) / 2, n_zh = docs / 2;
    c->bytes = (uint64_t)(n_en / c->en.count) * c->en.bytes +
               (uint64_t)(n_zh / c->zh.count) * c->zh.bytes;
    for (size_t k = 0; k < n_en % c->en.count; k++)
        c->bytes += c->en.len[k];
    for (size_t k = 0; k < n_zh % c->zh.count; k++)
        c->bytes += c->zh.len[k];
    return 0;
}

void bench_collection_free(bench_collection *c)
{
    bench_text_free(&c->en);
    bench_text_free(&c->zh);
}

int bench_tmpdir(char *buf, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(buf, size, "%s/sou-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(buf)) {
        fprintf(stderr, "sou-bench: mkdtemp %s: %s\n", buf, strerror(errno));
        return -1;
    }
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int bench_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static uint64_t bytes_sum;

static int bytes_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path;
    (void)ftw;
    if (flag == FTW_F && S_ISREG(st->st_mode))
        bytes_sum += (uint64_t)st->st_size;
    return 0;
}

uint64_t bench_path_bytes(const char *path)
{
    bytes_sum = 0;
    if (nftw(path, bytes_entry, 16, FTW_PHYS) != 0)
        return 0;
    return bytes_sum;
}

int bench_collection_open(bench_collection *c, const char *given, size_t docs,
                          const char **corpus)
{
    if (!(*corpus = bench_corpus_dir(given)))
        return 2;
    return bench_collection_load(c, *corpus, docs) != 0 ? 1 : 0;
}
