/* cmd_get.c: sou get, the stored fields of one document. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fputs("Usage: sou [-d DIR] get [--json] [--] ID\n"
          "Show the stored fields of the document ID, one 'NAME: TEXT' per field\n"
          "after 'id: ID', in the order they were added.\n"
          "\n"
          "Options:\n"
          "  --json      print a JSON object: \"id\" and the fields (a field stored\n"
          "              more than once becomes an array)\n"
          "  -h, --help  show this help and exit\n"
          "\n"
          "Exit status: 0, 1 when there is no such document, 2 on a usage error.\n",
          out);
}

static int print_json(const sou_doc *doc)
{
    static const char *const reserved[] = { "id", NULL };
    json_t *obj = json_object();
    size_t len;
    const char *id = sou_doc_id(doc, &len);
    int rc;

    if (!obj || json_object_set_new(obj, "id", cli_json_text(id, len)) != 0 ||
        cli_json_add_fields(obj, doc, reserved) != 0) {
        json_decref(obj);
        cli_warn("out of memory");
        return CLI_FAIL;
    }
    rc = cli_json_print(obj);
    json_decref(obj);
    return rc;
}

static int print_human(const sou_doc *doc)
{
    size_t count = sou_doc_field_count(doc), len;
    const char *id = sou_doc_id(doc, &len);

    fputs("id: ", stdout);
    fwrite(id, 1, len, stdout);
    putchar('\n');
    for (size_t i = 0; i < count; i++) {
        const char *name, *text;
        if (sou_doc_field_at(doc, i, &name, &text, &len) != SOU_OK)
            continue;
        printf("%s: ", name);
        fwrite(text, 1, len, stdout);
        putchar('\n');
    }
    count = sou_doc_value_count(doc);
    for (size_t i = 0; i < count; i++) {
        const char *name;
        double v;
        if (sou_doc_value_at(doc, i, &name, &v) == SOU_OK)
            printf("%s = %.17g\n", name, v);
    }
    return CLI_OK;
}

int cmd_get(cli_global *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int json = 0, c, rc;
    sou_index *index;
    sou_doc *doc = NULL;

    while ((c = cli_getopt(g, "get", argc, argv, "h", longopts)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'h':
            usage(stdout);
            return cli_finish(CLI_OK);
        default:
            return cli_usage_hint("get");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("get", argc - optind ? "give exactly one ID" : "no ID");
    rc = cli_index_open(g, "get", SOU_INDEX_READONLY, NULL, &index);
    if (rc != CLI_OK)
        return rc;
    if (sou_index_get(index, argv[optind], strlen(argv[optind]), &doc) != SOU_OK)
        rc = cli_lib_error();
    else
        rc = json ? print_json(doc) : print_human(doc);
    sou_doc_free(doc);
    sou_index_close(index);
    return cli_finish(rc);
}
