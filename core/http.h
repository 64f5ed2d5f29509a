/* pm3k — the one libcurl wrapper (internal): every HTTP request pm3k makes
 * is set up here, so TLS, --cacert, --resolve, timeouts, redirects, the
 * User-Agent, header capture and the meaning of a failure are decided in
 * one place (redaction: core/redact.h).
 *
 * TLS verification is always on. --cacert ADDS a CA: CURLOPT_CAINFO alone
 * would replace libcurl's default bundle, so the extra CA goes in CAINFO while
 * the system store stays reachable through libcurl's default CAPATH (Debian:
 * /etc/ssl/certs); when libcurl was built without a CA path, the default
 * bundle and the extra CA are joined into one in-memory PEM (CAINFO_BLOB).
 * Redirects are never followed: PM3K does not follow them either. */
#ifndef PM3K_CORE_HTTP_H
#define PM3K_CORE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "pm3k/error.h"
#include "pm3k/http.h"

#define PM3K__HTTP_DEFAULT_TIMEOUT_MS 20000L
#define PM3K__HTTP_MAX_CONNECT_TIMEOUT_MS 10000L
#define PM3K__HTTP_MAX_HEADERS 64
#define PM3K__HTTP_HEADER_STORE 16384
#define PM3K__HTTP_MAX_VALUE 1024 /* longer header values are cut */

typedef struct pm3k__http_ctx {
    long timeout_ms, connect_timeout_ms;
    char *cacert;  /* CAINFO, or NULL */
    char *ca_blob; /* default bundle + extra CA when there is no CA path */
    size_t ca_blob_len;
    struct curl_slist *resolve;
    char user_agent[48];
} pm3k__http_ctx;

pm3k_code pm3k__http_ctx_init(pm3k__http_ctx *ctx, const pm3k_http_options *opt, pm3k_error *err);
void pm3k__http_ctx_free(pm3k__http_ctx *ctx);

/* ---- one response: status and headers, captured with fixed bounds ---- */

typedef struct pm3k__http_header {
    const char *name;  /* as sent; points into the response's store */
    const char *value; /* whitespace trimmed */
} pm3k__http_header;

/* Body bytes: return len to go on, anything else stops the transfer. */
typedef size_t (*pm3k__http_body_fn)(void *userdata, const char *data, size_t len);

typedef struct pm3k__http_response {
    long status;     /* of the last status line seen, 0 before */
    char reason[64]; /* its reason phrase ("Not Found"), may be "" */
    pm3k__http_header headers[PM3K__HTTP_MAX_HEADERS];
    size_t header_count;
    bool headers_truncated;   /* some were left out (count or size bound) */
    bool headers_done;        /* the final (non-1xx) header block ended */
    bool abort_after_headers; /* stop as soon as headers_done */
    bool aborted;             /* stopped on purpose after the headers */
    pm3k__http_body_fn body;  /* NULL: body bytes are dropped */
    void *body_userdata;
    int64_t body_bytes;
    char error[CURL_ERROR_SIZE]; /* libcurl's message for a failure */
    char store[PM3K__HTTP_HEADER_STORE];
    size_t store_used;
} pm3k__http_response;

/* Feed one raw header line ("Name: value\r\n", a status line, or the
 * blank line) as libcurl's header callback does; returns what the callback
 * returns (len to go on, 0 to stop). Used by the fuzz target. */
size_t pm3k__http_feed_header(pm3k__http_response *resp, const char *line, size_t len);

/* Empty the captured state (keeps abort_after_headers and body). */
void pm3k__http_response_reset(pm3k__http_response *resp);

/* Prepare an easy handle for one request to url: TLS, CA, resolve,
 * timeouts, no redirects, User-Agent, header capture into resp. The method
 * is GET; set CURLOPT_NOBODY for HEAD, CURLOPT_RANGE for a range. */
pm3k_code pm3k__http_setup(CURL *h, const pm3k__http_ctx *ctx, const char *url,
                           pm3k__http_response *resp, pm3k_error *err);

/* Point a handle already prepared by pm3k__http_setup with the same ctx at
 * another request: new URL and capture, timeout back to the default; every
 * other option stays. Cheaper than a reset and a full setup per request. */
pm3k_code pm3k__http_retarget(CURL *h, const pm3k__http_ctx *ctx, const char *url,
                              pm3k__http_response *resp, pm3k_error *err);

/* The first header of that name (case-insensitive), or NULL. */
const char *pm3k__http_header_get(const pm3k__http_response *resp, const char *name);

/* ---- what a response means ---- */

typedef enum pm3k__http_length {
    PM3K__HTTP_LENGTH_VALID,   /* *length holds it */
    PM3K__HTTP_LENGTH_ABSENT,  /* no Content-Length header */
    PM3K__HTTP_LENGTH_INVALID, /* not a number, or conflicting values */
    PM3K__HTTP_LENGTH_CHUNKED  /* Transfer-Encoding: the length is not sent */
} pm3k__http_length;

/* Content-Length as a client that needs it would read it. reason gets a
 * short explanation for anything but VALID. */
pm3k__http_length pm3k__http_content_length(const pm3k__http_response *resp, int64_t *length,
                                            char *reason, size_t reason_len);

/* One Content-Length value: digits only (a list "5, 5" of equal values is
 * allowed, as RFC 9110 says). */
bool pm3k__http_parse_length(const char *value, int64_t *out);

/* "bytes FIRST-LAST/TOTAL" (TOTAL may be "*": then *total is -1). */
bool pm3k__http_parse_content_range(const char *value, int64_t *first, int64_t *last,
                                    int64_t *total);

typedef enum pm3k__http_verdict {
    PM3K__HTTP_OK,        /* 2xx */
    PM3K__HTTP_REDIRECT,  /* 3xx: the caller reports the Location */
    PM3K__HTTP_DEFINITE,  /* 4xx, TLS verification, a broken answer: PM3K fails too */
    PM3K__HTTP_TRANSIENT, /* DNS, connect, timeout, reset, TLS handshake, 5xx: cannot tell now */
    PM3K__HTTP_CONFIG     /* the --cacert file cannot be loaded: no request can work, the
                            run stops with a configuration error */
} pm3k__http_verdict;

/* Classify a finished request (code from libcurl, status from the response;
 * an abort after the headers counts as success). reason says why, for
 * anything but OK and REDIRECT, in words for a message. */
pm3k__http_verdict pm3k__http_classify(CURLcode code, const pm3k__http_response *resp, char *reason,
                                       size_t reason_len);

/* "1.1", "2", "3" from CURLINFO_HTTP_VERSION. */
const char *pm3k__http_version_name(long version);

/* ---- hosts ---- */

/* Host names compared the way PM3K compares them: exactly, ignoring case
 * and one trailing dot; a port is not part of a host. */
bool pm3k__host_equal(const char *a, const char *b);
/* Is host PM3K's own storage (files.pm3k.org)? */
bool pm3k__host_is_storage(const char *host);
/* Length of host without one trailing dot. */
size_t pm3k__host_len(const char *host);

#endif
