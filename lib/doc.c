/* doc.c: documents in memory, and their stored form in the index. */
#include "doc.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "terms.h"

/*
 * Stored form, version 1 (integers are LEB128 varints):
 *   u8      version
 *   varint  id length, then the id bytes
 *   varint  field count, then per field:
 *             varint name length, name bytes, varint weight, varint flags,
 *             varint text length, text bytes
 *   varint  value count, then per value:
 *             varint name length, name bytes, 8 bytes IEEE-754 little-endian
 * Nothing follows. Names and text carry no NUL; text may hold NUL bytes.
 */
#define DOC_FORMAT 1
#define WEIGHT_MAX 100
#define FIELD_FLAGS (SOU_FIELD_NO_INDEX | SOU_FIELD_NO_STORE)

static int id_valid(const char *id, size_t len)
{
    return id && len >= 1 && len <= SOU_ID_MAX && !memchr(id, '\0', len);
}

int sou_doc_new(sou_doc **out, const char *id, size_t id_len)
{
    sou_doc *doc;

    if (!out)
        return sou__error_set(SOU_EINVAL, "sou_doc_new: out is NULL");
    *out = NULL;
    if (!id_valid(id, id_len))
        return sou__error_set(SOU_EINVAL,
                              "document id must be 1 to %d bytes without NUL (got %zu bytes)",
                              SOU_ID_MAX, id ? id_len : 0);
    doc = sou__calloc(1, sizeof *doc);
    if (!doc)
        return SOU_ENOMEM;
    doc->id = sou__strndup(id, id_len);
    if (!doc->id) {
        sou__free(doc);
        return SOU_ENOMEM;
    }
    doc->id_len = id_len;
    *out = doc;
    return SOU_OK;
}

void sou_doc_free(sou_doc *doc)
{
    if (!doc)
        return;
    for (size_t i = 0; i < doc->nfields; i++) {
        sou__free(doc->fields[i].name);
        sou__free(doc->fields[i].text);
    }
    for (size_t i = 0; i < doc->nvalues; i++)
        sou__free(doc->values[i].name);
    sou__free(doc->fields);
    sou__free(doc->values);
    sou__free(doc->id);
    sou__free(doc);
}

int sou_doc_add_field(sou_doc *doc, const char *name, const char *text, size_t len,
                      unsigned int weight, unsigned int flags)
{
    size_t name_len;
    sou__field *f;
    char *n, *t;

    if (!doc)
        return sou__error_set(SOU_EINVAL, "sou_doc_add_field: doc is NULL");
    name_len = name ? strlen(name) : 0;
    if (!sou__name_valid(name, name_len))
        return sou__error_set(SOU_EINVAL,
                              "bad field name '%.40s': want [a-z][a-z0-9_]*, at most %d bytes",
                              name ? name : "(null)", SOU_NAME_MAX);
    if (!text && len)
        return sou__error_set(SOU_EINVAL, "field '%s': text is NULL", name);
    if (weight > WEIGHT_MAX)
        return sou__error_set(SOU_EINVAL, "field '%s': weight %u is over %d", name, weight,
                              WEIGHT_MAX);
    if (flags & ~FIELD_FLAGS)
        return sou__error_set(SOU_EINVAL, "field '%s': unknown flags 0x%x", name, flags);
    if (weight == 0)
        weight = strcmp(name, "title") == 0 ? 3 : 1;

    if (sou__grow((void **)&doc->fields, &doc->fields_cap, doc->nfields + 1, sizeof *doc->fields))
        return SOU_ENOMEM;
    n = sou__strndup(name, name_len);
    if (!n)
        return SOU_ENOMEM;
    t = sou__strndup(text ? text : "", len);
    if (!t) {
        sou__free(n);
        return SOU_ENOMEM;
    }
    f = &doc->fields[doc->nfields++];
    f->name = n;
    f->text = t;
    f->len = len;
    f->weight = weight;
    f->flags = flags;
    return SOU_OK;
}

static sou__value *value_find(const sou_doc *doc, const char *name)
{
    for (size_t i = 0; i < doc->nvalues; i++)
        if (strcmp(doc->values[i].name, name) == 0)
            return &doc->values[i];
    return NULL;
}

