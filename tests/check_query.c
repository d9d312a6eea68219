/* check_query.c: the query language, read into trees of index terms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "query.h"
#include "suites.h"
#include "xapian_shim.h"

/* ------------------------------------------------------------- rendering */

typedef struct {
    char buf[2048];
    size_t len;
} rbuf;

static void r_put(rbuf *r, const char *s, size_t n)
{
    ck_assert_uint_lt(r->len + n, sizeof r->buf);
    memcpy(r->buf + r->len, s, n);
    r->len += n;
    r->buf[r->len] = '\0';
}

static void r_str(rbuf *r, const char *s)
{
    r_put(r, s, strlen(s));
}

/* Compact form: TERM as itself, WILDCARD as prefix*, the rest as
 * OP(kid kid ...) with NOT for AND_NOT and MAYBE for AND_MAYBE. */
static void render(rbuf *r, const sou__qnode *n)
{
    static const char *names[] = { "", "PHRASE", "AND", "OR", "NOT", "MAYBE", "", "ALL",
                                   "NOTHING", "SYN", "NEAR", "RANGE", "SCALE" };
    switch (n->op) {
    case SOU__Q_TERM:
        r_put(r, n->term, n->term_len);
        return;
    case SOU__Q_WILDCARD:
        r_put(r, n->term, n->term_len);
        r_str(r, "*");
        return;
    case SOU__Q_ALL:
    case SOU__Q_NOTHING:
        ck_assert_uint_eq(n->nkids, 0);
        r_str(r, names[n->op]);
        return;
    default:
        break;
    }
    r_str(r, names[n->op]);
    if (n->op == SOU__Q_SCALE) {
        char times[16];
        snprintf(times, sizeof times, "%u", (unsigned)n->wqf);
        r_str(r, times);
    }
    r_str(r, "(");
    for (size_t i = 0; i < n->nkids; i++) {
        if (i)
            r_str(r, " ");
        render(r, n->kids[i]);
    }
    r_str(r, ")");
}

static int test_is_field(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    return (len == 5 && memcmp(name, "title", 5) == 0) || (len == 4 && memcmp(name, "body", 4) == 0);
}

static sou_analyzer *new_analyzer(sou_cjk_mode cjk, const char *stemmer)
{
    sou_analyzer_options o = SOU_ANALYZER_OPTIONS_INIT;
    sou_analyzer *a = NULL;
    o.cjk = cjk;
    o.stemmer = stemmer;
    ck_assert_int_eq(sou_analyzer_new(&a, &o), SOU_OK);
    return a;
}

/* Parse q (len bytes) and return its rendering in a static buffer. */
static const char *parse_with(sou_analyzer *a, sou_default_op op, const char *q, size_t len)
{
    static rbuf r;
    sou__query_env env = { a, op, test_is_field, NULL, NULL, 0, 0, 0, NULL };
    sou__parsed *p = NULL;
    int rc = sou__query_parse(&env, q, len, &p);

    ck_assert_msg(rc == SOU_OK, "parse of '%s' failed: %d %s", q, rc, sou_error_last()->message);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(p->level[0]);
    r.len = 0;
    r.buf[0] = '\0';
    /* Level 0 as it ranks: proximity adds to it what AND_MAYBE would. */
    if (p->proximity)
        r_str(&r, "MAYBE(");
    render(&r, p->level[0]);
    if (p->proximity) {
        r_str(&r, " ");
        render(&r, p->proximity);
        r_str(&r, ")");
    }
    sou__parsed_free(p);
    return r.buf;
}

typedef struct {
    const char *q;
    size_t len; /* 0: strlen(q) */
    sou_default_op op;
    const char *want;
} qcase;

static void run_table(const qcase *cases, size_t n)
{
    sou_analyzer *a = new_analyzer(SOU_CJK_HYBRID, NULL);
    for (size_t i = 0; i < n; i++) {
        const qcase *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->q);
        const char *got = parse_with(a, c->op, c->q, len);
        if (getenv("DUMP_GOT")) { fprintf(stderr, "GOT\t%s\n", got); continue; }
        ck_assert_msg(strcmp(got, c->want) == 0, "query '%s' (%s): got %s, want %s", c->q,
                      c->op == SOU_OP_AND ? "AND" : "OR", got, c->want);
    }
    sou_analyzer_free(a);
}

