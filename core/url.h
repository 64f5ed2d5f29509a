/* pm3k — URLs (internal): the one place libcurl's URL parser is called,
 * and host names compared the way PM3K compares them. */
#ifndef PM3K_CORE_URL_H
#define PM3K_CORE_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "pm3k/error.h"

/* A URL taken apart. Every part is NUL-terminated and owned by the URL. */
typedef struct pm3k__url {
    char *text;   /* the whole URL as libcurl writes it back (normalised) */
    char *scheme; /* lowercase */
    char *host;   /* never empty; as written, IPv6 in brackets */
    char *port;   /* the explicit port, else the scheme's; NULL when neither is known */
    char *path;   /* "/" at least; no query or fragment */
} pm3k__url;

/* Schemes libcurl cannot fetch (ftp://, s3://) parse too: the caller
 * reports them (not_https) rather than calling them invalid. */
#define PM3K__URL_ANY_SCHEME 1u
/* Spaces stay as they are instead of making the URL invalid. */
#define PM3K__URL_ALLOW_SPACE 2u

/* Parse text (flags: PM3K__URL_*). PM3K_ERR_PARSE when it is not an absolute
 * URL with a host, with why in err in words fit for an invalid_url finding
 * ("Bad scheme", "it has no host"); PM3K_ERR_NOMEM. On failure *out is
 * empty, and pm3k__url_free on it is fine. */
pm3k_code pm3k__url_parse(const char *text, unsigned flags, pm3k__url *out, pm3k_error *err);
void pm3k__url_free(pm3k__url *url);

/* Host names compared the way PM3K compares them: exactly, ignoring case
 * and one trailing dot; a port is not part of a host. */
bool pm3k__host_equal(const char *a, const char *b);
/* Is host PM3K's own storage (files.pm3k.org)? */
bool pm3k__host_is_storage(const char *host);
/* Length of host without one trailing dot. */
size_t pm3k__host_len(const char *host);

#endif
