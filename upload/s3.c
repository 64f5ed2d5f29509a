/* pm3k — S3-compatible targets (AWS S3, R2, MinIO, ...): SigV4 by
 * libcurl (CURLOPT_AWS_SIGV4), one PUT for a small file, a multipart
 * upload above the threshold with its parts sent in parallel over a curl
 * multi handle, each retried on its own, the upload aborted when a part
 * fails so no parts are left behind.
 *
 * libcurl 7.88 adds no x-amz-content-sha256 (we send UNSIGNED-PAYLOAD:
 * the body is streamed, TLS protects it) and signs the query verbatim, so
 * every query here is written canonical: sorted by name, "uploads=" not
 * "uploads", values encoded the RFC 3986 way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/redact.h"
#include "core/url.h"
#include "upload/api_int.h"
#include "upload/storage_int.h"

#define CONTENT_SHA "x-amz-content-sha256: UNSIGNED-PAYLOAD"
#define DEFAULT_REGION "us-east-1"

/* ---- set-up ---- */

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static pm3k_code parse_target(pm3k__s3 *s3, const char *to, pm3k_error *err)
{
    const char *bucket = to + 5, *slash = strchr(bucket, '/');
    size_t blen = slash ? (size_t)(slash - bucket) : strlen(bucket);
    bool ok = blen >= 3 && blen < sizeof s3->bucket;
    for (size_t i = 0; ok && i < blen; i++)
        ok = (bucket[i] >= 'a' && bucket[i] <= 'z') || (bucket[i] >= '0' && bucket[i] <= '9') ||
             bucket[i] == '-' || bucket[i] == '.';
    if (!ok || (slash && strlen(slash + 1) >= sizeof s3->prefix))
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "--to s3://BUCKET/PREFIX: '%s' has no valid bucket name (3 to 63 of "
                              "a-z, 0-9, '-', '.')",
                              to);
    memcpy(s3->bucket, bucket, blen);
    snprintf(s3->prefix, sizeof s3->prefix, "%s", slash ? slash + 1 : "");
    return PM3K_OK;
}

/* scheme://host[:port] of AWS_ENDPOINT_URL (https only: the secret signs
 * every request, and TLS verification is always on). */
static pm3k_code parse_endpoint(pm3k__s3 *s3, const char *endpoint, pm3k_error *err)
{
    char shown[1100];
    pm3k__redact_url(endpoint, shown, sizeof shown);
    size_t n = strlen(endpoint);
    while (n > 0 && endpoint[n - 1] == '/')
        n--;
    if (strncasecmp(endpoint, "https://", 8) != 0 || n >= sizeof s3->endpoint || n <= 8 ||
        memchr(endpoint + 8, '/', n - 8) || strpbrk(endpoint, "?#@ "))
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "AWS_ENDPOINT_URL '%s' is not https://HOST[:PORT]", shown);
    memcpy(s3->endpoint, endpoint, n);
    s3->endpoint[n] = '\0';
    return PM3K_OK;
}

/* --public-base: an https URL; its host is the verified domain unless
 * --domain says otherwise. */
static pm3k_code parse_public_base(pm3k__s3 *s3, const char *base, const char *domain,
                                   pm3k_error *err)
{
    pm3k__url url = {0};
    pm3k_error why = {0};
    char shown[2100];
    if (!base)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "--to s3://... needs --public-base https://HOST/PATH/, the public "
                              "URL of s3://BUCKET/PREFIX");
    pm3k__redact_url(base, shown, sizeof shown);
    bool ok = strncmp(base, "https://", 8) == 0 && !strpbrk(base, "?#") &&
              strlen(base) < sizeof s3->public_base &&
              pm3k__url_parse(base, 0, &url, &why) == PM3K_OK;
    if (ok)
        snprintf(s3->domain, sizeof s3->domain, "%s", domain ? domain : url.host);
    pm3k__url_free(&url);
    if (!ok)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "--public-base '%s' is not an https:// URL without query", shown);
    snprintf(s3->public_base, sizeof s3->public_base, "%s", base);
    return PM3K_OK;
}