#define AND SOU_OP_AND
#define OR SOU_OP_OR
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ core */

START_TEST(test_words)
{
    static const qcase cases[] = {
        { "shopping", 0, AND, "SYN(Zshop shop)" },
        { "Shops", 0, AND, "SYN(Zshop shop)" },
        { "the quick fox", 0, AND, "MAYBE(AND(SYN(Zquick quick) SYN(Zfox fox)) NEAR(quick fox))" },
        { "the quick fox", 0, OR, "MAYBE(OR(SYN(Zquick quick) SYN(Zfox fox)) NEAR(quick fox))" },
        { "  spaced\t\nout  ", 0, AND, "SYN(Zspace space)" },
        { "2008", 0, AND, "2008" },
        { "e-mail", 0, AND, "PHRASE(e mail)" },
        { "shop*", 0, AND, "shop*" },
        { "Shopping*", 0, AND, "shopping*" },
        { "e-mai*", 0, AND, "AND(e mai*)" },
    };
    run_table(cases, N(cases));
}
END_TEST

START_TEST(test_phrases)
{
    static const qcase cases[] = {
        { "\"quick brown fox\"", 0, AND, "PHRASE(quick brown fox)" },
        { "\"shopping\"", 0, AND, "shopping" },
        { "cheap \"red apples\"", 0, AND, "AND(SYN(Zcheap cheap) PHRASE(red apples))" },
        { "\xe2\x80\x9c" "red apples" "\xe2\x80\x9d", 0, AND, "PHRASE(red apples)" },
        { "\"red, apples!\"", 0, AND, "PHRASE(red apples)" },
    };
    run_table(cases, N(cases));
}
END_TEST

START_TEST(test_operators)
{
    static const qcase cases[] = {
        { "apple OR pear", 0, AND, "OR(SYN(Zappl appl) SYN(Zpear pear))" },
        { "apple AND pear", 0, OR, "AND(SYN(Zappl appl) SYN(Zpear pear))" },
        { "apple NOT pear", 0, AND, "NOT(SYN(Zappl appl) SYN(Zpear pear))" },
        { "apple NOT pear", 0, OR, "NOT(SYN(Zappl appl) SYN(Zpear pear))" },
        { "apple -pear", 0, AND, "NOT(SYN(Zappl appl) SYN(Zpear pear))" },
        { "apple -pear -plum", 0, AND, "NOT(SYN(Zappl appl) SYN(Zpear pear) SYN(Zplum plum))" },
        { "apple AND NOT pear", 0, AND, "NOT(SYN(Zappl appl) SYN(Zpear pear))" },
        { "-pear", 0, AND, "NOT(ALL SYN(Zpear pear))" },
        { "NOT pear", 0, AND, "NOT(ALL SYN(Zpear pear))" },
        { "-pear -plum", 0, OR, "NOT(ALL SYN(Zpear pear) SYN(Zplum plum))" },
        { "+apple pear", 0, AND, "AND(SYN(Zappl appl) SYN(Zpear pear))" },
        { "+apple pear", 0, OR, "MAYBE(MAYBE(SYN(Zappl appl) SYN(Zpear pear)) NEAR(apple pear))" },
        { "apple -pear plum", 0, OR, "MAYBE(NOT(OR(SYN(Zappl appl) SYN(Zplum plum)) SYN(Zpear pear)) NEAR(apple plum))" },
        /* AND binds tighter than OR; implicit AND too. */
        { "k b OR c", 0, AND, "OR(AND(SYN(Zk k) SYN(Zb b)) SYN(Zc c))" },
        { "k OR b c", 0, AND, "OR(SYN(Zk k) AND(SYN(Zb b) SYN(Zc c)))" },
        { "k b OR c", 0, OR, "OR(SYN(Zk k) SYN(Zb b) SYN(Zc c))" },
        { "k AND b c", 0, OR, "OR(AND(SYN(Zk k) SYN(Zb b)) SYN(Zc c))" },
        { "k OR b AND c", 0, AND, "OR(SYN(Zk k) AND(SYN(Zb b) SYN(Zc c)))" },
        /* NOT binds tightest. */
        { "k OR NOT b", 0, AND, "OR(SYN(Zk k) NOT(ALL SYN(Zb b)))" },
        { "-k OR b", 0, AND, "OR(NOT(ALL SYN(Zk k)) SYN(Zb b))" },
        /* lower case words are words */
        { "cats and dogs", 0, AND, "MAYBE(AND(SYN(Zcat cat) SYN(Zdog dog)) NEAR(cats dogs))" },
        { "cats or dogs", 0, AND, "MAYBE(AND(SYN(Zcat cat) SYN(Zdog dog)) NEAR(cats dogs))" },
        { "cats not dogs", 0, AND, "MAYBE(AND(SYN(Zcat cat) SYN(Zdog dog)) NEAR(cats dogs))" },
    };
    run_table(cases, N(cases));
}
END_TEST

