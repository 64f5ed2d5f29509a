/* Unit tests for core/redact.c: secrets found by where they sit (headers,
 * URL credentials, signing parameters) and by value (a known API key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/redact.h"

static void redact_url(void **state)
{
    char out[256];
    pm3k__redact_url("https://user:pw@cdn.test:8443/a/b.mp4?X-Amz-Algorithm=AWS4&"
                     "X-Amz-Credential=AK%2F1&X-Amz-Signature=deadbeef&n=2#t=1",
                     out, sizeof out);
    assert_string_equal(out, "https://REDACTED@cdn.test:8443/a/b.mp4?X-Amz-Algorithm=AWS4&"
                             "X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&n=2#t=1");
    pm3k__redact_url("https://x.test/p?sig=1&Signature=2&token=3&access_token=4&a=5", out,
                     sizeof out);
    assert_string_equal(out, "https://x.test/p?sig=REDACTED&Signature=REDACTED&token=REDACTED&"
                             "access_token=REDACTED&a=5");
    /* A "://" inside the query is not an authority. */
    pm3k__redact_url("?X-Amz-Signature=a://b@c/d", out, sizeof out);
    assert_string_equal(out, "?X-Amz-Signature=REDACTED");
    pm3k__redact_url("/relative?key=k", out, sizeof out);
    assert_string_equal(out, "/relative?key=REDACTED");
    pm3k__redact_url("https://x.test/\x01?a=b", out, 12);
    assert_string_equal(out, "https://x.t");
    pm3k__redact_url("https://x.test/\x01", out, sizeof out);
    assert_string_equal(out, "https://x.test/?");
}

static void redact_header(void **state)
{
    char out[128];
    pm3k__redact_header("Authorization", "Bearer secret", out, sizeof out);
    assert_string_equal(out, "REDACTED");
    pm3k__redact_header("x-amz-security-token", "abc", out, sizeof out);
    assert_string_equal(out, "REDACTED");
    pm3k__redact_header("Set-Cookie", "s=1", out, sizeof out);
    assert_string_equal(out, "REDACTED");
    pm3k__redact_header("Location", "https://c.test/x?Signature=1", out, sizeof out);
    assert_string_equal(out, "https://c.test/x?Signature=REDACTED");
    pm3k__redact_header("Server", "nginx", out, sizeof out);
    assert_string_equal(out, "nginx");
    assert_true(pm3k__redact_is_secret_header("Proxy-Authorization"));
    assert_true(pm3k__redact_is_secret_header("X-Auth-Token"));
    assert_false(pm3k__redact_is_secret_header("Content-Length"));
}

/* A value the caller knows to be secret goes wherever it appears. */
static void redact_known(void **state)
{
    const char *secrets[] = {"sk_live_123", NULL, "", "S3CRET"};
    char out[128];
    pm3k__redact_known("Authorization: Bearer sk_live_123 and sk_live_123x", secrets, 4, out,
                       sizeof out);
    assert_string_equal(out, "Authorization: Bearer REDACTED and REDACTEDx");
    pm3k__redact_known("user 'S3CRET'\x01", secrets, 4, out, sizeof out);
    assert_string_equal(out, "user 'REDACTED'?");
    pm3k__redact_known("nothing here", NULL, 0, out, sizeof out);
    assert_string_equal(out, "nothing here");
    /* Cut to fit, still ended. */
    pm3k__redact_known("sk_live_123 sk_live_123", secrets, 1, out, 12);
    assert_string_equal(out, "REDACTED RE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(redact_url),
        cmocka_unit_test(redact_header),
        cmocka_unit_test(redact_known),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
