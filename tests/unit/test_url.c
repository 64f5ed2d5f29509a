/* Unit tests for core/url.c: URLs through libcurl's parser, and host names
 * compared the way PM3K compares them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/url.h"

static void parse_parts(void **state)
{
    pm3k__url url;
    pm3k_error err = {0};
    assert_int_equal(pm3k__url_parse("HTTPS://Media.Test:8443/a/b.MP4?x=1#f", 0, &url, &err),
                     PM3K_OK);
    assert_string_equal(url.scheme, "https");
    assert_string_equal(url.host, "Media.Test");
    assert_string_equal(url.port, "8443");
    assert_string_equal(url.path, "/a/b.MP4");
    assert_non_null(strstr(url.text, "/a/b.MP4?x=1"));
    pm3k__url_free(&url);

    /* The scheme's port when none is written; "/" when there is no path. */
    assert_int_equal(pm3k__url_parse("https://media.test", 0, &url, &err), PM3K_OK);
    assert_string_equal(url.port, "443");
    assert_string_equal(url.path, "/");
    pm3k__url_free(&url);
    pm3k__url_free(&url); /* twice is fine */
}

/* What makes a URL invalid, in words for an invalid_url finding. */
static void parse_failures(void **state)
{
    pm3k__url url;
    pm3k_error err = {0};
    assert_int_equal(pm3k__url_parse("not a url", 0, &url, &err), PM3K_ERR_PARSE);
    assert_true(strlen(err.message) > 0);
    assert_null(url.text);
    assert_int_equal(pm3k__url_parse("https://:443/x", 0, &url, &err), PM3K_ERR_PARSE);
    assert_true(strlen(err.message) > 0);
    assert_int_equal(pm3k__url_parse("file:///etc/hosts", 0, &url, &err), PM3K_ERR_PARSE);
    assert_string_equal(err.message, "it has no host");
    /* A scheme libcurl cannot fetch: invalid unless any scheme is asked. */
    assert_int_equal(pm3k__url_parse("s3://bucket/key", 0, &url, &err), PM3K_ERR_PARSE);
    assert_int_equal(pm3k__url_parse("s3://bucket/key", PM3K__URL_ANY_SCHEME, &url, &err), PM3K_OK);
    assert_string_equal(url.scheme, "s3");
    assert_string_equal(url.host, "bucket");
    assert_null(url.port);
    pm3k__url_free(&url);
    /* Spaces only when allowed. */
    assert_int_equal(pm3k__url_parse("https://m.test/a b.mp4", 0, &url, &err), PM3K_ERR_PARSE);
    assert_int_equal(pm3k__url_parse("https://m.test/a b.mp4", PM3K__URL_ALLOW_SPACE, &url, &err),
                     PM3K_OK);
    pm3k__url_free(&url);
}

static void hosts(void **state)
{
    assert_true(pm3k__host_equal("Media.Test.", "media.test"));
    assert_false(pm3k__host_equal("a.media.test", "media.test"));
    assert_false(pm3k__host_equal("media.test", "test"));
    assert_false(pm3k__host_equal("", ""));
    assert_true(pm3k__host_is_storage("FILES.pm3k.org"));
    assert_false(pm3k__host_is_storage("files.pm3k.org.evil.test"));
    assert_int_equal(pm3k__host_len("media.test."), 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_parts),
        cmocka_unit_test(parse_failures),
        cmocka_unit_test(hosts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
