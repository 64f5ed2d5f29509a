/*
 * pm3k_emu: an emulator of PM3K's documented API, for the test suite.
 *
 *   pm3k_emu --port-file FILE --store DIR [--cert PEM --key PEM] [--port N]
 *            [--pid-file FILE]
 *
 * Serves POST /api/tiktok/direct_post, POST /api/tiktok/status,
 * POST /api/album/retain and PUT /api/upload on 127.0.0.1 (port 0 by
 * default: the port chosen is written to the port file), over TLS when given
 * a certificate, plain HTTP otherwise. /__control/ lets tests add API keys,
 * move the emulator's clock, script faults and read what arrived.
 * tests/servers/README.md documents the contract.
 *
 * The rules are this file's own small tables, written from PM3K's public
 * documentation and never shared with pm3k's code: a misreading in one
 * cannot hide on both sides. Where the documentation is silent the choice
 * made here is named in README.md.
 *
 * All state is in memory under one lock; each connection has its own thread
 * (bounded), so a scripted hang holds one connection only.
 */
#include <microhttpd.h>
#include <cjson/cJSON.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ==== PM3K's documented limits (PM3K-API.md) ==== */

enum { STATUS_PER_MINUTE = 20 };

static const struct emu_limits {
    int posts_per_day;           /* daily_limit: 10 per (rolling) day */
    int64_t day_ms;              /* the window of daily_limit */
    int64_t post_interval_ms;    /* interval_limit: 1 post per hour */
    int64_t minute_ms;           /* the window of rate_limit_status */
    int status_per_hour;         /* 40 /status calls per hour window */
    int64_t hour_ms;             /* the hour window of the status cap */
    int64_t status_cooldown_ms;  /* status_cooldown: one hour */
    int64_t tiktok_cooldown_ms;  /* after tiktok_rate_limit: about 3 h */
    int64_t video_duplicate_ms;  /* same source_url "very short recent window" */
    int64_t fingerprint_dup_ms;  /* same stored media within 30 days */
    int64_t caption_account_ms;  /* same caption on the account: 7 days */
    int64_t caption_global_ms;   /* same caption across accounts: 24 h */
    int caption_global_accounts; /* other accounts that make it spam */
    int max_images;              /* too_many_images above this */
    int64_t image_max_bytes;     /* image_too_large: 20 MB */
    int64_t video_max_free;      /* too_large: free plan, 100 MB */
    int64_t video_max_paid;      /* too_large: paid plans, 200 MB */
} LIMITS = {
    .posts_per_day = 10,
    .day_ms = 24LL * 3600 * 1000,
    .post_interval_ms = 3600 * 1000LL,
    .minute_ms = 60 * 1000LL,
    .status_per_hour = 40,
    .hour_ms = 3600 * 1000LL,
    .status_cooldown_ms = 3600 * 1000LL,
    .tiktok_cooldown_ms = 10800 * 1000LL,
    .video_duplicate_ms = 24LL * 3600 * 1000,
    .fingerprint_dup_ms = 30LL * 24 * 3600 * 1000,
    .caption_account_ms = 7LL * 24 * 3600 * 1000,
    .caption_global_ms = 24LL * 3600 * 1000,
    .caption_global_accounts = 3,
    .max_images = 35,
    .image_max_bytes = 20000000,
    .video_max_free = 100000000,
    .video_max_paid = 200000000,
};

/* Bounds of the emulator itself, not PM3K rules. */
enum {
    EMU_JSON_BODY_MAX = 1 << 20,
    EMU_DRAIN_MAX = 8 << 20,
    EMU_LOG_BODY_MAX = 64 << 10,
    EMU_HANG_MAX_S = 120,
    EMU_MAX_CONNECTIONS = 64,
    EMU_CONNECTION_TIMEOUT_S = 120,
    EMU_MAX_KEYS = 4096,
    EMU_MAX_LOGS = 8192,
    EMU_MAX_POSTS_PER_ACCOUNT = 10000,
    EMU_MAX_UPLOADS = 100000,
    EMU_MAX_FAULTS = 64,
    EMU_MAX_FAULT_COUNT = 1000,
    EMU_MAX_STOP_WORDS = 1000,
    EMU_MAX_URL = 4096,
};
static const int64_t EMU_HUGE_DEFAULT = 32LL << 20;
static const int64_t EMU_HUGE_MAX = 256LL << 20;

static const char STORAGE_HOST[] = "files.pm3k.org";

/* ==== the documented error bodies: code, HTTP status, message ==== */

struct emu_error {
    const char *code;
    unsigned http;
    const char *message; /* NULL: the documented body has no message */
};

static const struct emu_error ERRORS[] = {
    {"unauthorized", 401,
     "Missing or malformed Authorization header; send Authorization: Bearer YOUR_API_KEY."},
    {"invalid_api_key", 401, "API key not found or revoked."},
    {"api_key_expired", 401, "Your plan has expired. Please upgrade to a paid plan."},
    {"plan_required", 401, "No active PM3K plan is attached to this account."},
    {"tiktok_not_connected", 401,
     "TikTok account is not connected for this PM3K user; reconnect in dashboard."},
    {"tiktok_reauth_required", 401, "TikTok refresh token expired; reconnect TikTok in dashboard."},
    {"tiktok_refresh_failed", 401,
     "PM3K could not refresh the TikTok access token; reconnect TikTok in dashboard."},
    {"bad_request", 400, "Invalid JSON or missing required request fields."},
    {"invalid_request", 400, "Validation error in the JSON body."},
    {"domain_not_verified", 403, "External media host is not verified for this PM3K account."},
    {"domain_mismatch", 403,
     "External media URL host does not match the verified domain on this account."},
    {"fetch_error", 400, "PM3K could not fetch or prepare the external media URL."},
    {"redirect_not_allowed", 400,
     "External media URL responded with an HTTP redirect; PM3K does not follow redirects."},
    {"content_length_required", 400,
     "External media URL must provide a valid Content-Length header."},
    {"too_large", 413, "Media file is too large for the current plan or fetch path."},
    {"too_large_need_proxy", 413,
     "Media is larger than the direct fetch limit for this plan; use a smaller file or "
     "PM3K-hosted media."},
    {"too_few_images", 400, "Photo post did not include any valid images."},
    {"too_many_images", 400, "Photo post included too many images."},
    {"cover_out_of_range", 400, "photo_cover_index is outside the uploaded image range."},
    {"unsupported_image_type", 400, "Image type is not accepted for this photo flow."},
    {"image_too_large", 400, "Image exceeds 20 MB."},
    {"image_too_large_px", 400, "Image exceeds 1080px on one side."},
    {"image_convert_failed", 400,
     "PM3K could not convert the external image into a supported upload format."},
    {"links_forbidden", 400, "Links are not allowed in TikTok captions for this service."},
    {"forbidden_word", 400, "Caption contains forbidden content: \"...\"."},
    {"video_duplicate", 400, "This video URL was already used for this TikTok account recently."},
    {"caption_duplicate_account", 400,
     "This caption was already used on this TikTok account recently."},
    {"caption_global_spam", 400,
     "This caption is being reused across too many accounts in a short time."},
    {"daily_limit", 429, "Daily TikTok posting limit (10/day) reached."},
    {"interval_limit", 429, "You must wait about 60 more minutes before next TikTok post."},
    {"tiktok_cooldown", 429,
     "TikTok recently returned HTTP 429 for this account; posting is temporarily paused."},
    {"tiktok_rate_limit", 429,
     "TikTok returned HTTP 429 (rate limit) for this account; posting is temporarily paused."},
    {"rate_limit_status", 429, "Too many /status calls for this account, please slow down."},
    {"status_cooldown", 429,
     "Status polling is temporarily paused for this account after too many /status checks."},
    {"hourly_limit_status", 429, NULL},
    {"tiktok_error", 400, "TikTok returned an error."},
    {"proxy_error", 502, "PM3K could not reach the TikTok backend."},
    /* The emulator's own, for what the docs do not cover. */
    {"not_found", 404, "No such endpoint."},
    {"method_not_allowed", 405, "Method not allowed for this endpoint."},
    {"album_not_found", 404, "No such album on this account."},
    {"storage_error", 500, "The emulator could not store the upload."},
    {"emulator_full", 507, "The emulator's bounds are reached; reset it."},
};

/* Key states: what a call with the key answers (NULL: it works). */
static const struct {
    const char *name;
    const char *error;
} KEY_STATES[] = {
    {"ok", NULL},
    {"revoked", "invalid_api_key"},
    {"expired", "api_key_expired"},
    {"no_plan", "plan_required"},
    {"not_connected", "tiktok_not_connected"},
    {"reauth_required", "tiktok_reauth_required"},
    {"refresh_failed", "tiktok_refresh_failed"},
};

/* Privacy values and the documented aliases (case-insensitive). */
static const struct {
    const char *name;
    const char *canonical;
} PRIVACY[] = {
    {"PUBLIC_TO_EVERYONE", "PUBLIC_TO_EVERYONE"},
    {"MUTUAL_FOLLOW_FRIENDS", "MUTUAL_FOLLOW_FRIENDS"},
    {"FOLLOWER_OF_CREATOR", "FOLLOWER_OF_CREATOR"},
    {"SELF_ONLY", "SELF_ONLY"},
    {"public", "PUBLIC_TO_EVERYONE"},
    {"friends", "MUTUAL_FOLLOW_FRIENDS"},
    {"followers", "FOLLOWER_OF_CREATOR"},
    {"private", "SELF_ONLY"},
};
static const char PRIVACY_FALLBACK[] = "SELF_ONLY";

/* Photo URLs by extension: accepted on PM3K storage, accepted elsewhere.
 * An extension not listed is not judged (the emulator fetches nothing). */
static const struct {
    const char *ext;
    int on_storage;
    int external;
} PHOTO_TYPES[] = {
    {"jpg", 1, 1},  {"jpeg", 1, 1}, {"webp", 1, 1}, {"png", 0, 1},  {"gif", 0, 0},
    {"bmp", 0, 0},  {"tif", 0, 0},  {"tiff", 0, 0}, {"heic", 0, 0}, {"heif", 0, 0},
    {"avif", 0, 0}, {"svg", 0, 0},  {"mp4", 0, 0},  {"mov", 0, 0},
};

/* What PUT /api/upload stores: by Content-Type, else by the X-Filename
 * extension. accepted 0: refused as unsupported_image_type (PM3K-hosted
 * photos are JPEG/WebP). */
static const struct {
    const char *type;
    const char *ext;
    const char *alias_ext;
    int image;
    int accepted;
} UPLOAD_TYPES[] = {
    {"video/mp4", "mp4", "m4v", 0, 1},   {"video/quicktime", "mov", NULL, 0, 1},
    {"image/jpeg", "jpg", "jpeg", 1, 1}, {"image/webp", "webp", NULL, 1, 1},
    {"image/png", "png", NULL, 1, 0},
};

/* Boolean fields of a branded-content post. */
static const char *const BRAND_FIELDS[] = {"is_ad", "brand_organic_toggle", "brand_content_toggle",
                                           "ad_your_brand", "ad_branded_content"};

/* ==== endpoints and faults ==== */

enum endpoint { EP_DIRECT_POST, EP_STATUS, EP_RETAIN, EP_UPLOAD, EP_COUNT, EP_ANY = EP_COUNT };

static const struct {
    const char *name;
    const char *path;
    const char *method;
} ENDPOINTS[EP_COUNT] = {
    [EP_DIRECT_POST] = {"direct_post", "/api/tiktok/direct_post", "POST"},
    [EP_STATUS] = {"status", "/api/tiktok/status", "POST"},
    [EP_RETAIN] = {"album_retain", "/api/album/retain", "POST"},
    [EP_UPLOAD] = {"upload", "/api/upload", "PUT"},
};

enum fault_kind {
    FAULT_PROXY_ERROR,
    FAULT_TIKTOK_RATE_LIMIT,
    FAULT_TIKTOK_ERROR,
    FAULT_PASSTHROUGH,
    FAULT_ERROR,
    FAULT_HANG,
    FAULT_DROP,
    FAULT_MALFORMED,
    FAULT_HUGE,
    FAULT_HTML500,
    FAULT_UNKNOWN_STATE,
    FAULT_COUNT
};

static const char *const FAULT_NAMES[FAULT_COUNT] = {
    [FAULT_PROXY_ERROR] = "proxy_error",
    [FAULT_TIKTOK_RATE_LIMIT] = "tiktok_rate_limit",
    [FAULT_TIKTOK_ERROR] = "tiktok_error",
    [FAULT_PASSTHROUGH] = "passthrough",
    [FAULT_ERROR] = "error",
    [FAULT_HANG] = "hang",
    [FAULT_DROP] = "drop",
    [FAULT_MALFORMED] = "malformed",
    [FAULT_HUGE] = "huge",
    [FAULT_HTML500] = "html500",
    [FAULT_UNKNOWN_STATE] = "unknown_state",
};

static const char MALFORMED_BODY[] = "{\"ok\":true,\"publish_id\":\"7153";
static const char HTML500_BODY[] = "<html><head><title>500 Internal Server Error</title></head>"
                                   "<body><h1>Internal Server Error</h1></body></html>\n";
