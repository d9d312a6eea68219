/* stub.c: sou's own reader of stub files of shards (rules in stub.h). */
#define _POSIX_C_SOURCE 200809L
#include "stub.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "sou.h"

#define KINDS "'auto PATH', 'glass PATH' or 'remote HOST:PORT'"

typedef struct file_id {
    dev_t dev;
    ino_t ino;
} file_id;

typedef struct stub_ctx {
    unsigned flags;
    sou__shards *out;
    file_id chain[SOU__STUB_DEPTH_MAX]; /* the stub files being read, outermost first */
    size_t depth;
} stub_ctx;

static int parse_text(stub_ctx *c, const char *text, size_t len, const char *name,
                      const char *base_dir);

void sou__shards_clear(sou__shards *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        sou__free(s->v[i].path);
        sou__free(s->v[i].host);
    }
    sou__free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

void sou__shard_name(const sou__shard *s, char *buf, size_t size)
{
    if (!size)
        return;
    if (!s)
        snprintf(buf, size, "(none)");
    else if (!s->remote)
        snprintf(buf, size, "%s", s->path ? s->path : "");
    else if (strchr(s->host, ':'))
        snprintf(buf, size, "[%s]:%u", s->host, s->port);
    else
        snprintf(buf, size, "%s:%u", s->host, s->port);
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* At most 40 bytes of s for a message, anything but printable ASCII as '?'. */
static const char *printable(char *buf, const char *s, size_t n)
{
    size_t i;

    if (n > 40)
        n = 40;
    for (i = 0; i < n; i++)
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    buf[i] = '\0';
    return buf;
}

static int push(stub_ctx *c, const char *name, unsigned line, sou__shard *sh)
{
    int rc;

    if (c->out->n >= SOU__STUB_SHARDS_MAX) {
        sou__free(sh->path);
        sou__free(sh->host);
        return sou__error_set(SOU_ECORRUPT, "%s:%u: more than %d shards", name, line,
                              SOU__STUB_SHARDS_MAX);
    }
    if ((rc = sou__grow((void **)&c->out->v, &c->out->cap, c->out->n + 1, sizeof *c->out->v))) {
        sou__free(sh->path);
        sou__free(sh->host);
        return rc;
    }
    c->out->v[c->out->n++] = *sh;
    return SOU_OK;
}

/* The directory part of path, as Xapian takes it: up to its last '/', or
 * NULL when it has none (relative to the working directory). */
static int dir_of(const char *path, char **out)
{
    const char *slash = strrchr(path, '/');

    *out = NULL;
    if (!slash)
        return SOU_OK;
    /* "/stub" lives in "/" */
    if (!(*out = sou__strndup(path, slash == path ? 1 : (size_t)(slash - path))))
        return SOU_ENOMEM;
    return SOU_OK;
}

static int read_stub_file(stub_ctx *c, const char *path, const char *from, unsigned from_line)
{
    char *buf = NULL, *base = NULL;
    size_t n = 0;
    struct stat st;
    int fd, rc;

    if (c->depth >= SOU__STUB_DEPTH_MAX)
        return sou__error_set(SOU_EINVAL, "%s:%u: stub files nested more than %d deep at '%s'",
                              from, from_line, SOU__STUB_DEPTH_MAX, path);
    /* O_NONBLOCK: a FIFO put in the way cannot hang the open. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        if (from)
            return sou__error_set(SOU_EIO, "%s:%u: cannot read stub '%s': %s", from, from_line,
                                  path, strerror(e));
        return sou__error_set(SOU_EIO, "cannot read '%s': %s", path, strerror(e));
    }
    for (size_t i = 0; i < c->depth; i++) {
        if (c->chain[i].dev == st.st_dev && c->chain[i].ino == st.st_ino) {
            close(fd);
            return sou__error_set(SOU_EINVAL, "%s:%u: stub cycle: '%s' includes itself",
                                  from ? from : path, from_line, path);
        }
    }
    if (!S_ISREG(st.st_mode) || st.st_size > SOU__STUB_BYTES_MAX) {
        close(fd);
        return sou__error_set(SOU_ECORRUPT,
                              "'%s' is not an index: neither an index directory nor a stub "
                              "file of shards (%s)",
                              path, S_ISREG(st.st_mode) ? "too large" : "not a regular file");
    }
    if (!(buf = sou__malloc(SOU__STUB_BYTES_MAX + 1))) {
        close(fd);
        return SOU_ENOMEM;
    }
    /* Read to the limit, whatever fstat said: the file may grow meanwhile. */
    while (n <= SOU__STUB_BYTES_MAX) {
        ssize_t got = read(fd, buf + n, SOU__STUB_BYTES_MAX + 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            close(fd);
            sou__free(buf);
            return sou__error_set(SOU_EIO, "cannot read '%s': %s", path, strerror(e));
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (n > SOU__STUB_BYTES_MAX) {
        sou__free(buf);
        return sou__error_set(SOU_ECORRUPT,
                              "'%s' is not an index: neither an index directory nor a stub "
                              "file of shards (too large)",
                              path);
    }
    if ((rc = dir_of(path, &base))) {
        sou__free(buf);
        return rc;
    }
    c->chain[c->depth].dev = st.st_dev;
    c->chain[c->depth].ino = st.st_ino;
    c->depth++;
    rc = parse_text(c, buf, n, path, base);
    c->depth--;
    sou__free(base);
    sou__free(buf);
    return rc;
}

static int add_local(stub_ctx *c, const char *name, unsigned line, const char *kw,
                     const char *arg, size_t len, const char *base_dir, int follow)
{
    sou__shard sh = { 0, NULL, NULL, 0 };
    size_t blen = 0;
    struct stat st;

    if (len == 0)
        return sou__error_set(SOU_ECORRUPT, "%s:%u: '%s' needs a path", name, line, kw);
    if (memchr(arg, '\0', len))
        return sou__error_set(SOU_ECORRUPT, "%s:%u: a NUL byte in the path", name, line);
    if (arg[0] != '/' && base_dir && *base_dir)
        blen = strlen(base_dir);
    if (!(sh.path = sou__malloc(blen + 1 + len + 1)))
        return SOU_ENOMEM;
    if (blen) {
        memcpy(sh.path, base_dir, blen);
        /* base "/" needs no second slash */
        if (sh.path[blen - 1] != '/')
            sh.path[blen++] = '/';
    }
    memcpy(sh.path + blen, arg, len);
    sh.path[blen + len] = '\0';

    if (!(c->flags & SOU__STUB_NO_FOLLOW) && stat(sh.path, &st) == 0 && S_ISREG(st.st_mode)) {
        int rc;
        if (!follow) {
            rc = sou__error_set(SOU_ECORRUPT,
                                "%s:%u: glass '%s' is a file, not an index directory (a nested "
                                "stub is named by 'auto')",
                                name, line, sh.path);
        } else {
            rc = read_stub_file(c, sh.path, name, line);
        }
        sou__free(sh.path);
        return rc;
    }
    return push(c, name, line, &sh);
}

static int add_remote(stub_ctx *c, const char *name, unsigned line, const char *arg, size_t len)
{
    sou__shard sh = { 1, NULL, NULL, 0 };
    const char *colon = NULL, *host = arg;
    size_t host_len, plen;
    unsigned long port = 0;
    char pb[48];

    if (len && arg[0] == ':')
        return sou__error_set(SOU_EINVAL,
                              "%s:%u: a shard reached by running a program ('remote :PROG') is "
                              "never opened: serve the shard with xapian-tcpsrv and list it as "
                              "'remote HOST:PORT'",
                              name, line);
    if (len == 0)
        return sou__error_set(SOU_ECORRUPT, "%s:%u: 'remote' needs HOST:PORT", name, line);
    for (size_t i = 0; i < len; i++) {
        if (arg[i] <= 0x20 || arg[i] >= 0x7f)
            return sou__error_set(SOU_ECORRUPT,
                                  "%s:%u: 'remote' takes one HOST:PORT, got '%s'", name, line,
                                  printable(pb, arg, len));
        if (arg[i] == ':')
            colon = arg + i;
    }
    if (!colon)
        return sou__error_set(SOU_ECORRUPT, "%s:%u: 'remote' needs HOST:PORT, got '%s'", name,
                              line, printable(pb, arg, len));
    host_len = (size_t)(colon - arg);
    if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
        host++;
        host_len -= 2;
    } else if (memchr(host, ':', host_len) || memchr(host, '[', host_len) ||
               memchr(host, ']', host_len)) {
        return sou__error_set(SOU_ECORRUPT,
                              "%s:%u: an IPv6 address goes in brackets: 'remote [ADDR]:PORT'",
                              name, line);
    }
    if (host_len == 0 || host_len > 255)
        return sou__error_set(SOU_ECORRUPT, "%s:%u: 'remote' needs a host before ':PORT'", name,
                              line);
    plen = len - (size_t)(colon - arg) - 1;
    for (size_t i = 0; i < plen; i++) {
        char d = colon[1 + i];
        if (d < '0' || d > '9' || i >= 5) {
            port = 0;
            break;
        }
        port = port * 10 + (unsigned long)(d - '0');
    }
    if (port == 0 || port > 65535)
        return sou__error_set(SOU_ECORRUPT, "%s:%u: bad port '%s' (1 to 65535)", name, line,
                              printable(pb, colon + 1, plen));
    if (!(c->flags & SOU__STUB_ALLOW_REMOTE))
        return sou__error_set(SOU_EINVAL,
                              "%s:%u: remote shard '%s' refused: remote shards are opened only "
                              "when allowed (SOU_INDEX_ALLOW_REMOTE; sou --allow-remote)",
                              name, line, printable(pb, arg, len));
    if (!(sh.host = sou__strndup(host, host_len)))
        return SOU_ENOMEM;
    sh.port = (unsigned)port;
    return push(c, name, line, &sh);
}

static int kw_is(const char *kw, size_t len, const char *want)
{
    return strlen(want) == len && memcmp(kw, want, len) == 0;
}

static int parse_text(stub_ctx *c, const char *text, size_t len, const char *name,
                      const char *base_dir)
{
    size_t pos = 0, before = c->out->n;
    unsigned line = 0;
    int seen = 0;
    char pb[48];

    if (!name)
        name = "(stub)";
    while (pos < len) {
        const char *eol = memchr(text + pos, '\n', len - pos);
        size_t s = pos, e = eol ? (size_t)(eol - text) : len, k, a;
        int rc;

        pos = e + 1;
        line++;
        while (s < e && is_blank(text[s]))
            s++;
        while (e > s && is_blank(text[e - 1]))
            e--;
        if (s == e || text[s] == '#')
            continue;
        k = s;
        while (k < e && !is_blank(text[k]))
            k++;
        a = k;
        while (a < e && is_blank(text[a]))
            a++;
        if (kw_is(text + s, k - s, "auto")) {
            rc = add_local(c, name, line, "auto", text + a, e - a, base_dir, 1);
        } else if (kw_is(text + s, k - s, "glass")) {
            rc = add_local(c, name, line, "glass", text + a, e - a, base_dir, 0);
        } else if (kw_is(text + s, k - s, "remote")) {
            rc = add_remote(c, name, line, text + a, e - a);
        } else if (kw_is(text + s, k - s, "chert") || kw_is(text + s, k - s, "inmemory") ||
                   kw_is(text + s, k - s, "flint") || kw_is(text + s, k - s, "honey")) {
            rc = sou__error_set(SOU_ECORRUPT,
                                "%s:%u: a '%s' database is no sou index (sou reads glass only)",
                                name, line, printable(pb, text + s, k - s));
        } else if (!seen) {
            rc = sou__error_set(SOU_ECORRUPT,
                                "'%s' is not an index: neither an index directory nor a stub "
                                "file of shards (line %u is not %s)",
                                name, line, KINDS);
        } else {
            rc = sou__error_set(SOU_ECORRUPT, "%s:%u: not a stub line: '%s' (expected %s)",
                                name, line, printable(pb, text + s, e - s), KINDS);
        }
        if (rc)
            return rc;
        seen = 1;
    }
    if (c->out->n == before)
        return sou__error_set(SOU_ECORRUPT, "%s: a stub file that lists no shard", name);
    return SOU_OK;
}

int sou__stub_parse(const char *text, size_t len, const char *base_dir, unsigned flags,
                    sou__shards *out)
{
    stub_ctx c;
    int rc;

    if (!out)
        return sou__error_set(SOU_EINVAL, "stub: out is NULL");
    memset(out, 0, sizeof *out);
    if (!text && len)
        return sou__error_set(SOU_EINVAL, "stub: text is NULL");
    memset(&c, 0, sizeof c);
    c.flags = flags;
    c.out = out;
    if ((rc = parse_text(&c, text ? text : "", len, NULL, base_dir)))
        sou__shards_clear(out);
    return rc;
}

int sou__stub_read(const char *path, unsigned flags, sou__shards *out)
{
    stub_ctx c;
    int rc;

    if (!out)
        return sou__error_set(SOU_EINVAL, "stub: out is NULL");
    memset(out, 0, sizeof *out);
    if (!path || !*path)
        return sou__error_set(SOU_EINVAL, "stub: empty path");
    memset(&c, 0, sizeof c);
    c.flags = flags & ~SOU__STUB_NO_FOLLOW;
    c.out = out;
    if ((rc = read_stub_file(&c, path, NULL, 0)))
        sou__shards_clear(out);
    return rc;
}
