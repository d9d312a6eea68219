/* index.c: opening an index, and adding, replacing and fetching documents. */
#define _POSIX_C_SOURCE 200809L
#include "index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <unicode/uversion.h>

#include "alloc.h"
#include "doc.h"
#include "error.h"
#include "route.h"
#include "stub.h"
#include "terms.h"

/* The metadata that makes a Xapian database a sou index. */
#define META_FORMAT "sou.format"
#define META_CJK "sou.analyzer.cjk"
#define META_STEMMER "sou.analyzer.stemmer"
#define META_FOLD_HANT "sou.analyzer.fold_hant"
#define META_ICU "sou.icu_version"
#define META_FIELDS "sou.fields"
#define META_VALUES "sou.values"
#define META_SHARD "sou.shard" /* "I/N": shard I of the N of a writable stub */
/* The values that hold dates (sou_doc_set_date), a subset of sou.values. */
#define META_DATES "sou.dates"
#define FORMAT_VERSION "2"

#define FLUSH_DEFAULT 10000
/* Empty positions between two fields, so no phrase spans them. */
#define FIELD_GAP 100

/* A remote shard that has not accepted the connection by then is down. */
#define CONNECT_TIMEOUT_DEFAULT 2000
/* The flags that go with SOU_INDEX_READONLY only. */
#define OPEN_READ_FLAGS (SOU_INDEX_ALLOW_REMOTE | SOU_INDEX_PARTIAL)
/* Version 1 of sou_index_options ended before connect_timeout_ms. */
#define OPTIONS_V1_SIZE offsetof(sou_index_options, connect_timeout_ms)

int sou_index_options_init(sou_index_options *opts, unsigned int version)
{
    const sou_index_options defaults = SOU_INDEX_OPTIONS_INIT;

    if (!opts)
        return sou__error_set(SOU_EINVAL, "sou_index_options_init: opts is NULL");
    if (version == 1) {
        /* A caller built against version 1 has the shorter struct. */
        memcpy(opts, &defaults, OPTIONS_V1_SIZE);
        opts->version = 1;
        return SOU_OK;
    }
    if (version != SOU_INDEX_OPTIONS_VERSION)
        return sou__error_set(SOU_EINVAL, "unknown index options version %u", version);
    *opts = defaults;
    return SOU_OK;
}

/* ---- names of fields and values */

static void names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sou__free(names[i]);
    sou__free(names);
}

static long names_find(char *const *names, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return (long)i;
    return -1;
}

/* Read a newline-separated list of names from metadata key, of the whole
 * database, or of shard (>= 0) alone. */
static int names_load(sou__xdb *db, long shard, const char *key, char ***out, size_t *nout,
                      size_t *capout)
{
    char *s = NULL, **names = NULL;
    size_t len = 0, n = 0, cap = 0;
    int rc;

    rc = shard < 0 ? sou__xdb_get_metadata(db, key, &s, &len)
                   : sou__xdb_shard_metadata(db, (size_t)shard, key, &s, &len);
    if (rc)
        return rc;
    for (size_t i = 0; s && i < len;) {
        size_t j = i;
        char *name;

        while (j < len && s[j] != '\n')
            j++;
        if (j > i) {
            if (!sou__name_valid(s + i, j - i)) {
                rc = sou__error_set(SOU_ECORRUPT, "bad name in index metadata '%s'", key);
                goto fail;
            }
            if ((rc = sou__grow((void **)&names, &cap, n + 1, sizeof *names)))
                goto fail;
            if (!(name = sou__strndup(s + i, j - i))) {
                rc = SOU_ENOMEM;
                goto fail;
            }
            names[n++] = name;
        }
        i = j + 1;
    }
    sou__free(s);
    *out = names;
    *nout = n;
    *capout = cap;
    return SOU_OK;
fail:
    names_free(names, n);
    sou__free(s);
    return rc;
}

/* The names of a stub's shards: Xapian reads metadata from the first shard
 * only. Fields are the union of all; value slots must mean the same in each
 * (one shard's list starts the other's), or sorting across them would
 * compare different values. */
static int shards_merge_names(sou_index *index, char ***fields, size_t *nf, size_t *cf,
                              char ***values, size_t *nv, size_t *cv)
{
    int rc = SOU_OK, first = 1;

    for (size_t i = 0; !rc && i < index->nshards; i++) {
        char **f = NULL, **v = NULL;
        size_t n_f = 0, c_f = 0, n_v = 0, c_v = 0;

        if (index->shards[i].status != SOU_OK)
            continue;
        if (first) {
            first = 0; /* the first open shard is the whole database's */
            continue;
        }
        if ((rc = names_load(index->db, (long)i, META_FIELDS, &f, &n_f, &c_f)) ||
            (rc = names_load(index->db, (long)i, META_VALUES, &v, &n_v, &c_v))) {
            names_free(f, n_f);
            break;
        }
        for (size_t j = 0; !rc && j < n_f; j++) {
            char *dup;

            if (names_find(*fields, *nf, f[j], strlen(f[j])) >= 0)
                continue;
            if ((rc = sou__grow((void **)fields, cf, *nf + 1, sizeof **fields)))
                break;
            if (!(dup = sou__strndup(f[j], strlen(f[j]))))
                rc = SOU_ENOMEM;
            else
                (*fields)[(*nf)++] = dup;
        }
        for (size_t j = 0; !rc && j < n_v && j < *nv; j++)
            if (strcmp(v[j], (*values)[j]) != 0)
                rc = sou__error_set(SOU_ESETTINGS,
                                    "shard '%s' keeps value '%s' in slot %zu where another "
                                    "shard keeps '%s' (shards must register values in the "
                                    "same order)",
                                    index->shards[i].name, v[j], j + 1, (*values)[j]);
        if (!rc && n_v > *nv) {
            char **t = *values;
            size_t tn = *nv;

            *values = v;
            *nv = n_v;
            *cv = c_v;
            v = t;
            n_v = tn;
        }
        names_free(f, n_f);
        names_free(v, n_v);
    }
    return rc;
}

/* Reload both lists from the database: after a reopen, or after a cancelled
 * transaction took back names registered in it. */
static int index_load_names(sou_index *index)
{
    char **fields = NULL, **values = NULL, **dates = NULL;
    size_t nf = 0, cf = 0, nv = 0, cv = 0, nd = 0, cd = 0;
    int rc;

    if ((rc = names_load(index->db, -1, META_FIELDS, &fields, &nf, &cf)))
        return rc;
    if ((rc = names_load(index->db, -1, META_VALUES, &values, &nv, &cv)) ||
        (rc = names_load(index->db, -1, META_DATES, &dates, &nd, &cd)) ||
        (index->nshards > 1 &&
         (rc = shards_merge_names(index, &fields, &nf, &cf, &values, &nv, &cv)))) {
        names_free(fields, nf);
        names_free(values, nv);
        names_free(dates, nd);
        return rc;
    }
    names_free(index->fields, index->nfields);
    names_free(index->values, index->nvalues);
    index->fields = fields;
    index->nfields = nf;
    index->fields_cap = cf;
    index->values = values;
    index->nvalues = nv;
    index->values_cap = cv;
    names_free(index->dates, index->ndates);
    index->dates = dates;
    index->ndates = nd;
    index->dates_cap = cd;
    return SOU_OK;
}

