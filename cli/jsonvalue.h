/* jsonvalue.h: JSON members stored as values (sou index --value NAME). */
#ifndef SOU_CLI_JSONVALUE_H
#define SOU_CLI_JSONVALUE_H

#include <stddef.h>

#include <jansson.h>

#include "sou.h"

/* Most names --value takes. */
#define CLI_VALUES_MAX 64

/* The names given with --value; the strings are borrowed from argv. */
typedef struct cli_values {
    const char *names[CLI_VALUES_MAX];
    size_t n;
} cli_values;

/* Adds name; -1 when it is no valid value name or there are too many. */
int cli_values_add(cli_values *v, const char *name);
int cli_values_has(const cli_values *v, const char *name);

/* Sets member key of a JSON line as a value of doc: a number as it is, a
 * string holding an ISO 8601 date as a date (sou_doc_set_date), one holding
 * a decimal number as that number; a string is also kept as a stored field
 * that is not searched, so the document shows it as written. Returns
 * SOU_OK, or a code with *why set (the library's message when NULL). */
int cli_value_member(sou_doc *doc, const char *key, json_t *value, const char **why);

#endif