static pm3k_code credentials(pm3k__s3 *s3, pm3k_error *err)
{
    const char *id = env("AWS_ACCESS_KEY_ID"), *secret = env("AWS_SECRET_ACCESS_KEY");
    const char *token = env("AWS_SESSION_TOKEN");
    if (!id || !secret)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "S3 needs credentials: set AWS_ACCESS_KEY_ID and "
                              "AWS_SECRET_ACCESS_KEY");
    if (strchr(id, ':') || strpbrk(id, "\r\n") || strpbrk(secret, "\r\n") ||
        (token && strpbrk(token, "\r\n")))
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_SESSION_TOKEN holds "
                              "a character a request cannot carry");
    size_t len = strlen(id) + strlen(secret) + 2;
    if (!(s3->userpwd = malloc(len)))
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    snprintf(s3->userpwd, len, "%s:%s", id, secret);
    if (token) {
        len = strlen(token) + 40;
        if (!(s3->token_header = malloc(len)))
            return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        snprintf(s3->token_header, len, "x-amz-security-token: %s", token);
    }
    return PM3K_OK;
}

pm3k_code pm3k__s3_setup(pm3k_storage *s, pm3k_error *err)
{
    pm3k__s3 *s3 = &s->s3;
    const pm3k_storage_options *o = &s->opt;
    const char *region = env("AWS_REGION") ? env("AWS_REGION") : env("AWS_DEFAULT_REGION");
    const char *endpoint = env("AWS_ENDPOINT_URL");
    pm3k_code rc = parse_target(s3, o->to, err);
    if (rc == PM3K_OK && endpoint)
        rc = parse_endpoint(s3, endpoint, err);
    if (rc == PM3K_OK)
        rc = parse_public_base(s3, o->public_base, o->domain, err);
    if (rc == PM3K_OK)
        rc = credentials(s3, err);
    if (rc != PM3K_OK)
        return rc;
    snprintf(s3->region, sizeof s3->region, "%s", region ? region : DEFAULT_REGION);
    snprintf(s3->sigv4, sizeof s3->sigv4, "aws:amz:%s:s3", s3->region);
    s3->path_style = o->addressing == PM3K_ADDRESSING_PATH ||
                     (o->addressing == PM3K_ADDRESSING_AUTO && s3->endpoint[0]);
    s3->threshold =
        o->multipart_threshold > 0 ? o->multipart_threshold : PM3K_S3_MULTIPART_THRESHOLD;
    s3->part_size = o->part_size > 0 ? o->part_size : PM3K_S3_PART_SIZE;
    if (s3->part_size < PM3K_S3_MIN_PART_SIZE)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "S3 parts are 5 MiB at least");
    s3->part_jobs = o->part_jobs > 0 && o->part_jobs <= PM3K_S3_PART_JOBS * 4 ? o->part_jobs
                                                                              : PM3K_S3_PART_JOBS;
    snprintf(s->target, sizeof s->target, "s3://%s/%s", s3->bucket, s3->prefix);
    s->secrets[0] = strchr(s3->userpwd, ':') + 1;
    s->secret_count = 1;
    return PM3K_OK;
}

void pm3k__s3_free(pm3k__s3 *s3)
{
    if (s3->userpwd) {
        explicit_bzero(s3->userpwd, strlen(s3->userpwd));
        free(s3->userpwd);
    }
    if (s3->token_header) {
        explicit_bzero(s3->token_header, strlen(s3->token_header));
        free(s3->token_header);
    }
    s3->userpwd = s3->token_header = NULL;
}

/* ---- URLs ---- */

/* The object's URL for key, with the query (canonical), into out. */
static bool object_url(const pm3k__s3 *s3, const char *key, const char *query, char *out,
                       size_t out_len)
{
    char encoded[3200];
    int n;
    if (!pm3k__storage_encode(key, true, encoded, sizeof encoded))
        return false;
    const char *q = query ? "?" : "", *qs = query ? query : "";
    if (s3->path_style && s3->endpoint[0])
        n = snprintf(out, out_len, "%s/%s/%s%s%s", s3->endpoint, s3->bucket, encoded, q, qs);
    else if (s3->path_style)
        n = snprintf(out, out_len, "https://s3.%s.amazonaws.com/%s/%s%s%s", s3->region, s3->bucket,
                     encoded, q, qs);
    else if (s3->endpoint[0])
        n = snprintf(out, out_len, "https://%s.%s/%s%s%s", s3->bucket, s3->endpoint + 8, encoded, q,
                     qs);
    else
        n = snprintf(out, out_len, "https://%s.s3.%s.amazonaws.com/%s%s%s", s3->bucket, s3->region,
                     encoded, q, qs);
    return n > 0 && (size_t)n < out_len;
}