START_TEST(test_parentheses)
{
    static const qcase cases[] = {
        { "(k OR b) c", 0, AND, "AND(OR(SYN(Zk k) SYN(Zb b)) SYN(Zc c))" },
        { "k (b OR c)", 0, AND, "AND(SYN(Zk k) OR(SYN(Zb b) SYN(Zc c)))" },
        { "(k b) OR (c d)", 0, AND, "OR(AND(SYN(Zk k) SYN(Zb b)) AND(SYN(Zc c) SYN(Zd d)))" },
        { "k -(b OR c)", 0, AND, "NOT(SYN(Zk k) OR(SYN(Zb b) SYN(Zc c)))" },
        { "NOT(b c)", 0, AND, "NOT(ALL AND(SYN(Zb b) SYN(Zc c)))" },
        { "((((k))))", 0, AND, "SYN(Zk k)" },
        { "(k (b (c OR d)))", 0, AND, "AND(SYN(Zk k) AND(SYN(Zb b) OR(SYN(Zc c) SYN(Zd d))))" },
    };
    run_table(cases, N(cases));
}
END_TEST

START_TEST(test_fields)
{
    static const qcase cases[] = {
        { "title:shopping", 0, AND, "SYN(ZXTITLE:shop XTITLE:shop)" },
        { "TITLE:shopping", 0, AND, "SYN(ZXTITLE:shop XTITLE:shop)" },
        { "title:\"big shop\"", 0, AND, "PHRASE(XTITLE:big XTITLE:shop)" },
        { "title:(red apple)", 0, AND, "AND(SYN(ZXTITLE:red XTITLE:red) SYN(ZXTITLE:appl XTITLE:appl))" },
        { "title:(red OR \"green apple\")", 0, AND,
          "OR(SYN(ZXTITLE:red XTITLE:red) PHRASE(XTITLE:green XTITLE:apple))" },
        { "title:shop*", 0, AND, "XTITLE:shop*" },
        { "title:2008", 0, AND, "XTITLE:2008" },
        { "body:red title:apple", 0, AND, "AND(SYN(Zred red) SYN(ZXTITLE:appl XTITLE:appl))" },
        { "-title:apple pear", 0, AND, "NOT(SYN(Zpear pear) SYN(ZXTITLE:appl XTITLE:appl))" },
        { "title:阿里", 0, AND, "MAYBE(PHRASE(XTITLE:阿 XTITLE:里) XTITLE:阿里)" },
        /* not a field of the index: plain text */
        { "author:smith", 0, AND, "PHRASE(author smith)" },
    };
    run_table(cases, N(cases));
}
END_TEST

