/* date.h: ISO 8601 dates as the seconds since the epoch a date value holds. */
#ifndef SOU_LIB_DATE_H
#define SOU_LIB_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "sou.h"

/* Read YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss[.fff]] with an
 * optional Z or +hh:mm / -hh:mm (no offset: UTC). [*start, *end) is the
 * span of time the text names, in seconds since 1970-01-01T00:00:00Z: a
 * whole year for "2019", a day for "2019-03-14", a second for a time with
 * seconds. 1 when read, 0 when text is not such a date (nothing set). */
int sou__date_parse(const char *text, size_t len, double *start, double *end);

#endif
