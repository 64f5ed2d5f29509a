/* pm3k — the pure parts of the URL checks: the --domain value,
 * Content-Type against the path, and the verdict on a URL from what its
 * requests saw (tests/unit/test_urlcheck.c judges made-up answers; the
 * parsers are covered by tests/fuzz/fuzz_url.c). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/redact.h"
#include "probe/url_int.h"

/* ---- hosts ---- */

bool pm3k__domain_host(const char *domain, char *out, size_t out_len)
{
    bool ok = false;
    char *text = NULL;
    pm3k__url url = {0};
    size_t len = strlen(domain);

    if (out_len == 0 || len == 0 || len > 1024)
        return false;
    out[0] = '\0';
    if (strstr(domain, "://")) {
        text = strdup(domain);
    } else {
        /* A bare host: no path, query, user or spaces allowed. */
        if (strcspn(domain, "/?#@ \t\r\n") != len)
            return false;
        text = malloc(len + 10);
        if (text)
            snprintf(text, len + 10, "https://%s/", domain);
    }
    if (!text || pm3k__url_parse(text, 0, &url, NULL) != PM3K_OK)
        goto out;
    len = pm3k__host_len(url.host);
    if (len + 1 > out_len)
        goto out;
    for (size_t i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)url.host[i]);
    out[len] = '\0';
    ok = true;
out:
    pm3k__url_free(&url);
    free(text);
    return ok;
}

/* ---- Content-Type ---- */

void pm3k__content_type_parse(const char *value, pm3k__ct *out)
{
    memset(out, 0, sizeof *out);
    out->major = PM3K__CT_NONE;
    out->media = PM3K__MEDIA_UNKNOWN;
    if (!value)
        return;
    while (*value == ' ' || *value == '\t')
        value++;
    size_t n = strcspn(value, ";");
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        n--;
    if (n == 0)
        return;
    if (n >= sizeof out->essence)
        n = sizeof out->essence - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)value[i];
        out->essence[i] = (char)(isprint(c) ? tolower(c) : '?');
    }
    out->essence[n] = '\0';
    if (strncmp(out->essence, "video/", 6) == 0)
        out->major = PM3K__CT_VIDEO;
    else if (strncmp(out->essence, "image/", 6) == 0)
        out->major = PM3K__CT_IMAGE;
    else
        out->major = PM3K__CT_OTHER;
    const pm3k__format *format = pm3k__format_by_mime_type(out->essence);
    if (format)
        out->media = format->media;
}

bool pm3k__content_type_fits(const pm3k__ct *ct, const char *ext, bool photo, char *expected,
                             size_t expected_len)
{
    bool known = false;
    pm3k__extension_fits(ext, PM3K__MEDIA_UNKNOWN, &known);
    bool want_image = photo || pm3k__extension_is_image(ext);
    bool want_video = !want_image && known;
    const char *what = want_image ? "image" : want_video ? "video" : "video or image";
    if (known && ext[0])
        snprintf(expected, expected_len, "%s (.%s)", what, ext);
    else
        snprintf(expected, expected_len, "%s", what);

    if (!want_image && !want_video)
        return ct->major == PM3K__CT_VIDEO || ct->major == PM3K__CT_IMAGE;
    if (ct->major != (want_image ? PM3K__CT_IMAGE : PM3K__CT_VIDEO))
        return false;
    /* A subtype pm3k knows must fit the extension too (an .mp4 sent as
     * video/webm); an unknown one (video/x-foo) is given the benefit. */
    if (ct->media == PM3K__MEDIA_UNKNOWN || !known)
        return true;
    bool ext_known;
    return pm3k__extension_fits(ext, ct->media, &ext_known);
}

bool pm3k__url_is_image(bool photo, const pm3k__ct *ct, const char *ext)
{
    if (photo)
        return true;
    if (ct->major == PM3K__CT_VIDEO)
        return false;
    if (ct->major == PM3K__CT_IMAGE)
        return true;
    return pm3k__extension_is_image(ext);
}

const char *pm3k__url_path_extension(const char *path, char *buf, size_t buflen)
{
    return pm3k__path_extension(path, buf, buflen);
}

/* ---- the verdict on one URL ---- */