START_TEST(test_chinese)
{
    static const qcase cases[] = {
        { "中", 0, AND, "中" },
        { "阿里", 0, AND, "MAYBE(PHRASE(阿 里) 阿里)" },
        { "阿里巴巴", 0, AND, "MAYBE(PHRASE(阿 里 巴 巴) 阿里巴巴)" },
        { "搜索引擎", 0, AND, "MAYBE(PHRASE(搜 索 引 擎) OR(搜索 引擎))" },
        { "阿里巴巴 cloud", 0, AND, "MAYBE(AND(MAYBE(PHRASE(阿 里 巴 巴) 阿里巴巴) SYN(Zcloud cloud)) NEAR(阿 cloud))" },
        { "阿里巴巴 OR 北京", 0, AND,
          "OR(MAYBE(PHRASE(阿 里 巴 巴) 阿里巴巴) MAYBE(PHRASE(北 京) 北京))" },
        /* digits written into Han text are characters of the run */
        { "2008年", 0, AND, "MAYBE(PHRASE(2 0 0 8 年) 2008)" },
        { "08年", 0, AND, "MAYBE(PHRASE(0 8 年) 08)" },
        { "iPhone手机", 0, AND, "MAYBE(PHRASE(iphone 手 机) 手机)" },
        /* a quoted phrase is characters only */
        { "\"阿里巴巴\"", 0, AND, "PHRASE(阿 里 巴 巴)" },
        /* characters separated by punctuation are separate runs */
        { "阿里，巴巴", 0, AND, "AND(MAYBE(PHRASE(阿 里) 阿里) MAYBE(PHRASE(巴 巴) 巴巴))" },
        { "-阿里", 0, AND, "NOT(ALL MAYBE(PHRASE(阿 里) 阿里))" },
        /* a Han prefix reads as the word itself */
        { "阿里*", 0, AND, "MAYBE(PHRASE(阿 里) 阿里)" },
    };
    run_table(cases, N(cases));
}
END_TEST

/* A part repeated in a query is matched once, weighing what its copies
 * did, and a run of more than SOU__RUN_MAX characters as pieces of it,
 * repeated pieces once: a thousand copies of a word or character cost
 * seconds before. */
START_TEST(test_repeats)
{
    static const qcase cases[] = {
        { "old old man", 0, AND, "MAYBE(AND(SCALE2(SYN(Zold old)) SYN(Zman man)) NEAR(old man))" },
        { "lantern lantern lantern", 0, AND, "SCALE3(SYN(Zlantern lantern))" },
        { "lantern OR lantern OR paper", 0, AND, "OR(SCALE2(SYN(Zlantern lantern)) SYN(Zpaper paper))" },
        { "阿里 阿里", 0, AND, "SCALE2(MAYBE(PHRASE(阿 里) 阿里))" },
        /* 40 characters: a piece of 32, then one of 8 */
        { "阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里", 0, AND,
          "AND(MAYBE(PHRASE(阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 "
          "阿 里) SCALE16(阿里)) MAYBE(PHRASE(阿 里 阿 里 阿 里 阿 里) SCALE4(阿里)))" },
        /* 64 characters: two pieces of 32, the same, matched once */
        { "阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里"
          "阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里阿里", 0, AND,
          "SCALE2(MAYBE(PHRASE(阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 阿 里 "
          "阿 里 阿 里 阿 里) SCALE16(阿里)))" },
        { "\"old man\" \"old man\"", 0, AND, "SCALE2(PHRASE(old man))" },
        /* not a repeat: the order of a phrase counts */
        { "\"man old\" \"old man\"", 0, AND, "AND(PHRASE(man old) PHRASE(old man))" },
    };
    run_table(cases, N(cases));

    /* the words explained and counted by the relaxed level: each once */
    sou_analyzer *a = new_analyzer(SOU_CJK_HYBRID, NULL);
    sou__query_env env = { a, SOU_OP_AND, test_is_field, NULL, NULL, 0, 1, 0, NULL };
    sou__parsed *p = NULL;
    const char *q = "old man old old";
    ck_assert_int_eq(sou__query_parse(&env, q, strlen(q), &p), SOU_OK);
    ck_assert_uint_eq(p->nwords, 2);
    ck_assert_uint_eq(p->nqwords, 2);
    ck_assert_uint_eq(p->words[0].len, 3);
    ck_assert_int_eq(memcmp(p->words[0].text, "old", 3), 0);
    ck_assert_int_eq(memcmp(p->words[1].text, "man", 3), 0);
    sou__parsed_free(p);
    sou_analyzer_free(a);
}
END_TEST

