/* cmd_index.c: sou index, documents from JSON lines or text files. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <fts.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <md4c.h>

#include "cli.h"
#include "jsonvalue.h"

/* Bytes of a file looked at to tell text from binary. */
#define SNIFF_BYTES 8192
/* Longest title taken from a text file, in bytes. */
#define TITLE_MAX 200
/* Seconds between two updates of the progress line. */
#define PROGRESS_PERIOD 0.1
/* Documents per commit unless --commit-every says otherwise; what a failure
 * can lose, and what the index holds in memory meanwhile. */
#define COMMIT_DEFAULT 10000
/* Longest JSON line read unless --max-line-bytes says otherwise, in bytes
 * without the newline. */
#define MAX_LINE_DEFAULT ((size_t)64 << 20)
/* Bytes read from a JSON lines file at a time. */
#define READ_BLOCK 65536
/* A line buffer grown past this, in bytes, is given back before the next line. */
#define LINE_KEEP ((size_t)1 << 20)
/* The file of ignore patterns read in each directory walked. */
#define IGNORE_FILE ".souignore"
/* Directories deep whose ignore files count; deeper ones are not read. */
#define IGNORE_DEPTH 64
/* The exit status after SIGINT or SIGTERM, as a shell reports a signal. */
#define EXIT_INTERRUPTED 130

/* Set by SIGINT and SIGTERM; the loops check it between documents. */
static volatile sig_atomic_t interrupted;

static void usage(FILE *out)
{
    fputs("Usage: sou [-d DIR] index [OPTIONS] [--jsonl FILE|-]... [PATH...]\n"
          "Add documents to the index in DIR, creating it if needed. A document\n"
          "with the id of one already indexed replaces it.\n"
          "\n"
          "Options:\n"
          "  --jsonl FILE        read JSON lines from FILE ('-': standard input)\n"
          "  --exclude GLOB      leave out files and directories matching GLOB\n"
          "                      (repeatable; as a line of a .souignore file)\n"
          "  --no-delete         keep documents of files gone from a directory\n"
          "  --commit-every N    commit after every N documents (default: 10000;\n"
          "                      not with bulk indexing, which commits once)\n"
          "  --max-line-bytes N  refuse JSON lines of more than N bytes (default:\n"
          "                      67108864, 64 MiB)\n"
          "  --bulk              index on several threads into shards merged at the\n"
          "                      end (the default for JSON lines into an empty index)\n"
          "  --no-bulk           add documents one by one\n"
          "  --threads N         threads for bulk indexing (default: the cores)\n"
          "  --value NAME        JSON member NAME is a value (number or date)\n"
          "  --cjk MODE          for a new index: hybrid (default), words or chars\n"
          "  --stem LANG         for a new index: Snowball stemmer (default: english)\n"
          "  --no-stem           for a new index: do not stem\n"
          "  --fold-hant         for a new index: fold Traditional Chinese to Simplified\n"
          "  -h, --help          show this help and exit\n"
          "\n"
          "Each JSON line is an object with an \"id\": a non-empty string, or an\n"
          "integer taken as its decimal text. Other string members become text\n"
          "fields (\"title\" weighs 3, others 1), arrays of strings repeat a field,\n"
          "numbers become sortable values (see search --sort); other members are\n"
          "ignored. Member names are folded into field names: lower case, every\n"
          "character but [a-z0-9_] made '_', 'f' before a leading digit or '_',\n"
          "cut to 32 bytes. A PATH ending in .jsonl or .ndjson is read as JSON lines.\n"
          "A member whose folded name is given with --value NAME (repeatable) is a\n"
          "value: a number, a string of a number, or an ISO 8601 date string (2019,\n"
          "2019-03-14, 2019-03-14T10:00:00Z; stored as seconds since the epoch, UTC),\n"
          "which search ranges (NAME:2019..2020) and facets then read as dates.\n"
          "\n"
          "A directory PATH is kept in sync: its files (hidden ones, binary files,\n"
          "links to directories, and what --exclude or a .souignore names left out)\n"
          "are added or updated, those whose size and modification time have not\n"
          "changed since they were indexed are skipped, and documents of files gone\n"
          "from it are deleted (not with --no-delete). A file's id is its canonical\n"
          "path: absolute, symbolic links in the directories above resolved, so that\n"
          "every spelling of a path names the same document. Its title is the front\n"
          "matter's title, else the first Markdown heading, else the first non-empty\n"
          "line; its body the whole text; its values \"mtime\", \"mtime_nsec\" and\n"
          "\"size\". An index inside a directory being read is left out of it.\n"
          "\n"
          "On a terminal, a progress line shows how far indexing is. Ctrl-C (SIGINT)\n"
          "or SIGTERM commits the documents so far, deletes nothing, and exits 130.\n"
          "\n"
          "Bad lines and unreadable files are reported as FILE:LINE: MESSAGE and\n"
          "skipped; the rest is indexed. When the index itself fails (a full disk),\n"
          "indexing stops: the documents since the last commit are lost, the index\n"
          "keeps its last commit, and the summary counts committed documents only.\n"
          "Exit status 1 when anything was skipped or lost.\n",
          out);
}

/* A document of a synced directory as the index holds it. */
typedef struct known_doc {
    char *id;
    double size, mtime, nsec; /* NaN when not recorded */
    unsigned char seen;       /* found by the walk (or kept: unreadable) */
    unsigned char scoped;     /* under a directory synced: deleted unless seen */
} known_doc;

typedef struct pattern {
    char *glob;
    int dir_only; /* "dir/": directories only */
    int anchored; /* has a slash: matched against the path from the base */
    int negated;  /* "!pat": takes back what an earlier pattern left out */
} pattern;

/* The patterns of one .souignore (or of --exclude), and where they apply. */
typedef struct pattern_set {
    pattern *pats;
    size_t n, cap;
    size_t base_len; /* bytes of the base directory's path */
    int level;       /* fts level of the base directory */
} pattern_set;

typedef struct ix_state {
    sou_index *index;
    sou_bulk *bulk;                   /* bulk mode: documents go to worker threads */
    size_t commit_every;              /* documents per commit, > 0 */
    size_t max_line;                  /* longest JSON line, bytes */
    unsigned long long committed;     /* documents in successful commits */
    unsigned long long skipped;       /* lines and files not indexed */
    unsigned long long since_commit;  /* documents added since the last commit */
    unsigned long long lost;          /* since_commit when the index failed */
    int in_batch;      /* a transaction holds the documents since the last commit */
    int failed;        /* the index failed: stop */
    int index_known;   /* index_sb is the index directory's */
    struct stat index_sb;
    int progress;      /* stderr is a terminal */
    int progress_shown; /* a progress line is on screen */
    double t0, last_progress;
    uint64_t total_bytes; /* of the input, when size_known */
    uint64_t done_bytes;  /* read so far */
    int size_known;
    int stopped;       /* interrupted: the input was not read to its end */
    int counting;      /* a walk that only adds up the sizes of the files */
    /* Directories and files: what the index holds under the roots. */
    known_doc *known;
    size_t nknown, known_cap;
    unsigned long long f_added, f_updated, f_unchanged, f_deleted, f_failed;
    pattern_set exclude;      /* --exclude, based at the root walked */
    size_t root_len;
    pattern_set ignore[IGNORE_DEPTH]; /* .souignore of the directories open */
    size_t nignore;
    cli_values values; /* --value NAME */
} ix_state;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_clear(ix_state *st)
{
    if (st->progress_shown) {
        fputs("\r\033[K", stderr);
        st->progress_shown = 0;
    }
}