bool pm3k__s3_public_url(const pm3k__s3 *s3, const char *name, char *out, size_t out_len)
{
    char encoded[3200];
    if (!pm3k__storage_encode(name, false, encoded, sizeof encoded))
        return false;
    int n = snprintf(out, out_len, "%s%s", s3->public_base, encoded);
    return n > 0 && (size_t)n < out_len;
}

/* ---- answers ---- */

/* The text of the first <tag>...</tag> of an S3 XML answer (a bounded
 * scan of a small, well-known document), made safe to show. */
static bool xml_text(const char *body, size_t len, const char *tag, char *out, size_t out_len)
{
    char open[40], close[40];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    out[0] = '\0';
    if (!body || memchr(body, '\0', len))
        return false;
    const char *start = strstr(body, open);
    const char *end = start ? strstr(start, close) : NULL;
    if (!end)
        return false;
    start += strlen(open);
    size_t n = (size_t)(end - start);
    char raw[512];
    if (n >= sizeof raw)
        n = sizeof raw - 1;
    memcpy(raw, start, n);
    raw[n] = '\0';
    pm3k__redact_text(raw, out, out_len);
    return out[0] != '\0';
}

/* A refusal in words: "S3 answered HTTP 403 SignatureDoesNotMatch: ...". */
static void s3_said(const pm3k_storage *s, const pm3k__http_response *resp, char *out,
                    size_t out_len)
{
    char code[128], message[320], said[PM3K_ERROR_MESSAGE_MAX];
    bool has_code = xml_text(resp->body, resp->body_len, "Code", code, sizeof code);
    bool has_message = xml_text(resp->body, resp->body_len, "Message", message, sizeof message);
    snprintf(said, sizeof said, "S3 answered HTTP %ld%s%s%s%s", resp->status, has_code ? " " : "",
             has_code ? code : "", has_message ? ": " : "", has_message ? message : "");
    pm3k__redact_known(said, s->secrets, s->secret_count, out, out_len);
}

static void conclude(const pm3k_storage *s, const pm3k__http_response *resp, pm3k__put_outcome *out)
{
    if (out->attempt.stopped)
        return;
    if (out->attempt.verdict == PM3K__HTTP_OK) {
        out->stored = true;
        return;
    }
    if (out->attempt.verdict == PM3K__HTTP_DEFINITE && resp->status >= 400) {
        out->rejected = true;
        s3_said(s, resp, out->said, sizeof out->said);
    }
}

/* ---- one request ---- */

typedef struct s3_call {
    pm3k__http_method method;
    const char *url;
    const char *content_type; /* NULL: none */
    pm3k__http_body body;
    pm3k__upload_slot *slot; /* progress, or NULL */
    long timeout_ms;         /* 0: long for a body streamed from the file, else --timeout */
} s3_call;

/* The request of a call, its header lines in lines (4 at least). */
static pm3k__http_request s3_request(const pm3k_storage *s, const s3_call *c, char type[200],
                                     const char **lines)
{
    size_t n = 0;
    lines[n++] = CONTENT_SHA;
    if (c->content_type) {
        snprintf(type, 200, "Content-Type: %s", c->content_type);
        lines[n++] = type;
    }
    if (s->s3.token_header)
        lines[n++] = s->s3.token_header;
    pm3k__http_request req = {
        .method = c->method,
        .url = c->url,
        .headers = lines,
        .header_count = n,
        .body = c->body,
        .sink = {.kind = PM3K__HTTP_SINK_MEMORY, .cap = PM3K__STORAGE_ANSWER_MAX},
        .timeout_ms = c->timeout_ms  ? c->timeout_ms
                      : c->body.read ? PM3K__STORAGE_TRANSFER_MS
                                     : 0,
        .userpwd = s->s3.userpwd,
        .aws_sigv4 = s->s3.sigv4,
        .progress = c->slot ? pm3k__upload_on_progress : NULL,
        .progress_userdata = c->slot,
        .trace = pm3k__storage_trace(s),
        .trace_userdata = (void *)s,
        .secrets = s->secrets,
        .secret_count = s->secret_count,
    };
    return req;
}

