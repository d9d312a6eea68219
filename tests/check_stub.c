/* check_stub.c: sou's reader of stub files, and opening indexes through it:
 * what a stub may list, what it never may (a program, a cycle), and that a
 * hostile file in or beside an index runs nothing. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stub.h"
#include "suites.h"
#include "testutil.h"
#include "xapian_shim.h"

static char *dir;

static void setup(void)
{
    dir = tu_tempdir();
    ck_assert_ptr_nonnull(dir);
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
    dir = NULL;
}

/* "L:PATH" and "R:HOST:PORT", space separated, into a static buffer. */
static const char *render(const sou__shards *s)
{
    static char buf[8192];
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < s->n && n < sizeof buf; i++) {
        if (s->v[i].remote)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%sR:%s:%u", i ? " " : "",
                                  s->v[i].host, s->v[i].port);
        else
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%sL:%s", i ? " " : "", s->v[i].path);
    }
    return buf;
}

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

static void write_file(const char *name, const char *text)
{
    char path[1024];
    FILE *f;

    path_in(path, sizeof path, name);
    f = fopen(path, "w");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static int exists(const char *name)
{
    char path[1024];
    struct stat st;

    path_in(path, sizeof path, name);
    return stat(path, &st) == 0;
}

/* ---- the syntax, from a buffer */

#define RF SOU__STUB_ALLOW_REMOTE
#define NF SOU__STUB_NO_FOLLOW

typedef struct {
    const char *text;
    const char *base;
    unsigned flags;
    int rc;
    const char *want; /* the shards when rc is SOU_OK, else a part of the message */
} stub_case;

static const stub_case cases[] = {
    /* local shards, relative paths against the stub's directory */
    { "auto /srv/a\n", "/base", NF, SOU_OK, "L:/srv/a" },
    { "auto rel\n", "/base", NF, SOU_OK, "L:/base/rel" },
    { "glass rel/x\n", "/base", NF, SOU_OK, "L:/base/rel/x" },
    { "auto rel", NULL, NF, SOU_OK, "L:rel" },
    { "auto rel", "", NF, SOU_OK, "L:rel" },
    { "auto x\n", "/", NF, SOU_OK, "L:/x" },
    { "auto ../up\n", "base", NF, SOU_OK, "L:base/../up" },
    { "auto a\nglass /b\nauto c\n", "/d", NF, SOU_OK, "L:/d/a L:/b L:/d/c" },
    { "auto a path with spaces\n", "/d", NF, SOU_OK, "L:/d/a path with spaces" },
    /* comments, blank lines, blanks around a line, CRLF */
    { "# shards\n\n   \n\tauto a  \r\n# auto b\n", "/d", NF, SOU_OK, "L:/d/a" },
    { "  # indented comment\nauto a", "/d", NF, SOU_OK, "L:/d/a" },
    /* the program form, never, flag or not */
    { "remote :/usr/bin/touch pwned\n", "/d", NF, SOU_EINVAL, "running a program" },
    { "remote :/usr/bin/touch pwned\n", "/d", NF | RF, SOU_EINVAL, "running a program" },
    { "remote :\n", "/d", NF | RF, SOU_EINVAL, "running a program" },
    { "auto a\nremote :xapian-progsrv /srv/db\n", "/d", NF | RF, SOU_EINVAL, "(stub):2:" },
    { "prog xapian-progsrv /srv\n", "/d", NF | RF, SOU_ECORRUPT, "not an index" },
    /* remote shards: refused unless allowed */
    { "remote 127.0.0.1:7000\n", "/d", NF, SOU_EINVAL, "SOU_INDEX_ALLOW_REMOTE" },
    { "remote 127.0.0.1:7000\n", "/d", NF, SOU_EINVAL, "--allow-remote" },
    { "remote 127.0.0.1:7000\n", "/d", NF | RF, SOU_OK, "R:127.0.0.1:7000" },
    { "remote search.example:65535\n", "/d", NF | RF, SOU_OK, "R:search.example:65535" },
    { "remote [::1]:7000\n", "/d", NF | RF, SOU_OK, "R:::1:7000" },
    { "auto a\nremote h:1\n", "/d", NF | RF, SOU_OK, "L:/d/a R:h:1" },
    /* a leading ':' is the program form, as Xapian reads it */
    { "remote ::1:7000\n", "/d", NF | RF, SOU_EINVAL, "running a program" },
    { "remote fe80::1:7000\n", "/d", NF | RF, SOU_ECORRUPT, "brackets" },
    { "remote host\n", "/d", NF | RF, SOU_ECORRUPT, "HOST:PORT" },
    { "remote\n", "/d", NF | RF, SOU_ECORRUPT, "needs HOST:PORT" },
    { "remote host:0\n", "/d", NF | RF, SOU_ECORRUPT, "bad port" },
    { "remote host:65536\n", "/d", NF | RF, SOU_ECORRUPT, "bad port" },
    { "remote host:12x\n", "/d", NF | RF, SOU_ECORRUPT, "bad port" },
    { "remote host:\n", "/d", NF | RF, SOU_ECORRUPT, "bad port" },
    { "remote host:0000080\n", "/d", NF | RF, SOU_ECORRUPT, "bad port" },
    { "remote host:80 extra\n", "/d", NF | RF, SOU_ECORRUPT, "one HOST:PORT" },
    { "remote host:80 extra\n", "/d", NF, SOU_ECORRUPT, "one HOST:PORT" },
    { "tcp host 80\n", "/d", NF | RF, SOU_ECORRUPT, "not an index" },
    /* bad lines */
    { "auto\n", "/d", NF, SOU_ECORRUPT, "(stub):1: 'auto' needs a path" },
    { "glass   \n", "/d", NF, SOU_ECORRUPT, "'glass' needs a path" },
    { "hello world\n", "/d", NF, SOU_ECORRUPT, "not an index" },
    { "auto a\nbogus line\n", "/d", NF, SOU_ECORRUPT, "(stub):2: not a stub line: 'bogus line'" },
    { "AUTO a\n", "/d", NF, SOU_ECORRUPT, "not an index" },
    { "chert /srv/old\n", "/d", NF, SOU_ECORRUPT, "glass only" },
    { "inmemory\n", "/d", NF, SOU_ECORRUPT, "glass only" },
    { "\x7f" "ELF\x02\x01\x01", "/d", NF, SOU_ECORRUPT, "not an index" },
    /* no shard at all */
    { "", "/d", NF, SOU_ECORRUPT, "lists no shard" },
    { "# nothing\n\n", "/d", NF, SOU_ECORRUPT, "lists no shard" },
};

START_TEST(test_stub_table)
{
    const stub_case *c = &cases[_i];
    sou__shards s = { (sou__shard *)&s, 7, 7 };
    int rc = sou__stub_parse(c->text, strlen(c->text), c->base, c->flags, &s);

    ck_assert_msg(rc == c->rc, "case %d '%s': rc %d, expected %d (%s)", _i, c->text, rc, c->rc,
                  sou_error_last()->message);
    if (rc == SOU_OK) {
        ck_assert_str_eq(render(&s), c->want);
    } else {
        ck_assert_msg(strstr(sou_error_last()->message, c->want) != NULL,
                      "case %d: message '%s' lacks '%s'", _i, sou_error_last()->message, c->want);
        ck_assert_ptr_null(s.v);
        ck_assert_uint_eq(s.n, 0);
    }
    sou__shards_clear(&s);
    ck_assert_ptr_null(s.v);
}
END_TEST

START_TEST(test_stub_nul_and_limits)
{
    sou__shards s;
    static const char nul[] = "auto a\0b\n";
    char *big;
    size_t n = 0;

    ck_assert_int_eq(sou__stub_parse(nul, sizeof nul - 1, "/d", NF, &s), SOU_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "NUL"));
    /* a bounded number of shards */
    big = malloc((SOU__STUB_SHARDS_MAX + 1) * 16);
    ck_assert_ptr_nonnull(big);
    for (int i = 0; i <= SOU__STUB_SHARDS_MAX; i++)
        n += (size_t)sprintf(big + n, "auto s%d\n", i);
    ck_assert_int_eq(sou__stub_parse(big, n, "/d", NF, &s), SOU_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "more than"));
    ck_assert_ptr_null(s.v);
    free(big);
    ck_assert_int_eq(sou__stub_parse(NULL, 0, "/d", NF, &s), SOU_ECORRUPT);
    ck_assert_int_eq(sou__stub_parse(NULL, 3, "/d", NF, &s), SOU_EINVAL);
    ck_assert_int_eq(sou__stub_parse("auto a", 6, "/d", NF, NULL), SOU_EINVAL);
    sou__shards_clear(NULL);
}
END_TEST

