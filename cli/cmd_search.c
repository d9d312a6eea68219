/* cmd_search.c: sou search, a query against an index. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Markers around matches when the output is not a coloured terminal. */
#define PLAIN_HL_START "["
#define PLAIN_HL_END "]"
/* Bold yellow, and the reset. */
#define COLOR_HL_START "\033[1;33m"
#define COLOR_HL_END "\033[0m"
#define COLOR_BOLD "\033[1m"
#define COLOR_RESET "\033[0m"
/* Most --facet options, and values of a facet shown as text (--json has all). */
#define FACETS_MAX 16
#define FACET_TEXT_VALUES 20

static void usage(FILE *out)
{
    fputs("Usage: sou [-d DIR] search [OPTIONS] [--] QUERY...\n"
          "Search the index in DIR. The words of QUERY are joined by spaces.\n"
          "Options come before the query: from its first word on, everything\n"
          "(like -word, which excludes a word) is part of the query; '--' ends\n"
          "the options explicitly.\n"
          "\n"
          "Options:\n"
          "  --json          print one JSON object with every hit\n"
          "  --limit N       show N hits (default 10)\n"
          "  --offset N      skip the first N hits\n"
          "  --or            match any word rather than every word\n"
          "  --strict        every word or nothing: never show documents that\n"
          "                  match fewer words\n"
          "  --exact-total N count matches exactly up to N (default 10000;\n"
          "                  0: a quick estimate)\n"
          "  --sort NAME     order by the value NAME, largest first\n"
          "  --ascending     with --sort: smallest first\n"
          "  --facet NAME    count the matches by each distinct value of NAME\n"
          "                  (repeatable; counts the whole match, however many\n"
          "                  hits are shown)\n"
          "  --field NAME    take snippets from the field NAME (default: body)\n"
          "  --explain       also show how the query was understood, and how many\n"
          "                  documents have each word\n"
          "  -h, --help      show this help and exit\n"
          "\n"
          "Query syntax: words (all must match unless --or); \"exact phrases\";\n"
          "AND, OR, NOT, +word, -word; parentheses; field:word and\n"
          "field:\"a phrase\"; prefix*; NAME:LOW..HIGH, NAME:LOW.., NAME:..HIGH\n"
          "on a value (numbers, or ISO 8601 dates for date values); '*' for every\n"
          "document. Chinese, Japanese and Korean text matches\n"
          "as a substring. English stopwords are left out of queries with other\n"
          "words. When fewer documents match every word than asked for, documents\n"
          "with all the words of a Chinese run apart, then with some of the words\n"
          "follow, marked as such.\n"
          "\n"
          "Each hit shows 'RANK. ID  (SCORE)', its title and a snippet. Matches in\n"
          "the snippet are shown in bold yellow on a terminal, and between\n"
          "'" PLAIN_HL_START "' and '" PLAIN_HL_END "' otherwise or when NO_COLOR is set.\n"
          "Exit status: 0 (also without hits), 1 on failure, 2 on a usage error.\n",
          out);
}

/* Writes len bytes of s on one line: line breaks and tabs become spaces. */
static void put_line(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        putchar(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
    }
}

