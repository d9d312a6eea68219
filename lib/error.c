/* error.c: return codes, their texts, and the thread-local last error. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The one global of the library. The message lives in a fixed buffer so that
 * reporting an allocation failure never allocates. */
static _Thread_local struct {
    sou_error pub;
    char buf[512];
} last_error = { { SOU_OK, "no error" }, "" };

const char *sou_strerror(int code)
{
    switch (code) {
    case SOU_OK: return "success";
    case SOU_ERROR: return "error";
    case SOU_EINVAL: return "invalid argument";
    case SOU_ENOMEM: return "out of memory";
    case SOU_EIO: return "input/output error";
    case SOU_ENOTFOUND: return "not found";
    case SOU_ELOCKED: return "index locked by another writer";
    case SOU_ECORRUPT: return "index corrupt or of an unknown format";
    case SOU_EMODIFIED: return "index modified while reading";
    case SOU_EQUERY: return "query syntax error";
    case SOU_EREADONLY: return "index opened read-only";
    case SOU_ESETTINGS: return "analyzer settings or ICU version differ from the index";
    case SOU_ESTOP: return "stopped by callback";
    default: return "unknown error code";
    }
}

const sou_error *sou_error_last(void)
{
    return &last_error.pub;
}

int sou__error_set(int code, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(last_error.buf, sizeof last_error.buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        snprintf(last_error.buf, sizeof last_error.buf, "%s", sou_strerror(code));
    /* One line: callers print it after a prefix. */
    for (char *p = last_error.buf; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    last_error.pub.code = code;
    last_error.pub.message = last_error.buf;
    return code;
}

int sou__error_code(int code)
{
    return sou__error_set(code, "%s", sou_strerror(code));
}
