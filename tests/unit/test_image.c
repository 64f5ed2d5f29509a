/* Unit tests for probe/imgend.c (end checks on crafted buffers) and
 * probe/image.c through an in-memory source, i.e. the way a remote file
 * (--deep, src->path NULL) is probed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <vips/vips.h>

#include "core/medialib.h"
#include "pm3k/pm3k.h"
#include "probe/imgend.h"
#include "probe/probe_int.h"

/* ---- an in-memory source ---- */

static int64_t failing_read_at(void *ctx, int64_t offset, void *buf, size_t len)
{
    pm3k__source *src = ctx;
    snprintf(src->error, sizeof src->error, "injected read error");
    return -1;
}

/* Make every read of src fail, with a reason. */
static void fail_reads(pm3k__source *src)
{
    src->ctx = src;
    src->read_at = failing_read_at;
}

static pm3k__imgend check(const void *data, size_t len, pm3k__media media, char *reason)
{
    pm3k__source src;
    pm3k__memory m;
    pm3k__source_memory(&src, &m, data, len, "memory");
    return pm3k__imgend_check(&src, media, reason, 256);
}

/* ---- a byte builder ---- */

typedef struct bytes {
    uint8_t *data;
    size_t len, cap;
} bytes;

static void put(bytes *b, const void *data, size_t len)
{
    if (b->len + len > b->cap) {
        b->cap = (b->len + len) * 2 + 64;
        b->data = realloc(b->data, b->cap);
        assert_non_null(b->data);
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void put_str(bytes *b, const char *s, size_t len)
{
    put(b, s, len);
}

static void put_fill(bytes *b, uint8_t value, size_t count)
{
    for (size_t i = 0; i < count; i++)
        put(b, &value, 1);
}

static void put_be32(bytes *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(b, p, 4);
}

/* ---- JPEG ---- */

/* SOI, APP0, DQT-sized segment, SOS header, entropy data with a stuffed
 * 0xFF and a restart marker. The caller appends EOI (or not). */
static void jpeg_body(bytes *b)
{
    put_str(b, "\xFF\xD8", 2);
    put_str(b, "\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
    put_str(b, "\xFF\xDB\x00\x05\x00\x01\x02", 7);
    put_str(b, "\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00", 10);
    put_str(b, "\x12\x34\xFF\x00\x56\xFF\xD0\x78\x9A", 9);
}

static void jpeg_complete(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    jpeg_body(&b);
    put_str(&b, "\xFF\xD9", 2);
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_COMPLETE);
    /* zero padding after the EOI: still the fast path */
    put_fill(&b, 0x00, 100);
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_COMPLETE);
    free(b.data);
}

static void jpeg_truncated(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    jpeg_body(&b);
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_CUT);
    assert_non_null(strstr(reason, "EOI"));
    /* cut right after a stuffed 0xFF: the last two bytes are FF 00 */
    assert_int_equal(check(b.data, b.len - 5, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_CUT);
    /* cut after the 0xFF of a marker */
    put_str(&b, "\xFF", 1);
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_CUT);
    /* cut inside the header, before any SOS */
    assert_int_equal(check(b.data, 25, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_CUT);
    assert_non_null(strstr(reason, "SOS"));
    free(b.data);
}

/* Data after the EOI (a Motion Photo's MP4) must pass, however long. */
static void jpeg_trailing_data(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    jpeg_body(&b);
    put_str(&b, "\xFF\xD9", 2);
    put_be32(&b, 0x18);
    put_str(&b, "ftypmp42", 8);
    for (int i = 0; i < 10000; i++) {
        uint8_t v = (uint8_t)(i * 7 + 1); /* includes 0xFF bytes, never FF D9 at the end */
        put(&b, &v, 1);
    }
    put_str(&b, "\x01\x02", 2);
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_COMPLETE);
    free(b.data);
}

/* A progressive file has segments between its scans; their payload may
 * hold FF D9 and must be skipped, not taken for the EOI. */
static void jpeg_segment_between_scans(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    jpeg_body(&b);
    put_str(&b, "\xFF\xC4\x00\x06\xFF\xD9\xFF\xD9", 8); /* DHT with FF D9 inside */
    put_str(&b, "\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00", 10);
    put_str(&b, "\x11\x22\x33", 3);
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_CUT);
    put_str(&b, "\xFF\xD9", 2);
    put_str(&b, "trailer", 7);
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_COMPLETE);
    free(b.data);
}

static void jpeg_eoi_before_scan(void **state)
{
    (void)state;
    char reason[256];
    static const uint8_t data[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04,
                                   0x00, 0x00, 0xFF, 0xD9, 0x01, 0x02};
    assert_int_equal(check(data, sizeof data, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_CUT);
    assert_non_null(strstr(reason, "before any scan data"));
}

/* ---- PNG ---- */

static void png_chunk(bytes *b, const char *type, uint32_t length, size_t actual)
{
    put_be32(b, length);
    put_str(b, type, 4);
    put_fill(b, 0xAB, actual);
    put_be32(b, 0x12345678); /* CRC: not checked */
}

static void png_head(bytes *b)
{
    put_str(b, "\x89PNG\r\n\x1A\n", 8);
    png_chunk(b, "IHDR", 13, 13);
}

static void png_complete(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    png_head(&b);
    png_chunk(&b, "IDAT", 100, 100);
    png_chunk(&b, "IEND", 0, 0);
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_COMPLETE);
    /* data after IEND is not PM3K's concern */
    put_str(&b, "junk", 4);
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_COMPLETE);
    free(b.data);
}