static const char JSON_TYPE[] = "application/json; charset=UTF-8";

/* ==== state ==== */

/* A clock: the time it is behind (offset_ms) or ahead of the one below it
 * (the real time for the global clock, the global clock for an account), or
 * a time that stands still until moved (frozen). */
struct emu_clock {
    int64_t offset_ms;
    int frozen;
    int64_t frozen_ms;
};

struct emu_plan {
    int pending_polls;  /* status answers that say pending before the end */
    int64_t pending_ms; /* and emulator time after the post before it */
    int failed;
    char fail_reason[64];
};

struct emu_post {
    char publish_id[32];
    int64_t at_ms;    /* the account's clock */
    char *source_url; /* video posts */
    char *caption;    /* trimmed; NULL when empty */
    int has_fingerprint;
    uint64_t fingerprint;
    cJSON *view; /* what the emulator understood, for /__control/posts */
    struct emu_plan plan;
    int64_t plan_from_ms; /* the post, or the plan set for it later */
    int pending_answers;  /* since plan_from_ms */
    int final;
};

struct emu_fault {
    int endpoint;
    enum fault_kind kind;
    int remaining;
    char code[64];
    char message[256];
    char state[32];
    char status[64];
    int64_t ms; /* hang duration, or the wait a scripted limit body names */
    int64_t bytes;
    int64_t after_bytes;
    int untimed; /* an error fault's limit body without its time fields */
};

struct emu_account {
    char open_id[72];
    struct emu_clock clock;
    int paid;
    int strict_storage;
    char *domain;
    char **stop_words;
    size_t n_stop_words;
    struct emu_post *posts;
    size_t n_posts, cap_posts;
    int64_t tiktok_cooldown_until;
    int64_t minute_calls[STATUS_PER_MINUTE];
    size_t n_minute_calls;
    int64_t hour_start;
    int hour_count;
    int hour_capped;
    int64_t status_cooldown_until;
    struct emu_plan next_plan;
    struct emu_fault faults[EMU_MAX_FAULTS];
    size_t n_faults;
};

struct emu_key {
    char *key;
    struct emu_account *account;
    size_t state; /* index into KEY_STATES */
};

struct emu_log {
    char *key; /* the Bearer token as sent; NULL for calls without one */
    unsigned calls[EP_COUNT];
    cJSON *last[EP_COUNT];
};

struct emu_upload {
    char *rel; /* path under /uploads/ and under the store */
    char *url;
    char open_id[72];
    char album_id[32];
    char content_type[32];
    int64_t size;
    int64_t at_ms;
    uint64_t fingerprint;
};

struct emu_album {
    char id[32];
    char open_id[72];
    int retained;
    int images;
};

static struct emu_state {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping;
    struct emu_clock clock;
    uint64_t counter;
    uint64_t seed;
    const char *store;
    struct emu_account **accounts;
    size_t n_accounts, cap_accounts;
    struct emu_key *keys;
    size_t n_keys, cap_keys;
    struct emu_log *logs;
    size_t n_logs, cap_logs;
    cJSON *last_any[EP_COUNT];
    struct emu_upload *uploads;
    size_t n_uploads, cap_uploads;
    struct emu_album *albums;
    size_t n_albums, cap_albums;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ==== small helpers ==== */

static void *grow(void *items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return items;
    size_t new_cap = *cap ? *cap * 2 : 16;
    void *bigger = realloc(items, new_cap * size);
    if (bigger)
        *cap = new_cap;
    return bigger;
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

static void copy_string(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static int64_t realtime_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t clock_read(const struct emu_clock *c, int64_t below)
{
    return c->frozen ? c->frozen_ms : below + c->offset_ms;
}

static void clock_write(struct emu_clock *c, int64_t below, int64_t value, int frozen)
{
    c->frozen = frozen;
    if (frozen)
        c->frozen_ms = value;
    else
        c->offset_ms = value - below;
}

static int64_t global_now(void)
{
    return clock_read(&g.clock, realtime_ms());
}

static int64_t account_now(const struct emu_account *a)
{
    return clock_read(&a->clock, global_now());
}

static void iso_time(int64_t ms, char out[32])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000));
}

/* "2026-12-01T12:00:00Z", with optional milliseconds. */
static int parse_iso_time(const char *text, int64_t *ms)
{
    struct tm tm = {0};
    int millis = 0, used = 0;
    if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &used) != 6)
        return -1;
    const char *rest = text + used;
    if (*rest == '.') {
        int digits = 0;
        for (rest++; isdigit((unsigned char)*rest); rest++, digits++)
            if (digits < 3)
                millis = millis * 10 + (*rest - '0');
        for (; digits < 3; digits++)
            millis *= 10;
    }
    if (strcmp(rest, "Z") != 0)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t secs = timegm(&tm);
    if (secs == (time_t)-1)
        return -1;
    *ms = (int64_t)secs * 1000 + millis;
    return 0;
}

static uint64_t next_number(void)
{
    /* splitmix64: distinct, unguessable-looking ids from a counter */
    uint64_t z = g.seed + ++g.counter * 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t fnv1a(uint64_t hash, const void *data, size_t size)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ p[i]) * 0x100000001b3ULL;
    return hash;
}

static const struct emu_error *find_error(const char *code)
{
    for (size_t i = 0; i < sizeof ERRORS / sizeof ERRORS[0]; i++)
        if (strcmp(ERRORS[i].code, code) == 0)
            return &ERRORS[i];
    return NULL;
}

static int contains_ci(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return 0;
    for (const char *p = haystack; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return 1;
    return 0;
}

/* Whitespace-trimmed copy; NULL for an empty result. */
static char *trimmed_copy(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return NULL;
    char *copy = malloc(n + 1);
    if (copy) {
        memcpy(copy, s, n);
        copy[n] = '\0';
    }
    return copy;
}

/* ==== replies ==== */

enum reply_kind { REPLY_NONE, REPLY_JSON, REPLY_DROP, REPLY_MALFORMED, REPLY_HUGE, REPLY_HTML500 };

struct emu_reply {
    enum reply_kind kind;
    unsigned http;
    cJSON *json;
    int64_t huge_bytes;
};

static void reply_json(struct emu_reply *r, unsigned http, cJSON *json)
{
    cJSON_Delete(r->json);
    r->kind = REPLY_JSON;
    r->http = http;
    r->json = json;
}

/* The documented body of CODE; MESSAGE replaces the table's when given.
 * Returns the object so that callers can add the documented extra fields. */
static cJSON *reply_error(struct emu_reply *r, const char *code, const char *message)
{
    const struct emu_error *e = find_error(code);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddFalseToObject(body, "ok");
    cJSON_AddStringToObject(body, "error", code);
    if (message || (e && e->message))
        cJSON_AddStringToObject(body, "message", message ? message : e->message);
    reply_json(r, e ? e->http : 400, body);
    return body;
}

static void reply_errorf(struct emu_reply *r, const char *code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void reply_errorf(struct emu_reply *r, const char *code, const char *format, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, format);
    vsnprintf(message, sizeof message, format, ap);
    va_end(ap);
    reply_error(r, code, message);
}

static void add_iso(cJSON *body, const char *name, int64_t ms)
{
    char when[32];
    iso_time(ms, when);
    cJSON_AddStringToObject(body, name, when);
}

static int64_t ceil_seconds(int64_t ms)
{
    return ms <= 0 ? 0 : (ms + 999) / 1000;
}

/* TikTok's own error object, as PM3K passes it on under "raw". */
static cJSON *tiktok_raw_error(const char *code, const char *message)
{
    cJSON *raw = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(raw, "error");
    cJSON_AddStringToObject(error, "code", code);
    cJSON_AddStringToObject(error, "message", message);
    char log_id[40];
    snprintf(log_id, sizeof log_id, "2025%016" PRIx64, next_number());
    cJSON_AddStringToObject(error, "log_id", log_id);
    return raw;
}

/* ==== the limit bodies, with their computed fields ==== */

static void reply_interval_limit(struct emu_reply *r, int64_t wait_ms)
{
    int64_t minutes = (wait_ms + 59999) / 60000;
    if (minutes < 1)
        minutes = 1;
    reply_errorf(r, "interval_limit",
                 "You must wait about %" PRId64 " more minutes before next TikTok post.", minutes);
}

static void reply_tiktok_rate_limit(struct emu_reply *r, struct emu_account *a, int64_t now)
{
    cJSON *body = reply_error(r, "tiktok_rate_limit", NULL);
    cJSON_AddNumberToObject(body, "retry_after_seconds", (double)LIMITS.tiktok_cooldown_ms / 1000);
    a->tiktok_cooldown_until = now + LIMITS.tiktok_cooldown_ms;
}

static void reply_rate_limit_status(struct emu_reply *r, int64_t retry_at)
{
    cJSON *body = reply_error(r, "rate_limit_status", NULL);
    add_iso(body, "retry_after", retry_at);
}

static void reply_status_cooldown(struct emu_reply *r, int64_t now, int64_t until)
{
    cJSON *body = reply_error(r, "status_cooldown", NULL);
    cJSON_AddStringToObject(body, "cooldown", "temporary_backoff");
    cJSON_AddNumberToObject(body, "retry_after_seconds", (double)ceil_seconds(until - now));
    add_iso(body, "retry_after", until);
    add_iso(body, "cooldownUntil", until);
}

static void reply_hourly_limit_status(struct emu_reply *r, int64_t reset_at)
{
    cJSON *body = reply_error(r, "hourly_limit_status", NULL);
    add_iso(body, "retry_after", reset_at);
    add_iso(body, "resetAt", reset_at);
}

/* Any documented code as a scripted answer, its extra fields computed
 * from the emulator clock and WAIT_MS (the wait it names). */
static void reply_scripted_error(struct emu_reply *r, struct emu_account *a, int64_t now,
                                 const struct emu_fault *f)
{
    const char *message = f->message[0] ? f->message : NULL;
    int64_t wait_ms = f->ms > 0 ? f->ms : LIMITS.hour_ms;
    if (f->untimed)
        reply_error(r, f->code, message);
    else if (strcmp(f->code, "tiktok_rate_limit") == 0)
        reply_tiktok_rate_limit(r, a, now);
    else if (strcmp(f->code, "interval_limit") == 0 && !message)
        reply_interval_limit(r, wait_ms);
    else if (strcmp(f->code, "rate_limit_status") == 0)
        reply_rate_limit_status(r, now + (f->ms > 0 ? f->ms : LIMITS.minute_ms));
    else if (strcmp(f->code, "status_cooldown") == 0)
        reply_status_cooldown(r, now, now + wait_ms);
    else if (strcmp(f->code, "hourly_limit_status") == 0)
        reply_hourly_limit_status(r, now + wait_ms);
    else if (strcmp(f->code, "tiktok_error") == 0)
        cJSON_AddItemToObject(reply_error(r, "tiktok_error", message), "raw",
                              tiktok_raw_error("internal_error", "Something went wrong."));
    else
        reply_error(r, f->code, message);
}

/* ==== accounts, keys and logs (callers hold g.lock) ==== */

static struct emu_account *find_account(const char *open_id)
{
    for (size_t i = 0; i < g.n_accounts; i++)
        if (strcmp(g.accounts[i]->open_id, open_id) == 0)
            return g.accounts[i];
    return NULL;
}

static void default_plan(struct emu_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    plan->pending_polls = 1;
}

static struct emu_account *add_account(const char *open_id)
{
    void *accounts = grow(g.accounts, &g.cap_accounts, g.n_accounts, sizeof *g.accounts);
    if (!accounts)
        return NULL;
    g.accounts = accounts;
    struct emu_account *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    copy_string(a->open_id, sizeof a->open_id, open_id);
    default_plan(&a->next_plan);
    g.accounts[g.n_accounts++] = a;
    return a;
}

static void free_stop_words(struct emu_account *a)
{
    for (size_t i = 0; i < a->n_stop_words; i++)
        free(a->stop_words[i]);
    free(a->stop_words);
    a->stop_words = NULL;
    a->n_stop_words = 0;
}

static void free_account(struct emu_account *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n_posts; i++) {
        free(a->posts[i].source_url);
        free(a->posts[i].caption);
        cJSON_Delete(a->posts[i].view);
    }
    free(a->posts);
    free_stop_words(a);
    free(a->domain);
    free(a);
}

static struct emu_key *find_key(const char *key)
{
    for (size_t i = 0; i < g.n_keys; i++)
        if (strcmp(g.keys[i].key, key) == 0)
            return &g.keys[i];
    return NULL;
}

static struct emu_log *find_log(const char *key, int create)
{
    for (size_t i = 0; i < g.n_logs; i++) {
        const char *k = g.logs[i].key;
        if ((!k && !key) || (k && key && strcmp(k, key) == 0))
            return &g.logs[i];
    }
    if (!create || g.n_logs >= EMU_MAX_LOGS)
        return NULL;
    void *logs = grow(g.logs, &g.cap_logs, g.n_logs, sizeof *g.logs);
    if (!logs)
        return NULL;
    g.logs = logs;
    struct emu_log *log = &g.logs[g.n_logs];
    memset(log, 0, sizeof *log);
    if (key && !(log->key = dup_string(key)))
        return NULL;
    g.n_logs++;
    return log;
}

