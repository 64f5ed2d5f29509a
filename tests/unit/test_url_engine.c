/* Unit tests for probe/url.c through the batch API, without a server: when
 * the URL engine cannot start at all (here a CA file that cannot be read,
 * given to the library without pm3k_url_options_check), the run stops with
 * that error instead of a transient fetch_error on every URL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pm3k/pm3k.h"

static pm3k_code count_item(void *userdata, const pm3k_item *item)
{
    (void)item;
    (*(int *)userdata)++;
    return PM3K_OK;
}

static void engine_cannot_start(void **state)
{
    (void)state;
    pm3k_probe_config config;
    pm3k_batch *batch = NULL;
    pm3k_error err = {0};
    int items = 0;

    pm3k_probe_config_init(&config);
    config.http.cacert = "/nonexistent/pm3k-test-ca.pem";
    config.jobs = 1;
    assert_int_equal(pm3k_batch_new(&config, &batch, &err), PM3K_OK);
    assert_int_equal(pm3k_batch_add(batch, "https://media.test/a.mp4", &err), PM3K_OK);
    assert_int_equal(pm3k_batch_add(batch, "https://media.test/b.mp4", &err), PM3K_OK);
    assert_int_equal(pm3k_batch_run(batch, count_item, &items, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "cannot start the URL checks"));
    assert_non_null(strstr(err.message, "--cacert"));
    assert_int_equal(items, 0);
    pm3k_batch_free(batch);
}

static int setup(void **state)
{
    (void)state;
    return pm3k_global_init(NULL) == PM3K_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(engine_cannot_start),
    };
    int failed = cmocka_run_group_tests(tests, setup, NULL);
    pm3k_global_cleanup();
    return failed;
}
