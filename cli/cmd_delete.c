/* cmd_delete.c: sou delete, removing documents by id, by ids in JSON lines,
 * or by the start of their ids. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fputs("Usage: sou [-d DIR] delete [OPTIONS] [--] [ID...]\n"
          "Delete documents from the index and commit, all together or none.\n"
          "\n"
          "Options:\n"
          "  --jsonl FILE   delete the id of each JSON line of FILE ('-': standard\n"
          "                 input), an object with an \"id\" as sou index reads it\n"
          "  --prefix P     delete every document whose id starts with P (such as\n"
          "                 a directory's path and '/'); repeatable\n"
          "  -h, --help     show this help and exit\n"
          "\n"
          "Exit status: 0; 1 when an id is not in the index, a prefix matches no\n"
          "document or a line is bad (the others are deleted); 2 on a usage error.\n",
          out);
}

typedef struct del_state {
    sou_index *index;
    unsigned long long deleted;
    unsigned long long missing; /* ids not found, prefixes matching nothing, bad lines */
    int failed; /* the index failed: nothing is committed */
} del_state;

/* Deletes one id; a missing one is reported and counted. */
static void delete_one(del_state *st, const char *id, size_t len)
{
    int rc;

    if (st->failed)
        return;
    rc = sou_index_delete(st->index, id, len);
    if (rc == SOU_OK) {
        st->deleted++;
    } else if (rc == SOU_ENOTFOUND || rc == SOU_EINVAL) {
        cli_lib_error();
        st->missing++;
    } else {
        cli_lib_error();
        st->failed = 1;
    }
}

typedef struct id_vec {
    char **ids;
    size_t n, cap;
    int oom;
} id_vec;

static int collect(const char *id, size_t len, const double *values, void *payload)
{
    id_vec *v = payload;
    char *copy;

    (void)values;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        char **bigger = realloc(v->ids, cap * sizeof *bigger);
        if (!bigger) {
            v->oom = 1;
            return 1;
        }
        v->ids = bigger;
        v->cap = cap;
    }
    if (!(copy = malloc(len + 1))) {
        v->oom = 1;
        return 1;
    }
    memcpy(copy, id, len + 1);
    v->ids[v->n++] = copy;
    return 0;
}

/* The ids are listed first and deleted after: the index must not change
 * while it lists them. */
static void delete_prefix(del_state *st, const char *prefix)
{
    id_vec v = { NULL, 0, 0, 0 };
    int rc;

    if (st->failed)
        return;
    rc = sou_index_ids(st->index, prefix, strlen(prefix), NULL, 0, collect, &v);
    if (v.oom) {
        cli_warn("out of memory");
        st->failed = 1;
    } else if (rc != SOU_OK) {
        cli_lib_error();
        st->failed = 1;
    } else if (v.n == 0) {
        cli_warn("no document id starts with '%s'", prefix);
        st->missing++;
    }
    for (size_t i = 0; i < v.n; i++) {
        if (!st->failed)
            delete_one(st, v.ids[i], strlen(v.ids[i]));
        free(v.ids[i]);
    }
    free(v.ids);
}

