/* pm3k — storage: one interface over two targets (PM3K storage in
 * upload/pm3k_store.c, S3 in upload/s3.c). What both share lives here: the
 * file streamed from disk in constant memory, the retries with back-off,
 * progress and stop, the history (the same bytes are not sent twice; only
 * a complete upload is recorded), the item, and the public URL's check,
 * which is pm3k probe's URL check itself (a batch of one URL). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/redact.h"
#include "upload/api_int.h"
#include "upload/storage_int.h"

/* ---- the file, streamed ---- */

size_t pm3k__file_range_read(void *userdata, char *buf, size_t len)
{
    pm3k__file_range *r = userdata;
    int64_t left = r->length - r->pos;
    size_t want = left < (int64_t)len ? (size_t)left : len;
    if (want == 0)
        return 0;
    ssize_t got = pread(r->fd, buf, want, (off_t)(r->offset + r->pos));
    if (got <= 0) /* an error, or the file got shorter under us */
        return PM3K__HTTP_READ_ABORT;
    r->pos += got;
    return (size_t)got;
}

bool pm3k__file_range_rewind(void *userdata)
{
    ((pm3k__file_range *)userdata)->pos = 0;
    return true;
}

/* ---- progress and stop ---- */

bool pm3k__upload_stopping(pm3k__upload_run *run)
{
    const pm3k_storage_options *o = &run->storage->opt;
    if (!run->stopped && o->stopping && o->stopping(o->stopping_userdata))
        run->stopped = true;
    return run->stopped;
}

void pm3k__upload_report(pm3k__upload_run *run, bool force)
{
    const pm3k_storage_options *o = &run->storage->opt;
    double now = pm3k__now();
    if (!o->progress || (!force && now - run->last_report < 0.5))
        return;
    run->last_report = now;
    int64_t sent = run->done;
    for (size_t i = 0; i < run->now_count; i++)
        sent += run->now[i];
    pm3k_upload_progress p = {run->path, sent, run->total, now - run->started};
    o->progress(o->progress_userdata, &p);
}

bool pm3k__upload_on_progress(void *userdata, const pm3k__http_progress *progress)
{
    pm3k__upload_slot *slot = userdata;
    slot->run->now[slot->index] = progress->upload_now;
    pm3k__upload_report(slot->run, false);
    return !pm3k__upload_stopping(slot->run);
}

/* ---- requests ---- */

static void trace_line(void *userdata, pm3k__http_trace_kind kind, const char *line)
{
    const pm3k_storage *s = userdata;
    char out[2100];
    pm3k__http_trace_format(kind, line, out, sizeof out);
    s->opt.trace(s->opt.trace_userdata, out);
}

pm3k__http_trace_fn pm3k__storage_trace(const pm3k_storage *s)
{
    return s->opt.trace ? trace_line : NULL;
}

double pm3k__storage_backoff(int retry)
{
    double wait = PM3K__STORAGE_BACKOFF_S;
    for (int i = 0; i < retry; i++)
        wait *= 2;
    return wait;
}

CURL *pm3k__storage_handle(pm3k_storage *s, pm3k_error *err)
{
    CURL *h = pm3k__http_handle_new(&s->http, err);
    if (!h)
        return NULL;
    /* A stalled transfer is cut after --timeout without a byte moving. */
    long stall_s = (s->http.timeout_ms + 999) / 1000;
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall_s);
    return h;
}

/* Sleep until `at`, waking to see whether the run stops. */
static bool wait_unless_stopped(pm3k__upload_run *run, double at)
{
    while (pm3k__now() < at) {
        if (run && pm3k__upload_stopping(run))
            return false;
        double left = at - pm3k__now();
        pm3k__sleep_until(pm3k__now() + (left < 0.1 ? left : 0.1));
    }
    return !(run && pm3k__upload_stopping(run));
}