/* n bytes as "12.3 MiB". */
static void human_bytes(char *buf, size_t size, double n)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    size_t u = 0;

    while (n >= 1024 && u + 1 < sizeof units / sizeof units[0])
        n /= 1024, u++;
    snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", n, units[u]);
}

/* One line, rewritten in place: with the input's size known, the share
 * done, bytes/s, documents/s and the time left at the rate so far. */
static void progress_update(ix_state *st)
{
    unsigned long long docs = st->committed + st->since_commit + st->f_unchanged;
    char done[32], total[32], rate[32];
    double t, secs;

    if (!st->progress)
        return;
    t = now();
    if (t - st->last_progress < PROGRESS_PERIOD)
        return;
    st->last_progress = t;
    secs = t > st->t0 ? t - st->t0 : 1e-9;
    human_bytes(done, sizeof done, (double)st->done_bytes);
    human_bytes(rate, sizeof rate, (double)st->done_bytes / secs);
    if (st->size_known && st->total_bytes > 0) {
        uint64_t d = st->done_bytes < st->total_bytes ? st->done_bytes : st->total_bytes;
        double share = (double)d / (double)st->total_bytes;
        double left = share > 0 ? secs / share - secs : 0;
        human_bytes(total, sizeof total, (double)st->total_bytes);
        fprintf(stderr,
                "\r\033[Kindexing: %3.0f%%  %s of %s  %s/s  %.0f docs/s  %llu docs  "
                "%d:%02d left",
                share * 100, done, total, rate, (double)docs / secs, docs, (int)(left / 60),
                (int)left % 60);
    } else {
        fprintf(stderr, "\r\033[Kindexing: %s  %s/s  %.0f docs/s  %llu docs", done, rate,
                (double)docs / secs, docs);
    }
    st->progress_shown = 1;
}

