/* compare.c: a sharded collection answers as one index would.
 * usage: compare SINGLE SHARDED QUERY...
 * Opens SINGLE (an index directory) and SHARDED (a stub of shards, remote
 * ones allowed) read-only and runs each QUERY on both, top 20: the totals,
 * the match level, the ids in order and the scores must agree. Hits whose
 * scores tie may come in another order (ties are broken by document number,
 * which differs between the two), so ids are compared as a set within a run
 * of equal scores. Prints "ok QUERY (N hits)" or "FAIL QUERY: why" per
 * query; exits 1 when any failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sou.h"

#define LIMIT 20

typedef struct hit {
    char id[SOU_ID_MAX + 1];
    double score;
    int level;
} hit;

static int same_score(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const hit *)a)->id, ((const hit *)b)->id);
}

/* Hits of q on index into h (at most LIMIT); the total into *total. */
static int run(sou_index *index, const char *q, hit *h, size_t *n, uint64_t *total)
{
    sou_search_options o = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r = NULL;

    o.limit = LIMIT;
    if (sou_index_search(index, q, strlen(q), &o, &r) != SOU_OK) {
        printf("FAIL %s: %s\n", q, sou_error_last()->message);
        return -1;
    }
    *n = sou_results_count(r);
    *total = sou_results_total(r);
    for (size_t i = 0; i < *n; i++) {
        size_t len;
        const char *id = sou_results_id(r, i, &len);
        snprintf(h[i].id, sizeof h[i].id, "%.*s", (int)len, id);
        h[i].score = sou_results_score(r, i);
        h[i].level = (int)sou_results_level(r, i, NULL, NULL);
    }
    sou_results_free(r);
    return 0;
}

static int compare(sou_index *one, sou_index *many, const char *q)
{
    hit a[LIMIT], b[LIMIT];
    size_t na, nb;
    uint64_t ta, tb;

    if (run(one, q, a, &na, &ta) || run(many, q, b, &nb, &tb))
        return 1;
    if (na != nb || ta != tb) {
        printf("FAIL %s: %zu hits of %llu, sharded %zu of %llu\n", q, na, (unsigned long long)ta,
               nb, (unsigned long long)tb);
        return 1;
    }
    for (size_t i = 0; i < na;) {
        size_t j = i + 1;
        while (j < na && same_score(a[j].score, a[i].score))
            j++;
        for (size_t k = i; k < j; k++)
            if (!same_score(a[k].score, b[k].score) || a[k].level != b[k].level) {
                printf("FAIL %s: hit %zu scores %.17g (level %d), sharded %.17g (level %d)\n", q,
                       k + 1, a[k].score, a[k].level, b[k].score, b[k].level);
                return 1;
            }
        /* A run of ties that the page cuts may end in other ids. */
        if (j == na && na == LIMIT)
            break;
        qsort(a + i, j - i, sizeof *a, by_id);
        qsort(b + i, j - i, sizeof *b, by_id);
        for (size_t k = i; k < j; k++)
            if (strcmp(a[k].id, b[k].id) != 0) {
                printf("FAIL %s: hit %zu is '%s', sharded '%s'\n", q, k + 1, a[k].id, b[k].id);
                return 1;
            }
        i = j;
    }
    printf("ok %s (%zu hits of %llu)\n", q, na, (unsigned long long)ta);
    return 0;
}

int main(int argc, char **argv)
{
    sou_index_options ro = SOU_INDEX_OPTIONS_INIT, rr = SOU_INDEX_OPTIONS_INIT;
    sou_index *one = NULL, *many = NULL;
    int failed = 0;

    if (argc < 4) {
        fprintf(stderr, "usage: compare SINGLE SHARDED QUERY...\n");
        return 2;
    }
    ro.flags = SOU_INDEX_READONLY;
    rr.flags = SOU_INDEX_READONLY | SOU_INDEX_ALLOW_REMOTE;
    if (sou_index_open(&one, argv[1], &ro) != SOU_OK ||
        sou_index_open(&many, argv[2], &rr) != SOU_OK) {
        printf("FAIL open: %s\n", sou_error_last()->message);
        sou_index_close(one);
        return 1;
    }
    for (int i = 3; i < argc; i++)
        failed |= compare(one, many, argv[i]);
    sou_index_close(one);
    sou_index_close(many);
    return failed;
}
