/* pm3k — the one place that knows PM3K's API (PM3K-API.md): the base URL,
 * the endpoints, Bearer auth, JSON bodies, and every documented answer with
 * the rule it maps to and the deadline it sets. What to do with an answer
 * is post.c's and status.c's. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/redact.h"
#include "core/url.h"
#include "core/utf_int.h"
#include "upload/api_int.h"

#define NONE PM3K_RULE__COUNT

/* Every documented error code of direct_post and status (PM3K-API.md,
 * "Canonical public error values"), the rule each endpoint's answer is, and
 * the deadline it sets in the history. */
static const pm3k__code_info codes[] = {
    {"unauthorized", PM3K_RULE_UNAUTHORIZED_POST, PM3K_RULE_UNAUTHORIZED_STATUS, false, 0},
    {"invalid_api_key", PM3K_RULE_INVALID_API_KEY_POST, PM3K_RULE_INVALID_API_KEY_STATUS, false, 0},
    {"api_key_expired", PM3K_RULE_API_KEY_EXPIRED_POST, PM3K_RULE_API_KEY_EXPIRED_STATUS, false, 0},
    {"plan_required", PM3K_RULE_PLAN_REQUIRED_POST, PM3K_RULE_PLAN_REQUIRED_STATUS, false, 0},
    {"tiktok_not_connected", PM3K_RULE_TIKTOK_NOT_CONNECTED_POST,
     PM3K_RULE_TIKTOK_NOT_CONNECTED_STATUS, false, 0},
    {"tiktok_reauth_required", PM3K_RULE_TIKTOK_REAUTH_REQUIRED_POST,
     PM3K_RULE_TIKTOK_REAUTH_REQUIRED_STATUS, false, 0},
    {"tiktok_refresh_failed", PM3K_RULE_TIKTOK_REFRESH_FAILED_POST,
     PM3K_RULE_TIKTOK_REFRESH_FAILED_STATUS, false, 0},
    {"bad_request", PM3K_RULE_BAD_REQUEST_POST, PM3K_RULE_BAD_REQUEST_STATUS, false, 0},
    {"invalid_request", PM3K_RULE_INVALID_REQUEST, NONE, false, 0},
    {"domain_not_verified", PM3K_RULE_DOMAIN_NOT_VERIFIED_POST, NONE, false, 0},
    {"domain_mismatch", PM3K_RULE_DOMAIN_MISMATCH_POST, NONE, false, 0},
    {"fetch_error", PM3K_RULE_FETCH_ERROR_POST, NONE, false, 0},
    {"redirect_not_allowed", PM3K_RULE_REDIRECT_NOT_ALLOWED_POST, NONE, false, 0},
    {"content_length_required", PM3K_RULE_CONTENT_LENGTH_REQUIRED_POST, NONE, false, 0},
    {"too_large", PM3K_RULE_TOO_LARGE_POST, NONE, false, 0},
    {"too_large_need_proxy", PM3K_RULE_TOO_LARGE_NEED_PROXY, NONE, false, 0},
    {"too_few_images", PM3K_RULE_TOO_FEW_IMAGES_POST, NONE, false, 0},
    {"too_many_images", PM3K_RULE_TOO_MANY_IMAGES_POST, NONE, false, 0},
    {"cover_out_of_range", PM3K_RULE_COVER_OUT_OF_RANGE_POST, NONE, false, 0},
    {"unsupported_image_type", PM3K_RULE_UNSUPPORTED_IMAGE_TYPE_POST, NONE, false, 0},
    {"image_too_large", PM3K_RULE_IMAGE_TOO_LARGE_POST, NONE, false, 0},
    {"image_too_large_px", PM3K_RULE_IMAGE_TOO_LARGE_PX_POST, NONE, false, 0},
    {"image_convert_failed", PM3K_RULE_IMAGE_CONVERT_FAILED, NONE, false, 0},
    {"links_forbidden", PM3K_RULE_LINKS_FORBIDDEN_POST, NONE, false, 0},
    {"forbidden_word", PM3K_RULE_FORBIDDEN_WORD_POST, NONE, false, 0},
    {"video_duplicate", PM3K_RULE_VIDEO_DUPLICATE, NONE, false, 0},
    {"caption_duplicate_account", PM3K_RULE_CAPTION_DUPLICATE_ACCOUNT, NONE, false, 0},
    {"caption_global_spam", PM3K_RULE_CAPTION_GLOBAL_SPAM, NONE, false, 0},
    {"daily_limit", PM3K_RULE_DAILY_LIMIT, NONE, true, PM3K_COOLDOWN_DAILY},
    {"interval_limit", PM3K_RULE_INTERVAL_LIMIT, NONE, true, PM3K_COOLDOWN_INTERVAL},
    {"tiktok_cooldown", PM3K_RULE_TIKTOK_COOLDOWN, NONE, true, PM3K_COOLDOWN_POST},
    {"tiktok_rate_limit", PM3K_RULE_TIKTOK_RATE_LIMIT, NONE, true, PM3K_COOLDOWN_POST},
    {"rate_limit_status", NONE, PM3K_RULE_RATE_LIMIT_STATUS, true, PM3K_COOLDOWN_STATUS_MINUTE},
    {"status_cooldown", NONE, PM3K_RULE_STATUS_COOLDOWN, true, PM3K_COOLDOWN_STATUS},
    {"hourly_limit_status", NONE, PM3K_RULE_HOURLY_LIMIT_STATUS, true, PM3K_COOLDOWN_STATUS_HOURLY},
    {"tiktok_error", PM3K_RULE_TIKTOK_ERROR_POST, PM3K_RULE_TIKTOK_ERROR_STATUS, false, 0},
    {"proxy_error", PM3K_RULE_PROXY_ERROR_POST, PM3K_RULE_PROXY_ERROR_STATUS, false, 0},
};