static pm3k_code s3_perform(pm3k_storage *s, pm3k__upload_run *run, const s3_call *c,
                            pm3k__http_response *resp, pm3k__attempt *attempt, pm3k_error *err)
{
    char type[200];
    const char *lines[4];
    pm3k__http_request req = s3_request(s, c, type, lines);
    return pm3k__storage_request(s, s->handle, run, &req, resp, attempt, err);
}

/* ---- a small file: one PUT ---- */

static pm3k_code put_whole(pm3k_storage *s, pm3k__upload_run *run, int fd, int64_t size,
                           const char *url, const char *type, pm3k__http_response *resp,
                           pm3k__put_outcome *out, pm3k_error *err)
{
    pm3k__file_range range = {.fd = fd, .offset = 0, .length = size};
    pm3k__upload_slot slot = {run, 0};
    s3_call c = {.method = PM3K__HTTP_PUT,
                 .url = url,
                 .content_type = type,
                 .body = {.read = pm3k__file_range_read,
                          .rewind = pm3k__file_range_rewind,
                          .userdata = &range,
                          .size = size},
                 .slot = &slot};
    pm3k_code rc = s3_perform(s, run, &c, resp, &out->attempt, err);
    if (rc == PM3K_OK)
        conclude(s, resp, out);
    return rc;
}

pm3k_code pm3k__s3_multipart(pm3k_storage *s, pm3k__upload_run *run, int fd, int64_t size,
                             const char *key, const char *type, pm3k__http_response *resp,
                             pm3k__put_outcome *out, pm3k_error *err);

pm3k_code pm3k__s3_put(pm3k_storage *s, pm3k__upload_run *run, int fd, int64_t size,
                       const char *name, pm3k_upload_result *result, pm3k__put_outcome *out,
                       pm3k_error *err)
{
    char key[2100], url[4200];
    const char *type = pm3k__storage_mime(name);
    int n = snprintf(key, sizeof key, "%s%s", s->s3.prefix, name);
    if (n < 0 || (size_t)n >= sizeof key || !object_url(&s->s3, key, NULL, url, sizeof url) ||
        !pm3k__s3_public_url(&s->s3, name, result->url, sizeof result->url)) {
        out->rejected = true;
        snprintf(out->said, sizeof out->said, "the object key or its URL is too long");
        return PM3K_OK;
    }
    pm3k__http_response *resp = calloc(1, sizeof *resp);
    if (!resp)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    pm3k_code rc = size > s->s3.threshold
                       ? pm3k__s3_multipart(s, run, fd, size, key, type, resp, out, err)
                       : put_whole(s, run, fd, size, url, type, resp, out, err);
    pm3k__http_response_reset(resp);
    free(resp);
    return rc;
}

/* ---- multipart ---- */

typedef enum part_state { PART_WAITING, PART_RUNNING, PART_DONE } part_state;

typedef struct part {
    part_state state;
    int retries;
    double retry_at;
    char etag[96];
} part;

typedef struct slot {
    CURL *h;
    pm3k__http_response *resp;
    pm3k__file_range range;
    pm3k__upload_slot progress;
    size_t part; /* index in parts, while busy */
    bool busy;
    char url[4400];
    char type[200];
    const char *lines[4];
} slot;

typedef struct multipart {
    pm3k_storage *s;
    pm3k__upload_run *run;
    int fd;
    int64_t size, part_size;
    const char *key, *type;
    char upload_id[256], upload_id_q[800];
    part *parts;
    size_t count, done;
    slot *slots;
    size_t slot_count;
    CURLM *multi;
    pm3k__put_outcome *out;
    bool failed;
} multipart;