pm3k_code pm3k__storage_request(pm3k_storage *s, CURL *h, pm3k__upload_run *run,
                                const pm3k__http_request *req, pm3k__http_response *resp,
                                pm3k__attempt *attempt, pm3k_error *err)
{
    memset(attempt, 0, sizeof *attempt);
    for (int retry = 0;; retry++) {
        if (req->body.rewind)
            req->body.rewind(req->body.userdata);
        pm3k_code rc = pm3k__http_perform(h, &s->http, req, resp, err);
        if (rc != PM3K_OK)
            return rc;
        attempt->verdict = resp->result.verdict;
        attempt->status = resp->status;
        attempt->stopped = resp->result.stopped || (run && run->stopped);
        snprintf(attempt->reason, sizeof attempt->reason, "%s",
                 resp->result.reason[0] ? resp->result.reason
                                        : curl_easy_strerror(resp->result.code));
        if (attempt->verdict == PM3K__HTTP_CONFIG)
            return pm3k__http_config_error(&s->opt.http, resp->result.reason, err);
        if (attempt->verdict != PM3K__HTTP_TRANSIENT || attempt->stopped ||
            retry >= PM3K__STORAGE_RETRIES)
            return PM3K_OK;
        attempt->retries++;
        if (run)
            run->retries++;
        if (!wait_unless_stopped(run, pm3k__now() + pm3k__storage_backoff(retry))) {
            attempt->stopped = true;
            return PM3K_OK;
        }
    }
}

/* ---- names ---- */

const char *pm3k__storage_mime(const char *name)
{
    static const struct {
        const char *ext, *mime;
    } types[] = {{"mp4", "video/mp4"},  {"m4v", "video/mp4"},   {"mov", "video/quicktime"},
                 {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"}, {"webp", "image/webp"},
                 {"png", "image/png"},  {"webm", "video/webm"}, {"gif", "image/gif"}};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcasecmp(dot + 1, types[i].ext) == 0)
            return types[i].mime;
    return "application/octet-stream";
}

bool pm3k__storage_encode(const char *name, bool keep_slash, char *out, size_t out_len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                     (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~' ||
                     (keep_slash && *p == '/');
        if (n + 4 > out_len)
            return false;
        if (plain) {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
    return true;
}

/* ---- the storage ---- */

pm3k_code pm3k_storage_new(const pm3k_storage_options *opt, pm3k_storage **out, pm3k_error *err)
{
    *out = NULL;
    if (!opt->to || !*opt->to)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "give the target: --to pm3k or --to s3://BUCKET/PREFIX");
    pm3k_storage *s = calloc(1, sizeof *s);
    if (!s)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    s->opt = *opt;
    pm3k_code rc;
    if (strcmp(opt->to, "pm3k") == 0) {
        s->kind = PM3K__TARGET_PM3K;
        rc = pm3k__pm3k_setup(s, err);
    } else if (strncmp(opt->to, "s3://", 5) == 0) {
        s->kind = PM3K__TARGET_S3;
        rc = pm3k__s3_setup(s, err);
    } else {
        rc = pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                            "--to takes pm3k or s3://BUCKET/PREFIX, not '%s'", opt->to);
    }
    if (rc == PM3K_OK)
        rc = pm3k__http_ctx_init(&s->http, &opt->http, err);
    if (rc == PM3K_OK && !(s->handle = pm3k__storage_handle(s, err)))
        rc = PM3K_ERR_LIBRARY;
    if (rc != PM3K_OK) {
        pm3k_storage_free(s);
        return rc;
    }
    *out = s;
    return PM3K_OK;
}

void pm3k_storage_free(pm3k_storage *s)
{
    if (!s)
        return;
    if (s->handle)
        curl_easy_cleanup(s->handle);
    pm3k__http_ctx_free(&s->http);
    pm3k__s3_free(&s->s3);
    free(s);
}

const char *pm3k_storage_target(const pm3k_storage *s)
{
    return s->target;
}

bool pm3k_storage_is_s3(const pm3k_storage *s)
{
    return s->kind == PM3K__TARGET_S3;
}

/* ---- the public URL, checked as pm3k probe checks a URL ---- */

typedef struct url_check {
    pm3k_item_fn emit;
    void *userdata;
    bool seen;
    pm3k_status status;
    int64_t length;
    bool has_length;
    char codes[256];
} url_check;

