/* Unit tests for core/http.c (header capture, lengths, ranges, verdicts,
 * option checks) and probe/urlcheck.c (hosts, Content-Type). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/http.h"
#include "pm3k_version.h"
#include "core/redact.h"
#include "probe/url_int.h"

static pm3k__http_response resp;

/* Feed a whole header block, lines separated by "\n" (CRLF added). */
static void feed(const char *block)
{
    char line[2048];
    pm3k__http_response_reset(&resp);
    resp.abort_after_headers = false;
    for (const char *p = block; *p;) {
        size_t n = strcspn(p, "\n");
        snprintf(line, sizeof line, "%.*s\r\n", (int)n, p);
        pm3k__http_feed_header(&resp, line, strlen(line));
        p += n;
        if (*p)
            p++;
    }
}

static void parse_length(void **state)
{
    int64_t v = -1;
    assert_true(pm3k__http_parse_length("3017098", &v));
    assert_int_equal(v, 3017098);
    assert_true(pm3k__http_parse_length(" 5, 5 ", &v));
    assert_int_equal(v, 5);
    assert_true(pm3k__http_parse_length("0", &v));
    assert_int_equal(v, 0);
    assert_false(pm3k__http_parse_length("5, 6", &v));
    assert_false(pm3k__http_parse_length("", &v));
    assert_false(pm3k__http_parse_length("-1", &v));
    assert_false(pm3k__http_parse_length("12a", &v));
    assert_false(pm3k__http_parse_length("1.5", &v));
    assert_false(pm3k__http_parse_length("99999999999999999999", &v));
    assert_false(pm3k__http_parse_length("5,", &v));
}

static void parse_content_range(void **state)
{
    int64_t a, b, t;
    assert_true(pm3k__http_parse_content_range("bytes 0-131071/3017098", &a, &b, &t));
    assert_int_equal(a, 0);
    assert_int_equal(b, 131071);
    assert_int_equal(t, 3017098);
    assert_true(pm3k__http_parse_content_range("bytes 10-19/*", &a, &b, &t));
    assert_int_equal(t, -1);
    assert_false(pm3k__http_parse_content_range("bytes 19-10/100", &a, &b, &t));
    assert_false(pm3k__http_parse_content_range("bytes 0-100/100", &a, &b, &t));
    assert_false(pm3k__http_parse_content_range("bytes */100", &a, &b, &t));
    assert_false(pm3k__http_parse_content_range("items 0-9/10", &a, &b, &t));
    assert_false(pm3k__http_parse_content_range("bytes 0-9/10 x", &a, &b, &t));
}

static void header_capture(void **state)
{
    feed("HTTP/1.1 100 Continue\n\nHTTP/1.1 404 Not Found\nContent-Type:  text/html \n"
         "X-Empty:\n no-colon-folded\n\n");
    assert_int_equal(resp.status, 404);
    assert_string_equal(resp.reason, "Not Found");
    assert_true(resp.headers_done);
    assert_int_equal(resp.header_count, 2);
    assert_string_equal(pm3k__http_header_get(&resp, "content-type"), "text/html");
    assert_string_equal(pm3k__http_header_get(&resp, "X-EMPTY"), "");
    assert_null(pm3k__http_header_get(&resp, "Location"));

    /* Bounded: more headers than fit are counted as left out. */
    char block[8192];
    size_t n = (size_t)snprintf(block, sizeof block, "HTTP/2 200 \n");
    for (int i = 0; i < PM3K__HTTP_MAX_HEADERS + 5; i++)
        n += (size_t)snprintf(block + n, sizeof block - n, "X-H%d: %d\n", i, i);
    feed(block);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.header_count, PM3K__HTTP_MAX_HEADERS);
    assert_true(resp.headers_truncated);

    /* Stop right after the headers when asked. */
    pm3k__http_response_reset(&resp);
    resp.abort_after_headers = true;
    pm3k__http_feed_header(&resp, "HTTP/1.1 200 OK\r\n", 17);
    assert_int_equal(pm3k__http_feed_header(&resp, "\r\n", 2), 0);
    assert_true(resp.aborted);
}

static void content_length(void **state)
{
    int64_t len = -1;
    char reason[160];
    feed("HTTP/1.1 200 OK\nContent-Length: 42\n\n");
    assert_int_equal(pm3k__http_content_length(&resp, &len, reason, sizeof reason),
                     PM3K__HTTP_LENGTH_VALID);
    assert_int_equal(len, 42);
    feed("HTTP/1.1 200 OK\n\n");
    assert_int_equal(pm3k__http_content_length(&resp, &len, reason, sizeof reason),
                     PM3K__HTTP_LENGTH_ABSENT);
    feed("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nContent-Length: 42\n\n");
    assert_int_equal(pm3k__http_content_length(&resp, &len, reason, sizeof reason),
                     PM3K__HTTP_LENGTH_CHUNKED);
    assert_non_null(strstr(reason, "chunked"));
    feed("HTTP/1.1 200 OK\nContent-Length: 42\ncontent-length: 43\n\n");
    assert_int_equal(pm3k__http_content_length(&resp, &len, reason, sizeof reason),
                     PM3K__HTTP_LENGTH_INVALID);
    feed("HTTP/1.1 200 OK\nContent-Length: lots\n\n");
    assert_int_equal(pm3k__http_content_length(&resp, &len, reason, sizeof reason),
                     PM3K__HTTP_LENGTH_INVALID);
    assert_non_null(strstr(reason, "'lots'"));
}

