/* pm3k — the one libcurl wrapper (internal): every HTTP request pm3k makes
 * goes through here, so TLS, --cacert, --resolve, timeouts, redirects, the
 * User-Agent, header capture, bounded answers, -v traces and the meaning of
 * a failure are decided in one place.
 *
 * TLS verification is always on. --cacert ADDS a CA: CURLOPT_CAINFO alone
 * would replace libcurl's default bundle, so the extra CA goes in CAINFO while
 * the system store stays reachable through libcurl's default CAPATH (Debian:
 * /etc/ssl/certs); when libcurl was built without a CA path, the default
 * bundle and the extra CA are joined into one in-memory PEM (CAINFO_BLOB).
 * Redirects are never followed: PM3K does not follow them either.
 *
 * One request, blocking:
 *
 *     CURL *h = pm3k__http_handle_new(&ctx, err);        (once; reuse it)
 *     pm3k__http_request req = {.method = PM3K__HTTP_GET, .url = url};
 *     pm3k__http_perform(h, &ctx, &req, &resp, err);
 *     switch (resp.result.verdict) ...
 *     pm3k__http_response_reset(&resp);                   (frees what it holds)
 *
 * In a multi handle: pm3k__http_prepare, curl_multi_add_handle, and on
 * CURLMSG_DONE pm3k__http_finish with the transfer's CURLcode. */
#ifndef PM3K_CORE_HTTP_H
#define PM3K_CORE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "core/rules_int.h"
#include "core/url.h"
#include "pm3k/error.h"
#include "pm3k/http.h"

#define PM3K__HTTP_DEFAULT_TIMEOUT_MS 20000L
#define PM3K__HTTP_MAX_CONNECT_TIMEOUT_MS 10000L
/* Headers kept for facts (a bounded subset: the checks see every header,
 * pm3k__http_seen). */
#define PM3K__HTTP_MAX_HEADERS 64
#define PM3K__HTTP_HEADER_STORE 16384
#define PM3K__HTTP_MAX_VALUE 1024 /* longer header values are cut */
/* Headers whose first occurrence is always kept, wherever it comes in the
 * block: what the checks read by name (pm3k__http_header_get). */
#define PM3K__HTTP_PINNED_NAMES                                                                    \
    {                                                                                              \
        "content-type", "content-range", "location", "etag", "last-modified"                       \
    }
#define PM3K__HTTP_PINNED 5

/* What every request of a run shares, from pm3k_http_options. */
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

/* ---- a request ---- */

typedef struct pm3k__http_response pm3k__http_response;

typedef enum pm3k__http_method {
    PM3K__HTTP_GET,
    PM3K__HTTP_HEAD,
    PM3K__HTTP_POST,
    PM3K__HTTP_PUT,
    PM3K__HTTP_DELETE
} pm3k__http_method;

/* Fill buf with up to len bytes of the request body; return how many, 0 at
 * the end, PM3K__HTTP_READ_ABORT to fail the request. */
typedef size_t (*pm3k__http_read_fn)(void *userdata, char *buf, size_t len);
#define PM3K__HTTP_READ_ABORT ((size_t)CURL_READFUNC_ABORT)
/* Back to the body's first byte, so libcurl can send it again (a reused
 * connection the server had closed); false when that cannot be done. */
typedef bool (*pm3k__http_rewind_fn)(void *userdata);

/* The request body (POST, PUT): bytes in memory, or a read callback that
 * streams it in constant memory. */
typedef struct pm3k__http_body {
    const void *data; /* from memory: len bytes (when read is NULL) */
    size_t len;
    pm3k__http_read_fn read;     /* or from a callback: size bytes, -1 when unknown */
    pm3k__http_rewind_fn rewind; /* may be NULL */
    void *userdata;
    int64_t size;
} pm3k__http_body;

/* Body bytes as they arrive (resp has the status and headers): return len
 * to go on; anything else stops the transfer on purpose (resp->aborted). */
typedef size_t (*pm3k__http_write_fn)(void *userdata, const pm3k__http_response *resp,
                                      const char *data, size_t len);