/* The finding codes above info, "a, b", into out. */
static void item_codes(const pm3k_item *item, char *out, size_t out_len)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < pm3k_item_finding_count(item) && n + 2 < out_len; i++) {
        const pm3k_finding *f = pm3k_item_finding(item, i);
        if (pm3k_finding_severity(f) == PM3K_SEV_INFO)
            continue;
        int w = snprintf(out + n, out_len - n, "%s%s", n ? ", " : "", f->rule->code);
        n = w < 0 ? n : n + (size_t)w >= out_len ? out_len - 1 : n + (size_t)w;
    }
}

static pm3k_code on_url_item(void *userdata, const pm3k_item *item)
{
    url_check *c = userdata;
    c->seen = true;
    c->status = pm3k_item_status(item);
    c->has_length = pm3k_item_fact_get_int(item, "content_length", &c->length);
    item_codes(item, c->codes, sizeof c->codes);
    return c->emit(c->userdata, item);
}

static pm3k_code check_public_url(pm3k_storage *s, const char *url, int64_t size, pm3k_item *item,
                                  pm3k_upload_result *result, pm3k_item_fn emit, void *userdata,
                                  pm3k_error *err)
{
    url_check c = {.emit = emit, .userdata = userdata};
    pm3k_probe_config config;
    pm3k_probe_config_init(&config);
    config.limits = s->opt.limits;
    config.domain = s->s3.domain;
    config.http = s->opt.http;
    config.jobs = 1;
    pm3k_batch *batch = NULL;
    pm3k_code rc = pm3k_batch_new(&config, &batch, err);
    if (rc == PM3K_OK && (rc = pm3k_batch_add(batch, url, err)) == PM3K_OK)
        rc = pm3k_batch_run(batch, on_url_item, &c, err);
    pm3k_batch_free(batch);
    if (rc != PM3K_OK)
        return rc;
    char why[400];
    pm3k_item_fact_bool(item, "public_url_checked", c.seen);
    if (c.seen && c.status == PM3K_STATUS_ERROR) {
        snprintf(why, sizeof why, "the URL check could not finish (%s)", c.codes);
        return pm3k_item_add(item, PM3K_RULE_PUBLIC_URL_UNCHECKED, "url", url, "why", why,
                             PM3K_END);
    }
    if (!c.seen || c.status == PM3K_STATUS_FAIL) {
        snprintf(why, sizeof why, "the URL check fails it (%s; see its url item)", c.codes);
        return pm3k_item_add(item, PM3K_RULE_PUBLIC_URL_FAILED, "url", url, "why", why, PM3K_END);
    }
    if (c.has_length && c.length != size) {
        snprintf(why, sizeof why,
                 "it serves %lld bytes, the upload stored %lld: another file is there",
                 (long long)c.length, (long long)size);
        return pm3k_item_add(item, PM3K_RULE_PUBLIC_URL_FAILED, "url", url, "why", why, PM3K_END);
    }
    result->fetchable = true;
    return PM3K_OK;
}

/* ---- one upload ---- */

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The file, opened and fingerprinted; a problem with it is the item's. */
static pm3k_code open_file(const char *path, pm3k_item *item, int *fd_out, struct stat *st,
                           pm3k_upload_result *result, pm3k_error *err)
{
    pm3k_error why = {0};
    *fd_out = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return pm3k_item_add(item, PM3K_RULE_INPUT_MISSING, PM3K_END);
        return pm3k_item_add(item, PM3K_RULE_INPUT_UNREADABLE, "reason", strerror(errno), PM3K_END);
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return pm3k_item_add(item, PM3K_RULE_INPUT_UNREADABLE, "reason", "it is not a regular file",
                             PM3K_END);
    }
    pm3k_code rc = pm3k__sha256_fd(fd, path, result->sha256, &result->size, &why);
    if (rc == PM3K_ERR_NOMEM) {
        close(fd);
        return pm3k_error_set(err, rc, "out of memory");
    }
    if (rc != PM3K_OK || result->size != (int64_t)st->st_size) {
        close(fd);
        result->sha256[0] = '\0';
        return pm3k_item_add(item, PM3K_RULE_INPUT_UNREADABLE, "reason",
                             rc != PM3K_OK ? why.message : "it changed while it was read",
                             PM3K_END);
    }
    *fd_out = fd;
    return PM3K_OK;
}