/* Add name to a list and to its metadata key unless it is there. The
 * in-memory list changes only once the metadata took the new list. */
static int names_register(sou_index *index, char ***names, size_t *n, size_t *cap,
                          const char *key, const char *name)
{
    size_t name_len = strlen(name), total = name_len;
    char *dup, *joined, *p;
    int rc;

    if (names_find(*names, *n, name, name_len) >= 0)
        return SOU_OK;
    if ((rc = sou__grow((void **)names, cap, *n + 1, sizeof **names)))
        return rc;
    for (size_t i = 0; i < *n; i++)
        total += strlen((*names)[i]) + 1;
    if (!(dup = sou__strndup(name, name_len)))
        return SOU_ENOMEM;
    if (!(joined = sou__malloc(total + 1))) {
        sou__free(dup);
        return SOU_ENOMEM;
    }
    p = joined;
    for (size_t i = 0; i < *n; i++) {
        size_t l = strlen((*names)[i]);
        memcpy(p, (*names)[i], l);
        p += l;
        *p++ = '\n';
    }
    memcpy(p, name, name_len);
    p[name_len] = '\0';
    rc = sou__xdb_set_metadata(index->db, key, joined, total);
    sou__free(joined);
    if (rc) {
        sou__free(dup);
        return rc;
    }
    (*names)[(*n)++] = dup;
    return SOU_OK;
}

int sou__index_has_field(const sou_index *index, const char *name, size_t len)
{
    return index && name && names_find(index->fields, index->nfields, name, len) >= 0;
}

int sou__index_value_slot(const sou_index *index, const char *name)
{
    long i;

    if (!index || !name)
        return -1;
    i = names_find(index->values, index->nvalues, name, strlen(name));
    return i < 0 ? -1 : (int)(i + 1);
}

int sou__index_value_is_date(const sou_index *index, const char *name, size_t len)
{
    return index && name && names_find(index->dates, index->ndates, name, len) >= 0;
}

/* ---- opening */

static void shard_states_free(sou__shard_state *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        sou__free(v[i].name);
        sou__free(v[i].message);
    }
    sou__free(v);
}

static void index_free(sou_index *index)
{
    if (!index)
        return;
    sou__xdb_close(index->db);
    shard_states_free(index->shards, index->nshards);
    sou_analyzer_free(index->analyzer);
    sou__free(index->stemmer);
    sou__free(index->icu_version);
    sou__free(index->warning);
    names_free(index->fields, index->nfields);
    names_free(index->values, index->nvalues);
    names_free(index->dates, index->ndates);
    sou__free(index->path);
    sou__free(index);
}

static int meta_set(sou__xdb *db, const char *key, const char *val)
{
    return sou__xdb_set_metadata(db, key, val, strlen(val));
}

/* Take the resolved options of the index's analyzer as the index's own. */
static int index_adopt_analyzer(sou_index *index, const char *icu_version)
{
    const sou_analyzer_options *got = sou_analyzer_options_get(index->analyzer);

    index->aopts = *got;
    if (!(index->stemmer = sou__strndup(got->stemmer, strlen(got->stemmer))))
        return SOU_ENOMEM;
    index->aopts.stemmer = index->stemmer;
    if (!(index->icu_version = sou__strndup(icu_version, strlen(icu_version))))
        return SOU_ENOMEM;
    return SOU_OK;
}

/* The ICU this process runs, "72.1": the library loaded, which may be
 * newer than the headers sou was built with. */
static void icu_running(char buf[U_MAX_VERSION_STRING_LENGTH])
{
    UVersionInfo v;

    u_getVersion(v);
    u_versionToString(v, buf);
}

/* The major version at the start of "72.1", or -1. */
static long icu_major(const char *version)
{
    long major = 0;

    if (!version || *version < '0' || *version > '9')
        return -1;
    for (; *version >= '0' && *version <= '9'; version++)
        if ((major = major * 10 + (*version - '0')) > 100000)
            return -1;
    return major;
}

/* Word breaks (dictionary words of Chinese, Japanese, Thai) come from ICU's
 * data, which changes between major versions: an index whose recorded ICU
 * is of another major version may hold other words than queries now make.
 * Reading it still mostly works (characters match as before), so a reader
 * gets a warning; a writer would mix two segmentations in one index, so
 * writing is refused. shard names the shard of a stub, or is NULL. */
static int icu_compare(sou_index *index, const char *recorded, const char *shard,
                       int writing)
{
    char running[U_MAX_VERSION_STRING_LENGTH], text[512];
    long had = icu_major(recorded), now;

    icu_running(running);
    now = icu_major(running);
    if (had < 0 || now < 0 || had == now)
        return SOU_OK;
    if (writing)
        return sou__error_set(SOU_ESETTINGS,
                              "built with ICU %.20s, and this library runs ICU %s, which may "
                              "split words differently: not opened for writing, so that the "
                              "index never mixes the two; index the documents again into a "
                              "new index (read-only, this one can still be searched)",
                              recorded, running);
    if (index->warning)
        return SOU_OK; /* the first shard's says it */
    snprintf(text, sizeof text,
             "%s%s%s was built with ICU %.20s and this library runs ICU %s, which may split "
             "words differently: some Chinese, Japanese or Thai words may not be found; index "
             "the documents again into a new index",
             shard ? "shard '" : "index '", shard ? shard : index->path, "'", recorded,
             running);
    if (!(index->warning = sou__strndup(text, strlen(text))))
        return SOU_ENOMEM;
    return SOU_OK;
}

/* The ICU recorded by every open shard of a stub against the running one. */
static int shards_check_icu(sou_index *index)
{
    int rc = SOU_OK;

    for (size_t i = 0; !rc && i < index->nshards; i++) {
        char *icu = NULL;
        size_t len = 0;

        if (index->shards[i].status != SOU_OK)
            continue;
        if ((rc = sou__xdb_shard_metadata(index->db, i, META_ICU, &icu, &len)) == SOU_OK)
            rc = icu_compare(index, icu, index->shards[i].name,
                             index->flags != SOU_INDEX_READONLY);
        sou__free(icu);
    }
    return rc;
}

