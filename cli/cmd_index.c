/* cmd_index.c: sou index, documents from JSON lines or text files. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Bytes of a file looked at to tell text from binary. */
#define SNIFF_BYTES 8192
/* Longest title taken from a text file, in bytes. */
#define TITLE_MAX 200
/* Seconds between two updates of the progress line. */
#define PROGRESS_PERIOD 0.1

static void usage(FILE *out)
{
    fputs("Usage: sou [-d DIR] index [OPTIONS] [--jsonl FILE|-]... [PATH...]\n"
          "Add documents to the index in DIR, creating it if needed. A document\n"
          "with the id of one already indexed replaces it.\n"
          "\n"
          "Options:\n"
          "  --jsonl FILE      read JSON lines from FILE ('-': standard input)\n"
          "  --commit-every N  commit after every N documents (default: at the end;\n"
          "                    not with bulk indexing)\n"
          "  --bulk            index on several threads into shards merged at the end\n"
          "                    (the default for JSON lines into an empty index)\n"
          "  --no-bulk         add documents one by one\n"
          "  --threads N       threads for bulk indexing (default: the cores)\n"
          "  --cjk MODE        for a new index: hybrid (default), words or chars\n"
          "  --stem LANG       for a new index: Snowball stemmer (default: english)\n"
          "  --no-stem         for a new index: do not stem\n"
          "  --fold-hant       for a new index: fold Traditional Chinese to Simplified\n"
          "  -h, --help        show this help and exit\n"
          "\n"
          "Each JSON line is an object with a non-empty string \"id\". Other string\n"
          "members become text fields (\"title\" weighs 3, others 1), arrays of\n"
          "strings repeat a field, numbers become sortable values (see search\n"
          "--sort); other members are ignored. Member names are [a-z][a-z0-9_]*.\n"
          "\n"
          "A PATH is a text or Markdown file, or a directory read recursively\n"
          "(hidden entries, binary files and symbolic links to directories are\n"
          "left out). Its id is the path, its title the first Markdown heading or\n"
          "else the first non-empty line, its body the whole text, and its value\n"
          "\"mtime\" the modification time.\n"
          "\n"
          "Bad lines and unreadable files are reported as FILE:LINE: MESSAGE and\n"
          "skipped; the rest is indexed. Exit status 1 when anything was skipped.\n",
          out);
}

typedef struct ix_state {
    sou_index *index;
    sou_bulk *bulk;    /* bulk mode: documents go to worker threads */
    size_t commit_every;
    unsigned long long indexed, skipped;
    size_t since_commit;
    int failed;        /* the index failed: stop */
    int progress;      /* stderr is a terminal */
    int progress_shown; /* a progress line is on screen */
    double t0, last_progress;
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
    fprintf(stderr, "\r\033[Kindexed %llu documents, %.0f docs/s", st->indexed,
            t > st->t0 ? (double)st->indexed / (t - st->t0) : 0.0);
    st->progress_shown = 1;
}

