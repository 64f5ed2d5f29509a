/* Unit test for probe/image.c on a local file: the image is checked
 * through the descriptor its signature was read from, never by opening its
 * path again. A file swapped in at that path after it was opened (another
 * image, or a FIFO that would block an open) must not be what is checked,
 * and a file that changes while it is read (cut short, rewritten in place)
 * is reported as such, never judged on a mix of two versions nor taking
 * the run down (libvips reads a copy in memory, never a map of the file). */
#include <errno.h>
#include <fcntl.h>
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
#include <vips/vips.h>

#include "core/medialib.h"
#include "pm3k/pm3k.h"
#include "probe/probe_int.h"

static char dir[64];
static int64_t probed_size; /* of the file probe_swapped opened */
static char path[128], other[128];

/* Called before read number `meddle_at` after the signature's, to change
 * the file under the probe; `reads` counts them all. */
static void (*meddle)(int fd);
static int meddle_at, reads;

static int64_t fd_read_at(void *ctx, int64_t offset, void *buf, size_t len)
{
    int fd = *(int *)ctx;
    if (meddle && ++reads == meddle_at + 1)
        meddle(fd);
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)offset + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -1 : (int64_t)done;
        done += (size_t)n;
    }
    return (int64_t)done;
}

static void write_webp(const char *to, int width, int height)
{
    VipsImage *black = NULL;
    assert_int_equal(vips_black(&black, width, height, "bands", 3, NULL), 0);
    assert_int_equal(vips_image_write_to_file(black, to, NULL), 0);
    g_object_unref(black);
}

static int64_t fact_int(const pm3k_item *item, const char *key)
{
    int64_t v = -1;
    assert_true(pm3k_item_fact_get_int(item, key, &v));
    return v;
}

/* Open path as pm3k_probe_file does, then let replace() swap the path, then
 * check the image through the source. */
static pm3k_item *probe_swapped(void (*replace)(void))
{
    pm3k_probe_config config;
    pm3k__source src = {.fd = -1};
    pm3k__sniff sniff;
    uint8_t head[PM3K__SNIFF_BYTES];
    struct stat st;
    int fd;

    pm3k_probe_config_init(&config);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    src.ctx = &fd;
    src.name = path;
    src.path = path;
    src.fd = fd;
    src.size = (int64_t)st.st_size;
    probed_size = src.size;
    src.read_at = fd_read_at;
    int64_t n = pm3k__source_read(&src, 0, head, sizeof head);
    assert_true(n > 0);
    pm3k__sniff_buffer(head, (size_t)n, &sniff);
    reads = 0;

    replace();

    pm3k_item *item = pm3k_item_new(PM3K_KIND_IMAGE, path);
    assert_non_null(item);
    pm3k__probe_image(&config, &src, &sniff, item);
    close(fd);
    unlink(path);
    return item;
}

static void swap_in_other_image(void)
{
    assert_int_equal(rename(other, path), 0);
}

static void swap_in_fifo(void)
{
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkfifo(path, 0600), 0);
}

static void other_image_swapped_in(void **state)
{
    (void)state;
    write_webp(path, 64, 48);
    write_webp(other, 1200, 900); /* would fail image_too_large_px */
    pm3k_item *item = probe_swapped(swap_in_other_image);
    assert_int_equal(fact_int(item, "width"), 64);
    assert_int_equal(fact_int(item, "height"), 48);
    assert_int_equal(pm3k_item_finding_count(item), 0);
    pm3k_item_free(item);
}

static void fifo_swapped_in(void **state)
{
    (void)state;
    write_webp(path, 720, 1280);
    pm3k_item *item = probe_swapped(swap_in_fifo);
    assert_int_equal(fact_int(item, "width"), 720);
    assert_int_equal(fact_int(item, "height"), 1280);
    assert_non_null(pm3k_item_find(item, "image_too_large_px"));
    assert_int_equal(pm3k_item_finding_count(item), 1);
    /* Through reads of the descriptor: the signature, the chunk walk and
     * the copy libvips reads. */
    assert_true(fact_int(item, "bytes_read") <= PM3K__SNIFF_BYTES + 2 * probed_size);
    pm3k_item_free(item);
}

/* ---- a file that changes while it is read ---- */

static void cut_to_half(int fd)
{
    (void)fd; /* open for reading only */
    assert_int_equal(truncate(path, (off_t)(probed_size / 2)), 0);
}

/* The same bytes written again: the data is as it was, but the file was
 * written while it was read (its times say so). */
static void rewrite_in_place(int fd)
{
    char buf[4096];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    assert_true(n > 0);
    int w = open(path, O_WRONLY | O_CLOEXEC);
    assert_true(w >= 0);
    assert_int_equal(pwrite(w, buf, (size_t)n, 0), n);
    close(w);
}

static void no_change(void) {}

/* A file written long ago, so that a write now changes its times. */
static void write_old(const char *to, const char *suffix, int width, int height)
{
    VipsImage *black = NULL;
    void *buf = NULL;
    size_t len;
    assert_int_equal(vips_black(&black, width, height, "bands", 3, NULL), 0);
    assert_int_equal(vips_image_write_to_buffer(black, suffix, &buf, &len, NULL), 0);
    g_object_unref(black);
    FILE *f = fopen(to, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    g_free(buf);
    struct timespec old[2] = {{1600000000, 0}, {1600000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, to, old, 0), 0);
}

static void assert_changed(pm3k_item *item)
{
    assert_int_equal(pm3k_item_finding_count(item), 1);
    const pm3k_finding *f = pm3k_item_find(item, "input_unreadable");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "the file changed while it was checked"));
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_ERROR);
    assert_false(pm3k_item_has_fact(item, "width"));
}

/* Cut short at each read of the probe in turn, and rewritten in place at
 * each: always the one finding, whichever read it hit. */
static void file_changes_while_read(void **state)
{
    (void)state;
    static const char *const suffixes[] = {".webp", ".jpg", ".png"};
    void (*const changes[])(int) = {cut_to_half, rewrite_in_place};
    int tried = 0;
    for (size_t s = 0; s < 3; s++)
        for (size_t c = 0; c < 2; c++)
            for (int at = 1; at <= 3; at++) {
                write_old(path, suffixes[s], 300, 200);
                meddle = changes[c];
                meddle_at = at;
                pm3k_item *item = probe_swapped(no_change);
                meddle = NULL;
                if (reads <= at) { /* the probe made fewer reads */
                    pm3k_item_free(item);
                    continue;
                }
                assert_changed(item);
                pm3k_item_free(item);
                tried++;
            }
    /* each format is read two or three times after its signature */
    assert_true(tried >= 12);
}

/* Untouched, the same files pass. */
static void file_left_alone(void **state)
{
    (void)state;
    static const char *const suffixes[] = {".webp", ".jpg", ".png"};
    for (size_t s = 0; s < 3; s++) {
        write_old(path, suffixes[s], 300, 200);
        pm3k_item *item = probe_swapped(no_change);
        assert_int_equal(pm3k_item_finding_count(item), 0);
        assert_int_equal(fact_int(item, "width"), 300);
        pm3k_item_free(item);
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pm3k-test-image-fd-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/photo.webp", dir);
    snprintf(other, sizeof other, "%s/other.webp", dir);
    return pm3k_global_init(NULL) == PM3K_OK && pm3k__medialib_load(NULL) == PM3K_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    unlink(other);
    rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(other_image_swapped_in),
        cmocka_unit_test(fifo_swapped_in),
        cmocka_unit_test(file_changes_while_read),
        cmocka_unit_test(file_left_alone),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    pm3k_global_cleanup();
    return failed;
}
