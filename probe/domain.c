/* pm3k — custom-domain verification: what PM3K checks before it accepts a
 * domain. A certificate valid for the host, https://HOST/pm3k-verify.txt
 * answering 200 directly (PM3K follows no redirect), and the token in it.
 * Each failure is a finding with the fix for that failure. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/redact.h"
#include "core/report_int.h"
#include "core/rules_int.h"
#include "pm3k/url.h"
#include "probe/url_int.h"

/* A verification file is one short line; more is read only to say so. */
#define VERIFY_BODY_MAX 4096
#define FOUND_SHOWN_MAX 80

bool pm3k_domain_host(const char *domain, char *out, size_t out_len)
{
    return pm3k__domain_host(domain, out, out_len);
}

/* Trim ASCII whitespace at both ends, in place; returns the start. */
static char *trim(char *s, size_t *len)
{
    size_t start = 0, end = *len;
    while (start < end && isspace((unsigned char)s[start]))
        start++;
    while (end > start && isspace((unsigned char)s[end - 1]))
        end--;
    s[end] = '\0';
    *len = end - start;
    return s + start;
}

/* What the file holds, for a message: its first line, printable, cut. */
static void shown_text(const char *text, size_t len, char *out, size_t out_len)
{
    size_t n = 0;
    if (len == 0) {
        snprintf(out, out_len, "an empty file");
        return;
    }
    for (size_t i = 0;
         i < len && text[i] != '\n' && text[i] != '\r' && n + 4 < out_len && n < FOUND_SHOWN_MAX;
         i++)
        out[n++] = isprint((unsigned char)text[i]) ? text[i] : '?';
    out[n] = '\0';
    if (n < len && n + 4 < out_len)
        snprintf(out + n, out_len - n, "...");
}

/* Which fix a redirect needs: what kind of redirect it is. */
static pm3k__fix redirect_fix(const char *url, const char *location)
{
    size_t url_len = strlen(url);
    if (strncmp(location, url, url_len) == 0 && strcmp(location + url_len, "/") == 0)
        return PM3K__FIX_VERIFY_TRAILING_SLASH;
    if (strncmp(location, "http://", 7) == 0)
        return PM3K__FIX_VERIFY_TO_HTTP;
    return PM3K__FIX_VERIFY_REDIRECT;
}

/* Which fix a definite failure needs. */
static pm3k__fix failure_fix(const pm3k__http_response *resp)
{
    if (resp->result.tls_cause != PM3K__HTTP_TLS_OK)
        return pm3k__http_fix(&resp->result);
    if (pm3k__http_certificate_failed(resp->result.code))
        return PM3K__FIX_VERIFY_CERTIFICATE;
    if (resp->status == 404)
        return PM3K__FIX_VERIFY_NOT_FOUND;
    if (resp->status == 401 || resp->status == 403)
        return PM3K__FIX_VERIFY_FORBIDDEN;
    return PM3K__FIX_VERIFY_NOT_200;
}

/* verify_file_missing with reason, and the fix's template filled. */
static void add_missing(pm3k_item *item, const char *url, const char *host, const char *reason,
                        pm3k__fix fix)
{
    const char *pairs[] = {"url", url, "host", host};
    const char *tmpl = pm3k__rule_fix(fix);
    char *text = pm3k__render_template(item, tmpl, pairs, 2);
    pm3k_item_add(item, PM3K_RULE_VERIFY_FILE_MISSING, "url", url, "reason", reason, "fix",
                  text ? text : tmpl, PM3K_END);
    free(text);
}

