/* pm3k — the one libcurl wrapper: handle setup, header capture and the
 * meaning of a result. See core/http.h for the decisions; redaction is
 * core/redact.c. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/http.h"
#include "core/redact.h"
#include "pm3k/pm3k.h"

/* A CA bundle bigger than this is not a CA bundle. */
#define CA_FILE_MAX (16 * 1024 * 1024)

/* ---- options and context ---- */

/* HOST:PORT:ADDR[,ADDR...], optionally prefixed with '+' or '-' as curl's. */
static bool resolve_entry_valid(const char *entry)
{
    const char *p = entry;
    if (*p == '+' || *p == '-')
        p++;
    const char *colon1;
    if (*p == '[') { /* [IPv6]:PORT:ADDR */
        const char *close = strchr(p, ']');
        colon1 = close && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon1 = strchr(p, ':');
    }
    if (!colon1 || colon1 == p)
        return false;
    const char *port = colon1 + 1;
    size_t digits = strspn(port, "0123456789");
    if (digits == 0 || digits > 5)
        return false;
    long value = strtol(port, NULL, 10);
    if (value < 1 || value > 65535)
        return false;
    /* "-HOST:PORT" removes an entry and has no address. */
    if (entry[0] == '-')
        return port[digits] == '\0';
    return port[digits] == ':' && port[digits + 1] != '\0';
}

/* Does a --cacert file look like what libcurl loads: a regular, readable
 * file with at least one PEM certificate block? A folder, /etc/hostname or a
 * DER file would otherwise fail every request with CURLE_SSL_CACERT_BADFILE.
 * Whether the block itself parses only the TLS library can tell: that is
 * the CONFIG verdict of pm3k__http_classify. */
static pm3k_code check_ca_file(const char *path, pm3k_error *err)
{
    static const char mark[] = "-----BEGIN CERTIFICATE-----";
    const size_t mark_len = sizeof mark - 1;
    pm3k_code rc = PM3K_OK;
    char buf[16384];
    size_t kept = 0;
    int64_t total = 0;
    bool found = false;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd < 0)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "cannot read --cacert '%s': %s", path,
                              strerror(errno));
    if (fstat(fd, &st) != 0) {
        rc = pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "cannot read --cacert '%s': %s", path,
                            strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                            "--cacert '%s' is a folder; give a PEM file of CA certificates", path);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                            "--cacert '%s' is not a regular file; give a PEM file of CA "
                            "certificates",
                            path);
        goto out;
    }
    /* The mark may straddle two reads: the tail of one stays in front. */
    while (!found && total <= CA_FILE_MAX) {
        ssize_t n = read(fd, buf + kept, sizeof buf - kept);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "cannot read --cacert '%s': %s", path,
                                strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        total += n;
        size_t len = kept + (size_t)n;
        for (size_t i = 0; !found && i + mark_len <= len; i++)
            found = buf[i] == '-' && memcmp(buf + i, mark, mark_len) == 0;
        kept = len < mark_len - 1 ? len : mark_len - 1;
        memmove(buf, buf + len - kept, kept);
    }
    if (!found)
        rc = pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                            total > CA_FILE_MAX ? "--cacert '%s' is too big for a CA file"
                                                : "--cacert '%s' holds no PEM certificate",
                            path);
out:
    close(fd);
    return rc;
}

pm3k_code pm3k_http_options_check(const pm3k_http_options *opt, pm3k_error *err)
{
    for (size_t i = 0; i < opt->resolve_count; i++)
        if (!resolve_entry_valid(opt->resolve[i]))
            return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                                  "--resolve expects HOST:PORT:ADDRESS, not '%s'", opt->resolve[i]);
    if (opt->cacert)
        return check_ca_file(opt->cacert, err);
    return PM3K_OK;
}

/* Append a whole file to buf. */
static pm3k_code append_file(const char *path, char **buf, size_t *len, pm3k_error *err)
{
    pm3k_code rc = PM3K_OK;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return pm3k_error_set(err, PM3K_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (*len + n + 2 > CA_FILE_MAX) {
            rc = pm3k_error_set(err, PM3K_ERR_IO, "'%s' is too big for a CA file", path);
            goto out;
        }
        char *grown = realloc(*buf, *len + n + 2);
        if (!grown) {
            rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
            goto out;
        }
        *buf = grown;
        memcpy(*buf + *len, chunk, n);
        *len += n;
    }
    if (ferror(fp)) {
        rc = pm3k_error_set(err, PM3K_ERR_IO, "cannot read '%s'", path);
        goto out;
    }
    /* PEM files may lack a final newline; the next one must start a line. */
    if (*buf) {
        (*buf)[(*len)++] = '\n';
        (*buf)[*len] = '\0';
    }
out:
    fclose(fp);
    return rc;
}

