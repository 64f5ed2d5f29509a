/* pm3k — the rules table: every finding pm3k can report, and the limits
 * profiles the checks compare against. The data lives in core/rules.c. */
#ifndef PM3K_RULES_H
#define PM3K_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm3k/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pm3k_severity {
    PM3K_SEV_INFO = 0,
    PM3K_SEV_WARNING = 1,
    PM3K_SEV_ERROR = 2
} pm3k_severity;

/* What an error-severity finding means for the item:
 * DEFINITE  - the post would be rejected: item status `fail`, exit 1;
 * TRANSIENT - could not be decided now (DNS, timeout, 5xx): status `error`, exit 3;
 * INPUT     - the input itself cannot be read (missing path): status `error`, exit 2. */
typedef enum pm3k_outcome {
    PM3K_OUTCOME_DEFINITE = 0,
    PM3K_OUTCOME_TRANSIENT = 1,
    PM3K_OUTCOME_INPUT = 2
} pm3k_outcome;

/* One id per row of the table. Several rows may share a finding code when the
 * same code predicts a different remote error in another context (e.g.
 * unreadable_media for a video vs an image). */
typedef enum pm3k_rule_id {
    /* inputs */
    PM3K_RULE_INPUT_MISSING,
    PM3K_RULE_INPUT_UNREADABLE,
    /* video (local file, or remote with --deep) */
    PM3K_RULE_UNREADABLE_MEDIA_VIDEO,
    PM3K_RULE_UNSUPPORTED_CONTAINER,
    PM3K_RULE_NO_VIDEO_STREAM,
    PM3K_RULE_UNSUPPORTED_CODEC,
    PM3K_RULE_NOT_VERTICAL,
    PM3K_RULE_NOT_9_16,
    PM3K_RULE_PICTURE_SIZE_OUT_OF_RANGE,
    PM3K_RULE_FRAME_RATE_OUT_OF_RANGE,
    PM3K_RULE_DURATION_TOO_LONG,
    PM3K_RULE_TOO_LARGE_VIDEO,
    PM3K_RULE_MOOV_AT_END,
    PM3K_RULE_EXTENSION_MISMATCH_VIDEO,
    /* images (photo posts) */
    PM3K_RULE_UNREADABLE_MEDIA_IMAGE,
    PM3K_RULE_UNSUPPORTED_IMAGE_TYPE,
    PM3K_RULE_IMAGE_TOO_LARGE_IMAGE,
    PM3K_RULE_IMAGE_TOO_LARGE_PX,
    PM3K_RULE_EXTENSION_MISMATCH_IMAGE,
    PM3K_RULE_ANIMATED_IMAGE,
    /* carousels (--photo) */
    PM3K_RULE_TOO_FEW_IMAGES_CAROUSEL,
    PM3K_RULE_TOO_MANY_IMAGES_CAROUSEL,
    PM3K_RULE_COVER_OUT_OF_RANGE_CAROUSEL,
    /* URLs and domains */
    PM3K_RULE_INVALID_URL,
    PM3K_RULE_NOT_HTTPS_URL,
    PM3K_RULE_DOMAIN_NOT_VERIFIED,
    PM3K_RULE_DOMAIN_MISMATCH_URL,
    PM3K_RULE_REDIRECT_NOT_ALLOWED,
    PM3K_RULE_FETCH_ERROR,
    PM3K_RULE_FETCH_ERROR_TRANSIENT,
    PM3K_RULE_CONTENT_LENGTH_REQUIRED,
    PM3K_RULE_TOO_LARGE_URL,
    PM3K_RULE_IMAGE_TOO_LARGE_URL,
    PM3K_RULE_CONTENT_TYPE_MISMATCH,
    PM3K_RULE_DEEP_UNAVAILABLE,
    PM3K_RULE_VERIFY_FILE_MISSING,
    PM3K_RULE_VERIFY_TOKEN_MISMATCH,
    PM3K_RULE_VERIFY_TOKEN_UNCHECKED,
    /* payload lint (direct_post bodies) */
    PM3K_RULE_INVALID_JSON,
    PM3K_RULE_NOT_AN_OBJECT,
    PM3K_RULE_FORM_ENCODED_BODY,
    PM3K_RULE_NUL_CHARACTER,
    PM3K_RULE_LONE_SURROGATE,
    PM3K_RULE_DUPLICATE_KEY,
    PM3K_RULE_UNKNOWN_KEY,
    PM3K_RULE_INVALID_FIELD_TYPE,
    PM3K_RULE_MISSING_PRIVACY,
    PM3K_RULE_UNKNOWN_PRIVACY,
    PM3K_RULE_PRIVACY_ALIAS,
    PM3K_RULE_MISSING_SOURCE_URL,
    PM3K_RULE_NOT_HTTPS_PAYLOAD,
    PM3K_RULE_DOMAIN_MISMATCH_PAYLOAD,
    PM3K_RULE_UNKNOWN_MEDIA_TYPE,
    PM3K_RULE_MIXED_MEDIA_FIELDS,
    PM3K_RULE_PHOTO_IMAGES_NOT_ARRAY,
    PM3K_RULE_INVALID_PHOTO_ITEM,
    PM3K_RULE_TOO_FEW_IMAGES_PAYLOAD,
    PM3K_RULE_TOO_MANY_IMAGES_PAYLOAD,
    PM3K_RULE_COVER_INDEX_MISSING,
    PM3K_RULE_COVER_OUT_OF_RANGE_PAYLOAD,
    PM3K_RULE_PNG_ON_PM3K_STORAGE,
    PM3K_RULE_AD_WITHOUT_DISCLOSURE,
    PM3K_RULE_TOGGLE_AS_STRING,
    PM3K_RULE_BOOLEAN_AS_STRING,
    PM3K_RULE_LEGACY_AD_KEY,
    PM3K_RULE_BRANDED_CONTENT_PRIVATE,
    PM3K_RULE_LINKS_FORBIDDEN,
    PM3K_RULE_OBFUSCATED_LINK,
    PM3K_RULE_TITLE_TOO_LONG,
    PM3K_RULE_PHOTO_TITLE_TOO_LONG,
    PM3K_RULE_FORBIDDEN_WORD,
    PM3K_RULE_TEMPLATE_LEFTOVER,
    /* pm3k post: direct_post answers, history predictions */
    PM3K_RULE_POSTED,
    PM3K_RULE_UNAUTHORIZED_POST,
    PM3K_RULE_INVALID_API_KEY_POST,
    PM3K_RULE_API_KEY_EXPIRED_POST,
    PM3K_RULE_PLAN_REQUIRED_POST,
    PM3K_RULE_TIKTOK_NOT_CONNECTED_POST,
    PM3K_RULE_TIKTOK_REAUTH_REQUIRED_POST,
    PM3K_RULE_TIKTOK_REFRESH_FAILED_POST,
    PM3K_RULE_BAD_REQUEST_POST,
    PM3K_RULE_INVALID_REQUEST,
    PM3K_RULE_DOMAIN_NOT_VERIFIED_POST,
    PM3K_RULE_DOMAIN_MISMATCH_POST,
    PM3K_RULE_FETCH_ERROR_POST,
    PM3K_RULE_REDIRECT_NOT_ALLOWED_POST,
    PM3K_RULE_CONTENT_LENGTH_REQUIRED_POST,
    PM3K_RULE_TOO_LARGE_POST,
    PM3K_RULE_TOO_LARGE_NEED_PROXY,
    PM3K_RULE_TOO_FEW_IMAGES_POST,
    PM3K_RULE_TOO_MANY_IMAGES_POST,
    PM3K_RULE_COVER_OUT_OF_RANGE_POST,
    PM3K_RULE_UNSUPPORTED_IMAGE_TYPE_POST,
    PM3K_RULE_IMAGE_TOO_LARGE_POST,
    PM3K_RULE_IMAGE_TOO_LARGE_PX_POST,
    PM3K_RULE_IMAGE_CONVERT_FAILED,
    PM3K_RULE_LINKS_FORBIDDEN_POST,
    PM3K_RULE_FORBIDDEN_WORD_POST,
    PM3K_RULE_VIDEO_DUPLICATE,
    PM3K_RULE_CAPTION_DUPLICATE_ACCOUNT,
    PM3K_RULE_CAPTION_GLOBAL_SPAM,
    PM3K_RULE_DAILY_LIMIT,
    PM3K_RULE_INTERVAL_LIMIT,
    PM3K_RULE_TIKTOK_COOLDOWN,
    PM3K_RULE_TIKTOK_RATE_LIMIT,
    PM3K_RULE_TIKTOK_ERROR_POST,
    PM3K_RULE_TIKTOK_PASSTHROUGH_POST,
    PM3K_RULE_PROXY_ERROR_POST,
    PM3K_RULE_UNKNOWN_ERROR_POST,
    PM3K_RULE_INVALID_ANSWER_POST,
    PM3K_RULE_OUTCOME_UNKNOWN,
    PM3K_RULE_NETWORK_ERROR_POST,
    /* pm3k status: status answers, the publish state */
    PM3K_RULE_PUBLISHED,
    PM3K_RULE_UNAUTHORIZED_STATUS,
    PM3K_RULE_INVALID_API_KEY_STATUS,
    PM3K_RULE_API_KEY_EXPIRED_STATUS,
    PM3K_RULE_PLAN_REQUIRED_STATUS,
    PM3K_RULE_TIKTOK_NOT_CONNECTED_STATUS,
    PM3K_RULE_TIKTOK_REAUTH_REQUIRED_STATUS,
    PM3K_RULE_TIKTOK_REFRESH_FAILED_STATUS,
    PM3K_RULE_BAD_REQUEST_STATUS,
    PM3K_RULE_TIKTOK_ERROR_STATUS,
    PM3K_RULE_TIKTOK_PASSTHROUGH_STATUS,
    PM3K_RULE_RATE_LIMIT_STATUS,
    PM3K_RULE_STATUS_COOLDOWN,
    PM3K_RULE_HOURLY_LIMIT_STATUS,
    PM3K_RULE_PROXY_ERROR_STATUS,
    PM3K_RULE_UNKNOWN_ERROR_STATUS,
    PM3K_RULE_INVALID_ANSWER_STATUS,
    PM3K_RULE_SERVER_ERROR,
    PM3K_RULE_NETWORK_ERROR_STATUS,
    PM3K_RULE_PUBLISH_PENDING,
    PM3K_RULE_PUBLISH_FAILED,
    /* pm3k fix: what it did with each file */
    PM3K_RULE_FIXED,
    PM3K_RULE_FIX_PLANNED,
    PM3K_RULE_NOTHING_TO_FIX,
    PM3K_RULE_FIXABLE,
    PM3K_RULE_FIX_REFUSED,
    PM3K_RULE_NOT_FIXED,
    PM3K_RULE_STREAM_NOT_MP4,
    PM3K_RULE_OUTPUT_TYPE_REFUSED,
    PM3K_RULE_FIRST_FRAME_ONLY,
    PM3K_RULE_OUTPUT_EXISTS,
    PM3K_RULE_OUTPUT_IS_INPUT,
    PM3K_RULE_FIX_FAILED,
    PM3K_RULE_FIX_OUTPUT_FAILS,
    /* pm3k upload: PM3K storage and S3-compatible targets */
    PM3K_RULE_UPLOADED,
    PM3K_RULE_ALREADY_UPLOADED,
    PM3K_RULE_UPLOAD_REFUSED,
    PM3K_RULE_UPLOAD_REJECTED,
    PM3K_RULE_UPLOAD_FAILED,
    PM3K_RULE_PUBLIC_URL_FAILED,
    PM3K_RULE_PUBLIC_URL_UNCHECKED,
    PM3K_RULE_ALBUM_RETAINED,
    /* pm3k publish: the stages */
    PM3K_RULE_PUBLISH_WAIT,
    PM3K_RULE_PUBLISH_STOPPED,
    PM3K_RULE_PUBLISH_STOPPED_TRANSIENT,
    PM3K_RULE_PUBLISH_DONE,
    PM3K_RULE_PUBLISH_RESUMED,
    PM3K_RULE_OUTCOME_UNKNOWN_PUBLISH,
    PM3K_RULE__COUNT
} pm3k_rule_id;