int sou_doc_set_value(sou_doc *doc, const char *name, double value)
{
    size_t name_len;
    sou__value *v;
    char *n;

    if (!doc)
        return sou__error_set(SOU_EINVAL, "sou_doc_set_value: doc is NULL");
    name_len = name ? strlen(name) : 0;
    if (!sou__name_valid(name, name_len))
        return sou__error_set(SOU_EINVAL,
                              "bad value name '%.40s': want [a-z][a-z0-9_]*, at most %d bytes",
                              name ? name : "(null)", SOU_NAME_MAX);
    if (isnan(value))
        return sou__error_set(SOU_EINVAL, "value '%s': NaN cannot be sorted", name);
    v = value_find(doc, name);
    if (v) {
        v->value = value;
        v->date = 0;
        return SOU_OK;
    }
    if (sou__grow((void **)&doc->values, &doc->values_cap, doc->nvalues + 1, sizeof *doc->values))
        return SOU_ENOMEM;
    n = sou__strndup(name, name_len);
    if (!n)
        return SOU_ENOMEM;
    v = &doc->values[doc->nvalues++];
    v->name = n;
    v->value = value;
    v->date = 0;
    return SOU_OK;
}

int sou_doc_set_date(sou_doc *doc, const char *name, double seconds)
{
    int rc = sou_doc_set_value(doc, name, seconds);
    if (rc == SOU_OK)
        value_find(doc, name)->date = 1;
    return rc;
}

const char *sou_doc_id(const sou_doc *doc, size_t *len)
{
    if (!doc) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = doc->id_len;
    return doc->id;
}

size_t sou_doc_field_count(const sou_doc *doc)
{
    return doc ? doc->nfields : 0;
}

int sou_doc_field_at(const sou_doc *doc, size_t i, const char **name, const char **text,
                     size_t *len)
{
    if (!doc)
        return sou__error_set(SOU_EINVAL, "sou_doc_field_at: doc is NULL");
    if (i >= doc->nfields)
        return sou__error_set(SOU_ENOTFOUND, "field %zu of %zu", i, doc->nfields);
    if (name)
        *name = doc->fields[i].name;
    if (text)
        *text = doc->fields[i].text;
    if (len)
        *len = doc->fields[i].len;
    return SOU_OK;
}

const char *sou_doc_field(const sou_doc *doc, const char *name, size_t *len)
{
    if (doc && name) {
        for (size_t i = 0; i < doc->nfields; i++) {
            if (strcmp(doc->fields[i].name, name) == 0) {
                if (len)
                    *len = doc->fields[i].len;
                return doc->fields[i].text;
            }
        }
    }
    if (len)
        *len = 0;
    return NULL;
}

int sou_doc_value(const sou_doc *doc, const char *name, double *out)
{
    const sou__value *v;

    if (!doc || !name)
        return sou__error_set(SOU_EINVAL, "sou_doc_value: missing argument");
    v = value_find(doc, name);
    if (!v)
        return sou__error_set(SOU_ENOTFOUND, "no value '%.40s'", name);
    if (out)
        *out = v->value;
    return SOU_OK;
}

size_t sou_doc_value_count(const sou_doc *doc)
{
    return doc ? doc->nvalues : 0;
}

int sou_doc_value_at(const sou_doc *doc, size_t i, const char **name, double *value)
{
    if (!doc)
        return sou__error_set(SOU_EINVAL, "sou_doc_value_at: missing document");
    if (i >= doc->nvalues)
        return sou__error_set(SOU_ENOTFOUND, "no value %zu (the document has %zu)", i,
                              doc->nvalues);
    if (name)
        *name = doc->values[i].name;
    if (value)
        *value = doc->values[i].value;
    return SOU_OK;
}

/* ---- stored form */

typedef struct {
    char *buf;
    size_t len, cap;
    int rc;
} wbuf;