/* "sou: WHERE: message" on stderr, for input that is skipped. */
static void report(ix_state *st, const char *where, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void report(ix_state *st, const char *where, const char *fmt, ...)
{
    va_list ap;

    if (st->counting)
        return; /* the walk that indexes says it */
    progress_clear(st);
    fflush(stdout);
    fprintf(stderr, "sou: %s: ", where);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* The index failed at where (NULL: after the input): reports it, and
 * what it cost. The documents since the last commit are in a transaction
 * that closing the index cancels, so the index keeps its last commit.
 * Returns -1: indexing stops. */
static int index_failed(ix_state *st, const char *where)
{
    progress_clear(st);
    cli_lib_error();
    st->failed = 1;
    st->lost = st->since_commit;
    st->since_commit = 0;
    if (where)
        report(st, where, "indexing stopped here; the index keeps its last commit");
    else
        cli_warn("the final commit failed; the index keeps its previous commit");
    if (st->lost)
        cli_warn("%llu document%s added since the last commit %s lost", st->lost,
                 st->lost == 1 ? "" : "s", st->lost == 1 ? "is" : "are");
    return -1;
}

/* Commits the open batch; -1 when the index failed. */
static int commit_batch(ix_state *st, const char *where)
{
    if (!st->in_batch)
        return 0;
    /* Even a failed commit ends the transaction. */
    st->in_batch = 0;
    if (sou_index_commit(st->index) != SOU_OK)
        return index_failed(st, where);
    st->committed += st->since_commit;
    st->since_commit = 0;
    return 0;
}

/* Adds doc to the index (taking it), counts it and commits when due.
 * Returns 0, or -1 when the index failed and indexing must stop. */
static int add_doc(ix_state *st, const char *where, sou_doc *doc)
{
    int rc;

    if (st->bulk) {
        /* Bulk: everything becomes visible at the end, or nothing. */
        rc = sou_bulk_add(st->bulk, doc);
        sou_doc_free(doc);
        if (rc == SOU_EINVAL) {
            report(st, where, "%s", sou_error_last()->message);
            st->skipped++;
            return 0;
        }
        if (rc != SOU_OK)
            return index_failed(st, where);
        st->since_commit++;
        progress_update(st);
        return 0;
    }

    /* A batch is a transaction, so that a failure leaves exactly the
     * committed documents: no automatic flush commits part of a batch, and
     * closing after a failure commits nothing. */
    if (!st->in_batch) {
        if (sou_index_begin(st->index) != SOU_OK) {
            sou_doc_free(doc);
            return index_failed(st, where);
        }
        st->in_batch = 1;
    }
    rc = sou_index_add(st->index, doc);
    sou_doc_free(doc);
    if (rc == SOU_EINVAL || rc == SOU_ENOMEM) {
        /* A bad document, or one too big for the memory there is: the
         * next may well fit. */
        report(st, where, "%s", sou_error_last()->message);
        st->skipped++;
        return 0;
    }
    if (rc != SOU_OK)
        return index_failed(st, where);
    if (++st->since_commit >= st->commit_every && commit_batch(st, where) != 0)
        return -1;
    progress_update(st);
    return 0;
}

/* ------------------------------------------------------------ JSON lines */

/* Folds a JSON member name into a field or value name: ASCII letters in
 * lower case, digits and '_' kept, every other character (a UTF-8
 * sequence counts as one) '_', 'f' put before a name that would start with
 * a digit or '_' (or be empty), cut to SOU_NAME_MAX bytes. A name that
 * folds to "id" becomes "id_": the id is the member called "id" only. */
static void fold_name(const char *key, char out[SOU_NAME_MAX + 1])
{
    const unsigned char *k = (const unsigned char *)key;
    size_t n = 0;

    for (; *k && n < SOU_NAME_MAX + 1; k++) {
        unsigned char c = *k;
        if ((c & 0xC0) == 0x80)
            continue; /* the rest of a UTF-8 sequence */
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            c = '_';
        if (n == 0 && !(c >= 'a' && c <= 'z'))
            out[n++] = 'f';
        if (n < SOU_NAME_MAX)
            out[n++] = (char)c;
        else
            break;
    }
    if (n == 0)
        out[n++] = 'f';
    out[n] = '\0';
    if (strcmp(out, "id") == 0)
        strcpy(out, "id_");
}

/* Adds member key of a JSON line to doc, under its folded name. Two
 * members whose names fold alike: text adds up as a repeated field, a
 * later number replaces an earlier one. Returns 0, or -1 after reporting
 * why the line is skipped. */
static int add_member(ix_state *st, const char *where, sou_doc *doc, const char *key,
                      json_t *value)
{
    char name[SOU_NAME_MAX + 1];
    int rc = SOU_OK;

    fold_name(key, name);
    if (cli_values_has(&st->values, name)) {
        const char *why;
        if (cli_value_member(doc, name, value, &why) == SOU_OK)
            return 0;
        report(st, where, "member \"%s\": %s", key, why ? why : sou_error_last()->message);
        return -1;
    }
    if (json_is_string(value)) {
        rc = sou_doc_add_field(doc, name, json_string_value(value), json_string_length(value),
                               0, 0);
    } else if (json_is_number(value)) {
        rc = sou_doc_set_value(doc, name, json_number_value(value));
    } else if (json_is_array(value)) {
        size_t i;
        json_t *item;
        json_array_foreach(value, i, item) {
            if (!json_is_string(item))
                continue;
            rc = sou_doc_add_field(doc, name, json_string_value(item), json_string_length(item),
                                   0, 0);
            if (rc != SOU_OK)
                break;
        }
    }
    if (rc != SOU_OK) {
        report(st, where, "member \"%s\": %s", key, sou_error_last()->message);
        return -1;
    }
    return 0;
}

/* Indexes one line; returns -1 only when indexing must stop. */
static int index_json_line(ix_state *st, const char *where, const char *line, size_t len)
{
    json_error_t err;
    json_t *obj, *value;
    const char *key;
    sou_doc *doc = NULL;

    size_t fixed_len, bad;
    char *fixed;
    int oom;

    if (strspn(line, " \t\r\n") == len)
        return 0;
    /* JSON is UTF-8: rather than lose a document to a stray byte, read
     * each bad byte as U+FFFD and say so. */
    fixed = cli_utf8_fix(line, len, &fixed_len, &bad);
    if (bad && !fixed) {
        report(st, where, "out of memory");
        st->skipped++;
        return 0;
    }
    if (fixed)
        report(st, where, "%zu byte%s of invalid UTF-8 read as U+FFFD", bad, bad == 1 ? "" : "s");
    /* \u0000 is allowed: fields carry a length. */
    obj = cli_json_parse(fixed ? fixed : line, fixed ? fixed_len : len, JSON_ALLOW_NUL, &err,
                         &oom);
    free(fixed);
    if (!obj) {
        if (oom)
            report(st, where, "out of memory");
        else
            report(st, where, "invalid JSON at byte %d: %s", err.position, err.text);
        st->skipped++;
        return 0;
    }
    if (!json_is_object(obj)) {
        report(st, where, "not a JSON object");
        goto skip;
    }
    {
        char buf[CLI_ID_BUF];
        const char *idtext, *why;
        size_t idlen;
        if (cli_json_id(obj, buf, &idtext, &idlen, &why) != 0) {
            report(st, where, "%s", why);
            goto skip;
        }
        if (sou_doc_new(&doc, idtext, idlen) != SOU_OK) {
            report(st, where, "\"id\": %s", sou_error_last()->message);
            goto skip;
        }
    }
    json_object_foreach(obj, key, value) {
        if (strcmp(key, "id") != 0 && add_member(st, where, doc, key, value) != 0)
            goto skip;
    }
    json_decref(obj);
    return add_doc(st, where, doc);

skip:
    sou_doc_free(doc);
    json_decref(obj);
    st->skipped++;
    progress_update(st);
    return 0;
}

/* Reads JSON lines a block at a time, so that a line over the limit is
 * measured and passed over without ever being held whole. read(2), not
 * stdio: a line from a pipe is indexed as soon as it arrives. */
typedef struct line_reader {
    int fd;
    char *line; /* the current line, NUL-terminated, without its newline */
    size_t cap;
    size_t pos, len; /* unread bytes of block: [pos, len) */
    uint64_t nread;  /* bytes read from fd so far */
    char block[READ_BLOCK];
} line_reader;

enum { LINE_OK, LINE_EOF, LINE_ERROR, LINE_TOO_LONG, LINE_NOMEM, LINE_STOP };

/* Reads the next line into r->line, its length in bytes in *len. A line of
 * more than max bytes (LINE_TOO_LONG) or one there is no memory for
 * (LINE_NOMEM) is read to its end and dropped, *len its whole length. At the
 * end of the input LINE_EOF; LINE_ERROR with errno set when read fails;
 * LINE_STOP when a signal interrupted it. */
static int read_line(line_reader *r, size_t max, size_t *len)
{
    size_t n = 0;
    int status = LINE_OK, any = 0;

    /* One long line must not keep its memory from the lines after it. */
    if (r->cap > LINE_KEEP) {
        free(r->line);
        r->line = NULL;
        r->cap = 0;
    }
    for (;;) {
        const char *p, *nl;
        size_t chunk;

        if (r->pos == r->len) {
            ssize_t got;
            do
                got = read(r->fd, r->block, sizeof r->block);
            while (got < 0 && errno == EINTR && !interrupted);
            if (got < 0)
                return errno == EINTR ? LINE_STOP : LINE_ERROR;
            r->nread += (uint64_t)got;
            r->pos = 0;
            r->len = (size_t)got;
            if (got == 0) {
                if (!any)
                    return LINE_EOF;
                break;
            }
        }
        any = 1;
        p = r->block + r->pos;
        nl = memchr(p, '\n', r->len - r->pos);
        chunk = nl ? (size_t)(nl - p) : r->len - r->pos;
        r->pos += chunk + (nl != NULL);
        if (status == LINE_OK && chunk > max - n)
            status = LINE_TOO_LONG;
        if (status == LINE_OK && n + chunk + 1 > r->cap) {
            size_t want = r->cap ? r->cap : 4096;
            char *bigger;
            while (want < n + chunk + 1)
                want = want > max / 2 ? max + 1 : want * 2;
            bigger = realloc(r->line, want);
            if (bigger) {
                r->line = bigger;
                r->cap = want;
            } else {
                status = LINE_NOMEM;
            }
        }
        if (status == LINE_OK)
            memcpy(r->line + n, p, chunk);
        /* The length keeps counting past the limit: the message says it. */
        n = chunk > SIZE_MAX - n ? SIZE_MAX : n + chunk;
        if (nl)
            break;
    }
    *len = n;
    if (status == LINE_OK) {
        if (!r->line) {
            r->line = malloc(1);
            if (!r->line)
                return LINE_NOMEM;
            r->cap = 1;
        }
        r->line[n] = '\0';
    }
    return status;
}

static void index_jsonl(ix_state *st, const char *file)
{
    int is_stdin = strcmp(file, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : file;
    /* "FILE:LINE" fits the file name, a colon and 20 digits. */
    size_t wlen = strlen(name) + 24, lineno = 0, len;
    char *where = malloc(wlen);
    line_reader *r = calloc(1, sizeof *r);
    uint64_t done_before = st->done_bytes;
    int status;

    if (!where || !r) {
        report(st, name, "out of memory");
        st->skipped++;
        free(where);
        free(r);
        return;
    }
    r->fd = is_stdin ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        report(st, name, "cannot open: %s", strerror(errno));
        st->skipped++;
        free(where);
        free(r);
        return;
    }
    while (!st->failed && (status = read_line(r, st->max_line, &len)) != LINE_EOF) {
        if (interrupted || status == LINE_STOP) {
            st->stopped = 1;
            break;
        }
        st->done_bytes = done_before + r->nread;
        if (status == LINE_ERROR) {
            report(st, name, "cannot read: %s", strerror(errno));
            st->skipped++;
            break;
        }
        lineno++;
        snprintf(where, wlen, "%s:%zu", name, lineno);
        if (status == LINE_TOO_LONG) {
            report(st, where, "line of %zu bytes refused: longer than %zu bytes (--max-line-bytes)",
                   len, st->max_line);
            st->skipped++;
        } else if (status == LINE_NOMEM) {
            report(st, where, "out of memory for a line of %zu bytes", len);
            st->skipped++;
        } else {
            index_json_line(st, where, r->line, len);
        }
    }
    st->done_bytes = done_before + r->nread;
    free(r->line);
    if (!is_stdin)
        close(r->fd);
    free(where);
    free(r);
}

/* ----------------------------------------------------------- text files */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static void trim(const char **s, size_t *len)
{
    while (*len && is_blank(**s))
        (*s)++, (*len)--;
    while (*len && is_blank((*s)[*len - 1]))
        (*len)--;
}

/* The length of line [p, end) without its newline; *next the line after. */
static size_t line_at(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));

    *next = nl ? nl + 1 : end;
    return (size_t)((nl ? nl : end) - p);
}