/* Where libcurl looks for CAs by default (both may be NULL). */
static void default_ca_locations(const char **cainfo, const char **capath)
{
    *cainfo = NULL;
    *capath = NULL;
#if LIBCURL_VERSION_NUM >= 0x075400 /* 7.84.0: CURLINFO_CAINFO / CAPATH */
    CURL *probe = curl_easy_init();
    char *info = NULL, *path = NULL;
    if (!probe)
        return;
    curl_easy_getinfo(probe, CURLINFO_CAINFO, &info);
    curl_easy_getinfo(probe, CURLINFO_CAPATH, &path);
    /* These point at libcurl's built-in constants, valid after cleanup. */
    *cainfo = info;
    *capath = path;
    curl_easy_cleanup(probe);
#endif
}

pm3k_code pm3k__http_ctx_init(pm3k__http_ctx *ctx, const pm3k_http_options *opt, pm3k_error *err)
{
    pm3k_code rc = pm3k_http_options_check(opt, err);
    memset(ctx, 0, sizeof *ctx);
    if (rc != PM3K_OK)
        return rc;
    ctx->timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : PM3K__HTTP_DEFAULT_TIMEOUT_MS;
    ctx->connect_timeout_ms = ctx->timeout_ms < PM3K__HTTP_MAX_CONNECT_TIMEOUT_MS
                                  ? ctx->timeout_ms
                                  : PM3K__HTTP_MAX_CONNECT_TIMEOUT_MS;
    snprintf(ctx->user_agent, sizeof ctx->user_agent, "pm3k/%s", pm3k_version());
    for (size_t i = 0; i < opt->resolve_count; i++) {
        struct curl_slist *grown = curl_slist_append(ctx->resolve, opt->resolve[i]);
        if (!grown) {
            rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
            goto out;
        }
        ctx->resolve = grown;
    }
    if (opt->cacert) {
        const char *cainfo, *capath;
        default_ca_locations(&cainfo, &capath);
        if (capath || !cainfo || access(cainfo, R_OK) != 0) {
            /* The system store stays reachable through the CA path. */
            ctx->cacert = strdup(opt->cacert);
            if (!ctx->cacert)
                rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        } else {
            rc = append_file(cainfo, &ctx->ca_blob, &ctx->ca_blob_len, err);
            if (rc == PM3K_OK)
                rc = append_file(opt->cacert, &ctx->ca_blob, &ctx->ca_blob_len, err);
        }
    }
out:
    if (rc != PM3K_OK)
        pm3k__http_ctx_free(ctx);
    return rc;
}

void pm3k__http_ctx_free(pm3k__http_ctx *ctx)
{
    if (!ctx)
        return;
    curl_slist_free_all(ctx->resolve);
    free(ctx->cacert);
    free(ctx->ca_blob);
    memset(ctx, 0, sizeof *ctx);
}

/* ---- header capture ---- */