static const char *const endpoint_paths[] = {
    [PM3K__ENDPOINT_DIRECT_POST] = "/api/tiktok/direct_post",
    [PM3K__ENDPOINT_STATUS] = "/api/tiktok/status",
};

const pm3k__code_info *pm3k__code_find(const char *code)
{
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(codes[i].code, code) == 0)
            return &codes[i];
    return NULL;
}

bool pm3k_publish_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n > 0 && n < 64 &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* ---- time ---- */

void pm3k_time_iso(int64_t unix_s, char *out, size_t out_len)
{
    struct tm tm;
    time_t t = (time_t)unix_s;
    if (!gmtime_r(&t, &tm) || strftime(out, out_len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, out_len, "@%lld", (long long)unix_s);
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* The zone after the seconds: Z or +hh:mm / -hh:mm, as seconds east. */
static bool zone_offset(const char *p, long *offset)
{
    int hh, mm;
    if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
        *offset = 0;
        return true;
    }
    if ((p[0] != '+' && p[0] != '-') || !digits(p + 1, 2, &hh) || p[3] != ':' ||
        !digits(p + 4, 2, &mm) || p[6] != '\0' || hh > 23 || mm > 59)
        return false;
    *offset = (p[0] == '-' ? -1L : 1L) * (hh * 3600L + mm * 60L);
    return true;
}

bool pm3k__iso_parse(const char *text, int64_t *out)
{
    int y, mo, d, h, mi, s;
    const char *p = text;
    long offset;
    bool fraction = false;
    if (!digits(p, 4, &y) || p[4] != '-' || !digits(p + 5, 2, &mo) || p[7] != '-' ||
        !digits(p + 8, 2, &d) || (p[10] != 'T' && p[10] != 't') || !digits(p + 11, 2, &h) ||
        p[13] != ':' || !digits(p + 14, 2, &mi) || p[16] != ':' || !digits(p + 17, 2, &s))
        return false;
    p += 19;
    if (*p == '.') {
        size_t n = strspn(++p, "0123456789");
        if (n == 0 || n > 9)
            return false;
        fraction = strspn(p, "0") < n;
        p += n;
    }
    if (!zone_offset(p, &offset) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        s > 60)
        return false;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    time_t t = timegm(&tm);
    if (t == (time_t)-1 && !(y == 1969 && mo == 12 && d == 31))
        return false;
    *out = (int64_t)t - offset + (fraction ? 1 : 0);
    return true;
}

long pm3k__interval_minutes(const char *message)
{
    const char *p = strstr(message, "about ");
    if (!p)
        return -1;
    p += 6;
    size_t n = strspn(p, "0123456789");
    if (n == 0 || n > 6 || strncmp(p + n, " more minute", 12) != 0)
        return -1;
    return strtol(p, NULL, 10);
}

void pm3k__retry_when(int64_t at, bool latest, char *out, size_t out_len)
{
    char iso[32];
    pm3k_time_iso(at, iso, sizeof iso);
    snprintf(out, out_len, latest ? "by %s at the latest" : "at %s", iso);
}

double pm3k__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void pm3k__sleep_until(double at)
{
    for (;;) {
        double left = at - pm3k__now();
        if (left <= 0)
            return;
        struct timespec ts = {.tv_sec = (time_t)left,
                              .tv_nsec = (long)((left - floor(left)) * 1e9)};
        if (nanosleep(&ts, NULL) == 0)
            continue;
        if (errno != EINTR)
            return;
    }
}

bool pm3k__api_stopping(const pm3k_api *api)
{
    return api->stopping && api->stopping(api->stopping_userdata);
}

bool pm3k__api_sleep_until(const pm3k_api *api, double at)
{
    for (double now = pm3k__now(); now < at; now = pm3k__now()) {
        if (pm3k__api_stopping(api))
            return false;
        pm3k__sleep_until(at - now > 0.2 ? now + 0.2 : at);
    }
    return !pm3k__api_stopping(api);
}

/* A transfer goes on while the client is not told to stop. */
static bool transfer_goes_on(void *userdata, const pm3k__http_progress *progress)
{
    (void)progress;
    return !pm3k__api_stopping(userdata);
}

/* ---- answers ---- */

/* A server's string made fit for a report: control characters become
 * spaces, invalid UTF-8 U+FFFD, cut to the buffer on a character. */
static void copy_clean(const char *text, char *out, size_t out_len)
{
    char *clean = pm3k__utf8_sanitize(text, strlen(text));
    size_t n = 0;
    const unsigned char *s = (const unsigned char *)(clean ? clean : "");
    while (s[n] && n + 1 < out_len)
        n++;
    while (n > 0 && n + 1 >= out_len && s[n] && (s[n] & 0xc0) == 0x80)
        n--; /* do not cut a character in two */
    for (size_t i = 0; i < n; i++)
        out[i] = s[i] < 0x20 || s[i] == 0x7f ? ' ' : (char)s[i];
    out[n] = '\0';
    free(clean);
}

/* The member PM3K's JSON.parse reads: the last of that name. */
static const cJSON *member(const cJSON *object, const char *key)
{
    const cJSON *found = NULL;
    for (const cJSON *c = object ? object->child : NULL; c; c = c->next)
        if (c->string && strcmp(c->string, key) == 0)
            found = c;
    return found;
}

static bool string_member(const cJSON *object, const char *key, char *out, size_t out_len)
{
    const cJSON *v = member(object, key);
    out[0] = '\0';
    if (!cJSON_IsString(v) || !v->valuestring)
        return false;
    copy_clean(v->valuestring, out, out_len);
    return true;
}

static void time_member(const cJSON *object, const char *key, char *text, size_t text_len,
                        int64_t *at)
{
    *at = PM3K__NO_TIME;
    if (string_member(object, key, text, text_len) && !pm3k__iso_parse(text, at))
        *at = PM3K__NO_TIME;
}

static void retry_facts(const cJSON *root, pm3k__answer *out)
{
    time_member(root, "retry_after", out->retry_after_text, sizeof out->retry_after_text,
                &out->retry_after);
    time_member(root, "cooldownUntil", out->cooldown_until_text, sizeof out->cooldown_until_text,
                &out->cooldown_until);
    time_member(root, "resetAt", out->reset_at_text, sizeof out->reset_at_text, &out->reset_at);
    const cJSON *secs = member(root, "retry_after_seconds");
    out->retry_after_seconds = -1;
    /* ten years at most: a larger number is not a wait */
    if (cJSON_IsNumber(secs) && isfinite(secs->valuedouble) && secs->valuedouble >= 0 &&
        secs->valuedouble <= 10.0 * 366 * 86400)
        out->retry_after_seconds = (int64_t)ceil(secs->valuedouble);
}

static void invalid(pm3k__answer *out, const char *reason)
{
    out->kind = PM3K__ANSWER_INVALID;
    snprintf(out->reason, sizeof out->reason, "%s", reason);
}

/* The fields of an object answer. */
static void read_object(const cJSON *root, pm3k__answer *out)
{
    const cJSON *ok = member(root, "ok");
    const cJSON *raw = member(root, "raw");
    const cJSON *raw_error = cJSON_IsObject(raw) ? member(raw, "error") : NULL;
    string_member(root, "message", out->message, sizeof out->message);
    if (cJSON_IsObject(raw_error))
        string_member(raw_error, "code", out->raw_code, sizeof out->raw_code);
    retry_facts(root, out);
    if (string_member(root, "publish_id", out->publish_id, sizeof out->publish_id) &&
        !pm3k_publish_id_valid(out->publish_id))
        out->publish_id[0] = '\0';
    out->has_state = string_member(root, "state", out->state, sizeof out->state);
    string_member(root, "status", out->tiktok_status, sizeof out->tiktok_status);
    out->has_fail_reason =
        string_member(root, "fail_reason", out->fail_reason, sizeof out->fail_reason) &&
        out->fail_reason[0];
    if (!cJSON_IsBool(ok)) {
        invalid(out, "a JSON object without a boolean \"ok\"");
        return;
    }
    if (cJSON_IsTrue(ok)) {
        out->kind = PM3K__ANSWER_OK;
        return;
    }
    if (!string_member(root, "error", out->code, sizeof out->code) || !out->code[0]) {
        invalid(out, "\"ok\": false without an error code");
        return;
    }
    out->kind = PM3K__ANSWER_ERROR;
}

void pm3k__answer_parse(long http_status, const char *body, size_t len, bool truncated,
                        pm3k__answer *out)
{
    memset(out, 0, sizeof *out);
    out->http_status = http_status;
    out->retry_after = out->cooldown_until = out->reset_at = PM3K__NO_TIME;
    out->retry_after_seconds = -1;
    if (truncated) {
        invalid(out, "an answer longer than 1 MiB (cut there)");
        return;
    }
    if (!body || len == 0) {
        invalid(out, "an empty answer");
        return;
    }
    if (memchr(body, '\0', len)) {
        invalid(out, "an answer that holds a NUL byte");
        return;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(body, len + 1, &end, 1);
    if (!root)
        invalid(out, body[0] == '<' ? "an HTML page, not JSON" : "an answer that is not JSON");
    else if (!cJSON_IsObject(root))
        invalid(out, "JSON that is not an object");
    else
        read_object(root, out);
    cJSON_Delete(root);
}

void pm3k__answer_said(const pm3k__answer *a, char *out, size_t out_len)
{
    if (a->message[0])
        snprintf(out, out_len, "PM3K answered %ld %s: \"%s\"", a->http_status, a->code, a->message);
    else
        snprintf(out, out_len, "PM3K answered %ld %s", a->http_status, a->code);
}

void pm3k__answer_facts(pm3k_item *item, const pm3k__answer *a)
{
    if (a->code[0])
        pm3k_item_fact_str(item, "error", a->code);
    if (a->message[0])
        pm3k_item_fact_str(item, "pm3k_message", a->message);
    if (a->raw_code[0] && a->kind == PM3K__ANSWER_ERROR)
        pm3k_item_fact_str(item, "tiktok_code", a->raw_code);
    if (a->retry_after_text[0])
        pm3k_item_fact_str(item, "retry_after", a->retry_after_text);
    if (a->retry_after_seconds >= 0)
        pm3k_item_fact_int(item, "retry_after_seconds", a->retry_after_seconds);
    if (a->cooldown_until_text[0])
        pm3k_item_fact_str(item, "cooldown_until", a->cooldown_until_text);
    if (a->reset_at_text[0])
        pm3k_item_fact_str(item, "reset_at", a->reset_at_text);
}

static int64_t first_time(int64_t a, int64_t b, int64_t c)
{
    return a != PM3K__NO_TIME ? a : b != PM3K__NO_TIME ? b : c;
}

int64_t pm3k__answer_deadline(const pm3k__answer *a, int64_t now)
{
    int64_t seconds = a->retry_after_seconds >= 0 ? now + a->retry_after_seconds : PM3K__NO_TIME;
    /* PM3K-API.md: for status_cooldown cooldownUntil is the canonical
     * deadline and retry_after a deprecated alias; hourly_limit_status
     * waits until resetAt; rate_limit_status gives retry_after. */
    if (strcmp(a->code, "status_cooldown") == 0)
        return first_time(a->cooldown_until, seconds, a->retry_after);
    if (strcmp(a->code, "hourly_limit_status") == 0)
        return first_time(a->reset_at, a->retry_after, seconds);
    if (strcmp(a->code, "rate_limit_status") == 0)
        return first_time(a->retry_after, seconds, a->cooldown_until);
    if (strcmp(a->code, "interval_limit") == 0) {
        long minutes = pm3k__interval_minutes(a->message);
        if (minutes >= 0)
            return now + 60 * (int64_t)minutes;
    }
    return first_time(seconds, first_time(a->cooldown_until, a->reset_at, PM3K__NO_TIME),
                      a->retry_after);
}

/* ---- the client ---- */

/* An absolute https:// URL without credentials, query or fragment; its
 * path is a prefix of the endpoints'. */
static pm3k_code set_base_url(pm3k_api *api, const char *base, pm3k_error *err)
{
    pm3k__url url = {0};
    pm3k_error why = {0};
    const char *authority = strstr(base, "://");
    size_t auth_len = authority ? strcspn(authority + 3, "/?#") : 0;
    pm3k_code rc = pm3k__url_parse(base, 0, &url, &why);
    pm3k__redact_url(base, api->shown_base_url, sizeof api->shown_base_url);
    if (rc == PM3K_ERR_NOMEM)
        return pm3k_error_set(err, rc, "out of memory");
    if (rc != PM3K_OK || !authority || strcmp(url.scheme, "https") != 0 ||
        memchr(authority + 3, '@', auth_len) || strpbrk(base, "?#")) {
        pm3k__url_free(&url);
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "PM3K_BASE_URL '%s' is not an https:// URL without credentials, "
                              "query or fragment%s%s",
                              api->shown_base_url, rc != PM3K_OK ? ": " : "", why.message);
    }
    pm3k__url_free(&url);
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    if (n + 64 >= sizeof api->base_url)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "PM3K_BASE_URL is too long");
    memcpy(api->base_url, base, n);
    api->base_url[n] = '\0';
    pm3k__redact_url(api->base_url, api->shown_base_url, sizeof api->shown_base_url);
    return PM3K_OK;
}