static pm3k_code start_upload(multipart *m, pm3k__http_response *resp, pm3k_error *err)
{
    char url[4200];
    if (!object_url(&m->s->s3, m->key, "uploads=", url, sizeof url))
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "the object key is too long");
    s3_call c = {.method = PM3K__HTTP_POST, .url = url, .content_type = m->type};
    pm3k_code rc = s3_perform(m->s, m->run, &c, resp, &m->out->attempt, err);
    if (rc != PM3K_OK)
        return rc;
    if (m->out->attempt.verdict == PM3K__HTTP_OK &&
        xml_text(resp->body, resp->body_len, "UploadId", m->upload_id, sizeof m->upload_id) &&
        pm3k__storage_encode(m->upload_id, false, m->upload_id_q, sizeof m->upload_id_q))
        return PM3K_OK;
    conclude(m->s, resp, m->out);
    if (m->out->stored) { /* a 2xx without an UploadId */
        m->out->stored = false;
        snprintf(m->out->attempt.reason, sizeof m->out->attempt.reason,
                 "S3 answered the multipart start without an UploadId");
    }
    m->failed = true;
    return PM3K_OK;
}

static pm3k_code start_part(multipart *m, slot *sl, size_t index, pm3k_error *err)
{
    char query[900];
    snprintf(query, sizeof query, "partNumber=%zu&uploadId=%s", index + 1, m->upload_id_q);
    if (!object_url(&m->s->s3, m->key, query, sl->url, sizeof sl->url))
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "the object key is too long");
    int64_t offset = (int64_t)index * m->part_size;
    int64_t len = m->size - offset < m->part_size ? m->size - offset : m->part_size;
    sl->range = (pm3k__file_range){.fd = m->fd, .offset = offset, .length = len};
    m->run->now[sl->progress.index] = 0;
    s3_call c = {.method = PM3K__HTTP_PUT,
                 .url = sl->url,
                 .body = {.read = pm3k__file_range_read,
                          .rewind = pm3k__file_range_rewind,
                          .userdata = &sl->range,
                          .size = len},
                 .slot = &sl->progress};
    pm3k__http_request req = s3_request(m->s, &c, sl->type, sl->lines);
    pm3k_code rc = pm3k__http_prepare(sl->h, &m->s->http, &req, sl->resp, err);
    if (rc != PM3K_OK)
        return rc;
    if (curl_multi_add_handle(m->multi, sl->h) != CURLM_OK)
        return pm3k_error_set(err, PM3K_ERR_LIBRARY, "libcurl refused a transfer");
    sl->busy = true;
    sl->part = index;
    m->parts[index].state = PART_RUNNING;
    return PM3K_OK;
}

/* A part's transfer ended: done, again after a back-off, or the upload
 * fails. */
static void part_finished(multipart *m, slot *sl, CURLcode code)
{
    part *p = &m->parts[sl->part];
    curl_multi_remove_handle(m->multi, sl->h);
    pm3k__http_finish(sl->h, code, sl->resp);
    sl->busy = false;
    m->run->now[sl->progress.index] = 0;
    const char *etag = pm3k__http_header_get(sl->resp, "etag");
    pm3k__http_verdict verdict = sl->resp->result.verdict;
    if (verdict == PM3K__HTTP_OK && etag && strlen(etag) < sizeof p->etag &&
        !strpbrk(etag, "<>&")) {
        snprintf(p->etag, sizeof p->etag, "%s", etag);
        p->state = PART_DONE;
        m->done++;
        m->run->done += sl->range.length;
        return;
    }
    bool stopped = sl->resp->result.stopped || m->run->stopped;
    if (verdict == PM3K__HTTP_TRANSIENT && !stopped && p->retries < PM3K__STORAGE_RETRIES) {
        p->retry_at = pm3k__now() + pm3k__storage_backoff(p->retries);
        p->retries++;
        m->run->retries++;
        p->state = PART_WAITING;
        return;
    }
    m->failed = true;
    m->out->attempt.verdict = verdict;
    m->out->attempt.status = sl->resp->status;
    m->out->attempt.stopped = stopped;
    snprintf(m->out->attempt.reason, sizeof m->out->attempt.reason, "part %zu: %.400s",
             sl->part + 1,
             verdict == PM3K__HTTP_OK     ? "S3 answered without an ETag"
             : sl->resp->result.reason[0] ? sl->resp->result.reason
                                          : curl_easy_strerror(code));
    if (verdict == PM3K__HTTP_DEFINITE && sl->resp->status >= 400) {
        m->out->rejected = true;
        s3_said(m->s, sl->resp, m->out->said, sizeof m->out->said);
    }
}