/* The earlier upload of the same bytes, when the history has one. */
static pm3k_code find_earlier(pm3k_storage *s, const char *name, const char *album_id,
                              pm3k_upload_result *result, pm3k_error *err)
{
    bool found = false;
    /* An image belongs to the album it was uploaded with: a carousel's
     * images are sent together. */
    if (!s->opt.history || s->opt.force || album_id ||
        (s->kind == PM3K__TARGET_PM3K && strncmp(pm3k__storage_mime(name), "image", 5) == 0))
        return PM3K_OK;
    pm3k_code rc = pm3k_history_find_upload(s->opt.history, result->sha256, result->size, s->target,
                                            result->url, sizeof result->url, &found, err);
    if (rc == PM3K_OK && !found)
        result->url[0] = '\0';
    result->reused = found;
    result->stored = found;
    return rc;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ino == b->st_ino;
}

/* Send the bytes to the target; the outcome becomes the item's findings. */
static pm3k_code send_file(pm3k_storage *s, const char *path, int fd, const struct stat *st,
                           const char *album_id, pm3k_item *item, pm3k_upload_result *result,
                           pm3k_error *err)
{
    int64_t now_bytes[PM3K_S3_PART_JOBS * 4 + 1] = {0};
    pm3k__upload_run run = {.storage = s,
                            .path = path,
                            .total = result->size,
                            .now = now_bytes,
                            .now_count = sizeof now_bytes / sizeof now_bytes[0],
                            .started = pm3k__now()};
    pm3k__put_outcome out = {.stored_size = -1};
    pm3k_code rc =
        s->kind == PM3K__TARGET_PM3K
            ? pm3k__pm3k_put(s, &run, fd, result->size, base_name(path), album_id, result, &out,
                             err)
            : pm3k__s3_put(s, &run, fd, result->size, base_name(path), result, &out, err);
    if (rc != PM3K_OK)
        return rc;
    double elapsed = pm3k__now() - run.started;
    struct stat after;
    pm3k_item_fact_bool(item, "sent", true);
    pm3k_item_fact_int(item, "retries", run.retries);
    if (out.parts)
        pm3k_item_fact_int(item, "parts", out.parts);
    if (out.attempt.status)
        pm3k_item_fact_int(item, "http_status", out.attempt.status);
    pm3k_item_fact_int(item, "elapsed_ms", (int64_t)(elapsed * 1000));
    if (out.stored && (fstat(fd, &after) != 0 || !same_file(st, &after))) {
        out.stored = false;
        snprintf(out.attempt.reason, sizeof out.attempt.reason,
                 "the file changed while it was sent");
    } else if (out.stored && out.stored_size >= 0 && out.stored_size != result->size) {
        out.stored = false;
        snprintf(out.attempt.reason, sizeof out.attempt.reason,
                 "the storage says it stored %lld bytes of %lld", (long long)out.stored_size,
                 (long long)result->size);
    }
    result->stored = out.stored;
    if (out.stored) {
        pm3k__upload_report(&run, true);
        if (elapsed > 0)
            pm3k_item_fact_num(item, "bytes_per_second", (double)result->size / elapsed);
        return PM3K_OK;
    }
    result->url[0] = '\0';
    result->album_id[0] = '\0';
    if (out.rejected)
        return pm3k_item_add(item, PM3K_RULE_UPLOAD_REJECTED, "said", out.said, PM3K_END);
    if (run.stopped || out.attempt.stopped)
        snprintf(out.attempt.reason, sizeof out.attempt.reason, "stopped by a signal");
    pm3k_item_fact_bool(item, "interrupted", run.stopped || out.attempt.stopped);
    return pm3k_item_add(item, PM3K_RULE_UPLOAD_FAILED, "reason", out.attempt.reason, PM3K_END);
}

static pm3k_code record(pm3k_storage *s, const pm3k_upload_result *result, pm3k_error *err)
{
    if (!s->opt.history)
        return PM3K_OK;
    pm3k_upload_record rec = {.account = s->account,
                              .file_sha256 = result->sha256,
                              .size = result->size,
                              .target = s->target,
                              .url = result->url,
                              .album_id = result->album_id[0] ? result->album_id : NULL};
    return pm3k_history_record_upload(s->opt.history, &rec, (int64_t)time(NULL), err);
}