static int is_fm_fence(const char *l, size_t ll, int closing)
{
    if (ll < 3 || (memcmp(l, "---", 3) != 0 && !(closing && memcmp(l, "...", 3) == 0)))
        return 0;
    return strspn(l + 3, " \t\r") >= ll - 3;
}

/* YAML front matter: a first line "---", up to a line "---" or "...". Its
 * top-level "title:" (plain or quoted scalar) into *title; returns where
 * the Markdown after it starts (text itself when there is none). */
static const char *front_matter(const char *text, const char *end, const char **title,
                                size_t *title_len)
{
    const char *p = text, *next;
    size_t ll = line_at(p, end, &next);

    *title = NULL;
    *title_len = 0;
    if (!is_fm_fence(p, ll, 0))
        return text;
    for (p = next; p < end; p = next) {
        const char *l = p;
        ll = line_at(p, end, &next);
        if (is_fm_fence(l, ll, 1))
            return next;
        if (!*title && ll > 6 && memcmp(l, "title:", 6) == 0) {
            const char *v = l + 6;
            size_t vl = ll - 6;
            trim(&v, &vl);
            if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0])
                v++, vl -= 2;
            if (vl) {
                *title = v;
                *title_len = vl;
            }
        }
    }
    /* No closing line: not front matter after all. */
    *title = NULL;
    *title_len = 0;
    return text;
}

/* The text of the first heading, gathered from md4c's callbacks. */
typedef struct heading {
    int depth;     /* inside the first heading */
    int done;
    char buf[TITLE_MAX * 2];
    size_t len;
} heading;

static int md_enter_block(MD_BLOCKTYPE type, void *detail, void *payload)
{
    heading *h = payload;

    (void)detail;
    if (type == MD_BLOCK_H)
        h->depth++;
    return 0;
}

static int md_leave_block(MD_BLOCKTYPE type, void *detail, void *payload)
{
    heading *h = payload;

    (void)detail;
    if (type != MD_BLOCK_H || !h->depth)
        return 0;
    h->depth--;
    /* An empty heading ("#" alone) does not count. */
    {
        const char *t = h->buf;
        size_t tl = h->len;
        trim(&t, &tl);
        if (tl) {
            h->done = 1;
            return 1; /* stops the parse: the rest is not needed */
        }
        h->len = 0;
    }
    return 0;
}

static int md_span(MD_SPANTYPE type, void *detail, void *payload)
{
    (void)type, (void)detail, (void)payload;
    return 0;
}

static int md_text(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *payload)
{
    heading *h = payload;
    size_t room;

    if (!h->depth)
        return 0;
    if (type == MD_TEXT_SOFTBR || type == MD_TEXT_BR) {
        text = " ";
        size = 1;
    } else if (type == MD_TEXT_NULLCHAR) {
        text = "\xEF\xBF\xBD";
        size = 3;
    }
    room = sizeof h->buf - h->len;
    if (size > room)
        size = (MD_SIZE)room;
    memcpy(h->buf + h->len, text, size);
    h->len += size;
    return 0;
}

/* The title of a text file: the front matter's "title", else the first
 * Markdown heading (md4c, CommonMark), else the first non-empty line.
 * Written into buf (TITLE_MAX * 2 bytes); returns its length, 0 for none. */
static size_t find_title(const char *text, size_t len, char *buf)
{
    const char *p = text, *end = text + len, *fm, *next;
    size_t fml, n = 0;
    MD_PARSER parser;
    heading *h;

    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    p = front_matter(p, end, &fm, &fml);
    if (fm) {
        n = fml < TITLE_MAX * 2 ? fml : TITLE_MAX * 2;
        memcpy(buf, fm, n);
        return n;
    }
    h = calloc(1, sizeof *h);
    if (h && (size_t)(end - p) <= (MD_SIZE)-1) {
        memset(&parser, 0, sizeof parser);
        parser.flags = MD_DIALECT_COMMONMARK;
        parser.enter_block = md_enter_block;
        parser.leave_block = md_leave_block;
        parser.enter_span = md_span;
        parser.leave_span = md_span;
        parser.text = md_text;
        md_parse(p, (MD_SIZE)(end - p), &parser, h);
        if (h->done) {
            const char *t = h->buf;
            size_t tl = h->len;
            trim(&t, &tl);
            memcpy(buf, t, tl);
            free(h);
            return tl;
        }
    }
    free(h);
    for (; p < end; p = next) {
        const char *l = p;
        size_t ll = line_at(p, end, &next);
        trim(&l, &ll);
        if (ll) {
            n = ll < TITLE_MAX * 2 ? ll : TITLE_MAX * 2;
            memcpy(buf, l, n);
            return n;
        }
    }
    return 0;
}

/* Cuts a title to TITLE_MAX bytes on a character boundary. */
static size_t title_cut(const char *s, size_t len)
{
    if (len <= TITLE_MAX)
        return len;
    len = TITLE_MAX;
    while (len && ((unsigned char)s[len] & 0xC0) == 0x80)
        len--;
    return len;
}

/* ------------------------------------------------- what the index holds */

static int known_cmp(const void *a, const void *b)
{
    return strcmp(((const known_doc *)a)->id, ((const known_doc *)b)->id);
}

static known_doc *known_find(ix_state *st, const char *id)
{
    known_doc key;

    if (!st->nknown)
        return NULL;
    key.id = (char *)id;
    return bsearch(&key, st->known, st->nknown, sizeof *st->known, known_cmp);
}

typedef struct list_ctx {
    ix_state *st;
    const char *exact; /* only this id, or NULL for every id listed */
    int scoped;
} list_ctx;

static int list_one(const char *id, size_t len, const double *values, void *payload)
{
    list_ctx *c = payload;
    ix_state *st = c->st;
    known_doc *k;

    if (c->exact && strcmp(id, c->exact) != 0)
        return 0;
    if (st->nknown == st->known_cap) {
        size_t cap = st->known_cap ? st->known_cap * 2 : 1024;
        known_doc *bigger = realloc(st->known, cap * sizeof *bigger);
        if (!bigger)
            return SOU_ENOMEM;
        st->known = bigger;
        st->known_cap = cap;
    }
    k = &st->known[st->nknown];
    if (!(k->id = malloc(len + 1)))
        return SOU_ENOMEM;
    memcpy(k->id, id, len + 1);
    k->size = values[0];
    k->mtime = values[1];
    k->nsec = values[2];
    k->seen = 0;
    k->scoped = (unsigned char)c->scoped;
    st->nknown++;
    return 0;
}

/* Adds to st->known the documents whose id starts with prefix (scoped:
 * deleted when the walk does not find them), or the one whose id is exact. */
static int known_list(ix_state *st, const char *prefix, const char *exact, int scoped)
{
    static const char *const names[] = { "size", "mtime", "mtime_nsec" };
    list_ctx c = { st, exact, scoped };
    int rc = sou_index_ids(st->index, prefix, strlen(prefix), names, 3, list_one, &c);

    if (rc == SOU_ENOMEM && sou_error_last()->code != SOU_ENOMEM)
        cli_warn("out of memory");
    else if (rc != SOU_OK)
        cli_lib_error();
    return rc == SOU_OK ? 0 : -1;
}