/* ---- files: nesting, cycles, depth */

START_TEST(test_stub_nested)
{
    sou__shards s;
    char path[1024], want[4096];

    ck_assert_int_eq(mkdir(strcat(strcpy(path, dir), "/sub"), 0700), 0);
    ck_assert_int_eq(mkdir(strcat(strcpy(path, dir), "/idx1"), 0700), 0);
    ck_assert_int_eq(mkdir(strcat(strcpy(path, dir), "/idx2"), 0700), 0);
    /* inner.stub's relative path is relative to sub/, where it lives */
    write_file("sub/inner.stub", "auto ../idx2\n");
    write_file("outer.stub", "# two shards, one through a nested stub\nauto sub/inner.stub\n"
                             "auto idx1\n");
    path_in(path, sizeof path, "outer.stub");
    ck_assert_int_eq(sou__stub_read(path, 0, &s), SOU_OK);
    snprintf(want, sizeof want, "L:%s/sub/../idx2 L:%s/idx1", dir, dir);
    ck_assert_str_eq(render(&s), want);
    sou__shards_clear(&s);

    /* parsed from a buffer, nested stubs are followed too */
    ck_assert_int_eq(sou__stub_parse("auto outer.stub\n", 16, dir, 0, &s), SOU_OK);
    ck_assert_str_eq(render(&s), want);
    sou__shards_clear(&s);
    /* ... but not with NO_FOLLOW, which touches no file */
    ck_assert_int_eq(sou__stub_parse("auto outer.stub\n", 16, dir, NF, &s), SOU_OK);
    snprintf(want, sizeof want, "L:%s/outer.stub", dir);
    ck_assert_str_eq(render(&s), want);
    sou__shards_clear(&s);

    /* a nested stub is named by auto, never by glass */
    write_file("glass.stub", "glass sub/inner.stub\n");
    path_in(path, sizeof path, "glass.stub");
    ck_assert_int_eq(sou__stub_read(path, 0, &s), SOU_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "glass.stub:1:"));

    /* a bad line deep down names its own file and line */
    write_file("sub/bad.stub", "auto ../idx1\nnonsense\n");
    write_file("top.stub", "auto sub/bad.stub\n");
    path_in(path, sizeof path, "top.stub");
    ck_assert_int_eq(sou__stub_read(path, 0, &s), SOU_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "bad.stub:2: not a stub line"));

    /* the remote flag reaches nested stubs */
    write_file("sub/remote.stub", "remote 127.0.0.1:7000\n");
    write_file("r.stub", "auto idx1\nauto sub/remote.stub\n");
    path_in(path, sizeof path, "r.stub");
    ck_assert_int_eq(sou__stub_read(path, 0, &s), SOU_EINVAL);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "remote.stub:1: remote shard"));
    ck_assert_int_eq(sou__stub_read(path, SOU__STUB_ALLOW_REMOTE, &s), SOU_OK);
    snprintf(want, sizeof want, "L:%s/idx1 R:127.0.0.1:7000", dir);
    ck_assert_str_eq(render(&s), want);
    sou__shards_clear(&s);
}
END_TEST