void pm3k__http_response_reset(pm3k__http_response *resp)
{
    resp->status = 0;
    resp->reason[0] = '\0';
    resp->header_count = 0;
    resp->headers_truncated = false;
    resp->headers_done = false;
    resp->aborted = false;
    resp->body_bytes = 0;
    resp->error[0] = '\0';
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

size_t pm3k__http_feed_header(pm3k__http_response *resp, const char *data, size_t len)
{
    size_t n = len;
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
        n--;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* A new response (after a 1xx): only the last one counts. */
        resp->header_count = 0;
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
        if (resp->abort_after_headers) {
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

static size_t on_header(char *data, size_t size, size_t nitems, void *userdata)
{
    return pm3k__http_feed_header(userdata, data, size * nitems);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    pm3k__http_response *resp = userdata;
    size_t len = size * nmemb;
    resp->body_bytes += (int64_t)len;
    if (resp->abort_after_headers) {
        resp->aborted = true;
        return 0;
    }
    if (resp->body)
        return resp->body(resp->body_userdata, data, len);
    return len;
}

const char *pm3k__http_header_get(const pm3k__http_response *resp, const char *name)
{
    for (size_t i = 0; i < resp->header_count; i++)
        if (strcasecmp(resp->headers[i].name, name) == 0)
            return resp->headers[i].value;
    return NULL;
}

/* ---- handle setup ---- */

pm3k_code pm3k__http_setup(CURL *h, const pm3k__http_ctx *ctx, const char *url,
                           pm3k__http_response *resp, pm3k_error *err)
{
    CURLcode c = CURLE_OK;
#define SET(opt, value)                                                                            \
    do {                                                                                           \
        if (c == CURLE_OK)                                                                         \
            c = curl_easy_setopt(h, opt, value);                                                   \
    } while (0)
    pm3k__http_response_reset(resp);
    SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_USERAGENT, ctx->user_agent);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (ctx->cacert)
        SET(CURLOPT_CAINFO, ctx->cacert);
    if (ctx->ca_blob) {
        struct curl_blob blob = {ctx->ca_blob, ctx->ca_blob_len, CURL_BLOB_COPY};
        SET(CURLOPT_CAINFO_BLOB, &blob);
    }
    if (ctx->resolve)
        SET(CURLOPT_RESOLVE, ctx->resolve);
    SET(CURLOPT_CONNECTTIMEOUT_MS, ctx->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, ctx->timeout_ms);
    SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, resp);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, resp);
    SET(CURLOPT_ERRORBUFFER, resp->error);
#undef SET
    if (c != CURLE_OK)
        return pm3k_error_set(err, PM3K_ERR_LIBRARY, "cannot set up libcurl: %s",
                              curl_easy_strerror(c));
    return PM3K_OK;
}

pm3k_code pm3k__http_retarget(CURL *h, const pm3k__http_ctx *ctx, const char *url,
                              pm3k__http_response *resp, pm3k_error *err)
{
    CURLcode c = CURLE_OK;
    pm3k__http_response_reset(resp);
    if (c == CURLE_OK)
        c = curl_easy_setopt(h, CURLOPT_URL, url);
    if (c == CURLE_OK)
        c = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ctx->timeout_ms);
    if (c == CURLE_OK)
        c = curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
    if (c == CURLE_OK)
        c = curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    if (c == CURLE_OK)
        c = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, resp->error);
    if (c != CURLE_OK)
        return pm3k_error_set(err, PM3K_ERR_LIBRARY, "cannot set up libcurl: %s",
                              curl_easy_strerror(c));
    return PM3K_OK;
}

/* ---- parsing ---- */

bool pm3k__http_parse_length(const char *value, int64_t *out)
{
    int64_t first = -1;
    const char *p = value;
    /* A comma-separated list of identical values is one value (RFC 9110 8.6). */
    for (int items = 0; items < 64; items++) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!isdigit((unsigned char)*p))
            return false;
        int64_t v = 0;
        while (isdigit((unsigned char)*p)) {
            if (v > (INT64_MAX - 9) / 10)
                return false;
            v = v * 10 + (*p - '0');
            p++;
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (first >= 0 && v != first)
            return false;
        first = v;
        if (*p == '\0') {
            *out = first;
            return true;
        }
        if (*p != ',')
            return false;
        p++;
    }
    return false;
}

