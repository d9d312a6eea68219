/* tokenize.c: sou-bench tokenize, analyzer throughput beside ICU and Xapian. */
#define _POSIX_C_SOURCE 200809L

#include "bench.h"
#include "peers_xapian.h"

#include <jansson.h>
#include <sou.h>
#include <unicode/ubrk.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASSES_DEFAULT 7
#define PASSES_MIN 5

static const char *const all_texts[] = { "en", "zh", "zh-hant", "mixed" };
#define N_TEXTS (sizeof all_texts / sizeof all_texts[0])

/* ---------------------------------------------------------------- systems */

/* One system under measurement. run() handles one document and adds the
 * tokens it made to *tokens. When counting would add work of its own (Xapian
 * has to walk the document's term list), run() does not count and count()
 * does it in an untimed pass after the timed ones. */
typedef struct system_ops {
    const char *name;
    int (*open)(void **state, const char *name);
    int (*run)(void *state, const char *text, size_t len, uint64_t *tokens);
    int (*count)(void *state, const char *text, size_t len, uint64_t *tokens);
    void (*close)(void *state);
} system_ops;

/* icu-raw: the ICU word iterator alone, reading the UTF-8 in place.
 * icu-utf16: the same over a UTF-16 copy made per document (conversion
 * timed), the other way to feed ICU, which the analyzer takes. */
typedef struct icu_state {
    UBreakIterator *bi;
    UText ut;
    UChar *u16;
    int32_t u16_cap;
} icu_state;

