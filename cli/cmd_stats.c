/* cmd_stats.c: sou stats, counts and settings of an index. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static void usage(FILE *out)
{
    fputs("Usage: sou [-d DIR] stats [--json]\n"
          "Show the number of documents, distinct terms, total length (positional\n"
          "terms over all documents), size on disk, the analyzer settings the\n"
          "index was created with, the ICU version it was built with, and the\n"
          "shards it joins, with those left out (--partial).\n"
          "\n"
          "Options:\n"
          "  --json      print a JSON object\n"
          "  -h, --help  show this help and exit\n",
          out);
}

static const char *cjk_name(sou_cjk_mode mode)
{
    const char *name = sou_cjk_mode_name(mode);
    return name ? name : "unknown";
}

static int print_json(sou_index *index, const sou_index_stats *s)
{
    json_t *root = json_object(), *an = json_object(), *missing = json_array();
    int rc;

    for (size_t i = 0; missing && i < sou_index_shard_count(index); i++)
        if (sou_index_shard_status(index, i, NULL) != SOU_OK &&
            json_array_append_new(missing, json_string(sou_index_shard_name(index, i))) != 0) {
            json_decref(missing);
            missing = NULL;
        }
    if (!root || !an || !missing ||
        json_object_set_new(root, "shards", json_integer((json_int_t)sou_index_shard_count(index))) !=
            0 ||
        json_object_set(root, "shards_missing", missing) != 0 ||
        json_object_set_new(root, "documents", json_integer((json_int_t)s->doc_count)) != 0 ||
        json_object_set_new(root, "terms", json_integer((json_int_t)s->term_count)) != 0 ||
        json_object_set_new(root, "total_length", json_integer((json_int_t)s->total_length)) != 0 ||
        json_object_set_new(root, "size_bytes", json_integer((json_int_t)s->size_bytes)) != 0 ||
        json_object_set_new(an, "cjk", json_string(cjk_name(s->analyzer.cjk))) != 0 ||
        json_object_set_new(an, "stemmer",
                            json_string(s->analyzer.stemmer ? s->analyzer.stemmer : "english")) !=
            0 ||
        json_object_set_new(an, "fold_hant", json_boolean(s->analyzer.fold_hant)) != 0 ||
        json_object_set(root, "analyzer", an) != 0 ||
        json_object_set_new(root, "icu_version",
                            s->icu_version ? json_string(s->icu_version) : json_null()) != 0 ||
        json_object_set_new(root, "sou_version", json_string(sou_version())) != 0) {
        json_decref(an);
        json_decref(missing);
        json_decref(root);
        cli_warn("out of memory");
        return CLI_FAIL;
    }
    json_decref(an);
    json_decref(missing);
    rc = cli_json_print(root);
    json_decref(root);
    return rc;
}

static int print_human(sou_index *index, const sou_index_stats *s)
{
    static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
    double size = (double)s->size_bytes;
    size_t u = 0;

    while (size >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
        size /= 1024;
        u++;
    }
    printf("documents:     %llu\n", (unsigned long long)s->doc_count);
    printf("terms:         %llu\n", (unsigned long long)s->term_count);
    printf("total length:  %llu\n", (unsigned long long)s->total_length);
    if (u == 0)
        printf("size on disk:  %llu bytes\n", (unsigned long long)s->size_bytes);
    else
        printf("size on disk:  %.1f %s (%llu bytes)\n", size, units[u],
               (unsigned long long)s->size_bytes);
    printf("cjk mode:      %s\n", cjk_name(s->analyzer.cjk));
    printf("stemmer:       %s\n", s->analyzer.stemmer ? s->analyzer.stemmer : "english");
    printf("fold hant:     %s\n", s->analyzer.fold_hant ? "yes" : "no");
    printf("icu version:   %s\n", s->icu_version ? s->icu_version : "unknown");
    printf("shards:        %zu", sou_index_shard_count(index));
    if (sou_index_shard_missing(index))
        printf(" (%zu missing)", sou_index_shard_missing(index));
    putchar('\n');
    for (size_t i = 0; i < sou_index_shard_count(index); i++)
        if (sou_index_shard_status(index, i, NULL) != SOU_OK)
            printf("missing shard: %s\n", sou_index_shard_name(index, i));
    return CLI_OK;
}

int cmd_stats(cli_global *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int json = 0, c, rc;
    sou_index *index;
    sou_index_stats stats;

    while ((c = cli_getopt(g, "stats", argc, argv, "h", longopts)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'h':
            usage(stdout);
            return cli_finish(CLI_OK);
        default:
            return cli_usage_hint("stats");
        }
    }
    if (optind < argc)
        return cli_usage_error("stats", "unexpected argument '%s'", argv[optind]);
    rc = cli_index_open(g, "stats", SOU_INDEX_READONLY, NULL, &index);
    if (rc != CLI_OK)
        return rc;
    if (sou_index_stats_get(index, &stats) != SOU_OK)
        rc = cli_lib_error();
    else
        rc = json ? print_json(index, &stats) : print_human(index, &stats);
    sou_index_close(index);
    return cli_finish(rc);
}