static void png_chunk_past_end(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    png_head(&b);
    png_chunk(&b, "IDAT", 5000, 100); /* says 5000 bytes, has 100 */
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_CUT);
    assert_non_null(strstr(reason, "'IDAT'"));
    assert_non_null(strstr(reason, "past the end"));
    free(b.data);
}

static void png_without_iend(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    png_head(&b);
    png_chunk(&b, "IDAT", 10, 10);
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_CUT);
    assert_non_null(strstr(reason, "IEND"));
    /* cut inside a chunk header */
    assert_int_equal(check(b.data, b.len - 20, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_CUT);
    free(b.data);
}

static void png_bad_chunks(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    png_head(&b);
    png_chunk(&b, "ID\x01T", 0, 0);
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_CUT);
    assert_non_null(strstr(reason, "invalid chunk type"));
    free(b.data);

    b = (bytes){0};
    png_head(&b);
    png_chunk(&b, "IDAT", 0xFFFFFFFFu, 0);
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_CUT);
    assert_non_null(strstr(reason, "invalid length"));
    free(b.data);
}

/* The walk reads chunk headers, not the data it skips. */
static void png_walk_skips_data(void **state)
{
    (void)state;
    bytes b = {0};
    pm3k__source src;
    pm3k__memory m;
    png_head(&b);
    for (int i = 0; i < 8; i++)
        png_chunk(&b, "IDAT", 200000, 200000);
    png_chunk(&b, "IEND", 0, 0);
    /* a local file: chunk headers only */
    pm3k__source_memory(&src, &m, b.data, b.len, "memory");
    src.path = "memory.png";
    assert_int_equal(pm3k__imgend_check(&src, PM3K__MEDIA_PNG, NULL, 0), PM3K__IMGEND_COMPLETE);
    assert_true(src.bytes_read < 2 * 1024);
    /* a remote one: one window per chunk, still far from the whole file */
    pm3k__source_memory(&src, &m, b.data, b.len, "memory");
    assert_int_equal(pm3k__imgend_check(&src, PM3K__MEDIA_PNG, NULL, 0), PM3K__IMGEND_COMPLETE);
    assert_true(src.bytes_read < (int64_t)b.len / 4);
    free(b.data);
}

/* ---- WebP ---- */

static void webp_riff(bytes *b, uint32_t riff_size, size_t payload)
{
    uint8_t le[4] = {(uint8_t)riff_size, (uint8_t)(riff_size >> 8), (uint8_t)(riff_size >> 16),
                     (uint8_t)(riff_size >> 24)};
    put_str(b, "RIFF", 4);
    put(b, le, 4);
    put_str(b, "WEBP", 4);
    put_fill(b, 0x55, payload);
}

static void webp_sizes(void **state)
{
    (void)state;
    char reason[256];
    bytes b = {0};
    webp_riff(&b, 4 + 100, 100); /* exact */
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_WEBP, reason), PM3K__IMGEND_COMPLETE);
    put_fill(&b, 0, 10); /* trailing bytes */
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_WEBP, reason), PM3K__IMGEND_COMPLETE);
    free(b.data);

    b = (bytes){0};
    webp_riff(&b, 4 + 100, 50); /* cut */
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_WEBP, reason), PM3K__IMGEND_CUT);
    assert_non_null(strstr(reason, "RIFF"));
    free(b.data);

    b = (bytes){0};
    webp_riff(&b, 2, 0); /* impossible size */
    assert_int_equal(check(b.data, b.len, PM3K__MEDIA_WEBP, reason), PM3K__IMGEND_CUT);
    assert_int_equal(check(b.data, 9, PM3K__MEDIA_WEBP, reason), PM3K__IMGEND_CUT);
    free(b.data);
}

/* ---- sources that cannot be checked ---- */

static void read_errors_and_unknown_size(void **state)
{
    (void)state;
    bytes b = {0};
    pm3k__source src;
    pm3k__memory m;
    jpeg_body(&b);
    pm3k__source_memory(&src, &m, b.data, b.len, "memory");
    fail_reads(&src);
    assert_int_equal(pm3k__imgend_check(&src, PM3K__MEDIA_JPEG, NULL, 0), PM3K__IMGEND_READ_ERROR);
    assert_string_equal(src.error, "injected read error");
    pm3k__source_memory(&src, &m, b.data, b.len, "memory");
    src.size = -1;
    assert_int_equal(pm3k__imgend_check(&src, PM3K__MEDIA_JPEG, NULL, 0), PM3K__IMGEND_UNCHECKED);
    pm3k__source_memory(&src, &m, b.data, b.len, "memory");
    assert_int_equal(pm3k__imgend_check(&src, PM3K__MEDIA_GIF, NULL, 0), PM3K__IMGEND_UNCHECKED);
    free(b.data);
}