/* "WHERE: message" on stderr, for input that is skipped. */
static void report(ix_state *st, const char *where, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void report(ix_state *st, const char *where, const char *fmt, ...)
{
    va_list ap;

    progress_clear(st);
    fprintf(stderr, "%s: ", where);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Adds doc to the index (taking it), counts it and commits when due.
 * Returns 0, or -1 when the index failed and indexing must stop. */
static int add_doc(ix_state *st, const char *where, sou_doc *doc)
{
    int rc = st->bulk ? sou_bulk_add(st->bulk, doc) : sou_index_add(st->index, doc);

    sou_doc_free(doc);
    if (rc == SOU_EINVAL) {
        report(st, where, "%s", sou_error_last()->message);
        st->skipped++;
        return 0;
    }
    if (rc != SOU_OK) {
        progress_clear(st);
        cli_lib_error();
        st->failed = 1;
        return -1;
    }
    st->indexed++;
    if (!st->bulk && st->commit_every && ++st->since_commit >= st->commit_every) {
        st->since_commit = 0;
        if (sou_index_commit(st->index) != SOU_OK) {
            progress_clear(st);
            cli_lib_error();
            st->failed = 1;
            return -1;
        }
    }
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
    obj = json_loadb(fixed ? fixed : line, fixed ? fixed_len : len, JSON_ALLOW_NUL, &err);
    free(fixed);
    if (!obj) {
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

static void index_jsonl(ix_state *st, const char *file)
{
    int is_stdin = strcmp(file, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : file;
    FILE *fp = is_stdin ? stdin : fopen(file, "rb");
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;

    if (!fp) {
        report(st, name, "%s", strerror(errno));
        st->skipped++;
        return;
    }
    errno = 0;
    while (!st->failed && (n = getline(&line, &cap, fp)) != -1) {
        /* "FILE:LINE" fits the file name, a colon and 20 digits. */
        size_t wlen = strlen(name) + 24;
        char *where = malloc(wlen);

        lineno++;
        if (!where) {
            progress_clear(st);
            cli_warn("out of memory");
            st->failed = 1;
            break;
        }
        snprintf(where, wlen, "%s:%zu", name, lineno);
        index_json_line(st, where, line, (size_t)n);
        free(where);
        errno = 0;
    }
    if (!st->failed && ferror(fp)) {
        report(st, name, "%s", strerror(errno ? errno : EIO));
        st->skipped++;
    }
    free(line);
    if (!is_stdin)
        fclose(fp);
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
        report(st, path, "%s", strerror(errno));
        st->skipped++;
        return 0;
    }
    text = cli_read_all(fp, &len);
    if (!text) {
        report(st, path, "%s", strerror(errno));
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
        /* A link to a directory could make a loop: only links to files count. */
        if (!link)
            rc = index_dir(st, child);
    } else if (S_ISREG(sb.st_mode)) {
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
        report(st, dir, "%s", strerror(errno));
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
    enum { OPT_JSONL = 256, OPT_COMMIT_EVERY, OPT_CJK, OPT_STEM, OPT_NO_STEM, OPT_FOLD_HANT,
           OPT_BULK, OPT_NO_BULK, OPT_THREADS };
    static const struct option longopts[] = {
        { "jsonl", required_argument, NULL, OPT_JSONL },
        { "commit-every", required_argument, NULL, OPT_COMMIT_EVERY },
        { "cjk", required_argument, NULL, OPT_CJK },
        { "stem", required_argument, NULL, OPT_STEM },
        { "no-stem", no_argument, NULL, OPT_NO_STEM },
        { "fold-hant", no_argument, NULL, OPT_FOLD_HANT },
        { "bulk", no_argument, NULL, OPT_BULK },
        { "no-bulk", no_argument, NULL, OPT_NO_BULK },
        { "threads", required_argument, NULL, OPT_THREADS },
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
        /* Bulk by default for JSON lines into an empty index: the merge at
         * the end costs less than it saves there. */
        uint64_t ndocs = 1;
        bulk = njsonl > 0 && !st.commit_every && sou_index_doc_count(st.index, &ndocs) == SOU_OK &&
               ndocs == 0;
    }
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
        /* Finishing merges the shards; it frees the bulk either way. */
        if (st.failed)
            sou_bulk_cancel(st.bulk);
        else if (sou_bulk_finish(st.bulk) != SOU_OK) {
            cli_lib_error();
            st.failed = 1;
        }
        st.bulk = NULL;
    } else if (!st.failed && sou_index_commit(st.index) != SOU_OK) {
        cli_lib_error();
        st.failed = 1;
    }
    sou_index_close(st.index);
    secs = now() - st.t0;
    fprintf(stderr, "indexed %llu document%s (%llu skipped) in %.2f s, %.0f docs/s\n", st.indexed,
            st.indexed == 1 ? "" : "s",
            st.skipped, secs, secs > 0 ? (double)st.indexed / secs : 0.0);
    return cli_finish(st.failed || st.skipped ? CLI_FAIL : CLI_OK);
}
