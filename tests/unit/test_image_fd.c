/* Unit test for probe/image.c on a local file: the image is checked
 * through the descriptor its signature was read from, never by opening its
 * path again. A file swapped in at that path after it was opened (another
 * image, or a FIFO that would block an open) must not be what is checked. */
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
static char path[128], other[128];

static int64_t fd_read_at(void *ctx, int64_t offset, void *buf, size_t len)
{
    int fd = *(int *)ctx;
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
    src.read_at = fd_read_at;
    int64_t n = pm3k__source_read(&src, 0, head, sizeof head);
    assert_true(n > 0);
    pm3k__sniff_buffer(head, (size_t)n, &sniff);
    assert_int_equal(sniff.media, PM3K__MEDIA_WEBP);

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
    /* The header came from the map of the descriptor, not through reads:
     * what was read is the signature and the end check. */
    assert_true(fact_int(item, "bytes_read") <= PM3K__SNIFF_BYTES + 64);
    pm3k_item_free(item);
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
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    pm3k_global_cleanup();
    return failed;
}
