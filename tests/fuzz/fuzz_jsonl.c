/* fuzz_jsonl.c: the JSON-lines reader of `sou index`, on arbitrary bytes.
 *
 * cmd_index.c is compiled into this target unchanged, so what is fuzzed is
 * the very function the command runs on each line (index_json_line: UTF-8
 * repair, jansson, the line-to-document conversion, sou_index_add). The
 * input is cut into lines as getline(3) cuts a file, each line in a buffer
 * of its own length plus the NUL getline adds, and fed to a writable index
 * in a temporary directory. The batch (a transaction) that the reader
 * opens is cancelled after each input: the index stays small, and what an input allocates it frees, so
 * that libFuzzer's leak check stays quiet unless something leaks. Whatever
 * a line holds, it is indexed or reported and skipped: it never stops the
 * run.
 */
#include "cmd_index.c"

#include <ftw.h>
#include <stdint.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_jsonl: %s:%d: %s\n", __FILE__, __LINE__, #cond);                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static ix_state st;
static char dir[4096];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void close_index(void)
{
    sou_index_close(st.index);
    st.index = NULL;
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void open_index(void)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;

    o.flags = SOU_INDEX_CREATE;
    if (sou_index_open(&st.index, dir, &o) != SOU_OK) {
        fprintf(stderr, "fuzz_jsonl: %s: %s\n", dir, sou_error_last()->message);
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");

    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "%s/sou-fuzz-jsonl-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    memset(&st, 0, sizeof st);
    /* No commit within an input: its batch is dropped at the end. */
    st.commit_every = (size_t)-1;
    open_index();
    atexit(close_index);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl + 1 : end) - p);
        char *line = malloc(n + 1);

        CHECK(line != NULL);
        memcpy(line, p, n);
        line[n] = '\0';
        index_json_line(&st, "fuzz:1", line, n);
        free(line);
        CHECK(!st.failed);
        p += n;
    }
    if (st.in_batch) {
        CHECK(sou_index_cancel(st.index) == SOU_OK);
        st.in_batch = 0;
        st.since_commit = 0;
    }
    return 0;
}