/* Header facts worth showing (lowercase); values are redacted and cut. */
static const char *const shown_headers[] = {"content-type",
                                            "content-length",
                                            "transfer-encoding",
                                            "content-encoding",
                                            "content-range",
                                            "location",
                                            "accept-ranges",
                                            "etag",
                                            "last-modified",
                                            "cache-control",
                                            "age",
                                            "server",
                                            "via",
                                            "x-cache",
                                            "cf-cache-status",
                                            NULL};
#define SHOWN_VALUE_MAX 256

pm3k_limits pm3k__url_limits(const pm3k_probe_config *config, const char *host)
{
    pm3k_limits limits = config->limits;
    if (!config->hosting_given)
        pm3k_limits_set_hosting(&limits, host && pm3k__host_is_storage(host)
                                             ? PM3K_HOSTING_PM3K
                                             : PM3K_HOSTING_EXTERNAL);
    return limits;
}

static void add_header_facts(pm3k_item *item, const pm3k__http_response *resp)
{
    char key[64], value[SHOWN_VALUE_MAX];
    for (size_t i = 0; i < resp->header_count; i++) {
        const pm3k__http_header *h = &resp->headers[i];
        size_t n = strlen(h->name);
        if (n >= sizeof key)
            continue;
        for (size_t j = 0; j <= n; j++)
            key[j] = (char)(h->name[j] >= 'A' && h->name[j] <= 'Z' ? h->name[j] + 32 : h->name[j]);
        for (const char *const *s = shown_headers; *s; s++)
            if (strcmp(key, *s) == 0) {
                pm3k__redact_header(h->name, h->value, value, sizeof value);
                pm3k_item_fact_group_str(item, "headers", key, value);
                break;
            }
    }
}

bool pm3k__url_host_allowed(const char *domain, const char *host)
{
    return pm3k__host_is_storage(host) || (domain && pm3k__host_equal(host, domain));
}

bool pm3k__url_fetchable(const char *domain, const pm3k__url *url)
{
    return strcmp(url->scheme, "https") == 0 && pm3k__url_host_allowed(domain, url->host);
}

static void check_host(const char *domain, const char *host, pm3k_item *item)
{
    if (pm3k__url_host_allowed(domain, host))
        return;
    if (!domain)
        pm3k_item_add(item, PM3K_RULE_DOMAIN_NOT_VERIFIED, "host", host, PM3K_END);
    else if (!pm3k__host_equal(host, domain))
        pm3k_item_add(item, PM3K_RULE_DOMAIN_MISMATCH_URL, "host", host, "domain", domain,
                      PM3K_END);
}

/* The 2xx answer that decided: length, size and type. */
static void check_answer(const pm3k_probe_config *config, const pm3k__url_seen *seen,
                         bool size_check, pm3k_item *item)
{
    const pm3k__http_response *resp = seen->resp;
    char reason[160], expected[64], size_mb[32];
    pm3k__ct ct;
    int64_t length = -1;

    pm3k__content_type_parse(pm3k__http_header_get(resp, "Content-Type"), &ct);
    bool image = pm3k__url_is_image(config->photo_mode, &ct, seen->ext);
    pm3k_item_fact_str(item, "media", image ? "image" : "video");
    if (pm3k__http_content_length(resp, &length, reason, sizeof reason) !=
        PM3K__HTTP_LENGTH_VALID) {
        pm3k_item_add(item, PM3K_RULE_CONTENT_LENGTH_REQUIRED, "reason", reason, PM3K_END);
    } else if (size_check) {
        pm3k_limits limits = pm3k__url_limits(config, seen->url->host);
        pm3k_item_set_limits(item, &limits);
        pm3k__format_mb(length, size_mb, sizeof size_mb);
        if (image && length > limits.max_image_bytes)
            pm3k_item_add(item, PM3K_RULE_IMAGE_TOO_LARGE_URL, "size_mb", size_mb, PM3K_END);
        else if (!image && length > limits.max_video_bytes)
            pm3k_item_add(item, PM3K_RULE_TOO_LARGE_URL, "size_mb", size_mb, PM3K_END);
    }
    if (!pm3k__content_type_fits(&ct, seen->ext, config->photo_mode, expected, sizeof expected))
        pm3k_item_add(item, PM3K_RULE_CONTENT_TYPE_MISMATCH, "content_type",
                      ct.essence[0] ? ct.essence : "(none)", "expected", expected, PM3K_END);
}