pm3k_code pm3k_api_new(const pm3k_api_options *opt, pm3k_api **out, pm3k_error *err)
{
    const char *env = getenv("PM3K_BASE_URL");
    const char *base = opt->base_url ? opt->base_url : env && *env ? env : PM3K_DEFAULT_BASE_URL;
    *out = NULL;
    if (!opt->key || !opt->history)
        return pm3k_error_set(err, PM3K_ERR_INTERNAL, "the API client needs a key and a history");
    pm3k_api *api = calloc(1, sizeof *api);
    if (!api)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    pm3k_code rc = set_base_url(api, base, err);
    if (rc == PM3K_OK)
        rc = pm3k__http_ctx_init(&api->http, &opt->http, err);
    if (rc == PM3K_OK && !(api->handle = pm3k__http_handle_new(&api->http, err)))
        rc = PM3K_ERR_LIBRARY;
    if (rc != PM3K_OK) {
        pm3k_api_free(api);
        return rc;
    }
    api->http_options = opt->http;
    api->key = opt->key;
    api->account = pm3k_api_key_account(opt->key);
    api->history = opt->history;
    api->trace = opt->trace;
    api->trace_userdata = opt->trace_userdata;
    api->progress = opt->progress;
    api->progress_userdata = opt->progress_userdata;
    api->stopping = opt->stopping;
    api->stopping_userdata = opt->stopping_userdata;
    *out = api;
    return PM3K_OK;
}