/* A new index: the settings asked for (or the defaults) become its own. */
static int index_settings_create(sou_index *index, const sou_analyzer_options *want)
{
    char running[U_MAX_VERSION_STRING_LENGTH];
    int rc;

    if ((rc = sou_analyzer_new(&index->analyzer, want)))
        return rc;
    icu_running(running);
    if ((rc = index_adopt_analyzer(index, running)))
        return rc;
    if ((rc = meta_set(index->db, META_CJK, sou_cjk_mode_name(index->aopts.cjk))) ||
        (rc = meta_set(index->db, META_STEMMER, index->aopts.stemmer)) ||
        (rc = meta_set(index->db, META_FOLD_HANT, index->aopts.fold_hant ? "1" : "0")) ||
        (rc = meta_set(index->db, META_ICU, index->icu_version)) ||
        (rc = meta_set(index->db, META_FORMAT, FORMAT_VERSION)))
        return rc;
    /* Committed at once, so that a reader opening it finds a sou index. */
    return sou__xdb_commit(index->db);
}

static int meta_get(sou__xdb *db, const char *key, char **out)
{
    size_t len;
    int rc = sou__xdb_get_metadata(db, key, out, &len);

    if (rc == SOU_OK && !*out)
        return sou__error_set(SOU_ECORRUPT, "index metadata '%s' is missing", key);
    return rc;
}

/* An existing index: its recorded settings rule; those asked for must match. */
static int index_settings_load(sou_index *index, const sou_analyzer_options *want)
{
    char *cjk = NULL, *stemmer = NULL, *fold = NULL, *icu = NULL;
    size_t icu_len;
    sou_analyzer_options rec = SOU_ANALYZER_OPTIONS_INIT;
    int rc;

    if ((rc = meta_get(index->db, META_CJK, &cjk)) ||
        (rc = meta_get(index->db, META_STEMMER, &stemmer)) ||
        (rc = meta_get(index->db, META_FOLD_HANT, &fold)) ||
        (rc = sou__xdb_get_metadata(index->db, META_ICU, &icu, &icu_len)))
        goto out;
    if (sou_cjk_mode_parse(cjk, &rec.cjk) != SOU_OK) {
        rc = sou__error_set(SOU_ECORRUPT, "index records an unknown CJK mode '%.40s'", cjk);
        goto out;
    }
    if (strcmp(fold, "0") != 0 && strcmp(fold, "1") != 0) {
        rc = sou__error_set(SOU_ECORRUPT, "index records a bad fold_hant '%.40s'", fold);
        goto out;
    }
    rec.stemmer = stemmer;
    rec.fold_hant = fold[0] == '1';

    if (want) {
        const char *want_stemmer = want->stemmer ? want->stemmer : "english";
        const char *want_cjk = sou_cjk_mode_name(want->cjk);

        if (want->version != SOU_ANALYZER_OPTIONS_VERSION) {
            rc = sou__error_set(SOU_EINVAL, "unknown analyzer options version %u", want->version);
            goto out;
        }
        if (want->cjk != rec.cjk) {
            rc = sou__error_set(SOU_ESETTINGS,
                                "analyzer setting cjk differs: index has '%s', options ask '%s'",
                                cjk, want_cjk ? want_cjk : "(unknown)");
            goto out;
        }
        if (strcmp(want_stemmer, stemmer) != 0) {
            rc = sou__error_set(SOU_ESETTINGS,
                                "analyzer setting stemmer differs: index has '%s', options ask "
                                "'%.40s'",
                                stemmer, want_stemmer);
            goto out;
        }
        if (!want->fold_hant != !rec.fold_hant) {
            rc = sou__error_set(SOU_ESETTINGS,
                                "analyzer setting fold_hant differs: index has %d, options ask %d",
                                rec.fold_hant, !!want->fold_hant);
            goto out;
        }
    }

    rc = sou_analyzer_new(&index->analyzer, &rec);
    if (rc == SOU_EINVAL) {
        rc = sou__error_set(SOU_ECORRUPT,
                            "index records analyzer settings this library cannot use "
                            "(cjk '%s', stemmer '%.40s')",
                            cjk, stemmer);
        goto out;
    }
    if (rc)
        goto out;
    /* Indexes recorded before the ICU version was kept say so. */
    if ((rc = index_adopt_analyzer(index, icu ? icu : "unknown")))
        goto out;
    rc = index->stub ? shards_check_icu(index)
                     : icu_compare(index, icu, NULL, index->flags != SOU_INDEX_READONLY);
out:
    sou__free(cjk);
    sou__free(stemmer);
    sou__free(fold);
    sou__free(icu);
    return rc;
}

/* Xapian would create an index inside any directory; refuse one that holds
 * other files, so a mistyped path does not litter it. */
static int dir_is_safe_to_create(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int other = 0, xapian = 0;

    if (!d)
        return 1; /* check_index_dir reported what it could not read */
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (strcmp(e->d_name, "iamglass") == 0)
            xapian = 1;
        else
            other = 1;
    }
    closedir(d);
    return xapian || !other;
}

/* Can path be read as a glass database? Says why not with the errno text
 * ("Permission denied"), before Xapian turns it into "cannot detect the
 * type". A directory without one is no index, unless it is to be made. */
