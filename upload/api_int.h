/* pm3k — the PM3K API client's internals (upload/api.c, key.c, post.c,
 * status.c; not public). api.c is the one place that knows PM3K's API: the
 * endpoints, Bearer auth, JSON bodies, every documented answer and what it
 * means; post.c and status.c decide what to do with an answer. */
#ifndef PM3K_UPLOAD_API_INT_H
#define PM3K_UPLOAD_API_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "core/http.h"
#include "pm3k/api.h"

/* The largest answer read: PM3K's answers are a few hundred bytes; a
 * longer one is cut there (and cannot be trusted). */
#define PM3K__API_ANSWER_MAX (1024 * 1024)
/* direct_post makes PM3K copy the media before it answers: without
 * --timeout it gets this long, other calls the usual default. */
#define PM3K__API_POST_TIMEOUT_MS 120000L
/* Retries of a request that cannot have reached PM3K (DNS, connect, TLS
 * handshake: no body byte went out), and their waits. */
#define PM3K__API_CONNECT_RETRIES 2

typedef enum pm3k__endpoint { PM3K__ENDPOINT_DIRECT_POST, PM3K__ENDPOINT_STATUS } pm3k__endpoint;

/* ---- answers ---- */

typedef enum pm3k__answer_kind {
    PM3K__ANSWER_OK,     /* a JSON object with "ok": true */
    PM3K__ANSWER_ERROR,  /* a JSON object with "ok": false and an error code */
    PM3K__ANSWER_INVALID /* anything else: reason says what */
} pm3k__answer_kind;

/* No deadline given. */
#define PM3K__NO_TIME INT64_MIN

/* A PM3K answer as parsed. Every string is cut to its buffer, holds valid
 * UTF-8 and no control character: it came from a server. */
typedef struct pm3k__answer {
    pm3k__answer_kind kind;
    long http_status;
    char reason[160];    /* INVALID: what is wrong, in words */
    char code[64];       /* ERROR: "interval_limit", ... */
    char message[320];   /* PM3K's message, "" when none */
    char raw_code[64];   /* raw.error.code (TikTok's), "" when none */
    char publish_id[64]; /* direct_post: "" unless a valid publish_id */
    char state[32];      /* status: "pending", "done", "failed", or what came */
    char tiktok_status[64];
    char fail_reason[128];
    bool has_state, has_fail_reason;
    /* retry facts, as given and as Unix seconds (PM3K__NO_TIME when absent) */
    char retry_after_text[40], cooldown_until_text[40], reset_at_text[40];
    int64_t retry_after, cooldown_until, reset_at;
    int64_t retry_after_seconds; /* -1 when absent */
} pm3k__answer;

/* Parse an answer body (body[len] is a NUL; the bytes may hold NULs of
 * their own). truncated: the body was longer than what was kept. Never
 * fails: what cannot be read is an INVALID answer. */
void pm3k__answer_parse(long http_status, const char *body, size_t len, bool truncated,
                        pm3k__answer *out);

/* An ISO 8601 time ("2025-01-01T12:00:00.000Z", or with +hh:mm) as Unix
 * seconds, a fraction rounded up (a deadline must not come early). */
bool pm3k__iso_parse(const char *text, int64_t *out);

/* interval_limit's "You must wait about N more minutes ...": N, or -1. */
long pm3k__interval_minutes(const char *message);

/* What a code means to pm3k: its rule for each endpoint (PM3K_RULE__COUNT
 * when the endpoint does not answer it) and the deadline PM3K's answer
 * sets. */
typedef struct pm3k__code_info {
    const char *code;
    pm3k_rule_id post_rule, status_rule;
    bool has_cooldown;
    pm3k_cooldown cooldown;
} pm3k__code_info;

/* NULL for a code pm3k does not know. */
const pm3k__code_info *pm3k__code_find(const char *code);

/* ---- the client and its calls ---- */

struct pm3k_api {
    pm3k__http_ctx http;
    pm3k_http_options http_options;
    CURL *handle;
    char base_url[1024];
    char shown_base_url[1024]; /* redacted */
    const pm3k_api_key *key;
    const char *account;
    pm3k_history *history;
    pm3k_api_trace_fn trace;
    void *trace_userdata;
    pm3k_status_progress_fn progress;
    void *progress_userdata;
    bool (*stopping)(void *userdata);
    void *stopping_userdata;
};

/* What one call did. */
typedef struct pm3k__call {
    bool sent;        /* a body byte went to libcurl: PM3K may have it */
    bool answered;    /* a complete HTTP answer came (status, headers, body) */
    int retries;      /* of a request that could not have reached PM3K */
    long http_status; /* 0 when no status line came */
    pm3k__http_verdict verdict;
    CURLcode curl_code;
    char reason[PM3K_ERROR_MESSAGE_MAX]; /* a transport failure in words */
    pm3k__answer answer;                 /* when answered */
    int64_t sent_at, answered_at;        /* Unix seconds */
} pm3k__call;

/* POST body to the endpoint with the key, and read the answer (bounded).
 * Retries only what cannot have reached PM3K. PM3K_OK whatever happened on
 * the wire: call says; an error only when the request cannot be set up. */
pm3k_code pm3k__api_call(pm3k_api *api, pm3k__endpoint endpoint, const char *body, size_t len,
                         pm3k__call *call, pm3k_error *err);

/* The key's value, for the Authorization header and redaction. */
const char *pm3k__api_key_value(const pm3k_api_key *key);

/* ---- findings ---- */

/* "PM3K answered 429 interval_limit: "You must wait ..."" into out. */
void pm3k__answer_said(const pm3k__answer *answer, char *out, size_t out_len);

/* Put the answer's retry facts and PM3K's code and message on the item. */
void pm3k__answer_facts(pm3k_item *item, const pm3k__answer *answer);

/* The deadline an answer gives for its code (the canonical field first),
 * or PM3K__NO_TIME. interval_limit reads its message. */
int64_t pm3k__answer_deadline(const pm3k__answer *answer, int64_t now);

/* "at 2030-01-01T12:00:00Z" or "by ... at the latest". */
void pm3k__retry_when(int64_t at, bool latest, char *out, size_t out_len);

/* Sleep until the Unix time `at` (fractional); false when it could not. */
void pm3k__sleep_until(double at);
/* Has the client been told to stop? */
bool pm3k__api_stopping(const pm3k_api *api);
/* Sleep until at in slices of a fifth of a second; false (early) when the
 * client was told to stop. */
bool pm3k__api_sleep_until(const pm3k_api *api, double at);
/* The time now, as Unix seconds with a fraction. */
double pm3k__now(void);

#endif
