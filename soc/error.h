/* Errors that travel up to whoever can report them.
 *
 * Convention (after QEMU's Error **errp): a fallible function takes
 * `Error **errp` as its last parameter and returns bool or a pointer.
 * On failure it sets *errp (if errp is not NULL) to a new Error and returns
 * false/NULL. Callers on the way up may prepend context ("boards.yaml:3:5: ").
 * The caller that finally handles an error prints it once and frees it.
 * Messages are one phrase without trailing punctuation.
 */
#ifndef SOC_ERROR_H
#define SOC_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

typedef struct Error Error;

/* Sets *errp to a new error with a printf-formatted message. If errp is
 * NULL the message is dropped. If *errp is already set the new message is
 * dropped (the first error wins). */
void error_setf(Error **errp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void error_vsetf(Error **errp, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Prepends printf-formatted context to an existing error. No-op when
 * errp or *errp is NULL. */
void error_prepend(Error **errp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The message; owned by the Error. */
const char *error_message(const Error *err);

/* Moves *src into *dst (if dst is NULL the error is freed). */
void error_propagate(Error **dst, Error *src);

void error_free(Error *err);

#endif