/* Sorts st->known and merges the ids listed twice (roots inside roots). */
static void known_sort(ix_state *st)
{
    size_t o = 0;

    if (!st->nknown)
        return;
    qsort(st->known, st->nknown, sizeof *st->known, known_cmp);
    for (size_t i = 1; i < st->nknown; i++) {
        if (strcmp(st->known[i].id, st->known[o].id) == 0) {
            st->known[o].scoped |= st->known[i].scoped;
            free(st->known[i].id);
        } else {
            st->known[++o] = st->known[i];
        }
    }
    st->nknown = o + 1;
}

/* Marks every known id under dir (a directory that could not be read) as
 * seen: what cannot be read is not gone. */
static void known_keep_under(ix_state *st, const char *dir)
{
    size_t dl = strlen(dir);

    for (size_t i = 0; i < st->nknown; i++)
        if (strncmp(st->known[i].id, dir, dl) == 0 && st->known[i].id[dl] == '/')
            st->known[i].seen = 1;
}

/* Indexes one regular file; id is its canonical path, sb the file's own
 * (a link's target's) status. in_walk: found in a directory, where binary
 * files are passed over. Returns -1 only when indexing must stop. */
static int index_file(ix_state *st, const char *path, const char *id, const struct stat *sb,
                      int in_walk)
{
    known_doc *k = st->counting ? NULL : known_find(st, id);
    double size = (double)sb->st_size, mtime = (double)sb->st_mtim.tv_sec,
           nsec = (double)sb->st_mtim.tv_nsec;
    FILE *fp;
    char *text, title[TITLE_MAX * 2];
    size_t len, title_len, id_len = strlen(id);
    sou_doc *doc;
    int rc;

    if (st->counting) {
        st->total_bytes += (uint64_t)sb->st_size;
        return 0;
    }
    st->done_bytes += (uint64_t)sb->st_size;
    if (k) {
        k->seen = 1;
        if (k->size == size && k->mtime == mtime && k->nsec == nsec) {
            st->f_unchanged++;
            progress_update(st);
            return 0;
        }
    }
    if (id_len > SOU_ID_MAX) {
        report(st, path, "path of %zu bytes: longer than an id may be (%d bytes)", id_len,
               SOU_ID_MAX);
        st->skipped++;
        st->f_failed++;
        return 0;
    }
    if (!(fp = fopen(path, "rb"))) {
        report(st, path, "cannot open: %s", strerror(errno));
        st->skipped++;
        st->f_failed++;
        return 0;
    }
    text = cli_read_all(fp, &len);
    if (!text) {
        report(st, path, "cannot read: %s", strerror(errno));
        fclose(fp);
        st->skipped++;
        st->f_failed++;
        return 0;
    }
    fclose(fp);
    if (in_walk && memchr(text, '\0', len < SNIFF_BYTES ? len : SNIFF_BYTES)) {
        /* Not a document: if it was one, the sync deletes it. */
        if (k)
            k->seen = 0;
        free(text);
        return 0;
    }
    if (sou_doc_new(&doc, id, id_len) != SOU_OK) {
        report(st, path, "%s", sou_error_last()->message);
        free(text);
        st->skipped++;
        st->f_failed++;
        return 0;
    }
    title_len = find_title(text, len, title);
    if ((title_len &&
         sou_doc_add_field(doc, "title", title, title_cut(title, title_len), 0, 0) != SOU_OK) ||
        sou_doc_add_field(doc, "body", text, len, 0, 0) != SOU_OK ||
        sou_doc_set_value(doc, "mtime", mtime) != SOU_OK ||
        sou_doc_set_value(doc, "mtime_nsec", nsec) != SOU_OK ||
        sou_doc_set_value(doc, "size", size) != SOU_OK) {
        report(st, path, "%s", sou_error_last()->message);
        sou_doc_free(doc);
        free(text);
        st->skipped++;
        st->f_failed++;
        return 0;
    }
    free(text);
    {
        unsigned long long skipped = st->skipped;
        rc = add_doc(st, path, doc);
        if (rc == 0 && st->skipped == skipped) {
            if (k) {
                st->f_updated++;
                /* Named again in this run, it is unchanged. */
                k->size = size, k->mtime = mtime, k->nsec = nsec;
            } else {
                st->f_added++;
            }
        } else {
            st->f_failed++;
        }
    }
    return rc;
}

/* ---------------------------------------------------- ignore patterns */

/* "dir/" patterns match directories only; a pattern with a slash elsewhere
 * matches the path from its base directory, one without the name; "!pat"
 * includes again what pat matches (a leading "\!" is a literal '!'). */
static int pattern_add(pattern_set *ps, const char *text, size_t len)
{
    pattern *p;
    char *glob;
    int negated = 0;

    while (len && (text[len - 1] == ' ' || text[len - 1] == '\r' || text[len - 1] == '\t'))
        len--;
    if (len && text[0] == '!')
        negated = 1, text++, len--;
    if (!len)
        return 0;
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 8;
        pattern *bigger = realloc(ps->pats, cap * sizeof *bigger);
        if (!bigger)
            return -1;
        ps->pats = bigger;
        ps->cap = cap;
    }
    p = &ps->pats[ps->n];
    p->dir_only = len > 1 && text[len - 1] == '/';
    if (p->dir_only)
        len--;
    p->anchored = memchr(text, '/', len) != NULL;
    p->negated = negated;
    if (text[0] == '/')
        text++, len--;
    if (!(glob = malloc(len + 1)))
        return -1;
    memcpy(glob, text, len);
    glob[len] = '\0';
    p->glob = glob;
    ps->n++;
    return 0;
}

static void pattern_set_free(pattern_set *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        free(ps->pats[i].glob);
    free(ps->pats);
    memset(ps, 0, sizeof *ps);
}

/* The verdict of the last pattern of ps that matches: 1 left out, -1
 * included again ("!"), 0 when none matches. */
static int pattern_set_match(const pattern_set *ps, const char *rel, const char *name, int is_dir)
{
    for (size_t i = ps->n; i-- > 0;) {
        const pattern *p = &ps->pats[i];
        if (p->dir_only && !is_dir)
            continue;
        if (fnmatch(p->glob, p->anchored ? rel : name, p->anchored ? FNM_PATHNAME : 0) == 0)
            return p->negated ? -1 : 1;
    }
    return 0;
}

/* Reads DIR/.souignore, if there is one, as a pattern set based at dir. */
static int ignore_load(ix_state *st, const char *dir, size_t dir_len, int level)
{
    char *file = malloc(dir_len + sizeof "/" IGNORE_FILE);
    FILE *fp;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    pattern_set ps;

    if (!file)
        return -1;
    memcpy(file, dir, dir_len);
    memcpy(file + dir_len, "/" IGNORE_FILE, sizeof "/" IGNORE_FILE);
    fp = fopen(file, "r");
    if (!fp) {
        if (errno != ENOENT)
            report(st, file, "cannot open: %s", strerror(errno));
        free(file);
        return 0;
    }
    memset(&ps, 0, sizeof ps);
    ps.base_len = dir_len;
    ps.level = level;
    while ((n = getline(&line, &cap, fp)) > 0) {
        size_t len = (size_t)n;
        if (line[len - 1] == '\n')
            len--;
        if (len == 0 || line[0] == '#')
            continue;
        if (pattern_add(&ps, line, len) != 0) {
            free(line);
            fclose(fp);
            free(file);
            pattern_set_free(&ps);
            return -1;
        }
    }
    free(line);
    fclose(fp);
    free(file);
    if (!ps.n)
        return 0;
    if (st->nignore == IGNORE_DEPTH) {
        pattern_set_free(&ps);
        return 0;
    }
    st->ignore[st->nignore++] = ps;
    return 0;
}

