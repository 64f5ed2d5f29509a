/* Unit tests for probe/urlcheck.c: the --domain value, Content-Type
 * against the path, and the verdict on a URL judged from made-up answers,
 * as the URL engine would hand them over (no server needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pm3k/pm3k.h"
#include "probe/url_int.h"

static void domain_host(void **state)
{
    char host[64];
    assert_true(pm3k__domain_host("Media.Example.com:8443", host, sizeof host));
    assert_string_equal(host, "media.example.com");
    assert_true(pm3k__domain_host("https://cdn.test/", host, sizeof host));
    assert_string_equal(host, "cdn.test");
    assert_true(pm3k__domain_host("media.test.", host, sizeof host));
    assert_string_equal(host, "media.test");
    assert_false(pm3k__domain_host("media test", host, sizeof host));
    assert_false(pm3k__domain_host("media.test/x", host, sizeof host));
    assert_false(pm3k__domain_host("", host, sizeof host));
}

/* Which URLs may be contacted at all: https on PM3K storage or the
 * verified domain, nothing else. */
static void fetchable(void **state)
{
    const struct {
        const char *url, *domain;
        bool fetchable;
    } cases[] = {
        {"https://media.test/a.mp4", "media.test", true},
        {"https://MEDIA.test.:8443/a.mp4", "media.test", true},
        {"https://files.pm3k.org/u/a.mp4", NULL, true},
        {"https://files.pm3k.org/u/a.mp4", "media.test", true},
        {"https://media.test/a.mp4", NULL, false},
        {"https://cdn.media.test/a.mp4", "media.test", false},
        {"https://127.0.0.1/a.mp4", "media.test", false},
        {"https://169.254.169.254/latest/meta-data", NULL, false},
        {"http://media.test/a.mp4", "media.test", false},
        {"ftp://files.pm3k.org/a.mp4", NULL, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pm3k__url url;
        assert_int_equal(pm3k__url_parse(cases[i].url, PM3K__URL_ANY_SCHEME, &url, NULL), PM3K_OK);
        assert_int_equal(pm3k__url_fetchable(cases[i].domain, &url), cases[i].fetchable);
        pm3k__url_free(&url);
    }
}

static bool fits(const char *type, const char *ext, bool photo)
{
    pm3k__ct ct;
    char expected[64];
    pm3k__content_type_parse(type, &ct);
    return pm3k__content_type_fits(&ct, ext, photo, expected, sizeof expected);
}

static void content_types(void **state)
{
    pm3k__ct ct;
    pm3k__content_type_parse(" Video/MP4 ; codecs=\"avc1\"", &ct);
    assert_string_equal(ct.essence, "video/mp4");
    assert_int_equal(ct.major, PM3K__CT_VIDEO);
    assert_int_equal(ct.media, PM3K__MEDIA_MP4);
    pm3k__content_type_parse(NULL, &ct);
    assert_int_equal(ct.major, PM3K__CT_NONE);

    assert_true(fits("video/mp4", "mp4", false));
    assert_true(fits("video/quicktime", "mp4", false));
    assert_true(fits("video/x-something", "mov", false));
    assert_false(fits("video/webm", "mp4", false));
    assert_false(fits("text/html", "mp4", false));
    assert_false(fits(NULL, "mp4", false));
    assert_false(fits("application/octet-stream", "", false));
    assert_true(fits("image/jpeg", "", false));
    assert_true(fits("video/mp4", "", false));
    assert_false(fits("image/png", "jpg", false));
    assert_false(fits("video/mp4", "", true));
    assert_true(fits("image/webp", "", true));

    char expected[64];
    pm3k__content_type_parse("text/html", &ct);
    pm3k__content_type_fits(&ct, "mp4", false, expected, sizeof expected);
    assert_string_equal(expected, "video (.mp4)");

    pm3k__content_type_parse("video/mp4", &ct);
    assert_false(pm3k__url_is_image(false, &ct, "jpg"));
    assert_true(pm3k__url_is_image(true, &ct, "mp4"));
    pm3k__content_type_parse("application/octet-stream", &ct);
    assert_true(pm3k__url_is_image(false, &ct, "webp"));
    assert_false(pm3k__url_is_image(false, &ct, ""));
}

/* ---- the verdict ---- */

static pm3k_probe_config config;

/* A made-up answer: a header block (lines separated by "\n"), then what
 * libcurl said, as the engine's pm3k__http_finish would leave it. */
static pm3k__http_response *answer(const char *block, CURLcode code)
{
    static pm3k__http_response resp;
    char line[2048];
    pm3k__http_response_reset(&resp);
    for (const char *p = block; *p;) {
        size_t n = strcspn(p, "\n");
        snprintf(line, sizeof line, "%.*s\r\n", (int)n, p);
        pm3k__http_feed_header(&resp, line, strlen(line));
        p += n;
        if (*p)
            p++;
    }
    pm3k__http_feed_header(&resp, "\r\n", 2);
    resp.result.http_version = CURL_HTTP_VERSION_1_1;
    pm3k__http_conclude(&resp, code);
    return &resp;
}

/* The verdict on text with a made-up answer (NULL: nothing fetched). */
static pm3k_item *judge(const char *text, const char *domain, const pm3k__http_response *resp,
                        bool size_check)
{
    static pm3k__url url;
    static char ext[16];
    pm3k_error err = {0};
    pm3k__url_seen seen = {.input = text, .ext = ext, .resp = resp, .elapsed_ms = 7};
    pm3k__url_free(&url);
    ext[0] = '\0';
    if (pm3k__url_parse(text, PM3K__URL_ANY_SCHEME, &url, &err) == PM3K_OK) {
        seen.url = &url;
        pm3k__url_path_extension(url.path, ext, sizeof ext);
    } else {
        seen.invalid_reason = err.message;
    }
    pm3k_item *item = pm3k__url_verdict(&config, domain, &seen, size_check);
    assert_non_null(item);
    return item;
}

static const char *only_code(const pm3k_item *item)
{
    assert_int_equal(pm3k_item_finding_count(item), 1);
    return pm3k_item_finding(item, 0)->rule->code;
}

static void fact_is(const pm3k_item *item, const char *key, const char *want)
{
    char *text = pm3k_item_fact_text(item, key);
    assert_non_null(text);
    assert_string_equal(text, want);
    free(text);
}

static const char ok_mp4[] = "HTTP/1.1 200 OK\nContent-Type: video/mp4\nContent-Length: 3017098";

static void verdict_pass(void **state)
{
    pm3k_item *item =
        judge("https://media.test/a.mp4", "media.test", answer(ok_mp4, CURLE_OK), true);
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_PASS);
    assert_int_equal(pm3k_item_finding_count(item), 0);
    fact_is(item, "method", "HEAD");
    fact_is(item, "status", "200");
    fact_is(item, "http_version", "1.1");
    fact_is(item, "content_length", "3017098");
    fact_is(item, "hosting", "external");
    fact_is(item, "media", "video");
    pm3k_item_free(item);

    /* PM3K's own storage needs no --domain and is hosting pm3k. */
    item = judge("https://files.pm3k.org/a.mp4", NULL, answer(ok_mp4, CURLE_OK), true);
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_PASS);
    fact_is(item, "hosting", "pm3k");
    pm3k_item_free(item);
}

