/* pm3k — --deep: a pm3k__source over HTTP range requests, and the remote
 * probe that hands it to the same video/image checks as a local file.
 *
 * Reads go through a small cache of aligned blocks, so the demuxer's many
 * small reads near each other cost one request; a read bigger than two
 * blocks is fetched straight into the caller's buffer, one block per
 * request. No request asks for more than a block and a probe fetches at
 * most MAX_BYTES, whatever the media declares. Every answer must be 206
 * with a Content-Range that matches what was asked, and the ETag and
 * Last-Modified of the first answer (sent back as If-Range); redirects are
 * never followed (core/http.c): a redirect is reported with libcurl's
 * reading of its Location, as the URL checks report one.
 *
 * Why a read fails decides what the URL's item says: a server that does not
 * serve ranges as asked (200 instead of 206, a wrong Content-Range, more
 * bytes than asked, a size or validator that changes, a 4xx or a redirect
 * to a range) is a property of the server, the same on every retry, so
 * --deep is merely unavailable there, as it is for media that needs more
 * than MAX_BYTES; a timeout, a reset or a 5xx is transient. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/redact.h"
#include "core/report_int.h"
#include "probe/url_int.h"

#define BLOCK_SIZE (128 * 1024)
#define BLOCK_COUNT 8
/* Bytes one probe may fetch: a demuxer asking a hostile file for a huge
 * read (an atom declared hundreds of MB long) gets at most this much, one
 * block per request, so a --deep probe stays within a few tens of MB. */
#define MAX_BYTES (16 * 1024 * 1024)
/* Range requests one probe may make: a demuxer walking a hostile file must
 * not turn into an endless stream of requests. */
#define MAX_REQUESTS 4096
/* The whole --deep probe of one URL may take this many request timeouts. */
#define DEADLINE_TIMEOUTS 4

typedef struct block {
    int64_t start; /* -1: empty */
    size_t len;
    uint64_t used; /* LRU stamp */
    char *data;
} block;

typedef struct remote {
    CURL *easy;
    const pm3k__http_ctx *http;
    const char *url;
    int64_t size; /* known after the first answer */
    struct timespec deadline;
    block blocks[BLOCK_COUNT];
    uint64_t clock;
    pm3k__http_response resp;
    /* The first answer's validators: every later answer must carry the
     * same, so bytes that change between requests are noticed. */
    char etag[PM3K__HTTP_MAX_VALUE + 1];
    char last_modified[PM3K__HTTP_MAX_VALUE + 1];
    char if_range[PM3K__HTTP_MAX_VALUE + 16]; /* "If-Range: ..." or "" */
    /* the request in flight */
    char *dest;
    size_t dest_cap, dest_len;
    bool overflow;
    pm3k__stop_fn stopping; /* the run stops: give up */
    void *stopping_data;
    /* results */
    bool failed;
    pm3k__deep_outcome outcome; /* when failed */
    char reason[256];
    int64_t bytes_fetched;
    int requests;
} remote;

static size_t on_range_body(void *userdata, const pm3k__http_response *resp, const char *data,
                            size_t len)
{
    remote *r = userdata;
    /* A whole file instead of the range (Range ignored), or an error page:
     * its body is of no use. */
    if (resp->status != 206)
        return 0;
    if (len > r->dest_cap - r->dest_len) {
        r->overflow = true;
        return 0;
    }
    memcpy(r->dest + r->dest_len, data, len);
    r->dest_len += len;
    return len;
}