void pm3k_api_free(pm3k_api *api)
{
    if (!api)
        return;
    if (api->handle)
        curl_easy_cleanup(api->handle);
    pm3k__http_ctx_free(&api->http);
    free(api);
}

const char *pm3k_api_base_url(const pm3k_api *api)
{
    return api->shown_base_url;
}

/* ---- a call ---- */

/* The body, handed to libcurl from memory; the first byte handed out
 * means PM3K may have the request. */
typedef struct body_reader {
    const char *data;
    size_t len, offset;
    bool *sent;
} body_reader;

static size_t read_body(void *userdata, char *buf, size_t len)
{
    body_reader *r = userdata;
    size_t n = r->len - r->offset < len ? r->len - r->offset : len;
    memcpy(buf, r->data + r->offset, n);
    r->offset += n;
    if (n > 0)
        *r->sent = true;
    return n;
}

static bool rewind_body(void *userdata)
{
    ((body_reader *)userdata)->offset = 0;
    return true;
}

static void trace_line(void *userdata, pm3k__http_trace_kind kind, const char *line)
{
    const pm3k_api *api = userdata;
    char out[2100];
    pm3k__http_trace_format(kind, line, out, sizeof out);
    api->trace(api->trace_userdata, out);
}

/* -v: PM3K's answer as it came (its first 2,000 bytes, control bytes shown
 * as '.', the key cut out should a lying server echo it), after its
 * headers, as curl's --trace-ascii would show it. */