/* n with a comma every three digits: 10000 as "10,000". */
static void format_count(uint64_t n, char *buf, size_t size)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
    size_t o = 0;

    for (int i = 0; i < len && o + 2 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

/* "12 results", "more than 10,000 results". */
static void print_total(const sou_results *res, const sou_search_options *opts)
{
    uint64_t total = sou_results_total(res);
    char num[32];

    format_count(total, num, sizeof num);
    if (sou_results_total_exact(res))
        printf("%s result%s", num, total == 1 ? "" : "s");
    else if (opts->exact_total == 0)
        printf("about %s results", num); /* an estimate, asked for */
    else
        printf("at least %s results", num); /* counted that far */
}

/* Where relaxed hits begin: say what they have. */
static void print_level_note(const sou_results *res, size_t i)
{
    size_t words;
    sou_match_level lv = sou_results_level(res, i, NULL, &words);
    int none_before = sou_results_level_total(res, SOU_MATCH_EXACT) == 0 &&
                      (lv == SOU_MATCH_ALL_WORDS ||
                       sou_results_level_total(res, SOU_MATCH_ALL_WORDS) == 0);

    if (lv == SOU_MATCH_ALL_WORDS)
        printf("-- %sshowing documents with all the words apart --\n\n",
               none_before ? "no document has the words together; " : "");
    else if (lv == SOU_MATCH_SOME_WORDS)
        printf("-- %sshowing documents with some of the %zu words --\n\n",
               none_before ? "no document has every word; " : "", words);
}

/* Each word with the documents that have it, and "did you mean". */
static void print_words(const sou_results *res)
{
    size_t n = sou_results_word_count(res);

    for (size_t i = 0; i < n; i++) {
        size_t len;
        uint64_t docs;
        const char *sugg;
        const char *w = sou_results_word(res, i, &len, &docs, &sugg);
        fputs("  ", stdout);
        put_line(w, len);
        if (docs == 0)
            fputs(": in no document", stdout);
        else
            printf(": in %llu document%s", (unsigned long long)docs, docs == 1 ? "" : "s");
        if (sugg)
            printf("; did you mean '%s'?", sugg);
        putchar('\n');
    }
    if (sou_results_stopwords(res))
        printf("  (%zu stopword%s left out)\n", sou_results_stopwords(res),
               sou_results_stopwords(res) == 1 ? "" : "s");
}

static int print_human(const sou_results *res, const sou_search_options *opts, int color,
                       const char *explain)
{
    size_t n = sou_results_count(res);
    uint64_t total = sou_results_total(res);
    sou_match_level prev = SOU_MATCH_EXACT;

    if (explain)
        printf("query: %s\n\n", explain);
    for (size_t i = 0; i < n; i++) {
        size_t id_len, title_len, snippet_len, matched;
        const char *id = sou_results_id(res, i, &id_len);
        const char *title = sou_results_field(res, i, "title", &title_len);
        const char *snippet = sou_results_snippet(res, i, &snippet_len);
        sou_match_level lv = sou_results_level(res, i, &matched, NULL);

        if (lv != SOU_MATCH_EXACT && (i == 0 || lv != prev))
            print_level_note(res, i);
        prev = lv;
        printf("%zu. %s", sou_results_rank(res, i) + 1, color ? COLOR_BOLD : "");
        put_line(id, id_len);
        printf("%s  (%.3f)", color ? COLOR_RESET : "", sou_results_score(res, i));
        if (lv == SOU_MATCH_SOME_WORDS) {
            size_t words;
            sou_results_level(res, i, &matched, &words);
            printf("  %zu of %zu words", matched, words);
        }
        putchar('\n');
        if (title) {
            fputs("   ", stdout);
            put_line(title, title_len);
            putchar('\n');
        }
        if (snippet_len) {
            fputs("   ", stdout);
            put_line(snippet, snippet_len);
            putchar('\n');
        }
        putchar('\n');
    }
    if (n > 0) {
        printf("hits %zu-%zu of ", sou_results_rank(res, 0) + 1, sou_results_rank(res, n - 1) + 1);
        print_total(res, opts);
        putchar('\n');
    } else if (total == 0) {
        fputs("no hits\n", stdout);
    } else {
        fputs("no hits shown (", stdout);
        print_total(res, opts);
        fputs(" in all)\n", stdout);
    }
    if (sou_results_word_count(res) > 0) {
        int relaxed = !(opts->flags & SOU_SEARCH_STRICT) && opts->default_op == SOU_OP_AND;
        if (n == 0 && total == 0)
            fputs(relaxed ? "no document matches even some of the words:\n"
                          : "no document matches; the words:\n",
                  stdout);
        else
            fputs("words:\n", stdout);
        print_words(res);
    }
    return CLI_OK;
}

/* The facets as text: each value with its count, the most frequent first. */
static void print_facets(const sou_results *res)
{
    for (size_t f = 0; f < sou_results_facet_count(res); f++) {
        size_t n;
        const char *name = sou_results_facet(res, f, &n);
        printf("facet %s: %zu value%s\n", name, n, n == 1 ? "" : "s");
        for (size_t j = 0; j < n && j < FACET_TEXT_VALUES; j++) {
            double v;
            uint64_t count;
            char buf[32];
            sou_results_facet_value(res, f, j, &v, &count);
            format_count(count, buf, sizeof buf);
            printf("  %.15g: %s\n", v, buf);
        }
        if (n > FACET_TEXT_VALUES)
            printf("  (%zu more; --json lists all)\n", n - FACET_TEXT_VALUES);
    }
}

/* The facets as a JSON member "facets": {NAME: [{"value": V, "count": N}]};
 * nothing without facets. 0, or -1 when out of memory. */
static int facets_json(json_t *root, const sou_results *res)
{
    json_t *all;

    if (sou_results_facet_count(res) == 0)
        return 0;
    if (!(all = json_object()) || json_object_set_new(root, "facets", all) != 0)
        return -1;
    for (size_t f = 0; f < sou_results_facet_count(res); f++) {
        size_t n;
        const char *name = sou_results_facet(res, f, &n);
        json_t *vals = json_array();
        if (!vals || json_object_set_new(all, name, vals) != 0)
            return -1;
        for (size_t j = 0; j < n; j++) {
            double v;
            uint64_t count;
            json_t *o = json_object();
            sou_results_facet_value(res, f, j, &v, &count);
            if (!o || json_array_append_new(vals, o) != 0 ||
                json_object_set_new(o, "value", json_real(v)) != 0 ||
                json_object_set_new(o, "count", json_integer((json_int_t)count)) != 0)
                return -1;
        }
    }
    return 0;
}

static json_t *hit_json(const sou_results *res, size_t i)
{
    static const char *const reserved[] = { "id",    "rank",          "score",       "match",
                                            "title", "matched_words", "query_words", "snippet",
                                            NULL };
    json_t *hit = json_object();
    const char *s;
    size_t len;

    if (!hit)
        return NULL;
    s = sou_results_id(res, i, &len);
    static const char *const levels[] = { "exact", "all_words", "some_words" };
    size_t matched, words;
    sou_match_level lv = sou_results_level(res, i, &matched, &words);

    if (json_object_set_new(hit, "id", cli_json_text(s, len)) != 0 ||
        json_object_set_new(hit, "rank", json_integer((json_int_t)sou_results_rank(res, i) + 1)) !=
            0 ||
        json_object_set_new(hit, "score", json_real(sou_results_score(res, i))) != 0 ||
        json_object_set_new(hit, "match", json_string(levels[lv])) != 0 ||
        (lv == SOU_MATCH_SOME_WORDS &&
         (json_object_set_new(hit, "matched_words", json_integer((json_int_t)matched)) != 0 ||
          json_object_set_new(hit, "query_words", json_integer((json_int_t)words)) != 0)))
        goto fail;
    s = sou_results_field(res, i, "title", &len);
    if (json_object_set_new(hit, "title", s ? cli_json_text(s, len) : json_string("")) != 0)
        goto fail;
    s = sou_results_snippet(res, i, &len);
    if (json_object_set_new(hit, "snippet", cli_json_text(s, len)) != 0)
        goto fail;
    if (cli_json_add_fields(hit, sou_results_doc(res, i), reserved) != 0)
        goto fail;
    return hit;
fail:
    json_decref(hit);
    return NULL;
}

static int print_json(const sou_results *res, const char *query, size_t query_len,
                      const char *explain)
{
    json_t *root = json_object(), *hits = json_array();
    size_t n = sou_results_count(res);
    int rc;

    if (!root || !hits ||
        json_object_set_new(root, "query", cli_json_text(query, query_len)) != 0 ||
        (explain && json_object_set_new(root, "explain", cli_json_text(explain, strlen(explain))) !=
                        0) ||
        json_object_set_new(root, "total", json_integer((json_int_t)sou_results_total(res))) != 0 ||
        json_object_set_new(root, "total_exact", json_boolean(sou_results_total_exact(res))) != 0)
        goto oom;
    if (sou_results_word_count(res) > 0) {
        json_t *words = json_array();
        if (!words || json_object_set_new(root, "words", words) != 0)
            goto oom;
        for (size_t i = 0; i < sou_results_word_count(res); i++) {
            size_t len;
            uint64_t docs;
            const char *sugg;
            const char *w = sou_results_word(res, i, &len, &docs, &sugg);
            json_t *o = json_object();
            if (!o || json_array_append_new(words, o) != 0 ||
                json_object_set_new(o, "word", cli_json_text(w, len)) != 0 ||
                json_object_set_new(o, "docs", json_integer((json_int_t)docs)) != 0 ||
                json_object_set_new(o, "suggestion", sugg ? json_string(sugg) : json_null()) != 0)
                goto oom;
        }
    }
    if (facets_json(root, res) != 0)
        goto oom;
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(hits, hit_json(res, i)) != 0)
            goto oom;
    rc = json_object_set_new(root, "hits", hits);
    hits = NULL;
    if (rc != 0)
        goto oom;
    rc = cli_json_print(root);
    json_decref(root);
    return rc;
oom:
    json_decref(hits);
    json_decref(root);
    cli_warn("out of memory");
    return CLI_FAIL;
}