static bool fail(remote *r, pm3k__deep_outcome outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record why the remote read failed; returns false for the caller. */
static bool fail(remote *r, pm3k__deep_outcome outcome, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    r->failed = true;
    r->outcome = outcome;
    return false;
}

/* A stopping run cuts the request short. */
static bool on_range_progress(void *userdata, const pm3k__http_progress *progress)
{
    remote *r = userdata;
    (void)progress;
    return !r->stopping(r->stopping_data);
}

static bool stopped(remote *r)
{
    if (!r->stopping || !r->stopping(r->stopping_data))
        return false;
    return fail(r, PM3K__DEEP_STOPPED, "the run stopped before --deep was done");
}

/* GET bytes first..last into dest, within the probe's bounds (requests,
 * deadline). False (r->failed says why) when no answer came to judge. */
static bool request_range(remote *r, int64_t first, int64_t last, char *dest)
{
    char range[64];
    pm3k_error err = {0};

    if (stopped(r))
        return false;
    if (r->requests >= MAX_REQUESTS)
        return fail(r, PM3K__DEEP_UNAVAILABLE,
                    "reading the media needed more than %d range requests", MAX_REQUESTS);
    if (r->bytes_fetched + (last - first + 1) > MAX_BYTES)
        return fail(r, PM3K__DEEP_UNAVAILABLE,
                    "reading the media needed more than %d MiB, which --deep does not fetch",
                    MAX_BYTES / (1024 * 1024));
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t left_ms = (int64_t)(r->deadline.tv_sec - now.tv_sec) * 1000 +
                      (r->deadline.tv_nsec - now.tv_nsec) / 1000000;
    if (left_ms <= 0)
        return fail(r, PM3K__DEEP_TRANSIENT, "--deep took longer than %ld s",
                    r->http->timeout_ms * DEADLINE_TIMEOUTS / 1000);
    r->requests++;
    snprintf(range, sizeof range, "%lld-%lld", (long long)first, (long long)last);
    const char *const headers[] = {r->if_range};
    pm3k__http_request req = {
        .method = PM3K__HTTP_GET,
        .url = r->url,
        .headers = headers,
        .header_count = r->if_range[0] ? 1 : 0,
        .range = range,
        .timeout_ms = left_ms < r->http->timeout_ms ? (long)left_ms : 0,
        .sink = {.kind = PM3K__HTTP_SINK_CALLBACK, .write = on_range_body, .userdata = r},
        .progress = r->stopping ? on_range_progress : NULL,
        .progress_userdata = r,
    };
    r->dest = dest;
    r->dest_cap = (size_t)(last - first + 1);
    r->dest_len = 0;
    r->overflow = false;
    if (pm3k__http_perform(r->easy, r->http, &req, &r->resp, &err) != PM3K_OK)
        return fail(r, PM3K__DEEP_TRANSIENT, "--deep cannot set up a request: %s", err.message);
    r->bytes_fetched += (int64_t)r->dest_len;
    return !stopped(r);
}

/* What the answer to a range request says, before its bytes are checked. */
static bool range_answered(remote *r)
{
    const pm3k__http_result *result = &r->resp.result;
    char location[160];
    switch (result->verdict) {
    case PM3K__HTTP_OK:
        return true;
    case PM3K__HTTP_REDIRECT:
        pm3k__http_location(&r->resp, location, sizeof location);
        return fail(r, PM3K__DEEP_UNAVAILABLE,
                    "the server answered a Range request with a redirect to %s",
                    location[0] ? location : "?");
    case PM3K__HTTP_DEFINITE:
        return fail(r, PM3K__DEEP_UNAVAILABLE, "a Range request failed: %.159s", result->reason);
    case PM3K__HTTP_TRANSIENT:
        return fail(r, PM3K__DEEP_TRANSIENT, "a --deep range request failed: %.159s",
                    result->reason);
    case PM3K__HTTP_CONFIG:
        return fail(r, PM3K__DEEP_CONFIG, "%.159s", result->reason);
    }
    return true;
}

/* A validator fit to send back: printable ASCII only (it came from the
 * server), and for If-Range a strong ETag (a weak one cannot be used). */
static bool sendable(const char *value)
{
    if (!value[0])
        return false;
    for (const char *p = value; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return false;
    return true;
}

/* The first answer pins the file's ETag and Last-Modified (and If-Range
 * asks the server to send 200 rather than other bytes once they change);
 * every later answer, 206 or not, must carry the same ones. */
static bool same_file(remote *r)
{
    const char *etag = pm3k__http_header_get(&r->resp, "ETag");
    const char *modified = pm3k__http_header_get(&r->resp, "Last-Modified");
    if (r->requests == 1) {
        snprintf(r->etag, sizeof r->etag, "%s", etag ? etag : "");
        snprintf(r->last_modified, sizeof r->last_modified, "%s", modified ? modified : "");
        if (sendable(r->etag) && strncmp(r->etag, "W/", 2) != 0)
            snprintf(r->if_range, sizeof r->if_range, "If-Range: %s", r->etag);
        else if (sendable(r->last_modified))
            snprintf(r->if_range, sizeof r->if_range, "If-Range: %s", r->last_modified);
        return true;
    }
    char was[96], now[96];
    if (r->etag[0] && etag && strcmp(etag, r->etag) != 0) {
        pm3k__redact_header("ETag", r->etag, was, sizeof was);
        pm3k__redact_header("ETag", etag, now, sizeof now);
        return fail(r, PM3K__DEEP_UNAVAILABLE,
                    "the file changed while it was read (ETag %s, then %s)", was, now);
    }
    if (r->last_modified[0] && modified && strcmp(modified, r->last_modified) != 0) {
        pm3k__redact_header("Last-Modified", r->last_modified, was, sizeof was);
        pm3k__redact_header("Last-Modified", modified, now, sizeof now);
        return fail(r, PM3K__DEEP_UNAVAILABLE,
                    "the file changed while it was read (Last-Modified %s, then %s)", was, now);
    }
    return true;
}

/* GET bytes first..last (inclusive) into dest. With r->size unknown (-1) the
 * answer's Content-Range sets it. */
static bool fetch_range(remote *r, int64_t first, int64_t last, char *dest)
{
    int64_t want = last - first + 1;
    if (!request_range(r, first, last, dest))
        return false;
    if (r->resp.status >= 200 && r->resp.status < 300 && !same_file(r))
        return false;
    if (r->overflow)
        return fail(r, PM3K__DEEP_UNAVAILABLE,
                    "a Range request for bytes %lld-%lld got more bytes than asked",
                    (long long)first, (long long)last);
    if (!range_answered(r))
        return false;
    if (r->resp.status != 206)
        return fail(r, PM3K__DEEP_UNAVAILABLE,
                    "the server answered %ld to a Range request, not 206 (Range ignored)",
                    r->resp.status);
    int64_t cr_first, cr_last, cr_total;
    const char *cr = pm3k__http_header_get(&r->resp, "Content-Range");
    if (!cr || !pm3k__http_parse_content_range(cr, &cr_first, &cr_last, &cr_total))
        return fail(r, PM3K__DEEP_UNAVAILABLE, "a 206 answer without a valid Content-Range");
    if (r->size < 0) {
        if (cr_total < 0)
            return fail(r, PM3K__DEEP_UNAVAILABLE,
                        "the server does not say the file's size (Content-Range */*)");
        r->size = cr_total;
        if (last >= r->size)
            last = r->size - 1;
        want = last - first + 1;
    }
    if (cr_total >= 0 && cr_total != r->size)
        return fail(r, PM3K__DEEP_UNAVAILABLE,
                    "the file changed size while it was read (%lld, then %lld bytes)",
                    (long long)r->size, (long long)cr_total);
    if (cr_first != first || cr_last != last || (int64_t)r->dest_len != want)
        return fail(r, PM3K__DEEP_UNAVAILABLE,
                    "a Range request for bytes %lld-%lld got bytes %lld-%lld (%lld bytes)",
                    (long long)first, (long long)last, (long long)cr_first, (long long)cr_last,
                    (long long)r->dest_len);
    return true;
}

static block *find_block(remote *r, int64_t pos)
{
    for (int i = 0; i < BLOCK_COUNT; i++) {
        block *b = &r->blocks[i];
        if (b->start >= 0 && pos >= b->start && pos < b->start + (int64_t)b->len) {
            b->used = ++r->clock;
            return b;
        }
    }
    return NULL;
}

static block *load_block(remote *r, int64_t pos)
{
    block *victim = &r->blocks[0];
    for (int i = 1; i < BLOCK_COUNT; i++)
        if (r->blocks[i].used < victim->used)
            victim = &r->blocks[i];
    if (!victim->data && !(victim->data = malloc(BLOCK_SIZE))) {
        fail(r, PM3K__DEEP_TRANSIENT, "out of memory");
        return NULL;
    }
    int64_t start = pos - pos % BLOCK_SIZE;
    int64_t last = start + BLOCK_SIZE - 1;
    if (r->size >= 0 && last >= r->size)
        last = r->size - 1;
    victim->start = -1;
    if (!fetch_range(r, start, last, victim->data))
        return NULL;
    /* fetch_range may have learnt the size and shortened the range. */
    if (r->size >= 0 && last >= r->size)
        last = r->size - 1;
    victim->start = start;
    victim->len = (size_t)(last - start + 1);
    victim->used = ++r->clock;
    return victim;
}

static int64_t remote_read_at(void *ctx, int64_t offset, void *buf, size_t len)
{
    remote *r = ctx;
    size_t done = 0;
    if (r->failed)
        return -1;
    if (offset < 0 || offset >= r->size)
        return 0;
    if ((int64_t)len > r->size - offset)
        len = (size_t)(r->size - offset);
    /* Each pass copies at least one byte or fails: bounded by len. */
    while (done < len) {
        int64_t pos = offset + (int64_t)done;
        size_t left = len - done;
        block *b = find_block(r, pos);
        if (!b && left >= 2 * (size_t)BLOCK_SIZE) {
            /* A big read goes straight to the caller, one block at a time. */
            size_t n = left < (size_t)BLOCK_SIZE ? left : (size_t)BLOCK_SIZE;
            if (!fetch_range(r, pos, pos + (int64_t)n - 1, (char *)buf + done))
                return -1;
            done += n;
            continue;
        }
        if (!b && !(b = load_block(r, pos)))
            return -1;
        size_t avail = (size_t)(b->start + (int64_t)b->len - pos);
        size_t n = avail < left ? avail : left;
        memcpy((char *)buf + done, b->data + (pos - b->start), n);
        done += n;
    }
    return (int64_t)done;
}

/* ---- the remote probe ---- */

void pm3k__deep_probe(const pm3k_probe_config *config, CURL *easy, const pm3k__http_ctx *http,
                      const char *url, const char *path_ext, int64_t size, pm3k__stop_fn stopping,
                      void *stopping_data, pm3k_item *item, pm3k__deep_result *result)
{
    remote r = {.easy = easy,
                .http = http,
                .url = url,
                .size = size,
                .stopping = stopping,
                .stopping_data = stopping_data};
    pm3k__source src = {0};
    pm3k__sniff sniff;
    char *header_type = NULL;

    memset(result, 0, sizeof *result);
    for (int i = 0; i < BLOCK_COUNT; i++)
        r.blocks[i].start = -1;
    clock_gettime(CLOCK_MONOTONIC, &r.deadline);
    r.deadline.tv_sec += (time_t)(http->timeout_ms * DEADLINE_TIMEOUTS / 1000);
    /* The first block tells whether ranges work and, if need be, the size. */
    if (r.size != 0 && !load_block(&r, 0))
        goto out;
    src.ctx = &r;
    src.name = url;
    src.path = NULL;
    src.fd = -1;
    src.size = r.size < 0 ? 0 : r.size;
    src.read_at = remote_read_at;

    if (!pm3k__sniff_source(&src, &sniff))
        goto out;

    /* Facts and messages as the local probe gives them: the media type
     * sniffed from the content stands in for content_type while the checks
     * run; the HTTP Content-Type goes back in afterwards. */
    header_type = pm3k_item_fact_text(item, "content_type");
    pm3k_item_fact_str(item, "media_type", sniff.format->name);
    pm3k__probe_sniffed(config, &src, &sniff, path_ext, item);
    if (header_type)
        pm3k_item_fact_str(item, "content_type", header_type);
    else
        pm3k_item_fact_null(item, "content_type");

out:
    result->outcome = r.failed ? r.outcome : PM3K__DEEP_READ;
    snprintf(result->reason, sizeof result->reason, "%s", r.reason);
    result->bytes_fetched = r.bytes_fetched;
    result->requests = r.requests;
    free(header_type);
    for (int i = 0; i < BLOCK_COUNT; i++)
        free(r.blocks[i].data);
    pm3k__http_response_reset(&r.resp);
}
