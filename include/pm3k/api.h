/* pm3k — the PM3K API client: the API key, direct_post (pm3k post) and the
 * publish status (pm3k status), on the posting history.
 *
 * Every answer becomes findings of a report item (kinds post and status;
 * rows of the rules table), so a caller prints or judges it like any other
 * check. Nothing here prints; the key never leaves the client: it is not in
 * items, messages, traces or the history (which holds its fingerprint). */
#ifndef PM3K_API_H
#define PM3K_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm3k/error.h"
#include "pm3k/history.h"
#include "pm3k/http.h"
#include "pm3k/payload.h"
#include "pm3k/probe.h"
#include "pm3k/report.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PM3K_DEFAULT_BASE_URL "https://pm3k.org"

/* ---- the key ---- */

typedef struct pm3k_api_key pm3k_api_key;

typedef enum pm3k_key_source {
    PM3K_KEY_FROM_OPTION_FILE, /* --key-file FILE */
    PM3K_KEY_FROM_ENV,         /* PM3K_API_KEY */
    PM3K_KEY_FROM_ENV_FILE     /* PM3K_API_KEY_FILE (container secrets) */
} pm3k_key_source;

typedef struct pm3k_key_info {
    pm3k_key_source source;
    const char *file;        /* the key file read, or NULL (borrowed) */
    bool readable_by_others; /* the file's mode lets group or others read it */
    unsigned mode;           /* its permission bits */
} pm3k_key_info;

/* The key: from key_file (--key-file) when given, else $PM3K_API_KEY, else
 * the file named by $PM3K_API_KEY_FILE. A key file holds the key on its
 * first line (surrounding whitespace is dropped). Errors, all configuration
 * (exit 2): PM3K_ERR_NOT_FOUND when no key is configured, PM3K_ERR_INVALID_ARG
 * for a key file that cannot be read or a key that is empty, too long or
 * holds characters a header cannot carry. The message never holds the key.
 * The key is wiped from memory when freed. */
pm3k_code pm3k_api_key_load(const char *key_file, pm3k_api_key **out, pm3k_key_info *info,
                            pm3k_error *err);
void pm3k_api_key_free(pm3k_api_key *key);
/* The account of the key in the history (pm3k_account_fingerprint). */
const char *pm3k_api_key_account(const pm3k_api_key *key);

/* ---- the client ---- */

/* One line of a -v trace (request and answer heads, body sizes), already
 * redacted: Authorization and the key never appear. */
typedef void (*pm3k_api_trace_fn)(void *userdata, const char *line);

/* What a status --wait loop reports as it goes. */
typedef struct pm3k_status_progress {
    int calls;            /* status calls made so far */
    const char *state;    /* the last state seen ("pending", ...), or NULL */
    const char *waiting;  /* why it waits: "schedule", "retry", or the code of a limit */
    int64_t next_call_at; /* Unix time of the next call */
} pm3k_status_progress;
typedef void (*pm3k_status_progress_fn)(void *userdata, const pm3k_status_progress *progress);

typedef struct pm3k_api_options {
    pm3k_http_options http;
    const char *base_url;    /* NULL: $PM3K_BASE_URL, else PM3K_DEFAULT_BASE_URL */
    const pm3k_api_key *key; /* required; must outlive the client */
    pm3k_history *history;   /* required: the budget and the ledger */
    pm3k_api_trace_fn trace; /* -v, or NULL */
    void *trace_userdata;
    pm3k_status_progress_fn progress; /* status --wait, or NULL */
    void *progress_userdata;
    /* true: stop now (a signal): a request in flight is cut (a post whose
     * body may have gone out is then an unknown outcome), no retry starts,
     * a status wait ends with what it has. NULL: never. */
    bool (*stopping)(void *userdata);
    void *stopping_userdata;
} pm3k_api_options;

typedef struct pm3k_api pm3k_api;

/* PM3K_ERR_INVALID_ARG (a usage error) for a base URL that is not an
 * absolute https:// URL without query, or bad HTTP options. */
pm3k_code pm3k_api_new(const pm3k_api_options *options, pm3k_api **out, pm3k_error *err);
void pm3k_api_free(pm3k_api *api);
/* The base URL in use, redacted. */
const char *pm3k_api_base_url(const pm3k_api *api);

/* ---- pm3k post ---- */

typedef struct pm3k_post_options {
    const char *path; /* the items' path ("-" for stdin) */
    const char *body; /* the direct_post body, sent exactly as given */
    size_t body_len;
    pm3k_payload_lint_options lint; /* the same lint as pm3k payload --check */
    const char *file_sha256;        /* the media's SHA-256 when known, or NULL */
    bool strict;                    /* lint warnings stop the post */
    bool ignore_history;            /* --ignore-history: the history predicts nothing */
    bool resend;                    /* --resend: send a post whose earlier outcome is unknown */
} pm3k_post_options;

/* Lint the body as pm3k payload --check does, and when PM3K would take it,
 * check the history and call direct_post; one item (kind post, path
 * options->path) holds the lint's findings and what PM3K answered or the
 * history predicted, handed to emit. Its facts: sent, source (pm3k or
 * history), outcome (ok, rejected, unknown, not_sent), http_status,
 * publish_id, retries, attempt (its history row), retry_at, ...
 * publish_id (publish_id_len bytes) gets the id of a successful post,
 * else "". Returns an error only when the run cannot go on (the history
 * cannot be written, memory, a --cacert that cannot be loaded). */
pm3k_code pm3k_post(pm3k_api *api, const pm3k_post_options *options, pm3k_item_fn emit,
                    void *userdata, char *publish_id, size_t publish_id_len, pm3k_error *err);

/* ---- pm3k status ---- */

typedef struct pm3k_status_options {
    const char *publish_id;
    bool wait;            /* poll until done or failed, within the limits */
    double max_wait_s;    /* --max-wait: 0 = the default (PM3K_STATUS_DEFAULT_MAX_WAIT_S) */
    int max_attempts;     /* --max-attempts: status calls at most; 0 = no limit */
    double first_delay_s; /* seconds before the first call (post --wait: publishing starts) */
} pm3k_status_options;

#define PM3K_STATUS_DEFAULT_MAX_WAIT_S 900.0

/* One status call, or with wait a polling loop on the back-off schedule
 * that never goes over the account's budget (shared with every pm3k
 * process through the history) and honours every deadline PM3K gives.
 * *out_item (kind status, path the publish_id): pass when done, a
 * publish_failed finding when failed, publish_pending or a limit's finding
 * (with retry_at) when it has to stop before either. */
pm3k_code pm3k_publish_status(pm3k_api *api, const pm3k_status_options *options,
                              pm3k_item **out_item, pm3k_error *err);

/* The wait before status call number `call` (0-based) of a --wait loop,
 * before jitter: the back-off schedule. */
double pm3k_status_backoff(int call);

/* Whether a publish_id is one pm3k would send (1..63 of [A-Za-z0-9_-]). */
bool pm3k_publish_id_valid(const char *publish_id);

/* What TikTok's fail_reason means and what to do, or NULL for a value
 * pm3k does not know (print it as it came). */
const char *pm3k_fail_reason_meaning(const char *fail_reason);
const char *pm3k_fail_reason_hint(const char *fail_reason);

/* ---- time ---- */

/* Unix seconds as "2030-01-01T12:00:00Z" (out holds at least 21 bytes). */
void pm3k_time_iso(int64_t unix_s, char *out, size_t out_len);

#ifdef __cplusplus
}
#endif
#endif