/* Start what may start: parts waiting whose back-off is over. */
static pm3k_code fill_slots(multipart *m, size_t *next_hint, pm3k_error *err)
{
    double now = pm3k__now();
    for (size_t i = 0; i < m->slot_count && !m->failed; i++) {
        if (m->slots[i].busy)
            continue;
        for (size_t p = *next_hint; p < m->count; p++) {
            if (m->parts[p].state != PART_WAITING || m->parts[p].retry_at > now)
                continue;
            pm3k_code rc = start_part(m, &m->slots[i], p, err);
            if (rc != PM3K_OK)
                return rc;
            break;
        }
    }
    while (*next_hint < m->count && m->parts[*next_hint].state == PART_DONE)
        (*next_hint)++;
    return PM3K_OK;
}

static pm3k_code run_parts(multipart *m, pm3k_error *err)
{
    size_t next_hint = 0;
    int running = 0;
    while (m->done < m->count && !m->failed) {
        pm3k_code rc = fill_slots(m, &next_hint, err);
        if (rc != PM3K_OK)
            return rc;
        curl_multi_perform(m->multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m->multi, &left)))
            for (size_t i = 0; msg->msg == CURLMSG_DONE && i < m->slot_count; i++)
                if (m->slots[i].busy && m->slots[i].h == msg->easy_handle) {
                    part_finished(m, &m->slots[i], msg->data.result);
                    break;
                }
        if (pm3k__upload_stopping(m->run)) {
            m->failed = true;
            m->out->attempt.stopped = true;
        }
        if (!m->failed && m->done < m->count)
            curl_multi_poll(m->multi, NULL, 0, 100, NULL);
    }
    for (size_t i = 0; i < m->slot_count; i++)
        if (m->slots[i].busy) {
            curl_multi_remove_handle(m->multi, m->slots[i].h);
            m->slots[i].busy = false;
        }
    return PM3K_OK;
}

static char *complete_body(const multipart *m, size_t *len)
{
    size_t cap = 128 + m->count * (sizeof m->parts[0].etag + 64);
    char *body = malloc(cap);
    if (!body)
        return NULL;
    size_t n = (size_t)snprintf(body, cap, "<CompleteMultipartUpload>");
    for (size_t i = 0; i < m->count; i++)
        n += (size_t)snprintf(body + n, cap - n,
                              "<Part><PartNumber>%zu</PartNumber><ETag>%s</ETag></Part>", i + 1,
                              m->parts[i].etag);
    n += (size_t)snprintf(body + n, cap - n, "</CompleteMultipartUpload>");
    *len = n;
    return body;
}