static void free_log(struct emu_log *log)
{
    free(log->key);
    for (int e = 0; e < EP_COUNT; e++)
        cJSON_Delete(log->last[e]);
}

/* The account a Bearer token opens, or the documented error it gets. */
static struct emu_account *authorize(const char *token, const char **error)
{
    *error = NULL;
    if (!token) {
        *error = "unauthorized";
        return NULL;
    }
    const struct emu_key *k = find_key(token);
    if (!k) {
        *error = "invalid_api_key";
        return NULL;
    }
    *error = KEY_STATES[k->state].error;
    return *error ? NULL : k->account;
}

/* "Bearer TOKEN" (scheme case-insensitive); NULL when missing or malformed. */
static char *bearer_token(const char *header)
{
    if (!header || strncasecmp(header, "Bearer", 6) != 0 || !isspace((unsigned char)header[6]))
        return NULL;
    const char *token = header + 6;
    while (*token == ' ' || *token == '\t')
        token++;
    size_t n = 0;
    while (token[n] && !isspace((unsigned char)token[n]))
        n++;
    for (const char *rest = token + n; *rest; rest++)
        if (!isspace((unsigned char)*rest))
            return NULL;
    if (n == 0)
        return NULL;
    char *copy = malloc(n + 1);
    if (copy) {
        memcpy(copy, token, n);
        copy[n] = '\0';
    }
    return copy;
}

/* ==== faults ==== */

static int pop_fault(struct emu_account *a, int endpoint, struct emu_fault *out)
{
    for (size_t i = 0; i < a->n_faults; i++) {
        struct emu_fault *f = &a->faults[i];
        if (f->endpoint != EP_ANY && f->endpoint != endpoint)
            continue;
        *out = *f;
        if (--f->remaining <= 0) {
            memmove(f, f + 1, (a->n_faults - i - 1) * sizeof *f);
            a->n_faults--;
        }
        return 1;
    }
    return 0;
}

/* Waits up to MS, or until the emulator stops. Called without g.lock. */
static void hang(int64_t ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (time_t)(ms / 1000);
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&g.lock);
    while (!g.stopping)
        if (pthread_cond_timedwait(&g.wake, &g.lock, &deadline) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&g.lock);
}

static cJSON *status_body(const char *status, const char *state, const char *fail_reason);

static void reply_fault(struct emu_reply *r, struct emu_account *a, const struct emu_fault *f)
{
    int64_t now = account_now(a);
    const char *message = f->message[0] ? f->message : NULL;
    switch (f->kind) {
    case FAULT_PROXY_ERROR:
        reply_error(r, "proxy_error", message);
        break;
    case FAULT_TIKTOK_RATE_LIMIT:
        reply_tiktok_rate_limit(r, a, now);
        break;
    case FAULT_TIKTOK_ERROR:
        cJSON_AddItemToObject(reply_error(r, "tiktok_error", message), "raw",
                              tiktok_raw_error(f->code, "TikTok returned an error."));
        break;
    case FAULT_PASSTHROUGH: {
        cJSON *body = reply_error(r, f->code, message ? message : "TikTok returned an error.");
        r->http = 400;
        cJSON_AddItemToObject(body, "raw", tiktok_raw_error(f->code, "TikTok returned an error."));
        break;
    }
    case FAULT_ERROR:
        reply_scripted_error(r, a, now, f);
        break;
    case FAULT_UNKNOWN_STATE:
        reply_json(r, 200, status_body(f->status, f->state, NULL));
        break;
    case FAULT_DROP:
        r->kind = REPLY_DROP;
        break;
    case FAULT_MALFORMED:
        r->kind = REPLY_MALFORMED;
        r->http = 200;
        break;
    case FAULT_HUGE:
        r->kind = REPLY_HUGE;
        r->http = 200;
        r->huge_bytes = f->bytes;
        break;
    case FAULT_HTML500:
        r->kind = REPLY_HTML500;
        r->http = 500;
        break;
    case FAULT_HANG:
    case FAULT_COUNT:
        break;
    }
}

/* ==== requests ==== */

enum route { ROUTE_API, ROUTE_CONTROL, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };

struct emu_request {
    enum route route;
    int endpoint;
    char *path;
    char method[16];
    char *body;
    size_t body_len, body_cap;
    int body_overflow;
    char *token; /* the Bearer token as sent, NULL without one */
    int has_fault;
    struct emu_fault fault;
    int early;      /* a reply was queued before the body */
    int discarding; /* the body is read and dropped, then REFUSED answers */
    struct emu_reply refused;
    int64_t discarded;
    /* PUT /api/upload */
    int fd;
    char *part_path;
    int64_t declared;
    int64_t received;
    uint64_t fingerprint;
    int upload_type;
    char album_id[32];
    int new_album;
};

static cJSON *parse_body(const struct emu_request *req, const char *content_type,
                         struct emu_reply *r)
{
    if (content_type && (strncasecmp(content_type, "application/x-www-form-urlencoded", 33) == 0 ||
                         strncasecmp(content_type, "multipart/form-data", 19) == 0)) {
        reply_error(r, "invalid_request",
                    "Send a JSON body (Content-Type: application/json), not form-data or "
                    "x-www-form-urlencoded.");
        return NULL;
    }
    if (req->body_overflow) {
        reply_error(r, "bad_request", "Request body is too large.");
        return NULL;
    }
    const char *text = req->body ? req->body : "";
    cJSON *json = NULL;
    if (strlen(text) == req->body_len)
        json = cJSON_ParseWithLengthOpts(text, req->body_len + 1, NULL, 1);
    if (!cJSON_IsObject(json)) {
        cJSON_Delete(json);
        reply_error(r, "bad_request", "Invalid JSON body.");
        return NULL;
    }
    return json;
}

/* ==== POST /api/tiktok/direct_post ==== */

struct post_media {
    int photo;
    const char *source_url;
    int has_fingerprint;
    uint64_t fingerprint;
};

struct url_parts {
    char host[256];
    char path[EMU_MAX_URL];
};

/* NULL when URL is an https URL with a host, else why not. */
static const char *parse_url(const char *url, struct url_parts *u)
{
    if (strlen(url) >= EMU_MAX_URL)
        return "URL is too long.";
    if (strncasecmp(url, "https://", 8) != 0)
        return strstr(url, "://") ? "URL must use https://." : "Invalid URL format.";
    const char *authority = url + 8;
    size_t n = strcspn(authority, "/?#");
    const char *at = memchr(authority, '@', n);
    const char *host = at ? at + 1 : authority;
    size_t host_len = n - (size_t)(host - authority);
    const char *colon = memchr(host, ':', host_len);
    if (colon)
        host_len = (size_t)(colon - host);
    if (host_len == 0 || host_len >= sizeof u->host)
        return "Invalid URL format.";
    for (size_t i = 0; i < host_len; i++) {
        unsigned char c = (unsigned char)host[i];
        if (c <= ' ' || c == '\\' || c >= 0x7f)
            return "Invalid URL format.";
        u->host[i] = (char)tolower(c);
    }
    u->host[host_len] = '\0';
    const char *path = authority + n;
    size_t path_len = *path == '/' ? strcspn(path, "?#") : 0;
    memcpy(u->path, path_len ? path : "/", path_len ? path_len : 1);
    u->path[path_len ? path_len : 1] = '\0';
    return NULL;
}

static const struct emu_upload *find_upload(const char *rel)
{
    for (size_t i = 0; i < g.n_uploads; i++)
        if (strcmp(g.uploads[i].rel, rel) == 0)
            return &g.uploads[i];
    return NULL;
}

/* The host rules of one media URL: PM3K storage, or the verified domain.
 * Sets *stored for a file of PM3K storage the emulator holds. Returns 0, or
 * -1 with R filled. */
static int check_media_url(const struct emu_account *a, const char *field, const char *url,
                           const struct emu_upload **stored, struct url_parts *u,
                           struct emu_reply *r)
{
    const char *why = parse_url(url, u);
    if (why) {
        reply_errorf(r, "bad_request", "%s %s", field, why);
        return -1;
    }
    *stored = NULL;
    if (strcmp(u->host, STORAGE_HOST) == 0) {
        if (strncmp(u->path, "/uploads/", 9) == 0)
            *stored = find_upload(u->path + 9);
        if (!*stored && a->strict_storage) {
            reply_error(r, "fetch_error", NULL);
            return -1;
        }
        return 0;
    }
    if (!a->domain) {
        reply_error(r, "domain_not_verified", NULL);
        return -1;
    }
    if (strcmp(u->host, a->domain) != 0) {
        reply_error(r, "domain_mismatch", NULL);
        return -1;
    }
    return 0;
}

static const char *url_extension(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    return dot ? dot + 1 : "";
}

static int check_photo_type(const struct url_parts *u, struct emu_reply *r)
{
    const char *ext = url_extension(u->path);
    int on_storage = strcmp(u->host, STORAGE_HOST) == 0;
    for (size_t i = 0; i < sizeof PHOTO_TYPES / sizeof PHOTO_TYPES[0]; i++) {
        if (strcasecmp(PHOTO_TYPES[i].ext, ext) != 0)
            continue;
        if (on_storage ? PHOTO_TYPES[i].on_storage : PHOTO_TYPES[i].external)
            return 0;
        reply_errorf(r, "unsupported_image_type",
                     on_storage ? "PM3K-hosted photo URLs must be JPEG/WebP (got .%s)."
                                : "External images may be JPEG/WebP/PNG (got .%s).",
                     ext);
        return -1;
    }
    return 0;
}

static int check_photo_images(const struct emu_account *a, cJSON *body, cJSON *view,
                              struct emu_reply *r)
{
    cJSON *images = cJSON_GetObjectItemCaseSensitive(body, "photo_images");
    if (!images || cJSON_IsNull(images)) {
        reply_error(r, "too_few_images", NULL);
        return -1;
    }
    if (!cJSON_IsArray(images)) {
        reply_error(r, "bad_request", "photo_images must be an array of image URLs.");
        return -1;
    }
    int count = cJSON_GetArraySize(images);
    if (count == 0) {
        reply_error(r, "too_few_images", NULL);
        return -1;
    }
    if (count > LIMITS.max_images) {
        reply_errorf(r, "too_many_images", "Photo post included %d images; the most is %d.", count,
                     LIMITS.max_images);
        return -1;
    }
    int i = 0;
    cJSON *image;
    cJSON_ArrayForEach(image, images)
    {
        const struct emu_upload *stored;
        struct url_parts u;
        char field[48];
        snprintf(field, sizeof field, "photo_images[%d]:", i++);
        if (!cJSON_IsString(image)) {
            reply_errorf(r, "bad_request", "%s must be an image URL string.", field);
            return -1;
        }
        if (check_media_url(a, field, image->valuestring, &stored, &u, r) != 0 ||
            check_photo_type(&u, r) != 0)
            return -1;
    }
    cJSON_AddItemToObject(view, "photo_images", cJSON_Duplicate(images, 1));
    return count;
}

static int check_photo(const struct emu_account *a, cJSON *body, cJSON *view, struct emu_reply *r)
{
    int count = check_photo_images(a, body, view, r);
    if (count < 0)
        return -1;
    cJSON *cover = cJSON_GetObjectItemCaseSensitive(body, "photo_cover_index");
    if (!cover || cJSON_IsNull(cover)) {
        reply_error(r, "bad_request", "photo_cover_index is required for photo posts.");
        return -1;
    }
    if (!cJSON_IsNumber(cover)) {
        reply_error(r, "bad_request", "photo_cover_index must be a number.");
        return -1;
    }
    double index = cover->valuedouble;
    if (index < 0 || index >= count || index != (double)(int)index) {
        reply_errorf(r, "cover_out_of_range", "photo_cover_index must be an integer from 0 to %d.",
                     count - 1);
        return -1;
    }
    cJSON_AddNumberToObject(view, "photo_cover_index", index);
    return 0;
}

static int check_video(const struct emu_account *a, cJSON *body, cJSON *view, struct post_media *m,
                       struct emu_reply *r)
{
    cJSON *url = cJSON_GetObjectItemCaseSensitive(body, "source_url");
    if (!cJSON_IsString(url) || url->valuestring[0] == '\0') {
        reply_error(r, "bad_request", "source_url is required for video posts.");
        return -1;
    }
    const struct emu_upload *stored;
    struct url_parts u;
    if (check_media_url(a, "source_url:", url->valuestring, &stored, &u, r) != 0)
        return -1;
    int64_t max = a->paid ? LIMITS.video_max_paid : LIMITS.video_max_free;
    if (stored && stored->size > max) {
        reply_error(r, "too_large", NULL);
        return -1;
    }
    m->source_url = url->valuestring;
    if (stored) {
        m->has_fingerprint = 1;
        m->fingerprint = stored->fingerprint;
    }
    cJSON_AddStringToObject(view, "source_url", url->valuestring);
    return 0;
}

