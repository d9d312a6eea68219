/* util.c: errors, option helpers, input and JSON output shared by the subcommands. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- JSON parsing that survives running out of memory
 *
 * jansson 2.14 does not check every allocation while it parses: when its
 * lexer's buffer cannot grow, it goes on and reads past the buffer's end.
 * So while a parse runs, a failed allocation jumps back out of it, and the
 * blocks that parse allocated are freed: each block of jansson's carries a
 * header linking it into a list with the number of the parse that made it. */

typedef union json_block {
    struct {
        union json_block *prev, *next;
        unsigned long parse; /* 0: made outside a parse, not in the list */
    } h;
    max_align_t align; /* what follows the header is aligned as malloc's */
} json_block;

static json_block json_blocks = { { &json_blocks, &json_blocks, 0 } };
static unsigned long json_parse_no;    /* the parse running, 0 when none */
static unsigned long json_parse_count; /* parses so far */
static jmp_buf json_parse_jmp;

static void *json_block_alloc(size_t size)
{
    json_block *b = size <= SIZE_MAX - sizeof *b ? malloc(sizeof *b + size) : NULL;

    if (!b) {
        if (json_parse_no)
            longjmp(json_parse_jmp, 1);
        return NULL;
    }
    b->h.parse = json_parse_no;
    if (b->h.parse) {
        b->h.prev = &json_blocks;
        b->h.next = json_blocks.h.next;
        json_blocks.h.next->h.prev = b;
        json_blocks.h.next = b;
    }
    return b + 1;
}

static void json_block_free(void *p)
{
    json_block *b;

    if (!p)
        return;
    b = (json_block *)p - 1;
    if (b->h.parse) {
        b->h.prev->h.next = b->h.next;
        b->h.next->h.prev = b->h.prev;
    }
    free(b);
}

void cli_init(void)
{
    /* Past a file size limit (ulimit -f), a write fails with EFBIG and is
     * reported, rather than the process being killed without a word. */
    signal(SIGXFSZ, SIG_IGN);
    json_set_alloc_funcs(json_block_alloc, json_block_free);
}

