/* pm3k — what an HTTP answer says: header capture with fixed bounds, the
 * Content-Length and Content-Range, and the meaning of a finished request.
 * Pure functions of the captured bytes (tests/fuzz/fuzz_url.c feeds them);
 * the transfer itself is core/http.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/http.h"
#include "core/redact.h"

/* ---- header capture ---- */

void pm3k__http_response_reset(pm3k__http_response *resp)
{
    if (!resp)
        return;
    resp->status = 0;
    resp->reason[0] = '\0';
    resp->header_count = resp->headers_seen = 0;
    memset(&resp->seen, 0, sizeof resp->seen);
    resp->headers_truncated = false;
    resp->headers_done = false;
    resp->aborted = false;
    resp->body_bytes = 0;
    free(resp->body);
    resp->body = NULL;
    resp->body_len = resp->body_alloc = resp->body_sent = 0;
    resp->body_truncated = false;
    free(resp->result.redirect_url);
    memset(&resp->result, 0, sizeof resp->result);
    resp->error[0] = '\0';
    memset(&resp->request, 0, sizeof resp->request);
    curl_slist_free_all(resp->header_list);
    resp->header_list = NULL;
    resp->store_used = 0;
}

/* "HTTP/1.1 404 Not Found" -> 404, "Not Found". */
static void parse_status_line(pm3k__http_response *resp, const char *line, size_t len)
{
    size_t i = 5;
    while (i < len && line[i] != ' ')
        i++;
    while (i < len && line[i] == ' ')
        i++;
    long status = 0;
    size_t digits = 0;
    while (i < len && digits < 3 && isdigit((unsigned char)line[i])) {
        status = status * 10 + (line[i] - '0');
        i++;
        digits++;
    }
    resp->status = digits == 3 ? status : 0;
    while (i < len && line[i] == ' ')
        i++;
    size_t n = 0;
    for (; i < len && n + 1 < sizeof resp->reason; i++)
        resp->reason[n++] = isprint((unsigned char)line[i]) ? line[i] : '?';
    resp->reason[n] = '\0';
}

/* Copy into the store; NULL when it is full. */
static const char *store_copy(pm3k__http_response *resp, const char *s, size_t n)
{
    if (resp->store_used + n + 1 > sizeof resp->store)
        return NULL;
    char *dst = resp->store + resp->store_used;
    memcpy(dst, s, n);
    dst[n] = '\0';
    resp->store_used += n + 1;
    return dst;
}

static const char *const pinned_names[PM3K__HTTP_PINNED] = PM3K__HTTP_PINNED_NAMES;

static bool name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

static int pinned_index(const char *name, size_t len)
{
    for (int i = 0; i < PM3K__HTTP_PINNED; i++)
        if (name_is(name, len, pinned_names[i]))
            return i;
    return -1;
}

/* A value for a message: printable, cut to fit out. */
static void shown_value(const char *value, size_t len, char *out, size_t out_len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < out_len; i++)
        out[n++] = isprint((unsigned char)value[i]) ? value[i] : '?';
    out[n] = '\0';
}

/* One Content-Length header, whole (not cut), into what was seen. */
static void see_length(pm3k__http_seen *seen, const char *value, size_t len)
{
    int64_t v;
    bool problem = seen->length_invalid || seen->length_conflict;
    seen->length_count++;
    if (problem)
        return;
    if (!pm3k__http_parse_length_span(value, len, &v)) {
        seen->length_invalid = true;
        shown_value(value, len, seen->length_shown, sizeof seen->length_shown);
    } else if (seen->length_count == 1) {
        seen->length = v;
    } else if (v != seen->length) {
        seen->length_conflict = true;
        seen->length_other = v;
    }
}

/* Every header of the final block counts for the checks, kept or not. */
static void see_header(pm3k__http_response *resp, const char *name, size_t name_len,
                       const char *value, size_t value_len)
{
    pm3k__http_seen *seen = &resp->seen;
    resp->headers_seen++;
    if (name_is(name, name_len, "content-length")) {
        see_length(seen, value, value_len);
    } else if (name_is(name, name_len, "transfer-encoding")) {
        if (!seen->transfer_encoding)
            shown_value(value, value_len, seen->transfer_encoding_shown,
                        sizeof seen->transfer_encoding_shown);
        seen->transfer_encoding = true;
    }
    int pin = pinned_index(name, name_len);
    if (pin >= 0 && !seen->pinned_set[pin]) {
        size_t n = value_len < PM3K__HTTP_MAX_VALUE ? value_len : PM3K__HTTP_MAX_VALUE;
        memcpy(seen->pinned[pin], value, n);
        seen->pinned[pin][n] = '\0';
        seen->pinned_set[pin] = true;
    }
}

