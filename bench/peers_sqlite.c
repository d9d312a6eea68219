/* peers_sqlite.c: the SQLite FTS5 rows of sou-bench, behind peers_sqlite.h. */
#define _POSIX_C_SOURCE 200809L

#include "peers_sqlite.h"

#include <sqlite3.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct peer_fts5 {
    sqlite3 *db;
    sqlite3_stmt *insert;
};

const char *peer_fts5_version(void)
{
    return sqlite3_libversion();
}

static int fail(peer_fts5 *p, const char *what)
{
    fprintf(stderr, "sou-bench: sqlite: %s: %s\n", what, p->db ? sqlite3_errmsg(p->db) : "?");
    return -1;
}

static int exec(peer_fts5 *p, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(p->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "sou-bench: sqlite: %s: %s\n", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int open_file(peer_fts5 **out, const char *path, int flags)
{
    *out = NULL;
    peer_fts5 *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    if (sqlite3_open_v2(path, &p->db, flags, NULL) != SQLITE_OK) {
        fail(p, path);
        peer_fts5_close(p);
        return -1;
    }
    *out = p;
    return 0;
}

int peer_fts5_create(peer_fts5 **out, const char *path, const char *tokenize)
{
    if (unlink(path) != 0 && errno != ENOENT) {
        fprintf(stderr, "sou-bench: %s: %s\n", path, strerror(errno));
        *out = NULL;
        return -1;
    }
    if (open_file(out, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) != 0)
        return -1;
    peer_fts5 *p = *out;
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='%s')",
             tokenize);
    if (exec(p, sql) != 0 ||
        sqlite3_prepare_v2(p->db, "INSERT INTO docs(rowid, body) VALUES (?1, ?2)", -1,
                           &p->insert, NULL) != SQLITE_OK) {
        if (!p->insert)
            fail(p, "prepare");
        peer_fts5_close(p);
        *out = NULL;
        return -1;
    }
    return 0;
}

int peer_fts5_open(peer_fts5 **out, const char *path)
{
    return open_file(out, path, SQLITE_OPEN_READWRITE);
}

int peer_fts5_begin(peer_fts5 *p)
{
    return exec(p, "BEGIN");
}

int peer_fts5_add(peer_fts5 *p, int64_t rowid, const char *text, size_t len)
{
    sqlite3_bind_int64(p->insert, 1, rowid);
    sqlite3_bind_text(p->insert, 2, text, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(p->insert);
    sqlite3_reset(p->insert);
    return rc == SQLITE_DONE ? 0 : fail(p, "insert");
}

int peer_fts5_commit(peer_fts5 *p)
{
    return exec(p, "COMMIT");
}

uint64_t peer_fts5_count(peer_fts5 *p)
{
    sqlite3_stmt *st;
    uint64_t n = 0;
    if (sqlite3_prepare_v2(p->db, "SELECT count(*) FROM docs", -1, &st, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

int peer_fts5_search(peer_fts5 *p, const char *match, size_t cap, int64_t *rowids,
                     size_t *count, uint64_t *data_bytes)
{
    /* Prepared per query, as an application with varying queries would;
     * the statement text is short and fixed, so this costs little. */
    const char *sql = data_bytes
                          ? "SELECT rowid, body FROM docs WHERE docs MATCH ?1 ORDER BY rank LIMIT ?2"
                          : "SELECT rowid FROM docs WHERE docs MATCH ?1 ORDER BY rank LIMIT ?2";
    sqlite3_stmt *st;
    *count = 0;
    if (sqlite3_prepare_v2(p->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(p, "prepare");
    sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)cap);
    int rc;
    size_t n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < cap) {
        rowids[n++] = sqlite3_column_int64(st, 0);
        if (data_bytes) {
            (void)sqlite3_column_text(st, 1);
            *data_bytes += (uint64_t)sqlite3_column_bytes(st, 1);
        }
    }
    *count = n;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "sou-bench: sqlite: MATCH '%s': %s\n", match, sqlite3_errmsg(p->db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

void peer_fts5_close(peer_fts5 *p)
{
    if (!p)
        return;
    sqlite3_finalize(p->insert);
    sqlite3_close(p->db);
    free(p);
}

static int word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

/* Whether the quoted word @p w (@p n bytes) is already in out[0..o). */
static int written(const char *out, size_t o, const char *w, size_t n)
{
    for (size_t i = 0; i + n + 2 <= o; i++) {
        if (out[i] != '"' || out[i + n + 1] != '"')
            continue;
        size_t k = 0;
        while (k < n) {
            unsigned char a = (unsigned char)out[i + 1 + k], b = (unsigned char)w[k];
            if (a >= 'A' && a <= 'Z')
                a = (unsigned char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z')
                b = (unsigned char)(b - 'A' + 'a');
            if (a != b)
                break;
            k++;
        }
        if (k == n)
            return 1;
    }
    return 0;
}

size_t peer_fts5_expr(const char *text, size_t len, const char *join, int phrase,
                      int distinct, char *out, size_t cap)
{
    size_t o = 0, words = 0, jlen = strlen(join);
    if (cap == 0)
        return 0;
    if (phrase)
        out[o++] = '"';
    for (size_t i = 0; i < len;) {
        if (!word_byte((unsigned char)text[i])) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < len && word_byte((unsigned char)text[i]))
            i++;
        if (distinct && !phrase && written(out, o, text + s, i - s))
            continue;
        /* room for separator, two quotes, the word and the NUL */
        if (o + jlen + (i - s) + 3 >= cap)
            return 0;
        if (phrase) {
            if (words)
                out[o++] = ' ';
        } else {
            if (words) {
                memcpy(out + o, join, jlen);
                o += jlen;
            }
            out[o++] = '"';
        }
        memcpy(out + o, text + s, i - s);
        o += i - s;
        if (!phrase)
            out[o++] = '"';
        words++;
    }
    if (!words)
        return 0;
    if (phrase)
        out[o++] = '"';
    out[o] = '\0';
    return o;
}