static void classify(void **state)
{
    char reason[256];
    feed("HTTP/1.1 200 OK\n\n");
    assert_int_equal(pm3k__http_classify(CURLE_OK, &resp, reason, sizeof reason), PM3K__HTTP_OK);
    feed("HTTP/1.1 301 Moved\n\n");
    assert_int_equal(pm3k__http_classify(CURLE_OK, &resp, reason, sizeof reason),
                     PM3K__HTTP_REDIRECT);
    feed("HTTP/1.1 404 Not Found\n\n");
    assert_int_equal(pm3k__http_classify(CURLE_OK, &resp, reason, sizeof reason),
                     PM3K__HTTP_DEFINITE);
    assert_string_equal(reason, "the server answered 404 Not Found");
    feed("HTTP/1.1 503 Busy\n\n");
    assert_int_equal(pm3k__http_classify(CURLE_OK, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    /* Stopped after the headers on purpose: the status decides. */
    pm3k__http_response_reset(&resp);
    resp.abort_after_headers = true;
    pm3k__http_feed_header(&resp, "HTTP/1.1 200 OK\r\n", 17);
    pm3k__http_feed_header(&resp, "\r\n", 2);
    assert_int_equal(pm3k__http_classify(CURLE_WRITE_ERROR, &resp, reason, sizeof reason),
                     PM3K__HTTP_OK);
    pm3k__http_response_reset(&resp);
    assert_int_equal(pm3k__http_classify(CURLE_WRITE_ERROR, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    assert_int_equal(
        pm3k__http_classify(CURLE_PEER_FAILED_VERIFICATION, &resp, reason, sizeof reason),
        PM3K__HTTP_DEFINITE);
    assert_non_null(strstr(reason, "TLS"));
    assert_int_equal(pm3k__http_classify(CURLE_OPERATION_TIMEDOUT, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    assert_int_equal(pm3k__http_classify(CURLE_COULDNT_RESOLVE_HOST, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    assert_int_equal(pm3k__http_classify(CURLE_COULDNT_CONNECT, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    assert_int_equal(pm3k__http_classify(CURLE_GOT_NOTHING, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
}

/* TLS: a refused certificate is the server's for sure; a failed handshake
 * may be a reset or an overloaded server; a CA file that cannot be loaded
 * is the run's own configuration. */
static void classify_tls(void **state)
{
    char reason[256];
    static const CURLcode certificate[] = {CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_ISSUER_ERROR,
                                           CURLE_SSL_PINNEDPUBKEYNOTMATCH,
                                           CURLE_SSL_INVALIDCERTSTATUS};
    pm3k__http_response_reset(&resp);
    for (size_t i = 0; i < sizeof certificate / sizeof certificate[0]; i++) {
        assert_int_equal(pm3k__http_classify(certificate[i], &resp, reason, sizeof reason),
                         PM3K__HTTP_DEFINITE);
        assert_non_null(strstr(reason, "certificate verification failed"));
    }
    assert_int_equal(pm3k__http_classify(CURLE_SSL_CONNECT_ERROR, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    assert_non_null(strstr(reason, "TLS handshake failed"));
    assert_int_equal(pm3k__http_classify(CURLE_SSL_CACERT_BADFILE, &resp, reason, sizeof reason),
                     PM3K__HTTP_CONFIG);
    assert_int_equal(pm3k__http_classify(CURLE_SSL_CERTPROBLEM, &resp, reason, sizeof reason),
                     PM3K__HTTP_CONFIG);
}

/* Headers libcurl refuses to read are the server's answer, not the
 * network: over 300 KB in all (CURLE_RECV_ERROR with libcurl's message), or
 * one line over 100 KB (CURLE_OUT_OF_MEMORY while the headers come). */
static void classify_headers_too_large(void **state)
{
    char reason[256];
    feed("HTTP/1.1 200 OK\nContent-Length: 5\n");
    assert_false(resp.headers_done);
    snprintf(resp.error, sizeof resp.error, "Too large response headers: 360203 > 307200");
    assert_int_equal(pm3k__http_classify(CURLE_RECV_ERROR, &resp, reason, sizeof reason),
                     PM3K__HTTP_DEFINITE);
    assert_non_null(strstr(reason, "headers are too large"));
    resp.error[0] = '\0';
    assert_int_equal(pm3k__http_classify(CURLE_OUT_OF_MEMORY, &resp, reason, sizeof reason),
                     PM3K__HTTP_DEFINITE);
    assert_non_null(strstr(reason, "100 KB"));
    /* Any other receive error is the network's. */
    snprintf(resp.error, sizeof resp.error, "Recv failure: Connection reset by peer");
    assert_int_equal(pm3k__http_classify(CURLE_RECV_ERROR, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    /* After the headers, or before any status line, it is not about headers. */
    feed("HTTP/1.1 200 OK\n\n");
    snprintf(resp.error, sizeof resp.error, "Too large response headers: 360203 > 307200");
    assert_int_equal(pm3k__http_classify(CURLE_RECV_ERROR, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    pm3k__http_response_reset(&resp);
    assert_int_equal(pm3k__http_classify(CURLE_OUT_OF_MEMORY, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
}

static void options_check(void **state)
{
    pm3k_error err = {0};
    const char *good[] = {"media.test:443:127.0.0.1", "+a.test:8443:10.0.0.1,10.0.0.2",
                          "-a.test:443", "[::1]:443:::1"};
    pm3k_http_options opt = {.resolve = good, .resolve_count = 4};
    assert_int_equal(pm3k_http_options_check(&opt, &err), PM3K_OK);
    const char *bad[][1] = {{"media.test:0:127.0.0.1"}, {"media.test:70000:1.2.3.4"},
                            {"media.test:443"},         {"media.test:x:1.2.3.4"},
                            {":443:1.2.3.4"},           {"media.test:443:"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pm3k_http_options one = {.resolve = bad[i], .resolve_count = 1};
        assert_int_equal(pm3k_http_options_check(&one, &err), PM3K_ERR_INVALID_ARG);
        assert_non_null(strstr(err.message, "--resolve"));
    }
    pm3k_http_options ca = {.cacert = "/nonexistent/ca.pem"};
    assert_int_equal(pm3k_http_options_check(&ca, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "--cacert"));

    pm3k__http_ctx ctx;
    pm3k_http_options plain = {.timeout_ms = 0};
    assert_int_equal(pm3k__http_ctx_init(&ctx, &plain, &err), PM3K_OK);
    assert_int_equal(ctx.timeout_ms, PM3K__HTTP_DEFAULT_TIMEOUT_MS);
    assert_string_equal(ctx.user_agent, "pm3k/" PM3K_VERSION_STRING);
    pm3k__http_ctx_free(&ctx);
}

/* Write text to a fresh temporary file; its path goes to path. */
static void temp_file(char *path, size_t path_len, const char *text, size_t pad)
{
    snprintf(path, path_len, "/tmp/pm3k-test-http-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    assert_non_null(fp);
    for (size_t i = 0; i < pad; i++)
        fputc(i % 64 == 63 ? '\n' : 'x', fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

/* --cacert must be a regular file holding a PEM certificate block: anything
 * else would fail every request later (CURLE_SSL_CACERT_BADFILE). */
static void cacert_check(void **state)
{
    static const char pem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    pm3k_error err = {0};
    char path[64];
    pm3k_http_options opt = {.cacert = path};

    temp_file(path, sizeof path, "media.test\n", 0);
    assert_int_equal(pm3k_http_options_check(&opt, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "holds no PEM certificate"));
    assert_non_null(strstr(err.message, path));
    unlink(path);

    temp_file(path, sizeof path, "", 0);
    assert_int_equal(pm3k_http_options_check(&opt, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "holds no PEM certificate"));
    unlink(path);

    temp_file(path, sizeof path, pem, 0);
    assert_int_equal(pm3k_http_options_check(&opt, &err), PM3K_OK);
    unlink(path);
    /* The mark across the boundary of two reads, after comments. */
    for (size_t pad = 16384 - 30; pad < 16384 + 2; pad++) {
        temp_file(path, sizeof path, pem, pad);
        assert_int_equal(pm3k_http_options_check(&opt, &err), PM3K_OK);
        unlink(path);
    }

    pm3k_http_options folder = {.cacert = "/tmp"};
    assert_int_equal(pm3k_http_options_check(&folder, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "is a folder"));
    pm3k_http_options device = {.cacert = "/dev/null"};
    assert_int_equal(pm3k_http_options_check(&device, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "not a regular file"));
}

static void hosts(void **state)
{
    char host[64];
    assert_true(pm3k__host_equal("Media.Test.", "media.test"));
    assert_false(pm3k__host_equal("a.media.test", "media.test"));
    assert_false(pm3k__host_equal("media.test", "test"));
    assert_false(pm3k__host_equal("", ""));
    assert_true(pm3k__host_is_storage("FILES.pm3k.org"));
    assert_false(pm3k__host_is_storage("files.pm3k.org.evil.test"));
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_length),
        cmocka_unit_test(parse_content_range),
        cmocka_unit_test(header_capture),
        cmocka_unit_test(content_length),
        cmocka_unit_test(classify),
        cmocka_unit_test(classify_tls),
        cmocka_unit_test(classify_headers_too_large),
        cmocka_unit_test(options_check),
        cmocka_unit_test(cacert_check),
        cmocka_unit_test(hosts),
        cmocka_unit_test(content_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
