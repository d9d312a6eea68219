/*
 * example.c: a complete program using libsou. It creates an index in the
 * directory given as its first argument, adds three documents, and runs
 * the queries given as further arguments (or a few of its own).
 *
 *   cc example.c $(pkg-config --cflags --libs sou) -o example
 *   ./example /tmp/example-index 'cloud' '阿里' 'title:shopping'
 */
#include <stdio.h>
#include <string.h>

#include <sou.h>

static int fail(const char *what)
{
    const sou_error *e = sou_error_last();
    fprintf(stderr, "example: %s: %s (%s)\n", what, e->message, sou_strerror(e->code));
    return 1;
}

static int add(sou_index *index, const char *id, const char *title, const char *body,
               double year)
{
    sou_doc *doc = NULL;
    int rc = sou_doc_new(&doc, id, strlen(id));
    if (rc == SOU_OK)
        rc = sou_doc_add_field(doc, "title", title, strlen(title), 0, 0);
    if (rc == SOU_OK)
        rc = sou_doc_add_field(doc, "body", body, strlen(body), 0, 0);
    if (rc == SOU_OK)
        rc = sou_doc_set_value(doc, "year", year);
    if (rc == SOU_OK)
        rc = sou_index_add(index, doc);
    sou_doc_free(doc);
    return rc;
}

static int search(sou_index *index, const char *query)
{
    sou_search_options opts = SOU_SEARCH_OPTIONS_INIT;
    sou_results *res = NULL;

    opts.hl_start = "[";
    opts.hl_end = "]";
    if (sou_index_search(index, query, strlen(query), &opts, &res) != SOU_OK)
        return fail(query);
    printf("%s: %zu of about %llu\n", query, sou_results_count(res),
           (unsigned long long)sou_results_total(res));
    for (size_t i = 0; i < sou_results_count(res); i++) {
        printf("  %zu. %s (%.3f) %s\n     %s\n", sou_results_rank(res, i) + 1,
               sou_results_id(res, i, NULL), sou_results_score(res, i),
               sou_results_field(res, i, "title", NULL), sou_results_snippet(res, i, NULL));
    }
    sou_results_free(res);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *defaults[] = { "cloud", "\xe9\x98\xbf\xe9\x87\x8c", "title:shopping",
                                      "\"online shopping\"" };
    sou_index_options opts = SOU_INDEX_OPTIONS_INIT;
    sou_index *index = NULL;
    int rc = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: example INDEX-DIR [QUERY...]\n");
        return 2;
    }
    printf("libsou %s\n", sou_version());
    opts.flags = SOU_INDEX_CREATE;
    if (sou_index_open(&index, argv[1], &opts) != SOU_OK)
        return fail("open");
    if (add(index, "a1", "Online shopping grows",
            "Shoppers bought more online this year; \xe9\x98\xbf\xe9\x87\x8c\xe5\xb7\xb4"
            "\xe5\xb7\xb4 reported record sales.", 2018) ||
        add(index, "a2", "Cloud computing in Hangzhou",
            "\xe9\x98\xbf\xe9\x87\x8c\xe4\xba\x91 runs a large cloud platform.", 2019) ||
        add(index, "a3", "A quiet garden", "Nothing about shops or clouds here.", 2001) ||
        sou_index_commit(index)) {
        rc = fail("add");
    } else if (argc > 2) {
        for (int i = 2; i < argc && !rc; i++)
            rc = search(index, argv[i]);
    } else {
        for (size_t i = 0; i < sizeof defaults / sizeof defaults[0] && !rc; i++)
            rc = search(index, defaults[i]);
    }
    /* Closing commits what is pending; its failure means those changes are lost. */
    if (sou_index_close(index) != SOU_OK && !rc)
        rc = fail("close");
    return rc;
}
