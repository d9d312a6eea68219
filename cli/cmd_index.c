/* cmd_index.c: sou index, documents from JSON lines or text files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

static void usage(FILE *out)
{
    fputs("Usage: sou [-d DIR] index [OPTIONS] [--jsonl FILE|-]... [PATH...]\n"
          "Add documents to the index in DIR, creating it if needed. A document\n"
          "with the id of one already indexed replaces it.\n"
          "\n"
          "Options:\n"
          "  --jsonl FILE        read JSON lines from FILE ('-': standard input)\n"
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
          "Each JSON line is an object with a non-empty string \"id\". Other string\n"
          "members become text fields (\"title\" weighs 3, others 1), arrays of\n"
          "strings repeat a field, numbers become sortable values (see search\n"
          "--sort); other members are ignored. Member names are [a-z][a-z0-9_]*.\n"
          "A member named with --value NAME (repeatable) is a value: a number, a\n"
          "string of a number, or an ISO 8601 date string (2019, 2019-03-14,\n"
          "2019-03-14T10:00:00Z; stored as seconds since the epoch, UTC), which\n"
          "search ranges (NAME:2019..2020) and facets then read as dates.\n"
          "\n"
          "A PATH is a text or Markdown file, or a directory read recursively\n"
          "(hidden entries, binary files and symbolic links to directories are\n"
          "left out). Its id is the path, its title the first Markdown heading or\n"
          "else the first non-empty line, its body the whole text, and its value\n"
          "\"mtime\" the modification time.\n"
          "\n"
          "An index inside a directory being read is left out of it.\n"
          "\n"
          "Bad lines and unreadable files are reported as FILE:LINE: MESSAGE and\n"
          "skipped; the rest is indexed. When the index itself fails (a full disk),\n"
          "indexing stops: the documents since the last commit are lost, the index\n"
          "keeps its last commit, and the summary counts committed documents only.\n"
          "Exit status 1 when anything was skipped or lost.\n",
          out);
}

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

static void progress_update(ix_state *st)
{
    double t;

    if (!st->progress)
        return;
    t = now();
    if (t - st->last_progress < PROGRESS_PERIOD)
        return;
    st->last_progress = t;
    fprintf(stderr, "\r\033[Kindexed %llu documents, %.0f docs/s",
            st->committed + st->since_commit,
            t > st->t0 ? (double)(st->committed + st->since_commit) / (t - st->t0) : 0.0);
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

/* Adds member key of a JSON line to doc. Returns 0, or -1 after
 * reporting why the line is skipped. */