/* The file's text against the token; trims resp's body in place. */
static void check_token(const pm3k_domain_config *config, const char *url,
                        pm3k__http_response *resp, pm3k_item *item)
{
    char found[FOUND_SHOWN_MAX + 8], empty[1] = "";
    size_t body_len = resp->body_len;
    char *content = trim(resp->body ? resp->body : empty, &body_len);
    shown_text(content, body_len, found, sizeof found);
    pm3k_item_fact_str(item, "token_found", found);
    if (!config->token) {
        /* A 200 alone does not say the domain is verified. */
        pm3k_item_add(item, PM3K_RULE_VERIFY_TOKEN_UNCHECKED, "url", url, "found", found, PM3K_END);
        return;
    }
    char *want = strdup(config->token);
    if (!want) {
        pm3k_item_add(item, PM3K_RULE_FETCH_ERROR_TRANSIENT, "reason", "out of memory", PM3K_END);
        return;
    }
    size_t want_len = strlen(want);
    char *token = trim(want, &want_len);
    if (resp->body_truncated || body_len != want_len || memcmp(content, token, want_len) != 0)
        pm3k_item_add(item, PM3K_RULE_VERIFY_TOKEN_MISMATCH, "url", url, "token", token, "found",
                      found, PM3K_END);
    free(want);
}

/* Findings for the answer; an error (the CA certificates cannot be
 * loaded) only when nothing about the domain could be learnt. */
static pm3k_code check_answer(const pm3k_domain_config *config, const char *url, const char *host,
                              pm3k__http_response *resp, pm3k_item *item, pm3k_error *err)
{
    char reason[PM3K_ERROR_MESSAGE_MAX], location[256];

    switch (resp->result.verdict) {
    case PM3K__HTTP_OK:
        if (resp->status != 200) {
            snprintf(reason, sizeof reason, "the server answered %ld, not 200", resp->status);
            add_missing(item, url, host, reason, PM3K__FIX_VERIFY_NOT_200);
            return PM3K_OK;
        }
        check_token(config, url, resp, item);
        return PM3K_OK;
    case PM3K__HTTP_REDIRECT:
        if (!pm3k__http_location(resp, location, sizeof location))
            snprintf(location, sizeof location, "(none)");
        pm3k_item_fact_str(item, "location", location);
        snprintf(reason, sizeof reason,
                 "the server answered %ld with Location: %s; PM3K does not follow redirects",
                 resp->status, location);
        add_missing(item, url, host, reason, redirect_fix(url, location));
        return PM3K_OK;
    case PM3K__HTTP_DEFINITE:
        add_missing(item, url, host, resp->result.reason, failure_fix(resp));
        return PM3K_OK;
    case PM3K__HTTP_TRANSIENT:
        pm3k_item_add(item, PM3K_RULE_FETCH_ERROR_TRANSIENT, "reason", resp->result.reason,
                      PM3K_END);
        return PM3K_OK;
    case PM3K__HTTP_CONFIG:
        return pm3k__http_config_error(&config->http, resp->result.reason, err);
    }
    return PM3K_OK;
}

/* HOST[:PORT] from what a user may give: a bare host, or the domain as a
 * URL ("https://media.example.com/", as probe --domain takes it). The
 * scheme and one trailing slash go; a port stays (it is where to connect);
 * a path, query, fragment or user part makes it no host. Points into arg;
 * *len is the host part's length. */
static const char *host_part(const char *arg, size_t *len)
{
    const char *p = arg;
    if (strncasecmp(p, "https://", 8) == 0)
        p += 8;
    else if (strncasecmp(p, "http://", 7) == 0)
        p += 7;
    size_t n = strlen(p);
    if (n > 0 && p[n - 1] == '/')
        n--;
    if (n == 0 || n > 1024 || strcspn(p, "/?#@ \t\r\n") < n)
        return NULL;
    *len = n;
    return p;
}

/* https://HOST/pm3k-verify.txt, taken apart by libcurl's parser. */
static pm3k_code verify_url(const char *host_arg, pm3k__url *url, pm3k_error *err)
{
    size_t len = 0;
    const char *part = host_part(host_arg, &len);
    char *text = part ? malloc(len + 32) : NULL;
    pm3k_code rc = PM3K_ERR_PARSE;
    memset(url, 0, sizeof *url);
    if (part && !text)
        rc = PM3K_ERR_NOMEM;
    if (text) {
        snprintf(text, len + 32, "https://%.*s/pm3k-verify.txt", (int)len, part);
        rc = pm3k__url_parse(text, 0, url, NULL);
        free(text);
    }
    if (rc == PM3K_ERR_NOMEM)
        return pm3k_error_set(err, rc, "out of memory");
    if (rc != PM3K_OK) {
        char shown[PM3K_ERROR_MESSAGE_MAX / 2];
        pm3k__redact_url(host_arg, shown, sizeof shown);
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "'%s' is not a host name (give HOST or HOST:PORT, such as "
                              "media.example.com; no path)",
                              shown);
    }
    return PM3K_OK;
}