/* Before any request: the URL itself, its scheme, its host. */
static void verdict_without_fetch(void **state)
{
    pm3k_item *item = judge("https://", "media.test", NULL, true);
    assert_string_equal(only_code(item), "invalid_url");
    pm3k_item_free(item);

    item = judge("http://media.test/a.mp4", "media.test", NULL, true);
    assert_string_equal(only_code(item), "not_https");
    assert_false(pm3k_item_has_fact(item, "status"));
    pm3k_item_free(item);

    item = judge("https://cdn.other.test/a.mp4", "media.test", answer(ok_mp4, CURLE_OK), true);
    assert_string_equal(only_code(item), "domain_mismatch");
    pm3k_item_free(item);

    item = judge("https://media.test/a.mp4", NULL, answer(ok_mp4, CURLE_OK), true);
    assert_string_equal(only_code(item), "domain_not_verified");
    pm3k_item_free(item);
}

static void verdict_length_and_size(void **state)
{
    pm3k_item *item = judge("https://media.test/a.mp4", "media.test",
                            answer("HTTP/1.1 200 OK\nContent-Type: video/mp4\n"
                                   "Transfer-Encoding: chunked",
                                   CURLE_OK),
                            true);
    assert_string_equal(only_code(item), "content_length_required");
    fact_is(item, "content_length", "null");
    pm3k_item_free(item);

    static const char big[] = "HTTP/1.1 200 OK\nContent-Type: video/mp4\nContent-Length: "
                              "150000000";
    item = judge("https://media.test/a.mp4", "media.test", answer(big, CURLE_OK), true);
    assert_string_equal(only_code(item), "too_large");
    assert_non_null(strstr(pm3k_item_finding(item, 0)->message, "150.0 MB"));
    pm3k_item_free(item);
    /* --deep leaves the size to the media checks. */
    item = judge("https://media.test/a.mp4", "media.test", answer(big, CURLE_OK), false);
    assert_int_equal(pm3k_item_finding_count(item), 0);
    pm3k_item_free(item);

    item = judge(
        "https://media.test/a.jpg", "media.test",
        answer("HTTP/1.1 200 OK\nContent-Type: image/jpeg\nContent-Length: 25000000", CURLE_OK),
        true);
    assert_string_equal(only_code(item), "image_too_large");
    fact_is(item, "media", "image");
    pm3k_item_free(item);

    item = judge("https://media.test/a.mp4", "media.test",
                 answer("HTTP/1.1 200 OK\nContent-Type: text/html\nContent-Length: 5", CURLE_OK),
                 true);
    assert_string_equal(only_code(item), "content_type_mismatch");
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_WARN);
    pm3k_item_free(item);
}