typedef enum pm3k__http_sink_kind {
    PM3K__HTTP_SINK_DISCARD,  /* body bytes are counted and dropped */
    PM3K__HTTP_SINK_MEMORY,   /* kept in resp->body, at most cap bytes */
    PM3K__HTTP_SINK_CALLBACK, /* handed to write */
} pm3k__http_sink_kind;

/* Where the answer's body goes. A memory sink keeps the first cap bytes;
 * a longer body stops the transfer on purpose (resp->body_truncated). */
typedef struct pm3k__http_sink {
    pm3k__http_sink_kind kind;
    size_t cap;
    pm3k__http_write_fn write;
    void *userdata;
} pm3k__http_sink;

typedef struct pm3k__http_progress {
    int64_t download_total, download_now; /* total 0 while unknown */
    int64_t upload_total, upload_now;
} pm3k__http_progress;
/* About once a second and whenever bytes move; false stops the transfer
 * (resp->result.stopped). */
typedef bool (*pm3k__http_progress_fn)(void *userdata, const pm3k__http_progress *progress);

typedef enum pm3k__http_trace_kind {
    PM3K__HTTP_TRACE_INFO,            /* libcurl's account ("Connected to ...") */
    PM3K__HTTP_TRACE_REQUEST_HEADER,  /* a line of the request's head */
    PM3K__HTTP_TRACE_RESPONSE_HEADER, /* a line of the answer's head */
    PM3K__HTTP_TRACE_REQUEST_BODY,    /* "N bytes" of body sent (never the bytes) */
    PM3K__HTTP_TRACE_RESPONSE_BODY    /* "N bytes" of body received */
} pm3k__http_trace_kind;

/* A trace line as curl -v shows it: "* " for libcurl's account, "> " and
 * "< " for the request and the answer, bodies as "[N bytes of body]". */
void pm3k__http_trace_format(pm3k__http_trace_kind kind, const char *line, char *out,
                             size_t out_len);
/* One line for a -v trace, without its line end, already redacted: secret
 * headers (Authorization, Cookie, X-Amz-*), URL credentials and signatures,
 * the request's userpwd and every value in its secrets list. */
typedef void (*pm3k__http_trace_fn)(void *userdata, pm3k__http_trace_kind kind, const char *line);

/* What to ask. Zeroed fields are the defaults: GET, no headers, no body,
 * the body dropped, the context's timeout, no progress, no trace. The
 * request itself and the strings libcurl copies (url, headers, range,
 * aws_sigv4) may go once it is prepared; everything else it points to
 * (userpwd, body bytes, callbacks' userdata, secrets) must last until the
 * transfer ends. */
typedef struct pm3k__http_request {
    pm3k__http_method method;
    const char *url;
    const char *const *headers; /* "Name: value" lines (Authorization: Bearer KEY) */
    size_t header_count;
    pm3k__http_body body; /* POST and PUT; none for the others */
    pm3k__http_sink sink;
    bool abort_after_headers; /* stop once the final header block is in */
    const char *range;        /* "FIRST-LAST" (bytes, inclusive), or NULL */
    long timeout_ms;          /* the whole request; 0: the context's (--timeout) */
    const char *userpwd;      /* "USER:PASSWORD" (S3: key id and secret), or NULL */
    /* "aws:amz:REGION:SERVICE": sign with SigV4 from userpwd. libcurl 7.88
     * adds no x-amz-content-sha256 (send it in headers) and signs the query
     * verbatim (give it in canonical order and encoding). */
    const char *aws_sigv4;
    pm3k__http_progress_fn progress;
    void *progress_userdata;
    pm3k__http_trace_fn trace;
    void *trace_userdata;
    const char *const *secrets; /* values no trace line may show (the API key) */
    size_t secret_count;
} pm3k__http_request;

/* ---- an answer, captured with fixed bounds, and what it means ---- */

typedef struct pm3k__http_header {
    const char *name;  /* as sent; points into the response's store */
    const char *value; /* whitespace trimmed */
} pm3k__http_header;

typedef enum pm3k__http_verdict {
    PM3K__HTTP_OK,        /* 2xx */
    PM3K__HTTP_REDIRECT,  /* 3xx: the caller reports the Location */
    PM3K__HTTP_DEFINITE,  /* 4xx, TLS verification, a TLS setup that never works (no TLS on
                             the port, only TLS 1.0), a broken answer: PM3K fails too */
    PM3K__HTTP_TRANSIENT, /* DNS, connect, timeout, reset (in the handshake too), 5xx: cannot
                             tell now */
    PM3K__HTTP_CONFIG     /* the --cacert file cannot be loaded: no request can work, the
                            run stops with a configuration error (pm3k__http_config_error) */
} pm3k__http_verdict;