/* One row of the rules table. message and hint are templates: "{name}" is
 * replaced by the value given when the finding is added, or else by the
 * item's fact of that name. */
typedef struct pm3k_rule {
    pm3k_rule_id id;
    const char *code; /* stable finding code, e.g. "not_vertical" */
    const char *kind; /* item kind the row applies to, e.g. "video" */
    pm3k_severity severity;
    pm3k_outcome outcome; /* meaning of an error-severity finding */
    const char *predicts; /* remote error it predicts, or NULL */
    const char *message;  /* template */
    const char *hint;     /* template: how to fix it */
} pm3k_rule;

const pm3k_rule *pm3k_rule_get(pm3k_rule_id id);
size_t pm3k_rule_count(void);
const char *pm3k_severity_name(pm3k_severity sev);

typedef enum pm3k_plan { PM3K_PLAN_FREE = 0, PM3K_PLAN_PAID = 1 } pm3k_plan;
typedef enum pm3k_hosting { PM3K_HOSTING_EXTERNAL = 0, PM3K_HOSTING_PM3K = 1 } pm3k_hosting;

/* Every number a check compares against. Filled from the profile table by
 * pm3k_limits_init, then overridable field by field (--max-duration, ...).
 * Sizes are bytes, 1 MB = 10^6 bytes. */
