/* Unit tests for pm3k_global_init and the media loader (core/medialib.c):
 * FFmpeg and libvips come in only on first use, and then with the libvips
 * hardening in force. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <vips/vips.h>

#include "core/medialib.h"
#include "pm3k/pm3k.h"

/* This test links libvips itself (for vips_type_find), so the loader must
 * hand out that same copy: one GLib type registry, one libvips. */
static void loader_reuses_the_mapped_libraries(void **state)
{
    (void)state;
    pm3k_error err = {0};
    assert_int_equal(pm3k__medialib_load(&err), PM3K_OK);
    assert_ptr_equal(pm3k__medialib.vips_version_string, vips_version_string);
    assert_ptr_equal(pm3k__medialib.g_object_unref, g_object_unref);
}

/* No optional libvips module is loaded: ImageMagick, poppler and friends
 * never see a file. VIPSHOME is pinned for the run (main checks that
 * pm3k_global_cleanup gives the caller's value back). */
static void vips_modules_stay_unloaded(void **state)
{
    (void)state;
    setenv("VIPSHOME", "/caller/value", 1);
    pm3k_error err = {0};
    assert_int_equal(pm3k_global_init(&err), PM3K_OK);
    assert_string_not_equal(getenv("VIPSHOME"), "/caller/value");
    assert_int_equal(pm3k__medialib_load(&err), PM3K_OK);
    assert_int_equal(vips_type_find("VipsForeignLoad", "magickload"), 0);
    assert_int_equal(vips_type_find("VipsForeignLoad", "pdfload"), 0);
    /* the loaders pm3k uses are built in */
    assert_int_not_equal(vips_type_find("VipsForeignLoad", "jpegload"), 0);
    assert_int_not_equal(vips_type_find("VipsForeignLoad", "pngload"), 0);
    assert_int_not_equal(vips_type_find("VipsForeignLoad", "webpload"), 0);
    /* a second call is harmless */
    assert_int_equal(pm3k_global_init(&err), PM3K_OK);
    assert_int_equal(pm3k__medialib_load(&err), PM3K_OK);
    assert_int_equal(vips_cache_get_max(), 0);
}

int main(void)
{
    /* VIPSHOME must be set before the first load: run the module test first. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vips_modules_stay_unloaded),
        cmocka_unit_test(loader_reuses_the_mapped_libraries),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    pm3k_global_cleanup();
    const char *home = getenv("VIPSHOME");
    if (!home || strcmp(home, "/caller/value") != 0) {
        fprintf(stderr, "pm3k_global_cleanup did not restore VIPSHOME (%s)\n",
                home ? home : "unset");
        return 1;
    }
    return rc;
}
