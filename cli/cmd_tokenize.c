/* cmd_tokenize.c: sou tokenize, the analyzer's view of a text. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fputs("Usage: sou tokenize [OPTIONS] [TEXT...|-]\n"
          "Show the tokens the analyzer makes of TEXT (the arguments joined by\n"
          "spaces), or of standard input when TEXT is '-' or missing.\n"
          "\n"
          "Options:\n"
          "  --cjk MODE     Chinese segmentation: hybrid (default), words or chars\n"
          "  --stem LANG    Snowball stemmer for Latin words (default: english)\n"
          "  --no-stem      do not stem\n"
          "  --fold-hant    fold Traditional Chinese to Simplified\n"
          "  --json         print a JSON array of tokens\n"
          "  -h, --help     show this help and exit\n"
          "\n"
          "Each output line reads 'POS  START-END  KIND  TERM', where START-END\n"
          "is the byte span in the input, followed by '-> STEM' when the stem\n"
          "differs and '+compound' for a dictionary word laid over characters.\n",
          out);
}

typedef struct tok_state {
    json_t *json; /* the array when printing JSON, else NULL */
} tok_state;

/* Returns SOU_ESTOP when out of memory building the JSON array. */
static int on_token(const sou_token *t, void *payload)
{
    tok_state *st = payload;
    const char *kind = sou_token_kind_name(t->kind);
    int stemmed = t->stem_len != t->term_len || memcmp(t->stem, t->term, t->term_len) != 0;

    if (!kind)
        kind = "?";
    if (st->json) {
        json_t *o = json_object();
        if (!o || json_array_append_new(st->json, o) != 0 ||
            json_object_set_new(o, "term", cli_json_text(t->term, t->term_len)) != 0 ||
            json_object_set_new(o, "pos", json_integer(t->position)) != 0 ||
            json_object_set_new(o, "start", json_integer((json_int_t)t->start)) != 0 ||
            json_object_set_new(o, "end", json_integer((json_int_t)t->end)) != 0 ||
            json_object_set_new(o, "kind", json_string(kind)) != 0)
            return SOU_ESTOP;
        if (stemmed && json_object_set_new(o, "stem", cli_json_text(t->stem, t->stem_len)) != 0)
            return SOU_ESTOP;
        if ((t->flags & SOU_TOKEN_COMPOUND) && json_object_set_new(o, "compound", json_true()) != 0)
            return SOU_ESTOP;
        if ((t->flags & SOU_TOKEN_TRUNCATED) &&
            json_object_set_new(o, "truncated", json_true()) != 0)
            return SOU_ESTOP;
        return 0;
    }
    printf("%u  %zu-%zu  %s  ", (unsigned)t->position, t->start, t->end, kind);
    fwrite(t->term, 1, t->term_len, stdout);
    if (stemmed) {
        fputs("  -> ", stdout);
        fwrite(t->stem, 1, t->stem_len, stdout);
    }
    if (t->flags & SOU_TOKEN_COMPOUND)
        fputs("  +compound", stdout);
    if (t->flags & SOU_TOKEN_TRUNCATED)
        fputs("  +truncated", stdout);
    putchar('\n');
    return 0;
}

int cmd_tokenize(cli_global *g, int argc, char **argv)
{
    enum { OPT_CJK = 256, OPT_STEM, OPT_NO_STEM, OPT_FOLD_HANT, OPT_JSON };
    static const struct option longopts[] = {
        { "cjk", required_argument, NULL, OPT_CJK },
        { "stem", required_argument, NULL, OPT_STEM },
        { "no-stem", no_argument, NULL, OPT_NO_STEM },
        { "fold-hant", no_argument, NULL, OPT_FOLD_HANT },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cjk = NULL, *stemmer = NULL;
    int fold_hant = 0, json = 0, c, rc;
    sou_analyzer_options aopts;
    sou_analyzer *an = NULL;
    tok_state st = { NULL };
    char *text;
    size_t len;

    while ((c = cli_getopt(g, "tokenize", argc, argv, "h", longopts)) != -1) {
        switch (c) {
        case OPT_CJK: cjk = optarg; break;
        case OPT_STEM: stemmer = optarg; break;
        case OPT_NO_STEM: stemmer = "none"; break;
        case OPT_FOLD_HANT: fold_hant = 1; break;
        case OPT_JSON: json = 1; break;
        case 'h':
            usage(stdout);
            return cli_finish(CLI_OK);
        default:
            return cli_usage_hint("tokenize");
        }
    }
    if (cli_analyzer_options("tokenize", cjk, stemmer, fold_hant, &aopts) != 0)
        return CLI_USAGE;
    if (optind >= argc || (argc - optind == 1 && strcmp(argv[optind], "-") == 0)) {
        text = cli_read_all(stdin, &len);
        if (!text) {
            cli_warn("cannot read standard input: %s", strerror(errno));
            return CLI_FAIL;
        }
    } else {
        text = cli_join_args(argc - optind, argv + optind, &len);
        if (!text) {
            cli_warn("out of memory");
            return CLI_FAIL;
        }
    }
    if (sou_analyzer_new(&an, &aopts) != SOU_OK) {
        free(text);
        /* An unknown stemmer is the usual cause: a usage error. */
        if (sou_error_last()->code == SOU_EINVAL) {
            cli_lib_error();
            return cli_usage_hint("tokenize");
        }
        return cli_lib_error();
    }
    if (json && !(st.json = json_array()))
        rc = SOU_ESTOP;
    else
        rc = sou_analyzer_tokenize(an, text, len, on_token, &st);
    if (rc == SOU_ESTOP) {
        cli_warn("out of memory");
        rc = CLI_FAIL;
    } else if (rc != SOU_OK) {
        rc = cli_lib_error();
    } else if (st.json) {
        rc = cli_json_print(st.json);
    }
    json_decref(st.json);
    sou_analyzer_free(an);
    free(text);
    return cli_finish(rc);
}
