/* cmd_delete.c: sou delete, removing one document. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fputs("Usage: sou [-d DIR] delete [--] ID\n"
          "Delete the document ID from the index and commit.\n"
          "\n"
          "Options:\n"
          "  -h, --help  show this help and exit\n"
          "\n"
          "Exit status: 0, 1 when there is no such document, 2 on a usage error.\n",
          out);
}

int cmd_delete(cli_global *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    sou_index *index;
    int c, rc;

    while ((c = cli_getopt(g, "delete", argc, argv, "h", longopts)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return cli_finish(CLI_OK);
        default:
            return cli_usage_hint("delete");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("delete", argc - optind ? "give exactly one ID" : "no ID");
    rc = cli_index_open(g, "delete", SOU_INDEX_WRITE, NULL, &index);
    if (rc != CLI_OK)
        return rc;
    if (sou_index_delete(index, argv[optind], strlen(argv[optind])) != SOU_OK ||
        sou_index_commit(index) != SOU_OK)
        rc = cli_lib_error();
    if (sou_index_close(index) != SOU_OK)
        rc = cli_lib_error();
    return cli_finish(rc);
}