size_t pm3k__http_feed_header(pm3k__http_response *resp, const char *data, size_t len)
{
    size_t n = len;
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
        n--;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* A new response (after a 1xx): only the last one counts. */
        resp->header_count = resp->headers_seen = 0;
        memset(&resp->seen, 0, sizeof resp->seen);
        resp->store_used = 0;
        resp->headers_truncated = false;
        resp->headers_done = false;
        parse_status_line(resp, data, n);
        return len;
    }
    if (resp->headers_done) /* trailers after a chunked body */
        return len;
    if (n == 0) {
        if (resp->status >= 100 && resp->status < 200)
            return len;
        resp->headers_done = true;
        if (resp->request.abort_after_headers) {
            resp->aborted = true;
            return 0; /* libcurl stops with CURLE_WRITE_ERROR */
        }
        return len;
    }
    if (data[0] == ' ' || data[0] == '\t') /* obsolete line folding: ignored */
        return len;
    const char *colon = memchr(data, ':', n);
    if (!colon || colon == data)
        return len;
    size_t name_len = (size_t)(colon - data);
    const char *value = colon + 1, *end = data + n;
    while (value < end && (*value == ' ' || *value == '\t'))
        value++;
    while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t value_len = (size_t)(end - value);
    see_header(resp, data, name_len, value, value_len);
    if (value_len > PM3K__HTTP_MAX_VALUE)
        value_len = PM3K__HTTP_MAX_VALUE;
    if (resp->header_count == PM3K__HTTP_MAX_HEADERS) {
        resp->headers_truncated = true;
        return len;
    }
    const char *name_copy = store_copy(resp, data, name_len);
    const char *value_copy = name_copy ? store_copy(resp, value, value_len) : NULL;
    if (!value_copy) {
        resp->headers_truncated = true;
        return len;
    }
    resp->headers[resp->header_count].name = name_copy;
    resp->headers[resp->header_count].value = value_copy;
    resp->header_count++;
    return len;
}

const char *pm3k__http_header_get(const pm3k__http_response *resp, const char *name)
{
    int pin = pinned_index(name, strlen(name));
    if (pin >= 0)
        return resp->seen.pinned_set[pin] ? resp->seen.pinned[pin] : NULL;
    for (size_t i = 0; i < resp->header_count; i++)
        if (strcasecmp(resp->headers[i].name, name) == 0)
            return resp->headers[i].value;
    return NULL;
}

/* ---- parsing ---- */

bool pm3k__http_parse_length_span(const char *value, size_t len, int64_t *out)
{
    int64_t first = -1;
    const char *p = value, *end = value + len;
    /* A comma-separated list of identical values is one value (RFC 9110
     * 8.6); each pass takes at least one character, so len bounds it. */
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p == end || !isdigit((unsigned char)*p))
            return false;
        int64_t v = 0;
        while (p < end && isdigit((unsigned char)*p)) {
            if (v > (INT64_MAX - 9) / 10)
                return false;
            v = v * 10 + (*p - '0');
            p++;
        }
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (first >= 0 && v != first)
            return false;
        first = v;
        if (p == end) {
            *out = first;
            return true;
        }
        if (*p != ',')
            return false;
        p++;
    }
}

bool pm3k__http_parse_length(const char *value, int64_t *out)
{
    return pm3k__http_parse_length_span(value, strlen(value), out);
}

pm3k__http_length pm3k__http_content_length(const pm3k__http_response *resp, int64_t *length,
                                            char *reason, size_t reason_len)
{
    const pm3k__http_seen *seen = &resp->seen;
    char shown[64];
    if (seen->transfer_encoding) {
        pm3k__redact_header("Transfer-Encoding", seen->transfer_encoding_shown, shown,
                            sizeof shown);
        snprintf(reason, reason_len, "Transfer-Encoding: %s (the length is not sent)", shown);
        return PM3K__HTTP_LENGTH_CHUNKED;
    }
    if (seen->length_invalid) {
        pm3k__redact_header("Content-Length", seen->length_shown, shown, sizeof shown);
        snprintf(reason, reason_len, "Content-Length '%s' is not a byte count", shown);
        return PM3K__HTTP_LENGTH_INVALID;
    }
    if (seen->length_conflict) {
        snprintf(reason, reason_len, "conflicting Content-Length headers (%lld and %lld)",
                 (long long)seen->length, (long long)seen->length_other);
        return PM3K__HTTP_LENGTH_INVALID;
    }
    if (seen->length_count == 0) {
        snprintf(reason, reason_len, "the answer has no Content-Length header");
        return PM3K__HTTP_LENGTH_ABSENT;
    }
    *length = seen->length;
    if (reason_len)
        reason[0] = '\0';
    return PM3K__HTTP_LENGTH_VALID;
}