static int check_media(const struct emu_account *a, cJSON *body, cJSON *view, struct post_media *m,
                       struct emu_reply *r)
{
    cJSON *type = cJSON_GetObjectItemCaseSensitive(body, "media_type");
    memset(m, 0, sizeof *m);
    if (type && !cJSON_IsNull(type)) {
        if (!cJSON_IsString(type) || (strcasecmp(type->valuestring, "PHOTO") != 0 &&
                                      strcasecmp(type->valuestring, "VIDEO") != 0)) {
            reply_error(r, "bad_request", "media_type must be VIDEO or PHOTO.");
            return -1;
        }
        m->photo = strcasecmp(type->valuestring, "PHOTO") == 0;
    }
    cJSON_AddStringToObject(view, "media_type", m->photo ? "PHOTO" : "VIDEO");
    return m->photo ? check_photo(a, body, view, r) : check_video(a, body, view, m, r);
}

static int check_privacy(cJSON *body, cJSON *view, struct emu_reply *r)
{
    cJSON *privacy = cJSON_GetObjectItemCaseSensitive(body, "privacy");
    if (!privacy || cJSON_IsNull(privacy)) {
        reply_error(r, "invalid_request", "privacy is required.");
        return -1;
    }
    if (!cJSON_IsString(privacy)) {
        reply_error(r, "invalid_request", "privacy must be a string.");
        return -1;
    }
    const char *canonical = PRIVACY_FALLBACK;
    for (size_t i = 0; i < sizeof PRIVACY / sizeof PRIVACY[0]; i++)
        if (strcasecmp(PRIVACY[i].name, privacy->valuestring) == 0)
            canonical = PRIVACY[i].canonical;
    cJSON_AddStringToObject(view, "privacy", canonical);
    cJSON_AddStringToObject(view, "privacy_sent", privacy->valuestring);
    return 0;
}

static int check_branded(cJSON *body, cJSON *view, struct emu_reply *r)
{
    int on[sizeof BRAND_FIELDS / sizeof BRAND_FIELDS[0]] = {0};
    for (size_t i = 0; i < sizeof BRAND_FIELDS / sizeof BRAND_FIELDS[0]; i++) {
        cJSON *field = cJSON_GetObjectItemCaseSensitive(body, BRAND_FIELDS[i]);
        if (!field || cJSON_IsNull(field))
            continue;
        if (!cJSON_IsBool(field)) {
            reply_errorf(r, "invalid_request", "%s must be a boolean (true/false), not a %s.",
                         BRAND_FIELDS[i], cJSON_IsString(field) ? "string" : "non-boolean");
            return -1;
        }
        on[i] = cJSON_IsTrue(field);
    }
    int disclosed = on[1] || on[2] || on[3] || on[4];
    if (on[0] && !disclosed) {
        reply_error(r, "invalid_request",
                    "is_ad is true but no disclosure type is selected: send brand_organic_toggle "
                    "or brand_content_toggle.");
        return -1;
    }
    cJSON_AddBoolToObject(view, "is_ad", on[0]);
    cJSON_AddBoolToObject(view, "brand_organic", on[1] || on[3]);
    cJSON_AddBoolToObject(view, "brand_content", on[2] || on[4]);
    return 0;
}

/* Links and stop words. *caption gets the trimmed caption (NULL: empty). */
static int check_title(const struct emu_account *a, cJSON *body, cJSON *view, char **caption,
                       struct emu_reply *r)
{
    static const char *const LINKS[] = {"http://", "https://", "www."};
    cJSON *title = cJSON_GetObjectItemCaseSensitive(body, "title");
    *caption = NULL;
    if (!title || cJSON_IsNull(title))
        return 0;
    if (!cJSON_IsString(title)) {
        reply_error(r, "invalid_request", "title must be a string.");
        return -1;
    }
    for (size_t i = 0; i < sizeof LINKS / sizeof LINKS[0]; i++)
        if (contains_ci(title->valuestring, LINKS[i])) {
            reply_error(r, "links_forbidden", NULL);
            return -1;
        }
    for (size_t i = 0; i < a->n_stop_words; i++)
        if (contains_ci(title->valuestring, a->stop_words[i])) {
            reply_errorf(r, "forbidden_word", "Caption contains forbidden content: \"%s\".",
                         a->stop_words[i]);
            return -1;
        }
    cJSON_AddStringToObject(view, "title", title->valuestring);
    *caption = trimmed_copy(title->valuestring);
    return 0;
}

static int posting_limits(struct emu_account *a, int64_t now, struct emu_reply *r)
{
    if (now < a->tiktok_cooldown_until) {
        reply_error(r, "tiktok_cooldown", NULL);
        return -1;
    }
    int today = 0;
    int64_t last = INT64_MIN;
    for (size_t i = 0; i < a->n_posts; i++) {
        int64_t at = a->posts[i].at_ms;
        if (at > now - LIMITS.day_ms && at <= now)
            today++;
        if (at <= now && at > last)
            last = at;
    }
    if (today >= LIMITS.posts_per_day) {
        reply_error(r, "daily_limit", NULL);
        return -1;
    }
    if (last != INT64_MIN && now - last < LIMITS.post_interval_ms) {
        reply_interval_limit(r, LIMITS.post_interval_ms - (now - last));
        return -1;
    }
    return 0;
}

static int within(int64_t at, int64_t now, int64_t window)
{
    return at <= now && now - at < window;
}

static int caption_accounts(const char *caption, const struct emu_account *self, int64_t now)
{
    int accounts = 0;
    for (size_t i = 0; i < g.n_accounts; i++) {
        const struct emu_account *other = g.accounts[i];
        if (other == self)
            continue;
        for (size_t j = 0; j < other->n_posts; j++) {
            const struct emu_post *p = &other->posts[j];
            if (p->caption && strcmp(p->caption, caption) == 0 &&
                within(p->at_ms, now, LIMITS.caption_global_ms)) {
                accounts++;
                break;
            }
        }
    }
    return accounts;
}

static int duplicate_rules(const struct emu_account *a, int64_t now, const struct post_media *m,
                           const char *caption, struct emu_reply *r)
{
    for (size_t i = 0; !m->photo && i < a->n_posts; i++) {
        const struct emu_post *p = &a->posts[i];
        int same_url = p->source_url && strcmp(p->source_url, m->source_url) == 0 &&
                       within(p->at_ms, now, LIMITS.video_duplicate_ms);
        int same_media = m->has_fingerprint && p->has_fingerprint &&
                         p->fingerprint == m->fingerprint &&
                         within(p->at_ms, now, LIMITS.fingerprint_dup_ms);
        if (same_url || same_media) {
            reply_error(r, "video_duplicate", NULL);
            return -1;
        }
    }
    if (!caption)
        return 0;
    for (size_t i = 0; i < a->n_posts; i++) {
        const struct emu_post *p = &a->posts[i];
        if (p->caption && strcmp(p->caption, caption) == 0 &&
            within(p->at_ms, now, LIMITS.caption_account_ms)) {
            reply_error(r, "caption_duplicate_account", NULL);
            return -1;
        }
    }
    if (caption_accounts(caption, a, now) >= LIMITS.caption_global_accounts) {
        reply_error(r, "caption_global_spam", NULL);
        return -1;
    }
    return 0;
}

static void record_post(struct emu_account *a, int64_t now, const struct post_media *m,
                        char *caption, cJSON *view, struct emu_reply *r)
{
    void *posts = NULL;
    if (a->n_posts < EMU_MAX_POSTS_PER_ACCOUNT &&
        (posts = grow(a->posts, &a->cap_posts, a->n_posts, sizeof *a->posts)))
        a->posts = posts;
    char *url = m->source_url ? dup_string(m->source_url) : NULL;
    if (!posts || (m->source_url && !url)) {
        free(url);
        free(caption);
        cJSON_Delete(view);
        reply_error(r, "emulator_full", NULL);
        return;
    }
    struct emu_post *p = &a->posts[a->n_posts++];
    memset(p, 0, sizeof *p);
    snprintf(p->publish_id, sizeof p->publish_id, "7153%018" PRIu64,
             (uint64_t)(next_number() % 1000000000000000000ULL));
    p->at_ms = now;
    p->source_url = url;
    p->caption = caption;
    p->has_fingerprint = m->has_fingerprint;
    p->fingerprint = m->fingerprint;
    p->plan = a->next_plan;
    p->plan_from_ms = now;
    cJSON_AddStringToObject(view, "publish_id", p->publish_id);
    add_iso(view, "at", now);
    p->view = view;
    /* "A new successful post clears this cooldown earlier." */
    a->status_cooldown_until = 0;
    cJSON *ok = cJSON_CreateObject();
    cJSON_AddTrueToObject(ok, "ok");
    cJSON_AddStringToObject(ok, "publish_id", p->publish_id);
    reply_json(r, 200, ok);
}

static void handle_direct_post(struct emu_account *a, const struct emu_request *req,
                               const char *content_type, struct emu_reply *r)
{
    cJSON *body = parse_body(req, content_type, r);
    if (!body)
        return;
    cJSON *view = cJSON_CreateObject();
    char *caption = NULL;
    struct post_media media;
    int64_t now = account_now(a);
    if (check_privacy(body, view, r) != 0 || check_branded(body, view, r) != 0 ||
        check_title(a, body, view, &caption, r) != 0 ||
        check_media(a, body, view, &media, r) != 0 || posting_limits(a, now, r) != 0 ||
        duplicate_rules(a, now, &media, caption, r) != 0) {
        free(caption);
        cJSON_Delete(view);
        cJSON_Delete(body);
        return;
    }
    record_post(a, now, &media, caption, view, r);
    cJSON_Delete(body);
}

/* ==== POST /api/tiktok/status ==== */

static cJSON *status_body(const char *status, const char *state, const char *fail_reason)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddTrueToObject(body, "ok");
    cJSON_AddStringToObject(body, "status", status);
    cJSON_AddStringToObject(body, "state", state);
    if (fail_reason)
        cJSON_AddStringToObject(body, "fail_reason", fail_reason);
    else
        cJSON_AddNullToObject(body, "fail_reason");
    cJSON *raw = tiktok_raw_error("ok", "");
    cJSON *data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "status", status);
    if (fail_reason)
        cJSON_AddStringToObject(data, "fail_reason", fail_reason);
    cJSON_AddItemToObject(data, "publicaly_available_post_id", cJSON_CreateArray());
    cJSON_AddNumberToObject(data, "uploaded_bytes", 0);
    cJSON_AddItemToObject(raw, "data", data);
    cJSON_AddItemToObject(body, "raw", raw);
    return body;
}

/* The status limits; 0 when the call is admitted (and counted). */
static int status_limits(struct emu_account *a, int64_t now, struct emu_reply *r)
{
    if (now < a->status_cooldown_until) {
        reply_status_cooldown(r, now, a->status_cooldown_until);
        return -1;
    }
    if (a->hour_count == 0 || now >= a->hour_start + LIMITS.hour_ms || now < a->hour_start) {
        a->hour_start = now;
        a->hour_count = 0;
        a->hour_capped = 0;
    }
    if (a->hour_count >= LIMITS.status_per_hour) {
        if (!a->hour_capped) {
            a->hour_capped = 1;
            a->status_cooldown_until = now + LIMITS.status_cooldown_ms;
            reply_status_cooldown(r, now, a->status_cooldown_until);
        } else {
            reply_hourly_limit_status(r, a->hour_start + LIMITS.hour_ms);
        }
        return -1;
    }
    size_t kept = 0;
    for (size_t i = 0; i < a->n_minute_calls; i++)
        if (within(a->minute_calls[i], now, LIMITS.minute_ms))
            a->minute_calls[kept++] = a->minute_calls[i];
    a->n_minute_calls = kept;
    if (kept >= STATUS_PER_MINUTE) {
        reply_rate_limit_status(r, a->minute_calls[0] + LIMITS.minute_ms);
        return -1;
    }
    a->minute_calls[a->n_minute_calls++] = now;
    a->hour_count++;
    return 0;
}

static struct emu_post *find_post(struct emu_account *a, const char *publish_id)
{
    for (size_t i = 0; i < a->n_posts; i++)
        if (strcmp(a->posts[i].publish_id, publish_id) == 0)
            return &a->posts[i];
    return NULL;
}

static void answer_status(struct emu_post *p, int64_t now, struct emu_reply *r)
{
    if (!p->final && p->pending_answers >= p->plan.pending_polls &&
        now - p->plan_from_ms >= p->plan.pending_ms)
        p->final = 1;
    if (!p->final) {
        p->pending_answers++;
        reply_json(r, 200, status_body("PUBLISHING", "pending", NULL));
    } else if (p->plan.failed) {
        const char *reason = p->plan.fail_reason[0] ? p->plan.fail_reason : "internal";
        reply_json(r, 200, status_body("PUBLISH_FAILED", "failed", reason));
    } else {
        reply_json(r, 200, status_body("PUBLISH_COMPLETE", "done", NULL));
    }
}