static pm3k_code upload_stored(pm3k_storage *s, pm3k_item *item, pm3k_upload_result *result,
                               pm3k_item_fn emit, void *userdata, pm3k_error *err)
{
    pm3k_code rc = PM3K_OK;
    char short_sha[17], size_text[32];
    snprintf(size_text, sizeof size_text, "%lld", (long long)result->size);
    memcpy(short_sha, result->sha256, sizeof short_sha - 1);
    short_sha[sizeof short_sha - 1] = '\0';
    if (result->reused)
        rc = pm3k_item_add(item, PM3K_RULE_ALREADY_UPLOADED, "url", result->url, "sha256",
                           short_sha, "target", s->target, PM3K_END);
    else if ((rc = record(s, result, err)) == PM3K_OK)
        rc = pm3k_item_add(item, PM3K_RULE_UPLOADED, "url", result->url, "size", size_text,
                           PM3K_END);
    if (rc != PM3K_OK)
        return rc;
    if (s->kind == PM3K__TARGET_PM3K) {
        result->fetchable = true; /* PM3K serves its own storage */
        return PM3K_OK;
    }
    return check_public_url(s, result->url, result->size, item, result, emit, userdata, err);
}

static void upload_facts(const pm3k_storage *s, pm3k_item *item, const pm3k_upload_result *r)
{
    pm3k_item_fact_str(item, "target", s->target);
    if (r->url[0])
        pm3k_item_fact_str(item, "url", r->url);
    else
        pm3k_item_fact_null(item, "url");
    pm3k_item_fact_int(item, "size", r->size);
    if (r->sha256[0])
        pm3k_item_fact_str(item, "sha256", r->sha256);
    if (r->album_id[0])
        pm3k_item_fact_str(item, "album_id", r->album_id);
    pm3k_item_fact_bool(item, "stored", r->stored);
    pm3k_item_fact_bool(item, "reused", r->reused);
    pm3k_item_fact_bool(item, "fetchable", r->fetchable);
}

pm3k_code pm3k_storage_upload(pm3k_storage *s, const char *path, const char *album_id,
                              pm3k_item *item, pm3k_item_fn emit, void *userdata,
                              pm3k_upload_result *result, pm3k_error *err)
{
    struct stat st;
    int fd = -1;
    memset(result, 0, sizeof *result);
    if (!item && (item = pm3k_item_new(PM3K_KIND_UPLOAD, path)))
        pm3k_item_set_input(item, 0);
    if (!item)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    pm3k_item_set_kind(item, PM3K_KIND_UPLOAD);
    pm3k_item_fact_bool(item, "sent", false);
    pm3k_code rc = open_file(path, item, &fd, &st, result, err);
    if (rc != PM3K_OK || fd < 0)
        goto done;
    if ((rc = find_earlier(s, base_name(path), album_id, result, err)) != PM3K_OK)
        goto done;
    if (!result->reused &&
        (rc = send_file(s, path, fd, &st, album_id, item, result, err)) != PM3K_OK)
        goto done;
    if (result->stored)
        rc = upload_stored(s, item, result, emit, userdata, err);
done:
    if (fd >= 0)
        close(fd);
    if (!result->stored && !result->reused)
        result->url[0] = '\0';
    upload_facts(s, item, result);
    if (rc == PM3K_OK)
        rc = emit(userdata, item);
    pm3k_item_free(item);
    return rc;
}

pm3k_code pm3k_storage_retain(pm3k_storage *s, const char *album_id, pm3k_item_fn emit,
                              void *userdata, pm3k_error *err)
{
    if (s->kind != PM3K__TARGET_PM3K)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "--retain goes with --to pm3k");
    pm3k_item *item = pm3k_item_new(PM3K_KIND_UPLOAD, album_id);
    if (!item)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    pm3k_item_set_input(item, 0);
    pm3k_item_fact_str(item, "album_id", album_id);
    pm3k_code rc = pm3k__pm3k_retain(s, album_id, item, err);
    if (rc == PM3K_OK)
        rc = emit(userdata, item);
    pm3k_item_free(item);
    return rc;
}
