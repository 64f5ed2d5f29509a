/* Unit test for fix/fix.c: the temporary file is made beside the output
 * and announced to the caller (whose signal handler removes it), a cancel
 * leaves neither it nor the output, a dry run writes nothing, the output's
 * probe item comes with the fix item, and --in-place with a new type
 * writes the new name and removes the input only once the output is in
 * place. The media come from testdata/gen.sh (the media fixture). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pm3k/pm3k.h"

static char dir[64];
static char output[128];
static const char *const mkv = PM3K_TESTDATA_DIR "/video/vertical.mkv";

/* What on_temp was told, in order. */
typedef struct temp_log {
    char paths[4][256];
    int calls;
    bool existed[4];      /* the announced file existed when announced */
    volatile int *cancel; /* set when the temporary file appears */
} temp_log;

static void on_temp(void *userdata, const char *path)
{
    temp_log *log = userdata;
    if (log->calls < 4) {
        snprintf(log->paths[log->calls], sizeof log->paths[0], "%s", path ? path : "");
        log->existed[log->calls] = path && access(path, F_OK) == 0;
    }
    log->calls++;
    if (path && log->cancel)
        *log->cancel = 1;
}

static int entries(const char *folder)
{
    int n = 0;
    DIR *d = opendir(folder);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static bool has_finding(const pm3k_item *item, const char *code)
{
    return pm3k_item_find(item, code) != NULL;
}

static int setup_each(void **state)
{
    snprintf(output, sizeof output, "%s/clip.mp4", dir);
    unlink(output);
    return 0;
}

static void test_temp_beside_output(void **state)
{
    pm3k_fix_options o;
    temp_log log = {0};
    pm3k_item *item = NULL;
    pm3k_error err = {0};
    pm3k_fix_options_init(&o);
    o.on_temp = on_temp;
    o.userdata = &log;
    assert_int_equal(pm3k_fix_file(&o, mkv, output, &item, &err), PM3K_OK);
    assert_true(has_finding(item, "fixed"));
    assert_int_equal(log.calls, 2);
    /* TARGET.tmp.XXXXXX in the output's folder, gone once renamed */
    assert_int_equal(strncmp(log.paths[0], output, strlen(output)), 0);
    assert_non_null(strstr(log.paths[0], ".tmp."));
    assert_true(log.existed[0]);
    assert_string_equal(log.paths[1], "");
    assert_int_equal(access(log.paths[0], F_OK), -1);
    assert_int_equal(entries(dir), 1);
    /* the output's probe item, as the report prints it */
    char *probed = pm3k_item_fact_text(item, "output_probe");
    assert_non_null(probed);
    assert_non_null(strstr(probed, "\"kind\":\"video\""));
    assert_non_null(strstr(probed, "\"status\":\"pass\""));
    free(probed);
    pm3k_item_free(item);
}

static void test_cancel_while_writing(void **state)
{
    pm3k_fix_options o;
    volatile int cancel = 0;
    temp_log log = {.cancel = &cancel};
    pm3k_item *item = NULL;
    pm3k_error err = {0};
    pm3k_fix_options_init(&o);
    o.on_temp = on_temp;
    o.userdata = &log;
    o.cancel = &cancel;
    assert_int_equal(pm3k_fix_file(&o, mkv, output, &item, &err), PM3K_ERR_ABORTED);
    assert_null(item);
    assert_int_equal(log.calls, 2);
    assert_int_equal(access(log.paths[0], F_OK), -1);
    assert_int_equal(access(output, F_OK), -1);
    assert_int_equal(entries(dir), 0);
}

static void test_cancel_before(void **state)
{
    pm3k_fix_options o;
    volatile int cancel = 1;
    pm3k_item *item = NULL;
    pm3k_error err = {0};
    pm3k_fix_options_init(&o);
    o.cancel = &cancel;
    assert_int_equal(pm3k_fix_file(&o, mkv, output, &item, &err), PM3K_ERR_ABORTED);
    assert_null(item);
    assert_int_equal(entries(dir), 0);
}

static void test_dry_run_writes_nothing(void **state)
{
    pm3k_fix_options o;
    temp_log log = {0};
    pm3k_item *item = NULL;
    pm3k_error err = {0};
    pm3k_fix_options_init(&o);
    o.dry_run = true;
    o.on_temp = on_temp;
    o.userdata = &log;
    assert_int_equal(pm3k_fix_file(&o, mkv, output, &item, &err), PM3K_OK);
    assert_true(has_finding(item, "fix_planned"));
    assert_false(pm3k_item_has_fact(item, "output_probe"));
    assert_int_equal(log.calls, 0);
    assert_int_equal(entries(dir), 0);
    pm3k_item_free(item);
}

static void copy(const char *from, const char *to)
{
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(pm3k_file_read(from, 1 << 24, &data, &len, NULL), PM3K_OK);
    FILE *fp = fopen(to, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    free(data);
}

static void test_in_place_new_type(void **state)
{
    char input[128], fixed[128];
    pm3k_fix_options o;
    pm3k_item *item = NULL;
    pm3k_error err = {0};
    snprintf(input, sizeof input, "%s/phone.mkv", dir);
    snprintf(fixed, sizeof fixed, "%s/phone.mp4", dir);
    copy(mkv, input);
    pm3k_fix_options_init(&o);
    o.in_place = true;
    assert_int_equal(pm3k_fix_file(&o, input, NULL, &item, &err), PM3K_OK);
    assert_true(has_finding(item, "fixed"));
    assert_int_equal(access(input, F_OK), -1);
    assert_int_equal(access(fixed, F_OK), 0);
    char *out = pm3k_item_fact_text(item, "output");
    assert_string_equal(out, fixed);
    free(out);
    pm3k_item_free(item);
    unlink(fixed);
}

/* A refused input: no temporary file is ever made. */
static void test_refused_makes_no_temp(void **state)
{
    pm3k_fix_options o;
    temp_log log = {0};
    pm3k_item *item = NULL;
    pm3k_error err = {0};
    pm3k_fix_options_init(&o);
    o.on_temp = on_temp;
    o.userdata = &log;
    assert_int_equal(
        pm3k_fix_file(&o, PM3K_TESTDATA_DIR "/video/landscape.mp4", output, &item, &err), PM3K_OK);
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_FAIL);
    assert_true(has_finding(item, "fix_refused"));
    assert_int_equal(log.calls, 0);
    assert_int_equal(entries(dir), 0);
    pm3k_item_free(item);
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/pm3k-test-fix-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return pm3k_global_init(NULL) == PM3K_OK ? 0 : -1;
}

static int teardown(void **state)
{
    rmdir(dir);
    pm3k_global_cleanup();
    return 0;
}

int main(void)
{
    if (access(mkv, R_OK) != 0) {
        fprintf(stderr, "skip: %s is missing (run testdata/gen.sh)\n", mkv);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_temp_beside_output, setup_each),
        cmocka_unit_test_setup(test_cancel_while_writing, setup_each),
        cmocka_unit_test_setup(test_cancel_before, setup_each),
        cmocka_unit_test_setup(test_dry_run_writes_nothing, setup_each),
        cmocka_unit_test_setup(test_in_place_new_type, setup_each),
        cmocka_unit_test_setup(test_refused_makes_no_temp, setup_each),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
