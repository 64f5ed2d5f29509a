/* libFuzzer target for the URL checks' own byte handling: header capture
 * (every header seen, however many), Content-Length and Content-Range
 * parsing, TLS failure causes and verdicts (core/http_answer.c), URL parsing
 * and host matching (core/url.c), redaction of URLs, URLs in text and item
 * paths (core/redact.c, pm3k_item_new), and the --domain value, the host
 * rule and Content-Type against a path (probe/urlcheck.c).
 *
 * The input is split at the first two NUL bytes into: raw header bytes (fed
 * line by line as libcurl would), a URL/host string and a Content-Type. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/http.h"
#include "core/redact.h"
#include "pm3k/report.h"
#include "probe/url_int.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static const char *next_field(const uint8_t **p, const uint8_t *end, char *out, size_t cap)
{
    size_t n = 0;
    while (*p < end && **p != 0 && n + 1 < cap)
        out[n++] = (char)*(*p)++;
    while (*p < end && **p != 0)
        (*p)++;
    if (*p < end)
        (*p)++;
    out[n] = '\0';
    return out;
}

static void fuzz_headers(const char *raw, size_t len)
{
    static pm3k__http_response resp;
    char reason[160];
    int64_t length = -1, first, last, total;
    pm3k__http_response_reset(&resp);
    resp.request.abort_after_headers = len > 0 && raw[0] == 'A';
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || raw[i] == '\n') {
            size_t line_len = i - start + (i < len ? 1 : 0);
            size_t rc = pm3k__http_feed_header(&resp, raw + start, line_len);
            CHECK(rc == line_len || rc == 0);
            start = i + 1;
        }
    }
    CHECK(resp.header_count <= PM3K__HTTP_MAX_HEADERS);
    CHECK(resp.header_count <= resp.headers_seen);
    CHECK(resp.headers_truncated || resp.header_count == resp.headers_seen);
    CHECK(resp.store_used <= sizeof resp.store);
    for (int i = 0; i < PM3K__HTTP_PINNED; i++)
        CHECK(strlen(resp.seen.pinned[i]) <= PM3K__HTTP_MAX_VALUE);
    CHECK(strlen(resp.seen.length_shown) < sizeof resp.seen.length_shown);
    CHECK(strlen(resp.seen.transfer_encoding_shown) < sizeof resp.seen.transfer_encoding_shown);
    for (size_t i = 0; i < resp.header_count; i++) {
        CHECK(strlen(resp.headers[i].value) <= PM3K__HTTP_MAX_VALUE);
        char shown[96];
        pm3k__redact_header(resp.headers[i].name, resp.headers[i].value, shown, sizeof shown);
        CHECK(strlen(shown) < sizeof shown);
        if (pm3k__redact_is_secret_header(resp.headers[i].name))
            CHECK(strcmp(shown, "REDACTED") == 0);
    }
    pm3k__http_length kind = pm3k__http_content_length(&resp, &length, reason, sizeof reason);
    if (kind == PM3K__HTTP_LENGTH_VALID)
        CHECK(length >= 0 && resp.seen.length_count > 0 && !resp.seen.transfer_encoding);
    /* A Content-Length among the kept headers that does not parse, or a
     * Transfer-Encoding kept, can never give a valid length. */
    for (size_t i = 0; i < resp.header_count; i++) {
        if (strcasecmp(resp.headers[i].name, "Transfer-Encoding") == 0)
            CHECK(kind == PM3K__HTTP_LENGTH_CHUNKED);
        int64_t v;
        if (strcasecmp(resp.headers[i].name, "Content-Length") == 0 &&
            strlen(resp.headers[i].value) < PM3K__HTTP_MAX_VALUE &&
            !pm3k__http_parse_length(resp.headers[i].value, &v))
            CHECK(kind != PM3K__HTTP_LENGTH_VALID);
    }
    CHECK(strlen(reason) < sizeof reason);
    const char *range = pm3k__http_header_get(&resp, "Content-Range");
    if (range && pm3k__http_parse_content_range(range, &first, &last, &total))
        CHECK(first >= 0 && last >= first && (total < 0 || last < total));
    pm3k__http_classify(CURLE_OK, &resp, reason, sizeof reason);
    CHECK(strlen(reason) < sizeof reason);
    /* The raw bytes as libcurl's error text for a failed handshake. */
    snprintf(resp.error, sizeof resp.error, "%.*s", (int)(len < 200 ? len : 200), raw);
    pm3k__http_conclude(&resp, CURLE_SSL_CONNECT_ERROR);
    CHECK((resp.result.verdict == PM3K__HTTP_DEFINITE) ==
          (resp.result.tls_cause != PM3K__HTTP_TLS_OK));
    CHECK(resp.result.verdict == PM3K__HTTP_DEFINITE ||
          resp.result.verdict == PM3K__HTTP_TRANSIENT);
    CHECK(pm3k__rule_fix(pm3k__http_fix(&resp.result)) != NULL);
}

/* Only lowercase letters and digits: such a secret cannot be formed by
 * the marker or by a '?' put for a control character. */