START_TEST(test_modes)
{
    sou_analyzer *a = new_analyzer(SOU_CJK_HYBRID, "none");
    ck_assert_str_eq(parse_with(a, AND, "shopping", 8), "shopping");
    ck_assert_str_eq(parse_with(a, AND, "title:Shops", 11), "XTITLE:shops");
    sou_analyzer_free(a);

    a = new_analyzer(SOU_CJK_WORDS, NULL);
    ck_assert_str_eq(parse_with(a, AND, "阿里巴巴集团", strlen("阿里巴巴集团")),
                     "PHRASE(阿里巴巴 集团)");
    sou_analyzer_free(a);

    a = new_analyzer(SOU_CJK_CHARS, NULL);
    ck_assert_str_eq(parse_with(a, AND, "阿里巴巴", strlen("阿里巴巴")), "PHRASE(阿 里 巴 巴)");
    sou_analyzer_free(a);
}
END_TEST

/* -------------------------------------------------------------- lenient */

START_TEST(test_malformed)
{
    static const qcase cases[] = {
        { "", 0, AND, "NOTHING" },
        { "   \t ", 0, AND, "NOTHING" },
        { "!!! ,,, ...", 0, AND, "NOTHING" },
        { "\"", 0, AND, "NOTHING" },
        { "\"\"", 0, AND, "NOTHING" },
        { "()", 0, AND, "NOTHING" },
        { ")))", 0, AND, "NOTHING" },
        { "-", 0, AND, "NOTHING" },
        { "*", 0, AND, "ALL" }, /* the match-all query */
        { "\"unclosed phrase", 0, AND, "PHRASE(unclosed phrase)" },
        { "k \"b c", 0, AND, "AND(SYN(Zk k) PHRASE(b c))" },
        { "((k", 0, AND, "SYN(Zk k)" },
        { "k (b OR c", 0, AND, "AND(SYN(Zk k) OR(SYN(Zb b) SYN(Zc c)))" },
        { "k) b", 0, AND, "MAYBE(AND(SYN(Zk k) SYN(Zb b)) NEAR(k b))" },
        { "k - b", 0, AND, "MAYBE(AND(SYN(Zk k) SYN(Zb b)) NEAR(k b))" },
        { "--k b", 0, AND, "NOT(SYN(Zb b) SYN(Zk k))" },
        /* lone operators */
        { "AND", 0, AND, "SYN(Zand and)" },
        { "NOT", 0, AND, "SYN(Znot not)" },
        { "OR", 0, OR, "SYN(Zor or)" },
        { "AND OR NOT", 0, AND, "MAYBE(AND(SYN(Zand and) SYN(Zor or) SYN(Znot not)) NEAR(and or not))" },
        { "OR apple", 0, AND, "SYN(Zappl appl)" },
        { "apple AND", 0, AND, "SYN(Zappl appl)" },
        { "apple OR", 0, AND, "SYN(Zappl appl)" },
        { "apple NOT", 0, AND, "SYN(Zappl appl)" },
        { "k OR OR b", 0, AND, "MAYBE(OR(SYN(Zk k) SYN(Zb b)) NEAR(k b))" },
        { "k AND OR b", 0, AND, "OR(SYN(Zk k) SYN(Zb b))" },
        /* fields with nothing after */
        { "title:", 0, AND, "SYN(Ztitl titl)" },
        { "title: apple", 0, AND, "MAYBE(AND(SYN(Ztitl titl) SYN(Zappl appl)) NEAR(title apple))" },
        /* bad UTF-8 and NUL bytes */
        { "caf\xff", 0, AND, "SYN(Zcaf caf)" },
        { "\xff\xfe\xc3", 0, AND, "NOTHING" },
        { "k\0b", 3, AND, "MAYBE(AND(SYN(Zk k) SYN(Zb b)) NEAR(k b))" },
        { "\0", 1, AND, "NOTHING" },
        { "\"k\0b\"", 5, AND, "PHRASE(k b)" },
    };
    run_table(cases, N(cases));
}
END_TEST

