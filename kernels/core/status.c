/* Status codes and the per-thread error message. */
#include "sk_kernels.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *sk_status_str(int status)
{
    switch (status) {
    case SK_OK: return "success";
    case SK_ERR_NOMEM: return "out of memory";
    case SK_ERR_ARG: return "invalid argument";
    case SK_ERR_IO: return "input/output error";
    case SK_ERR_FORMAT: return "unreadable or malformed data";
    case SK_ERR_TOO_LARGE: return "exceeds a size limit";
    case SK_ERR_UNSUPPORTED: return "not supported";
    case SK_ERR_NOT_FOUND: return "not found";
    case SK_ERR_PERMISSION: return "permission denied";
    case SK_ERR_DB: return "store error";
    case SK_ERR_INTERNAL: return "internal error";
    case SK_ERR_CANCELLED: return "cancelled";
    case SK_ERR_QUALITY: return "input quality too poor";
    case SK_ERR_BUSY: return "busy";
    case SK_ERR_EXISTS: return "already exists";
    default: return "unknown status";
    }
}

/* One message per thread: batches score photos in parallel, and a message
 * must never belong to another photo. */
static _Thread_local char tl_message[1024];
static _Thread_local int tl_status;

int sk_error_set(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tl_message, sizeof tl_message, fmt, ap);
    va_end(ap);
    tl_status = status;
    return status;
}

int sk_error_wrap(int status, const char *prefix)
{
    /* Move the old message right and put the prefix in front, truncating
     * the tail if the whole does not fit. */
    size_t cap = sizeof tl_message - 1;
    size_t pl = strlen(prefix) + 2;
    if (pl > cap)
        pl = cap;
    size_t ml = strlen(tl_message);
    if (ml > cap - pl)
        ml = cap - pl;
    memmove(tl_message + pl, tl_message, ml);
    tl_message[pl + ml] = '\0';
    memcpy(tl_message, prefix, pl >= 2 ? pl - 2 : 0);
    if (pl >= 2) {
        tl_message[pl - 2] = ':';
        tl_message[pl - 1] = ' ';
    }
    tl_status = status;
    return status;
}

const char *sk_error_message(void)
{
    return tl_message;
}

int sk_error_status(void)
{
    return tl_status;
}

void sk_error_clear(void)
{
    tl_message[0] = '\0';
    tl_status = SK_OK;
}