static void delete_jsonl(del_state *st, const char *file)
{
    int is_stdin = strcmp(file, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : file;
    FILE *fp = is_stdin ? stdin : fopen(file, "r");
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;

    if (!fp) {
        cli_warn("%s: cannot open: %s", name, strerror(errno));
        st->missing++;
        return;
    }
    while (!st->failed && (n = getline(&line, &cap, fp)) >= 0) {
        json_error_t err;
        json_t *obj;
        char buf[CLI_ID_BUF];
        const char *id, *why;
        size_t len;
        int oom;

        lineno++;
        if (strspn(line, " \t\r\n") == (size_t)n)
            continue;
        obj = cli_json_parse(line, (size_t)n, 0, &err, &oom);
        if (!obj) {
            cli_warn("%s:%zu: %s", name, lineno, oom ? "out of memory" : err.text);
            st->missing++;
            continue;
        }
        if (!json_is_object(obj))
            cli_warn("%s:%zu: not a JSON object", name, lineno), st->missing++;
        else if (cli_json_id(obj, buf, &id, &len, &why) != 0)
            cli_warn("%s:%zu: %s", name, lineno, why), st->missing++;
        else
            delete_one(st, id, len);
        json_decref(obj);
    }
    if (ferror(fp)) {
        cli_warn("%s: cannot read: %s", name, strerror(errno));
        st->missing++;
    }
    free(line);
    if (!is_stdin)
        fclose(fp);
}

int cmd_delete(cli_global *g, int argc, char **argv)
{
    enum { OPT_JSONL = 256, OPT_PREFIX };
    static const struct option longopts[] = {
        { "jsonl", required_argument, NULL, OPT_JSONL },
        { "prefix", required_argument, NULL, OPT_PREFIX },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    /* Each option's argument, in the order given: 'j' or 'p' and the text. */
    char *kinds = calloc((size_t)argc + 1, 1);
    const char **args = calloc((size_t)argc + 1, sizeof *args);
    size_t nargs = 0, nstdin = 0;
    del_state st = { NULL, 0, 0, 0 };
    int c, rc;

    if (!kinds || !args) {
        free(kinds);
        free(args);
        cli_warn("out of memory");
        return CLI_FAIL;
    }
    while ((c = cli_getopt(g, "delete", argc, argv, "h", longopts)) != -1) {
        switch (c) {
        case OPT_JSONL:
            nstdin += strcmp(optarg, "-") == 0;
            kinds[nargs] = 'j';
            args[nargs++] = optarg;
            break;
        case OPT_PREFIX:
            if (!*optarg) {
                free(kinds);
                free(args);
                return cli_usage_error("delete", "--prefix: empty (to empty the index, "
                                                 "remove its directory)");
            }
            kinds[nargs] = 'p';
            args[nargs++] = optarg;
            break;
        case 'h':
            free(kinds);
            free(args);
            usage(stdout);
            return cli_finish(CLI_OK);
        default:
            free(kinds);
            free(args);
            return cli_usage_hint("delete");
        }
    }
    if (optind >= argc && nargs == 0) {
        free(kinds);
        free(args);
        return cli_usage_error("delete", "no ID: give IDs, --jsonl FILE or --prefix P");
    }
    if (nstdin > 1) {
        free(kinds);
        free(args);
        return cli_usage_error("delete", "standard input can be read only once");
    }
    rc = cli_index_open(g, "delete", SOU_INDEX_WRITE, NULL, &st.index);
    if (rc != CLI_OK) {
        free(kinds);
        free(args);
        return rc;
    }
    /* One transaction: a failure of the index leaves it as it was. */
    if (sou_index_begin(st.index) != SOU_OK) {
        cli_lib_error();
        st.failed = 1;
    }
    for (int i = optind; i < argc && !st.failed; i++)
        delete_one(&st, argv[i], strlen(argv[i]));
    for (size_t i = 0; i < nargs && !st.failed; i++) {
        if (kinds[i] == 'j')
            delete_jsonl(&st, args[i]);
        else
            delete_prefix(&st, args[i]);
    }
    free(kinds);
    free(args);
    if (!st.failed && sou_index_commit(st.index) != SOU_OK) {
        cli_lib_error();
        st.failed = 1;
    }
    /* After a failure this cancels the transaction. */
    if (sou_index_close(st.index) != SOU_OK && !st.failed) {
        /* The deletions were committed; only closing failed. */
        cli_lib_error();
        return cli_finish(CLI_FAIL);
    }
    if (st.failed) {
        cli_warn("nothing deleted: the index keeps its documents");
        return cli_finish(CLI_FAIL);
    }
    if (st.deleted != 1 || st.missing)
        fprintf(stderr, "deleted %llu document%s, %llu failed\n", st.deleted,
                st.deleted == 1 ? "" : "s", st.missing);
    return cli_finish(st.missing ? CLI_FAIL : CLI_OK);
}
