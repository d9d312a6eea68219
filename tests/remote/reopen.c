/* reopen.c: a reader that keeps a stub of shards open while a server dies.
 * usage: reopen STUB QUERY COMMAND
 * Opens STUB (remote allowed, partial), searches QUERY, runs COMMAND (which
 * stops a server), searches again, reopens, searches once more. Prints one
 * line per step: "STEP rc=CODE hits=N missing=M" and the message on failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sou.h"

static void step(const char *name, int rc, sou_index *index, sou_results *r)
{
    printf("%s rc=%d hits=%zu missing=%zu", name, rc, r ? sou_results_count(r) : 0,
           sou_index_shard_missing(index));
    if (rc)
        printf(" message=%s", sou_error_last()->message);
    putchar('\n');
    fflush(stdout);
}

static void search(const char *name, sou_index *index, const char *q)
{
    sou_results *r = NULL;
    int rc = sou_index_search(index, q, strlen(q), NULL, &r);

    step(name, rc, index, r);
    sou_results_free(r);
}

int main(int argc, char **argv)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_index *index = NULL;
    int rc;

    if (argc != 4) {
        fputs("usage: reopen STUB QUERY COMMAND\n", stderr);
        return 2;
    }
    o.flags = SOU_INDEX_READONLY | SOU_INDEX_ALLOW_REMOTE | SOU_INDEX_PARTIAL;
    if (sou_index_open(&index, argv[1], &o) != SOU_OK) {
        printf("open failed: %s\n", sou_error_last()->message);
        return 1;
    }
    search("before", index, argv[2]);
    if (system(argv[3]) != 0)
        printf("command failed\n");
    search("after", index, argv[2]);
    rc = sou_index_reopen(index);
    step("reopen", rc, index, NULL);
    search("reopened", index, argv[2]);
    sou_index_close(index);
    return 0;
}