static void add_fetch_facts(const pm3k__url_seen *seen, pm3k_item *item)
{
    const pm3k__http_response *resp = seen->resp;
    char text[SHOWN_VALUE_MAX], reason[8];
    int64_t length;

    pm3k_item_fact_str(item, "method", seen->get ? "GET" : "HEAD");
    if (resp->status > 0)
        pm3k_item_fact_int(item, "status", resp->status);
    else
        pm3k_item_fact_null(item, "status");
    if (seen->head_seen) {
        if (seen->head_status > 0)
            pm3k_item_fact_int(item, "head_status", seen->head_status);
        else
            pm3k_item_fact_null(item, "head_status");
    }
    if (resp->status > 0)
        pm3k_item_fact_str(item, "http_version",
                           pm3k__http_version_name(resp->result.http_version));
    if (pm3k__http_content_length(resp, &length, reason, sizeof reason) == PM3K__HTTP_LENGTH_VALID)
        pm3k_item_fact_int(item, "content_length", length);
    else
        pm3k_item_fact_null(item, "content_length");
    const char *type = pm3k__http_header_get(resp, "Content-Type");
    if (type) {
        pm3k__redact_header("Content-Type", type, text, sizeof text);
        pm3k_item_fact_str(item, "content_type", text);
    } else {
        pm3k_item_fact_null(item, "content_type");
    }
    pm3k_item_fact_int(item, "elapsed_ms", seen->elapsed_ms);
    add_header_facts(item, resp);
}

/* What the deciding answer means for the post. */
static void judge_answer(const pm3k_probe_config *config, const pm3k__url_seen *seen,
                         bool size_check, pm3k_item *item)
{
    const pm3k__http_response *resp = seen->resp;
    char location[SHOWN_VALUE_MAX], status[16];
    switch (resp->result.verdict) {
    case PM3K__HTTP_OK:
        check_answer(config, seen, size_check, item);
        break;
    case PM3K__HTTP_REDIRECT:
        if (!pm3k__http_location(resp, location, sizeof location))
            snprintf(location, sizeof location, "(none)");
        pm3k_item_fact_str(item, "location", location);
        snprintf(status, sizeof status, "%ld", resp->status);
        pm3k_item_add(item, PM3K_RULE_REDIRECT_NOT_ALLOWED, "status", status, "location", location,
                      PM3K_END);
        break;
    case PM3K__HTTP_DEFINITE:
    case PM3K__HTTP_CONFIG: /* the run stops with this; the item is never shown */
        pm3k_item_add(item, PM3K_RULE_FETCH_ERROR, "reason", resp->result.reason, "fix",
                      pm3k__rule_fix(pm3k__http_fix(&resp->result)), PM3K_END);
        break;
    case PM3K__HTTP_TRANSIENT:
        pm3k_item_add(item, PM3K_RULE_FETCH_ERROR_TRANSIENT, "reason", resp->result.reason,
                      PM3K_END);
        break;
    }
}

pm3k_item *pm3k__url_verdict(const pm3k_probe_config *config, const char *domain,
                             const pm3k__url_seen *seen, bool size_check)
{
    pm3k_item *item = pm3k_item_new(PM3K_KIND_URL, seen->input);
    if (!item)
        return NULL;
    if (!seen->url) {
        pm3k_item_add(item, PM3K_RULE_INVALID_URL, "reason", seen->invalid_reason, PM3K_END);
        return item;
    }
    const pm3k__url *url = seen->url;
    pm3k_item_fact_str(item, "scheme", url->scheme);
    pm3k_item_fact_str(item, "host", url->host);
    pm3k_item_fact_str(item, "hosting",
                       pm3k_hosting_name(pm3k__url_limits(config, url->host).hosting));
    if (strcmp(url->scheme, "https") != 0)
        pm3k_item_add(item, PM3K_RULE_NOT_HTTPS_URL, "scheme", url->scheme, PM3K_END);
    check_host(domain, url->host, item);
    if (!seen->resp)
        return item;
    add_fetch_facts(seen, item);
    judge_answer(config, seen, size_check, item);
    return item;
}