static void put_bytes(wbuf *w, const void *p, size_t n)
{
    if (w->rc)
        return;
    if (w->len + n < w->len) {
        w->rc = sou__error_set(SOU_ENOMEM, "document too large");
        return;
    }
    if (sou__grow((void **)&w->buf, &w->cap, w->len + n, 1)) {
        w->rc = SOU_ENOMEM;
        return;
    }
    if (n)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void put_varint(wbuf *w, uint64_t v)
{
    unsigned char b[10];
    size_t n = 0;

    do {
        b[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    put_bytes(w, b, n);
}

static void put_str(wbuf *w, const char *s, size_t n)
{
    put_varint(w, n);
    put_bytes(w, s, n);
}

static void put_double(wbuf *w, double d)
{
    unsigned char b[8];
    uint64_t u;

    memcpy(&u, &d, sizeof u);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(u >> (8 * i));
    put_bytes(w, b, sizeof b);
}

int sou__doc_serialize(const sou_doc *doc, char **out, size_t *len)
{
    wbuf w = { NULL, 0, 0, SOU_OK };
    unsigned char version = DOC_FORMAT;
    size_t nstored = 0;

    if (!doc || !out || !len)
        return sou__error_set(SOU_EINVAL, "serialize: missing argument");
    *out = NULL;
    *len = 0;
    for (size_t i = 0; i < doc->nfields; i++)
        if (!(doc->fields[i].flags & SOU_FIELD_NO_STORE))
            nstored++;
    put_bytes(&w, &version, 1);
    put_str(&w, doc->id, doc->id_len);
    put_varint(&w, nstored);
    for (size_t i = 0; i < doc->nfields; i++) {
        const sou__field *f = &doc->fields[i];
        if (f->flags & SOU_FIELD_NO_STORE)
            continue;
        put_str(&w, f->name, strlen(f->name));
        put_varint(&w, f->weight);
        put_varint(&w, f->flags);
        put_str(&w, f->text, f->len);
    }
    put_varint(&w, doc->nvalues);
    for (size_t i = 0; i < doc->nvalues; i++) {
        put_str(&w, doc->values[i].name, strlen(doc->values[i].name));
        put_double(&w, doc->values[i].value);
    }
    if (w.rc) {
        sou__free(w.buf);
        return w.rc;
    }
    *out = w.buf;
    *len = w.len;
    return SOU_OK;
}

typedef struct {
    const unsigned char *p;
    size_t left;
} rbuf;

static int get_varint(rbuf *r, uint64_t *v)
{
    uint64_t x = 0;

    for (unsigned shift = 0; shift < 64; shift += 7) {
        unsigned char b;
        if (!r->left)
            return 0;
        b = *r->p++;
        r->left--;
        /* The tenth byte may only hold the top bit of a 64-bit number. */
        if (shift == 63 && (b & 0x7e))
            return 0;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 1;
        }
    }
    return 0;
}

/* A length-prefixed string borrowed from r. */
static int get_str(rbuf *r, const char **s, size_t *n)
{
    uint64_t len;

    if (!get_varint(r, &len) || len > r->left)
        return 0;
    *s = (const char *)r->p;
    *n = (size_t)len;
    r->p += len;
    r->left -= (size_t)len;
    return 1;
}

static int get_double(rbuf *r, double *d)
{
    uint64_t u = 0;

    if (r->left < 8)
        return 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)r->p[i] << (8 * i);
    r->p += 8;
    r->left -= 8;
    memcpy(d, &u, sizeof *d);
    return 1;
}

static int corrupt(sou_doc *doc, const char *what)
{
    sou_doc_free(doc);
    return sou__error_set(SOU_ECORRUPT, "stored document is corrupt: %s", what);
}

/* The public setters validate again; a name they refuse here is corruption,
 * a failed allocation stays SOU_ENOMEM. */
static int add_stored_field(sou_doc *doc, const char *name, size_t name_len, uint64_t weight,
                            uint64_t flags, const char *text, size_t len)
{
    char nbuf[SOU_NAME_MAX + 1];

    if (!sou__name_valid(name, name_len))
        return SOU_ECORRUPT;
    if (weight < 1 || weight > WEIGHT_MAX || (flags & ~(uint64_t)FIELD_FLAGS) ||
        (flags & SOU_FIELD_NO_STORE))
        return SOU_ECORRUPT;
    memcpy(nbuf, name, name_len);
    nbuf[name_len] = '\0';
    return sou_doc_add_field(doc, nbuf, text, len, (unsigned int)weight, (unsigned int)flags);
}

int sou__doc_stored_id(const char *data, size_t len, const char **id, size_t *id_len)
{
    rbuf r;

    if (!data || len < 1 || (unsigned char)data[0] != DOC_FORMAT)
        return 0;
    r.p = (const unsigned char *)data + 1;
    r.left = len - 1;
    return get_str(&r, id, id_len) && *id_len > 0;
}

int sou__doc_deserialize(const char *data, size_t len, sou_doc **out)
{
    rbuf r;
    sou_doc *doc = NULL;
    const char *s;
    size_t n;
    uint64_t count;
    int rc;

    if (!out)
        return sou__error_set(SOU_EINVAL, "deserialize: out is NULL");
    *out = NULL;
    if (!data && len)
        return sou__error_set(SOU_EINVAL, "deserialize: data is NULL");
    r.p = (const unsigned char *)data;
    r.left = len;
    if (r.left < 1)
        return corrupt(NULL, "empty");
    if (r.p[0] != DOC_FORMAT)
        return sou__error_set(SOU_ECORRUPT, "stored document has unknown format %u",
                              (unsigned)r.p[0]);
    r.p++;
    r.left--;

    if (!get_str(&r, &s, &n) || !id_valid(s, n))
        return corrupt(NULL, "bad id");
    rc = sou_doc_new(&doc, s, n);
    if (rc)
        return rc;

    /* Every field takes at least 5 bytes, which bounds the count before any
     * allocation trusts it. */
    if (!get_varint(&r, &count) || count > r.left / 5)
        return corrupt(doc, "bad field count");
    for (uint64_t i = 0; i < count; i++) {
        const char *name, *text;
        size_t name_len, text_len;
        uint64_t weight, flags;

        if (!get_str(&r, &name, &name_len) || !get_varint(&r, &weight) ||
            !get_varint(&r, &flags) || !get_str(&r, &text, &text_len))
            return corrupt(doc, "truncated field");
        rc = add_stored_field(doc, name, name_len, weight, flags, text, text_len);
        if (rc == SOU_ENOMEM) {
            sou_doc_free(doc);
            return rc;
        }
        if (rc)
            return corrupt(doc, "bad field");
    }

    if (!get_varint(&r, &count) || count > r.left / 10)
        return corrupt(doc, "bad value count");
    for (uint64_t i = 0; i < count; i++) {
        char nbuf[SOU_NAME_MAX + 1];
        double v;

        if (!get_str(&r, &s, &n) || !get_double(&r, &v))
            return corrupt(doc, "truncated value");
        if (!sou__name_valid(s, n) || isnan(v))
            return corrupt(doc, "bad value");
        memcpy(nbuf, s, n);
        nbuf[n] = '\0';
        if (value_find(doc, nbuf))
            return corrupt(doc, "value stored twice");
        rc = sou_doc_set_value(doc, nbuf, v);
        if (rc) {
            sou_doc_free(doc);
            return rc;
        }
    }
    if (r.left)
        return corrupt(doc, "trailing bytes");
    *out = doc;
    return SOU_OK;
}

int sou__doc_copy(const sou_doc *doc, sou_doc **out)
{
    sou_doc *c = NULL;
    int rc;

    *out = NULL;
    if ((rc = sou_doc_new(&c, doc->id, doc->id_len)))
        return rc;
    for (size_t i = 0; i < doc->nfields; i++) {
        const sou__field *f = &doc->fields[i];
        /* The weight is resolved already: never 0, so it is kept as is. */
        if ((rc = sou_doc_add_field(c, f->name, f->text, f->len, f->weight, f->flags))) {
            sou_doc_free(c);
            return rc;
        }
    }
    for (size_t i = 0; i < doc->nvalues; i++)
        if ((rc = (doc->values[i].date ? sou_doc_set_date : sou_doc_set_value)(
                 c, doc->values[i].name, doc->values[i].value))) {
            sou_doc_free(c);
            return rc;
        }
    *out = c;
    return SOU_OK;
}
