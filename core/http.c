/* pm3k — the one libcurl wrapper: options, the context of a run, handles,
 * requests and -v traces. See core/http.h for the decisions; what an
 * answer means is core/http_answer.c. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "core/http.h"
#include "core/redact.h"
#include "pm3k/pm3k.h"

/* A CA bundle bigger than this is not a CA bundle. */
#define CA_FILE_MAX (16 * 1024 * 1024)

/* ---- options and context ---- */

/* ADDR[,ADDR...]: numeric IPv4 or IPv6 addresses (IPv6 may be in
 * brackets). libcurl skips an address it cannot parse and then resolves
 * the host itself, so a typo would go unnoticed or fail as a DNS error. */
static bool addresses_valid(const char *list)
{
    unsigned char buf[sizeof(struct in6_addr)];
    char one[64];
    const char *p = list;
    do {
        size_t n = strcspn(p, ",");
        const char *addr = p;
        if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
            addr++;
            n -= 2;
        }
        if (n == 0 || n >= sizeof one)
            return false;
        memcpy(one, addr, n);
        one[n] = '\0';
        if (inet_pton(AF_INET, one, buf) != 1 && inet_pton(AF_INET6, one, buf) != 1)
            return false;
        p += strcspn(p, ",");
    } while (*p++ == ',');
    return true;
}

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
    return port[digits] == ':' && addresses_valid(port + digits + 1);
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
            return pm3k_error_set(
                err, PM3K_ERR_INVALID_ARG,
                "--resolve expects HOST:PORT:ADDRESS with a numeric IP address, not '%s'",
                opt->resolve[i]);
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

/* ---- the callbacks libcurl calls during a transfer ---- */

static size_t on_header(char *data, size_t size, size_t nitems, void *userdata)
{
    return pm3k__http_feed_header(userdata, data, size * nitems);
}

/* Keep up to the sink's cap; false only when memory runs out. */
static bool keep_body(pm3k__http_response *resp, const char *data, size_t len, size_t *taken)
{
    size_t room = resp->request.sink.cap - resp->body_len;
    size_t n = len < room ? len : room;
    if (resp->body_len + n + 1 > resp->body_alloc) {
        size_t want = resp->body_alloc ? resp->body_alloc * 2 : 4096;
        if (want < resp->body_len + n + 1)
            want = resp->body_len + n + 1;
        if (want > resp->request.sink.cap + 1)
            want = resp->request.sink.cap + 1;
        char *grown = realloc(resp->body, want);
        if (!grown)
            return false;
        resp->body = grown;
        resp->body_alloc = want;
    }
    memcpy(resp->body + resp->body_len, data, n);
    resp->body_len += n;
    resp->body[resp->body_len] = '\0';
    resp->body_truncated = n < len;
    *taken = n;
    return true;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    pm3k__http_response *resp = userdata;
    const pm3k__http_sink *sink = &resp->request.sink;
    size_t len = size * nmemb, taken = len;
    resp->body_bytes += (int64_t)len;
    if (resp->request.abort_after_headers) {
        resp->aborted = true;
        return 0;
    }
    if (sink->kind == PM3K__HTTP_SINK_MEMORY && !keep_body(resp, data, len, &taken))
        return 0; /* out of memory: a failed transfer, not a stop on purpose */
    if (sink->kind == PM3K__HTTP_SINK_CALLBACK && sink->write)
        taken = sink->write(sink->userdata, resp, data, len);
    if (taken == len)
        return len;
    resp->aborted = true;
    return 0;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *userdata)
{
    pm3k__http_response *resp = userdata;
    const pm3k__http_body *body = &resp->request.body;
    size_t room = size * nitems;
    if (body->read)
        return body->read(body->userdata, buf, room);
    size_t left = body->len - resp->body_sent;
    size_t n = left < room ? left : room;
    if (n > 0)
        memcpy(buf, (const char *)body->data + resp->body_sent, n);
    resp->body_sent += n;
    return n;
}