/* Whether the walk leaves out path (its last component name): hidden, or
 * left out by the last pattern that matches it. The .souignore files
 * above it count from the outermost in, then --exclude (from the root), so
 * a nearer file overrides a farther one and the command line both. */
static int left_out(const ix_state *st, const char *path, size_t path_len, const char *name,
                    int is_dir)
{
    int verdict = 0, v;

    if (name[0] == '.')
        return 1;
    for (size_t i = 0; i < st->nignore; i++)
        if (path_len > st->ignore[i].base_len &&
            (v = pattern_set_match(&st->ignore[i], path + st->ignore[i].base_len + 1, name,
                                   is_dir)) != 0)
            verdict = v;
    if (path_len > st->root_len &&
        (v = pattern_set_match(&st->exclude, path + st->root_len + 1, name, is_dir)) != 0)
        verdict = v;
    return verdict > 0;
}

/* ---------------------------------------------------------- the walk */

/* Whether sb is the index directory's. Device and inode, not path strings:
 * the index may be named by another path than the one walked. */
static int is_index_dir(const ix_state *st, const struct stat *sb)
{
    return st->index_known && S_ISDIR(sb->st_mode) && sb->st_dev == st->index_sb.st_dev &&
           sb->st_ino == st->index_sb.st_ino;
}

/* Whether path is the index directory or lies under it, symbolic links
 * resolved. */
static int in_index(const ix_state *st, const char *path)
{
    char *real;
    int inside = 0;

    if (!st->index_known || !(real = realpath(path, NULL)))
        return 0;
    for (;;) {
        struct stat sb;
        char *slash;

        if (stat(*real ? real : "/", &sb) == 0 && is_index_dir(st, &sb)) {
            inside = 1;
            break;
        }
        slash = strrchr(real, '/');
        if (!slash || !*real)
            break;
        *slash = '\0';
    }
    free(real);
    return inside;
}

/* Drops the patterns of directory e when the walk leaves it. */
static void ignore_pop(ix_state *st, const FTSENT *e)
{
    if (st->nignore && st->ignore[st->nignore - 1].level == e->fts_level &&
        st->ignore[st->nignore - 1].base_len == e->fts_pathlen)
        pattern_set_free(&st->ignore[--st->nignore]);
}

static int name_order(const FTSENT **a, const FTSENT **b)
{
    return strcmp((*a)->fts_name, (*b)->fts_name);
}

/* Walks the directory root (a canonical path) with fts(3): symbolic links
 * are not followed into directories (no loops); a link to a file is
 * indexed under its own path. Returns -1 when indexing must stop. */
static int index_dir(ix_state *st, const char *root)
{
    char *paths[2];
    FTS *fts;
    FTSENT *e;
    int rc = 0;

    paths[0] = (char *)root;
    paths[1] = NULL;
    st->root_len = strlen(root);
    /* "/" as the root: children are "/x", the base is "". */
    if (st->root_len == 1)
        st->root_len = 0;
    fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, name_order);
    if (!fts && st->counting)
        return 0;
    if (!fts) {
        report(st, root, "cannot walk: %s", strerror(errno));
        known_keep_under(st, root);
        st->skipped++;
        st->f_failed++;
        return 0;
    }
    while (rc == 0) {
        /* fts_read returns NULL at the end, and with errno set on failure. */
        errno = 0;
        if (!(e = fts_read(fts))) {
            if (errno && !st->counting) {
                report(st, root, "cannot walk: %s", strerror(errno));
                known_keep_under(st, root);
                st->skipped++;
                st->f_failed++;
            }
            break;
        }
        if (interrupted) {
            st->stopped = 1;
            break;
        }
        switch (e->fts_info) {
        case FTS_D:
            if (e->fts_level > 0 &&
                (is_index_dir(st, e->fts_statp) ||
                 left_out(st, e->fts_path, e->fts_pathlen, e->fts_name, 1))) {
                fts_set(fts, e, FTS_SKIP);
                break;
            }
            if (ignore_load(st, e->fts_path, e->fts_pathlen, e->fts_level) != 0) {
                progress_clear(st);
                cli_warn("out of memory");
                st->failed = 1;
                rc = -1;
            }
            break;
        case FTS_DP:
            ignore_pop(st, e);
            break;
        case FTS_F:
            if (!left_out(st, e->fts_path, e->fts_pathlen, e->fts_name, 0))
                rc = index_file(st, e->fts_path, e->fts_path, e->fts_statp, 1);
            break;
        case FTS_SL: {
            struct stat sb;
            if (left_out(st, e->fts_path, e->fts_pathlen, e->fts_name, 0))
                break;
            if (stat(e->fts_path, &sb) != 0) {
                if (st->counting)
                    break;
                report(st, e->fts_path, "%s", strerror(errno));
                st->skipped++;
                st->f_failed++;
            } else if (S_ISREG(sb.st_mode) && !in_index(st, e->fts_path)) {
                /* Links to directories could make loops: only files count. */
                rc = index_file(st, e->fts_path, e->fts_path, &sb, 1);
            }
            break;
        }
        case FTS_DNR:
        case FTS_ERR:
        case FTS_NS:
            /* A directory that cannot be read comes back as FTS_DNR, with
             * no FTS_DP. */
            ignore_pop(st, e);
            if (st->counting || (e->fts_level > 0 && e->fts_name[0] == '.'))
                break;
            report(st, e->fts_path, "cannot read%s: %s",
                   e->fts_info == FTS_DNR ? " the directory" : "", strerror(e->fts_errno));
            known_keep_under(st, e->fts_path);
            if (e->fts_info == FTS_NS) {
                known_doc *k = known_find(st, e->fts_path);
                if (k)
                    k->seen = 1;
            }
            st->skipped++;
            st->f_failed++;
            break;
        default:
            /* Devices, sockets, fifos: not documents. */
            break;
        }
    }
    while (st->nignore)
        pattern_set_free(&st->ignore[--st->nignore]);
    fts_close(fts);
    return rc;
}

/* Deletes the documents under the synced roots that the walk did not find
 * (after the documents are committed, so that a failure there costs no
 * document). */
static void delete_missing(ix_state *st)
{
    unsigned long long n = 0;

    for (size_t i = 0; i < st->nknown; i++) {
        const known_doc *k = &st->known[i];
        int rc;
        if (!k->scoped || k->seen)
            continue;
        if (!n && sou_index_begin(st->index) != SOU_OK) {
            index_failed(st, NULL);
            return;
        }
        rc = sou_index_delete(st->index, k->id, strlen(k->id));
        if (rc == SOU_ENOTFOUND)
            continue;
        if (rc != SOU_OK) {
            cli_lib_error();
            sou_index_cancel(st->index);
            st->failed = 1;
            return;
        }
        n++;
    }
    if (!n)
        return;
    if (sou_index_commit(st->index) != SOU_OK) {
        cli_lib_error();
        cli_warn("the deletions failed; the index keeps its documents");
        st->failed = 1;
        return;
    }
    st->f_deleted = n;
}

/* ------------------------------------------------------------ inputs */

