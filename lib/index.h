/* index.h: the index handle, shared by index.c (writing) and results.c (search). */
#ifndef SOU_LIB_INDEX_H
#define SOU_LIB_INDEX_H

#include <stddef.h>

#include "sou.h"
#include "xapian_shim.h"

/* One shard of the index as opened: its name, and why it was left out. */
typedef struct sou__shard_state {
    char *name;    /* the directory, or HOST:PORT */
    int status;    /* SOU_OK when searched */
    char *message; /* why not, or NULL */
} sou__shard_state;

struct sou_index {
    sou__xdb *db;
    unsigned int flags;
    sou_analyzer *analyzer;          /* built from the recorded settings */
    sou_analyzer_options aopts;      /* stemmer points at stemmer below */
    char *stemmer;
    char *icu_version;
    char *warning;                   /* found at open (ICU major version), or NULL */
    size_t flush_threshold;
    size_t pending;                  /* changes since the last commit */
    int in_txn;
    /* Field names seen in the index ("sou.fields" metadata), and value
     * names, whose slot is their index + 1 ("sou.values"). */
    char **fields;
    size_t nfields, fields_cap;
    char **values;
    size_t nvalues, values_cap;
    char **dates;                    /* values that hold dates ("sou.dates") */
    size_t ndates, dates_cap;
    char *path;                      /* the index directory, for stats */
    sou__shard_state *shards;        /* one for a directory; a stub's, in order */
    size_t nshards, nmissing;
    int stub;                        /* path is a stub file: reopen reads it again */
    unsigned int open_flags;         /* as given, SOU_INDEX_ALLOW_REMOTE etc. included */
    unsigned int connect_timeout_ms;
};

/* Is name (len bytes) a field of the index? */
int sou__index_has_field(const sou_index *index, const char *name, size_t len);
/* The value slot of name, or -1. */
int sou__index_value_slot(const sou_index *index, const char *name);
/* Was name (len bytes) set as a date (sou_doc_set_date) in the index? */
int sou__index_value_is_date(const sou_index *index, const char *name, size_t len);

/* Register doc's field and value names in the index (metadata, not yet
 * committed); *slots (sou__free) gets the slot of each value, NULL when
 * the document has none. The caller's thread owns the index. */
int sou__index_register(sou_index *index, const sou_doc *doc, unsigned int **slots);
/* The terms, values and data of doc into xdoc (format 2, lib/terms.h),
 * with analyzer on the calling thread. The id term is the caller's. */
int sou__index_build(sou_analyzer *analyzer, int stemming, const sou_doc *doc,
                     const unsigned int *slots, sou__xdoc *xdoc);
int sou__index_stemming(const sou_index *index);
/* Q<id> into buf (SOU_ID_MAX + 2 bytes); its length. */
size_t sou__index_id_term(char *buf, const char *id, size_t len);
int sou__index_id_valid(const char *id, size_t len);

#endif