/* libcurl rewinds only to send the body again from its start. */
static int on_seek(void *userdata, curl_off_t offset, int origin)
{
    pm3k__http_response *resp = userdata;
    const pm3k__http_body *body = &resp->request.body;
    if (offset != 0 || origin != SEEK_SET)
        return CURL_SEEKFUNC_CANTSEEK;
    if (!body->read) {
        resp->body_sent = 0;
        return CURL_SEEKFUNC_OK;
    }
    return body->rewind && body->rewind(body->userdata) ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_CANTSEEK;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    pm3k__http_response *resp = userdata;
    pm3k__http_progress progress = {dltotal, dlnow, ultotal, ulnow};
    if (!resp->request.progress ||
        resp->request.progress(resp->request.progress_userdata, &progress))
        return 0;
    resp->result.stopped = true;
    return 1;
}

/* ---- -v traces ---- */

void pm3k__http_trace_format(pm3k__http_trace_kind kind, const char *line, char *out,
                             size_t out_len)
{
    static const char *const prefixes[] = {
        [PM3K__HTTP_TRACE_INFO] = "* ",
        [PM3K__HTTP_TRACE_REQUEST_HEADER] = "> ",
        [PM3K__HTTP_TRACE_RESPONSE_HEADER] = "< ",
        [PM3K__HTTP_TRACE_REQUEST_BODY] = "> ",
        [PM3K__HTTP_TRACE_RESPONSE_BODY] = "< ",
    };
    bool body = kind == PM3K__HTTP_TRACE_REQUEST_BODY || kind == PM3K__HTTP_TRACE_RESPONSE_BODY;
    snprintf(out, out_len, body ? "%s[%s of body]" : "%s%s", prefixes[kind], line);
}

#define TRACE_LINE_MAX 2048

/* "Name: value" with the value redacted; a start line ("GET /p?q HTTP/1.1")
 * with its target redacted as a URL; a status line as it is. */
static void shape_header_line(const char *line, char *out, size_t out_len)
{
    const char *colon = strchr(line, ':'), *space = strchr(line, ' ');
    if (colon && colon != line && (!space || colon < space)) {
        char name[256];
        size_t name_len = (size_t)(colon - line);
        if (name_len >= sizeof name)
            name_len = sizeof name - 1;
        memcpy(name, line, name_len);
        name[name_len] = '\0';
        const char *value = colon + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        int n = snprintf(out, out_len, "%s: ", name);
        if (n > 0 && (size_t)n < out_len)
            pm3k__redact_header(name, value, out + n, out_len - (size_t)n);
        return;
    }
    const char *target_end = space ? strchr(space + 1, ' ') : NULL;
    if (!space || !target_end || strncmp(line, "HTTP/", 5) == 0) {
        pm3k__redact_known(line, NULL, 0, out, out_len);
        return;
    }
    /* METHOD, the target redacted as a URL, " HTTP/1.1"; cut to fit. */
    char target[TRACE_LINE_MAX];
    size_t target_len = (size_t)(target_end - space - 1);
    memcpy(target, space + 1, target_len);
    target[target_len] = '\0';
    size_t n = (size_t)(space - line) + 1 < out_len ? (size_t)(space - line) + 1 : out_len - 1;
    memcpy(out, line, n);
    pm3k__redact_url(target, out + n, out_len - n);
    n += strlen(out + n);
    pm3k__redact_known(target_end, NULL, 0, out + n, out_len - n);
}

/* One line to the trace, redacted by where it sits, then by value: the
 * request's secrets and its userpwd, whole and in parts. */