START_TEST(test_stub_cycles)
{
    sou__shards s;
    char path[1024];

    /* a stub naming itself */
    write_file("loop.stub", "auto loop.stub\n");
    path_in(path, sizeof path, "loop.stub");
    ck_assert_int_eq(sou__stub_read(path, 0, &s), SOU_EINVAL);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "cycle"));
    ck_assert_ptr_null(s.v);
    /* the same by an absolute path */
    {
        char text[1100];
        snprintf(text, sizeof text, "auto %s/abs.stub\n", dir);
        write_file("abs.stub", text);
        path_in(path, sizeof path, "abs.stub");
        ck_assert_int_eq(sou__stub_read(path, 0, &s), SOU_EINVAL);
        ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "cycle"));
    }
    /* two files naming each other */
    write_file("a.stub", "auto b.stub\n");
    write_file("b.stub", "# back\nauto a.stub\n");
    path_in(path, sizeof path, "a.stub");
    ck_assert_int_eq(sou__stub_read(path, 0, &s), SOU_EINVAL);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "b.stub:2: stub cycle"));
    /* a link to a stub is the same file */
    {
        char target[1024];
        path_in(target, sizeof target, "c.stub");
        path_in(path, sizeof path, "c-link.stub");
        write_file("c.stub", "auto c-link.stub\n");
        ck_assert_int_eq(symlink(target, path), 0);
        ck_assert_int_eq(sou__stub_read(path, 0, &s), SOU_EINVAL);
        ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "cycle"));
    }
}
END_TEST

START_TEST(test_stub_depth)
{
    sou__shards s;
    char name[64], text[64], path[1024];

    /* s0 -> s1 -> ... -> s<last> -> idx: SOU__STUB_DEPTH_MAX files pass */
    for (int last = SOU__STUB_DEPTH_MAX - 1; last <= SOU__STUB_DEPTH_MAX; last++) {
        for (int i = 0; i <= last; i++) {
            snprintf(name, sizeof name, "d%d-s%d", last, i);
            if (i < last)
                snprintf(text, sizeof text, "auto d%d-s%d\n", last, i + 1);
            else
                snprintf(text, sizeof text, "auto idx\n");
            write_file(name, text);
        }
        snprintf(name, sizeof name, "d%d-s0", last);
        path_in(path, sizeof path, name);
        if (last + 1 <= SOU__STUB_DEPTH_MAX) {
            ck_assert_int_eq(sou__stub_read(path, 0, &s), SOU_OK);
            ck_assert_uint_eq(s.n, 1);
            sou__shards_clear(&s);
        } else {
            ck_assert_int_eq(sou__stub_read(path, 0, &s), SOU_EINVAL);
            ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "nested more than"));
        }
    }
}
END_TEST

START_TEST(test_stub_files)
{
    sou__shards s;
    char path[1024], *big;
    FILE *f;

    /* an ordinary file is no index */
    write_file("notes.txt", "Shopping: eggs, tea.\n");
    path_in(path, sizeof path, "notes.txt");
    ck_assert_int_eq(sou__stub_read(path, 0, &s), SOU_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "not an index"));
    ck_assert_ptr_null(strstr(sou_error_last()->message, "Bad line"));
    /* nor a large one */
    path_in(path, sizeof path, "big");
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    big = calloc(1, SOU__STUB_BYTES_MAX + 2);
    ck_assert_ptr_nonnull(big);
    memset(big, '#', SOU__STUB_BYTES_MAX + 1);
    fputs(big, f);
    free(big);
    fclose(f);
    ck_assert_int_eq(sou__stub_read(path, 0, &s), SOU_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "too large"));
    /* missing */
    path_in(path, sizeof path, "missing");
    ck_assert_int_eq(sou__stub_read(path, 0, &s), SOU_EIO);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "No such file"));
    /* a missing nested path is listed: opening it says why it fails */
    write_file("gone.stub", "auto nowhere\n");
    path_in(path, sizeof path, "gone.stub");
    ck_assert_int_eq(sou__stub_read(path, 0, &s), SOU_OK);
    ck_assert_uint_eq(s.n, 1);
    sou__shards_clear(&s);
    ck_assert_int_eq(sou__stub_read(NULL, 0, &s), SOU_EINVAL);
    ck_assert_int_eq(sou__stub_read("", 0, &s), SOU_EINVAL);
}
END_TEST