json_t *cli_json_parse(const char *text, size_t len, size_t flags, json_error_t *err, int *oom)
{
    json_t *volatile value = NULL;

    *oom = 0;
    json_parse_no = ++json_parse_count;
    if (setjmp(json_parse_jmp) == 0) {
        value = json_loadb(text, len, flags, err);
    } else {
        /* This parse's blocks are the newest, at the head of the list. */
        while (json_blocks.h.next != &json_blocks &&
               json_blocks.h.next->h.parse == json_parse_no)
            json_block_free(json_blocks.h.next + 1);
        value = NULL;
        *oom = 1;
    }
    json_parse_no = 0;
    return value;
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fputs("sou: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_lib_error(void)
{
    cli_warn("%s", sou_error_last()->message);
    return CLI_FAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fputs("sou: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return cli_usage_hint(cmd);
}

int cli_usage_hint(const char *cmd)
{
    if (cmd)
        fprintf(stderr, "Try 'sou %s --help' for more information.\n", cmd);
    else
        fputs("Try 'sou --help' for more information.\n", stderr);
    return CLI_USAGE;
}

void cli_getopt_reset(void)
{
    /* glibc re-initialises its internal state (and the GNU "+"/"-" modes)
     * only when optind is 0. getopt's own messages ("invalid option --")
     * neither start with "sou: " nor name the command: cli_getopt's do. */
    optind = 0;
    opterr = 0;
}

/* ---- options */

size_t cli_edit_distance(const char *a, const char *b)
{
    /* Optimal string alignment: insertions, deletions, substitutions and
     * swaps of two neighbours cost 1. Three rows of at most 64 + 1. */
    size_t la = strlen(a), lb = strlen(b), rows[3][65];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

    if (la > 64 || lb > 64)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t *t;

        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);

            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

const char *cli_closest(const char *word, const char *const *names, size_t n)
{
    size_t len = strlen(word), limit = len <= 4 ? 1 : 2, best = (size_t)-1;
    const char *found = NULL;

    for (size_t i = 0; i < n; i++) {
        size_t d = cli_edit_distance(word, names[i]);

        if (d <= limit && d < best) {
            best = d;
            found = names[i];
        }
    }
    return found;
}

/* The options every subcommand takes as well (-d, --db, --allow-remote,
 * --partial, --connect-timeout): values beyond any character. */
enum { OPT_G_DB = 0x4000, OPT_G_REMOTE, OPT_G_PARTIAL, OPT_G_TIMEOUT };
static const struct option global_longopts[] = {
    { "db", required_argument, NULL, OPT_G_DB },
    { "allow-remote", no_argument, NULL, OPT_G_REMOTE },
    { "partial", no_argument, NULL, OPT_G_PARTIAL },
    { "connect-timeout", required_argument, NULL, OPT_G_TIMEOUT },
};
#define NGLOBAL (sizeof global_longopts / sizeof global_longopts[0])
#define MAX_LONGOPTS 96

/* The command's options with the global ones it does not name itself;
 * built once per command. */
static struct option merged_long[MAX_LONGOPTS + NGLOBAL + 1];
static const struct option *merged_for;
static char merged_short[80];
static int merged_short_d; /* -d is the global option */

static int merge_options(const char *shortopts, const struct option *longopts)
{
    size_t n = 0, len;
    const char *own = shortopts;
    char *p = merged_short;

    if (merged_for == longopts)
        return 0;
    for (; longopts[n].name; n++)
        if (n >= MAX_LONGOPTS)
            return -1;
    memcpy(merged_long, longopts, n * sizeof *longopts);
    for (size_t i = 0; i < NGLOBAL; i++) {
        size_t j = 0;

        while (j < n && strcmp(merged_long[j].name, global_longopts[i].name) != 0)
            j++;
        if (j == n)
            merged_long[n++] = global_longopts[i];
    }
    memset(&merged_long[n], 0, sizeof merged_long[n]);

    /* "+" (stop at the first word) stays first; ":" reports a missing
     * argument as ':' rather than '?'. */
    if (*own == '+')
        *p++ = *own++;
    *p++ = ':';
    while (*own == ':')
        own++;
    len = strlen(own);
    if (len + 4 > sizeof merged_short - (size_t)(p - merged_short))
        return -1;
    memcpy(p, own, len);
    p += len;
    merged_short_d = !strchr(own, 'd');
    if (merged_short_d) {
        memcpy(p, "d:", 2);
        p += 2;
    }
    *p = '\0';
    merged_for = longopts;
    return 0;
}

/* "sou: CMD: " + message, on stderr. */
static void option_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void option_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fputs("sou: ", stderr);
    if (cmd)
        fprintf(stderr, "%s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* The long option word ("--lim", "--limit=5") names: its length before any
 * '=', and how many options it is a prefix of (an exact name counts alone). */
static size_t long_matches(const char *word, size_t *len, const struct option **one)
{
    const char *name = word + 2, *eq = strchr(name, '=');
    size_t n = 0;

    *len = eq ? (size_t)(eq - name) : strlen(name);
    *one = NULL;
    for (const struct option *o = merged_long; o->name; o++) {
        if (strncmp(o->name, name, *len) != 0)
            continue;
        if (o->name[*len] == '\0') {
            *one = o;
            return 1;
        }
        *one = o;
        n++;
    }
    return n;
}

/* Says what getopt_long's '?' or ':' was about. */
static void report_bad_option(const char *cmd, int c, char **argv)
{
    const char *word = optind > 0 ? argv[optind - 1] : "";
    int is_long = strncmp(word, "--", 2) == 0;
    const struct option *one;
    size_t len;

    if (c == ':') {
        if (is_long)
            option_error(cmd, "option %.*s needs an argument", (int)strcspn(word, "="), word);
        else
            option_error(cmd, "option -%c needs an argument", optopt);
        return;
    }
    /* A long option getopt could not pin down, or one given an argument it
     * does not take (optopt then holds its value). */
    if (is_long) {
        size_t n = long_matches(word, &len, &one);

        if (n == 1 && one->has_arg == no_argument && strchr(word, '=') && optopt == one->val) {
            option_error(cmd, "option --%s takes no argument", one->name);
            return;
        }
        if (n > 1) {
            char names[400];
            size_t used = 0;

            names[0] = '\0';
            for (const struct option *o = merged_long; o->name && used < sizeof names - 1; o++)
                if (strncmp(o->name, word + 2, len) == 0)
                    used += (size_t)snprintf(names + used, sizeof names - used, "%s--%s",
                                             used ? ", " : "", o->name);
            option_error(cmd, "option --%.*s is ambiguous: %s", (int)len, word + 2, names);
            return;
        }
        if (n == 0) {
            const char *list[MAX_LONGOPTS + NGLOBAL];
            char typed[65];
            size_t k = 0;
            const char *near;

            for (const struct option *o = merged_long; o->name; o++)
                list[k++] = o->name;
            snprintf(typed, sizeof typed, "%.*s", (int)(len < 64 ? len : 64), word + 2);
            near = cli_closest(typed, list, k);
            if (near)
                option_error(cmd, "unknown option --%s; did you mean --%s?", typed, near);
            else
                option_error(cmd, "unknown option --%s", typed);
            return;
        }
        /* Else the error is a short option of a later word. */
    }
    if (optopt > 32 && optopt < 127)
        option_error(cmd, "unknown option -%c", optopt);
    else
        option_error(cmd, "unknown option");
}

int cli_global_option(cli_global *g, const char *cmd, int which, const char *arg)
{
    size_t ms;

    switch (which) {
    case 'd':
    case OPT_G_DB:
        g->db = arg;
        return 0;
    case OPT_G_REMOTE:
        g->allow_remote = 1;
        return 0;
    case OPT_G_PARTIAL:
        g->partial = 1;
        return 0;
    case OPT_G_TIMEOUT:
        if (cli_parse_size(arg, &ms) != 0 || ms == 0 || ms > 3600000) {
            option_error(cmd, "--connect-timeout needs 1 to 3600000 milliseconds, not '%s'",
                         arg);
            return -1;
        }
        g->connect_timeout_ms = (unsigned int)ms;
        return 0;
    default:
        return 1;
    }
}

int cli_getopt(cli_global *g, const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts)
{
    int c;

    if (merge_options(shortopts, longopts) != 0) {
        option_error(cmd, "too many options");
        return '?';
    }
    for (;;) {
        c = getopt_long(argc, argv, merged_short, merged_long, NULL);
        if (c == ':' || c == '?') {
            report_bad_option(cmd, c, argv);
            return '?';
        }
        if ((c == 'd' && merged_short_d) || (c >= OPT_G_DB && c <= OPT_G_TIMEOUT)) {
            if (cli_global_option(g, cmd, c, optarg) != 0)
                return '?';
            continue;
        }
        return c;
    }
}

int cli_is_option(const struct option *longopts, const char *word)
{
    if (strcmp(word, "-d") == 0)
        return 1;
    if (strncmp(word, "--", 2) != 0)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        const struct option *o = pass == 0 ? longopts : global_longopts;
        size_t count = pass == 0 ? (size_t)-1 : NGLOBAL;

        for (size_t i = 0; i < count && o[i].name; i++) {
            size_t n = strlen(o[i].name);
            if (strncmp(word + 2, o[i].name, n) == 0 &&
                (word[2 + n] == '\0' || word[2 + n] == '='))
                return 1;
        }
    }
    return 0;
}

int cli_parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v;

    /* strtoull accepts a sign and wraps "-1" to a huge number. */
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v > SIZE_MAX)
        return -1;
    *out = (size_t)v;
    return 0;
}

int cli_analyzer_options(const char *cmd, const char *cjk, const char *stemmer, int fold_hant,
                         sou_analyzer_options *out)
{
    sou_analyzer_options_init(out, SOU_ANALYZER_OPTIONS_VERSION);
    if (cjk && sou_cjk_mode_parse(cjk, &out->cjk) != SOU_OK) {
        cli_usage_error(cmd, "unknown CJK mode '%s' (hybrid, words or chars)", cjk);
        return -1;
    }
    out->stemmer = stemmer;
    out->fold_hant = fold_hant;
    return 0;
}

/* Why the index directory path cannot be read (or, writable, written) when
 * a system call says so; NULL otherwise. Xapian takes a directory it may
 * not read for one that holds no index, and a lock file it may not open
 * for another writer's lock. */
static const char *unusable(const char *path, int writable)
{
    struct stat sb;
    DIR *dir;
    char *file;
    int fd, err = 0;

    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return NULL;
    if (!(dir = opendir(path)))
        return strerror(errno);
    closedir(dir);
    if (writable && access(path, W_OK) != 0)
        return strerror(errno);
    /* "/flintlock" is the longer name. */
    if (!(file = malloc(strlen(path) + sizeof "/flintlock")))
        return NULL;
    strcpy(file, path);
    strcat(file, writable ? "/flintlock" : "/iamglass");
    /* Without O_CREAT nothing is made; this process holds no lock to lose. */
    fd = open(file, writable ? O_WRONLY : O_RDONLY);
    if (fd < 0 && errno != ENOENT)
        err = errno;
    if (fd >= 0)
        close(fd);
    free(file);
    return err ? strerror(err) : NULL;
}

int cli_index_open(const cli_global *g, const char *cmd, unsigned int flags,
                   const sou_analyzer_options *aopts, sou_index **out)
{
    sou_index_options opts;

    *out = NULL;
    if (!g->db || !*g->db)
        return cli_usage_error(cmd, "no index directory: give -d DIR or set SOU_DB");
    sou_index_options_init(&opts, SOU_INDEX_OPTIONS_VERSION);
    opts.flags = flags;
    opts.analyzer = aopts;
    if (flags == SOU_INDEX_READONLY) {
        if (g->allow_remote)
            opts.flags |= SOU_INDEX_ALLOW_REMOTE;
        if (g->partial)
            opts.flags |= SOU_INDEX_PARTIAL;
        opts.connect_timeout_ms = g->connect_timeout_ms;
    }
    if (sou_index_open(out, g->db, &opts) != SOU_OK) {
        int code = sou_error_last()->code;
        const char *cause = code == SOU_EIO || code == SOU_ECORRUPT || code == SOU_ELOCKED
                                ? unusable(g->db, flags != SOU_INDEX_READONLY)
                                : NULL;
        if (cause) {
            cli_warn("cannot open index '%s': %s", g->db, cause);
            return CLI_FAIL;
        }
        return cli_lib_error();
    }
    /* An index built with another ICU major version opens read-only only. */
    if (sou_index_warning(*out))
        cli_warn("warning: %s", sou_index_warning(*out));
    for (size_t i = 0; i < sou_index_shard_count(*out); i++) {
        const char *why;
        if (sou_index_shard_status(*out, i, &why) != SOU_OK)
            cli_warn("warning: shard left out: %s", why ? why : sou_index_shard_name(*out, i));
    }
    return CLI_OK;
}

char *cli_read_all(FILE *fp, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);

    if (!buf)
        return NULL;
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0) {
            if (ferror(fp)) {
                int e = errno;
                free(buf);
                errno = e ? e : EIO;
                return NULL;
            }
            break;
        }
        if (cap - n - 1 == 0) {
            char *bigger;
            if (cap > SIZE_MAX / 2) {
                free(buf);
                errno = ENOMEM;
                return NULL;
            }
            bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                errno = ENOMEM;
                return NULL;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

char *cli_join_args(int argc, char **argv, size_t *len)
{
    size_t n = 0;
    char *out, *p;

    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    out = malloc(n + 1);
    if (!out)
        return NULL;
    p = out;
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(argv[i]);
        if (i > 0)
            *p++ = ' ';
        memcpy(p, argv[i], l);
        p += l;
    }
    *p = '\0';
    *len = (size_t)(p - out);
    return out;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when the
 * bytes there are not one: overlong forms, surrogates and code points past
 * U+10FFFF are invalid, as jansson counts them. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

char *cli_utf8_fix(const char *text, size_t len, size_t *out_len, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, o = 0, nbad = 0;
    char *fixed;

    *bad = 0;
    while (i < len) {
        size_t l = utf8_seq_len(s + i, len - i);
        if (l) {
            i += l;
        } else {
            i++;
            nbad++;
        }
    }
    if (nbad == 0)
        return NULL;
    /* Each bad byte becomes the three bytes of U+FFFD. */
    *bad = nbad;
    if (nbad > (SIZE_MAX - 1 - len) / 2)
        return NULL;
    fixed = malloc(len + nbad * 2 + 1);
    if (!fixed)
        return NULL;
    *bad = 0;
    for (i = 0; i < len;) {
        size_t l = utf8_seq_len(s + i, len - i);
        if (l) {
            memcpy(fixed + o, s + i, l);
            o += l;
            i += l;
        } else {
            memcpy(fixed + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
            ++*bad;
        }
    }
    fixed[o] = '\0';
    *out_len = o;
    return fixed;
}

json_t *cli_json_text(const char *text, size_t len)
{
    size_t fixed_len, bad;
    char *fixed = cli_utf8_fix(text, len, &fixed_len, &bad);
    json_t *out;

    if (!fixed)
        return bad ? NULL : json_stringn(text, len);
    out = json_stringn(fixed, fixed_len);
    free(fixed);
    return out;
}

static int name_skipped(const char *name, const char *const *skip)
{
    for (; skip && *skip; skip++)
        if (strcmp(name, *skip) == 0)
            return 1;
    return 0;
}

int cli_json_add_fields(json_t *obj, const sou_doc *doc, const char *const *skip)
{
    size_t count = sou_doc_field_count(doc);

    for (size_t i = 0; i < count; i++) {
        const char *name, *text;
        size_t len;
        json_t *v, *old;

        if (sou_doc_field_at(doc, i, &name, &text, &len) != SOU_OK || name_skipped(name, skip))
            continue;
        v = cli_json_text(text, len);
        if (!v)
            return -1;
        old = json_object_get(obj, name);
        if (!old) {
            if (json_object_set_new(obj, name, v) != 0)
                return -1;
        } else if (json_is_array(old)) {
            if (json_array_append_new(old, v) != 0)
                return -1;
        } else {
            json_t *arr = json_array();
            if (!arr || json_array_append(arr, old) != 0 || json_array_append_new(arr, v) != 0 ||
                json_object_set_new(obj, name, arr) != 0) {
                json_decref(arr);
                return -1;
            }
        }
    }
    /* Values (numbers) follow; a field of the same name keeps its place. */
    count = sou_doc_value_count(doc);
    for (size_t i = 0; i < count; i++) {
        const char *name;
        double d;
        json_t *v;

        if (sou_doc_value_at(doc, i, &name, &d) != SOU_OK || name_skipped(name, skip) ||
            json_object_get(obj, name))
            continue;
        v = (d > -9e15 && d < 9e15 && d == (double)(json_int_t)d) ? json_integer((json_int_t)d)
                                                                    : json_real(d);
        if (!v || json_object_set_new(obj, name, v) != 0)
            return -1;
    }
    return 0;
}

int cli_json_id(json_t *obj, char *buf, const char **id, size_t *len, const char **why)
{
    json_t *v = json_object_get(obj, "id");

    if (!v) {
        *why = "no \"id\"";
        return -1;
    }
    if (json_is_integer(v)) {
        int n = snprintf(buf, CLI_ID_BUF, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *id = buf;
        *len = (size_t)n;
        return 0;
    }
    if (!json_is_string(v)) {
        *why = "\"id\" is not a string or an integer";
        return -1;
    }
    if (json_string_length(v) == 0) {
        *why = "\"id\" is empty";
        return -1;
    }
    *id = json_string_value(v);
    *len = json_string_length(v);
    return 0;
}

int cli_json_print(json_t *value)
{
    if (!value) {
        cli_warn("out of memory");
        return CLI_FAIL;
    }
    /* Six significant digits keep scores readable; object keys stay in the
     * order they were set. */
    if (json_dumpf(value, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) != 0 ||
        fputc('\n', stdout) == EOF) {
        cli_warn("cannot write the output: %s", strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

int cli_finish(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_warn("cannot write the output: %s", strerror(errno));
        return CLI_FAIL;
    }
    return status;
}