static int icu_open(void **state, const char *name)
{
    (void)name;
    UErrorCode err = U_ZERO_ERROR;
    icu_state *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    UText init = UTEXT_INITIALIZER;
    s->ut = init;
    s->bi = ubrk_open(UBRK_WORD, "", NULL, 0, &err);
    if (U_FAILURE(err)) {
        fprintf(stderr, "sou-bench: ubrk_open: %s\n", u_errorName(err));
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

/* Boundaries after a word (a rule status other than "none"). */
static uint64_t count_words(UBreakIterator *bi)
{
    uint64_t n = 0;
    ubrk_first(bi);
    while (ubrk_next(bi) != UBRK_DONE) {
        if (ubrk_getRuleStatus(bi) >= UBRK_WORD_NONE_LIMIT)
            n++;
    }
    return n;
}

static int icu_run(void *state, const char *text, size_t len, uint64_t *tokens)
{
    icu_state *s = state;
    UErrorCode err = U_ZERO_ERROR;
    utext_openUTF8(&s->ut, text, (int64_t)len, &err);
    ubrk_setUText(s->bi, &s->ut, &err);
    if (U_FAILURE(err)) {
        fprintf(stderr, "sou-bench: icu: %s\n", u_errorName(err));
        return -1;
    }
    *tokens += count_words(s->bi);
    return 0;
}

static int icu16_run(void *state, const char *text, size_t len, uint64_t *tokens)
{
    icu_state *s = state;
    UErrorCode err = U_ZERO_ERROR;
    int32_t n16 = 0;

    if (len >= INT32_MAX)
        return -1;
    if (s->u16_cap < (int32_t)len + 1) {
        UChar *p = realloc(s->u16, (len + 1) * sizeof *p);
        if (!p)
            return -1;
        s->u16 = p;
        s->u16_cap = (int32_t)len + 1;
    }
    u_strFromUTF8WithSub(s->u16, s->u16_cap, &n16, text, (int32_t)len, 0xFFFD, NULL, &err);
    ubrk_setText(s->bi, s->u16, n16, &err);
    if (U_FAILURE(err)) {
        fprintf(stderr, "sou-bench: icu: %s\n", u_errorName(err));
        return -1;
    }
    *tokens += count_words(s->bi);
    return 0;
}

static void icu_close(void *state)
{
    icu_state *s = state;
    ubrk_close(s->bi);
    utext_close(&s->ut);
    free(s->u16);
    free(s);
}

/* sou rows: the public analyzer with one option set per row. */
static int sou_open(void **state, const char *name)
{
    sou_analyzer_options opts = SOU_ANALYZER_OPTIONS_INIT;
    if (strcmp(name, "sou-words") == 0)
        opts.cjk = SOU_CJK_WORDS;
    else if (strcmp(name, "sou-chars") == 0)
        opts.cjk = SOU_CJK_CHARS;
    else if (strcmp(name, "sou-nostem") == 0)
        opts.stemmer = "none";
    else if (strcmp(name, "sou-fold-hant") == 0)
        opts.fold_hant = 1;
    sou_analyzer *a;
    if (sou_analyzer_new(&a, &opts) != SOU_OK) {
        fprintf(stderr, "sou-bench: %s: %s\n", name, sou_error_last()->message);
        return -1;
    }
    *state = a;
    return 0;
}

static int sou_count_token(const sou_token *token, void *payload)
{
    (void)token;
    (*(uint64_t *)payload)++;
    return 0;
}

static int sou_run(void *state, const char *text, size_t len, uint64_t *tokens)
{
    int rc = sou_analyzer_tokenize(state, text, len, sou_count_token, tokens);
    if (rc != SOU_OK) {
        fprintf(stderr, "sou-bench: sou_analyzer_tokenize: %s\n", sou_error_last()->message);
        return -1;
    }
    return 0;
}

static void sou_close(void *state)
{
    sou_analyzer_free(state);
}

/* Xapian rows: TermGenerator building a fresh document per line. */
static int xapian_open(void **state, const char *name)
{
    peer_xapian_tg *tg;
    if (peer_xapian_tg_new(&tg, strcmp(name, "xapian-termgen-ngram") == 0) != 0) {
        fprintf(stderr, "sou-bench: %s: %s\n", name, peer_xapian_error());
        return -1;
    }
    *state = tg;
    return 0;
}

static int xapian_run(void *state, const char *text, size_t len, uint64_t *tokens)
{
    (void)tokens;
    if (peer_xapian_tg_index(state, text, len) != 0) {
        fprintf(stderr, "sou-bench: xapian: %s\n", peer_xapian_error());
        return -1;
    }
    return 0;
}

static int xapian_count(void *state, const char *text, size_t len, uint64_t *tokens)
{
    uint64_t n;
    if (peer_xapian_tg_count(state, text, len, &n) != 0) {
        fprintf(stderr, "sou-bench: xapian: %s\n", peer_xapian_error());
        return -1;
    }
    *tokens += n;
    return 0;
}

static void xapian_close(void *state)
{
    peer_xapian_tg_free(state);
}

static const system_ops all_systems[] = {
    { "icu-raw", icu_open, icu_run, NULL, icu_close },
    { "icu-utf16", icu_open, icu16_run, NULL, icu_close },
    { "sou-default", sou_open, sou_run, NULL, sou_close },
    { "sou-words", sou_open, sou_run, NULL, sou_close },
    { "sou-chars", sou_open, sou_run, NULL, sou_close },
    { "sou-nostem", sou_open, sou_run, NULL, sou_close },
    { "sou-fold-hant", sou_open, sou_run, NULL, sou_close },
    { "xapian-termgen", xapian_open, xapian_run, xapian_count, xapian_close },
    { "xapian-termgen-ngram", xapian_open, xapian_run, xapian_count, xapian_close },
};
#define N_SYSTEMS (sizeof all_systems / sizeof all_systems[0])

/* ------------------------------------------------------------ measuring */

typedef struct row {
    const char *system;
    const char *text;
    double mb_s, mb_s_min, mb_s_max;
    double tokens_s;
    uint64_t tokens; /* per pass */
    double ratio_icu, ratio_ngram; /* negative: reference not measured */
} row;

/* One pass over every document of the class. @return seconds, or -1. */
static double pass_run(const system_ops *sys, void *state, const bench_text *t, uint64_t *tokens)
{
    uint64_t n = 0;
    double t0 = bench_now();
    for (size_t i = 0; i < t->count; i++) {
        if (sys->run(state, bench_text_doc(t, i), t->len[i], &n) != 0)
            return -1;
    }
    double dt = bench_now() - t0;
    *tokens = n;
    return dt;
}

/* A system being measured on one class. */
typedef struct trial {
    const system_ops *sys;
    void *state;
    double *secs; /* one per timed pass */
    uint64_t tokens;
    int failed;
} trial;

static void trial_finish(trial *tr, const bench_text *t, unsigned passes, row *out)
{
    if (!tr->failed && tr->sys->count) {
        tr->tokens = 0;
        for (size_t i = 0; i < t->count && !tr->failed; i++)
            tr->failed = tr->sys->count(tr->state, bench_text_doc(t, i), t->len[i],
                                        &tr->tokens) != 0;
    }
    if (tr->failed)
        return;
    double mb = (double)t->bytes / 1e6;
    double slowest = tr->secs[0], fastest = tr->secs[0];
    for (unsigned p = 1; p < passes; p++) {
        if (tr->secs[p] > slowest)
            slowest = tr->secs[p];
        if (tr->secs[p] < fastest)
            fastest = tr->secs[p];
    }
    double median = bench_median(tr->secs, passes);
    out->system = tr->sys->name;
    out->text = t->name;
    out->mb_s = mb / median;
    out->mb_s_min = mb / slowest;
    out->mb_s_max = mb / fastest;
    out->tokens = tr->tokens;
    out->tokens_s = (double)tr->tokens / median;
    out->ratio_icu = out->ratio_ngram = -1;
}

/* Measures the selected systems on one class. The passes go round the
 * systems (pass 1 of each, then pass 2 of each, ...) so that a slow spell
 * of a shared machine spreads over all rows instead of spoiling one.
 * @return the rows filled, failed systems left out. */
static size_t class_measure(const bench_text *t, const char *system_list, unsigned passes,
                            row *rows)
{
    trial trials[N_SYSTEMS];
    size_t n = 0;
    for (size_t si = 0; si < N_SYSTEMS; si++) {
        if (!bench_list_has(system_list, all_systems[si].name))
            continue;
        trial *tr = &trials[n];
        memset(tr, 0, sizeof *tr);
        tr->sys = &all_systems[si];
        tr->secs = malloc(passes * sizeof *tr->secs);
        if (!tr->secs || tr->sys->open(&tr->state, tr->sys->name) != 0) {
            fprintf(stderr, "sou-bench: %s cannot start; row skipped\n", tr->sys->name);
            free(tr->secs);
            continue;
        }
        n++;
    }
    /* p == 0 is the warm-up pass. */
    for (unsigned p = 0; p <= passes; p++) {
        for (size_t i = 0; i < n; i++) {
            trial *tr = &trials[i];
            if (tr->failed)
                continue;
            double dt = pass_run(tr->sys, tr->state, t, &tr->tokens);
            if (dt < 0)
                tr->failed = 1;
            else if (p > 0)
                tr->secs[p - 1] = dt;
        }
    }
    size_t n_rows = 0;
    for (size_t i = 0; i < n; i++) {
        trial *tr = &trials[i];
        trial_finish(tr, t, passes, &rows[n_rows]);
        if (tr->failed)
            fprintf(stderr, "sou-bench: %s on %s failed; row skipped\n", tr->sys->name,
                    t->name);
        else
            n_rows++;
        tr->sys->close(tr->state);
        free(tr->secs);
    }
    return n_rows;
}

static void ratios_fill(row *rows, size_t n)
{
    double icu = -1, ngram = -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].system, "icu-raw") == 0)
            icu = rows[i].mb_s;
        else if (strcmp(rows[i].system, "xapian-termgen-ngram") == 0)
            ngram = rows[i].mb_s;
    }
    for (size_t i = 0; i < n; i++) {
        rows[i].ratio_icu = icu > 0 ? rows[i].mb_s / icu : -1;
        rows[i].ratio_ngram = ngram > 0 ? rows[i].mb_s / ngram : -1;
    }
}