/* ---- opening indexes through sou_index_open */

static void make_index(const char *name, sou_cjk_mode cjk, const char *id, const char *body)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_analyzer_options a = SOU_ANALYZER_OPTIONS_INIT;
    sou_index *w = NULL;
    sou_doc *d = NULL;
    char path[1024];

    path_in(path, sizeof path, name);
    a.cjk = cjk;
    o.flags = SOU_INDEX_CREATE;
    o.analyzer = &a;
    ck_assert_msg(sou_index_open(&w, path, &o) == SOU_OK, "%s", sou_error_last()->message);
    ck_assert_int_eq(sou_doc_new(&d, id, strlen(id)), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(d, "body", body, strlen(body), 0, 0), SOU_OK);
    ck_assert_int_eq(sou_index_add(w, d), SOU_OK);
    sou_doc_free(d);
    sou_index_close(w);
}

/* A document with a field and values of its own (NULL: none). */
static void add_to(const char *name, const char *id, const char *field, const char *text,
                   const char *value1, const char *value2)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_index *w = NULL;
    sou_doc *d = NULL;
    char path[1024];

    path_in(path, sizeof path, name);
    o.flags = SOU_INDEX_CREATE;
    ck_assert_msg(sou_index_open(&w, path, &o) == SOU_OK, "%s", sou_error_last()->message);
    ck_assert_int_eq(sou_doc_new(&d, id, strlen(id)), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(d, field, text, strlen(text), 0, 0), SOU_OK);
    if (value1)
        ck_assert_int_eq(sou_doc_set_value(d, value1, 1), SOU_OK);
    if (value2)
        ck_assert_int_eq(sou_doc_set_value(d, value2, 2), SOU_OK);
    ck_assert_int_eq(sou_index_add(w, d), SOU_OK);
    sou_doc_free(d);
    sou_index_close(w);
}

static int open_at(const char *name, unsigned flags, sou_index **out)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    char path[1024];

    path_in(path, sizeof path, name);
    o.flags = flags;
    return sou_index_open(out, path, &o);
}

/* The ids a query finds, sorted by the engine's order, space separated. */
static const char *found(sou_index *index, const char *q)
{
    static char buf[1024];
    sou_results *r = NULL;
    size_t n = 0;

    buf[0] = '\0';
    ck_assert_int_eq(sou_index_search(index, q, strlen(q), NULL, &r), SOU_OK);
    for (size_t i = 0; i < sou_results_count(r); i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? " " : "",
                              sou_results_id(r, i, NULL));
    sou_results_free(r);
    return buf;
}

START_TEST(test_open_hostile_xapiandb)
{
    char text[1200];
    sou_index *index = NULL;

    make_index("idx", SOU_CJK_HYBRID, "doc1", "Lanterns over the river.");
    /* Xapian would run this program when opening the directory. */
    snprintf(text, sizeof text, "remote :/usr/bin/touch %s/pwned\n", dir);
    write_file("idx/XAPIANDB", text);
    ck_assert_int_eq(open_at("idx", SOU_INDEX_READONLY, &index), SOU_OK);
    ck_assert_str_eq(found(index, "lanterns"), "doc1");
    ck_assert_uint_eq(sou_index_shard_count(index), 1);
    ck_assert_uint_eq(sou_index_shard_missing(index), 0);
    sou_index_close(index);
    ck_assert_int_eq(open_at("idx", SOU_INDEX_READONLY | SOU_INDEX_ALLOW_REMOTE, &index), SOU_OK);
    sou_index_close(index);
    ck_assert_int_eq(open_at("idx", SOU_INDEX_WRITE, &index), SOU_OK);
    sou_index_close(index);
    ck_assert(!exists("pwned"));

    /* a directory with only the stub in it is no index, and runs nothing */
    ck_assert_int_eq(mkdir(strcat(strcpy(text, dir), "/d"), 0700), 0);
    snprintf(text, sizeof text, "remote :/usr/bin/touch %s/pwned\n", dir);
    write_file("d/XAPIANDB", text);
    ck_assert_int_eq(open_at("d", SOU_INDEX_READONLY, &index), SOU_EIO);
    ck_assert_ptr_null(index);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "not an index"));
    ck_assert_int_eq(open_at("d", SOU_INDEX_WRITE, &index), SOU_EIO);
    ck_assert(!exists("pwned"));

    /* nor does a stub file of the program form */
    write_file("prog.stub", text);
    ck_assert_int_eq(open_at("prog.stub", SOU_INDEX_READONLY | SOU_INDEX_ALLOW_REMOTE, &index),
                     SOU_EINVAL);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "running a program"));
    ck_assert(!exists("pwned"));
    /* a stub that names itself fails instead of overflowing the stack */
    write_file("loop.stub", "auto loop.stub\n");
    ck_assert_int_eq(open_at("loop.stub", SOU_INDEX_READONLY, &index), SOU_EINVAL);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "cycle"));
    /* an ordinary file is not an index, and the message says so */
    write_file("notes.txt", "eggs\n");
    ck_assert_int_eq(open_at("notes.txt", SOU_INDEX_READONLY, &index), SOU_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "not an index"));
}
END_TEST

