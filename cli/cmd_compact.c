/* cmd_compact.c: sou compact, rewriting an index compactly. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fputs("Usage: sou [-d DIR] compact\n"
          "Rewrite the index in DIR compactly with Xapian's compaction: an index\n"
          "built document by document typically shrinks by a fifth to a half, and\n"
          "searches read fewer blocks. Bulk indexing (sou index --bulk) writes\n"
          "compact indexes already. Needs free disk for one more copy while it\n"
          "runs; readers open meanwhile see the old copy until they reopen.\n"
          "\n"
          "Options:\n"
          "  -h, --help  show this help and exit\n"
          "\n"
          "Exit status: 0, 1 on failure, 2 on a usage error.\n",
          out);
}

int cmd_compact(cli_global *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    sou_index *index;
    sou_index_stats before, after;
    int c, rc;

    while ((c = cli_getopt(g, "compact", argc, argv, "h", longopts)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return cli_finish(CLI_OK);
        default:
            return cli_usage_hint("compact");
        }
    }
    if (argc - optind != 0)
        return cli_usage_error("compact", "no arguments expected");
    rc = cli_index_open(g, "compact", SOU_INDEX_WRITE, NULL, &index);
    if (rc != CLI_OK)
        return rc;
    if (sou_index_stats_get(index, &before) != SOU_OK || sou_index_compact(index) != SOU_OK ||
        sou_index_stats_get(index, &after) != SOU_OK)
        rc = cli_lib_error();
    else
        fprintf(stderr, "compacted %llu documents: %.1f MiB -> %.1f MiB\n",
                (unsigned long long)after.doc_count, (double)before.size_bytes / 1048576.0,
                (double)after.size_bytes / 1048576.0);
    if (sou_index_close(index) != SOU_OK)
        rc = cli_lib_error();
    return cli_finish(rc);
}