/* -------------------------------------------------------------- output */

static void ratio_print(double r)
{
    if (r < 0)
        printf(" %9s", "-");
    else
        printf(" %9.2f", r);
}

static void table_head(void)
{
    printf("%-8s %-21s %8s %8s %8s %10s %9s %9s\n", "text", "system", "MB/s", "min",
           "max", "Mtok/s", "/icu-raw", "/xap-ngr");
}

static void table_rows(const row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        printf("%-8s %-21s %8.2f %8.2f %8.2f %10.3f", r->text, r->system, r->mb_s,
               r->mb_s_min, r->mb_s_max, r->tokens_s / 1e6);
        ratio_print(r->ratio_icu);
        ratio_print(r->ratio_ngram);
        putchar('\n');
    }
    fflush(stdout);
}

static json_t *ratio_json(double r)
{
    return r < 0 ? json_null() : json_real(r);
}

static int json_print(const row *rows, size_t n, const char *cpu, int cpus, const char *icu,
                      unsigned passes, const bench_text *texts, size_t n_texts)
{
    json_t *root = json_object();
    json_t *results = json_array();
    json_t *corpus = json_array();
    if (!root || !results || !corpus) {
        json_decref(root);
        json_decref(results);
        json_decref(corpus);
        return -1;
    }
    json_object_set_new(root, "cpu", json_string(cpu));
    json_object_set_new(root, "cpus", json_integer(cpus));
    json_object_set_new(root, "icu", json_string(icu));
    json_object_set_new(root, "xapian", json_string(peer_xapian_version()));
    json_object_set_new(root, "sou", json_string(sou_version()));
    json_object_set_new(root, "passes", json_integer(passes));
    for (size_t i = 0; i < n_texts; i++) {
        json_array_append_new(corpus,
                              json_pack("{s:s, s:I, s:I, s:s}", "text", texts[i].name, "docs",
                                        (json_int_t)texts[i].count, "bytes",
                                        (json_int_t)texts[i].bytes, "files", texts[i].files));
    }
    json_object_set_new(root, "corpus", corpus);
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        json_t *o = json_pack("{s:s, s:s, s:f, s:f, s:f, s:f, s:I, s:o, s:o}", "system",
                              r->system, "text", r->text, "mb_s", r->mb_s, "mb_s_min",
                              r->mb_s_min, "mb_s_max", r->mb_s_max, "tokens_s", r->tokens_s,
                              "tokens", (json_int_t)r->tokens, "ratio_icu_raw",
                              ratio_json(r->ratio_icu), "ratio_xapian_ngram",
                              ratio_json(r->ratio_ngram));
        if (!o || json_array_append_new(results, o) != 0) {
            json_decref(results);
            json_decref(root);
            return -1;
        }
    }
    json_object_set_new(root, "results", results);
    return bench_json_print(root);
}