static void trace_answer(const pm3k_api *api, const pm3k__http_response *resp)
{
    /* redacted over more than is shown, so no key is cut in two at the end */
    enum { SHOWN = 2000, WINDOW = SHOWN + 1024 };
    char text[WINDOW + 1], shown[WINDOW + 64], out[SHOWN + 100];
    if (!api->trace || !resp->body || resp->body_len == 0)
        return;
    size_t n = resp->body_len < WINDOW ? resp->body_len : WINDOW;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)resp->body[i];
        text[i] = c < 0x20 || c == 0x7f ? '.' : (char)c;
    }
    text[n] = '\0';
    const char *secrets[] = {pm3k__api_key_value(api->key)};
    pm3k__redact_known(text, secrets, 1, shown, sizeof shown);
    bool cut = strlen(shown) > SHOWN || resp->body_len > n;
    snprintf(out, sizeof out, "< %.*s%s", (int)SHOWN, shown, cut ? " [...]" : "");
    api->trace(api->trace_userdata, out);
}

/* Whatever a lying server echoes of the key is cut out of its strings. */
static void scrub_answer(const pm3k_api *api, pm3k__answer *a)
{
    const char *secrets[] = {pm3k__api_key_value(api->key)};
    char *fields[] = {a->message, a->code,          a->raw_code,   a->reason,
                      a->state,   a->tiktok_status, a->fail_reason};
    size_t sizes[] = {sizeof a->message,    sizeof a->code,  sizeof a->raw_code,
                      sizeof a->reason,     sizeof a->state, sizeof a->tiktok_status,
                      sizeof a->fail_reason};
    char buf[sizeof a->message];
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        pm3k__redact_known(fields[i], secrets, 1, buf, sizes[i]);
        memcpy(fields[i], buf, strlen(buf) + 1);
    }
}

