/* pm3k — the HTTP settings every command that talks HTTP shares
 * (--cacert, --resolve, --timeout). */
#ifndef PM3K_HTTP_H
#define PM3K_HTTP_H

#include <stddef.h>

#include "pm3k/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Strings are borrowed and must outlive the run. A zeroed struct is the
 * default: the system CAs, no --resolve, the default timeout. */
typedef struct pm3k_http_options {
    const char *cacert;         /* --cacert FILE: an extra CA (verification is always on) */
    const char *const *resolve; /* --resolve HOST:PORT:ADDR[,ADDR...] entries, as curl's */
    size_t resolve_count;
    long timeout_ms; /* --timeout, per request; 0 = 20 s */
} pm3k_http_options;

/* Check what a user gave before anything runs (a --cacert that is a
 * readable file with a PEM certificate, well-formed --resolve entries): a
 * mistake there is a usage error, PM3K_ERR_INVALID_ARG with the reason. */
pm3k_code pm3k_http_options_check(const pm3k_http_options *opt, pm3k_error *err);

#ifdef __cplusplus
}
#endif
#endif