static int check_index_dir(const char *path, int creating)
{
    size_t len = strlen(path);
    char *mark;
    DIR *d;
    int fd, e;

    if (!(d = opendir(path)))
        return sou__error_set(SOU_EIO, "%s",
                              errno == ENOENT ? "not found" : strerror(errno));
    closedir(d);
    if (!(mark = sou__malloc(len + sizeof "/iamglass")))
        return SOU_ENOMEM;
    memcpy(mark, path, len);
    memcpy(mark + len, "/iamglass", sizeof "/iamglass");
    fd = open(mark, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    e = errno;
    sou__free(mark);
    if (fd >= 0) {
        close(fd);
        return SOU_OK;
    }
    if (e == ENOENT && creating)
        return SOU_OK;
    if (e == ENOENT)
        return sou__error_set(SOU_EIO, "not an index (no database in this directory)");
    return sou__error_set(SOU_EIO, "%s", strerror(e));
}

static int open_error(const char *path)
{
    char msg[400];

    snprintf(msg, sizeof msg, "%s", sou_error_last()->message);
    return sou__error_set(sou_error_last()->code, "cannot open index '%s': %s", path, msg);
}

static char *shard_name_dup(const sou__shard *sh)
{
    size_t size = sh->remote ? strlen(sh->host) + 16 : strlen(sh->path) + 1;
    char *name = sou__malloc(size);

    if (name)
        sou__shard_name(sh, name, size);
    return name;
}

/* The metadata every shard must agree on: a query is analysed once, the
 * same way for all of them. */
static const char *const shard_keys[] = { META_FORMAT, META_CJK, META_STEMMER, META_FOLD_HANT };

static int shards_check_settings(sou_index *index)
{
    size_t first = index->nshards;
    int rc = SOU_OK;

    for (size_t i = 0; i < index->nshards && first == index->nshards; i++)
        if (index->shards[i].status == SOU_OK)
            first = i;
    for (size_t k = 0; !rc && k < sizeof shard_keys / sizeof shard_keys[0]; k++) {
        char *want = NULL;
        size_t want_len = 0;

        if ((rc = sou__xdb_shard_metadata(index->db, first, shard_keys[k], &want, &want_len)))
            break;
        for (size_t i = first + 1; !rc && i < index->nshards; i++) {
            char *got = NULL;
            size_t got_len = 0;

            if (index->shards[i].status != SOU_OK)
                continue;
            if ((rc = sou__xdb_shard_metadata(index->db, i, shard_keys[k], &got, &got_len)))
                break;
            if (!got && k == 0)
                rc = sou__error_set(SOU_ECORRUPT, "shard '%s' is not a sou index",
                                    index->shards[i].name);
            else if (!want != !got || (got && (got_len != want_len ||
                                               memcmp(got, want, got_len) != 0)))
                rc = sou__error_set(SOU_ESETTINGS,
                                    "shard '%s' differs from shard '%s': %s is '%.40s' there, "
                                    "'%.40s' here (shards must be built with the same settings)",
                                    index->shards[i].name, index->shards[first].name,
                                    shard_keys[k], got ? got : "", want ? want : "");
            sou__free(got);
        }
        sou__free(want);
    }
    return rc;
}

/* What a fresh shard of a writable stub takes from the others. */
static const char *const shard_copy_keys[] = { META_FORMAT, META_CJK,    META_STEMMER, META_FOLD_HANT,
                                               META_ICU,    META_FIELDS, META_VALUES };

/* A writable stub's shards: a fresh (empty) shard takes the settings of
 * the first one made; each shard records its place, "I/N", and must keep
 * it, since a document's shard follows from its id and N. *fresh: no shard
 * is made yet. */
static int shards_prepare_writable(sou_index *index, int *fresh)
{
    size_t n = index->nshards, made = n;
    char want[48];
    int rc = SOU_OK;

    for (size_t i = 0; !rc && i < n; i++) {
        char *f = NULL;
        uint64_t docs = 0;

        if (!(rc = sou__xdb_shard_metadata(index->db, i, META_FORMAT, &f, NULL)) && f && made == n)
            made = i;
        else if (!rc && !f && !(rc = sou__xdb_shard_doc_count(index->db, i, &docs)) && docs)
            rc = sou__error_set(SOU_ECORRUPT, "shard '%s' is not a sou index",
                                index->shards[i].name);
        sou__free(f);
    }
    *fresh = made == n;
    for (size_t i = 0; !rc && made < n && i < n; i++) {
        char *f = NULL;

        if ((rc = sou__xdb_shard_metadata(index->db, i, META_FORMAT, &f, NULL)) || f) {
            sou__free(f);
            continue;
        }
        for (size_t k = 0; !rc && k < sizeof shard_copy_keys / sizeof shard_copy_keys[0]; k++) {
            char *v = NULL;
            size_t len = 0;

            if (!(rc = sou__xdb_shard_metadata(index->db, made, shard_copy_keys[k], &v, &len)) &&
                v)
                rc = sou__xdb_shard_set_metadata(index->db, i, shard_copy_keys[k], v, len);
            sou__free(v);
        }
    }
    for (size_t i = 0; !rc && i < n; i++) {
        char *got = NULL;
        uint64_t docs = 0;

        snprintf(want, sizeof want, "%zu/%zu", i + 1, n);
        if ((rc = sou__xdb_shard_metadata(index->db, i, META_SHARD, &got, NULL)))
            break;
        if (got && strcmp(got, want) != 0)
            rc = sou__error_set(SOU_ESETTINGS,
                                "shard '%s' was written as shard %.20s, and the stub lists it as "
                                "%s: its documents would be looked for in other shards (keep "
                                "the shards in the order and number they were written, or "
                                "index the documents again)",
                                index->shards[i].name, got, want);
        else if (!got && !(rc = sou__xdb_shard_doc_count(index->db, i, &docs)) && docs)
            rc = sou__error_set(SOU_ESETTINGS,
                                "shard '%s' holds documents not written through a stub, so "
                                "sou cannot tell which shard holds which id: write it on "
                                "its own, or index the documents again through the stub",
                                index->shards[i].name);
        else if (!got)
            rc = sou__xdb_shard_set_metadata(index->db, i, META_SHARD, want, strlen(want));
        sou__free(got);
    }
    return rc;
}

/* A stub file opened for writing: local shards only, each made when
 * creating; documents go to the shard their id routes to. */
static int index_open_stub_writable(sou_index *index, const char *path, unsigned int mode)
{
    sou__shards sh;
    const char **paths = NULL;
    int rc, fresh = 0;

    /* Remote lines are parsed only to be refused by name below. */
    if ((rc = sou__stub_read(path, SOU__STUB_ALLOW_REMOTE, &sh)))
        return rc;
    if (!(index->shards = sou__calloc(sh.n, sizeof *index->shards)) ||
        !(paths = sou__calloc(sh.n, sizeof *paths))) {
        rc = SOU_ENOMEM;
        goto out;
    }
    index->nshards = sh.n;
    for (size_t i = 0; i < sh.n; i++) {
        sou__shard_state *st = &index->shards[i];
        char why[300];

        if (!(st->name = shard_name_dup(&sh.v[i]))) {
            rc = SOU_ENOMEM;
            goto out;
        }
        if (sh.v[i].remote) {
            rc = sou__error_set(SOU_EINVAL,
                                "shard '%s' is remote, and a stub is written through only when "
                                "all its shards are local directories: write a remote shard "
                                "on its own machine (sou_shard_of() gives an id's shard)",
                                st->name);
            goto out;
        }
        paths[i] = sh.v[i].path;
        if (mode == SOU_INDEX_CREATE && mkdir(paths[i], 0777) != 0 && errno != EEXIST) {
            rc = sou__error_set(SOU_EIO, "cannot create shard '%s': %s", st->name,
                                strerror(errno));
            goto out;
        }
        if ((rc = check_index_dir(paths[i], mode == SOU_INDEX_CREATE))) {
            snprintf(why, sizeof why, "%s", sou_error_last()->message);
            rc = sou__error_set(rc, "shard '%s': %s", st->name, why);
            goto out;
        }
        if (mode == SOU_INDEX_CREATE && !dir_is_safe_to_create(paths[i])) {
            rc = sou__error_set(SOU_EIO, "cannot create shard '%s': the directory holds other files",
                                st->name);
            goto out;
        }
    }
    /* All fresh: the settings are made below, in every shard at once. */
    if (!(rc = sou__xdb_open_writable_shards(&index->db, paths, sh.n, mode == SOU_INDEX_CREATE)) &&
        !(rc = shards_prepare_writable(index, &fresh)) && !fresh)
        rc = shards_check_settings(index);
out:
    sou__free(paths);
    sou__shards_clear(&sh);
    return rc;
}

/* A stub file: sou reads it, checks each local shard, and hands the shim
 * the list; remote shards only when allowed. */
static int index_open_stub(sou_index *index, const char *path, unsigned int flags,
                           unsigned int timeout_ms)
{
    sou__shards sh;
    int *status = NULL, partial = (flags & SOU_INDEX_PARTIAL) != 0;
    char **msgs = NULL;
    int rc;

    if ((rc = sou__stub_read(path, (flags & SOU_INDEX_ALLOW_REMOTE) ? SOU__STUB_ALLOW_REMOTE : 0,
                             &sh)))
        return rc;
    if (!(index->shards = sou__calloc(sh.n, sizeof *index->shards)) ||
        !(status = sou__calloc(sh.n, sizeof *status)) ||
        !(msgs = sou__calloc(sh.n, sizeof *msgs))) {
        rc = SOU_ENOMEM;
        goto out;
    }
    index->nshards = sh.n;
    for (size_t i = 0; i < sh.n; i++) {
        sou__shard_state *st = &index->shards[i];
        char why[300];

        if (!(st->name = shard_name_dup(&sh.v[i]))) {
            rc = SOU_ENOMEM;
            goto out;
        }
        if (sh.v[i].remote || (status[i] = check_index_dir(sh.v[i].path, 0)) == SOU_OK)
            continue;
        if (status[i] == SOU_ENOMEM) {
            rc = SOU_ENOMEM;
            goto out;
        }
        snprintf(why, sizeof why, "%s", sou_error_last()->message);
        rc = sou__error_set(status[i], "shard '%s': %s", st->name, why);
        if (!partial)
            goto out;
        rc = SOU_OK;
        if (!(st->message = sou__strndup(sou_error_last()->message,
                                         strlen(sou_error_last()->message)))) {
            rc = SOU_ENOMEM;
            goto out;
        }
    }
    rc = sou__xdb_open_shards(&index->db, sh.v, sh.n, timeout_ms, partial, status, msgs);
    for (size_t i = 0; i < sh.n; i++) {
        index->shards[i].status = status[i];
        if (msgs[i]) {
            index->shards[i].message = msgs[i];
            msgs[i] = NULL;
        }
        if (status[i] != SOU_OK)
            index->nmissing++;
    }
    if (!rc)
        rc = shards_check_settings(index);
out:
    for (size_t i = 0; msgs && i < sh.n; i++)
        sou__free(msgs[i]);
    sou__free(msgs);
    sou__free(status);
    sou__shards_clear(&sh);
    return rc;
}

int sou_index_open(sou_index **out, const char *path, const sou_index_options *opts)
{
    const sou_index_options defaults = SOU_INDEX_OPTIONS_INIT;
    sou_index *index;
    struct stat st;
    char *format = NULL;
    size_t format_len;
    unsigned int mode, timeout_ms = CONNECT_TIMEOUT_DEFAULT;
    size_t plen;
    int rc, stub = 0;

    if (!out)
        return sou__error_set(SOU_EINVAL, "sou_index_open: out is NULL");
    *out = NULL;
    if (!path || !*path)
        return sou__error_set(SOU_EINVAL, "sou_index_open: empty path");
    if (!opts)
        opts = &defaults;
    if (opts->version != 1 && opts->version != SOU_INDEX_OPTIONS_VERSION)
        return sou__error_set(SOU_EINVAL, "unknown index options version %u", opts->version);
    mode = opts->flags & ~OPEN_READ_FLAGS;
    if (mode != SOU_INDEX_READONLY && mode != SOU_INDEX_WRITE && mode != SOU_INDEX_CREATE)
        return sou__error_set(SOU_EINVAL, "unknown index open flags 0x%x", opts->flags);
    if (mode != SOU_INDEX_READONLY && (opts->flags & OPEN_READ_FLAGS))
        return sou__error_set(SOU_EINVAL,
                              "SOU_INDEX_ALLOW_REMOTE and SOU_INDEX_PARTIAL go with "
                              "SOU_INDEX_READONLY only");
    /* Only a version 2 struct has the field. */
    if (opts->version >= 2 && opts->connect_timeout_ms)
        timeout_ms = opts->connect_timeout_ms;

    if (stat(path, &st) != 0) {
        if (errno != ENOENT || mode != SOU_INDEX_CREATE)
            return sou__error_set(SOU_EIO, "cannot open index '%s': %s", path,
                                  errno == ENOENT ? "not found" : strerror(errno));
        if (mkdir(path, 0777) != 0)
            return sou__error_set(SOU_EIO, "cannot create index '%s': %s", path,
                                  strerror(errno));
    } else if (S_ISREG(st.st_mode)) {
        /* A file is a stub listing shards: local or remote (xapian-tcpsrv)
         * to search them as one index, local ones only to write. */
        stub = 1;
    } else if (!S_ISDIR(st.st_mode)) {
        return sou__error_set(SOU_EIO, "cannot open index '%s': not a directory", path);
    }
    if (!stub && (rc = check_index_dir(path, mode == SOU_INDEX_CREATE)))
        return open_error(path);
    if (!stub && mode == SOU_INDEX_CREATE && !dir_is_safe_to_create(path))
        return sou__error_set(SOU_EIO,
                              "cannot create index '%s': the directory holds other files", path);

    if (!(index = sou__calloc(1, sizeof *index)))
        return SOU_ENOMEM;
    index->flags = mode;
    index->flush_threshold = opts->flush_threshold ? opts->flush_threshold : FLUSH_DEFAULT;
    /* Without trailing slashes ("idx/" is "idx"): work directories are
     * made beside the index, named after it. */
    plen = strlen(path);
    while (plen > 1 && path[plen - 1] == '/')
        plen--;
    if (!(index->path = sou__strndup(path, plen))) {
        rc = SOU_ENOMEM;
        goto fail;
    }
    index->stub = stub;
    index->open_flags = opts->flags;
    index->connect_timeout_ms = timeout_ms;
    if (stub && mode != SOU_INDEX_READONLY) {
        rc = index_open_stub_writable(index, path, mode);
    } else if (stub) {
        rc = index_open_stub(index, path, opts->flags, timeout_ms);
    } else if (!(index->shards = sou__calloc(1, sizeof *index->shards)) ||
               !(index->shards[0].name = sou__strndup(path, strlen(path)))) {
        rc = SOU_ENOMEM;
    } else {
        index->nshards = 1;
        rc = sou__xdb_open(&index->db, path, mode);
    }
    if (rc) {
        rc = open_error(path);
        goto fail;
    }
    rc = sou__xdb_get_metadata(index->db, META_FORMAT, &format, &format_len);
    if (rc == SOU_OK && !format) {
        sou__xstats xs = { 0, 0, 0 };
        /* A database without our mark is a new one if it is empty: one we
         * just made, or one whose maker died before its first commit (the
         * database exists from the moment it is made). A writer makes it a
         * sou index; a reader sees an empty one. With documents, it is some
         * other program's. */
        if ((rc = sou__xdb_stats(index->db, &xs)) == SOU_OK && xs.doc_count == 0 &&
            mode != SOU_INDEX_READONLY)
            rc = index_settings_create(index, opts->analyzer);
        else if (rc == SOU_OK && xs.doc_count == 0 && !stub &&
                 (rc = sou_analyzer_new(&index->analyzer, opts->analyzer)) == SOU_OK)
            rc = index_adopt_analyzer(index, U_ICU_VERSION);
        else if (rc == SOU_OK)
            rc = sou__error_set(SOU_ECORRUPT, "not a sou index");
    } else if (rc == SOU_OK && strcmp(format, FORMAT_VERSION) != 0) {
        rc = strcmp(format, "1") == 0
                 ? sou__error_set(SOU_ECORRUPT,
                                  "index format 1 is not read by this version of sou: "
                                  "index the documents again into a new index")
                 : sou__error_set(SOU_ECORRUPT, "unknown index format '%.20s'", format);
    } else if (rc == SOU_OK) {
        rc = index_settings_load(index, opts->analyzer);
    }
    sou__free(format);
    if (rc || (rc = index_load_names(index))) {
        rc = open_error(path);
        goto fail;
    }
    *out = index;
    return SOU_OK;
fail:
    {
        /* Closing may overwrite the error that made us close. */
        sou_error saved = *sou_error_last();
        char msg[512];
        snprintf(msg, sizeof msg, "%s", saved.message);
        index_free(index);
        sou__error_set(saved.code, "%s", msg);
    }
    return rc;
}

const char *sou_index_warning(const sou_index *index)
{
    return index ? index->warning : NULL;
}

size_t sou_index_shard_count(const sou_index *index)
{
    return index ? index->nshards : 0;
}

size_t sou_index_shard_missing(const sou_index *index)
{
    return index ? index->nmissing : 0;
}

const char *sou_index_shard_name(const sou_index *index, size_t i)
{
    return index && i < index->nshards ? index->shards[i].name : NULL;
}

int sou_index_shard_status(const sou_index *index, size_t i, const char **message)
{
    if (message)
        *message = NULL;
    if (!index || i >= index->nshards)
        return sou__error_set(SOU_EINVAL, "shard status: no shard %zu", i);
    if (message)
        *message = index->shards[i].message;
    return index->shards[i].status;
}

int sou_index_close(sou_index *index)
{
    const char *cause;
    char msg[400];
    int rc;

    if (!index)
        return SOU_OK;
    rc = sou__xdb_close(index->db);
    index->db = NULL;
    if (rc == SOU_OK) {
        index_free(index);
        return SOU_OK;
    }
    cause = sou_error_last()->message;
    if (strncmp(cause, "commit: ", 8) == 0)
        cause += 8;
    snprintf(msg, sizeof msg, "%s", cause);
    rc = sou__error_set(rc, "cannot commit index '%s' on close, the changes since its last "
                            "commit are lost: %s",
                        index->path, msg);
    index_free(index);
    return rc;
}

/* ---- writing */

size_t sou_shard_of(const char *id, size_t id_len, size_t nshards)
{
    return id && nshards ? sou__route(id, id_len, nshards) : 0;
}

static int need_writable(const sou_index *index, const char *what)
{
    if (!index)
        return sou__error_set(SOU_EINVAL, "%s: index is NULL", what);
    if (!sou__xdb_writable(index->db))
        return sou__error_set(SOU_EREADONLY, "%s: index opened read-only", what);
    return SOU_OK;
}

static int id_valid(const char *id, size_t len)
{
    return id && len >= 1 && len <= SOU_ID_MAX && !memchr(id, '\0', len);
}

static size_t id_term(char *buf, const char *id, size_t len)
{
    buf[0] = 'Q';
    memcpy(buf + 1, id, len);
    buf[len + 1] = '\0';
    return len + 1;
}

/* One more change; outside a transaction, commit every flush_threshold. */
static int index_count_change(sou_index *index)
{
    int rc;

    index->pending++;
    if (index->in_txn || index->pending < index->flush_threshold)
        return SOU_OK;
    if ((rc = sou__xdb_commit(index->db)))
        return rc;
    index->pending = 0;
    return SOU_OK;
}

typedef struct {
    sou__xdoc *xdoc;
    char prefix[SOU__PREFIX_MAX + 1];  /* "" for body, X<FIELD>: */
    size_t prefix_len;
    char zprefix[SOU__PREFIX_MAX + 1]; /* Z, ZX<FIELD>: */
    size_t zprefix_len;
    uint32_t base;   /* position of the field's first token */
    uint32_t last;   /* highest position used in the field */
    int any;         /* the field had a positional token */
    uint32_t weight;
    int stemming;
    int rc;
} add_ctx;

static int add_prefixed(add_ctx *c, const char *prefix, size_t prefix_len, const char *term,
                        size_t len, int positional, uint32_t pos)
{
    char buf[SOU__TERMBUF];
    size_t n = sou__term_make(buf, prefix, prefix_len, term, len);

    return positional ? sou__xdoc_add_posting(c->xdoc, buf, n, pos, c->weight)
                      : sou__xdoc_add_term(c->xdoc, buf, n, c->weight);
}

/* Each token once, in its field's terms (format 2): positional tokens with
 * their position, compounds without, and a stem without position only when
 * it differs from the term (the query side looks the term up as well). */
static int add_token(const sou_token *t, void *payload)
{
    add_ctx *c = payload;
    int rc = SOU_OK;

    if (t->term_len == 0)
        return 0;
    if (t->flags & SOU_TOKEN_COMPOUND) {
        /* Compounds overlay their characters: no position of their own. */
        rc = add_prefixed(c, c->prefix, c->prefix_len, t->term, t->term_len, 0, 0);
    } else {
        uint32_t pos;
        if (t->position > UINT32_MAX - c->base) {
            c->rc = sou__error_set(SOU_EINVAL, "document too long: positions overflow");
            return c->rc;
        }
        pos = c->base + t->position;
        rc = add_prefixed(c, c->prefix, c->prefix_len, t->term, t->term_len, 1, pos);
        if (!c->any || pos > c->last)
            c->last = pos;
        c->any = 1;
    }
    if (!rc && c->stemming && t->stem_len &&
        (t->kind == SOU_TOKEN_LATIN || t->kind == SOU_TOKEN_ALPHA) &&
        (t->stem_len != t->term_len || memcmp(t->stem, t->term, t->term_len) != 0))
        rc = add_prefixed(c, c->zprefix, c->zprefix_len, t->stem, t->stem_len, 0, 0);
    if (rc)
        c->rc = rc;
    return rc;
}

int sou__index_build(sou_analyzer *analyzer, int stemming, const sou_doc *doc,
                     const unsigned int *slots, sou__xdoc *xdoc)
{
    add_ctx c;
    char *data = NULL;
    size_t data_len;
    int rc;

    memset(&c, 0, sizeof c);
    c.xdoc = xdoc;
    c.stemming = stemming;
    for (size_t i = 0; i < doc->nfields; i++) {
        const sou__field *f = &doc->fields[i];
        size_t name_len = strlen(f->name);

        if (f->flags & SOU_FIELD_NO_INDEX)
            continue;
        c.prefix_len = sou__term_prefix(c.prefix, f->name, name_len, 0);
        c.zprefix_len = sou__term_prefix(c.zprefix, f->name, name_len, 1);
        c.weight = f->weight;
        c.any = 0;
        c.rc = SOU_OK;
        rc = sou_analyzer_tokenize(analyzer, f->text, f->len, add_token, &c);
        if (rc)
            return c.rc ? c.rc : rc;
        if (c.any) {
            if (c.last > UINT32_MAX - FIELD_GAP - 1)
                return sou__error_set(SOU_EINVAL, "document too long: positions overflow");
            c.base = c.last + FIELD_GAP + 1;
        }
    }
    for (size_t i = 0; i < doc->nvalues; i++)
        if ((rc = sou__xdoc_set_value(xdoc, slots[i], doc->values[i].value)))
            return rc;
    if ((rc = sou__doc_serialize(doc, &data, &data_len)))
        return rc;
    rc = sou__xdoc_set_data(xdoc, data, data_len);
    sou__free(data);
    return rc;
}

int sou__index_register(sou_index *index, const sou_doc *doc, unsigned int **slots)
{
    int rc;

    *slots = NULL;
    for (size_t i = 0; i < doc->nfields; i++)
        if (!(doc->fields[i].flags & SOU_FIELD_NO_INDEX) &&
            (rc = names_register(index, &index->fields, &index->nfields, &index->fields_cap,
                                 META_FIELDS, doc->fields[i].name)))
            return rc;
    for (size_t i = 0; i < doc->nvalues; i++)
        if ((rc = names_register(index, &index->values, &index->nvalues, &index->values_cap,
                                 META_VALUES, doc->values[i].name)) ||
            (doc->values[i].date &&
             (rc = names_register(index, &index->dates, &index->ndates, &index->dates_cap,
                                  META_DATES, doc->values[i].name))))
            return rc;
    if (doc->nvalues == 0)
        return SOU_OK;
    if (!(*slots = sou__malloc(doc->nvalues * sizeof **slots)))
        return SOU_ENOMEM;
    for (size_t i = 0; i < doc->nvalues; i++)
        (*slots)[i] = (unsigned int)sou__index_value_slot(index, doc->values[i].name);
    return SOU_OK;
}

int sou__index_stemming(const sou_index *index)
{
    return strcmp(index->aopts.stemmer, "none") != 0;
}

size_t sou__index_id_term(char *buf, const char *id, size_t len)
{
    return id_term(buf, id, len);
}

int sou__index_id_valid(const char *id, size_t len)
{
    return id_valid(id, len);
}

int sou_index_add(sou_index *index, const sou_doc *doc)
{
    char idterm[SOU_ID_MAX + 2];
    size_t idlen;
    sou__xdoc *xdoc = NULL;
    unsigned int *slots = NULL;
    int rc;

    if ((rc = need_writable(index, "add")))
        return rc;
    if (!doc)
        return sou__error_set(SOU_EINVAL, "add: document is NULL");
    if (!id_valid(doc->id, doc->id_len))
        return sou__error_set(SOU_EINVAL, "add: bad document id");

    /* Names first: the values need their slots. */
    if ((rc = sou__index_register(index, doc, &slots)))
        return rc;
    if ((rc = sou__xdoc_new(&xdoc))) {
        sou__free(slots);
        return rc;
    }
    idlen = id_term(idterm, doc->id, doc->id_len);
    if (!(rc = sou__xdoc_add_term(xdoc, idterm, idlen, 0)) &&
        !(rc = sou__index_build(index->analyzer, sou__index_stemming(index), doc, slots, xdoc)))
        rc = sou__xdb_replace(index->db, idterm, idlen, xdoc);
    sou__free(slots);
    sou__xdoc_free(xdoc);
    if (rc)
        return rc;
    return index_count_change(index);
}

int sou_index_delete(sou_index *index, const char *id, size_t id_len)
{
    char idterm[SOU_ID_MAX + 2];
    size_t idlen;
    int rc;

    if ((rc = need_writable(index, "delete")))
        return rc;
    if (!id_valid(id, id_len))
        return sou__error_set(SOU_EINVAL, "delete: document id must be 1 to %d bytes without NUL",
                              SOU_ID_MAX);
    idlen = id_term(idterm, id, id_len);
    rc = sou__xdb_delete(index->db, idterm, idlen);
    if (rc == SOU_ENOTFOUND)
        return sou__error_set(SOU_ENOTFOUND, "delete: no document '%.*s'", (int)id_len, id);
    if (rc)
        return rc;
    return index_count_change(index);
}

int sou_index_get(sou_index *index, const char *id, size_t id_len, sou_doc **out)
{
    char idterm[SOU_ID_MAX + 2];
    size_t idlen, len;
    char *data = NULL;
    int rc;

    if (!out)
        return sou__error_set(SOU_EINVAL, "get: out is NULL");
    *out = NULL;
    if (!index)
        return sou__error_set(SOU_EINVAL, "get: index is NULL");
    if (!id_valid(id, id_len))
        return sou__error_set(SOU_EINVAL, "get: document id must be 1 to %d bytes without NUL",
                              SOU_ID_MAX);
    idlen = id_term(idterm, id, id_len);
    rc = sou__xdb_get_data(index->db, idterm, idlen, &data, &len);
    if (rc == SOU_ENOTFOUND)
        return sou__error_set(SOU_ENOTFOUND, "get: no document '%.*s'", (int)id_len, id);
    if (rc)
        return rc;
    rc = sou__doc_deserialize(data, len, out);
    sou__free(data);
    return rc;
}

int sou_index_ids(sou_index *index, const char *prefix, size_t prefix_len,
                  const char *const *names, size_t nnames, sou_id_cb cb, void *payload)
{
    unsigned int *slots = NULL;
    int rc;

    if (!index || !cb)
        return sou__error_set(SOU_EINVAL, "ids: %s is NULL", index ? "callback" : "index");
    if ((!prefix && prefix_len) || (!names && nnames))
        return sou__error_set(SOU_EINVAL, "ids: prefix or names is NULL");
    if (prefix_len > SOU_ID_MAX)
        return SOU_OK; /* no id is that long */
    if (nnames) {
        if (!(slots = sou__malloc(nnames * sizeof *slots)))
            return SOU_ENOMEM;
        for (size_t i = 0; i < nnames; i++) {
            int slot = names[i] ? sou__index_value_slot(index, names[i]) : -1;
            slots[i] = slot > 0 ? (unsigned int)slot : 0;
        }
    }
    rc = sou__xdb_ids(index->db, prefix, prefix_len, slots, nnames, cb, payload);
    sou__free(slots);
    return rc;
}

int sou_index_commit(sou_index *index)
{
    int rc;

    if ((rc = need_writable(index, "commit")))
        return rc;
    rc = sou__xdb_commit(index->db);
    /* A failed commit_transaction ends the transaction too. */
    index->in_txn = 0;
    if (rc)
        return rc;
    index->pending = 0;
    return SOU_OK;
}

int sou_index_begin(sou_index *index)
{
    int rc;

    if ((rc = need_writable(index, "begin")))
        return rc;
    if (index->in_txn)
        return sou__error_set(SOU_EINVAL, "begin: a transaction is already open");
    if ((rc = sou__xdb_begin(index->db)))
        return rc;
    /* Beginning committed what was pending. */
    index->in_txn = 1;
    index->pending = 0;
    return SOU_OK;
}

int sou_index_cancel(sou_index *index)
{
    int rc;

    if (!index)
        return sou__error_set(SOU_EINVAL, "cancel: index is NULL");
    if (!index->in_txn)
        return sou__error_set(SOU_EINVAL, "cancel: no transaction is open");
    rc = sou__xdb_cancel(index->db);
    index->in_txn = 0;
    index->pending = 0;
    if (rc)
        return rc;
    return index_load_names(index);
}

/* Read the stub again and open its shards anew: shards that came back are
 * searched again, and (with SOU_INDEX_PARTIAL) those gone are left out. The
 * index stays as it was unless the new set opens, with the settings the
 * index's queries are analysed with. */
static int index_reopen_stub(sou_index *index)
{
    static const char *const keys[] = { META_CJK, META_STEMMER, META_FOLD_HANT };
    const char *have[3];
    sou_index fresh;
    int rc;

    have[0] = sou_cjk_mode_name(index->aopts.cjk);
    have[1] = index->aopts.stemmer;
    have[2] = index->aopts.fold_hant ? "1" : "0";
    memset(&fresh, 0, sizeof fresh);
    rc = index_open_stub(&fresh, index->path, index->open_flags, index->connect_timeout_ms);
    for (size_t k = 0; !rc && k < sizeof keys / sizeof keys[0]; k++) {
        char *got = NULL;

        if ((rc = meta_get(fresh.db, keys[k], &got)))
            break;
        if (strcmp(got, have[k]) != 0)
            rc = sou__error_set(SOU_ESETTINGS,
                                "reopen: the shards now record %s '%.40s', the index was "
                                "opened with '%s'",
                                keys[k], got, have[k]);
        sou__free(got);
    }
    if (rc) {
        sou_error saved = *sou_error_last();
        char msg[512];

        snprintf(msg, sizeof msg, "%s", saved.message);
        sou__xdb_close(fresh.db);
        shard_states_free(fresh.shards, fresh.nshards);
        return sou__error_set(saved.code, "%s", msg);
    }
    sou__xdb_close(index->db);
    shard_states_free(index->shards, index->nshards);
    index->db = fresh.db;
    index->shards = fresh.shards;
    index->nshards = fresh.nshards;
    index->nmissing = fresh.nmissing;
    /* The shards that answer now say whether their ICU differs. */
    sou__free(index->warning);
    index->warning = NULL;
    return shards_check_icu(index);
}

int sou_index_reopen(sou_index *index)
{
    int rc;

    if (!index)
        return sou__error_set(SOU_EINVAL, "reopen: index is NULL");
    rc = sou__xdb_reopen(index->db);
    /* A stub with a shard down or left out is opened again from its file. */
    if (index->stub && (rc == SOU_EIO || (rc == SOU_OK && index->nmissing)))
        rc = index_reopen_stub(index);
    if (rc)
        return rc;
    /* A writer may have brought new fields and values. */
    return index_load_names(index);
}

/* ---- facts */

static int dir_size(const char *path, uint64_t *out)
{
    size_t plen = strlen(path);
    char *buf;
    DIR *d;
    struct dirent *e;
    uint64_t total = 0;
    struct stat pst;

    /* A stub of shards has no files of its own to count. */
    if (stat(path, &pst) == 0 && S_ISREG(pst.st_mode)) {
        *out = 0;
        return SOU_OK;
    }
    if (!(d = opendir(path)))
        return sou__error_set(SOU_EIO, "cannot read index directory '%s': %s", path,
                              strerror(errno));
    if (!(buf = sou__malloc(plen + 258))) {
        closedir(d);
        return SOU_ENOMEM;
    }
    while ((e = readdir(d))) {
        struct stat st;
        if (strlen(e->d_name) > 256)
            continue;
        snprintf(buf, plen + 258, "%s/%s", path, e->d_name);
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode))
            total += (uint64_t)st.st_size;
    }
    closedir(d);
    sou__free(buf);
    *out = total;
    return SOU_OK;
}

int sou_index_stats_get(sou_index *index, sou_index_stats *out)
{
    sou__xstats xs;
    int rc;

    if (!index || !out)
        return sou__error_set(SOU_EINVAL, "stats: missing argument");
    memset(out, 0, sizeof *out);
    if ((rc = sou__xdb_stats(index->db, &xs)) || (rc = dir_size(index->path, &out->size_bytes)))
        return rc;
    out->doc_count = xs.doc_count;
    out->term_count = xs.term_count;
    out->total_length = xs.total_length;
    out->analyzer = index->aopts;
    out->icu_version = index->icu_version;
    return SOU_OK;
}

int sou_index_doc_count(sou_index *index, uint64_t *out)
{
    if (!index || !out)
        return sou__error_set(SOU_EINVAL, "doc count: missing argument");
    return sou__xdb_doc_count(index->db, out);
}

const sou_analyzer_options *sou_index_analyzer_options(const sou_index *index)
{
    return index ? &index->aopts : NULL;
}