/* A TLS handshake that failed because of how the server is set up: the
 * same on every try (DEFINITE), unlike a reset half-way (TRANSIENT). */
typedef enum pm3k__http_tls_cause {
    PM3K__HTTP_TLS_OK,           /* none of these (or no handshake failure) */
    PM3K__HTTP_TLS_NOT_TLS,      /* the port answers without TLS (plain HTTP) */
    PM3K__HTTP_TLS_OLD_PROTOCOL, /* only TLS 1.0/1.1, or signatures libcurl refuses */
    PM3K__HTTP_TLS_NO_CIPHER,    /* no cipher in common, a key too weak, a handshake alert */
    PM3K__HTTP_TLS_HOST_NAME     /* the server refuses the host name sent in SNI */
} pm3k__http_tls_cause;

/* What a finished request means (pm3k__http_finish). */
typedef struct pm3k__http_result {
    CURLcode code; /* libcurl's, as the transfer ended */
    pm3k__http_verdict verdict;
    pm3k__http_tls_cause tls_cause;      /* why a handshake failed for good */
    char reason[PM3K_ERROR_MESSAGE_MAX]; /* why, in words for a message; "" for OK */
    long http_version;                   /* CURLINFO_HTTP_VERSION */
    char *redirect_url;                  /* libcurl's resolution of a 3xx Location, or NULL */
    bool stopped;                        /* the progress callback stopped it */
} pm3k__http_result;

/* What the checks need from every header of the final block, however
 * many headers came: libcurl bounds the block by bytes (300 KB), pm3k by
 * nothing more, so a Content-Length or Transfer-Encoding after the 64th
 * header counts as much as the first. */
typedef struct pm3k__http_seen {
    int length_count; /* Content-Length headers */
    int64_t length;   /* the first one's value, when it parses */
    /* the first problem with them: a value that is not a byte count, or a
     * second value that differs from the first */
    bool length_invalid, length_conflict;
    int64_t length_other;   /* the conflicting value */
    char length_shown[64];  /* the invalid value, redacted and cut */
    bool transfer_encoding; /* any Transfer-Encoding header */
    char transfer_encoding_shown[64];
    /* the first of each PM3K__HTTP_PINNED_NAMES, cut to PM3K__HTTP_MAX_VALUE */
    bool pinned_set[PM3K__HTTP_PINNED];
    char pinned[PM3K__HTTP_PINNED][PM3K__HTTP_MAX_VALUE + 1];
} pm3k__http_seen;

/* A zeroed response is empty; pm3k__http_response_reset empties a used one
 * and frees what it holds. Big (the header store): allocate it, or keep
 * one per thread. */
struct pm3k__http_response {
    long status;     /* of the last status line seen, 0 before */
    char reason[64]; /* its reason phrase ("Not Found"), may be "" */
    pm3k__http_header headers[PM3K__HTTP_MAX_HEADERS]; /* for facts: the first ones */
    size_t header_count;
    size_t headers_seen;    /* every header line of the final block */
    bool headers_truncated; /* some were not kept in headers[] (count or size bound) */
    pm3k__http_seen seen;   /* what every header said */
    bool headers_done;      /* the final (non-1xx) header block ended */
    /* stopped on purpose: after the headers (abort_after_headers), a full
     * memory sink, a write callback that refused */
    bool aborted;
    int64_t body_bytes; /* body bytes received */
    char *body;         /* the memory sink: body_len bytes and a NUL (owned) */
    size_t body_len;
    bool body_truncated; /* the body was longer than the sink's cap */
    pm3k__http_result result;
    char error[CURL_ERROR_SIZE]; /* libcurl's message for a failure */
    /* the transfer in progress (core/http.c's own) */
    pm3k__http_request request;
    struct curl_slist *header_list;
    size_t body_sent, body_alloc;
    char store[PM3K__HTTP_HEADER_STORE];
    size_t store_used;
};