/* What the finished transfer says into call. */
static void conclude(pm3k_api *api, const pm3k__http_response *resp, pm3k__call *call)
{
    call->answered_at = (int64_t)time(NULL);
    call->http_status = resp->status;
    call->verdict = resp->result.verdict;
    call->curl_code = resp->result.code;
    call->answered = resp->status > 0 && resp->headers_done &&
                     (resp->result.code == CURLE_OK || resp->body_truncated);
    if (!call->answered) {
        snprintf(call->reason, sizeof call->reason, "%s",
                 resp->result.reason[0] ? resp->result.reason
                                        : curl_easy_strerror(call->curl_code));
        return;
    }
    pm3k__answer_parse(resp->status, resp->body, resp->body_len, resp->body_truncated,
                       &call->answer);
    scrub_answer(api, &call->answer);
}

/* A transfer that failed before a body byte went out (DNS, connect, TLS
 * handshake): PM3K cannot have it, so it may be repeated. */
static bool may_repeat(const pm3k__http_response *resp, const pm3k__call *call)
{
    return !call->sent && resp->status == 0 && resp->result.verdict == PM3K__HTTP_TRANSIENT;
}

pm3k_code pm3k__api_call(pm3k_api *api, pm3k__endpoint endpoint, const char *body, size_t len,
                         pm3k__call *call, pm3k_error *err)
{
    static const double waits[PM3K__API_CONNECT_RETRIES] = {1.0, 3.0};
    char url[1100], auth[PM3K_ERROR_MESSAGE_MAX + 4200];
    const char *secrets[] = {pm3k__api_key_value(api->key)};
    pm3k__http_response *resp = calloc(1, sizeof *resp);
    pm3k_code rc = PM3K_OK;
    memset(call, 0, sizeof *call);
    if (!resp)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    snprintf(url, sizeof url, "%s%s", api->base_url, endpoint_paths[endpoint]);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", secrets[0]);
    const char *headers[] = {auth, "Content-Type: application/json", "Accept: application/json"};
    body_reader reader = {body, len, 0, &call->sent};
    pm3k__http_request req = {
        .method = PM3K__HTTP_POST,
        .url = url,
        .headers = headers,
        .header_count = 3,
        .body = {.read = read_body,
                 .rewind = rewind_body,
                 .userdata = &reader,
                 .size = (int64_t)len},
        .sink = {.kind = PM3K__HTTP_SINK_MEMORY, .cap = PM3K__API_ANSWER_MAX},
        .timeout_ms = endpoint == PM3K__ENDPOINT_DIRECT_POST && api->http_options.timeout_ms <= 0
                          ? PM3K__API_POST_TIMEOUT_MS
                          : 0,
        .trace = api->trace ? trace_line : NULL,
        .trace_userdata = api,
        .progress = api->stopping ? transfer_goes_on : NULL,
        .progress_userdata = api,
        .secrets = secrets,
        .secret_count = 1,
    };
    for (int attempt = 0;; attempt++) {
        reader.offset = 0;
        call->sent_at = (int64_t)time(NULL);
        if ((rc = pm3k__http_perform(api->handle, &api->http, &req, resp, err)) != PM3K_OK)
            goto out;
        if (attempt >= PM3K__API_CONNECT_RETRIES || !may_repeat(resp, call) ||
            pm3k__api_stopping(api))
            break;
        call->retries++;
        if (!pm3k__api_sleep_until(api, pm3k__now() + waits[attempt]))
            break;
    }
    trace_answer(api, resp);
    conclude(api, resp, call);
    if (call->verdict == PM3K__HTTP_CONFIG)
        rc = pm3k__http_config_error(&api->http_options, resp->result.reason, err);
out:
    explicit_bzero(auth, sizeof auth);
    pm3k__http_response_reset(resp);
    free(resp);
    return rc;
}
