/* Unit tests for core/file.c: capped whole-file reads and atomic writes. */
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

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pm3k-test-file-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void reads_bytes_with_nul_and_terminates(void **state)
{
    (void)state;
    char path[128], *buf = NULL;
    size_t len = 0;
    pm3k_error err = {0};
    snprintf(path, sizeof path, "%s/nul.bin", dir);
    write_bytes(path, "a\0b", 3);
    assert_int_equal(pm3k_file_read(path, 3, &buf, &len, &err), PM3K_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(buf, "a\0b", 3);
    assert_int_equal(buf[3], '\0');
    free(buf);
}

/* max bytes pass, max + 1 fail: the cap is exact, and a huge cap does not
 * allocate itself up front. */
static void cap_is_exact_and_not_preallocated(void **state)
{
    (void)state;
    char path[128], *buf = NULL;
    size_t len = 0;
    pm3k_error err = {0};
    snprintf(path, sizeof path, "%s/ten.txt", dir);
    write_bytes(path, "0123456789", 10);
    assert_int_equal(pm3k_file_read(path, 10, &buf, &len, &err), PM3K_OK);
    assert_int_equal(len, 10);
    free(buf);
    buf = NULL;
    assert_int_equal(pm3k_file_read(path, 9, &buf, &len, &err), PM3K_ERR_IO);
    assert_null(buf);
    assert_string_equal(err.message, "it is larger than 9 bytes");
    assert_int_equal(pm3k_file_read(path, SIZE_MAX, &buf, &len, &err), PM3K_OK);
    assert_int_equal(len, 10);
    free(buf);
}

static void empty_missing_and_folder(void **state)
{
    (void)state;
    char path[128], *buf = NULL;
    size_t len = 7;
    pm3k_error err = {0};
    snprintf(path, sizeof path, "%s/empty", dir);
    write_bytes(path, "", 0);
    assert_int_equal(pm3k_file_read(path, 100, &buf, &len, &err), PM3K_OK);
    assert_int_equal(len, 0);
    assert_non_null(buf);
    assert_int_equal(buf[0], '\0');
    free(buf);
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_int_equal(pm3k_file_read(path, 100, &buf, &len, &err), PM3K_ERR_NOT_FOUND);
    assert_int_equal(pm3k_file_read(dir, 100, &buf, &len, &err), PM3K_ERR_IO);
    assert_string_equal(err.message, "it is a folder");
}

static size_t count_entries(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    unsigned long n = 0;
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%lu", &n), 1);
    pclose(p);
    return n;
}

static void atomic_commit_replaces_and_abort_leaves_nothing(void **state)
{
    (void)state;
    char path[128], *buf = NULL;
    size_t len = 0, before;
    pm3k_error err = {0};
    pm3k_atomic_file *f = NULL;
    snprintf(path, sizeof path, "%s/report.json", dir);
    write_bytes(path, "old", 3);
    before = count_entries();

    assert_int_equal(pm3k_atomic_open(path, &f, &err), PM3K_OK);
    assert_non_null(strstr(pm3k_atomic_temp_path(f), "report.json.tmp."));
    fputs("new", pm3k_atomic_stream(f));
    /* Until the commit the target keeps its old bytes. */
    assert_int_equal(pm3k_file_read(path, 100, &buf, &len, &err), PM3K_OK);
    assert_string_equal(buf, "old");
    free(buf);
    assert_int_equal(pm3k_atomic_commit(f, &err), PM3K_OK);
    assert_int_equal(pm3k_file_read(path, 100, &buf, &len, &err), PM3K_OK);
    assert_string_equal(buf, "new");
    free(buf);
    assert_int_equal(count_entries(), before);

    assert_int_equal(pm3k_atomic_open(path, &f, &err), PM3K_OK);
    fputs("partial", pm3k_atomic_stream(f));
    pm3k_atomic_abort(f);
    assert_int_equal(pm3k_file_read(path, 100, &buf, &len, &err), PM3K_OK);
    assert_string_equal(buf, "new");
    free(buf);
    assert_int_equal(count_entries(), before);
    pm3k_atomic_abort(NULL);
}

static void atomic_open_fails_cleanly(void **state)
{
    (void)state;
    char path[160];
    pm3k_error err = {0};
    pm3k_atomic_file *f = (pm3k_atomic_file *)&err; /* must be reset to NULL */
    snprintf(path, sizeof path, "%s/no/such/folder/out.json", dir);
    assert_int_equal(pm3k_atomic_open(path, &f, &err), PM3K_ERR_IO);
    assert_null(f);
    assert_non_null(strstr(err.message, "out.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_bytes_with_nul_and_terminates),
        cmocka_unit_test(cap_is_exact_and_not_preallocated),
        cmocka_unit_test(empty_missing_and_folder),
        cmocka_unit_test(atomic_commit_replaces_and_abort_leaves_nothing),
        cmocka_unit_test(atomic_open_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
