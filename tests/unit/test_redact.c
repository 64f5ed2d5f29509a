/* Unit tests for core/redact.c: secrets found by where they sit (headers,
 * URL credentials, signing parameters) and by value (a known API key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <stdlib.h>

#include "core/redact.h"
#include "pm3k/report.h"

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

/* Names as the server reads them (percent-decoded, any case), fragments,
 * URLs inside query values, mistyped schemes. */
static void redact_url_hard(void **state)
{
    char out[512];
    pm3k__redact_url("https://x.test/p?%74oken=A1&X%2DAmz%2DSignature=A2&ACCESS_TOKEN=A3&"
                     "apiKey=A4&keep=1",
                     out, sizeof out);
    assert_string_equal(out, "https://x.test/p?%74oken=REDACTED&X%2DAmz%2DSignature=REDACTED&"
                             "ACCESS_TOKEN=REDACTED&apiKey=REDACTED&keep=1");
    pm3k__redact_url("https://x.test/cb#access_token=F1&state=ok", out, sizeof out);
    assert_string_equal(out, "https://x.test/cb#access_token=REDACTED&state=ok");
    pm3k__redact_url("https://x.test/#section-2", out, sizeof out);
    assert_string_equal(out, "https://x.test/#section-2");
    pm3k__redact_url("https://x.test/r?next=https://u:P1@y.test/a?sig=N1&b=2", out, sizeof out);
    assert_string_equal(out, "https://x.test/r?next=https://REDACTED@y.test/a?sig=REDACTED&b=2");
    pm3k__redact_url("https:/u:P2@x.test/a.mp4?token=T2", out, sizeof out);
    assert_string_equal(out, "https:/REDACTED@x.test/a.mp4?token=REDACTED");
    pm3k__redact_url("HTTP:u:P3@x.test/", out, sizeof out);
    assert_string_equal(out, "HTTP:REDACTED@x.test/");
    /* A path with '@' is not userinfo. */
    pm3k__redact_url("https://cdn.test/@creator/v.mp4", out, sizeof out);
    assert_string_equal(out, "https://cdn.test/@creator/v.mp4");
    /* Empty secret values grow: the allocated form is never cut. */
    char *dup = pm3k__redact_url_dup("s://@h/?sig=&sig=;key=#jwt=");
    assert_string_equal(dup, "s://REDACTED@h/?sig=REDACTED&sig=REDACTED;key=REDACTED#jwt=REDACTED");
    free(dup);

    assert_true(pm3k__redact_looks_like_url("https://x"));
    assert_true(pm3k__redact_looks_like_url("s3://bucket/k"));
    assert_true(pm3k__redact_looks_like_url("HTTPS:/x"));
    assert_false(pm3k__redact_looks_like_url("clips/a.mp4?token=1"));
    assert_false(pm3k__redact_looks_like_url("C:/x"));
}

/* Every URL inside free text; the rest as it is. */
static void redact_text(void **state)
{
    char out[256];
    pm3k__redact_text("a 'https://u:p@x.test/?sig=1' and ftp://h/?token=2\n x?token=3", out,
                      sizeof out);
    assert_string_equal(out, "a 'https://REDACTED@x.test/?sig=REDACTED' and "
                             "ftp://h/?token=REDACTED\n x?token=3");
    char *dup = pm3k__redact_text_dup("no URL here");
    assert_string_equal(dup, "no URL here");
    free(dup);
}

/* Every item is made by pm3k_item_new: a URL-looking path is kept redacted,
 * whatever writer shows it later; a file path is kept as given. */
static void item_paths(void **state)
{
    pm3k_item *item = pm3k_item_new(PM3K_KIND_URL, "https://u:PW@x.test/v.mp4?X-Amz-Signature=S");
    assert_string_equal(pm3k_item_path(item),
                        "https://REDACTED@x.test/v.mp4?X-Amz-Signature=REDACTED");
    pm3k_item_free(item);
    item = pm3k_item_new(PM3K_KIND_VIDEO, "clips/a?token=1.mp4");
    assert_string_equal(pm3k_item_path(item), "clips/a?token=1.mp4");
    pm3k_item_free(item);
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
        cmocka_unit_test(redact_url),    cmocka_unit_test(redact_url_hard),
        cmocka_unit_test(redact_text),   cmocka_unit_test(item_paths),
        cmocka_unit_test(redact_header), cmocka_unit_test(redact_known),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
