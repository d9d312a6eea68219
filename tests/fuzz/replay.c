/* replay.c: runs a fuzz target once over files and directories of inputs,
 * without libFuzzer, so that every build replays the seed corpus and the
 * inputs that once failed. usage: fuzz_NAME PATH... */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (!f) {
        perror(path);
        return -1;
    }
    do {
        if (len == cap) {
            uint8_t *grown = realloc(buf, cap ? 2 * cap : 4096);
            if (!grown) {
                fclose(f);
                free(buf);
                return -1;
            }
            buf = grown;
            cap = cap ? 2 * cap : 4096;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    /* An input of exactly its size, as libFuzzer gives it. */
    {
        uint8_t *exact = malloc(len ? len : 1);
        if (!exact) {
            free(buf);
            return -1;
        }
        memcpy(exact, buf, len);
        free(buf);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dot(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

int main(int argc, char **argv)
{
    unsigned ran = 0;

    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        struct dirent **names;
        int n;

        if (stat(argv[i], &sb) != 0)
            continue; /* a target without regression inputs yet */
        if (!S_ISDIR(sb.st_mode)) {
            if (run_file(argv[i]) != 0)
                return 1;
            ran++;
            continue;
        }
        n = scandir(argv[i], &names, not_dot, by_name);
        if (n < 0) {
            perror(argv[i]);
            return 1;
        }
        for (int j = 0; j < n; j++) {
            size_t len = strlen(argv[i]) + strlen(names[j]->d_name) + 2;
            char *path = malloc(len);
            int rc = -1;
            if (path) {
                snprintf(path, len, "%s/%s", argv[i], names[j]->d_name);
                rc = run_file(path);
                free(path);
            }
            free(names[j]);
            if (rc != 0) {
                for (int k = j + 1; k < n; k++)
                    free(names[k]);
                free(names);
                return 1;
            }
            ran++;
        }
        free(names);
    }
    printf("%u inputs replayed\n", ran);
    return ran ? 0 : 1;
}