/* ---------------------------------------------------------------- main */

static void tokenize_usage(FILE *out)
{
    fputs("usage: sou-bench tokenize [--corpus DIR] [--passes N] [--json]\n"
          "                          [--text CLASS,...] [--system NAME,...]\n"
          "\n"
          "Tokenizer throughput: MB/s of UTF-8 input (median, min, max over the\n"
          "timed passes, after one warm-up pass) and tokens/s, per text class and\n"
          "system. Every non-empty line of the corpus is a document.\n"
          "\n"
          "  --corpus DIR   the corpus (default ../shared/corpus)\n"
          "  --passes N     timed passes, at least 5 (default 7)\n"
          "  --json         print JSON instead of a table\n"
          "  --text LIST    en, zh, zh-hant, mixed (default all)\n"
          "  --system LIST  icu-raw, icu-utf16, sou-default, sou-words, sou-chars, sou-nostem,\n"
          "                 sou-fold-hant, xapian-termgen, xapian-termgen-ngram\n"
          "                 (default all)\n",
          out);
}

static const char *text_name_at(size_t i)
{
    return all_texts[i];
}

static const char *system_name_at(size_t i)
{
    return all_systems[i].name;
}

/* Rejects a name in @p list that is not among the @p n_known. */
static int names_check(const char *list, const char *(*name_at)(size_t), size_t n_known,
                       const char *what)
{
    if (!list)
        return 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        int found = 0;
        for (size_t i = 0; i < n_known && !found; i++) {
            const char *k = name_at(i);
            found = strlen(k) == len && strncmp(k, p, len) == 0;
        }
        if (!found) {
            fprintf(stderr, "sou-bench: unknown %s '%.*s'\n", what, (int)len, p);
            return -1;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

int bench_tokenize_main(int argc, char **argv)
{
    const char *corpus_arg = NULL, *text_list = NULL, *system_list = NULL;
    uint64_t passes = PASSES_DEFAULT;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            tokenize_usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (i + 1 < argc && strcmp(a, "--corpus") == 0) {
            corpus_arg = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--text") == 0) {
            text_list = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--system") == 0) {
            system_list = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--passes") == 0) {
            if (bench_parse_u64(argv[++i], &passes) != 0 || passes < PASSES_MIN ||
                passes > 1000) {
                fprintf(stderr, "sou-bench: --passes takes a number from %d to 1000\n",
                        PASSES_MIN);
                return 2;
            }
        } else {
            fprintf(stderr, "sou-bench: bad argument '%s'\n", a);
            tokenize_usage(stderr);
            return 2;
        }
    }
    if (names_check(text_list, text_name_at, N_TEXTS, "text class") != 0 ||
        names_check(system_list, system_name_at, N_SYSTEMS, "system") != 0)
        return 2;
    const char *corpus = bench_corpus_dir(corpus_arg);
    if (!corpus)
        return 2;

    bench_text texts[N_TEXTS];
    size_t n_texts = 0;
    for (size_t i = 0; i < N_TEXTS; i++) {
        if (!bench_list_has(text_list, all_texts[i]))
            continue;
        if (bench_text_load(&texts[n_texts], corpus, all_texts[i]) != 0) {
            for (size_t j = 0; j < n_texts; j++)
                bench_text_free(&texts[j]);
            return 1;
        }
        n_texts++;
    }

    char cpu[256], icu[32];
    int cpus;
    bench_cpu_model(cpu, sizeof cpu, &cpus);
    bench_icu_version(icu, sizeof icu);
    if (!json) {
        printf("sou-bench tokenize\n");
        printf("cpu:      %s (%d logical CPUs)\n", cpu, cpus);
        printf("versions: sou %s, ICU %s, Xapian %s\n", sou_version(), icu,
               peer_xapian_version());
        printf("corpus:   %s; %u timed passes after 1 warm-up; MB = 10^6 bytes of UTF-8\n",
               corpus, (unsigned)passes);
        for (size_t i = 0; i < n_texts; i++)
            printf("  %-8s %7zu docs %10zu bytes  %s\n", texts[i].name, texts[i].count,
                   texts[i].bytes, texts[i].files);
        putchar('\n');
        table_head();
        fflush(stdout);
    }

    row *rows = calloc(n_texts * N_SYSTEMS, sizeof *rows);
    size_t n_rows = 0;
    int failed = rows ? 0 : 1;
    for (size_t ti = 0; ti < n_texts && rows; ti++) {
        size_t first = n_rows;
        size_t wanted = 0;
        for (size_t si = 0; si < N_SYSTEMS; si++)
            wanted += bench_list_has(system_list, all_systems[si].name);
        n_rows += class_measure(&texts[ti], system_list, (unsigned)passes, rows + first);
        if (n_rows - first < wanted)
            failed = 1;
        ratios_fill(rows + first, n_rows - first);
        if (!json)
            table_rows(rows + first, n_rows - first);
    }
    if (json && rows && json_print(rows, n_rows, cpu, cpus, icu, (unsigned)passes, texts,
                                   n_texts) != 0) {
        fprintf(stderr, "sou-bench: cannot write JSON\n");
        failed = 1;
    }
    free(rows);
    for (size_t i = 0; i < n_texts; i++)
        bench_text_free(&texts[i]);
    return failed;
}