/* ---- pm3k__probe_image on a remote-style source (no path) ---- */

static void *encode(int width, int height, const char *suffix, size_t *len)
{
    VipsImage *black = NULL;
    void *buf = NULL;
    assert_int_equal(vips_black(&black, width, height, "bands", 3, NULL), 0);
    assert_int_equal(vips_image_write_to_buffer(black, suffix, &buf, len, NULL), 0);
    g_object_unref(black);
    return buf;
}

static pm3k_item *probe_buffer(const pm3k_probe_config *config, const void *data, size_t len)
{
    pm3k__source src;
    pm3k__sniff sniff;
    pm3k__memory m;
    pm3k_item *item = pm3k_item_new(PM3K_KIND_IMAGE, "memory");
    assert_non_null(item);
    pm3k__source_memory(&src, &m, data, len, "memory");
    pm3k__sniff_buffer(data, len < PM3K__SNIFF_BYTES ? len : PM3K__SNIFF_BYTES, &sniff);
    pm3k_item_fact_str(item, "content_type", sniff.format->name);
    pm3k__probe_image(config, &src, &sniff, item);
    return item;
}

static int64_t fact_int(const pm3k_item *item, const char *key)
{
    int64_t v = -1;
    assert_true(pm3k_item_fact_get_int(item, key, &v));
    return v;
}

static void probe_remote_formats(void **state)
{
    (void)state;
    static const struct {
        const char *suffix;
        int width, height;
        const char *code; /* the one finding expected, or NULL */
    } cases[] = {
        {".jpg", 1080, 1080, NULL},
        {".jpg", 1200, 800, "image_too_large_px"},
        {".png", 1000, 1000, NULL},
        {".webp", 720, 1280, "image_too_large_px"},
    };
    pm3k_probe_config config;
    pm3k_probe_config_init(&config);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        void *data = encode(cases[i].width, cases[i].height, cases[i].suffix, &len);
        pm3k_item *item = probe_buffer(&config, data, len);
        assert_int_equal(fact_int(item, "width"), cases[i].width);
        assert_int_equal(fact_int(item, "height"), cases[i].height);
        assert_true(fact_int(item, "bytes_read") > 0);
        if (cases[i].code) {
            assert_int_equal(pm3k_item_finding_count(item), 1);
            assert_non_null(pm3k_item_find(item, cases[i].code));
        } else {
            assert_int_equal(pm3k_item_finding_count(item), 0);
        }
        pm3k_item_free(item);
        g_free(data);
    }
}

static void probe_remote_truncated_and_png_on_pm3k(void **state)
{
    (void)state;
    pm3k_probe_config config;
    size_t len;
    pm3k_probe_config_init(&config);

    void *jpeg = encode(640, 480, ".jpg", &len);
    pm3k_item *item = probe_buffer(&config, jpeg, len - 10);
    assert_int_equal(pm3k_item_finding_count(item), 1);
    assert_non_null(pm3k_item_find(item, "unreadable_media"));
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_FAIL);
    pm3k_item_free(item);
    /* a header cut off: libvips itself fails, no facts measured */
    item = probe_buffer(&config, jpeg, 40);
    assert_non_null(pm3k_item_find(item, "unreadable_media"));
    assert_false(pm3k_item_has_fact(item, "width"));
    pm3k_item_free(item);
    g_free(jpeg);

    void *png = encode(640, 480, ".png", &len);
    pm3k_limits_set_hosting(&config.limits, PM3K_HOSTING_PM3K);
    item = probe_buffer(&config, png, len);
    assert_int_equal(pm3k_item_finding_count(item), 1);
    const pm3k_finding *f = pm3k_item_find(item, "unsupported_image_type");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "JPEG or WebP"));
    assert_int_equal(fact_int(item, "width"), 640);
    pm3k_item_free(item);
    g_free(png);
}

static int setup(void **state)
{
    (void)state;
    /* pm3k__probe_image needs libvips loaded, as a batch would have. */
    return pm3k_global_init(NULL) == PM3K_OK && pm3k__medialib_load(NULL) == PM3K_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jpeg_complete),
        cmocka_unit_test(jpeg_truncated),
        cmocka_unit_test(jpeg_trailing_data),
        cmocka_unit_test(jpeg_segment_between_scans),
        cmocka_unit_test(jpeg_eoi_before_scan),
        cmocka_unit_test(png_complete),
        cmocka_unit_test(png_chunk_past_end),
        cmocka_unit_test(png_without_iend),
        cmocka_unit_test(png_bad_chunks),
        cmocka_unit_test(png_walk_skips_data),
        cmocka_unit_test(webp_sizes),
        cmocka_unit_test(read_errors_and_unknown_size),
        cmocka_unit_test(probe_remote_formats),
        cmocka_unit_test(probe_remote_truncated_and_png_on_pm3k),
    };
    int failed = cmocka_run_group_tests(tests, setup, NULL);
    pm3k_global_cleanup();
    return failed;
}