typedef struct pm3k_limits {
    pm3k_plan plan;
    pm3k_hosting hosting;
    int64_t max_video_bytes;    /* too_large: free 100 MB, paid 200 MB */
    double max_duration_s;      /* duration_too_long: creator's limit, 600 s */
    double min_fps, max_fps;    /* frame_rate_out_of_range: 23..60 */
    int min_side, max_side;     /* picture_size_out_of_range: 360..4096 coded px */
    double aspect_tolerance;    /* not_9_16: 0.01 relative to 9:16 */
    int64_t max_image_bytes;    /* image_too_large: 20 MB */
    int max_image_side;         /* image_too_large_px: 1080 px on each side */
    bool png_allowed;           /* unsupported_image_type for PNG on PM3K hosting */
    int min_images, max_images; /* carousel: 1..35 */
    int max_title_utf16;        /* video title: 2200 UTF-16 units */
    int max_photo_title_utf16;  /* photo title: 90 UTF-16 units (warning) */
} pm3k_limits;

void pm3k_limits_init(pm3k_limits *limits, pm3k_plan plan, pm3k_hosting hosting);

/* Switch the hosting of an already initialised (and maybe overridden)
 * limits set: only the fields the hosting decides change. */
void pm3k_limits_set_hosting(pm3k_limits *limits, pm3k_hosting hosting);

