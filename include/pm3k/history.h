/* pm3k — the posting history: a ledger of posts, status calls, cooldowns
 * and uploads per account, in SQLite, shared by every pm3k process of the
 * user. It predicts the answers that would spend a request for nothing
 * (interval_limit, daily_limit, video_duplicate, caption_duplicate_account,
 * tiktok_cooldown, the status limits) and remembers posts whose outcome is
 * unknown, so they are never re-sent blindly.
 *
 * Accounts are fingerprints of the API key (pm3k_account_fingerprint),
 * never the key. URLs are stored with their secrets redacted, beside a
 * SHA-256 of the full URL for duplicate checks. Times are Unix seconds
 * passed in by the caller (`now`). */
#ifndef PM3K_HISTORY_H
#define PM3K_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm3k/error.h"
#include "pm3k/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pm3k_history pm3k_history;

/* $PM3K_HISTORY, else $XDG_STATE_HOME/pm3k/history.db, else
 * $HOME/.local/state/pm3k/history.db. */
pm3k_code pm3k_history_default_path(char *out, size_t out_len, pm3k_error *err);

/* Open (or create, mode 0600) the history at path (NULL: the default).
 * PM3K_ERR_PARSE when the file is not a pm3k history, PM3K_ERR_UNSUPPORTED
 * when a newer pm3k wrote it. */
pm3k_code pm3k_history_open(const char *path, pm3k_history **out, pm3k_error *err);
void pm3k_history_close(pm3k_history *history);
const char *pm3k_history_path(const pm3k_history *history);

/* The account of an API key: 32 hex digits of a SHA-256 over a fixed prefix
 * and the key. out holds 33 bytes. */
#define PM3K_ACCOUNT_LEN 32
pm3k_code pm3k_account_fingerprint(const char *api_key, char *out, pm3k_error *err);

/* ---- posts ---- */

typedef enum pm3k_post_outcome {
    PM3K_POST_SENDING = 0, /* recorded before the request went out; no answer yet */
    PM3K_POST_OK,          /* PM3K answered ok with a publish_id */
    PM3K_POST_REJECTED,    /* PM3K answered an error: nothing was posted */
    PM3K_POST_UNKNOWN      /* the request may have reached PM3K; no answer came */
} pm3k_post_outcome;

const char *pm3k_post_outcome_name(pm3k_post_outcome outcome);

/* What a post is, for the budget and the duplicate checks. */
typedef struct pm3k_post_record {
    const char *account; /* pm3k_account_fingerprint */
    bool photo;
    const char *source_url; /* video: source_url */
    const char *const *photo_urls;
    size_t photo_count;
    const char *file_sha256; /* the media's SHA-256 when known (upload, publish), or NULL */
    const char *caption;     /* the title, or NULL */
    size_t caption_len;
    const char *body_sha256; /* of the exact body sent, or NULL (a later queue matches on it) */
} pm3k_post_record;

/* Why the history says a post would be refused (PM3K_BLOCK_NONE: go). */
typedef enum pm3k_history_block {
    PM3K_BLOCK_NONE = 0,
    PM3K_BLOCK_INTERVAL,          /* interval_limit: a post in the last hour */
    PM3K_BLOCK_DAILY,             /* daily_limit: 10 posts in the last 24 hours */
    PM3K_BLOCK_COOLDOWN,          /* tiktok_cooldown: after tiktok_rate_limit */
    PM3K_BLOCK_VIDEO_DUPLICATE,   /* video_duplicate: same URL recently, or same file */
    PM3K_BLOCK_CAPTION_DUPLICATE, /* caption_duplicate_account: same caption, 7 days */
    PM3K_BLOCK_UNKNOWN_OUTCOME,   /* an earlier attempt of this post got no answer */
    PM3K_BLOCK_STATUS_MINUTE,     /* rate_limit_status: 20 status calls a minute */
    PM3K_BLOCK_STATUS_HOUR,       /* hourly_limit_status: 40 status calls an hour */
    PM3K_BLOCK_STATUS_COOLDOWN    /* status_cooldown: PM3K paused status polling */
} pm3k_history_block;