START_TEST(test_open_shards)
{
    char text[3000];
    sou_index *index = NULL;
    sou_index_stats st;
    const char *why = (const char *)1;

    make_index("a", SOU_CJK_HYBRID, "a1", "Lanterns over the river. 河边的灯笼。");
    make_index("b", SOU_CJK_HYBRID, "b1", "Paper lanterns at the night market. 纸灯笼。");
    write_file("two.stub", "auto a\nglass b\n");
    ck_assert_int_eq(open_at("two.stub", SOU_INDEX_READONLY, &index), SOU_OK);
    ck_assert_str_eq(found(index, "snow OR lanterns"), found(index, "lanterns"));
    ck_assert(strcmp(found(index, "灯笼"), "a1 b1") == 0 || strcmp(found(index, "灯笼"), "b1 a1") == 0);
    ck_assert_int_eq(sou_index_stats_get(index, &st), SOU_OK);
    ck_assert_uint_eq(st.doc_count, 2);
    ck_assert_uint_eq(sou_index_shard_count(index), 2);
    ck_assert_uint_eq(sou_index_shard_missing(index), 0);
    snprintf(text, sizeof text, "%s/a", dir);
    ck_assert_str_eq(sou_index_shard_name(index, 0), text);
    ck_assert_int_eq(sou_index_shard_status(index, 1, &why), SOU_OK);
    ck_assert_ptr_null(why);
    ck_assert_ptr_null(sou_index_shard_name(index, 2));
    ck_assert_int_eq(sou_index_shard_status(index, 2, NULL), SOU_EINVAL);
    sou_index_close(index);

    /* a shard gone: an error naming it, or left out with PARTIAL */
    write_file("gone.stub", "auto a\nauto nowhere\n");
    ck_assert_int_eq(open_at("gone.stub", SOU_INDEX_READONLY, &index), SOU_EIO);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "nowhere"));
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "not found"));
    ck_assert_int_eq(open_at("gone.stub", SOU_INDEX_READONLY | SOU_INDEX_PARTIAL, &index), SOU_OK);
    ck_assert_str_eq(found(index, "lanterns"), "a1");
    ck_assert_uint_eq(sou_index_shard_count(index), 2);
    ck_assert_uint_eq(sou_index_shard_missing(index), 1);
    ck_assert_int_eq(sou_index_shard_status(index, 1, &why), SOU_EIO);
    ck_assert_ptr_nonnull(strstr(why, "nowhere"));
    ck_assert_int_eq(sou_index_shard_status(index, 0, NULL), SOU_OK);
    /* the shard comes back: reopening searches it again */
    make_index("nowhere", SOU_CJK_HYBRID, "n1", "Lanterns in the snow.");
    ck_assert_int_eq(sou_index_reopen(index), SOU_OK);
    ck_assert_uint_eq(sou_index_shard_missing(index), 0);
    ck_assert_int_eq(sou_index_shard_status(index, 1, &why), SOU_OK);
    ck_assert_str_eq(found(index, "snow"), "n1");
    sou_index_close(index);
    tu_rmtree(strcat(strcpy(text, dir), "/nowhere"));
    write_file("none.stub", "auto nowhere\nauto nowhere2\n");
    ck_assert_int_eq(open_at("none.stub", SOU_INDEX_READONLY | SOU_INDEX_PARTIAL, &index), SOU_EIO);
    ck_assert_ptr_null(index);

    /* a remote shard: refused unless allowed; down is SOU_EIO naming it */
    write_file("remote.stub", "auto a\nremote 127.0.0.1:1\n");
    ck_assert_int_eq(open_at("remote.stub", SOU_INDEX_READONLY, &index), SOU_EINVAL);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "SOU_INDEX_ALLOW_REMOTE"));
    ck_assert_int_eq(open_at("remote.stub", SOU_INDEX_READONLY | SOU_INDEX_ALLOW_REMOTE, &index),
                     SOU_EIO);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "127.0.0.1:1"));
    ck_assert_int_eq(open_at("remote.stub",
                             SOU_INDEX_READONLY | SOU_INDEX_ALLOW_REMOTE | SOU_INDEX_PARTIAL,
                             &index),
                     SOU_OK);
    ck_assert_str_eq(found(index, "lanterns"), "a1");
    ck_assert_uint_eq(sou_index_shard_missing(index), 1);
    ck_assert_str_eq(sou_index_shard_name(index, 1), "127.0.0.1:1");
    ck_assert_int_eq(sou_index_shard_status(index, 1, &why), SOU_EIO);
    ck_assert_ptr_nonnull(strstr(why, "127.0.0.1:1"));
    sou_index_close(index);

    /* shards built with other analyzer settings are refused by name */
    make_index("w", SOU_CJK_WORDS, "w1", "Lanterns.");
    write_file("mixed.stub", "auto a\nauto w\n");
    ck_assert_int_eq(open_at("mixed.stub", SOU_INDEX_READONLY, &index), SOU_ESETTINGS);
    ck_assert_ptr_null(index);
    snprintf(text, sizeof text, "shard '%s/w'", dir);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, text));
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "sou.analyzer.cjk"));
    ck_assert_int_eq(open_at("mixed.stub", SOU_INDEX_READONLY | SOU_INDEX_PARTIAL, &index),
                     SOU_ESETTINGS);

    /* a glass database that is no sou index */
    {
        sou__xdb *x = NULL;
        snprintf(text, sizeof text, "%s/plain", dir);
        ck_assert_int_eq(sou__xdb_open(&x, text, SOU_INDEX_CREATE), SOU_OK);
        sou__xdb_close(x);
    }
    write_file("plain.stub", "auto a\nauto plain\n");
    ck_assert_int_eq(open_at("plain.stub", SOU_INDEX_READONLY, &index), SOU_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "not a sou index"));

    /* shards written on their own are not written through a stub: which
     * holds an id is unknown */
    ck_assert_int_eq(open_at("two.stub", SOU_INDEX_WRITE, &index), SOU_ESETTINGS);
    ck_assert_ptr_null(index);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "not written through a stub"));
}
END_TEST