typedef struct input {
    enum { IN_JSONL, IN_DIR, IN_FILE, IN_BAD } kind;
    const char *arg; /* as given */
    char *canon;     /* IN_DIR, IN_FILE: the canonical path, the id */
} input;

static char *path_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl == 0 || dir[dl - 1] != '/';
    char *out = malloc(dl + slash + nl + 1);

    if (!out)
        return NULL;
    memcpy(out, dir, dl);
    if (slash)
        out[dl] = '/';
    memcpy(out + dl + slash, name, nl + 1);
    return out;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t sl = strlen(s), xl = strlen(suffix);
    return sl > xl && strcasecmp(s + sl - xl, suffix) == 0;
}

/* The canonical path of a file: its directory's realpath(3) and its own
 * name, so that a link keeps its name (and its id). NULL with errno set. */
static char *canonical_file(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir, *real, *out;

    if (!slash)
        dir = strdup(".");
    else if (slash == path)
        dir = strdup("/");
    else
        dir = strndup(path, (size_t)(slash - path));
    if (!dir)
        return NULL;
    real = realpath(dir, NULL);
    free(dir);
    if (!real)
        return NULL;
    out = path_join(real, slash ? slash + 1 : path);
    free(real);
    return out;
}

/* Sorts out the PATH arg into *in; what cannot be indexed is reported and
 * counted now. Returns -1 only when out of memory. */
static int resolve_input(ix_state *st, const char *arg, input *in)
{
    struct stat sb;

    in->arg = arg;
    in->canon = NULL;
    in->kind = IN_BAD;
    if (stat(arg, &sb) != 0) {
        report(st, arg, "%s", strerror(errno));
    } else if (in_index(st, arg)) {
        report(st, arg, "part of the index itself: not indexed");
    } else if (S_ISDIR(sb.st_mode)) {
        if ((in->canon = realpath(arg, NULL)))
            in->kind = IN_DIR;
        else
            report(st, arg, "%s", strerror(errno));
        st->size_known = 0;
    } else if (!S_ISREG(sb.st_mode)) {
        report(st, arg, "not a regular file");
    } else if (has_suffix(arg, ".jsonl") || has_suffix(arg, ".ndjson")) {
        in->kind = IN_JSONL;
        st->total_bytes += (uint64_t)sb.st_size;
    } else if ((in->canon = canonical_file(arg))) {
        in->kind = IN_FILE;
        st->total_bytes += (uint64_t)sb.st_size;
    } else if (errno == ENOMEM) {
        cli_warn("out of memory");
        return -1;
    } else {
        report(st, arg, "%s", strerror(errno));
    }
    if (in->kind == IN_BAD) {
        st->skipped++;
        st->f_failed++;
    }
    return 0;
}

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* SIGINT and SIGTERM set the flag the loops check; a second one ends the
 * process as usual (SA_RESETHAND). No SA_RESTART: a read waiting on a pipe
 * returns, so that the flag is seen. */
static void catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ------------------------------------------------------------------ main */