START_TEST(test_deep_nesting)
{
    sou_analyzer *a = new_analyzer(SOU_CJK_HYBRID, NULL);
    sou__query_env env = { a, AND, test_is_field, NULL, NULL, 0, 0, 0, NULL };
    sou__parsed *p = (sou__parsed *)1;
    char q[400];
    size_t n = 0;

    /* 40 levels are fine */
    for (int i = 0; i < 40; i++)
        q[n++] = '(';
    q[n++] = 'a';
    ck_assert_str_eq(parse_with(a, AND, q, n), "SYN(Za a)");

    /* 300 levels are refused, with the byte offset */
    n = 0;
    for (int i = 0; i < 300; i++)
        q[n++] = '(';
    q[n++] = 'a';
    ck_assert_int_eq(sou__query_parse(&env, q, n, &p), SOU_EQUERY);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(sou_error_last()->code, SOU_EQUERY);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "byte 64"));

    /* a long run of NOT is not nesting */
    n = 0;
    for (int i = 0; i < 90; i++) {
        memcpy(q + n, "NOT ", 4);
        n += 4;
    }
    q[n++] = 'a';
    ck_assert_str_eq(parse_with(a, AND, q, n), "NOT(ALL SYN(Za a))");
    sou_analyzer_free(a);
}
END_TEST

/* Every byte value at every place of a short query: never a crash. */
START_TEST(test_fuzz_bytes)
{
    sou_analyzer *a = new_analyzer(SOU_CJK_HYBRID, NULL);
    sou__query_env env = { a, AND, test_is_field, NULL, NULL, 0, 0, 0, NULL };
    const char base[] = "ti(\"a\"-b*:";
    char q[sizeof base];

    for (size_t pos = 0; pos < sizeof base - 1; pos++) {
        for (int c = 0; c < 256; c++) {
            sou__parsed *p = NULL;
            memcpy(q, base, sizeof base);
            q[pos] = (char)c;
            ck_assert_int_eq(sou__query_parse(&env, q, sizeof base - 1, &p), SOU_OK);
            ck_assert_ptr_nonnull(p->level[0]);
            sou__parsed_free(p);
        }
    }
    sou_analyzer_free(a);
}
END_TEST

/* ---------------------------------------------------------- highlighting */

START_TEST(test_patterns)
{
    sou_analyzer *a = new_analyzer(SOU_CJK_HYBRID, NULL);
    sou__query_env env = { a, AND, test_is_field, NULL, NULL, 0, 0, 0, NULL };
    sou__parsed *p = NULL;
    const char *q = "shopping \"big cart\" -apple NOT pear title:Red 阿里巴巴";

    ck_assert_int_eq(sou__query_parse(&env, q, strlen(q), &p), SOU_OK);
    ck_assert_uint_eq(p->npats, 4);

    ck_assert_uint_eq(p->pats[0].n, 1);
    ck_assert_str_eq(p->pats[0].terms[0], "shop");
    ck_assert_int_eq(p->pats[0].by_stem, 1);
    ck_assert_ptr_null(p->pats[0].field);

    ck_assert_uint_eq(p->pats[1].n, 2);
    ck_assert_str_eq(p->pats[1].terms[0], "big");
    ck_assert_str_eq(p->pats[1].terms[1], "cart");
    ck_assert_uint_eq(p->pats[1].lens[1], 4);
    ck_assert_int_eq(p->pats[1].by_stem, 0);

    ck_assert_str_eq(p->pats[2].terms[0], "red");
    ck_assert_int_eq(p->pats[2].by_stem, 1);
    ck_assert_str_eq(p->pats[2].field, "title");

    ck_assert_uint_eq(p->pats[3].n, 4);
    ck_assert_str_eq(p->pats[3].terms[0], "阿");
    ck_assert_str_eq(p->pats[3].terms[3], "巴");
    ck_assert_int_eq(p->pats[3].by_stem, 0);
    sou__parsed_free(p);
    sou_analyzer_free(a);
}
END_TEST

/* ---------------------------------------------------------------- shim */

