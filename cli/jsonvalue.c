/* jsonvalue.c: JSON members declared with `sou index --value NAME`, stored
 * as sortable values: numbers as they are, ISO 8601 date strings as dates
 * (seconds since the epoch, UTC), strings of a decimal number as numbers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonvalue.h"

int cli_values_add(cli_values *v, const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > SOU_NAME_MAX || name[0] < 'a' || name[0] > 'z' ||
        strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != len)
        return -1;
    if (cli_values_has(v, name))
        return 0;
    if (v->n == CLI_VALUES_MAX)
        return -1;
    v->names[v->n++] = name;
    return 0;
}

int cli_values_has(const cli_values *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->names[i], name) == 0)
            return 1;
    return 0;
}

/* A whole decimal number, finite. */
static int decimal(const char *s, size_t len, double *out)
{
    char buf[64], *end;

    if (len == 0 || len >= sizeof buf || strspn(s, "0123456789+-.eE") != len)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    *out = strtod(buf, &end);
    return end == buf + len && isfinite(*out);
}

int cli_value_member(sou_doc *doc, const char *key, json_t *value, const char **why)
{
    const char *s;
    size_t len;
    double v;
    int rc;

    *why = NULL;
    if (json_is_number(value))
        return sou_doc_set_value(doc, key, json_number_value(value));
    if (!json_is_string(value)) {
        *why = "a value must be a number or a string holding a date or a number";
        return SOU_EINVAL;
    }
    s = json_string_value(value);
    len = json_string_length(value);
    if (sou_date_parse(s, len, &v) == SOU_OK)
        rc = sou_doc_set_date(doc, key, v);
    else if (decimal(s, len, &v))
        rc = sou_doc_set_value(doc, key, v);
    else {
        *why = "not an ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss][Z]) "
               "nor a number";
        return SOU_EINVAL;
    }
    /* The text as written comes back with the document. */
    if (rc == SOU_OK)
        rc = sou_doc_add_field(doc, key, s, len, 0, SOU_FIELD_NO_INDEX);
    return rc;
}