static void trace_line(const pm3k__http_response *resp, pm3k__http_trace_kind kind,
                       const char *data, size_t len)
{
    const pm3k__http_request *req = &resp->request;
    char raw[TRACE_LINE_MAX], shaped[TRACE_LINE_MAX], known[TRACE_LINE_MAX], out[TRACE_LINE_MAX];
    char user[256] = "";
    if (len >= sizeof raw)
        len = sizeof raw - 1;
    memcpy(raw, data, len);
    raw[len] = '\0';
    if (kind == PM3K__HTTP_TRACE_REQUEST_HEADER || kind == PM3K__HTTP_TRACE_RESPONSE_HEADER)
        shape_header_line(raw, shaped, sizeof shaped);
    else
        pm3k__redact_text(raw, shaped, sizeof shaped); /* libcurl's account may name URLs */
    pm3k__redact_known(shaped, req->secrets, req->secret_count, known, sizeof known);
    const char *password = req->userpwd ? strchr(req->userpwd, ':') : NULL;
    if (req->userpwd)
        snprintf(user, sizeof user, "%.*s",
                 (int)(password ? (size_t)(password - req->userpwd) : strlen(req->userpwd)),
                 req->userpwd);
    const char *parts[] = {req->userpwd, password ? password + 1 : NULL, user};
    pm3k__redact_known(known, parts, 3, out, sizeof out);
    req->trace(req->trace_userdata, kind, out);
}

static void trace_lines(const pm3k__http_response *resp, pm3k__http_trace_kind kind,
                        const char *data, size_t size)
{
    for (size_t start = 0; start < size;) {
        const char *nl = memchr(data + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - data) : size;
        size_t len = end - start;
        if (len > 0 && data[start + len - 1] == '\r')
            len--;
        if (len > 0)
            trace_line(resp, kind, data + start, len);
        start = end + 1;
    }
}

static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *userdata)
{
    const pm3k__http_response *resp = userdata;
    char count[64];
    (void)h;
    if (!resp->request.trace)
        return 0;
    switch (type) {
    case CURLINFO_TEXT:
        trace_lines(resp, PM3K__HTTP_TRACE_INFO, data, size);
        break;
    case CURLINFO_HEADER_OUT:
        trace_lines(resp, PM3K__HTTP_TRACE_REQUEST_HEADER, data, size);
        break;
    case CURLINFO_HEADER_IN:
        trace_lines(resp, PM3K__HTTP_TRACE_RESPONSE_HEADER, data, size);
        break;
    case CURLINFO_DATA_OUT:
    case CURLINFO_DATA_IN:
        snprintf(count, sizeof count, "%zu bytes", size);
        resp->request.trace(resp->request.trace_userdata,
                            type == CURLINFO_DATA_OUT ? PM3K__HTTP_TRACE_REQUEST_BODY
                                                      : PM3K__HTTP_TRACE_RESPONSE_BODY,
                            count);
        break;
    default: /* TLS records say nothing a user needs */
        break;
    }
    return 0;
}

/* ---- handles and requests ---- */

#define SET(opt, value)                                                                            \
    do {                                                                                           \
        if (c == CURLE_OK)                                                                         \
            c = curl_easy_setopt(h, opt, value);                                                   \
    } while (0)

CURL *pm3k__http_handle_new(const pm3k__http_ctx *ctx, pm3k_error *err)
{
    CURL *h = curl_easy_init();
    CURLcode c = h ? CURLE_OK : CURLE_OUT_OF_MEMORY;
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
    SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_READFUNCTION, on_read);
    SET(CURLOPT_SEEKFUNCTION, on_seek);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress);
    SET(CURLOPT_DEBUGFUNCTION, on_debug);
    if (c != CURLE_OK) {
        curl_easy_cleanup(h);
        pm3k_error_set(err, PM3K_ERR_LIBRARY, "cannot set up libcurl: %s", curl_easy_strerror(c));
        return NULL;
    }
    return h;
}

/* The method, and the body for POST and PUT (an absent one is empty). */
static CURLcode set_method(CURL *h, const pm3k__http_request *req)
{
    CURLcode c = CURLE_OK;
    int64_t size = req->body.read ? req->body.size : (int64_t)req->body.len;
    /* HTTPGET also clears what NOBODY, POST and UPLOAD set before. */
    SET(CURLOPT_HTTPGET, 1L);
    SET(CURLOPT_CUSTOMREQUEST, req->method == PM3K__HTTP_DELETE ? "DELETE" : NULL);
    switch (req->method) {
    case PM3K__HTTP_HEAD:
        SET(CURLOPT_NOBODY, 1L);
        break;
    case PM3K__HTTP_POST:
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDS, NULL); /* the body comes from on_read */
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
        break;
    case PM3K__HTTP_PUT:
        SET(CURLOPT_UPLOAD, 1L);
        SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
        break;
    case PM3K__HTTP_GET:
    case PM3K__HTTP_DELETE:
        break;
    }
    return c;
}