/* The long option that word spells ("--json", "--limit=5"), or NULL. */
static const char *option_named(const struct option *opts, const char *word)
{
    if (strncmp(word, "--", 2) != 0)
        return NULL;
    for (; opts->name; opts++) {
        size_t n = strlen(opts->name);
        if (strncmp(word + 2, opts->name, n) == 0 && (word[2 + n] == '\0' || word[2 + n] == '='))
            return opts->name;
    }
    return NULL;
}

int cmd_search(const cli_global *g, int argc, char **argv)
{
    enum {
        OPT_JSON = 256, OPT_LIMIT, OPT_OFFSET, OPT_OR, OPT_SORT, OPT_ASC, OPT_FIELD, OPT_EXPLAIN,
        OPT_STRICT, OPT_EXACT_TOTAL, OPT_FACET
    };
    static const struct option longopts[] = {
        { "json", no_argument, NULL, OPT_JSON },
        { "limit", required_argument, NULL, OPT_LIMIT },
        { "offset", required_argument, NULL, OPT_OFFSET },
        { "or", no_argument, NULL, OPT_OR },
        { "sort", required_argument, NULL, OPT_SORT },
        { "ascending", no_argument, NULL, OPT_ASC },
        { "field", required_argument, NULL, OPT_FIELD },
        { "explain", no_argument, NULL, OPT_EXPLAIN },
        { "strict", no_argument, NULL, OPT_STRICT },
        { "exact-total", required_argument, NULL, OPT_EXACT_TOTAL },
        { "facet", required_argument, NULL, OPT_FACET },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    sou_search_options opts;
    const char *facets[FACETS_MAX];
    int json = 0, explain = 0, color, c, rc;
    sou_index *index = NULL;
    sou_results *res = NULL;
    char *query, *explained = NULL;
    const char *no_color;
    size_t query_len;

    sou_search_options_init(&opts, SOU_SEARCH_OPTIONS_VERSION);
    /* "+": the first query word ends the options, so "-word" needs no "--". */
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON: json = 1; break;
        case OPT_LIMIT:
            if (cli_parse_size(optarg, &opts.limit) != 0)
                return cli_usage_error("search", "--limit: not a number: '%s'", optarg);
            break;
        case OPT_OFFSET:
            if (cli_parse_size(optarg, &opts.offset) != 0)
                return cli_usage_error("search", "--offset: not a number: '%s'", optarg);
            break;
        case OPT_OR: opts.default_op = SOU_OP_OR; break;
        case OPT_SORT: opts.sort_by = optarg; break;
        case OPT_ASC: opts.flags |= SOU_SEARCH_SORT_ASCENDING; break;
        case OPT_FIELD: opts.snippet_field = optarg; break;
        case OPT_EXPLAIN:
            explain = 1;
            opts.flags |= SOU_SEARCH_EXPLAIN;
            break;
        case OPT_STRICT: opts.flags |= SOU_SEARCH_STRICT; break;
        case OPT_EXACT_TOTAL: {
            size_t n;
            if (cli_parse_size(optarg, &n) != 0)
                return cli_usage_error("search", "--exact-total: not a number: '%s'", optarg);
            opts.exact_total = n;
            break;
        }
        case OPT_FACET:
            if (opts.nfacets == FACETS_MAX)
                return cli_usage_error("search", "--facet: at most %d", FACETS_MAX);
            facets[opts.nfacets++] = optarg;
            opts.facets = facets;
            break;
        case 'h':
            usage(stdout);
            return cli_finish(CLI_OK);
        default:
            return cli_usage_hint("search");
        }
    }
    if (optind >= argc)
        return cli_usage_error("search", "no query");
    /* "sou search river --json" would search for "--json": say so, unless
     * "--" showed that the query is meant as written. */
    if (strcmp(argv[optind - 1], "--") != 0) {
        for (int i = optind; i < argc; i++) {
            const char *opt = option_named(longopts, argv[i]);
            if (opt)
                return cli_usage_error("search",
                                       "option '--%s' after the query: put options first, "
                                       "or '--' before a query that holds it",
                                       opt);
        }
    }
    no_color = getenv("NO_COLOR");
    color = !json && isatty(STDOUT_FILENO) && !(no_color && *no_color);
    opts.hl_start = color ? COLOR_HL_START : PLAIN_HL_START;
    opts.hl_end = color ? COLOR_HL_END : PLAIN_HL_END;
    query = cli_join_args(argc - optind, argv + optind, &query_len);
    if (!query) {
        cli_warn("out of memory");
        return CLI_FAIL;
    }
    rc = cli_index_open(g, "search", SOU_INDEX_READONLY, NULL, &index);
    if (rc != CLI_OK) {
        free(query);
        return rc;
    }
    if (explain && sou_index_explain(index, query, query_len, &opts, &explained) != SOU_OK)
        rc = cli_lib_error();
    else if (sou_index_search(index, query, query_len, &opts, &res) != SOU_OK)
        rc = cli_lib_error();
    else if (json)
        rc = print_json(res, query, query_len, explained);
    else if ((rc = print_human(res, &opts, color, explained)) == CLI_OK)
        print_facets(res);
    sou_results_free(res);
    sou_free(explained);
    sou_index_close(index);
    free(query);
    return cli_finish(rc);
}