/* The finding code the block predicts ("interval_limit", ...; NULL for NONE). */
const char *pm3k_history_block_code(pm3k_history_block block);

typedef struct pm3k_history_check {
    pm3k_history_block block;
    int64_t allowed_at; /* when waiting makes it pass; 0 when waiting does not help */
    int64_t other_id;   /* the row that blocks it, or 0 */
    int64_t other_time; /* when that row was made */
    char other_publish_id[64];
    int count;          /* posts (or status calls) counted in the window */
    const char *source; /* "history" or "pm3k": who set the deadline */
    char pm3k_code[64]; /* with source "pm3k": the code PM3K answered */
    /* the blocking post's outcome: SENDING is an attempt still in flight
     * (another process), UNKNOWN one that got no answer */
    pm3k_post_outcome other_outcome;
} pm3k_history_check;

enum {
    PM3K_HISTORY_IGNORE = 1 << 0, /* --ignore-history: record, never refuse */
    PM3K_HISTORY_RESEND = 1 << 1  /* --resend: an unknown earlier outcome does not refuse */
};

/* In one write transaction (BEGIN IMMEDIATE, so two processes racing cannot
 * both pass): hold the post against the history, and when nothing blocks it
 * record it as SENDING, *attempt = its id. When something blocks it,
 * *attempt = 0 and check says what and until when. With PM3K_HISTORY_RESEND
 * the earlier attempts of this post whose outcome is unknown are settled
 * when it may go: they block it no more and no longer count for the budget
 * (the user checked the account; PM3K's own interval and duplicate checks
 * refuse a real repeat).
 *
 * Windows count from the moment PM3K may have recorded a post or a status
 * call: the time its answer came (or, while none came, the time it was
 * sent), plus pm3k_budget()->clock_margin_s, because times here are whole
 * seconds and PM3K's are not. */
pm3k_code pm3k_history_begin_post(pm3k_history *history, const pm3k_post_record *post, int64_t now,
                                  unsigned flags, int64_t *attempt, pm3k_history_check *check,
                                  pm3k_error *err);

/* What PM3K answered. publish_id for OK; code and http_status for REJECTED
 * (both may be set for UNKNOWN too). A successful post ends a status
 * cooldown early, as PM3K does. */
typedef struct pm3k_post_answer {
    pm3k_post_outcome outcome;
    const char *publish_id;
    const char *code; /* PM3K's error code */
    long http_status;
} pm3k_post_answer;

pm3k_code pm3k_history_finish_post(pm3k_history *history, int64_t attempt,
                                   const pm3k_post_answer *answer, int64_t now, pm3k_error *err);

/* When the next post of the account may go out (now when nothing blocks),
 * and why not sooner. Duplicates and unknown outcomes are per post, so they
 * are not considered. */
pm3k_code pm3k_history_next_post(pm3k_history *history, const char *account, int64_t now,
                                 pm3k_history_check *check, pm3k_error *err);

/* ---- deadlines PM3K gave ---- */

typedef enum pm3k_cooldown {
    PM3K_COOLDOWN_POST,          /* tiktok_rate_limit / tiktok_cooldown */
    PM3K_COOLDOWN_INTERVAL,      /* interval_limit ("wait about N more minutes") */
    PM3K_COOLDOWN_DAILY,         /* daily_limit */
    PM3K_COOLDOWN_STATUS,        /* status_cooldown (cooldownUntil) */
    PM3K_COOLDOWN_STATUS_HOURLY, /* hourly_limit_status (resetAt) */
    PM3K_COOLDOWN_STATUS_MINUTE  /* rate_limit_status (retry_after) */
} pm3k_cooldown;

/* Remember a deadline for the account (a later one replaces an earlier). */
pm3k_code pm3k_history_set_cooldown(pm3k_history *history, const char *account, pm3k_cooldown kind,
                                    int64_t until, const char *code, int64_t now, pm3k_error *err);

/* ---- status calls ---- */

