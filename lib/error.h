/* error.h: the thread-local last error. */
#ifndef SOU_LIB_ERROR_H
#define SOU_LIB_ERROR_H

#include "sou.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SOU__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SOU__PRINTF(a, b)
#endif

/* Record code and a one-line message for sou_error_last(); returns code so
 * callers can write `return sou__error_set(SOU_EINVAL, "...")`. */
int sou__error_set(int code, const char *fmt, ...) SOU__PRINTF(2, 3);

/* Record the generic text of code, for failures with nothing to add. */
int sou__error_code(int code);

#ifdef __cplusplus
}
#endif

#endif
