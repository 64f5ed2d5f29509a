/* Unit tests for upload/storage.c and upload/s3.c without a server: key
 * and URL encoding, MIME types, the back-off, the file range reader, and
 * the target's configuration errors (each a usage error naming what is
 * wrong). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "upload/storage_int.h"

static void keys_are_encoded_per_rfc3986(void **state)
{
    (void)state;
    char out[256];
    assert_true(pm3k__storage_encode("tiktok/my clip é.mp4", true, out, sizeof out));
    assert_string_equal(out, "tiktok/my%20clip%20%C3%A9.mp4");
    assert_true(pm3k__storage_encode("a/b+c&d=e~f_g-h.i", false, out, sizeof out));
    assert_string_equal(out, "a%2Fb%2Bc%26d%3De~f_g-h.i");
    /* too small: refused, never cut */
    assert_false(pm3k__storage_encode("ééééé", false, out, 8));
}

static void mime_types_follow_the_extension(void **state)
{
    (void)state;
    assert_string_equal(pm3k__storage_mime("a.MP4"), "video/mp4");
    assert_string_equal(pm3k__storage_mime("a.mov"), "video/quicktime");
    assert_string_equal(pm3k__storage_mime("x.jpeg"), "image/jpeg");
    assert_string_equal(pm3k__storage_mime("x.webp"), "image/webp");
    assert_string_equal(pm3k__storage_mime("noext"), "application/octet-stream");
}

static void backoff_doubles(void **state)
{
    (void)state;
    assert_true(pm3k__storage_backoff(0) == 0.5);
    assert_true(pm3k__storage_backoff(1) == 1.0);
    assert_true(pm3k__storage_backoff(2) == 2.0);
}

static void a_range_streams_its_bytes_and_rewinds(void **state)
{
    (void)state;
    char path[] = "/tmp/pm3k-test-storage-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, "0123456789", 10), 10);
    pm3k__file_range r = {.fd = fd, .offset = 3, .length = 5};
    char buf[16] = {0};
    assert_int_equal(pm3k__file_range_read(&r, buf, 3), 3);
    assert_int_equal(pm3k__file_range_read(&r, buf + 3, 16), 2);
    assert_memory_equal(buf, "34567", 5);
    assert_int_equal(pm3k__file_range_read(&r, buf, 16), 0);
    assert_true(pm3k__file_range_rewind(&r));
    assert_int_equal(pm3k__file_range_read(&r, buf, 1), 1);
    assert_int_equal(buf[0], '3');
    /* the file got shorter than the range: the transfer fails */
    pm3k__file_range past = {.fd = fd, .offset = 8, .length = 5};
    assert_int_equal(pm3k__file_range_read(&past, buf, 16), 2);
    assert_int_equal(pm3k__file_range_read(&past, buf, 16), PM3K__HTTP_READ_ABORT);
    close(fd);
}

static pm3k_code s3_new(const char *to, const char *base, pm3k_storage **out, pm3k_error *err)
{
    pm3k_storage_options opt = {.to = to, .public_base = base};
    return pm3k_storage_new(&opt, out, err);
}

static void s3_targets_are_checked(void **state)
{
    (void)state;
    pm3k_storage *s = NULL;
    pm3k_error err = {0};
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "unit-secret-value", 1);
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_REGION");
    assert_int_equal(s3_new("s3://B", "https://m.example/", &s, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "bucket"));
    assert_int_equal(s3_new("s3://media-bucket/p/", NULL, &s, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "--public-base"));
    assert_int_equal(s3_new("s3://media-bucket/p/", "http://m.example/", &s, &err),
                     PM3K_ERR_INVALID_ARG);
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000", 1);
    assert_int_equal(s3_new("s3://media-bucket/p/", "https://m.example/", &s, &err),
                     PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "AWS_ENDPOINT_URL"));
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    assert_int_equal(s3_new("s3://media-bucket/p/", "https://m.example/", &s, &err),
                     PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "AWS_SECRET_ACCESS_KEY"));
    assert_int_equal(s3_new("ftp://x", "https://m.example/", &s, &err), PM3K_ERR_INVALID_ARG);
    assert_null(s);
}

static void s3_addressing_and_public_urls(void **state)
{
    (void)state;
    pm3k_storage *s = NULL;
    pm3k_error err = {0};
    char url[512];
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "unit-secret-value", 1);
    setenv("AWS_REGION", "eu-west-3", 1);
    unsetenv("AWS_ENDPOINT_URL");
    assert_int_equal(
        s3_new("s3://media-bucket/tiktok/", "https://media.example.com/tiktok/", &s, &err),
        PM3K_OK);
    assert_string_equal(pm3k_storage_target(s), "s3://media-bucket/tiktok/");
    assert_true(pm3k_storage_is_s3(s));
    assert_false(s->s3.path_style); /* AWS itself: virtual-host style */
    assert_string_equal(s->s3.domain, "media.example.com");
    assert_string_equal(s->s3.sigv4, "aws:amz:eu-west-3:s3");
    assert_true(pm3k__s3_public_url(&s->s3, "my clip é.mp4", url, sizeof url));
    assert_string_equal(url, "https://media.example.com/tiktok/my%20clip%20%C3%A9.mp4");
    pm3k_storage_free(s);
    setenv("AWS_ENDPOINT_URL", "https://127.0.0.1:9000/", 1);
    assert_int_equal(s3_new("s3://media-bucket", "https://127.0.0.1:9000/media-bucket/", &s, &err),
                     PM3K_OK);
    assert_true(s->s3.path_style); /* an S3-compatible endpoint: path style */
    assert_string_equal(s->s3.endpoint, "https://127.0.0.1:9000");
    assert_string_equal(s->s3.prefix, "");
    pm3k_storage_free(s);
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_REGION");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_are_encoded_per_rfc3986),
        cmocka_unit_test(mime_types_follow_the_extension),
        cmocka_unit_test(backoff_doubles),
        cmocka_unit_test(a_range_streams_its_bytes_and_rewinds),
        cmocka_unit_test(s3_targets_are_checked),
        cmocka_unit_test(s3_addressing_and_public_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
