/* libFuzzer target for the URL checks' own byte handling: header capture,
 * Content-Length and Content-Range parsing and verdicts (core/http_answer.c),
 * URL parsing and host matching (core/url.c), redaction (core/redact.c),
 * and the --domain value and Content-Type against a path (probe/urlcheck.c).
 *
 * The input is split at the first two NUL bytes into: raw header bytes (fed
 * line by line as libcurl would), a URL/host string and a Content-Type. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/redact.h"
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
    CHECK(resp.store_used <= sizeof resp.store);
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
        CHECK(length >= 0);
    CHECK(strlen(reason) < sizeof reason);
    const char *range = pm3k__http_header_get(&resp, "Content-Range");
    if (range && pm3k__http_parse_content_range(range, &first, &last, &total))
        CHECK(first >= 0 && last >= first && (total < 0 || last < total));
    pm3k__http_classify(CURLE_OK, &resp, reason, sizeof reason);
    CHECK(strlen(reason) < sizeof reason);
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
    }
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
    return 0;
}