/* Parse "free"/"paid" and "pm3k"/"external" (case-insensitive). */
pm3k_code pm3k_plan_parse(const char *text, pm3k_plan *out);
pm3k_code pm3k_hosting_parse(const char *text, pm3k_hosting *out);
const char *pm3k_plan_name(pm3k_plan plan);
const char *pm3k_hosting_name(pm3k_hosting hosting);

/* The posting budget per account, as PM3K and TikTok enforce it: the
 * history (pm3k/history.h) predicts their answers from these. Seconds. */
typedef struct pm3k_budget {
    int64_t post_interval_s;     /* interval_limit: one post per rolling hour */
    int posts_per_day;           /* daily_limit: 10 posts ... */
    int64_t day_s;               /* ... per rolling 24 hours */
    int64_t url_duplicate_s;     /* video_duplicate: the same source URL within this */
    int64_t file_duplicate_s;    /* video_duplicate: the same file (SHA-256), 30 days */
    int64_t caption_duplicate_s; /* caption_duplicate_account: same caption, 7 days */
    int64_t tiktok_cooldown_s;   /* tiktok_cooldown after tiktok_rate_limit: 3 hours */
    int status_per_minute;       /* rate_limit_status: 20 calls per minute */
    int status_per_hour;         /* hourly cap: 40 calls per hour ... */
    int64_t status_cooldown_s;   /* ... whose first excess starts a 1-hour status_cooldown */
    int64_t sending_stale_s;     /* a post recorded as sending this long ago got no answer */
    /* added to every window: the history keeps whole seconds, PM3K does not */
    int64_t clock_margin_s;
} pm3k_budget;

const pm3k_budget *pm3k_budget_get(void);

/* PM3K's own storage host (files.pm3k.org). */
#define PM3K_STORAGE_HOST "files.pm3k.org"

#ifdef __cplusplus
}
#endif
#endif
