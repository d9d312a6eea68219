/* gen.c: deterministic documents and the checks shared by the fault tests. */
#define _XOPEN_SOURCE 700
#include "gen.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

void gen_seed(gen_rng *r, uint64_t seed)
{
    /* splitmix64 of the seed: never 0, and close seeds give far states. */
    uint64_t z = seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    r->s = z ? z : 1;
}

uint64_t gen_next(gen_rng *r)
{
    /* xorshift64* */
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

uint64_t gen_below(gen_rng *r, uint64_t n)
{
    return gen_next(r) % n;
}

static const char *const words[] = {
    "search", "index", "commit", "writer", "reader", "shard", "phrase", "token",
    "running", "jumps", "quickly", "database", "recovery", "durable", "crash", "signal",
    "alibaba", "cloud", "shopping", "refund", "2026", "3.14", "v1.4", "e-mail",
    "阿里巴巴", "云计算", "搜索引擎", "数据库", "中文", "分词", "电脑", "网络",
    "北京", "上海", "文档", "索引", "提交", "崩溃", "恢复", "测试",
};
#define NWORDS (sizeof words / sizeof words[0])

void gen_id(unsigned n, char *buf)
{
    snprintf(buf, GEN_ID_MAX, "doc-%05u", n);
}

void gen_key(unsigned n, char *buf)
{
    snprintf(buf, GEN_ID_MAX, "k%05uq", n);
}

static size_t put(char *buf, size_t at, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (at + n + 1 > cap)
        return at;
    memcpy(buf + at, s, n + 1);
    return at + n;
}

size_t gen_text(unsigned n, unsigned v, char *title, char *body)
{
    gen_rng r;
    char key[GEN_ID_MAX], ver[GEN_ID_MAX];
    size_t len = 0, nwords, key_at, nl_at;

    gen_seed(&r, (uint64_t)n * 1000003u + v);
    gen_key(n, key);
    snprintf(ver, sizeof ver, "ver%u", v);
    snprintf(title, GEN_TITLE_MAX, "Document %u %s %s", n, words[gen_below(&r, NWORDS)], ver);
    /* Most documents are short; one in 50 runs to kilobytes. */
    nwords = n % 50 == 7 ? 600 + gen_below(&r, 900) : 5 + gen_below(&r, 80);
    key_at = gen_below(&r, nwords);
    nl_at = gen_below(&r, nwords);
    for (size_t i = 0; i < nwords; i++) {
        if (i)
            len = put(body, len, GEN_BODY_MAX, i == nl_at ? "\n" : " ");
        if (i == key_at) {
            len = put(body, len, GEN_BODY_MAX, key);
            len = put(body, len, GEN_BODY_MAX, " ");
            len = put(body, len, GEN_BODY_MAX, ver);
            len = put(body, len, GEN_BODY_MAX, " ");
        }
        len = put(body, len, GEN_BODY_MAX, words[gen_below(&r, NWORDS)]);
    }
    return len;
}

sou_doc *gen_doc(unsigned n, unsigned v)
{
    char id[GEN_ID_MAX], title[GEN_TITLE_MAX];
    char *body = malloc(GEN_BODY_MAX);
    sou_doc *doc = NULL;
    size_t blen;

    if (!body)
        return NULL;
    gen_id(n, id);
    blen = gen_text(n, v, title, body);
    if (sou_doc_new(&doc, id, strlen(id)) != SOU_OK ||
        sou_doc_add_field(doc, "title", title, strlen(title), 0, 0) != SOU_OK ||
        sou_doc_add_field(doc, "body", body, blen, 0, 0) != SOU_OK ||
        sou_doc_set_value(doc, "n", (double)n) != SOU_OK) {
        sou_doc_free(doc);
        doc = NULL;
    }
    free(body);
    return doc;
}

/* JSON string of s: the generator makes no quote, backslash or control
 * character but the line break. */
static size_t json_str(char *out, const char *s)
{
    size_t o = 0;
    out[o++] = '"';
    for (; *s; s++) {
        if (*s == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = *s;
        }
    }
    out[o++] = '"';
    return o;
}

size_t gen_json_line(unsigned n, unsigned v, char *buf)
{
    char id[GEN_ID_MAX], title[GEN_TITLE_MAX];
    char *body = malloc(GEN_BODY_MAX);
    size_t o = 0;

    if (!body)
        return 0;
    gen_id(n, id);
    gen_text(n, v, title, body);
    o += (size_t)sprintf(buf + o, "{\"id\":");
    o += json_str(buf + o, id);
    o += (size_t)sprintf(buf + o, ",\"title\":");
    o += json_str(buf + o, title);
    o += (size_t)sprintf(buf + o, ",\"body\":");
    o += json_str(buf + o, body);
    o += (size_t)sprintf(buf + o, ",\"n\":%u}\n", n);
    free(body);
    return o;
}

static int field_is(const sou_doc *doc, const char *name, const char *want, size_t want_len,
                    char *why)
{
    size_t len = 0;
    const char *got = sou_doc_field(doc, name, &len);

    if (!got) {
        snprintf(why, 256, "no field %s", name);
        return -1;
    }
    if (len != want_len || memcmp(got, want, len) != 0 || got[len] != '\0') {
        snprintf(why, 256, "field %s differs: %zu bytes, expected %zu", name, len, want_len);
        return -1;
    }
    return 0;
}

int gen_doc_check(const sou_doc *doc, unsigned n, unsigned v, char *why)
{
    char id[GEN_ID_MAX], title[GEN_TITLE_MAX];
    char *body = malloc(GEN_BODY_MAX);
    const char *got_id;
    size_t blen, id_len = 0;
    double value = -1;
    int rc = -1;

    if (!body) {
        snprintf(why, 256, "out of memory");
        return -1;
    }
    gen_id(n, id);
    blen = gen_text(n, v, title, body);
    got_id = sou_doc_id(doc, &id_len);
    if (!got_id || id_len != strlen(id) || memcmp(got_id, id, id_len) != 0)
        snprintf(why, 256, "wrong id");
    else if (sou_doc_field_count(doc) != 2)
        snprintf(why, 256, "%zu fields, expected 2", sou_doc_field_count(doc));
    else if (field_is(doc, "title", title, strlen(title), why) == 0 &&
             field_is(doc, "body", body, blen, why) == 0) {
        if (sou_doc_value(doc, "n", &value) != SOU_OK || value != (double)n)
            snprintf(why, 256, "value n is %g, expected %u", value, n);
        else
            rc = 0;
    }
    free(body);
    return rc;
}

int gen_xapian_check(const char *xapian_check, const char *dir)
{
    size_t cap = strlen(xapian_check) + strlen(dir) + 32;
    char *cmd = malloc(cap), line[512];
    FILE *p;
    int ok = 0, status;
    char *out = NULL;
    size_t out_len = 0;

    if (!cmd)
        return -1;
    snprintf(cmd, cap, "'%s' '%s' 2>&1", xapian_check, dir);
    p = popen(cmd, "r");
    free(cmd);
    if (!p) {
        perror("popen xapian-check");
        return -1;
    }
    while (fgets(line, sizeof line, p)) {
        size_t n = strlen(line);
        char *grown = realloc(out, out_len + n + 1);
        if (grown) {
            out = grown;
            memcpy(out + out_len, line, n + 1);
            out_len += n;
        }
        if (strstr(line, "No errors found"))
            ok = 1;
    }
    status = pclose(p);
    if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "xapian-check %s failed (status %d):\n%s", dir, status,
                out ? out : "");
        free(out);
        return -1;
    }
    free(out);
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void gen_rmtree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

double gen_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
