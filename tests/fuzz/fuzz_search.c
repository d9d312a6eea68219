/* fuzz_search.c: the query path with snippets, on arbitrary bytes.
 *
 * A small index of English, Chinese and mixed documents is built once in a
 * temporary directory. The first byte picks the search options (default
 * operator, snippet length, paging, highlight markers); the rest is the
 * query. A search either fails with SOU_EQUERY or SOU_EINVAL and a
 * message, or returns hits whose ids, fields and snippets are
 * NUL-terminated and whose snippets are valid UTF-8 with balanced
 * highlight markers. sou_index_explain runs on the same query.
 */
#define _GNU_SOURCE /* memmem, nftw */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "sou.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_search: %s:%d: %s\n", __FILE__, __LINE__, #cond);                \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static sou_index *index_;
static char dir[4096];

static const struct {
    const char *id, *title, *body, *author;
    double year;
} docs[] = {
    { "en-river", "A walk along the river",
      "We walked along the quiet river at dawn, watching herons fish in the shallow water.", "Lin",
      2019 },
    { "en-bread", "Baking bread at home",
      "Good bread needs flour, water, salt, yeast and patience. Knead the dough until it feels "
      "smooth.",
      NULL, 2021 },
    { "zh-tea", "喝茶的习惯", "我每天早上都喝一杯绿茶，绿茶让我觉得很平静。", "王小明", 2020 },
    { "zh-city", "城市的夜晚", "北京的夜晚很热闹，街上有很多人在散步和吃东西。", NULL, 2018 },
    { "mix-coffee", "Coffee 与咖啡",
      "I drink coffee every morning. 我也喜欢在下午喝咖啡。Espresso is strong.", NULL, 2022 },
    { "zh-hant", "臺灣的電腦", "阿里巴巴集团在杭州，淘宝网和天猫是它的网站。Alibaba cloud 云计算。",
      NULL, 2017 },
    { "en-numbers", "Numbers 3.14 and v1.2.3",
      "11.11 is a shopping day; 2,000 people paid 1,299.99 at 12:30. e-mail don't rock'n'roll "
      "café Straße ＡＬＩＢＡＢＡ",
      "O'Neil", 2016 },
    { "long", "A longer text",
      "Search engines split text into tokens. 搜索引擎把文本切分成词语，然后建立倒排索引。"
      "Ranking uses BM25: term frequency, inverse document frequency and length. "
      "排序使用BM25算法。Snippets show where the words matched, with highlights around each "
      "match, and an ellipsis where text was cut. 摘要显示匹配的位置。",
      NULL, 2015 },
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    sou_index_close(index_);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    const char *tmp = getenv("TMPDIR");
    sou_index *w;

    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "%s/sou-fuzz-search-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    o.flags = SOU_INDEX_CREATE;
    CHECK(sou_index_open(&w, dir, &o) == SOU_OK);
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        sou_doc *d;
        CHECK(sou_doc_new(&d, docs[i].id, strlen(docs[i].id)) == SOU_OK);
        CHECK(sou_doc_add_field(d, "title", docs[i].title, strlen(docs[i].title), 0, 0) == SOU_OK);
        CHECK(sou_doc_add_field(d, "body", docs[i].body, strlen(docs[i].body), 0, 0) == SOU_OK);
        if (docs[i].author)
            CHECK(sou_doc_add_field(d, "author", docs[i].author, strlen(docs[i].author), 0, 0) ==
                  SOU_OK);
        CHECK(sou_doc_set_value(d, "year", docs[i].year) == SOU_OK);
        CHECK(sou_index_add(w, d) == SOU_OK);
        sou_doc_free(d);
    }
    CHECK(sou_index_commit(w) == SOU_OK);
    sou_index_close(w);
    CHECK(sou_index_open(&index_, dir, NULL) == SOU_OK);
    atexit(cleanup);
    return 0;
}

static size_t count(const char *s, size_t n, const char *pat)
{
    size_t c = 0, pl = strlen(pat);
    for (const char *p = s; (p = memmem(p, (size_t)(s + n - p), pat, pl)) != NULL; p += pl)
        c++;
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t snippet_bytes[] = { 200, 1, 16, 60 };
    sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
    sou_results *res = NULL;
    char *explained = NULL;
    const char *q;
    size_t qlen;
    int rc;

    if (size == 0)
        return 0;
    so.default_op = data[0] & 1 ? SOU_OP_OR : SOU_OP_AND;
    so.snippet_bytes = snippet_bytes[(data[0] >> 1) & 3];
    if (data[0] & 8) {
        so.offset = 1;
        so.limit = 3;
    }
    if (data[0] & 16) {
        so.hl_start = "[";
        so.hl_end = "]";
    }
    if (data[0] & 32)
        so.sort_by = "year";
    if (data[0] & 64)
        so.snippet_field = "title";
    q = (const char *)data + 1;
    qlen = size - 1;

    rc = sou_index_search(index_, q, qlen, &so, &res);
    if (rc != SOU_OK) {
        CHECK(res == NULL);
        CHECK(rc == SOU_EQUERY || rc == SOU_EINVAL);
        CHECK(sou_error_last()->code == rc && sou_error_last()->message[0] != '\0');
    } else {
        size_t n = sou_results_count(res);
        const char *hs = so.hl_start ? so.hl_start : "<b>", *he = so.hl_end ? so.hl_end : "</b>";
        CHECK(n <= so.limit);
        CHECK(sou_results_total(res) >= n);
        for (size_t i = 0; i < n; i++) {
            size_t len = 0;
            const char *s = sou_results_id(res, i, &len);
            CHECK(s != NULL && len > 0 && s[len] == '\0');
            CHECK(sou_results_rank(res, i) == so.offset + i);
            CHECK(sou_results_doc(res, i) != NULL);
            s = sou_results_field(res, i, "title", &len);
            CHECK(s != NULL && s[len] == '\0');
            s = sou_results_snippet(res, i, &len);
            CHECK(s != NULL && s[len] == '\0' && strlen(s) == len);
            CHECK(utf8_valid((const unsigned char *)s, len));
            if (!(data[0] & 16))
                CHECK(count(s, len, hs) == count(s, len, he));
        }
        CHECK(sou_results_id(res, n, NULL) == NULL);
        sou_results_free(res);
    }
    rc = sou_index_explain(index_, q, qlen, &so, &explained);
    if (rc == SOU_OK) {
        CHECK(explained != NULL);
        sou_free(explained);
    } else {
        CHECK(explained == NULL);
        CHECK(rc == SOU_EQUERY || rc == SOU_EINVAL);
    }
    return 0;
}