int cmd_index(cli_global *g, int argc, char **argv)
{
    enum {
        OPT_JSONL = 256,
        OPT_COMMIT_EVERY,
        OPT_MAX_LINE,
        OPT_CJK,
        OPT_STEM,
        OPT_NO_STEM,
        OPT_FOLD_HANT,
        OPT_BULK,
        OPT_NO_BULK,
        OPT_THREADS,
        OPT_EXCLUDE,
        OPT_NO_DELETE,
        OPT_VALUE
    };
    static const struct option longopts[] = {
        { "jsonl", required_argument, NULL, OPT_JSONL },
        { "commit-every", required_argument, NULL, OPT_COMMIT_EVERY },
        { "max-line-bytes", required_argument, NULL, OPT_MAX_LINE },
        { "cjk", required_argument, NULL, OPT_CJK },
        { "stem", required_argument, NULL, OPT_STEM },
        { "no-stem", no_argument, NULL, OPT_NO_STEM },
        { "fold-hant", no_argument, NULL, OPT_FOLD_HANT },
        { "bulk", no_argument, NULL, OPT_BULK },
        { "no-bulk", no_argument, NULL, OPT_NO_BULK },
        { "threads", required_argument, NULL, OPT_THREADS },
        { "exclude", required_argument, NULL, OPT_EXCLUDE },
        { "no-delete", no_argument, NULL, OPT_NO_DELETE },
        { "value", required_argument, NULL, OPT_VALUE },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char **jsonl = calloc((size_t)argc + 1, sizeof *jsonl);
    const char **excl = calloc((size_t)argc + 1, sizeof *excl);
    size_t njsonl = 0, nstdin = 0;
    const char *cjk = NULL, *stemmer = NULL;
    int fold_hant = 0, custom = 0, bulk = -1, no_delete = 0, pipe_input = 0, c, rc;
    input *inputs = NULL;
    size_t ninputs = 0, nfiles = 0, nexcl = 0;
    sou_bulk_options bopts = SOU_BULK_OPTIONS_INIT;
    sou_analyzer_options aopts;
    ix_state st;
    double secs;

    if (!jsonl || !excl) {
        free(jsonl);
        free(excl);
        cli_warn("out of memory");
        return CLI_FAIL;
    }
    memset(&st, 0, sizeof st);
    st.max_line = MAX_LINE_DEFAULT;
    while ((c = cli_getopt(g, "index", argc, argv, "h", longopts)) != -1) {
        switch (c) {
        case OPT_JSONL:
            jsonl[njsonl++] = optarg;
            nstdin += strcmp(optarg, "-") == 0;
            break;
        case OPT_COMMIT_EVERY:
            if (cli_parse_size(optarg, &st.commit_every) != 0) {
                free(jsonl);
                free(excl);
                return cli_usage_error("index", "--commit-every: not a number: '%s'", optarg);
            }
            break;
        case OPT_MAX_LINE:
            /* The reader needs one byte more than the limit. */
            if (cli_parse_size(optarg, &st.max_line) != 0 || st.max_line == 0 ||
                st.max_line == SIZE_MAX) {
                free(jsonl);
                free(excl);
                return cli_usage_error("index", "--max-line-bytes: not a positive number: '%s'",
                                       optarg);
            }
            break;
        case OPT_CJK: cjk = optarg, custom = 1; break;
        case OPT_STEM: stemmer = optarg, custom = 1; break;
        case OPT_NO_STEM: stemmer = "none", custom = 1; break;
        case OPT_FOLD_HANT: fold_hant = 1, custom = 1; break;
        case OPT_EXCLUDE:
            excl[nexcl++] = optarg;
            break;
        case OPT_NO_DELETE: no_delete = 1; break;
        case OPT_BULK: bulk = 1; break;
        case OPT_NO_BULK: bulk = 0; break;
        case OPT_THREADS: {
            size_t n;
            if (cli_parse_size(optarg, &n) != 0 || n == 0 || n > 64) {
                free(jsonl);
                free(excl);
                return cli_usage_error("index", "--threads: a number from 1 to 64: '%s'", optarg);
            }
            bopts.threads = (unsigned int)n;
            break;
        }
        case OPT_VALUE:
            if (cli_values_add(&st.values, optarg) != 0) {
                free(jsonl);
                free(excl);
                return cli_usage_error("index", "--value: want a name [a-z][a-z0-9_]* (at most "
                                                "%d of them): '%s'",
                                       CLI_VALUES_MAX, optarg);
            }
            break;
        case 'h':
            free(jsonl);
            free(excl);
            usage(stdout);
            return cli_finish(CLI_OK);
        default:
            free(jsonl);
            free(excl);
            return cli_usage_hint("index");
        }
    }
    if (njsonl == 0 && optind >= argc) {
        free(jsonl);
        free(excl);
        return cli_usage_error("index", "nothing to index: give --jsonl FILE or a PATH");
    }
    if (nstdin > 1) {
        free(jsonl);
        free(excl);
        return cli_usage_error("index", "standard input can be read only once");
    }
    if (cli_analyzer_options("index", cjk, stemmer, fold_hant, &aopts) != 0) {
        free(jsonl);
        free(excl);
        return CLI_USAGE;
    }
    /* Without settings of its own, an existing index keeps its recorded ones. */
    rc = cli_index_open(g, "index", SOU_INDEX_CREATE, custom ? &aopts : NULL, &st.index);
    if (rc != CLI_OK) {
        free(jsonl);
        free(excl);
        return rc;
    }
    /* The time and rates count from here: listing what the index holds is
     * part of the work of a sync. */
    st.t0 = st.last_progress = now();
    st.index_known = stat(g->db, &st.index_sb) == 0 && S_ISDIR(st.index_sb.st_mode);
    for (size_t i = 0; i < nexcl; i++) {
        if (pattern_add(&st.exclude, excl[i], strlen(excl[i])) != 0) {
            cli_warn("out of memory");
            st.failed = 1;
            goto done;
        }
    }
    inputs = calloc((size_t)(argc - optind) + njsonl + 1, sizeof *inputs);
    if (!inputs) {
        cli_warn("out of memory");
        st.failed = 1;
        goto done;
    }
    st.size_known = 1;
    for (size_t i = 0; i < njsonl; i++) {
        struct stat sb;
        inputs[ninputs].kind = IN_JSONL;
        inputs[ninputs++].arg = jsonl[i];
        if (strcmp(jsonl[i], "-") != 0 && stat(jsonl[i], &sb) == 0 && S_ISREG(sb.st_mode))
            st.total_bytes += (uint64_t)sb.st_size;
        else
            st.size_known = 0, pipe_input = 1;
    }
    for (int i = optind; i < argc; i++) {
        if (resolve_input(&st, argv[i], &inputs[ninputs]) != 0) {
            st.failed = 1;
            goto done;
        }
        if (inputs[ninputs].kind == IN_JSONL)
            njsonl++;
        else if (inputs[ninputs].kind != IN_BAD)
            nfiles++;
        ninputs++;
    }
    /* What the index holds under each directory, before anything changes. */
    for (size_t i = 0; i < ninputs; i++) {
        input *in = &inputs[i];
        if (in->kind == IN_DIR) {
            char *prefix = path_join(in->canon, "");
            int lrc = prefix ? known_list(&st, prefix, NULL, 1) : -1;
            if (!prefix)
                cli_warn("out of memory");
            free(prefix);
            if (lrc != 0) {
                st.failed = 1;
                goto done;
            }
        } else if (in->kind == IN_FILE && known_list(&st, in->canon, in->canon, 0) != 0) {
            st.failed = 1;
            goto done;
        }
    }
    known_sort(&st);
    if (bulk < 0) {
        /* Bulk by default for JSON lines into an empty index, unless
         * commits along the way are asked for: the merge at the end costs
         * less than it saves there. */
        uint64_t ndocs = 1;
        struct stat dsb;
        bulk = njsonl > 0 && !st.commit_every && stat(g->db, &dsb) == 0 && S_ISDIR(dsb.st_mode) &&
               sou_index_doc_count(st.index, &ndocs) == SOU_OK && ndocs == 0;
    }
    if (!st.commit_every)
        st.commit_every = COMMIT_DEFAULT;
    catch_signals();
    if (bulk) {
        /* The workers inherit the mask: the signals go to this thread. */
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        rc = sou_bulk_begin(&st.bulk, st.index, &bopts);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != SOU_OK) {
            cli_lib_error();
            st.failed = 1;
            goto done;
        }
    }
    st.progress = isatty(STDERR_FILENO);
    if (st.progress && !st.size_known) {
        /* On a terminal, a first walk adds up the sizes of the files, so
         * that the progress line can say how far the sync is. */
        st.counting = 1;
        for (size_t i = 0; i < ninputs && !pipe_input && !interrupted; i++)
            if (inputs[i].kind == IN_DIR)
                index_dir(&st, inputs[i].canon);
        st.counting = 0;
        st.size_known = !pipe_input && !interrupted;
    }
    for (size_t i = 0; i < ninputs && !st.failed && !st.stopped; i++) {
        input *in = &inputs[i];
        switch (in->kind) {
        case IN_JSONL: index_jsonl(&st, in->arg); break;
        case IN_DIR: index_dir(&st, in->canon); break;
        case IN_FILE: {
            struct stat sb;
            if (stat(in->arg, &sb) != 0) {
                report(&st, in->arg, "%s", strerror(errno));
                st.skipped++;
                st.f_failed++;
            } else {
                index_file(&st, in->arg, in->canon, &sb, 0);
            }
            break;
        }
        case IN_BAD: break;
        }
        if (interrupted)
            st.stopped = 1;
    }
    progress_clear(&st);
    if (st.bulk) {
        /* Finishing merges the shards, and frees the bulk either way. */
        if (st.failed) {
            sou_bulk_cancel(st.bulk);
        } else if (sou_bulk_finish(st.bulk) != SOU_OK) {
            index_failed(&st, NULL);
        } else {
            st.committed += st.since_commit;
            st.since_commit = 0;
        }
        st.bulk = NULL;
    } else if (!st.failed) {
        commit_batch(&st, NULL);
    }
    /* Only a whole walk tells what is gone. */
    if (!st.failed && !st.stopped && !interrupted && !no_delete)
        delete_missing(&st);
done:
    /* After a failure this cancels the open batch. */
    if (sou_index_close(st.index) != SOU_OK && !st.failed) {
        cli_lib_error();
        st.failed = 1;
    }
    secs = now() - st.t0;
    if (nfiles)
        fprintf(stderr, "files: added %llu, updated %llu, unchanged %llu, deleted %llu, failed %llu\n",
                st.f_added, st.f_updated, st.f_unchanged, st.f_deleted, st.f_failed);
    for (size_t i = 0; i < ninputs; i++)
        free(inputs[i].canon);
    free(inputs);
    free(jsonl);
    free(excl);
    for (size_t i = 0; i < st.nknown; i++)
        free(st.known[i].id);
    free(st.known);
    pattern_set_free(&st.exclude);
    if ((st.stopped || interrupted) && !st.failed) {
        cli_warn("interrupted: %llu document%s committed", st.committed,
                 st.committed == 1 ? "" : "s");
        return cli_finish(EXIT_INTERRUPTED);
    }
    if (st.failed)
        fprintf(stderr,
                "indexed %llu document%s (%llu skipped, %llu lost to the failure) in %.2f s, "
                "%.0f docs/s\n",
                st.committed, st.committed == 1 ? "" : "s", st.skipped, st.lost, secs,
                secs > 0 ? (double)st.committed / secs : 0.0);
    else
        fprintf(stderr, "indexed %llu document%s (%llu skipped) in %.2f s, %.0f docs/s\n",
                st.committed, st.committed == 1 ? "" : "s", st.skipped, secs,
                secs > 0 ? (double)st.committed / secs : 0.0);
    return cli_finish(st.failed || st.skipped ? CLI_FAIL : CLI_OK);
}