static void handle_status(struct emu_account *a, const struct emu_request *req,
                          const char *content_type, struct emu_reply *r)
{
    cJSON *body = parse_body(req, content_type, r);
    if (!body)
        return;
    cJSON *id = cJSON_GetObjectItemCaseSensitive(body, "publish_id");
    int64_t now = account_now(a);
    if (!cJSON_IsString(id) || id->valuestring[0] == '\0') {
        reply_error(r, "bad_request", "publish_id is required.");
    } else if (status_limits(a, now, r) == 0) {
        struct emu_post *p = find_post(a, id->valuestring);
        if (p)
            answer_status(p, now, r);
        else
            cJSON_AddItemToObject(
                reply_error(r, "tiktok_error", NULL), "raw",
                tiktok_raw_error("invalid_publish_id", "The publish_id does not exist."));
    }
    cJSON_Delete(body);
}

/* ==== POST /api/album/retain ==== */

static struct emu_album *find_album(const char *open_id, const char *id)
{
    for (size_t i = 0; i < g.n_albums; i++)
        if (strcmp(g.albums[i].id, id) == 0 && strcmp(g.albums[i].open_id, open_id) == 0)
            return &g.albums[i];
    return NULL;
}

static void handle_retain(struct emu_account *a, const struct emu_request *req,
                          const char *content_type, struct emu_reply *r)
{
    cJSON *body = parse_body(req, content_type, r);
    if (!body)
        return;
    cJSON *id = cJSON_GetObjectItemCaseSensitive(body, "album_id");
    struct emu_album *album = NULL;
    if (!cJSON_IsString(id) || id->valuestring[0] == '\0') {
        reply_error(r, "bad_request", "album_id is required.");
    } else if (!(album = find_album(a->open_id, id->valuestring))) {
        reply_error(r, "album_not_found", NULL);
    } else {
        album->retained = 1;
        cJSON *ok = cJSON_CreateObject();
        cJSON_AddTrueToObject(ok, "ok");
        cJSON_AddStringToObject(ok, "album_id", album->id);
        cJSON_AddTrueToObject(ok, "retained");
        reply_json(r, 200, ok);
    }
    cJSON_Delete(body);
}

/* ==== PUT /api/upload ==== */

static const char *header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static int upload_type(const char *content_type, const char *filename)
{
    size_t n = content_type ? strcspn(content_type, "; \t") : 0;
    const size_t types = sizeof UPLOAD_TYPES / sizeof UPLOAD_TYPES[0];
    for (size_t i = 0; n && i < types; i++)
        if (strlen(UPLOAD_TYPES[i].type) == n &&
            strncasecmp(UPLOAD_TYPES[i].type, content_type, n) == 0)
            return (int)i;
    if (n && strncasecmp(content_type, "application/octet-stream", n) != 0)
        return -1;
    const char *ext = filename ? url_extension(filename) : "";
    for (size_t i = 0; *ext && i < types; i++)
        if (strcasecmp(UPLOAD_TYPES[i].ext, ext) == 0 ||
            (UPLOAD_TYPES[i].alias_ext && strcasecmp(UPLOAD_TYPES[i].alias_ext, ext) == 0))
            return (int)i;
    return -1;
}

static int parse_length(const char *text, int64_t *out)
{
    int64_t value = 0;
    if (!text || !*text)
        return -1;
    for (const char *p = text; *p; p++) {
        if (!isdigit((unsigned char)*p) || value > (INT64_MAX - 9) / 10)
            return -1;
        value = value * 10 + (*p - '0');
    }
    *out = value;
    return 0;
}

/* What the headers alone decide (type, size, album); 0 to read the body. */
static int upload_headers(struct emu_account *a, struct emu_request *req,
                          struct MHD_Connection *conn, struct emu_reply *r)
{
    const char *length = header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *album = header(conn, "X-Album-Id");
    if (!length) {
        reply_error(r, "content_length_required", "Content-Length is required for uploads.");
        r->http = 411;
        return -1;
    }
    if (parse_length(length, &req->declared) != 0 || req->declared == 0) {
        reply_error(r, "bad_request", "Content-Length must be a positive number of bytes.");
        return -1;
    }
    req->upload_type =
        upload_type(header(conn, MHD_HTTP_HEADER_CONTENT_TYPE), header(conn, "X-Filename"));
    if (req->upload_type < 0) {
        reply_error(r, "bad_request",
                    "Unsupported upload type: send video/mp4, video/quicktime, image/jpeg or "
                    "image/webp.");
        return -1;
    }
    int image = UPLOAD_TYPES[req->upload_type].image;
    if (!UPLOAD_TYPES[req->upload_type].accepted) {
        reply_error(r, "unsupported_image_type", "PM3K-hosted photos must be JPEG or WebP.");
        return -1;
    }
    int64_t max =
        image ? LIMITS.image_max_bytes : (a->paid ? LIMITS.video_max_paid : LIMITS.video_max_free);
    if (req->declared > max) {
        reply_errorf(r, image ? "image_too_large" : "too_large",
                     "The upload (%" PRId64 " bytes) is over the %" PRId64 "-byte limit.",
                     req->declared, max);
        r->http = 413;
        return -1;
    }
    if (album && !image) {
        reply_error(r, "bad_request", "X-Album-Id is only for photo uploads.");
        return -1;
    }
    if (album && !find_album(a->open_id, album)) {
        reply_error(r, "album_not_found", NULL);
        return -1;
    }
    req->new_album = image && !album;
    if (album)
        copy_string(req->album_id, sizeof req->album_id, album);
    else if (image)
        snprintf(req->album_id, sizeof req->album_id, "alb%012" PRIx64,
                 (uint64_t)(next_number() & 0xffffffffffffULL));
    return 0;
}

/* Called with g.lock held (next_number). */
static int open_part(struct emu_request *req)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/.partial", g.store);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return -1;
    size_t n = strlen(dir) + 32;
    req->part_path = malloc(n);
    if (!req->part_path)
        return -1;
    snprintf(req->part_path, n, "%s/%016" PRIx64 ".part", dir, next_number());
    req->fd = open(req->part_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    return req->fd < 0 ? -1 : 0;
}

static int mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0755);
        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

static void remove_part(struct emu_request *req)
{
    if (req->fd >= 0)
        close(req->fd);
    req->fd = -1;
    if (req->part_path)
        unlink(req->part_path);
    free(req->part_path);
    req->part_path = NULL;
}

static int add_upload(struct emu_account *a, const struct emu_request *req, const char *rel,
                      const char *url)
{
    if (g.n_uploads >= EMU_MAX_UPLOADS)
        return -1;
    void *uploads = grow(g.uploads, &g.cap_uploads, g.n_uploads, sizeof *g.uploads);
    if (!uploads)
        return -1;
    g.uploads = uploads;
    if (req->new_album) {
        void *albums = grow(g.albums, &g.cap_albums, g.n_albums, sizeof *g.albums);
        if (!albums)
            return -1;
        g.albums = albums;
        struct emu_album *album = &g.albums[g.n_albums++];
        memset(album, 0, sizeof *album);
        copy_string(album->id, sizeof album->id, req->album_id);
        copy_string(album->open_id, sizeof album->open_id, a->open_id);
    }
    struct emu_album *album = req->album_id[0] ? find_album(a->open_id, req->album_id) : NULL;
    if (album)
        album->images++;
    struct emu_upload *u = &g.uploads[g.n_uploads];
    memset(u, 0, sizeof *u);
    u->rel = dup_string(rel);
    u->url = dup_string(url);
    if (!u->rel || !u->url) {
        free(u->rel);
        free(u->url);
        return -1;
    }
    copy_string(u->open_id, sizeof u->open_id, a->open_id);
    copy_string(u->album_id, sizeof u->album_id, req->album_id);
    copy_string(u->content_type, sizeof u->content_type, UPLOAD_TYPES[req->upload_type].type);
    u->size = req->received;
    u->at_ms = account_now(a);
    u->fingerprint = req->fingerprint;
    g.n_uploads++;
    return 0;
}

/* The relative path of a new upload: <open_id>/<date>/<id>.<ext>, or
 * <open_id>/albums/<album_id>/<id>.<ext> for a photo. */
static void upload_rel_path(const struct emu_account *a, const struct emu_request *req, char *rel,
                            size_t size)
{
    const char *ext = UPLOAD_TYPES[req->upload_type].ext;
    uint64_t id = next_number();
    if (req->album_id[0]) {
        snprintf(rel, size, "%s/albums/%s/%016" PRIx64 ".%s", a->open_id, req->album_id, id, ext);
        return;
    }
    time_t secs = (time_t)(account_now(a) / 1000);
    struct tm tm;
    char date[16];
    gmtime_r(&secs, &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    snprintf(rel, size, "%s/%s/%016" PRIx64 ".%s", a->open_id, date, id, ext);
}

static void finish_upload(struct emu_account *a, struct emu_request *req, struct emu_reply *r)
{
    char rel[512], url[640], path[4096 + 512];
    upload_rel_path(a, req, rel, sizeof rel);
    snprintf(url, sizeof url, "https://%s/uploads/%s", STORAGE_HOST, rel);
    snprintf(path, sizeof path, "%s/%s", g.store, rel);
    int failed = close(req->fd) != 0;
    req->fd = -1;
    if (failed || mkdirs(path) != 0 || rename(req->part_path, path) != 0) {
        reply_error(r, "storage_error", NULL);
        return;
    }
    free(req->part_path);
    req->part_path = NULL;
    if (add_upload(a, req, rel, url) != 0) {
        unlink(path);
        reply_error(r, "emulator_full", NULL);
        return;
    }
    cJSON *ok = cJSON_CreateObject();
    cJSON_AddTrueToObject(ok, "ok");
    cJSON_AddStringToObject(ok, "url", url);
    cJSON_AddNumberToObject(ok, "size", (double)req->received);
    if (req->album_id[0])
        cJSON_AddStringToObject(ok, "album_id", req->album_id);
    reply_json(r, 200, ok);
}

/* ==== request log (what /__control/last shows) ==== */

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *name,
                                  const char *value)
{
    cJSON *headers = cls;
    char lower[128];
    size_t i = 0;
    for (; name[i] && i < sizeof lower - 1; i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    lower[i] = '\0';
    /* The key never leaves the emulator: only its scheme is shown. */
    if (strcmp(lower, "authorization") == 0) {
        char shown[64];
        size_t scheme = strcspn(value ? value : "", " \t");
        snprintf(shown, sizeof shown, "%.*s%sREDACTED", (int)(scheme < 32 ? scheme : 32),
                 value ? value : "", scheme ? " " : "");
        value = shown;
        cJSON_DeleteItemFromObjectCaseSensitive(headers, lower);
        cJSON_AddStringToObject(headers, lower, value);
        return MHD_YES;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(headers, lower);
    cJSON_AddStringToObject(headers, lower, value ? value : "");
    return MHD_YES;
}

static cJSON *request_view(const struct emu_request *req, struct MHD_Connection *conn,
                           const struct emu_reply *r)
{
    cJSON *view = cJSON_CreateObject();
    cJSON_AddStringToObject(view, "method", req->method);
    cJSON_AddStringToObject(view, "path", req->path);
    cJSON *headers = cJSON_AddObjectToObject(view, "headers");
    MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header, headers);
    cJSON *auth = cJSON_AddObjectToObject(view, "authorization");
    cJSON_AddBoolToObject(auth, "bearer", req->token != NULL);
    cJSON_AddBoolToObject(auth, "key_known", req->token && find_key(req->token));
    if (req->endpoint == EP_UPLOAD) {
        cJSON_AddNumberToObject(view, "body_bytes", (double)req->received);
    } else {
        cJSON_AddNumberToObject(view, "body_bytes", (double)req->body_len);
        char *text = NULL;
        size_t n = req->body_len < EMU_LOG_BODY_MAX ? req->body_len : EMU_LOG_BODY_MAX;
        if ((text = malloc(n + 1))) {
            memcpy(text, req->body ? req->body : "", n);
            text[n] = '\0';
            cJSON_AddStringToObject(view, "body", text);
            free(text);
        }
    }
    add_iso(view, "at", global_now());
    cJSON_AddNumberToObject(view, "http", r->kind == REPLY_DROP ? 0 : r->http);
    const char *error = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->json, "error"));
    cJSON_AddStringToObject(view, "reply",
                            r->kind == REPLY_DROP        ? "dropped"
                            : r->kind == REPLY_MALFORMED ? "malformed"
                            : r->kind == REPLY_HUGE      ? "huge"
                            : r->kind == REPLY_HTML500   ? "html500"
                            : error                      ? error
                                                         : "ok");
    return view;
}

/* Counts the call under the key it presented and keeps its view. */
static void log_call(const struct emu_request *req, struct MHD_Connection *conn,
                     const struct emu_reply *r)
{
    int e = req->endpoint;
    cJSON *view = request_view(req, conn, r);
    struct emu_log *log = find_log(req->token, 1);
    if (log) {
        log->calls[e]++;
        cJSON_Delete(log->last[e]);
        log->last[e] = cJSON_Duplicate(view, 1);
    }
    cJSON_Delete(g.last_any[e]);
    g.last_any[e] = view;
}

/* ==== sending replies ==== */