static void add_doc(sou_index *w, const char *id, const char *body)
{
    sou_doc *d = NULL;

    ck_assert_int_eq(sou_doc_new(&d, id, strlen(id)), SOU_OK);
    ck_assert_int_eq(sou_doc_add_field(d, "body", body, strlen(body), 0, 0), SOU_OK);
    ck_assert_msg(sou_index_add(w, d) == SOU_OK, "%s", sou_error_last()->message);
    sou_doc_free(d);
}

static uint64_t docs_in(const char *name)
{
    sou_index *index = NULL;
    uint64_t n = 0;

    ck_assert_msg(open_at(name, SOU_INDEX_READONLY, &index) == SOU_OK, "%s",
                  sou_error_last()->message);
    ck_assert_int_eq(sou_index_doc_count(index, &n), SOU_OK);
    sou_index_close(index);
    return n;
}

/* A stub of local shards written through: each document in the shard its
 * id routes to, found again to replace and delete it. */
START_TEST(test_write_through_stub)
{
    static const char *const names[] = { "s0", "s1", "s2" };
    sou_index *w = NULL, *r = NULL;
    sou_doc *got = NULL;
    uint64_t per[3] = { 0, 0, 0 }, n = 0;
    char id[32];

    /* the rule is fixed: FNV-1a of the id modulo the shards */
    ck_assert_uint_eq(sou_shard_of("a", 1, 1000), 12638187200555641996ULL % 1000);
    ck_assert_uint_eq(sou_shard_of("", 0, 7), 14695981039346656037ULL % 7);
    ck_assert_uint_eq(sou_shard_of("a", 1, 0), 0);

    write_file("w.stub", "auto s0\nauto s1\nauto s2\n");
    /* a missing shard is not made without SOU_INDEX_CREATE */
    ck_assert_int_eq(open_at("w.stub", SOU_INDEX_WRITE, &w), SOU_EIO);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "shard"));
    ck_assert_int_eq(open_at("w.stub", SOU_INDEX_CREATE, &w), SOU_OK);
    ck_assert_uint_eq(sou_index_shard_count(w), 3);
    for (int i = 0; i < 60; i++) {
        snprintf(id, sizeof id, "doc-%d", i);
        add_doc(w, id, i % 2 ? "Paper lanterns by the river." : "A bridge in winter snow.");
        per[sou_shard_of(id, strlen(id), 3)]++;
    }
    /* replaced in place: the same id goes to the same shard */
    add_doc(w, "doc-7", "Tea at the harbour.");
    ck_assert_int_eq(sou_index_commit(w), SOU_OK);
    ck_assert_str_eq(found(w, "harbour"), "doc-7");
    ck_assert_int_eq(sou_index_delete(w, "doc-8", 5), SOU_OK);
    ck_assert_int_eq(sou_index_delete(w, "doc-8", 5), SOU_ENOTFOUND);
    per[sou_shard_of("doc-8", 5, 3)]--;
    ck_assert_int_eq(sou_index_get(w, "doc-9", 5, &got), SOU_OK);
    ck_assert_str_eq(sou_doc_field(got, "body", NULL), "Paper lanterns by the river.");
    sou_doc_free(got);
    sou_index_close(w);

    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq(docs_in(names[i]), per[i]);
        ck_assert_uint_gt(per[i], 5);
    }
    ck_assert_int_eq(open_at("w.stub", SOU_INDEX_READONLY, &r), SOU_OK);
    ck_assert_int_eq(sou_index_doc_count(r, &n), SOU_OK);
    ck_assert_uint_eq(n, 59);
    ck_assert_str_eq(found(r, "harbour"), "doc-7");
    sou_index_close(r);

    /* written again later: routing still finds each document */
    ck_assert_int_eq(open_at("w.stub", SOU_INDEX_WRITE, &w), SOU_OK);
    add_doc(w, "doc-9", "Mountain tea.");
    sou_index_close(w);
    ck_assert_uint_eq(docs_in("w.stub"), 59);

    /* a fresh shard added to the list changes every document's shard */
    write_file("more.stub", "auto s0\nauto s1\nauto s2\nauto s3\n");
    ck_assert_int_eq(open_at("more.stub", SOU_INDEX_CREATE, &w), SOU_ESETTINGS);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "was written as shard 1/3"));
    /* so does another order */
    write_file("swap.stub", "auto s1\nauto s0\nauto s2\n");
    ck_assert_int_eq(open_at("swap.stub", SOU_INDEX_WRITE, &w), SOU_ESETTINGS);
    ck_assert_ptr_null(w);
    /* and a remote shard is never written through a stub */
    write_file("remote.stub", "auto s0\nremote 127.0.0.1:1\n");
    ck_assert_int_eq(open_at("remote.stub", SOU_INDEX_WRITE, &w), SOU_EINVAL);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "is remote"));
    /* bulk indexing builds one directory, not a stub */
    ck_assert_int_eq(open_at("w.stub", SOU_INDEX_WRITE, &w), SOU_OK);
    {
        sou_bulk *b = NULL;
        ck_assert_int_eq(sou_bulk_begin(&b, w, NULL), SOU_EINVAL);
        ck_assert_ptr_null(b);
    }
    sou_index_close(w);
}
END_TEST