/* Empty the response and free what it holds (NULL is fine). */
void pm3k__http_response_reset(pm3k__http_response *resp);

/* Feed one raw header line ("Name: value\r\n", a status line, or the
 * blank line) as libcurl's header callback does; returns what the callback
 * returns (len to go on, 0 to stop). Used by tests and the fuzz target. */
size_t pm3k__http_feed_header(pm3k__http_response *resp, const char *line, size_t len);

/* The first header of that name (case-insensitive), or NULL. A name of
 * PM3K__HTTP_PINNED_NAMES is found wherever it came; another only among
 * the headers kept. */
const char *pm3k__http_header_get(const pm3k__http_response *resp, const char *name);

/* ---- performing ---- */

/* A handle with what every request of ctx shares (TLS, CA, resolve,
 * connect timeout, no redirects, User-Agent, the callbacks); reuse it for
 * many requests, from one thread at a time, so connections are reused.
 * Free it with curl_easy_cleanup. NULL with err when libcurl refuses. */
CURL *pm3k__http_handle_new(const pm3k__http_ctx *ctx, pm3k_error *err);

/* Point a handle from pm3k__http_handle_new(ctx) at a request; resp is
 * emptied and will capture the answer. Every option of the request is set,
 * so what an earlier request on the handle asked does not carry over. */
pm3k_code pm3k__http_prepare(CURL *h, const pm3k__http_ctx *ctx, const pm3k__http_request *req,
                             pm3k__http_response *resp, pm3k_error *err);

/* The transfer ended with code: fill resp->result. */
void pm3k__http_finish(CURL *h, CURLcode code, pm3k__http_response *resp);

/* Prepare, perform (blocking) and finish. PM3K_OK when the request was made,
 * whatever the answer: resp->result says what it means. An error only when
 * the request could not be set up. */
pm3k_code pm3k__http_perform(CURL *h, const pm3k__http_ctx *ctx, const pm3k__http_request *req,
                             pm3k__http_response *resp, pm3k_error *err);

/* The verdict part of pm3k__http_finish, for answers made up in tests:
 * code, verdict and reason of resp->result from code and what resp holds. */
void pm3k__http_conclude(pm3k__http_response *resp, CURLcode code);

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
/* The same over len bytes (no NUL needed). */
bool pm3k__http_parse_length_span(const char *value, size_t len, int64_t *out);

/* "bytes FIRST-LAST/TOTAL" (TOTAL may be "*": then *total is -1). */
bool pm3k__http_parse_content_range(const char *value, int64_t *first, int64_t *last,
                                    int64_t *total);

/* Classify a finished request (code from libcurl, status from the response;
 * a stop on purpose counts as success). reason says why, for anything but
 * OK, in words for a message. */
pm3k__http_verdict pm3k__http_classify(CURLcode code, const pm3k__http_response *resp, char *reason,
                                       size_t reason_len);

/* The server's certificate was refused: a definite failure whose fix is a
 * certificate. A failed handshake (CURLE_SSL_CONNECT_ERROR) is not one: it
 * is definite only for the causes of pm3k__http_tls_failure, otherwise
 * also a reset or an overloaded server. */
bool pm3k__http_certificate_failed(CURLcode code);

/* Why libcurl's message for a failed handshake says it will never work
 * (PM3K__HTTP_TLS_OK when it does not say so: then it may be transient). */
pm3k__http_tls_cause pm3k__http_tls_failure(const char *message);

/* The hint for a DEFINITE verdict: the fix of its TLS cause, else the
 * general one (core/rules_int.h). */
pm3k__fix pm3k__http_fix(const pm3k__http_result *result);

/* The run's error for a CONFIG verdict: PM3K_ERR_INVALID_ARG, naming the
 * --cacert file (or the system's CAs) and reason. */
pm3k_code pm3k__http_config_error(const pm3k_http_options *opt, const char *reason,
                                  pm3k_error *err);

/* Where a redirect points, redacted into out: libcurl's resolution of the
 * Location, else the header as sent. False (out "") when there is none. */
bool pm3k__http_location(const pm3k__http_response *resp, char *out, size_t out_len);

/* "1.1", "2", "3" from CURLINFO_HTTP_VERSION. */
const char *pm3k__http_version_name(long version);

#endif