static ssize_t huge_chunk(void *cls, uint64_t pos, char *buf, size_t max)
{
    static const char head[] = "{\"ok\":true,\"pad\":\"";
    static const char tail[] = "\"}";
    const uint64_t total = *(const uint64_t *)cls;
    const uint64_t body_end = total - (sizeof tail - 1);
    size_t n = 0;
    for (; n < max && pos < total; n++, pos++) {
        if (pos < sizeof head - 1)
            buf[n] = head[pos];
        else if (pos < body_end)
            buf[n] = 'x';
        else
            buf[n] = tail[pos - body_end];
    }
    return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct emu_reply *r)
{
    struct MHD_Response *response = NULL;
    const char *type = JSON_TYPE;
    if (r->kind == REPLY_DROP || r->kind == REPLY_NONE)
        return MHD_NO;
    if (r->kind == REPLY_JSON) {
        char *text = cJSON_PrintUnformatted(r->json);
        if (text)
            response = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    } else if (r->kind == REPLY_MALFORMED) {
        response = MHD_create_response_from_buffer(sizeof MALFORMED_BODY - 1,
                                                   (void *)MALFORMED_BODY, MHD_RESPMEM_PERSISTENT);
    } else if (r->kind == REPLY_HTML500) {
        type = "text/html; charset=UTF-8";
        response = MHD_create_response_from_buffer(sizeof HTML500_BODY - 1, (void *)HTML500_BODY,
                                                   MHD_RESPMEM_PERSISTENT);
    } else if (r->kind == REPLY_HUGE) {
        uint64_t *total = malloc(sizeof *total);
        if (total) {
            *total = (uint64_t)r->huge_bytes;
            response = MHD_create_response_from_callback(*total, (size_t)64 << 10, huge_chunk,
                                                         total, free);
            if (!response)
                free(total);
        }
    }
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result rc = MHD_queue_response(conn, r->http, response);
    MHD_destroy_response(response);
    return rc;
}

static void log_line(const struct emu_request *req, const struct emu_reply *r)
{
    fprintf(stderr, "%s %s -> %u\n", req->method, req->path, r->kind == REPLY_DROP ? 0u : r->http);
}

/* ==== /__control/: what tests script and read (callers hold g.lock) ==== */

static void control_error(struct emu_reply *r, const char *message)
{
    reply_error(r, "control_error", message);
}

static cJSON *control_ok(struct emu_reply *r)
{
    cJSON *ok = cJSON_CreateObject();
    cJSON_AddTrueToObject(ok, "ok");
    reply_json(r, 200, ok);
    return ok;
}

static const char *string_field(cJSON *in, const char *name)
{
    cJSON *field = cJSON_GetObjectItemCaseSensitive(in, name);
    return cJSON_IsString(field) ? field->valuestring : NULL;
}

/* A number field within [min, max]; 1 when present and valid, 0 absent, -1 bad. */
static int number_field(cJSON *in, const char *name, double min, double max, double *out)
{
    cJSON *field = cJSON_GetObjectItemCaseSensitive(in, name);
    if (!field)
        return 0;
    if (!cJSON_IsNumber(field) || field->valuedouble < min || field->valuedouble > max)
        return -1;
    *out = field->valuedouble;
    return 1;
}

static int valid_open_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            return 0;
    return 1;
}

/* The account of IN's "key" (a known key), or NULL with R filled. */
static struct emu_account *control_account(cJSON *in, struct emu_reply *r)
{
    const char *key = string_field(in, "key");
    struct emu_key *k = key ? find_key(key) : NULL;
    if (!k)
        control_error(r, key ? "unknown key: add it with /__control/key first"
                             : "\"key\" (a string) is required");
    return k ? k->account : NULL;
}

static int set_stop_words(struct emu_account *a, cJSON *words, struct emu_reply *r)
{
    int n = cJSON_GetArraySize(words);
    if (!cJSON_IsArray(words) || n > EMU_MAX_STOP_WORDS) {
        control_error(r, "stop_words must be an array of at most 1000 strings");
        return -1;
    }
    free_stop_words(a);
    if (n == 0)
        return 0;
    a->stop_words = calloc((size_t)n, sizeof *a->stop_words);
    cJSON *word;
    cJSON_ArrayForEach(word, words)
    {
        if (!a->stop_words || !cJSON_IsString(word) || word->valuestring[0] == '\0') {
            control_error(r, "stop_words must be non-empty strings");
            return -1;
        }
        if (!(a->stop_words[a->n_stop_words] = dup_string(word->valuestring))) {
            control_error(r, "out of memory");
            return -1;
        }
        a->n_stop_words++;
    }
    return 0;
}

static int set_domain(struct emu_account *a, cJSON *domain, struct emu_reply *r)
{
    if (!cJSON_IsNull(domain) && !(cJSON_IsString(domain) && domain->valuestring[0])) {
        control_error(r, "domain must be a host name or null");
        return -1;
    }
    free(a->domain);
    a->domain = NULL;
    if (cJSON_IsNull(domain))
        return 0;
    if (!(a->domain = dup_string(domain->valuestring))) {
        control_error(r, "out of memory");
        return -1;
    }
    for (char *p = a->domain; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return 0;
}

static int set_account_fields(struct emu_account *a, cJSON *in, struct emu_reply *r)
{
    const char *plan = string_field(in, "plan");
    cJSON *strict = cJSON_GetObjectItemCaseSensitive(in, "strict_storage");
    cJSON *domain = cJSON_GetObjectItemCaseSensitive(in, "domain");
    cJSON *words = cJSON_GetObjectItemCaseSensitive(in, "stop_words");
    if (plan && strcmp(plan, "free") != 0 && strcmp(plan, "paid") != 0) {
        control_error(r, "plan must be \"free\" or \"paid\"");
        return -1;
    }
    if (strict && !cJSON_IsBool(strict)) {
        control_error(r, "strict_storage must be a boolean");
        return -1;
    }
    if ((domain && set_domain(a, domain, r) != 0) || (words && set_stop_words(a, words, r) != 0))
        return -1;
    if (plan)
        a->paid = strcmp(plan, "paid") == 0;
    if (strict)
        a->strict_storage = cJSON_IsTrue(strict);
    return 0;
}

static int key_state(const char *name)
{
    for (size_t i = 0; i < sizeof KEY_STATES / sizeof KEY_STATES[0]; i++)
        if (strcmp(KEY_STATES[i].name, name) == 0)
            return (int)i;
    return -1;
}

static struct emu_key *add_key(const char *key, struct emu_account *a)
{
    if (g.n_keys >= EMU_MAX_KEYS)
        return NULL;
    void *keys = grow(g.keys, &g.cap_keys, g.n_keys, sizeof *g.keys);
    if (!keys)
        return NULL;
    g.keys = keys;
    struct emu_key *k = &g.keys[g.n_keys];
    if (!(k->key = dup_string(key)))
        return NULL;
    k->account = a;
    k->state = 0;
    g.n_keys++;
    return k;
}

/* {"key", "open_id"?, "state"?, "plan"?, "domain"?, "stop_words"?, "strict_storage"?} */
static void control_key(cJSON *in, struct emu_reply *r)
{
    const char *key = string_field(in, "key");
    const char *open_id = string_field(in, "open_id");
    const char *state = string_field(in, "state");
    int state_index = state ? key_state(state) : 0;
    if (!key || !*key || strlen(key) > 512 || strpbrk(key, " \t\r\n")) {
        control_error(r, "\"key\" must be a string of 1 to 512 characters without spaces");
        return;
    }
    if ((open_id && !valid_open_id(open_id)) || state_index < 0) {
        control_error(r, open_id && !valid_open_id(open_id)
                             ? "open_id must be 1 to 64 of [A-Za-z0-9._-]"
                             : "state must be ok, revoked, expired, no_plan, not_connected, "
                               "reauth_required or refresh_failed");
        return;
    }
    struct emu_key *k = find_key(key);
    char fresh[40];
    if (!open_id && !k) {
        snprintf(fresh, sizeof fresh, "open_%012" PRIx64,
                 (uint64_t)(next_number() & 0xffffffffffffULL));
        open_id = fresh;
    }
    struct emu_account *a = open_id ? find_account(open_id) : k->account;
    if (!a && !(a = add_account(open_id))) {
        control_error(r, "out of memory");
        return;
    }
    if (!k && !(k = add_key(key, a))) {
        control_error(r, "too many keys");
        return;
    }
    k->account = a;
    if (state)
        k->state = (size_t)state_index;
    if (set_account_fields(a, in, r) != 0)
        return;
    cJSON *ok = control_ok(r);
    cJSON_AddStringToObject(ok, "open_id", a->open_id);
    cJSON_AddStringToObject(ok, "state", KEY_STATES[k->state].name);
}

static void free_uploads_of(const char *open_id)
{
    size_t kept = 0;
    for (size_t i = 0; i < g.n_uploads; i++) {
        if (!open_id || strcmp(g.uploads[i].open_id, open_id) == 0) {
            free(g.uploads[i].rel);
            free(g.uploads[i].url);
        } else {
            g.uploads[kept++] = g.uploads[i];
        }
    }
    g.n_uploads = kept;
    kept = 0;
    for (size_t i = 0; i < g.n_albums; i++)
        if (open_id && strcmp(g.albums[i].open_id, open_id) != 0)
            g.albums[kept++] = g.albums[i];
    g.n_albums = kept;
}

/* Forgets ACCOUNT (NULL: everything), its keys and their logs. */
static void forget(struct emu_account *account)
{
    size_t kept = 0;
    for (size_t i = 0; i < g.n_keys; i++) {
        if (!account || g.keys[i].account == account) {
            struct emu_log *log = find_log(g.keys[i].key, 0);
            if (log) {
                free_log(log);
                *log = g.logs[--g.n_logs];
            }
            free(g.keys[i].key);
        } else {
            g.keys[kept++] = g.keys[i];
        }
    }
    g.n_keys = kept;
    free_uploads_of(account ? account->open_id : NULL);
    kept = 0;
    for (size_t i = 0; i < g.n_accounts; i++) {
        if (!account || g.accounts[i] == account)
            free_account(g.accounts[i]);
        else
            g.accounts[kept++] = g.accounts[i];
    }
    g.n_accounts = kept;
}

static void forget_all(void)
{
    forget(NULL);
    for (size_t i = 0; i < g.n_logs; i++)
        free_log(&g.logs[i]);
    g.n_logs = 0;
    for (int e = 0; e < EP_COUNT; e++) {
        cJSON_Delete(g.last_any[e]);
        g.last_any[e] = NULL;
    }
    memset(&g.clock, 0, sizeof g.clock);
}

/* {} resets everything; {"key"} forgets that key's account and its keys. */
static void control_reset(cJSON *in, struct emu_reply *r)
{
    if (!cJSON_GetObjectItemCaseSensitive(in, "key")) {
        forget_all();
        control_ok(r);
        return;
    }
    struct emu_account *a = control_account(in, r);
    if (a) {
        forget(a);
        control_ok(r);
    }
}

/* {"key"?, "set"?: "ISO" | EPOCH_SECONDS, "advance"?: SECONDS, "freeze"?: bool}:
 * the account's clock with "key", else the global one. */
static void control_clock(cJSON *in, struct emu_reply *r)
{
    struct emu_account *a = NULL;
    if (cJSON_GetObjectItemCaseSensitive(in, "key") && !(a = control_account(in, r)))
        return;
    cJSON *set = cJSON_GetObjectItemCaseSensitive(in, "set");
    double advance = 0;
    int has_advance = number_field(in, "advance", -1e10, 1e10, &advance);
    int64_t target = 0;
    int set_epoch = cJSON_IsNumber(set) && set->valuedouble >= 0 && set->valuedouble <= 1e11;
    if (has_advance < 0 ||
        (set && !set_epoch &&
         !(cJSON_IsString(set) && parse_iso_time(set->valuestring, &target) == 0))) {
        control_error(r, "advance must be a number of seconds; set an ISO time "
                         "(2026-12-01T12:00:00Z) or epoch seconds");
        return;
    }
    cJSON *freeze = cJSON_GetObjectItemCaseSensitive(in, "freeze");
    if (freeze && !cJSON_IsBool(freeze)) {
        control_error(r, "freeze must be a boolean");
        return;
    }
    struct emu_clock *c = a ? &a->clock : &g.clock;
    int64_t below = a ? global_now() : realtime_ms();
    if (set_epoch)
        target = (int64_t)(set->valuedouble * 1000);
    else if (!set)
        target = clock_read(c, below);
    target += (int64_t)(advance * 1000);
    clock_write(c, below, target, freeze ? cJSON_IsTrue(freeze) : c->frozen);
    int64_t now = clock_read(c, below);
    cJSON *ok = control_ok(r);
    add_iso(ok, "now", now);
    cJSON_AddNumberToObject(ok, "epoch_ms", (double)now);
}

static int endpoint_index(const char *name)
{
    if (name && strcmp(name, "any") == 0)
        return EP_ANY;
    for (int e = 0; name && e < EP_COUNT; e++)
        if (strcmp(ENDPOINTS[e].name, name) == 0)
            return e;
    return -1;
}

static int fault_kind(const char *name)
{
    for (int k = 0; name && k < FAULT_COUNT; k++)
        if (strcmp(FAULT_NAMES[k], name) == 0)
            return k;
    return -1;
}

static int valid_code(const char *code)
{
    if (!code || !*code || strlen(code) >= 64)
        return 0;
    for (const char *p = code; *p; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
            return 0;
    return 1;
}

/* The fault's code, durations and sizes from IN; 0 or -1 with R filled. */
static int fault_params(cJSON *in, struct emu_fault *f, struct emu_reply *r)
{
    const char *code = string_field(in, "code");
    double count = 1, seconds = -1, bytes = (double)EMU_HUGE_DEFAULT, after = 0;
    if (number_field(in, "count", 1, EMU_MAX_FAULT_COUNT, &count) < 0 ||
        number_field(in, "seconds", 0, f->kind == FAULT_HANG ? EMU_HANG_MAX_S : 1e7, &seconds) <
            0 ||
        number_field(in, "bytes", 64, (double)EMU_HUGE_MAX, &bytes) < 0 ||
        number_field(in, "after_bytes", 1, 1e12, &after) < 0) {
        control_error(r, "count 1..1000, seconds (hang: at most 120), bytes 64..268435456, "
                         "after_bytes >= 1");
        return -1;
    }
    if (f->kind == FAULT_TIKTOK_ERROR && !code)
        code = "internal_error";
    if ((f->kind == FAULT_ERROR && !(code && find_error(code))) ||
        ((f->kind == FAULT_PASSTHROUGH || f->kind == FAULT_TIKTOK_ERROR) && !valid_code(code))) {
        control_error(r, f->kind == FAULT_ERROR ? "error needs a documented \"code\""
                                                : "code must be [a-z0-9_]+");
        return -1;
    }
    copy_string(f->code, sizeof f->code, code);
    copy_string(f->message, sizeof f->message, string_field(in, "message"));
    copy_string(f->state, sizeof f->state,
                string_field(in, "state") ? string_field(in, "state") : "archived");
    copy_string(f->status, sizeof f->status,
                string_field(in, "status") ? string_field(in, "status") : "ARCHIVED");
    f->remaining = (int)count;
    f->ms = seconds >= 0 ? (int64_t)(seconds * 1000) : (f->kind == FAULT_HANG ? 5000 : 0);
    f->bytes = (int64_t)bytes;
    f->after_bytes = (int64_t)after;
    cJSON *untimed = cJSON_GetObjectItemCaseSensitive(in, "untimed");
    f->untimed = cJSON_IsTrue(untimed);
    return 0;
}

/* {"key", "endpoint", "fault", "count"?, "code"?, "seconds"?, "bytes"?, ...} */
static void control_fault(cJSON *in, struct emu_reply *r)
{
    struct emu_account *a = control_account(in, r);
    if (!a)
        return;
    struct emu_fault f = {0};
    int endpoint = endpoint_index(string_field(in, "endpoint"));
    int kind = fault_kind(string_field(in, "fault"));
    if (endpoint < 0 || kind < 0) {
        control_error(r, endpoint < 0 ? "endpoint: direct_post, status, upload, album_retain or any"
                                      : "fault: proxy_error, tiktok_rate_limit, tiktok_error, "
                                        "passthrough, error, hang, drop, malformed, huge, "
                                        "html500 or unknown_state");
        return;
    }
    f.endpoint = endpoint;
    f.kind = (enum fault_kind)kind;
    if (fault_params(in, &f, r) != 0)
        return;
    if (a->n_faults >= EMU_MAX_FAULTS) {
        control_error(r, "too many faults queued for this account");
        return;
    }
    a->faults[a->n_faults++] = f;
    cJSON_AddNumberToObject(control_ok(r), "queued", (double)a->n_faults);
}

/* {"key", "publish_id"?, "pending_polls"?, "pending_seconds"?, "outcome"?, "fail_reason"?} */
static void control_status(cJSON *in, struct emu_reply *r)
{
    struct emu_account *a = control_account(in, r);
    if (!a)
        return;
    const char *id = string_field(in, "publish_id");
    const char *outcome = string_field(in, "outcome");
    const char *reason = string_field(in, "fail_reason");
    struct emu_post *p = id ? find_post(a, id) : NULL;
    double polls = 0, seconds = 0;
    int has_polls = number_field(in, "pending_polls", 0, 1000, &polls);
    int has_seconds = number_field(in, "pending_seconds", 0, 1e8, &seconds);
    if ((id && !p) || has_polls < 0 || has_seconds < 0 ||
        (outcome && strcmp(outcome, "done") != 0 && strcmp(outcome, "failed") != 0)) {
        control_error(r, id && !p ? "no such publish_id on this account"
                                  : "pending_polls 0..1000, pending_seconds >= 0, outcome "
                                    "done or failed");
        return;
    }
    struct emu_plan *plan = p ? &p->plan : &a->next_plan;
    if (has_polls)
        plan->pending_polls = (int)polls;
    if (has_seconds)
        plan->pending_ms = (int64_t)(seconds * 1000);
    if (outcome)
        plan->failed = strcmp(outcome, "failed") == 0;
    if (reason)
        copy_string(plan->fail_reason, sizeof plan->fail_reason, reason);
    if (p) {
        /* A post's new plan counts its polls and time from now. */
        p->final = 0;
        p->pending_answers = 0;
        p->plan_from_ms = account_now(a);
    }
    control_ok(r);
}

/* {"key"} | {"anonymous": true} | {} (all calls) */
static void control_calls(cJSON *in, struct emu_reply *r)
{
    const char *key = string_field(in, "key");
    int anonymous = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "anonymous"));
    static const struct emu_log empty;
    const struct emu_log *log = NULL;
    if (key || anonymous) {
        log = find_log(anonymous ? NULL : key, 0);
        if (!log)
            log = &empty;
    }
    cJSON *calls = cJSON_CreateObject();
    for (int e = 0; e < EP_COUNT; e++) {
        unsigned n = 0;
        for (size_t i = 0; !log && i < g.n_logs; i++)
            n += g.logs[i].calls[e];
        cJSON_AddNumberToObject(calls, ENDPOINTS[e].name, log ? log->calls[e] : n);
    }
    cJSON_AddItemToObject(control_ok(r), "calls", calls);
}