static bool plain_secret(const char *s)
{
    if (strlen(s) < 4)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

static void fuzz_parse(const char *url, const char *type)
{
    static const unsigned flags[] = {0, PM3K__URL_ANY_SCHEME,
                                     PM3K__URL_ANY_SCHEME | PM3K__URL_ALLOW_SPACE};
    char out[300];
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        pm3k__url parsed;
        pm3k_error err = {0};
        pm3k_code rc = pm3k__url_parse(url, flags[i], &parsed, &err);
        CHECK(rc == PM3K_OK || rc == PM3K_ERR_PARSE || rc == PM3K_ERR_NOMEM);
        if (rc == PM3K_OK) {
            CHECK(parsed.host[0] && parsed.path && parsed.text);
            /* Only https on an allowed host is ever contacted. */
            if (pm3k__url_fetchable(type[0] ? type : NULL, &parsed))
                CHECK(strcmp(parsed.scheme, "https") == 0);
            for (const char *p = parsed.scheme; *p; p++)
                CHECK(!(*p >= 'A' && *p <= 'Z'));
        } else {
            CHECK(!parsed.text && err.message[0]);
        }
        pm3k__url_free(&parsed);
    }
    const char *secrets[] = {type};
    pm3k__redact_known(url, secrets, 1, out, sizeof out);
    CHECK(strlen(out) < sizeof out);
    if (plain_secret(type))
        CHECK(strstr(out, type) == NULL);
}

/* No secret survives redaction wherever it sits (the secret is marked
 * "zq...zq", which no shape holds, so it cannot be met by chance), and the
 * allocated forms are never cut. */
static void fuzz_redaction(const char *url, const char *type)
{
    static const char *const shapes[] = {
        "https://u:%s@h.test/p?a=1",
        "https://h.test/p?X-Amz-Signature=%s&b=2",
        "https://h.test/p?a=1&TOKEN=%s",
        "https://h.test/p#access_token=%s",
        "HTTPS:/user:%s@h.test/?q",
        "https://h.test/?%%73ig=%s",
        "s3://%s@b/k",
        "https://h.test/r?next=https://h2/?key=%s",
    };
    char secret[300], text[700], out[2000];
    if (plain_secret(type) && strlen(type) < 200) {
        snprintf(secret, sizeof secret, "zq%szq", type);
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
            snprintf(text, sizeof text, shapes[i], secret);
            char *url_form = pm3k__redact_url_dup(text);
            CHECK(url_form && strstr(url_form, secret) == NULL);
            free(url_form);
            pm3k_item *item = pm3k_item_new(PM3K_KIND_URL, text);
            CHECK(item && strstr(pm3k_item_path(item), secret) == NULL);
            pm3k_item_free(item);
            /* The same URL inside a sentence. */
            char sentence[800];
            snprintf(sentence, sizeof sentence, "see '%s' now", text);
            char *text_form = pm3k__redact_text_dup(sentence);
            CHECK(text_form);
            if (i != 4) /* a mistyped scheme is a URL only on its own */
                CHECK(strstr(text_form, secret) == NULL);
            free(text_form);
        }
    }
    char *dup = pm3k__redact_url_dup(url);
    CHECK(dup);
    pm3k__redact_url(url, out, sizeof out);
    if (strlen(url) < 600)
        CHECK(strcmp(dup, out) == 0); /* out is big enough: nothing was cut */
    free(dup);
    dup = pm3k__redact_text_dup(url);
    CHECK(dup);
    free(dup);
    pm3k__redact_looks_like_url(url);
    pm3k__http_tls_failure(url);
}

static void fuzz_strings(const char *url, const char *type)
{
    char out[300], tiny[9], host[64], expected[64], ext[16];
    int64_t v, a, b, c;
    pm3k__ct ct;

    pm3k__redact_url(url, out, sizeof out);
    CHECK(strlen(out) < sizeof out);
    pm3k__redact_url(url, tiny, sizeof tiny);
    CHECK(strlen(tiny) < sizeof tiny);
    /* A query that starts with a signature keeps only its name. */
    const char *query = strchr(url, '?');
    if (query && query == strstr(url, "?X-Amz-Signature=") && !strchr(url, '#') &&
        strlen(url) < 200)
        CHECK(strstr(out, "?X-Amz-Signature=REDACTED") != NULL);
    if (pm3k__http_parse_length(url, &v))
        CHECK(v >= 0);
    if (pm3k__http_parse_content_range(url, &a, &b, &c))
        CHECK(a >= 0 && b >= a);
    if (pm3k__domain_host(url, host, sizeof host)) {
        CHECK(strlen(host) < sizeof host && host[0]);
        CHECK(pm3k__host_equal(host, host));
        CHECK(pm3k__url_host_allowed(host, host));
    }
    CHECK(pm3k__url_host_allowed(type, "files.pm3k.org"));
    CHECK(!pm3k__url_host_allowed(NULL, type) || pm3k__host_is_storage(type));
    CHECK(pm3k__host_equal(url, type) == pm3k__host_equal(type, url));
    pm3k__host_is_storage(url);
    pm3k__content_type_parse(type, &ct);
    CHECK(strlen(ct.essence) < sizeof ct.essence);
    pm3k__url_path_extension(url, ext, sizeof ext);
    CHECK(strlen(ext) < sizeof ext);
    pm3k__content_type_fits(&ct, ext, url[0] == 'p', expected, sizeof expected);
    CHECK(strlen(expected) < sizeof expected);
    pm3k__url_is_image(url[0] == 'p', &ct, ext);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char raw[20000], url[2048], type[256];
    const uint8_t *p = data, *end = data + size;
    size_t raw_len = 0;
    while (p < end && *p != 0 && raw_len < sizeof raw)
        raw[raw_len++] = (char)*p++;
    while (p < end && *p != 0)
        p++;
    if (p < end)
        p++;
    next_field(&p, end, url, sizeof url);
    next_field(&p, end, type, sizeof type);
    fuzz_headers(raw, raw_len);
    fuzz_strings(url, type);
    fuzz_parse(url, type);
    fuzz_redaction(url, type);
    return 0;
}