static int add_member(ix_state *st, const char *where, sou_doc *doc, const char *key,
                      json_t *value)
{
    int rc = SOU_OK;

    if (cli_values_has(&st->values, key)) {
        const char *why;
        if (cli_value_member(doc, key, value, &why) == SOU_OK)
            return 0;
        report(st, where, "member \"%s\": %s", key, why ? why : sou_error_last()->message);
        return -1;
    }
    if (json_is_string(value)) {
        rc = sou_doc_add_field(doc, key, json_string_value(value), json_string_length(value), 0,
                               0);
    } else if (json_is_number(value)) {
        rc = sou_doc_set_value(doc, key, json_number_value(value));
    } else if (json_is_array(value)) {
        size_t i;
        json_t *item;
        json_array_foreach(value, i, item) {
            if (!json_is_string(item))
                continue;
            rc = sou_doc_add_field(doc, key, json_string_value(item), json_string_length(item), 0,
                                   0);
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
    json_t *obj, *id, *value;
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
    id = json_object_get(obj, "id");
    if (!id) {
        report(st, where, "no \"id\"");
        goto skip;
    }
    if (!json_is_string(id)) {
        report(st, where, "\"id\" is not a string");
        goto skip;
    }
    if (json_string_length(id) == 0) {
        report(st, where, "\"id\" is empty");
        goto skip;
    }
    if (sou_doc_new(&doc, json_string_value(id), json_string_length(id)) != SOU_OK) {
        report(st, where, "\"id\": %s", sou_error_last()->message);
        goto skip;
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
    char block[READ_BLOCK];
} line_reader;

enum { LINE_OK, LINE_EOF, LINE_ERROR, LINE_TOO_LONG, LINE_NOMEM };

/* Reads the next line into r->line, its length in bytes in *len. A line of
 * more than max bytes (LINE_TOO_LONG) or one there is no memory for
 * (LINE_NOMEM) is read to its end and dropped, *len its whole length. At the
 * end of the input LINE_EOF; LINE_ERROR with errno set when read fails. */
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
            while (got < 0 && errno == EINTR);
            if (got < 0)
                return LINE_ERROR;
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

/* Trims blanks and, for a heading, its closing run of '#'. */
static void trim(const char **s, size_t *len, int heading)
{
    while (*len && is_blank(**s))
        (*s)++, (*len)--;
    while (*len && is_blank((*s)[*len - 1]))
        (*len)--;
    if (heading) {
        size_t n = *len;
        while (n && (*s)[n - 1] == '#')
            n--;
        if (n == 0 || is_blank((*s)[n - 1])) {
            *len = n;
            while (*len && is_blank((*s)[*len - 1]))
                (*len)--;
        }
    }
}

/* The length of the ATX heading marker ("#".."######" and a blank) that
 * starts line, or 0. Up to three leading spaces are allowed. */
static size_t heading_marker(const char *line, size_t len)
{
    size_t i = 0, hashes = 0;

    while (i < len && i < 3 && line[i] == ' ')
        i++;
    while (i < len && line[i] == '#')
        i++, hashes++;
    if (hashes == 0 || hashes > 6)
        return 0;
    if (i < len && !is_blank(line[i]))
        return 0;
    return i;
}

static int is_fence(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && i < 3 && line[i] == ' ')
        i++;
    return len - i >= 3 && (memcmp(line + i, "```", 3) == 0 || memcmp(line + i, "~~~", 3) == 0);
}

/* The first Markdown heading of text outside code fences and front
 * matter, else its first non-empty line. */
static void find_title(const char *text, size_t len, const char **title, size_t *title_len)
{
    const char *p = text, *end = text + len, *first = NULL;
    size_t first_len = 0;
    int in_fence = 0;

    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    /* YAML front matter: "---" up to the next "---" or "...". */
    if (end - p >= 4 && (memcmp(p, "---\n", 4) == 0 || memcmp(p, "---\r", 4) == 0)) {
        const char *q = memchr(p, '\n', (size_t)(end - p));
        while (q && q < end) {
            const char *l = q + 1, *nl = memchr(l, '\n', (size_t)(end - l));
            size_t ll = (size_t)((nl ? nl : end) - l);
            if (ll >= 3 && (memcmp(l, "---", 3) == 0 || memcmp(l, "...", 3) == 0) &&
                strspn(l + 3, " \t\r") >= ll - 3) {
                p = nl ? nl + 1 : end;
                break;
            }
            q = nl;
        }
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line = p;
        size_t ll = (size_t)((nl ? nl : end) - p), m;

        p = nl ? nl + 1 : end;
        if (is_fence(line, ll)) {
            in_fence = !in_fence;
            continue;
        }
        if (!in_fence && (m = heading_marker(line, ll)) > 0) {
            const char *h = line + m;
            size_t hl = ll - m;
            trim(&h, &hl, 1);
            if (hl) {
                *title = h;
                *title_len = hl;
                return;
            }
            continue;
        }
        if (!first) {
            const char *s = line;
            size_t sl = ll;
            trim(&s, &sl, 0);
            if (sl) {
                first = s;
                first_len = sl;
            }
        }
    }
    *title = first;
    *title_len = first_len;
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

/* Indexes one regular file; in_walk: found in a directory, where binary
 * files are passed over. Returns -1 only when indexing must stop. */
static int index_file(ix_state *st, const char *path, const struct stat *sb, int in_walk)
{
    FILE *fp = fopen(path, "rb");
    char *text;
    size_t len, title_len;
    const char *title;
    sou_doc *doc;

    if (!fp) {
        report(st, path, "cannot open: %s", strerror(errno));
        st->skipped++;
        return 0;
    }
    text = cli_read_all(fp, &len);
    if (!text) {
        report(st, path, "cannot read: %s", strerror(errno));
        fclose(fp);
        st->skipped++;
        return 0;
    }
    fclose(fp);
    if (in_walk && memchr(text, '\0', len < SNIFF_BYTES ? len : SNIFF_BYTES)) {
        free(text);
        return 0;
    }
    if (sou_doc_new(&doc, path, strlen(path)) != SOU_OK) {
        report(st, path, "%s", sou_error_last()->message);
        free(text);
        st->skipped++;
        return 0;
    }
    find_title(text, len, &title, &title_len);
    if ((title &&
         sou_doc_add_field(doc, "title", title, title_cut(title, title_len), 0, 0) != SOU_OK) ||
        sou_doc_add_field(doc, "body", text, len, 0, 0) != SOU_OK ||
        sou_doc_set_value(doc, "mtime", (double)sb->st_mtime) != SOU_OK) {
        report(st, path, "%s", sou_error_last()->message);
        sou_doc_free(doc);
        free(text);
        st->skipped++;
        return 0;
    }
    free(text);
    return add_doc(st, path, doc);
}

static int not_hidden(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

static char *path_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl > 0 && dir[dl - 1] != '/';
    char *out = malloc(dl + slash + nl + 1);

    if (!out)
        return NULL;
    memcpy(out, dir, dl);
    if (slash)
        out[dl] = '/';
    memcpy(out + dl + slash, name, nl + 1);
    return out;
}

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

static int index_dir(ix_state *st, const char *dir);

/* Indexes the entry name of directory dir. */
static int index_entry(ix_state *st, const char *dir, const char *name)
{
    char *child = path_join(dir, name);
    struct stat sb;
    int rc = 0, link;

    if (!child) {
        progress_clear(st);
        cli_warn("out of memory");
        st->failed = 1;
        return -1;
    }
    if (lstat(child, &sb) != 0) {
        report(st, child, "%s", strerror(errno));
        st->skipped++;
        free(child);
        return 0;
    }
    link = S_ISLNK(sb.st_mode);
    if (link && stat(child, &sb) != 0) {
        report(st, child, "%s", strerror(errno));
        st->skipped++;
    } else if (S_ISDIR(sb.st_mode)) {
        /* A link to a directory could make a loop: only links to files
         * count. The index is not a document source: its files (the lock
         * among them) change while it is written. */
        if (!link && !is_index_dir(st, &sb))
            rc = index_dir(st, child);
    } else if (S_ISREG(sb.st_mode)) {
        /* A link may lead into the index; a plain file there cannot, as
         * the walk never enters it. */
        if (!link || !in_index(st, child))
            rc = index_file(st, child, &sb, 1);
    }
    free(child);
    return rc;
}

static int index_dir(ix_state *st, const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, not_hidden, alphasort);
    int rc = 0;

    if (n < 0) {
        report(st, dir, "cannot read the directory: %s", strerror(errno));
        st->skipped++;
        return 0;
    }
    for (int i = 0; i < n; i++) {
        if (rc == 0)
            rc = index_entry(st, dir, names[i]->d_name);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int index_path(ix_state *st, const char *path)
{
    struct stat sb;

    if (stat(path, &sb) != 0) {
        report(st, path, "%s", strerror(errno));
        st->skipped++;
        return 0;
    }
    if (in_index(st, path)) {
        report(st, path, "part of the index itself: not indexed");
        st->skipped++;
        return 0;
    }
    if (S_ISDIR(sb.st_mode))
        return index_dir(st, path);
    if (!S_ISREG(sb.st_mode)) {
        report(st, path, "not a regular file");
        st->skipped++;
        return 0;
    }
    return index_file(st, path, &sb, 0);
}

/* ------------------------------------------------------------------ main */

int cmd_index(const cli_global *g, int argc, char **argv)
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
        { "value", required_argument, NULL, OPT_VALUE },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char **jsonl = calloc((size_t)argc + 1, sizeof *jsonl);
    size_t njsonl = 0, nstdin = 0;
    const char *cjk = NULL, *stemmer = NULL;
    int fold_hant = 0, custom = 0, bulk = -1, c, rc;
    sou_bulk_options bopts = SOU_BULK_OPTIONS_INIT;
    sou_analyzer_options aopts;
    ix_state st;
    double secs;

    if (!jsonl) {
        cli_warn("out of memory");
        return CLI_FAIL;
    }
    memset(&st, 0, sizeof st);
    st.max_line = MAX_LINE_DEFAULT;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_JSONL:
            jsonl[njsonl++] = optarg;
            nstdin += strcmp(optarg, "-") == 0;
            break;
        case OPT_COMMIT_EVERY:
            if (cli_parse_size(optarg, &st.commit_every) != 0) {
                free(jsonl);
                return cli_usage_error("index", "--commit-every: not a number: '%s'", optarg);
            }
            break;
        case OPT_MAX_LINE:
            /* The reader needs one byte more than the limit. */
            if (cli_parse_size(optarg, &st.max_line) != 0 || st.max_line == 0 ||
                st.max_line == SIZE_MAX) {
                free(jsonl);
                return cli_usage_error("index", "--max-line-bytes: not a positive number: '%s'",
                                       optarg);
            }
            break;
        case OPT_CJK: cjk = optarg, custom = 1; break;
        case OPT_STEM: stemmer = optarg, custom = 1; break;
        case OPT_NO_STEM: stemmer = "none", custom = 1; break;
        case OPT_FOLD_HANT: fold_hant = 1, custom = 1; break;
        case OPT_BULK: bulk = 1; break;
        case OPT_NO_BULK: bulk = 0; break;
        case OPT_THREADS: {
            size_t n;
            if (cli_parse_size(optarg, &n) != 0 || n == 0 || n > 64) {
                free(jsonl);
                return cli_usage_error("index", "--threads: a number from 1 to 64: '%s'", optarg);
            }
            bopts.threads = (unsigned int)n;
            break;
        }
        case OPT_VALUE:
            if (cli_values_add(&st.values, optarg) != 0) {
                free(jsonl);
                return cli_usage_error("index", "--value: want a name [a-z][a-z0-9_]* (at most "
                                                "%d of them): '%s'",
                                       CLI_VALUES_MAX, optarg);
            }
            break;
        case 'h':
            free(jsonl);
            usage(stdout);
            return cli_finish(CLI_OK);
        default:
            free(jsonl);
            return cli_usage_hint("index");
        }
    }
    if (njsonl == 0 && optind >= argc) {
        free(jsonl);
        return cli_usage_error("index", "nothing to index: give --jsonl FILE or a PATH");
    }
    if (nstdin > 1) {
        free(jsonl);
        return cli_usage_error("index", "standard input can be read only once");
    }
    if (cli_analyzer_options("index", cjk, stemmer, fold_hant, &aopts) != 0) {
        free(jsonl);
        return CLI_USAGE;
    }
    /* Without settings of its own, an existing index keeps its recorded ones. */
    rc = cli_index_open(g, "index", SOU_INDEX_CREATE, custom ? &aopts : NULL, &st.index);
    if (rc != CLI_OK) {
        free(jsonl);
        return rc;
    }
    if (bulk < 0) {
        /* Bulk by default for JSON lines into an empty index, unless
         * commits along the way are asked for: the merge at the end costs
         * less than it saves there. */
        uint64_t ndocs = 1;
        bulk = njsonl > 0 && !st.commit_every &&
               sou_index_doc_count(st.index, &ndocs) == SOU_OK && ndocs == 0;
    }
    if (!st.commit_every)
        st.commit_every = COMMIT_DEFAULT;
    st.index_known = stat(g->db, &st.index_sb) == 0 && S_ISDIR(st.index_sb.st_mode);
    if (bulk && sou_bulk_begin(&st.bulk, st.index, &bopts) != SOU_OK) {
        rc = cli_lib_error();
        sou_index_close(st.index);
        free(jsonl);
        return cli_finish(rc);
    }
    st.progress = isatty(STDERR_FILENO);
    st.t0 = st.last_progress = now();
    for (size_t i = 0; i < njsonl && !st.failed; i++)
        index_jsonl(&st, jsonl[i]);
    for (int i = optind; i < argc && !st.failed; i++)
        index_path(&st, argv[i]);
    free(jsonl);
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
    /* After a failure this cancels the open batch. */
    sou_index_close(st.index);
    secs = now() - st.t0;
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
