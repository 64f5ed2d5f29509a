/* pm3k — the storage targets' internals (upload/storage.c, pm3k_store.c,
 * s3.c; not public): the handle both targets share, the file reader that
 * streams a byte range from disk, and the request loop with retries. */
#ifndef PM3K_UPLOAD_STORAGE_INT_H
#define PM3K_UPLOAD_STORAGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "core/http.h"
#include "pm3k/upload.h"

/* Retries of a transient failure (connect, reset, timeout, 5xx) per
 * request or per part, and the first back-off (doubled each time). */
#define PM3K__STORAGE_RETRIES 3
#define PM3K__STORAGE_BACKOFF_S 0.5
/* An upload may take long: the whole request gets this, and a transfer
 * that moves no byte for --timeout is cut (CURLOPT_LOW_SPEED_*). */
#define PM3K__STORAGE_TRANSFER_MS (6L * 3600 * 1000)
/* The answers read: PM3K's JSON and S3's XML are small. */
#define PM3K__STORAGE_ANSWER_MAX (64 * 1024)

typedef enum pm3k__target { PM3K__TARGET_PM3K, PM3K__TARGET_S3 } pm3k__target;

typedef struct pm3k__s3 {
    char bucket[64];
    char prefix[1024];
    char region[64];
    char endpoint[1024]; /* scheme://host[:port], no slash at the end; "" for AWS */
    bool path_style;
    char *userpwd; /* "KEY_ID:SECRET" (owned, wiped when freed) */
    char sigv4[96];
    char *token_header; /* "x-amz-security-token: ..." or NULL (owned, wiped) */
    char public_base[2048];
    char domain[256];
    int64_t threshold, part_size;
    int part_jobs;
} pm3k__s3;

struct pm3k_storage {
    pm3k__target kind;
    pm3k_storage_options opt;
    pm3k__http_ctx http;
    CURL *handle; /* the requests made one at a time */
    char target[1100];
    /* PM3K storage */
    char upload_url[1100], retain_url[1100];
    const char *account;
    pm3k__s3 s3;
    const char *secrets[2]; /* what no trace may show */
    size_t secret_count;
};

/* A byte range of an open file, handed to libcurl as it asks (pread: the
 * parts of one file are read at once from several transfers). */
typedef struct pm3k__file_range {
    int fd;
    int64_t offset, length, pos;
} pm3k__file_range;

size_t pm3k__file_range_read(void *userdata, char *buf, size_t len);
bool pm3k__file_range_rewind(void *userdata);

/* Progress of one upload (the sum over its transfers) and the stop. */
typedef struct pm3k__upload_run {
    pm3k_storage *storage;
    const char *path;
    int64_t total;
    int64_t done; /* bytes of finished parts */
    int64_t *now; /* per running transfer: bytes sent so far */
    size_t now_count;
    double started, last_report;
    bool stopped;
    int retries;
} pm3k__upload_run;

/* The progress callback of a transfer: userdata is a pm3k__upload_slot. */
typedef struct pm3k__upload_slot {
    pm3k__upload_run *run;
    size_t index; /* in run->now */
} pm3k__upload_slot;
bool pm3k__upload_on_progress(void *userdata, const pm3k__http_progress *progress);
/* Report the run's progress now (rate-limited unless force). */
void pm3k__upload_report(pm3k__upload_run *run, bool force);
bool pm3k__upload_stopping(pm3k__upload_run *run);

/* What a request (with its retries) came to. */
typedef struct pm3k__attempt {
    pm3k__http_verdict verdict;
    long status;
    bool stopped;
    int retries;
    char reason[PM3K_ERROR_MESSAGE_MAX];
} pm3k__attempt;

/* Prepare and perform req on h, again after a back-off while the failure
 * is transient (at most PM3K__STORAGE_RETRIES times) and the run is not
 * stopping. An error only when the request cannot be set up. */
pm3k_code pm3k__storage_request(pm3k_storage *s, CURL *h, pm3k__upload_run *run,
                                const pm3k__http_request *req, pm3k__http_response *resp,
                                pm3k__attempt *attempt, pm3k_error *err);
/* A handle for uploads: what ctx sets, and the low-speed cut. */
CURL *pm3k__storage_handle(pm3k_storage *s, pm3k_error *err);
/* The trace callback of a storage's requests (NULL without -v). */
pm3k__http_trace_fn pm3k__storage_trace(const pm3k_storage *s);
/* The wait before retry number `retry` (0-based). */
double pm3k__storage_backoff(int retry);
/* The MIME type pm3k sends for a file name ("video/mp4", ...). */
const char *pm3k__storage_mime(const char *name);
/* Percent-encode name for a URL path (RFC 3986: unreserved kept; with
 * keep_slash '/' too). false when out is too small. */
bool pm3k__storage_encode(const char *name, bool keep_slash, char *out, size_t out_len);

/* ---- the targets ---- */

/* What a target's upload came to, for the item. */
typedef struct pm3k__put_outcome {
    bool stored;
    int64_t stored_size; /* what the target says it stored, -1 when it does not say */
    int parts;
    pm3k__attempt attempt;
    bool rejected; /* a definite refusal: said holds it */
    char said[PM3K_ERROR_MESSAGE_MAX];
} pm3k__put_outcome;

/* PM3K storage (upload/pm3k_store.c): the SPEC's contract. */
pm3k_code pm3k__pm3k_setup(pm3k_storage *s, pm3k_error *err);
pm3k_code pm3k__pm3k_put(pm3k_storage *s, pm3k__upload_run *run, int fd, int64_t size,
                         const char *name, const char *album_id, pm3k_upload_result *result,
                         pm3k__put_outcome *out, pm3k_error *err);
pm3k_code pm3k__pm3k_retain(pm3k_storage *s, const char *album_id, pm3k_item *item,
                            pm3k_error *err);

/* S3 (upload/s3.c). */
pm3k_code pm3k__s3_setup(pm3k_storage *s, pm3k_error *err);
void pm3k__s3_free(pm3k__s3 *s3);
pm3k_code pm3k__s3_put(pm3k_storage *s, pm3k__upload_run *run, int fd, int64_t size,
                       const char *name, pm3k_upload_result *result, pm3k__put_outcome *out,
                       pm3k_error *err);
/* The public URL of name: public_base + name, encoded. */
bool pm3k__s3_public_url(const pm3k__s3 *s3, const char *name, char *out, size_t out_len);

#endif
