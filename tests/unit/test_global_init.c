/* Unit tests for pm3k_global_init: the libvips hardening is in force. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <vips/vips.h>

#include "pm3k/pm3k.h"

/* No optional libvips module is loaded: ImageMagick, poppler and friends
 * never see a file, and the caller's VIPSHOME is left as it was. */
static void vips_modules_stay_unloaded(void **state)
{
    (void)state;
    setenv("VIPSHOME", "/caller/value", 1);
    pm3k_error err = {0};
    assert_int_equal(pm3k_global_init(&err), PM3K_OK);
    assert_string_equal(getenv("VIPSHOME"), "/caller/value");
    assert_int_equal(vips_type_find("VipsForeignLoad", "magickload"), 0);
    assert_int_equal(vips_type_find("VipsForeignLoad", "pdfload"), 0);
    /* the loaders pm3k uses are built in */
    assert_int_not_equal(vips_type_find("VipsForeignLoad", "jpegload"), 0);
    assert_int_not_equal(vips_type_find("VipsForeignLoad", "pngload"), 0);
    assert_int_not_equal(vips_type_find("VipsForeignLoad", "webpload"), 0);
    /* a second call is harmless */
    assert_int_equal(pm3k_global_init(&err), PM3K_OK);
    assert_int_equal(vips_cache_get_max(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vips_modules_stay_unloaded),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    pm3k_global_cleanup();
    return rc;
}