START_TEST(test_describe)
{
    sou_analyzer *a = new_analyzer(SOU_CJK_HYBRID, NULL);
    sou__query_env env = { a, AND, test_is_field, NULL, NULL, 0, 0, 0, NULL };
    sou__parsed *p = NULL;
    char *d = NULL;
    const char *q = "\"red apple\" OR shop* -pear";

    ck_assert_int_eq(sou__query_parse(&env, q, strlen(q), &p), SOU_OK);
    ck_assert_int_eq(sou__xquery_describe(p->level[0], &d), SOU_OK);
    ck_assert_ptr_nonnull(strstr(d, "red PHRASE 2 apple"));
    ck_assert_ptr_nonnull(strstr(d, "WILDCARD"));
    ck_assert_ptr_nonnull(strstr(d, "AND_NOT (Zpear SYNONYM pear)"));
    sou__free(d);
    sou__parsed_free(p);

    ck_assert_int_eq(sou__query_parse(&env, "", 0, &p), SOU_OK);
    ck_assert_int_eq(sou__xquery_describe(p->level[0], &d), SOU_OK);
    ck_assert_str_eq(d, "Query()");
    sou__free(d);
    sou__parsed_free(p);

    ck_assert_int_eq(sou__query_parse(&env, "-x", 2, &p), SOU_OK);
    ck_assert_int_eq(sou__xquery_describe(p->level[0], &d), SOU_OK);
    /* Every document, weighing nothing: they come in docid order. */
    ck_assert_str_eq(d, "Query((0 * <alldocuments> AND_NOT (Zx SYNONYM x)))");
    sou__free(d);
    sou__parsed_free(p);
    sou_analyzer_free(a);
}
END_TEST

/* ---------------------------------------------------------------- errors */

START_TEST(test_errors)
{
    sou_analyzer *a = new_analyzer(SOU_CJK_HYBRID, NULL);
    sou__query_env env = { a, AND, NULL, NULL, NULL, 0, 0, 0, NULL };
    sou__query_env noan = { NULL, AND, NULL, NULL, NULL, 0, 0, 0, NULL };
    sou__parsed *p = (sou__parsed *)1;
    char *d = (char *)1;

    ck_assert_int_eq(sou__query_parse(&env, "a", 1, NULL), SOU_EINVAL);
    ck_assert_int_eq(sou__query_parse(NULL, "a", 1, &p), SOU_EINVAL);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(sou__query_parse(&noan, "a", 1, &p), SOU_EINVAL);
    ck_assert_int_eq(sou__query_parse(&env, NULL, 3, &p), SOU_EINVAL);
    ck_assert_int_eq(sou__xquery_describe(NULL, &d), SOU_EINVAL);
    ck_assert_ptr_null(d);

    /* without is_field, nothing is a field */
    ck_assert_int_eq(sou__query_parse(&env, "title:x", 7, &p), SOU_OK);
    ck_assert_int_eq(p->level[0]->op, SOU__Q_PHRASE);
    sou__parsed_free(p);

    sou__qnode_free(NULL);
    sou__parsed_free(NULL);
    sou_analyzer_free(a);
}
END_TEST

/* Each allocation in turn fails: a clean SOU_ENOMEM, never a leak. */
START_TEST(test_alloc_failures)
{
    sou_analyzer *a = new_analyzer(SOU_CJK_HYBRID, NULL);
    sou__query_env env = { a, OR, test_is_field, NULL, NULL, 0, 0, 0, NULL };
    const char *q = "+title:(shop* \"big cart\") 阿里巴巴集团 -pear OR 2008年";
    int ok = 0;

    for (long n = 0; n < 2000 && !ok; n++) {
        sou__parsed *p = NULL;
        int rc;
        sou__alloc_fail_after(n, 0);
        rc = sou__query_parse(&env, q, strlen(q), &p);
        sou__alloc_fail_after(-1, 0);
        if (rc == SOU_OK) {
            ck_assert_ptr_nonnull(p);
            ok = 1;
        } else {
            ck_assert_int_eq(rc, SOU_ENOMEM);
            ck_assert_ptr_null(p);
        }
        sou__parsed_free(p);
    }
    ck_assert_int_eq(ok, 1);
    sou_analyzer_free(a);
}
END_TEST

Suite *sou_query_suite(void)
{
    Suite *s = suite_create("query");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_words);
    tcase_add_test(tc, test_phrases);
    tcase_add_test(tc, test_operators);
    tcase_add_test(tc, test_parentheses);
    tcase_add_test(tc, test_fields);
    tcase_add_test(tc, test_chinese);
    tcase_add_test(tc, test_repeats);
    tcase_add_test(tc, test_modes);
    tcase_add_test(tc, test_patterns);
    tcase_add_test(tc, test_describe);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_deep_nesting);
    tcase_add_test(tc, test_fuzz_bytes);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_alloc_failures);
    suite_add_tcase(s, tc);
    return s;
}