/* In one write transaction: hold a status call against the per-account
 * budget (calls in the last minute and hour, PM3K's deadlines) and record
 * it when it may go (*call = its id), else *call = 0 and check says until
 * when. */
pm3k_code pm3k_history_begin_status(pm3k_history *history, const char *account,
                                    const char *publish_id, int64_t now, int64_t *call,
                                    pm3k_history_check *check, pm3k_error *err);

/* What a status call answered. The state is also kept on the post of that
 * publish_id, for pm3k history. */
typedef struct pm3k_status_answer {
    long http_status;        /* 0 when no answer came */
    const char *state;       /* "pending", "done", "failed" (or what PM3K said), or NULL */
    const char *code;        /* PM3K's error code, or NULL */
    const char *fail_reason; /* TikTok's, for a failed publish, or NULL */
    bool unsent;             /* nothing reached PM3K (no connection): not counted */
} pm3k_status_answer;

pm3k_code pm3k_history_finish_status(pm3k_history *history, int64_t call,
                                     const pm3k_status_answer *answer, int64_t now,
                                     pm3k_error *err);

/* When the next status call of the account may go out (now when nothing
 * blocks), without recording one: what a waiting poller re-reads, since a
 * successful post elsewhere ends a status cooldown early. */
pm3k_code pm3k_history_next_status(pm3k_history *history, const char *account, int64_t now,
                                   pm3k_history_check *check, pm3k_error *err);

/* Status calls of the account in the last minute and the last hour. */
pm3k_code pm3k_history_status_usage(pm3k_history *history, const char *account, int64_t now,
                                    int *last_minute, int *last_hour, pm3k_error *err);

/* ---- uploads ---- */

typedef struct pm3k_upload_record {
    const char *account;     /* for PM3K storage; NULL for S3 targets */
    const char *file_sha256; /* of the bytes sent */
    int64_t size;
    const char *target; /* "pm3k" or "s3://bucket/prefix" */
    const char *url;    /* the public URL (stored redacted) */
    const char *album_id;
} pm3k_upload_record;

pm3k_code pm3k_history_record_upload(pm3k_history *history, const pm3k_upload_record *upload,
                                     int64_t now, pm3k_error *err);

/* The newest upload of these bytes (sha256 and size) to this target, if
 * any: *found, and its URL in url. */
pm3k_code pm3k_history_find_upload(pm3k_history *history, const char *file_sha256, int64_t size,
                                   const char *target, char *url, size_t url_len, bool *found,
                                   pm3k_error *err);

/* ---- listing (pm3k history) ---- */

typedef struct pm3k_history_entry {
    int64_t id;
    int64_t time;
    const char *what;    /* "post" or "upload" */
    const char *account; /* fingerprint, or NULL */
    const char *media;   /* "video" / "photo" for posts */
    const char *url;     /* redacted source URL (photos: the first), or the upload's URL */
    const char *publish_id;
    const char *outcome; /* posts: sending/ok/rejected/unknown; uploads: "uploaded" */
    const char *code;    /* PM3K's error code, or NULL */
    const char *file_sha256;
    int64_t size;              /* uploads */
    const char *target;        /* uploads */
    const char *publish_state; /* posts: the last state a status call saw, or NULL */
    const char *fail_reason;   /* posts: TikTok's, when the publish failed */
} pm3k_history_entry;

typedef pm3k_code (*pm3k_history_entry_fn)(void *userdata, const pm3k_history_entry *entry);

/* Entries newest first, at most limit (0: all), of one account (NULL: all). */
pm3k_code pm3k_history_list(pm3k_history *history, const char *account, size_t limit,
                            pm3k_history_entry_fn fn, void *userdata, pm3k_error *err);

/* The accounts the history holds posts or uploads of, newest first. */
typedef pm3k_code (*pm3k_history_account_fn)(void *userdata, const char *account);
pm3k_code pm3k_history_accounts(pm3k_history *history, pm3k_history_account_fn fn, void *userdata,
                                pm3k_error *err);

#ifdef __cplusplus
}
#endif
#endif
