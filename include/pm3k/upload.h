/* pm3k — uploads (PM3K storage and S3-compatible targets) and publish
 * (probe -> upload -> payload -> post -> status).
 *
 * One storage interface, two targets: "pm3k" (the storage contract of
 * SPEC.md: a streaming PUT answered by JSON with the public URL) and
 * "s3://BUCKET/PREFIX" (SigV4 through libcurl, multipart above a
 * threshold). Files stream from disk in constant memory. Every upload is
 * an item (kind upload); an S3 upload's public URL is then checked exactly
 * as pm3k probe checks a URL (its own item, kind url). Only a complete
 * upload is recorded in the history, so the same bytes are not sent twice.
 * Nothing here prints; the API key and the S3 secret never leave the
 * client (not in items, messages, traces or the history). */
#ifndef PM3K_UPLOAD_H
#define PM3K_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm3k/api.h"
#include "pm3k/error.h"
#include "pm3k/history.h"
#include "pm3k/http.h"
#include "pm3k/probe.h"
#include "pm3k/report.h"
#include "pm3k/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Multipart defaults (S3): files over the threshold go in parts of
 * part_size, part_jobs at a time. S3 takes parts of 5 MiB at least (the
 * last one aside) and 10,000 parts at most. */
#define PM3K_S3_MULTIPART_THRESHOLD (64LL * 1024 * 1024)
#define PM3K_S3_PART_SIZE (16LL * 1024 * 1024)
#define PM3K_S3_MIN_PART_SIZE (5LL * 1024 * 1024)
#define PM3K_S3_MAX_PARTS 10000
#define PM3K_S3_PART_JOBS 4

/* What an upload reports as it goes (about once a second). */
typedef struct pm3k_upload_progress {
    const char *path;
    int64_t sent, total; /* bytes */
    double elapsed_s;
} pm3k_upload_progress;
typedef void (*pm3k_upload_progress_fn)(void *userdata, const pm3k_upload_progress *progress);
/* Asked during transfers and between retries: true stops the upload. */
typedef bool (*pm3k_upload_stop_fn)(void *userdata);

typedef enum pm3k_addressing {
    PM3K_ADDRESSING_AUTO = 0, /* path-style with AWS_ENDPOINT_URL, virtual-host for AWS */
    PM3K_ADDRESSING_PATH,
    PM3K_ADDRESSING_VIRTUAL
} pm3k_addressing;

typedef struct pm3k_storage_options {
    pm3k_http_options http;
    const char *to;          /* "pm3k" or "s3://BUCKET/PREFIX" */
    const pm3k_api_key *key; /* PM3K storage: required */
    /* PM3K storage: NULL = $PM3K_UPLOAD_URL, else $PM3K_BASE_URL/api/upload */
    const char *upload_url;
    const char *public_base; /* S3: required, the public URL of s3://BUCKET/PREFIX */
    const char *domain;      /* S3: the verified domain; NULL = public_base's host */
    pm3k_addressing addressing;
    pm3k_history *history;                  /* NULL: nothing reused, nothing recorded */
    bool force;                             /* send bytes the history already holds */
    int64_t multipart_threshold, part_size; /* 0: the defaults above */
    int part_jobs;                          /* 0: PM3K_S3_PART_JOBS */
    pm3k_limits limits;                     /* what the public URL check holds it to */
    pm3k_api_trace_fn trace;                /* -v, or NULL */
    void *trace_userdata;
    pm3k_upload_progress_fn progress;
    void *progress_userdata;
    pm3k_upload_stop_fn stopping;
    void *stopping_userdata;
} pm3k_storage_options;

typedef struct pm3k_storage pm3k_storage;

/* PM3K_ERR_INVALID_ARG (a usage or configuration error, exit 2) for a bad
 * target, a missing or bad --public-base, missing S3 credentials, a base
 * or endpoint URL that is not https. */
pm3k_code pm3k_storage_new(const pm3k_storage_options *options, pm3k_storage **out,
                           pm3k_error *err);
void pm3k_storage_free(pm3k_storage *storage);
/* "pm3k" or "s3://bucket/prefix", as the history records it. */
const char *pm3k_storage_target(const pm3k_storage *storage);
bool pm3k_storage_is_s3(const pm3k_storage *storage);

typedef struct pm3k_upload_result {
    bool stored;        /* the bytes are at url (sent now, or before: reused) */
    bool reused;        /* the history had them: nothing was sent */
    bool fetchable;     /* PM3K can fetch url (PM3K storage; S3: the URL check passed) */
    char url[2048];     /* the public URL, or "" */
    char album_id[128]; /* PM3K storage, images: the album, or "" */
    char sha256[65];    /* of the bytes, or "" when the file could not be read */
    int64_t size;
} pm3k_upload_result;

/* Upload one file (album_id: the album of a carousel's earlier images, or
 * NULL). item is the upload's item, taken over (its kind becomes upload,
 * the upload's facts and findings are added: pm3k upload passes the
 * probe's item, so one item per file holds both), or NULL for a new one
 * with path `path`. Items go to emit as they are made: for S3 the public
 * URL's check (kind url, path the URL), then the upload. Returns an error
 * only when the run cannot go on (memory, the history cannot be written, a
 * --cacert that cannot be loaded). */
pm3k_code pm3k_storage_upload(pm3k_storage *storage, const char *path, const char *album_id,
                              pm3k_item *item, pm3k_item_fn emit, void *userdata,
                              pm3k_upload_result *result, pm3k_error *err);

/* POST /api/album/retain for album_id (PM3K storage): one item to emit. */
pm3k_code pm3k_storage_retain(pm3k_storage *storage, const char *album_id, pm3k_item_fn emit,
                              void *userdata, pm3k_error *err);

/* ---- publish ---- */

typedef struct pm3k_publish_options {
    const char *path;               /* the media file */
    pm3k_probe_config probe;        /* the probe stage, as pm3k probe */
    pm3k_payload_options payload;   /* the body: the URL is filled in by the upload */
    pm3k_payload_lint_options lint; /* the post's lint */
    pm3k_status_options status;     /* publish_id is filled in by the post */
    bool force;                     /* upload a file the probe fails, and again */
    bool strict;
} pm3k_publish_options;

/* probe -> budget -> upload -> payload -> post -> status: each stage's item
 * to emit (facts stage and stage_ms), then a publish item; stops at the
 * first stage that fails. A file the history shows as posted is not
 * uploaded or posted again (only its status is followed); one whose post
 * got no answer is never re-sent. Returns an error only when the run
 * cannot go on. */
pm3k_code pm3k_publish(pm3k_api *api, pm3k_storage *storage, const pm3k_publish_options *options,
                       pm3k_item_fn emit, void *userdata, pm3k_error *err);

#ifdef __cplusplus
}
#endif
#endif