/* A redirect is reported with its Location, secrets redacted. */
static void verdict_redirect(void **state)
{
    pm3k_item *item = judge("https://media.test/a.mp4", "media.test",
                            answer("HTTP/1.1 302 Found\nLocation: https://cdn.test/a.mp4?"
                                   "X-Amz-Signature=abc&n=1",
                                   CURLE_OK),
                            true);
    assert_string_equal(only_code(item), "redirect_not_allowed");
    fact_is(item, "location", "https://cdn.test/a.mp4?X-Amz-Signature=REDACTED&n=1");
    assert_null(strstr(pm3k_item_finding(item, 0)->message, "abc"));
    pm3k_item_free(item);

    item = judge("https://media.test/a.mp4", "media.test",
                 answer("HTTP/1.1 301 Moved Permanently", CURLE_OK), true);
    fact_is(item, "location", "(none)");
    pm3k_item_free(item);
}

/* 4xx is what PM3K would see too; 5xx and the network can change. */
static void verdict_failures(void **state)
{
    pm3k_item *item = judge("https://media.test/a.mp4", "media.test",
                            answer("HTTP/1.1 404 Not Found\nContent-Length: 153", CURLE_OK), true);
    assert_string_equal(only_code(item), "fetch_error");
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_FAIL);
    assert_non_null(strstr(pm3k_item_finding(item, 0)->message, "404 Not Found"));
    pm3k_item_free(item);

    item = judge("https://media.test/a.mp4", "media.test",
                 answer("HTTP/1.1 503 Service Unavailable", CURLE_OK), true);
    assert_string_equal(only_code(item), "fetch_error");
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_ERROR);
    pm3k_item_free(item);

    item =
        judge("https://media.test/a.mp4", "media.test", answer("", CURLE_OPERATION_TIMEDOUT), true);
    assert_string_equal(only_code(item), "fetch_error");
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_ERROR);
    fact_is(item, "status", "null");
    pm3k_item_free(item);
}

/* A HEAD that did not decide: the GET's answer stands, the HEAD's status
 * is a fact. */
static void verdict_after_head(void **state)
{
    pm3k__url url;
    pm3k_error err = {0};
    assert_int_equal(pm3k__url_parse("https://media.test/a.mp4", 0, &url, &err), PM3K_OK);
    /* The GET was stopped after its headers, on purpose. */
    pm3k__http_response *resp = answer(ok_mp4, CURLE_OK);
    resp->aborted = true;
    pm3k__http_conclude(resp, CURLE_WRITE_ERROR);
    assert_int_equal(resp->result.verdict, PM3K__HTTP_OK);
    pm3k__url_seen seen = {.input = "https://media.test/a.mp4",
                           .url = &url,
                           .ext = "mp4",
                           .resp = resp,
                           .get = true,
                           .head_seen = true,
                           .head_status = 403};
    pm3k_item *item = pm3k__url_verdict(&config, "media.test", &seen, true);
    assert_non_null(item);
    assert_int_equal(pm3k_item_finding_count(item), 0);
    fact_is(item, "method", "GET");
    fact_is(item, "head_status", "403");
    pm3k_item_free(item);
    pm3k__url_free(&url);
}

static int setup(void **state)
{
    pm3k_probe_config_init(&config);
    return pm3k_global_init(NULL) == PM3K_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(domain_host),           cmocka_unit_test(fetchable),
        cmocka_unit_test(content_types),         cmocka_unit_test(verdict_pass),
        cmocka_unit_test(verdict_without_fetch), cmocka_unit_test(verdict_length_and_size),
        cmocka_unit_test(verdict_redirect),      cmocka_unit_test(verdict_failures),
        cmocka_unit_test(verdict_after_head),
    };
    int failed = cmocka_run_group_tests(tests, setup, NULL);
    pm3k_global_cleanup();
    return failed;
}
