/* fuzz_stub.c: sou's stub-file parser on arbitrary bytes.
 *
 * The first byte gives the open flags (every combination of the opt-ins
 * is reached); the rest is the stub text, parsed against a base directory
 * of its own. Whatever the text, the parser returns SOU_OK or a negative
 * code with a message, and sou__shards_clear releases what it filled,
 * failed or not.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sou.h"
#include "stub.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_stub: %s:%d: %s\n", __FILE__, __LINE__, #cond);                  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static char dir[4096];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");

    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "%s/sou-fuzz-stub-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sou__shards shards;
    int rc;

    if (size == 0)
        return 0;
    memset(&shards, 0, sizeof shards);
    rc = sou__stub_parse((const char *)data + 1, size - 1, dir, data[0], &shards);
    CHECK(rc <= 0);
    if (rc != SOU_OK)
        CHECK(sou_error_last()->code == rc && sou_error_last()->message[0] != '\0');
    sou__shards_clear(&shards);
    return 0;
}