/* {"endpoint", "key"? | "anonymous"?}: the last request that endpoint got */
static void control_last(cJSON *in, struct emu_reply *r)
{
    int e = endpoint_index(string_field(in, "endpoint"));
    const char *key = string_field(in, "key");
    int anonymous = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "anonymous"));
    if (e < 0 || e == EP_ANY) {
        control_error(r, "endpoint: direct_post, status, upload or album_retain");
        return;
    }
    const cJSON *last = g.last_any[e];
    if (key || anonymous) {
        const struct emu_log *log = find_log(anonymous ? NULL : key, 0);
        last = log ? log->last[e] : NULL;
    }
    cJSON *ok = control_ok(r);
    cJSON_AddItemToObject(ok, "request", last ? cJSON_Duplicate(last, 1) : cJSON_CreateNull());
}

static const char *post_state(const struct emu_post *p)
{
    return !p->final ? "pending" : p->plan.failed ? "failed" : "done";
}

/* {"key"}: the account's posts as the emulator understood them */
static void control_posts(cJSON *in, struct emu_reply *r)
{
    struct emu_account *a = control_account(in, r);
    if (!a)
        return;
    cJSON *posts = cJSON_CreateArray();
    for (size_t i = 0; i < a->n_posts; i++) {
        cJSON *view = cJSON_Duplicate(a->posts[i].view, 1);
        cJSON_AddStringToObject(view, "state", post_state(&a->posts[i]));
        cJSON_AddNumberToObject(view, "pending_answers", a->posts[i].pending_answers);
        cJSON_AddItemToArray(posts, view);
    }
    cJSON_AddItemToObject(control_ok(r), "posts", posts);
}

/* {"key"}: the account's stored uploads and albums */
static void control_uploads(cJSON *in, struct emu_reply *r)
{
    struct emu_account *a = control_account(in, r);
    if (!a)
        return;
    cJSON *ok = control_ok(r);
    cJSON *uploads = cJSON_AddArrayToObject(ok, "uploads");
    char path[4096 + 512];
    for (size_t i = 0; i < g.n_uploads; i++) {
        const struct emu_upload *u = &g.uploads[i];
        if (strcmp(u->open_id, a->open_id) != 0)
            continue;
        cJSON *view = cJSON_CreateObject();
        snprintf(path, sizeof path, "%s/%s", g.store, u->rel);
        cJSON_AddStringToObject(view, "url", u->url);
        cJSON_AddStringToObject(view, "path", path);
        cJSON_AddNumberToObject(view, "size", (double)u->size);
        cJSON_AddStringToObject(view, "content_type", u->content_type);
        if (u->album_id[0])
            cJSON_AddStringToObject(view, "album_id", u->album_id);
        add_iso(view, "at", u->at_ms);
        cJSON_AddItemToArray(uploads, view);
    }
    cJSON *albums = cJSON_AddArrayToObject(ok, "albums");
    for (size_t i = 0; i < g.n_albums; i++) {
        if (strcmp(g.albums[i].open_id, a->open_id) != 0)
            continue;
        cJSON *view = cJSON_CreateObject();
        cJSON_AddStringToObject(view, "album_id", g.albums[i].id);
        cJSON_AddNumberToObject(view, "images", g.albums[i].images);
        cJSON_AddBoolToObject(view, "retained", g.albums[i].retained);
        cJSON_AddItemToArray(albums, view);
    }
}

/* {"key","album_id"}: an empty album of the account, as a first image
 * would start it (so a test knows its id beforehand) */
static void control_album(cJSON *in, struct emu_reply *r)
{
    struct emu_account *a = control_account(in, r);
    const char *id = a ? string_field(in, "album_id") : NULL;
    if (!a)
        return;
    if (!id || !*id || strlen(id) >= sizeof g.albums[0].id || find_album(a->open_id, id)) {
        control_error(r, "album_id: a new id of at most 31 characters");
        return;
    }
    void *albums = grow(g.albums, &g.cap_albums, g.n_albums, sizeof *g.albums);
    if (!albums) {
        reply_error(r, "emulator_full", NULL);
        return;
    }
    g.albums = albums;
    struct emu_album *album = &g.albums[g.n_albums++];
    memset(album, 0, sizeof *album);
    copy_string(album->id, sizeof album->id, id);
    copy_string(album->open_id, sizeof album->open_id, a->open_id);
    cJSON_AddStringToObject(control_ok(r), "album_id", id);
}

/* {"key"}: the account's settings and limit counters */
static void control_get_account(cJSON *in, struct emu_reply *r)
{
    struct emu_account *a = control_account(in, r);
    if (!a)
        return;
    int64_t now = account_now(a);
    cJSON *ok = control_ok(r);
    cJSON_AddStringToObject(ok, "open_id", a->open_id);
    cJSON_AddStringToObject(ok, "plan", a->paid ? "paid" : "free");
    if (a->domain)
        cJSON_AddStringToObject(ok, "domain", a->domain);
    else
        cJSON_AddNullToObject(ok, "domain");
    add_iso(ok, "now", now);
    cJSON_AddNumberToObject(ok, "posts", (double)a->n_posts);
    cJSON_AddBoolToObject(ok, "tiktok_cooldown", now < a->tiktok_cooldown_until);
    cJSON *status = cJSON_AddObjectToObject(ok, "status");
    cJSON_AddNumberToObject(status, "hour_count", a->hour_count);
    cJSON_AddBoolToObject(status, "hour_capped", a->hour_capped);
    cJSON_AddBoolToObject(status, "cooldown", now < a->status_cooldown_until);
    cJSON_AddNumberToObject(status, "faults_queued", (double)a->n_faults);
}

static void control_health(cJSON *in, struct emu_reply *r)
{
    add_iso(control_ok(r), "now", global_now());
}

static const struct {
    const char *path;
    void (*handle)(cJSON *in, struct emu_reply *r);
} CONTROL[] = {
    {"/__control/health", control_health},
    {"/__control/reset", control_reset},
    {"/__control/key", control_key},
    {"/__control/clock", control_clock},
    {"/__control/fault", control_fault},
    {"/__control/status", control_status},
    {"/__control/calls", control_calls},
    {"/__control/last", control_last},
    {"/__control/posts", control_posts},
    {"/__control/uploads", control_uploads},
    {"/__control/album", control_album},
    {"/__control/account", control_get_account},
};

static void control_dispatch(const struct emu_request *req, struct emu_reply *r)
{
    for (size_t i = 0; i < sizeof CONTROL / sizeof CONTROL[0]; i++) {
        if (strcmp(CONTROL[i].path, req->path) != 0)
            continue;
        cJSON *in = NULL;
        if (!req->body_overflow)
            in = req->body_len ? cJSON_ParseWithLength(req->body, req->body_len)
                               : cJSON_CreateObject();
        if (!cJSON_IsObject(in))
            control_error(r, "the control body must be a JSON object of at most 1 MiB");
        else
            CONTROL[i].handle(in, r);
        cJSON_Delete(in);
        return;
    }
    reply_error(r, "not_found", NULL);
}