/* A fresh shard beside made ones takes their settings: a shard lost and
 * made again joins its stub. */
START_TEST(test_write_stub_fresh_shard)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_analyzer_options a = SOU_ANALYZER_OPTIONS_INIT;
    sou_index *w = NULL, *r = NULL;
    char path[1024];

    write_file("w.stub", "auto s0\nauto s1\n");
    path_in(path, sizeof path, "w.stub");
    a.cjk = SOU_CJK_WORDS;
    o.flags = SOU_INDEX_CREATE;
    o.analyzer = &a;
    ck_assert_msg(sou_index_open(&w, path, &o) == SOU_OK, "%s", sou_error_last()->message);
    add_doc(w, "doc-1", "河边的灯笼");
    add_doc(w, "doc-2", "夜市的灯笼");
    sou_index_close(w);

    path_in(path, sizeof path, "s1");
    tu_rmtree(path);
    ck_assert_int_eq(open_at("w.stub", SOU_INDEX_CREATE, &w), SOU_OK);
    ck_assert_int_eq(sou_index_analyzer_options(w)->cjk, SOU_CJK_WORDS);
    add_doc(w, "doc-3", "港口的灯笼");
    sou_index_close(w);
    ck_assert_int_eq(open_at("s1", SOU_INDEX_READONLY, &r), SOU_OK);
    ck_assert_int_eq(sou_index_analyzer_options(r)->cjk, SOU_CJK_WORDS);
    sou_index_close(r);
    ck_assert_int_eq(open_at("w.stub", SOU_INDEX_READONLY, &r), SOU_OK);
    ck_assert_ptr_nonnull(strstr(found(r, "灯笼"), "doc-3"));
    sou_index_close(r);
}
END_TEST

/* Names of fields and values are kept per shard; a stub sees them all. */
START_TEST(test_open_shard_names)
{
    sou_index *index = NULL;
    sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
    sou_results *r = NULL;

    add_to("a", "a1", "body", "river lanterns", "year", NULL);
    add_to("b", "b1", "author", "Lin wrote of river lanterns", "year", "price");
    add_to("b", "b2", "author", "Wang", "year", "price");
    write_file("ab.stub", "auto a\nauto b\n");
    ck_assert_int_eq(open_at("ab.stub", SOU_INDEX_READONLY, &index), SOU_OK);
    /* a field only the second shard has is a field, not a word */
    ck_assert_str_eq(found(index, "author:lin"), "b1");
    ck_assert_str_eq(found(index, "author:wang"), "b2");
    /* a value only the second shard has sorts */
    so.sort_by = "price";
    ck_assert_int_eq(sou_index_search(index, "lanterns OR wang", 16, &so, &r), SOU_OK);
    ck_assert_uint_eq(sou_results_count(r), 3);
    sou_results_free(r);
    sou_index_close(index);

    /* the same slot for different values would sort wrongly: refused */
    add_to("c", "c1", "body", "river", "price", NULL);
    write_file("ac.stub", "auto a\nauto c\n");
    ck_assert_int_eq(open_at("ac.stub", SOU_INDEX_READONLY, &index), SOU_ESETTINGS);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "slot 1"));
}
END_TEST

