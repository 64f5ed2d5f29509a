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

#include "pm3k/url.h"
#include "core/redact.h"
#include "probe/url_int.h"

/* A verification file is one short line; more is read only to say so. */
#define VERIFY_BODY_MAX 4096
#define FOUND_SHOWN_MAX 80

typedef struct body_buf {
    char data[VERIFY_BODY_MAX + 1];
    size_t len;
    bool truncated;
} body_buf;

static size_t on_verify_body(void *userdata, const char *data, size_t len)
{
    body_buf *b = userdata;
    size_t room = VERIFY_BODY_MAX - b->len;
    size_t n = len < room ? len : room;
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    if (n < len) {
        b->truncated = true;
        return 0; /* enough to know it is not a token file */
    }
    return len;
}

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

/* The certificate was refused: a definite failure whose fix is a
 * certificate. A failed handshake (CURLE_SSL_CONNECT_ERROR) is not one: it
 * is also a reset or an overloaded server, and transient. */
static bool is_certificate_failure(CURLcode code)
{
    return code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_ISSUER_ERROR ||
           code == CURLE_SSL_INVALIDCERTSTATUS || code == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

/* The fix for a redirect: what kind of redirect it is. */
static void redirect_fix(const char *url, const char *location, char *fix, size_t fix_len)
{
    size_t url_len = strlen(url);
    if (strncmp(location, url, url_len) == 0 && strcmp(location + url_len, "/") == 0)
        snprintf(fix, fix_len,
                 "your server or CDN adds a trailing slash: serve /pm3k-verify.txt as a file "
                 "with 200, directly (PM3K does not follow redirects)");
    else if (strncmp(location, "http://", 7) == 0)
        snprintf(fix, fix_len,
                 "your server or CDN redirects to http: serve /pm3k-verify.txt over https with "
                 "200, directly (PM3K does not follow redirects)");
    else
        snprintf(fix, fix_len,
                 "serve /pm3k-verify.txt with 200 on this host itself: your CDN redirects it "
                 "(http->https, www, a trailing slash or a login page); PM3K does not follow "
                 "redirects");
}

static void check_token(const pm3k_domain_config *config, const char *url, body_buf *body,
                        pm3k_item *item)
{
    char found[FOUND_SHOWN_MAX + 8];
    size_t body_len = body->len;
    char *content = trim(body->data, &body_len);
    shown_text(content, body_len, found, sizeof found);
    pm3k_item_fact_str(item, "token_found", found);
    if (!config->token)
        return;
    char *want = strdup(config->token);
    if (!want) {
        pm3k_item_add(item, PM3K_RULE_FETCH_ERROR_TRANSIENT, "reason", "out of memory", PM3K_END);
        return;
    }
    size_t want_len = strlen(want);
    char *token = trim(want, &want_len);
    if (body->truncated || body_len != want_len || memcmp(content, token, want_len) != 0)
        pm3k_item_add(item, PM3K_RULE_VERIFY_TOKEN_MISMATCH, "url", url, "found", found, PM3K_END);
    free(want);
}

/* Findings for the answer; an error (the CA certificates cannot be
 * loaded) only when nothing about the domain could be learnt. */
static pm3k_code check_answer(const pm3k_domain_config *config, const char *url, const char *host,
                              CURLcode code, const pm3k__http_response *resp,
                              const char *redirect_url, body_buf *body, pm3k_item *item,
                              pm3k_error *err)
{
    char reason[PM3K_ERROR_MESSAGE_MAX], fix[320], location[256];

    switch (pm3k__http_classify(code, resp, reason, sizeof reason)) {
    case PM3K__HTTP_OK:
        if (resp->status != 200) {
            snprintf(reason, sizeof reason, "the server answered %ld, not 200", resp->status);
            pm3k_item_add(item, PM3K_RULE_VERIFY_FILE_MISSING, "url", url, "reason", reason, "fix",
                          "serve pm3k-verify.txt as a plain file that answers 200", PM3K_END);
            return PM3K_OK;
        }
        check_token(config, url, body, item);
        return PM3K_OK;
    case PM3K__HTTP_REDIRECT: {
        const char *target = redirect_url ? redirect_url : pm3k__http_header_get(resp, "Location");
        if (target)
            pm3k__redact_url(target, location, sizeof location);
        else
            snprintf(location, sizeof location, "(none)");
        pm3k_item_fact_str(item, "location", location);
        snprintf(reason, sizeof reason,
                 "the server answered %ld with Location: %s; PM3K does "
                 "not follow redirects",
                 resp->status, location);
        redirect_fix(url, location, fix, sizeof fix);
        pm3k_item_add(item, PM3K_RULE_VERIFY_FILE_MISSING, "url", url, "reason", reason, "fix", fix,
                      PM3K_END);
        return PM3K_OK;
    }
    case PM3K__HTTP_DEFINITE:
        if (is_certificate_failure(code)) {
            snprintf(fix, sizeof fix,
                     "install a certificate that covers %s, from a public CA, with the full "
                     "chain (intermediates included)",
                     host);
        } else if (resp->status == 404) {
            snprintf(fix, sizeof fix,
                     "put pm3k-verify.txt from the PM3K dashboard at the root of %s, so that "
                     "%s answers 200",
                     host, url);
        } else if (resp->status == 401 || resp->status == 403) {
            snprintf(fix, sizeof fix,
                     "make pm3k-verify.txt publicly readable (no login, no IP or referrer rule)");
        } else {
            snprintf(fix, sizeof fix, "serve pm3k-verify.txt as a plain file that answers 200");
        }
        pm3k_item_add(item, PM3K_RULE_VERIFY_FILE_MISSING, "url", url, "reason", reason, "fix", fix,
                      PM3K_END);
        return PM3K_OK;
    case PM3K__HTTP_TRANSIENT:
        pm3k_item_add(item, PM3K_RULE_FETCH_ERROR_TRANSIENT, "reason", reason, PM3K_END);
        return PM3K_OK;
    case PM3K__HTTP_CONFIG:
        if (config->http.cacert)
            return pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "--cacert '%s' cannot be used: %s",
                                  config->http.cacert, reason);
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "the system's CA certificates cannot be used: %s", reason);
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

/* https://HOST/pm3k-verify.txt, and the host alone, through libcurl's parser. */
static bool verify_url(const char *host_arg, char **url, char **host)
{
    CURLU *cu = curl_url();
    char *text = NULL;
    bool ok = false;
    size_t len = 0;
    const char *part = host_part(host_arg, &len);
    *url = *host = NULL;
    if (!cu || !part)
        goto out;
    text = malloc(len + 32);
    if (!text)
        goto out;
    snprintf(text, len + 32, "https://%.*s/pm3k-verify.txt", (int)len, part);
    if (curl_url_set(cu, CURLUPART_URL, text, 0) != CURLUE_OK)
        goto out;
    char *u = NULL, *h = NULL;
    if (curl_url_get(cu, CURLUPART_URL, &u, 0) == CURLUE_OK &&
        curl_url_get(cu, CURLUPART_HOST, &h, 0) == CURLUE_OK && h && h[0]) {
        *url = strdup(u);
        *host = strdup(h);
        ok = *url && *host;
    }
    curl_free(u);
    curl_free(h);
out:
    if (!ok) {
        free(*url);
        free(*host);
        *url = *host = NULL;
    }
    free(text);
    curl_url_cleanup(cu);
    return ok;
}

pm3k_code pm3k_domain_verify(const pm3k_domain_config *config, pm3k_item **out, pm3k_error *err)
{
    pm3k_code rc = PM3K_OK;
    pm3k__http_ctx http = {0};
    pm3k__http_response *resp = NULL;
    body_buf *body = NULL;
    CURL *easy = NULL;
    pm3k_item *item = NULL;
    char *url = NULL, *host = NULL, *redirect = NULL;
    struct timespec start, end;

    *out = NULL;
    if (!verify_url(config->host, &url, &host)) {
        rc = pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                            "'%s' is not a host name (give HOST or HOST:PORT, such as "
                            "media.example.com; no path)",
                            config->host);
        goto out;
    }
    if ((rc = pm3k__http_ctx_init(&http, &config->http, err)) != PM3K_OK)
        goto out;
    item = pm3k_item_new(PM3K_KIND_DOMAIN, config->host);
    resp = calloc(1, sizeof *resp);
    body = calloc(1, sizeof *body);
    easy = curl_easy_init();
    if (!item || !resp || !body || !easy) {
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        goto out;
    }
    resp->body = on_verify_body;
    resp->body_userdata = body;
    if ((rc = pm3k__http_setup(easy, &http, url, resp, err)) != PM3K_OK)
        goto out;

    clock_gettime(CLOCK_MONOTONIC, &start);
    CURLcode code = curl_easy_perform(easy);
    clock_gettime(CLOCK_MONOTONIC, &end);
    /* The body callback stops a file that is too long to be a token. */
    if (code == CURLE_WRITE_ERROR && body->truncated)
        code = CURLE_OK;
    long version = 0;
    char *location = NULL;
    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
    curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &location);
    if (location && !(redirect = strdup(location))) {
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        goto out;
    }

    pm3k_item_fact_str(item, "host", host);
    pm3k_item_fact_str(item, "url", url);
    if (resp->status > 0) {
        pm3k_item_fact_int(item, "status", resp->status);
        pm3k_item_fact_str(item, "http_version", pm3k__http_version_name(version));
    } else {
        pm3k_item_fact_null(item, "status");
    }
    /* An HTTP answer came over TLS, so the certificate was accepted. */
    if (resp->status > 0)
        pm3k_item_fact_str(item, "tls", "valid");
    else if (is_certificate_failure(code))
        pm3k_item_fact_str(item, "tls", "invalid");
    else
        pm3k_item_fact_null(item, "tls");
    pm3k_item_fact_int(item, "elapsed_ms",
                       (int64_t)(end.tv_sec - start.tv_sec) * 1000 +
                           (end.tv_nsec - start.tv_nsec) / 1000000);
    rc = check_answer(config, url, host, code, resp, redirect, body, item, err);

out:
    if (rc != PM3K_OK) {
        pm3k_item_free(item);
        item = NULL;
    }
    *out = item;
    curl_easy_cleanup(easy);
    free(body);
    free(resp);
    pm3k__http_ctx_free(&http);
    free(redirect);
    free(host);
    free(url);
    return rc;
}