/* ==== the request's life in libmicrohttpd ==== */

static struct emu_request *request_new(const char *url, const char *method)
{
    struct emu_request *req = calloc(1, sizeof *req);
    if (!req || !(req->path = dup_string(url))) {
        free(req);
        return NULL;
    }
    req->fd = -1;
    copy_string(req->method, sizeof req->method, method);
    req->route = ROUTE_NOT_FOUND;
    if (strncmp(url, "/__control/", 11) == 0)
        req->route = ROUTE_CONTROL;
    for (int e = 0; e < EP_COUNT; e++)
        if (strcmp(url, ENDPOINTS[e].path) == 0) {
            req->endpoint = e;
            req->route = strcmp(method, ENDPOINTS[e].method) == 0 ? ROUTE_API : ROUTE_BAD_METHOD;
        }
    return req;
}

static enum MHD_Result reply_early(struct emu_request *req, struct MHD_Connection *conn,
                                   struct emu_reply *r)
{
    req->early = 1;
    log_line(req, r);
    enum MHD_Result rc = send_reply(conn, r);
    cJSON_Delete(r->json);
    return rc;
}

/* A refused upload is answered before its body when the client waits for
 * 100-continue, or when the body is large (the connection then closes, as
 * nginx does); a small body is read and dropped first, so that a client
 * that sends at once still reads the answer. */
static enum MHD_Result refuse_upload(struct emu_request *req, struct MHD_Connection *conn,
                                     struct emu_reply *r)
{
    const char *expect = header(conn, "Expect");
    if ((expect && strncasecmp(expect, "100-continue", 12) == 0) || req->declared > EMU_DRAIN_MAX)
        return reply_early(req, conn, r);
    req->discarding = 1;
    req->refused = *r;
    return MHD_YES;
}

static enum MHD_Result discard_body(struct emu_request *req, struct MHD_Connection *conn,
                                    size_t *upload_data_size)
{
    if (*upload_data_size) {
        req->discarded += (int64_t)*upload_data_size;
        *upload_data_size = 0;
        return req->discarded > EMU_DRAIN_MAX ? MHD_NO : MHD_YES;
    }
    req->discarding = 0;
    log_line(req, &req->refused);
    enum MHD_Result rc = send_reply(conn, &req->refused);
    cJSON_Delete(req->refused.json);
    req->refused.json = NULL;
    return rc;
}

/* An upload is judged on its headers before any byte is read. */
static enum MHD_Result upload_begin(struct emu_request *req, struct MHD_Connection *conn)
{
    struct emu_reply r = {0};
    const char *error;
    pthread_mutex_lock(&g.lock);
    struct emu_account *a = authorize(req->token, &error);
    if (error)
        reply_error(&r, error, NULL);
    else if (upload_headers(a, req, conn, &r) == 0 && open_part(req) != 0)
        reply_error(&r, "storage_error", NULL);
    if (r.kind == REPLY_NONE)
        req->has_fault = pop_fault(a, EP_UPLOAD, &req->fault);
    else
        log_call(req, conn, &r);
    pthread_mutex_unlock(&g.lock);
    return r.kind == REPLY_NONE ? MHD_YES : refuse_upload(req, conn, &r);
}

static enum MHD_Result upload_feed(struct emu_request *req, struct MHD_Connection *conn,
                                   const char *data, size_t size)
{
    req->fingerprint = fnv1a(req->fingerprint, data, size);
    req->received += (int64_t)size;
    for (size_t done = 0; req->fd >= 0 && done < size;) {
        ssize_t n = write(req->fd, data + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            remove_part(req);
            break;
        }
        done += (size_t)n;
    }
    if (req->has_fault && req->fault.kind == FAULT_DROP && req->fault.after_bytes > 0 &&
        req->received >= req->fault.after_bytes) {
        struct emu_reply r = {.kind = REPLY_DROP};
        pthread_mutex_lock(&g.lock);
        log_call(req, conn, &r);
        pthread_mutex_unlock(&g.lock);
        log_line(req, &r);
        return MHD_NO;
    }
    return MHD_YES;
}

static enum MHD_Result request_feed(struct emu_request *req, struct MHD_Connection *conn,
                                    const char *data, size_t size)
{
    if (req->route == ROUTE_API && req->endpoint == EP_UPLOAD)
        return upload_feed(req, conn, data, size);
    if (req->body_overflow || req->body_len + size > EMU_JSON_BODY_MAX) {
        req->body_overflow = 1;
        return MHD_YES;
    }
    if (req->body_len + size + 1 > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap : 4096;
        while (cap < req->body_len + size + 1)
            cap *= 2;
        char *body = realloc(req->body, cap);
        if (!body)
            return MHD_NO;
        req->body = body;
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, data, size);
    req->body_len += size;
    req->body[req->body_len] = '\0';
    return MHD_YES;
}

static void api_dispatch(struct emu_account *a, struct emu_request *req,
                         struct MHD_Connection *conn, struct emu_reply *r)
{
    const char *content_type = header(conn, MHD_HTTP_HEADER_CONTENT_TYPE);
    switch (req->endpoint) {
    case EP_DIRECT_POST:
        handle_direct_post(a, req, content_type, r);
        break;
    case EP_STATUS:
        handle_status(a, req, content_type, r);
        break;
    case EP_RETAIN:
        handle_retain(a, req, content_type, r);
        break;
    case EP_UPLOAD:
        if (req->fd < 0 || req->received != req->declared)
            reply_error(r, "storage_error", NULL);
        else
            finish_upload(a, req, r);
        break;
    default:
        reply_error(r, "not_found", NULL);
    }
}

static void api_finish(struct emu_request *req, struct MHD_Connection *conn, struct emu_reply *r)
{
    const char *error;
    struct emu_account *a;
    if (req->endpoint != EP_UPLOAD) {
        pthread_mutex_lock(&g.lock);
        if ((a = authorize(req->token, &error)))
            req->has_fault = pop_fault(a, req->endpoint, &req->fault);
        pthread_mutex_unlock(&g.lock);
    }
    if (req->has_fault && req->fault.kind == FAULT_HANG)
        hang(req->fault.ms);
    pthread_mutex_lock(&g.lock);
    /* Again: a reset may have removed the key meanwhile. */
    a = authorize(req->token, &error);
    if (error)
        reply_error(r, error, NULL);
    else if (req->has_fault && req->fault.kind != FAULT_HANG)
        reply_fault(r, a, &req->fault);
    else
        api_dispatch(a, req, conn, r);
    log_call(req, conn, r);
    pthread_mutex_unlock(&g.lock);
}

static enum MHD_Result request_finish(struct emu_request *req, struct MHD_Connection *conn)
{
    struct emu_reply r = {0};
    if (req->route == ROUTE_CONTROL) {
        pthread_mutex_lock(&g.lock);
        control_dispatch(req, &r);
        pthread_mutex_unlock(&g.lock);
    } else if (req->route == ROUTE_API) {
        api_finish(req, conn, &r);
    } else {
        reply_error(&r, req->route == ROUTE_BAD_METHOD ? "method_not_allowed" : "not_found", NULL);
    }
    log_line(req, &r);
    enum MHD_Result rc = send_reply(conn, &r);
    cJSON_Delete(r.json);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct emu_request *req = *con_cls;
    if (!req) {
        if (!(req = request_new(url, method)))
            return MHD_NO;
        *con_cls = req;
        req->token = bearer_token(header(conn, MHD_HTTP_HEADER_AUTHORIZATION));
        if (req->route == ROUTE_API && req->endpoint == EP_UPLOAD)
            return upload_begin(req, conn);
        return MHD_YES;
    }
    if (req->early) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->discarding)
        return discard_body(req, conn, upload_data_size);
    if (*upload_data_size) {
        size_t size = *upload_data_size;
        *upload_data_size = 0;
        return request_feed(req, conn, upload_data, size);
    }
    return request_finish(req, conn);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct emu_request *req = *con_cls;
    if (!req)
        return;
    remove_part(req);
    cJSON_Delete(req->refused.json);
    free(req->body);
    free(req->path);
    free(req->token);
    free(req);
    *con_cls = NULL;
}

/* ==== main ==== */

struct emu_options {
    const char *port_file;
    const char *pid_file;
    const char *store;
    const char *cert;
    const char *key;
    unsigned port;
};

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size >= 0 && size < (1 << 20) && fseek(f, 0, SEEK_SET) == 0 &&
            (text = malloc((size_t)size + 1))) {
            size_t n = fread(text, 1, (size_t)size, f);
            text[n] = '\0';
        }
    }
    fclose(f);
    return text;
}

static int write_file(const char *path, const char *text)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int rc = fputs(text, f) < 0;
    rc |= fclose(f) != 0;
    return rc || rename(tmp, path) != 0 ? -1 : 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: pm3k_emu --port-file FILE --store DIR [--cert PEM --key PEM] "
                    "[--port N] [--pid-file FILE]\n");
    return 2;
}

static int parse_options(int argc, char **argv, struct emu_options *o)
{
    /* Every option takes a value: they come in pairs. */
    for (int i = 1; i < argc; i += 2) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        const char **target = strcmp(argv[i], "--port-file") == 0  ? &o->port_file
                              : strcmp(argv[i], "--pid-file") == 0 ? &o->pid_file
                              : strcmp(argv[i], "--store") == 0    ? &o->store
                              : strcmp(argv[i], "--cert") == 0     ? &o->cert
                              : strcmp(argv[i], "--key") == 0      ? &o->key
                                                                   : NULL;
        if (!value)
            return -1;
        if (strcmp(argv[i], "--port") == 0) {
            char *end;
            unsigned long port = strtoul(value, &end, 10);
            if (*end || port > 65535)
                return -1;
            o->port = (unsigned)port;
        } else if (target) {
            *target = value;
        } else {
            return -1;
        }
    }
    return o->port_file && o->store && !o->cert == !o->key ? 0 : -1;
}

static struct MHD_Daemon *start(const struct emu_options *o, char *cert, char *key)
{
    static struct sockaddr_in addr;
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)o->port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_OptionItem options[8] = {
        {MHD_OPTION_SOCK_ADDR, 0, &addr},
        {MHD_OPTION_CONNECTION_LIMIT, EMU_MAX_CONNECTIONS, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, EMU_CONNECTION_TIMEOUT_S, NULL},
    };
    size_t n = 3;
    if (cert) {
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert};
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
    }
    options[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ERROR_LOG | (cert ? MHD_USE_TLS : 0);
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_NOTIFY_COMPLETED,
                            on_completed, NULL, MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

static int init_state(const char *store)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0 ||
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&g.wake, &attr) != 0)
        return -1;
    pthread_condattr_destroy(&attr);
    g.store = store;
    g.seed = (uint64_t)realtime_ms() ^ ((uint64_t)getpid() << 32);
    return mkdir(store, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

static void free_state(void)
{
    forget_all();
    free(g.accounts);
    free(g.keys);
    free(g.logs);
    free(g.uploads);
    free(g.albums);
    pthread_cond_destroy(&g.wake);
}

static int write_port_and_pid(const struct emu_options *o, struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char text[32];
    if (!info)
        return -1;
    snprintf(text, sizeof text, "%u\n", (unsigned)info->port);
    if (o->pid_file) {
        char pid[32];
        snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        if (write_file(o->pid_file, pid) != 0)
            return -1;
    }
    return write_file(o->port_file, text);
}

int main(int argc, char **argv)
{
    struct emu_options o = {0};
    if (parse_options(argc, argv, &o) != 0)
        return usage();
    char *cert = o.cert ? read_file(o.cert) : NULL;
    char *key = o.key ? read_file(o.key) : NULL;
    int rc = 1;
    struct MHD_Daemon *d = NULL;
    sigset_t signals;
    if (o.cert && (!cert || !key)) {
        fprintf(stderr, "pm3k_emu: cannot read '%s' or '%s'\n", o.cert, o.key);
        goto out;
    }
    if (init_state(o.store) != 0) {
        fprintf(stderr, "pm3k_emu: cannot use the store '%s': %s\n", o.store, strerror(errno));
        goto out;
    }
    /* Blocked before the threads start, so that they inherit the mask and
     * only sigwait below sees these. */
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (!(d = start(&o, cert, key)) || write_port_and_pid(&o, d) != 0) {
        fprintf(stderr, "pm3k_emu: cannot start on 127.0.0.1:%u\n", o.port);
        goto out;
    }
    fprintf(stderr, "pm3k_emu: listening on 127.0.0.1 (%s)\n", cert ? "https" : "http");
    int signal_number;
    sigwait(&signals, &signal_number);
    rc = 0;
out:
    if (d) {
        /* Scripted hangs end now; MHD then joins the connection threads. */
        pthread_mutex_lock(&g.lock);
        g.stopping = 1;
        pthread_cond_broadcast(&g.wake);
        pthread_mutex_unlock(&g.lock);
        MHD_stop_daemon(d);
    }
    if (g.store)
        free_state();
    free(cert);
    free(key);
    return rc;
}
