/* doc.h: documents in memory, and their stored form in the index. */
#ifndef SOU_LIB_DOC_H
#define SOU_LIB_DOC_H

#include <stddef.h>

#include "sou.h"

typedef struct sou__field {
    char *name;  /* NUL-terminated */
    char *text;  /* NUL-terminated, len bytes */
    size_t len;
    unsigned int weight; /* resolved: never 0 */
    unsigned int flags;
} sou__field;

typedef struct sou__value {
    char *name;
    double value;
    int date; /* set by sou_doc_set_date: seconds since the epoch */
} sou__value;

struct sou_doc {
    char *id;
    size_t id_len;
    sou__field *fields;
    size_t nfields, fields_cap;
    sou__value *values;
    size_t nvalues, values_cap;
};

/* The stored form holds the id, the fields without SOU_FIELD_NO_STORE,
 * and the values. *out is sou__malloc'd. */
int sou__doc_serialize(const sou_doc *doc, char **out, size_t *len);
/* SOU_ECORRUPT for data that is not a stored document. */
int sou__doc_deserialize(const char *data, size_t len, sou_doc **out);
/* The id of a stored document, borrowed from data: 1, or 0 if data is not
 * a stored document. */
int sou__doc_stored_id(const char *data, size_t len, const char **id, size_t *id_len);
/* A deep copy of doc, every field and value with its weight and flags. */
int sou__doc_copy(const sou_doc *doc, sou_doc **out);

#endif