pm3k__http_length pm3k__http_content_length(const pm3k__http_response *resp, int64_t *length,
                                            char *reason, size_t reason_len)
{
    int64_t value = -1;
    bool seen = false;
    const char *te = pm3k__http_header_get(resp, "Transfer-Encoding");
    if (te) {
        char shown[64];
        pm3k__redact_header("Transfer-Encoding", te, shown, sizeof shown);
        snprintf(reason, reason_len, "Transfer-Encoding: %s (the length is not sent)", shown);
        return PM3K__HTTP_LENGTH_CHUNKED;
    }
    for (size_t i = 0; i < resp->header_count; i++) {
        if (strcasecmp(resp->headers[i].name, "Content-Length") != 0)
            continue;
        int64_t v;
        if (!pm3k__http_parse_length(resp->headers[i].value, &v)) {
            char shown[64];
            pm3k__redact_header("Content-Length", resp->headers[i].value, shown, sizeof shown);
            snprintf(reason, reason_len, "Content-Length '%s' is not a byte count", shown);
            return PM3K__HTTP_LENGTH_INVALID;
        }
        if (seen && v != value) {
            snprintf(reason, reason_len, "conflicting Content-Length headers (%lld and %lld)",
                     (long long)value, (long long)v);
            return PM3K__HTTP_LENGTH_INVALID;
        }
        value = v;
        seen = true;
    }
    if (!seen) {
        snprintf(reason, reason_len, "the answer has no Content-Length header");
        return PM3K__HTTP_LENGTH_ABSENT;
    }
    *length = value;
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
    snprintf(reason, reason_len, "%s (%s)", what, detail);
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

pm3k__http_verdict pm3k__http_classify(CURLcode code, const pm3k__http_response *resp, char *reason,
                                       size_t reason_len)
{
    if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && resp->aborted)) {
        long s = resp->status;
        const char *sep = resp->reason[0] ? " " : "";
        if (s >= 200 && s < 300) {
            if (reason_len)
                reason[0] = '\0';
            return PM3K__HTTP_OK;
        }
        if (s >= 300 && s < 400) {
            snprintf(reason, reason_len, "the server answered %ld%s%s", s, sep, resp->reason);
            return PM3K__HTTP_REDIRECT;
        }
        if (s >= 400 && s < 500) {
            snprintf(reason, reason_len, "the server answered %ld%s%s", s, sep, resp->reason);
            return PM3K__HTTP_DEFINITE;
        }
        if (s >= 500 && s < 600) {
            snprintf(reason, reason_len, "the server answered %ld%s%s", s, sep, resp->reason);
            return PM3K__HTTP_TRANSIENT;
        }
        snprintf(reason, reason_len, "the server answered with status %ld, which is not HTTP", s);
        return PM3K__HTTP_DEFINITE;
    }
    if (headers_too_large(code, resp)) {
        snprintf(reason, reason_len,
                 "the answer's headers are too large for an HTTP client to read (%s)",
                 resp->error[0] ? resp->error : "a header line over 100 KB");
        return PM3K__HTTP_DEFINITE;
    }
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        with_detail(reason, reason_len, "cannot resolve the host", resp, code);
        return PM3K__HTTP_TRANSIENT;
    case CURLE_COULDNT_CONNECT:
        with_detail(reason, reason_len, "cannot connect", resp, code);
        return PM3K__HTTP_TRANSIENT;
    case CURLE_OPERATION_TIMEDOUT:
        with_detail(reason, reason_len, "timed out", resp, code);
        return PM3K__HTTP_TRANSIENT;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        with_detail(reason, reason_len, "TLS certificate verification failed", resp, code);
        return PM3K__HTTP_DEFINITE;
    case CURLE_SSL_CONNECT_ERROR:
        /* Also a reset in the middle of the handshake, or an overloaded
         * server: only a certificate error above is the server's for sure. */
        with_detail(reason, reason_len, "TLS handshake failed", resp, code);
        return PM3K__HTTP_TRANSIENT;
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        with_detail(reason, reason_len, "cannot load the CA certificates", resp, code);
        return PM3K__HTTP_CONFIG;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        with_detail(reason, reason_len, "the URL cannot be fetched", resp, code);
        return PM3K__HTTP_DEFINITE;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
        with_detail(reason, reason_len, "the answer is not valid HTTP", resp, code);
        return PM3K__HTTP_DEFINITE;
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        with_detail(reason, reason_len, "the connection failed", resp, code);
        return PM3K__HTTP_TRANSIENT;
    default:
        with_detail(reason, reason_len, "the request failed", resp, code);
        return PM3K__HTTP_TRANSIENT;
    }
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

/* ---- hosts ---- */

size_t pm3k__host_len(const char *host)
{
    size_t n = strlen(host);
    if (n > 1 && host[n - 1] == '.')
        n--;
    return n;
}

bool pm3k__host_equal(const char *a, const char *b)
{
    size_t na = pm3k__host_len(a), nb = pm3k__host_len(b);
    return na > 0 && na == nb && strncasecmp(a, b, na) == 0;
}

bool pm3k__host_is_storage(const char *host)
{
    return pm3k__host_equal(host, PM3K_STORAGE_HOST);
}