static bool parse_u63(const char **p, int64_t *out)
{
    int64_t v = 0;
    if (!isdigit((unsigned char)**p))
        return false;
    while (isdigit((unsigned char)**p)) {
        if (v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return true;
}

bool pm3k__http_parse_content_range(const char *value, int64_t *first, int64_t *last,
                                    int64_t *total)
{
    const char *p = value;
    while (*p == ' ')
        p++;
    if (strncasecmp(p, "bytes", 5) != 0)
        return false;
    p += 5;
    if (*p != ' ')
        return false;
    while (*p == ' ')
        p++;
    if (!parse_u63(&p, first) || *p++ != '-' || !parse_u63(&p, last) || *p++ != '/')
        return false;
    if (*p == '*') {
        *total = -1;
        p++;
    } else if (!parse_u63(&p, total)) {
        return false;
    }
    while (*p == ' ')
        p++;
    if (*p != '\0' || *last < *first)
        return false;
    return *total < 0 || *last < *total;
}

/* ---- what a result means ---- */

static void with_detail(char *reason, size_t reason_len, const char *what,
                        const pm3k__http_response *resp, CURLcode code)
{
    const char *detail = resp->error[0] ? resp->error : curl_easy_strerror(code);
    char shown[CURL_ERROR_SIZE];
    pm3k__redact_text(detail, shown, sizeof shown); /* libcurl may name the URL */
    snprintf(reason, reason_len, "%s (%s)", what, shown);
}

/* libcurl refuses a header block over 300 KB (CURLE_RECV_ERROR, "Too large
 * response headers: N > 307200") and a single header line over 100 KB
 * (CURLE_OUT_OF_MEMORY, no message) while the headers are still coming:
 * the server's answer, not the network. */
static bool headers_too_large(CURLcode code, const pm3k__http_response *resp)
{
    static const char message[] = "Too large response headers";
    if (resp->status == 0 || resp->headers_done)
        return false;
#if LIBCURL_VERSION_NUM >= 0x080600 /* 8.6.0: CURLE_TOO_LARGE */
    if (code == CURLE_TOO_LARGE)
        return true;
#endif
    if (code == CURLE_RECV_ERROR)
        return strncmp(resp->error, message, sizeof message - 1) == 0;
    return code == CURLE_OUT_OF_MEMORY;
}

bool pm3k__http_certificate_failed(CURLcode code)
{
    return code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_ISSUER_ERROR ||
           code == CURLE_SSL_INVALIDCERTSTATUS || code == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

/* An answer came (or was stopped on purpose): its status decides. */
static pm3k__http_verdict status_verdict(const pm3k__http_response *resp, char *reason,
                                         size_t reason_len)
{
    long s = resp->status;
    const char *sep = resp->reason[0] ? " " : "";
    pm3k__http_verdict verdict;
    if (s >= 200 && s < 300) {
        if (reason_len)
            reason[0] = '\0';
        return PM3K__HTTP_OK;
    }
    if (s >= 300 && s < 400)
        verdict = PM3K__HTTP_REDIRECT;
    else if (s >= 400 && s < 500)
        verdict = PM3K__HTTP_DEFINITE;
    else if (s >= 500 && s < 600)
        verdict = PM3K__HTTP_TRANSIENT;
    else {
        snprintf(reason, reason_len, "the server answered with status %ld, which is not HTTP", s);
        return PM3K__HTTP_DEFINITE;
    }
    snprintf(reason, reason_len, "the server answered %ld%s%s", s, sep, resp->reason);
    return verdict;
}

/* Handshake failures the server's TLS setup causes, as libcurl words them
 * (OpenSSL's reason strings, then GnuTLS's): they happen on every try. A
 * reset, an EOF or SSL_ERROR_SYSCALL half-way is none of these. */
static const struct {
    const char *text;
    pm3k__http_tls_cause cause;
} tls_failures[] = {
    {"wrong version number", PM3K__HTTP_TLS_NOT_TLS},
    {"packet length too long", PM3K__HTTP_TLS_NOT_TLS},
    {"unexpected TLS packet", PM3K__HTTP_TLS_NOT_TLS},
    {"unsupported protocol", PM3K__HTTP_TLS_OLD_PROTOCOL},
    {"protocol version", PM3K__HTTP_TLS_OLD_PROTOCOL},
    {"no protocols available", PM3K__HTTP_TLS_OLD_PROTOCOL},
    {"version too low", PM3K__HTTP_TLS_OLD_PROTOCOL},
    {"unsupported version", PM3K__HTTP_TLS_OLD_PROTOCOL},
    {"legacy sigalg", PM3K__HTTP_TLS_OLD_PROTOCOL},
    {"no shared cipher", PM3K__HTTP_TLS_NO_CIPHER},
    {"no cipher", PM3K__HTTP_TLS_NO_CIPHER},
    {"handshake failure", PM3K__HTTP_TLS_NO_CIPHER},
    {"insufficient security", PM3K__HTTP_TLS_NO_CIPHER},
    {"key too small", PM3K__HTTP_TLS_NO_CIPHER},
    {"no suitable signature", PM3K__HTTP_TLS_NO_CIPHER},
    {"unrecognized name", PM3K__HTTP_TLS_HOST_NAME},
};

/* What each cause is, for the reason; indexed by cause. */
static const char *const tls_cause_what[] = {
    [PM3K__HTTP_TLS_OK] = "TLS handshake failed",
    [PM3K__HTTP_TLS_NOT_TLS] = "the port does not speak TLS (plain HTTP?)",
    [PM3K__HTTP_TLS_OLD_PROTOCOL] =
        "the server offers only a TLS version or signature libcurl refuses (TLS 1.0 or 1.1?)",
    [PM3K__HTTP_TLS_NO_CIPHER] = "the server offers no TLS cipher or key libcurl accepts",
    [PM3K__HTTP_TLS_HOST_NAME] = "the server refuses TLS for this host name",
};

static bool contains_ci(const char *text, const char *part)
{
    size_t n = strlen(part);
    for (const char *p = text; *p; p++)
        if (strncasecmp(p, part, n) == 0)
            return true;
    return false;
}

pm3k__http_tls_cause pm3k__http_tls_failure(const char *message)
{
    for (size_t i = 0; i < sizeof tls_failures / sizeof tls_failures[0]; i++)
        if (contains_ci(message, tls_failures[i].text))
            return tls_failures[i].cause;
    return PM3K__HTTP_TLS_OK;
}

pm3k__fix pm3k__http_fix(const pm3k__http_result *result)
{
    switch (result->tls_cause) {
    case PM3K__HTTP_TLS_NOT_TLS:
        return PM3K__FIX_TLS_NOT_TLS;
    case PM3K__HTTP_TLS_OLD_PROTOCOL:
        return PM3K__FIX_TLS_OLD_PROTOCOL;
    case PM3K__HTTP_TLS_NO_CIPHER:
        return PM3K__FIX_TLS_NO_CIPHER;
    case PM3K__HTTP_TLS_HOST_NAME:
        return PM3K__FIX_TLS_HOST_NAME;
    case PM3K__HTTP_TLS_OK:
        break;
    }
    return PM3K__FIX_FETCH_DEFINITE;
}

/* What a libcurl failure means; a code not listed is transient ("the
 * request failed"), a certificate refusal definite. */
static const struct {
    CURLcode code;
    pm3k__http_verdict verdict;
    const char *what;
} failures[] = {
    {CURLE_COULDNT_RESOLVE_HOST, PM3K__HTTP_TRANSIENT, "cannot resolve the host"},
    {CURLE_COULDNT_RESOLVE_PROXY, PM3K__HTTP_TRANSIENT, "cannot resolve the host"},
    {CURLE_COULDNT_CONNECT, PM3K__HTTP_TRANSIENT, "cannot connect"},
    {CURLE_OPERATION_TIMEDOUT, PM3K__HTTP_TRANSIENT, "timed out"},
    /* Also a reset in the middle of the handshake, or an overloaded server:
     * only a certificate refusal is the server's for sure. */
    {CURLE_SSL_CONNECT_ERROR, PM3K__HTTP_TRANSIENT, "TLS handshake failed"},
    {CURLE_SSL_CACERT_BADFILE, PM3K__HTTP_CONFIG, "cannot load the CA certificates"},
    {CURLE_SSL_CERTPROBLEM, PM3K__HTTP_CONFIG, "cannot load the CA certificates"},
    {CURLE_UNSUPPORTED_PROTOCOL, PM3K__HTTP_DEFINITE, "the URL cannot be fetched"},
    {CURLE_URL_MALFORMAT, PM3K__HTTP_DEFINITE, "the URL cannot be fetched"},
    {CURLE_WEIRD_SERVER_REPLY, PM3K__HTTP_DEFINITE, "the answer is not valid HTTP"},
    {CURLE_BAD_CONTENT_ENCODING, PM3K__HTTP_DEFINITE, "the answer is not valid HTTP"},
    {CURLE_GOT_NOTHING, PM3K__HTTP_TRANSIENT, "the connection failed"},
    {CURLE_SEND_ERROR, PM3K__HTTP_TRANSIENT, "the connection failed"},
    {CURLE_RECV_ERROR, PM3K__HTTP_TRANSIENT, "the connection failed"},
    {CURLE_PARTIAL_FILE, PM3K__HTTP_TRANSIENT, "the connection failed"},
    {CURLE_HTTP2, PM3K__HTTP_TRANSIENT, "the connection failed"},
    {CURLE_HTTP2_STREAM, PM3K__HTTP_TRANSIENT, "the connection failed"},
};

/* A handshake that cannot work with this server: definite, its cause in
 * *cause. */
static bool tls_setup_failed(CURLcode code, const pm3k__http_response *resp,
                             pm3k__http_tls_cause *cause)
{
    *cause = PM3K__HTTP_TLS_OK;
    if (code != CURLE_SSL_CONNECT_ERROR && code != CURLE_SSL_CIPHER)
        return false;
    *cause = pm3k__http_tls_failure(resp->error);
    return *cause != PM3K__HTTP_TLS_OK;
}

pm3k__http_verdict pm3k__http_classify(CURLcode code, const pm3k__http_response *resp, char *reason,
                                       size_t reason_len)
{
    pm3k__http_tls_cause cause;
    if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && resp->aborted))
        return status_verdict(resp, reason, reason_len);
    if (headers_too_large(code, resp)) {
        snprintf(reason, reason_len,
                 "the answer's headers are too large for an HTTP client to read (%s)",
                 resp->error[0] ? resp->error : "a header line over 100 KB");
        return PM3K__HTTP_DEFINITE;
    }
    if (pm3k__http_certificate_failed(code)) {
        with_detail(reason, reason_len, "TLS certificate verification failed", resp, code);
        return PM3K__HTTP_DEFINITE;
    }
    if (tls_setup_failed(code, resp, &cause)) {
        char what[160];
        snprintf(what, sizeof what, "TLS handshake failed: %s", tls_cause_what[cause]);
        with_detail(reason, reason_len, what, resp, code);
        return PM3K__HTTP_DEFINITE;
    }
    for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++)
        if (failures[i].code == code) {
            with_detail(reason, reason_len, failures[i].what, resp, code);
            return failures[i].verdict;
        }
    with_detail(reason, reason_len, "the request failed", resp, code);
    return PM3K__HTTP_TRANSIENT;
}