/* The request's progress hook: false (stop) once the caller says so. */
static bool keep_going(void *userdata, const pm3k__http_progress *progress)
{
    const pm3k_domain_config *config = userdata;
    (void)progress;
    return !config->stop(config->stop_userdata);
}

/* What the request saw, as facts. */
static void add_request_facts(pm3k_item *item, const pm3k__url *url,
                              const pm3k__http_response *resp, int64_t elapsed_ms)
{
    pm3k_item_fact_str(item, "host", url->host);
    pm3k_item_fact_str(item, "url", url->text);
    if (resp->status > 0) {
        pm3k_item_fact_int(item, "status", resp->status);
        pm3k_item_fact_str(item, "http_version",
                           pm3k__http_version_name(resp->result.http_version));
    } else {
        pm3k_item_fact_null(item, "status");
    }
    /* An HTTP answer came over TLS, so the certificate was accepted. */
    if (resp->status > 0)
        pm3k_item_fact_str(item, "tls", "valid");
    else if (pm3k__http_certificate_failed(resp->result.code))
        pm3k_item_fact_str(item, "tls", "invalid");
    else
        pm3k_item_fact_null(item, "tls");
    pm3k_item_fact_int(item, "elapsed_ms", elapsed_ms);
}

static int64_t ms_between(const struct timespec *start, const struct timespec *end)
{
    return (int64_t)(end->tv_sec - start->tv_sec) * 1000 +
           (end->tv_nsec - start->tv_nsec) / 1000000;
}

pm3k_code pm3k_domain_verify(const pm3k_domain_config *config, pm3k_item **out, pm3k_error *err)
{
    pm3k__http_ctx http = {0};
    pm3k__http_response *resp = NULL;
    CURL *easy = NULL;
    pm3k_item *item = NULL;
    pm3k__url url = {0};
    pm3k_error setup = {0};
    struct timespec start, end;
    /* A file too long to be a token is cut: enough to say so. */
    pm3k__http_request req = {
        .method = PM3K__HTTP_GET,
        .sink = {.kind = PM3K__HTTP_SINK_MEMORY, .cap = VERIFY_BODY_MAX},
    };

    *out = NULL;
    pm3k_code rc = verify_url(config->host, &url, err);
    if (rc != PM3K_OK)
        goto out;
    if ((rc = pm3k__http_ctx_init(&http, &config->http, err)) != PM3K_OK)
        goto out;
    item = pm3k_item_new(PM3K_KIND_DOMAIN, config->host);
    resp = calloc(1, sizeof *resp);
    if (!item || !resp) {
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        goto out;
    }
    pm3k_item_set_input(item, 0);
    if (!(easy = pm3k__http_handle_new(&http, &setup))) {
        rc = pm3k_error_set(err, setup.code, "%s", setup.message);
        goto out;
    }
    req.url = url.text;
    if (config->stop) {
        req.progress = keep_going;
        req.progress_userdata = (void *)config;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    rc = pm3k__http_perform(easy, &http, &req, resp, err);
    clock_gettime(CLOCK_MONOTONIC, &end);
    if (rc == PM3K_OK && resp->result.stopped)
        rc = pm3k_error_set(err, PM3K_ERR_ABORTED, "interrupted");
    if (rc != PM3K_OK)
        goto out;
    add_request_facts(item, &url, resp, ms_between(&start, &end));
    rc = check_answer(config, url.text, url.host, resp, item, err);
out:
    if (rc != PM3K_OK) {
        pm3k_item_free(item);
        item = NULL;
    }
    *out = item;
    curl_easy_cleanup(easy);
    pm3k__http_response_reset(resp);
    free(resp);
    pm3k__http_ctx_free(&http);
    pm3k__url_free(&url);
    return rc;
}