static pm3k_code header_list(const pm3k__http_request *req, struct curl_slist **out,
                             pm3k_error *err)
{
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < req->header_count; i++) {
        struct curl_slist *grown = curl_slist_append(list, req->headers[i]);
        if (!grown) {
            curl_slist_free_all(list);
            return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        }
        list = grown;
    }
    *out = list;
    return PM3K_OK;
}

pm3k_code pm3k__http_prepare(CURL *h, const pm3k__http_ctx *ctx, const pm3k__http_request *req,
                             pm3k__http_response *resp, pm3k_error *err)
{
    bool has_body = req->body.data || req->body.read;
    if (has_body && req->method != PM3K__HTTP_POST && req->method != PM3K__HTTP_PUT)
        return pm3k_error_set(err, PM3K_ERR_INTERNAL, "only POST and PUT requests have a body");
    pm3k__http_response_reset(resp);
    pm3k_code rc = header_list(req, &resp->header_list, err);
    if (rc != PM3K_OK)
        return rc;
    /* Kept for the callbacks; what libcurl copied is not needed again. */
    resp->request = *req;
    resp->request.url = resp->request.range = resp->request.aws_sigv4 = NULL;
    resp->request.headers = NULL;
    resp->request.header_count = 0;
    CURLcode c = set_method(h, req);
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_HTTPHEADER, resp->header_list);
    SET(CURLOPT_RANGE, req->range);
    SET(CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : ctx->timeout_ms);
    SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    SET(CURLOPT_USERPWD, req->userpwd);
#if LIBCURL_VERSION_NUM >= 0x074b00 /* 7.75.0: CURLOPT_AWS_SIGV4 */
    SET(CURLOPT_AWS_SIGV4, req->aws_sigv4);
#else
    if (req->aws_sigv4)
        c = CURLE_NOT_BUILT_IN;
#endif
    SET(CURLOPT_NOPROGRESS, req->progress ? 0L : 1L);
    SET(CURLOPT_VERBOSE, req->trace ? 1L : 0L);
    SET(CURLOPT_ERRORBUFFER, resp->error);
    SET(CURLOPT_HEADERDATA, resp);
    SET(CURLOPT_WRITEDATA, resp);
    SET(CURLOPT_READDATA, resp);
    SET(CURLOPT_SEEKDATA, resp);
    SET(CURLOPT_XFERINFODATA, resp);
    SET(CURLOPT_DEBUGDATA, resp);
    if (c != CURLE_OK)
        return pm3k_error_set(err, PM3K_ERR_LIBRARY, "cannot set up libcurl: %s",
                              curl_easy_strerror(c));
    return PM3K_OK;
}

#undef SET

void pm3k__http_finish(CURL *h, CURLcode code, pm3k__http_response *resp)
{
    char *location = NULL;
    curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &resp->result.http_version);
    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location);
    free(resp->result.redirect_url);
    /* Without memory for it the Location header stands in. */
    resp->result.redirect_url = location ? strdup(location) : NULL;
    pm3k__http_conclude(resp, code);
}

pm3k_code pm3k__http_perform(CURL *h, const pm3k__http_ctx *ctx, const pm3k__http_request *req,
                             pm3k__http_response *resp, pm3k_error *err)
{
    pm3k_code rc = pm3k__http_prepare(h, ctx, req, resp, err);
    if (rc != PM3K_OK)
        return rc;
    pm3k__http_finish(h, curl_easy_perform(h), resp);
    return PM3K_OK;
}