void pm3k__http_conclude(pm3k__http_response *resp, CURLcode code)
{
    resp->result.code = code;
    resp->result.verdict =
        pm3k__http_classify(code, resp, resp->result.reason, sizeof resp->result.reason);
    if (!tls_setup_failed(code, resp, &resp->result.tls_cause))
        resp->result.tls_cause = PM3K__HTTP_TLS_OK;
}

pm3k_code pm3k__http_config_error(const pm3k_http_options *opt, const char *reason, pm3k_error *err)
{
    if (opt->cacert)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "--cacert '%s' cannot be used: %s",
                              opt->cacert, reason);
    return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                          "the system's CA certificates cannot be used: %s", reason);
}

bool pm3k__http_location(const pm3k__http_response *resp, char *out, size_t out_len)
{
    const char *target = resp->result.redirect_url;
    if (!target)
        target = pm3k__http_header_get(resp, "Location");
    if (out_len)
        out[0] = '\0';
    if (!target)
        return false;
    pm3k__redact_url(target, out, out_len);
    return true;
}

const char *pm3k__http_version_name(long version)
{
    switch (version) {
    case CURL_HTTP_VERSION_1_0:
        return "1.0";
    case CURL_HTTP_VERSION_1_1:
        return "1.1";
    case CURL_HTTP_VERSION_2_0:
        return "2";
    case CURL_HTTP_VERSION_3:
        return "3";
    default:
        return "unknown";
    }
}
