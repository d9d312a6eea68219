/* date.c: ISO 8601 dates and times as seconds since the epoch, the number
 * a date value holds, and the span of time each written form covers. */
#include "date.h"

#include <math.h>

#include "error.h"

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar: count
 * the year from March, so that the leap day ends it, in eras of 400 years
 * (146097 days). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* n digits at t[*i] into *out; 0 when they are not all there. */
static int digits(const char *t, size_t len, size_t *i, int n, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < n; k++) {
        if (*i >= len || t[*i] < '0' || t[*i] > '9')
            return 0;
        v = v * 10 + (unsigned)(t[(*i)++] - '0');
    }
    *out = v;
    return 1;
}

int sou__date_parse(const char *t, size_t len, double *start, double *end)
{
    unsigned year, mon = 1, day = 1, hour = 0, min = 0, sec = 0, oh = 0, om = 0;
    double frac = 0, span;
    int64_t days;
    long offset = 0;
    size_t i = 0;

    if (!t || !digits(t, len, &i, 4, &year))
        return 0;
    span = -1; /* a year: computed below */
    if (i < len && t[i] == '-') {
        i++;
        if (!digits(t, len, &i, 2, &mon) || mon < 1 || mon > 12)
            return 0;
        span = -2; /* a month */
        if (i < len && t[i] == '-') {
            i++;
            if (!digits(t, len, &i, 2, &day) || day < 1 || day > days_in_month(year, mon))
                return 0;
            span = 86400;
            if (i < len && (t[i] == 'T' || t[i] == 't' || t[i] == ' ')) {
                i++;
                if (!digits(t, len, &i, 2, &hour) || hour > 23 || i >= len || t[i] != ':')
                    return 0;
                i++;
                if (!digits(t, len, &i, 2, &min) || min > 59)
                    return 0;
                span = 60;
                if (i < len && t[i] == ':') {
                    i++;
                    if (!digits(t, len, &i, 2, &sec) || sec > 59)
                        return 0;
                    span = 1;
                    if (i < len && (t[i] == '.' || t[i] == ',')) {
                        double scale = 0.1;
                        size_t from = ++i;
                        for (; i < len && t[i] >= '0' && t[i] <= '9'; i++, scale /= 10)
                            frac += (t[i] - '0') * scale;
                        if (i == from)
                            return 0;
                        span = scale * 10;
                    }
                }
                if (i < len && (t[i] == 'Z' || t[i] == 'z')) {
                    i++;
                } else if (i < len && (t[i] == '+' || t[i] == '-')) {
                    int sign = t[i++] == '-' ? -1 : 1;
                    if (!digits(t, len, &i, 2, &oh) || oh > 23)
                        return 0;
                    if (i < len && t[i] == ':')
                        i++;
                    if (i < len && !digits(t, len, &i, 2, &om))
                        return 0;
                    if (om > 59)
                        return 0;
                    offset = sign * (long)(oh * 3600 + om * 60);
                }
            }
        }
    }
    if (i != len)
        return 0;
    days = days_from_civil(year, mon, day);
    *start = (double)days * 86400 + hour * 3600 + min * 60 + sec + frac - (double)offset;
    if (span == -1)
        span = (double)(days_from_civil((int64_t)year + 1, 1, 1) - days) * 86400;
    else if (span == -2)
        span = (double)(mon == 12 ? days_from_civil((int64_t)year + 1, 1, 1) - days
                                  : days_from_civil(year, mon + 1, 1) - days) *
               86400;
    *end = *start + span;
    return 1;
}

int sou_date_parse(const char *text, size_t len, double *seconds)
{
    double start, end;

    if (!seconds)
        return sou__error_set(SOU_EINVAL, "date parse: out is NULL");
    *seconds = 0;
    if (!text || !sou__date_parse(text, len, &start, &end))
        return sou__error_set(SOU_EINVAL,
                              "'%.*s' is not an ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD, "
                              "YYYY-MM-DDThh:mm[:ss[.s]][Z|+hh:mm])",
                              text ? (int)(len > 64 ? 64 : len) : 6, text ? text : "(null)");
    *seconds = start;
    return SOU_OK;
}