static pm3k_code complete_upload(multipart *m, pm3k__http_response *resp, pm3k_error *err)
{
    char url[4200], query[900];
    size_t len = 0;
    snprintf(query, sizeof query, "uploadId=%s", m->upload_id_q);
    if (!object_url(&m->s->s3, m->key, query, url, sizeof url))
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "the object key is too long");
    char *body = complete_body(m, &len);
    if (!body)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    /* S3 joins the parts before it answers (real S3 sends spaces
     * meanwhile, an S3-compatible server may send nothing for long): no
     * stall cut and a long deadline, so a slow join is not cut and sent
     * again */
    s3_call c = {.method = PM3K__HTTP_POST,
                 .url = url,
                 .content_type = "application/xml",
                 .body = {.data = body, .len = len},
                 .timeout_ms = PM3K__STORAGE_TRANSFER_MS};
    curl_easy_setopt(m->s->handle, CURLOPT_LOW_SPEED_TIME, 0L);
    pm3k_code rc = s3_perform(m->s, NULL, &c, resp, &m->out->attempt, err);
    curl_easy_setopt(m->s->handle, CURLOPT_LOW_SPEED_TIME, (m->s->http.timeout_ms + 999) / 1000);
    free(body);
    if (rc != PM3K_OK)
        return rc;
    conclude(m->s, resp, m->out);
    /* S3 may answer 200 and report the failure in the body */
    char code[128];
    if (m->out->stored && xml_text(resp->body, resp->body_len, "Code", code, sizeof code) &&
        resp->body && strstr(resp->body, "<Error>")) {
        m->out->stored = false;
        snprintf(m->out->attempt.reason, sizeof m->out->attempt.reason,
                 "S3 could not complete the multipart upload: %s", code);
    }
    m->failed = !m->out->stored;
    return PM3K_OK;
}

/* Abort, so the parts sent are not kept (and billed) by the store. */
static void abort_upload(multipart *m, pm3k__http_response *resp)
{
    char url[4200], query[900];
    pm3k__attempt attempt;
    pm3k_error ignored = {0};
    snprintf(query, sizeof query, "uploadId=%s", m->upload_id_q);
    if (!object_url(&m->s->s3, m->key, query, url, sizeof url))
        return;
    s3_call c = {.method = PM3K__HTTP_DELETE, .url = url};
    s3_perform(m->s, NULL, &c, resp, &attempt, &ignored);
}

static pm3k_code slots_new(multipart *m, pm3k_error *err)
{
    m->slot_count = (size_t)m->s->s3.part_jobs < m->count ? (size_t)m->s->s3.part_jobs : m->count;
    if (m->slot_count > m->run->now_count)
        m->slot_count = m->run->now_count;
    m->slots = calloc(m->slot_count, sizeof *m->slots);
    m->parts = calloc(m->count, sizeof *m->parts);
    m->multi = curl_multi_init();
    if (!m->slots || !m->parts || !m->multi)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < m->slot_count; i++) {
        slot *sl = &m->slots[i];
        sl->progress = (pm3k__upload_slot){m->run, i};
        if (!(sl->resp = calloc(1, sizeof *sl->resp)))
            return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        if (!(sl->h = pm3k__storage_handle(m->s, err)))
            return PM3K_ERR_LIBRARY;
    }
    return PM3K_OK;
}

static void slots_free(multipart *m)
{
    for (size_t i = 0; m->slots && i < m->slot_count; i++) {
        if (m->slots[i].h)
            curl_easy_cleanup(m->slots[i].h);
        pm3k__http_response_reset(m->slots[i].resp);
        free(m->slots[i].resp);
    }
    if (m->multi)
        curl_multi_cleanup(m->multi);
    free(m->slots);
    free(m->parts);
}

pm3k_code pm3k__s3_multipart(pm3k_storage *s, pm3k__upload_run *run, int fd, int64_t size,
                             const char *key, const char *type, pm3k__http_response *resp,
                             pm3k__put_outcome *out, pm3k_error *err)
{
    multipart m = {.s = s,
                   .run = run,
                   .fd = fd,
                   .size = size,
                   .key = key,
                   .type = type,
                   .out = out,
                   .part_size = s->s3.part_size};
    /* parts grow beyond part_size rather than past S3's count */
    while ((size + m.part_size - 1) / m.part_size > PM3K_S3_MAX_PARTS)
        m.part_size *= 2;
    m.count = (size_t)((size + m.part_size - 1) / m.part_size);
    out->parts = (int)m.count;
    pm3k_code rc = slots_new(&m, err);
    if (rc == PM3K_OK)
        rc = start_upload(&m, resp, err);
    if (rc == PM3K_OK && !m.failed)
        rc = run_parts(&m, err);
    if (rc == PM3K_OK && !m.failed)
        rc = complete_upload(&m, resp, err);
    if (m.upload_id[0] && (rc != PM3K_OK || m.failed)) {
        abort_upload(&m, resp);
        out->stored = false;
    }
    slots_free(&m);
    return rc;
}
