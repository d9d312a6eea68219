/* testutil.c: helpers shared by the suites. */
#define _XOPEN_SOURCE 700
#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *tu_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char *path;
    size_t n;

    if (!base || !*base)
        base = "/tmp";
    n = strlen(base) + 32;
    path = malloc(n);
    if (!path)
        return NULL;
    snprintf(path, n, "%s/sou-test-XXXXXX", base);
    if (!mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void tu_rmtree(const char *path)
{
    if (path)
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

typedef struct {
    char *buf;
    size_t len, cap;
    int with_spans;
} tu_sb;

static int sb_append(tu_sb *sb, const char *s, size_t n)
{
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 256;
        char *p;
        while (cap < sb->len + n + 1)
            cap *= 2;
        p = realloc(sb->buf, cap);
        if (!p)
            return -1;
        sb->buf = p;
        sb->cap = cap;
    }
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
    return 0;
}

static int collect(const sou_token *t, void *payload)
{
    tu_sb *sb = payload;
    char span[96];

    if (sb->len && sb_append(sb, " ", 1))
        return -1;
    if ((t->flags & SOU_TOKEN_COMPOUND) && sb_append(sb, "+", 1))
        return -1;
    if (sb_append(sb, t->term, t->term_len))
        return -1;
    if (sb->with_spans) {
        snprintf(span, sizeof span, "@%u[%zu,%zu)", (unsigned)t->position, t->start, t->end);
        if (sb_append(sb, span, strlen(span)))
            return -1;
    }
    return 0;
}

static char *render(sou_analyzer *a, const char *text, size_t len, int with_spans)
{
    tu_sb sb = { NULL, 0, 0, with_spans };
    if (sb_append(&sb, "", 0))
        return NULL;
    if (sou_analyzer_tokenize(a, text, len, collect, &sb) != SOU_OK) {
        free(sb.buf);
        return NULL;
    }
    return sb.buf;
}

char *tu_tokens(sou_analyzer *a, const char *text, size_t len)
{
    return render(a, text, len, 1);
}

char *tu_terms(sou_analyzer *a, const char *text, size_t len)
{
    return render(a, text, len, 0);
}
