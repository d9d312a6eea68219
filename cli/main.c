/* main.c: the sou command: global options, then one subcommand. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct command {
    const char *name;
    int (*run)(cli_global *g, int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    { "tokenize", cmd_tokenize, "show the tokens the analyzer makes of a text" },
    { "index", cmd_index, "add JSON lines, or keep folders of text files in sync" },
    { "search", cmd_search, "run a query" },
    { "get", cmd_get, "show the stored fields of a document" },
    { "delete", cmd_delete, "delete documents by id or id prefix" },
    { "stats", cmd_stats, "show counts and settings of an index" },
    { "compact", cmd_compact, "rewrite an index compactly" },
};

static void usage(FILE *out)
{
    fputs("Usage: sou [-d DIR] COMMAND [OPTIONS] [ARGS]\n"
          "Full-text search for documents mixing English and Chinese.\n"
          "\n"
          "Options (-d and the shard options may follow COMMAND too):\n"
          "  -d, --db DIR          the index directory (default: $SOU_DB), or a stub\n"
          "                        file listing shards (read-only commands)\n"
          "      --allow-remote    let a stub file list remote shards (remote HOST:PORT)\n"
          "      --partial         answer from the shards that open, warn about the rest\n"
          "      --connect-timeout MS\n"
          "                        wait MS milliseconds for a remote shard (default 2000)\n"
          "  -h, --help            show this help and exit\n"
          "  -V, --version         show the version and exit\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s  %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Run 'sou COMMAND --help' for the options of a command.\n"
          "Exit status: 0 on success, 1 on failure, 2 on a usage error.\n",
          out);
}

/* A word that names no command: the nearest one, if it looks like a slip. */
static int unknown_command(const char *word)
{
    const char *names[sizeof commands / sizeof commands[0]];
    const char *near;

    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        names[i] = commands[i].name;
    near = cli_closest(word, names, sizeof names / sizeof names[0]);
    if (near)
        return cli_usage_error(NULL, "no command '%s'; did you mean '%s'?", word, near);
    return cli_usage_error(NULL, "no command '%s'", word);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    cli_global g = { getenv("SOU_DB"), 0, 0, 0 };
    int c;

    cli_init();
    cli_getopt_reset();
    /* "+": stop at the subcommand, whose options are its own; the global
     * options (-d, --db, ...) come with cli_getopt. */
    while ((c = cli_getopt(&g, NULL, argc, argv, "+hV", longopts)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return cli_finish(CLI_OK);
        case 'V':
            printf("sou %s (libsou %s)\n", SOU_VERSION_STRING, sou_version());
            return cli_finish(CLI_OK);
        default:
            return cli_usage_hint(NULL);
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_USAGE;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[optind], commands[i].name) == 0) {
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            cli_getopt_reset();
            return commands[i].run(&g, sub_argc, sub_argv);
        }
    }
    return unknown_command(argv[optind]);
}