START_TEST(test_open_flags_and_options)
{
    sou_index_options o;
    sou_index *index = NULL;
    char path[1024];

    make_index("a", SOU_CJK_HYBRID, "a1", "Lanterns.");
    /* the shard flags go with read-only opens only */
    ck_assert_int_eq(open_at("a", SOU_INDEX_WRITE | SOU_INDEX_ALLOW_REMOTE, &index), SOU_EINVAL);
    ck_assert_int_eq(open_at("a", SOU_INDEX_CREATE | SOU_INDEX_PARTIAL, &index), SOU_EINVAL);
    ck_assert_int_eq(open_at("a", SOU_INDEX_READONLY | 0x40u, &index), SOU_EINVAL);
    ck_assert_ptr_null(index);
    /* options of version 1 (no connect_timeout_ms) are still read */
    memset(&o, 0xee, sizeof o);
    ck_assert_int_eq(sou_index_options_init(&o, 1), SOU_OK);
    ck_assert_uint_eq(o.version, 1);
    ck_assert_uint_eq(o.connect_timeout_ms, 0xeeeeeeeeu); /* past the end of a v1 struct */
    path_in(path, sizeof path, "a");
    ck_assert_int_eq(sou_index_open(&index, path, &o), SOU_OK);
    sou_index_close(index);
    ck_assert_int_eq(sou_index_options_init(&o, SOU_INDEX_OPTIONS_VERSION), SOU_OK);
    ck_assert_uint_eq(o.connect_timeout_ms, 0);
    o.connect_timeout_ms = 500;
    ck_assert_int_eq(sou_index_open(&index, path, &o), SOU_OK);
    sou_index_close(index);

    /* creating under a missing parent says why */
    path_in(path, sizeof path, "no/such/parent");
    o.flags = SOU_INDEX_CREATE;
    ck_assert_int_eq(sou_index_open(&index, path, &o), SOU_EIO);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "No such file or directory"));
}
END_TEST

/* An index the user may not read: the errno text, not Xapian's guess. */
START_TEST(test_open_permission_denied)
{
    char path[1024];
    sou_index *index = NULL;
    pid_t pid;
    int status;

    make_index("idx", SOU_CJK_HYBRID, "a1", "Lanterns.");
    path_in(path, sizeof path, "idx");
    ck_assert_int_eq(chmod(dir, 0755), 0);
    ck_assert_int_eq(chmod(path, 0), 0);
    if (geteuid() != 0) {
        ck_assert_int_eq(sou_index_open(&index, path, NULL), SOU_EIO);
        ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "Permission denied"));
        ck_assert_int_eq(chmod(path, 0700), 0);
        return;
    }
    /* root reads anything: ask as an unprivileged user in a child. */
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int ok;
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(3);
        ok = sou_index_open(&index, path, NULL) == SOU_EIO &&
             strstr(sou_error_last()->message, "Permission denied") &&
             !strstr(sou_error_last()->message, "detect");
        _exit(ok ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_int_eq(chmod(path, 0700), 0);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

/* A database file cut short under a reader: an I/O error with Xapian's
 * reason, not the generic SOU_ERROR. */
START_TEST(test_read_truncated)
{
    sou_index_options o = SOU_INDEX_OPTIONS_INIT;
    sou_index *w = NULL, *index = NULL;
    sou_results *r = NULL;
    char path[1024], text[64];
    int rc;

    path_in(path, sizeof path, "idx");
    o.flags = SOU_INDEX_CREATE;
    ck_assert_int_eq(sou_index_open(&w, path, &o), SOU_OK);
    for (int i = 0; i < 2000; i++) {
        sou_doc *d = NULL;
        int n = snprintf(text, sizeof text, "word%d river lantern %d", i, i * 7);
        ck_assert_int_eq(sou_doc_new(&d, text, 8), SOU_OK);
        ck_assert_int_eq(sou_doc_add_field(d, "body", text, (size_t)n, 0, 0), SOU_OK);
        ck_assert_int_eq(sou_index_add(w, d), SOU_OK);
        sou_doc_free(d);
    }
    sou_index_close(w);
    ck_assert_int_eq(sou_index_open(&index, path, NULL), SOU_OK);
    path_in(path, sizeof path, "idx/postlist.glass");
    ck_assert_int_eq(truncate(path, 8192), 0);
    rc = sou_index_search(index, "word1999", 8, NULL, &r);
    ck_assert_msg(rc == SOU_EIO, "search: %d %s", rc, sou_error_last()->message);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(sou_error_last()->message, "block"));
    sou_index_close(index);
}
END_TEST

Suite *sou_stub_suite(void)
{
    Suite *s = suite_create("stub");
    TCase *tc = tcase_create("syntax");

    tcase_add_loop_test(tc, test_stub_table, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, test_stub_nul_and_limits);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_stub_nested);
    tcase_add_test(tc, test_stub_cycles);
    tcase_add_test(tc, test_stub_depth);
    tcase_add_test(tc, test_stub_files);
    suite_add_tcase(s, tc);

    tc = tcase_create("open");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_open_hostile_xapiandb);
    tcase_add_test(tc, test_open_shards);
    tcase_add_test(tc, test_open_shard_names);
    tcase_add_test(tc, test_open_flags_and_options);
    tcase_add_test(tc, test_open_permission_denied);
    tcase_add_test(tc, test_read_truncated);
    tcase_add_test(tc, test_write_through_stub);
    tcase_add_test(tc, test_write_stub_fresh_shard);
    suite_add_tcase(s, tc);
    return s;
}
