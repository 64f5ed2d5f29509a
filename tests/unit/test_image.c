/* Unit tests for probe/image.c through an in-memory source, i.e. the way a
 * remote file (--deep, src->path NULL) is probed: images made by libvips,
 * some patched by hand (the walks themselves: tests/unit/test_imgend.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <vips/vips.h>
#include <zlib.h>

#include "core/medialib.h"
#include "pm3k/pm3k.h"
#include "probe/probe_int.h"

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

/* ---- patched images ---- */

static uint32_t be32_of(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* data with `insert` (len bytes) put at offset at; free() the result. */
static uint8_t *spliced(const void *data, size_t len, size_t at, const void *insert,
                        size_t insert_len, size_t *out_len)
{
    uint8_t *out = malloc(len + insert_len);
    assert_non_null(out);
    memcpy(out, data, at);
    memcpy(out + at, insert, insert_len);
    memcpy(out + at + insert_len, (const uint8_t *)data + at, len - at);
    *out_len = len + insert_len;
    return out;
}

/* A PNG chunk with its CRC. */
static size_t png_chunk(uint8_t *out, const char *type, const void *data, uint32_t len)
{
    out[0] = (uint8_t)(len >> 24);
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    memcpy(out + 4, type, 4);
    memcpy(out + 8, data, len);
    uint32_t crc = (uint32_t)crc32(0, out + 4, 4 + len);
    for (int i = 0; i < 4; i++)
        out[8 + len + (uint32_t)i] = (uint8_t)(crc >> (24 - 8 * (unsigned)i));
    return 12 + len;
}

/* A big-endian TIFF of one IFD entry: Orientation = value. */
static size_t exif_tiff(uint8_t *out, unsigned value)
{
    static const uint8_t tiff[] = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0,
                                   3,   0,   0, 0,  1, 0, 0, 0, 0, 0, 0,    0,    0};
    memcpy(out, tiff, sizeof tiff);
    out[19] = (uint8_t)value;
    return sizeof tiff;
}

/* The orientation stored is reported as it is: 1..8 as orientation, any
 * other value as orientation_invalid (libvips itself would say 1). A PNG's
 * eXIf counts after the image data too. */
static void probe_orientation(void **state)
{
    (void)state;
    pm3k_probe_config config;
    pm3k_probe_config_init(&config);
    size_t len, patched_len;
    uint8_t exif[64], segment[80];

    void *jpeg = encode(64, 48, ".jpg", &len);
    memcpy(exif, "Exif\0\0", 6);
    size_t n = 6 + exif_tiff(exif + 6, 9);
    memcpy(segment, "\xFF\xE1", 2);
    segment[2] = 0;
    segment[3] = (uint8_t)(n + 2);
    memcpy(segment + 4, exif, n);
    uint8_t *patched = spliced(jpeg, len, 2, segment, n + 4, &patched_len);
    pm3k_item *item = probe_buffer(&config, patched, patched_len);
    assert_int_equal(fact_int(item, "orientation_invalid"), 9);
    assert_false(pm3k_item_has_fact(item, "orientation"));
    assert_int_equal(pm3k_item_finding_count(item), 0);
    pm3k_item_free(item);
    free(patched);
    g_free(jpeg);

    void *png = encode(64, 48, ".png", &len);
    uint8_t chunk[64];
    size_t chunk_len = png_chunk(chunk, "eXIf", exif, (uint32_t)exif_tiff(exif, 3));
    patched = spliced(png, len, len - 12, chunk, chunk_len, &patched_len); /* before IEND */
    item = probe_buffer(&config, patched, patched_len);
    assert_int_equal(fact_int(item, "orientation"), 3);
    assert_false(pm3k_item_has_fact(item, "orientation_invalid"));
    pm3k_item_free(item);
    free(patched);
    g_free(png);
}

/* An APNG (an acTL before IDAT, which libvips ignores) and a WebP of
 * pages: animated_image, with the frames counted. */
static void probe_animated(void **state)
{
    (void)state;
    pm3k_probe_config config;
    pm3k_probe_config_init(&config);
    size_t len, patched_len;

    void *png = encode(64, 48, ".png", &len);
    uint8_t chunk[32];
    size_t chunk_len = png_chunk(chunk, "acTL", "\0\0\0\x04\0\0\0\0", 8);
    uint8_t *apng = spliced(png, len, 33, chunk, chunk_len, &patched_len); /* after IHDR */
    pm3k_item *item = probe_buffer(&config, apng, patched_len);
    assert_int_equal(pm3k_item_finding_count(item), 1);
    const pm3k_finding *f = pm3k_item_find(item, "animated_image");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "animated png of 4 frames"));
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_WARN);
    assert_int_equal(fact_int(item, "frames"), 4);
    assert_int_equal(fact_int(item, "width"), 64);
    pm3k_item_free(item);
    free(apng);
    g_free(png);

    /* a WebP of three frames, each the VP8 chunk of a still */
    uint8_t *still = encode(64, 40, ".webp", &len);
    size_t first = 12; /* the still's VP8 chunk */
    while (first + 8 <= len && memcmp(still + first, "VP8 ", 4) != 0) {
        size_t size = (size_t)still[first + 4] | (size_t)still[first + 5] << 8;
        first += 8 + size + (size & 1);
    }
    assert_true(first + 8 <= len);
    size_t vp8 = 8 + ((size_t)still[first + 4] | (size_t)still[first + 5] << 8);
    vp8 += vp8 & 1;
    uint8_t *anim = malloc(12 + 18 + 14 + 3 * (24 + vp8));
    assert_non_null(anim);
    size_t at = 12;
    memcpy(anim + at, "VP8X\x0A\0\0\0\x02\0\0\0\x3F\0\0\x27\0\0", 18);
    at += 18;
    memcpy(anim + at, "ANIM\x06\0\0\0\0\0\0\0\0\0", 14);
    at += 14;
    for (int i = 0; i < 3; i++) {
        uint32_t size = (uint32_t)(16 + vp8);
        memcpy(anim + at, "ANMF", 4);
        for (int k = 0; k < 4; k++)
            anim[at + 4 + (size_t)k] = (uint8_t)(size >> (8 * k));
        memcpy(anim + at + 8, "\0\0\0\0\0\0\x3F\0\0\x27\0\0\x64\0\0\0", 16);
        memcpy(anim + at + 24, still + first, vp8);
        at += 24 + vp8;
    }
    memcpy(anim, "RIFF", 4);
    for (int k = 0; k < 4; k++)
        anim[4 + k] = (uint8_t)((at - 8) >> (8 * k));
    memcpy(anim + 8, "WEBP", 4);
    item = probe_buffer(&config, anim, at);
    assert_non_null(pm3k_item_find(item, "animated_image"));
    assert_int_equal(pm3k_item_finding_count(item), 1);
    assert_int_equal(fact_int(item, "frames"), 3);
    assert_int_equal(fact_int(item, "width"), 64);
    assert_int_equal(fact_int(item, "height"), 40);
    pm3k_item_free(item);
    free(anim);
    g_free(still);
}

/* A hostile chunk is found before libvips sees the file: no header is
 * measured and hardly anything is read. */
static void probe_walk_comes_first(void **state)
{
    (void)state;
    pm3k_probe_config config;
    pm3k_probe_config_init(&config);
    size_t len, patched_len;
    void *png = encode(64, 48, ".png", &len);
    assert_int_equal(be32_of((const uint8_t *)png + 8), 13);
    uint8_t bomb[16] = {0x3F, 0xFF, 0xFF, 0xF0, 't', 'E', 'X', 't', 'C', 'o', 'm', 'm', 0};
    uint8_t *patched = spliced(png, len, 33, bomb, sizeof bomb, &patched_len);
    pm3k_item *item = probe_buffer(&config, patched, patched_len);
    assert_int_equal(pm3k_item_finding_count(item), 1);
    const pm3k_finding *f = pm3k_item_find(item, "unreadable_media");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "chunk 'tEXt' at byte 33 runs past the end of the file"));
    assert_false(pm3k_item_has_fact(item, "width"));
    assert_true(fact_int(item, "bytes_read") < 256);
    pm3k_item_free(item);
    free(patched);
    g_free(png);
}

/* A JPEG without quantization tables: measured, then refused. */
static void probe_jpeg_without_dqt(void **state)
{
    (void)state;
    pm3k_probe_config config;
    pm3k_probe_config_init(&config);
    size_t len;
    uint8_t *jpeg = encode(64, 48, ".jpg", &len);
    /* drop every DQT segment before the first scan */
    size_t pos = 2, out = 2;
    while (pos + 4 <= len && jpeg[pos + 1] != 0xDA) {
        size_t seg = 2 + (size_t)(jpeg[pos + 2] << 8 | jpeg[pos + 3]);
        if (jpeg[pos + 1] != 0xDB) {
            memmove(jpeg + out, jpeg + pos, seg);
            out += seg;
        }
        pos += seg;
    }
    memmove(jpeg + out, jpeg + pos, len - pos);
    len -= pos - out;
    pm3k_item *item = probe_buffer(&config, jpeg, len);
    const pm3k_finding *f = pm3k_item_find(item, "unreadable_media");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "which no DQT before its first scan defines"));
    assert_int_equal(fact_int(item, "width"), 64);
    pm3k_item_free(item);
    g_free(jpeg);
}

/* A WebP over the image limit is not read whole: too large, not measured. */
static void probe_webp_over_limit(void **state)
{
    (void)state;
    pm3k_probe_config config;
    pm3k_probe_config_init(&config);
    size_t len;
    void *webp = encode(640, 480, ".webp", &len);
    config.limits.max_image_bytes = (int64_t)len / 2;
    pm3k_item *item = probe_buffer(&config, webp, len);
    assert_int_equal(pm3k_item_finding_count(item), 1);
    assert_non_null(pm3k_item_find(item, "image_too_large"));
    assert_false(pm3k_item_has_fact(item, "width"));
    assert_true(fact_int(item, "bytes_read") < (int64_t)len / 2);
    pm3k_item_free(item);
    config.limits.max_image_bytes = (int64_t)len;
    item = probe_buffer(&config, webp, len);
    assert_int_equal(pm3k_item_finding_count(item), 0);
    assert_int_equal(fact_int(item, "width"), 640);
    pm3k_item_free(item);
    g_free(webp);
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
        cmocka_unit_test(probe_remote_formats),
        cmocka_unit_test(probe_remote_truncated_and_png_on_pm3k),
        cmocka_unit_test(probe_orientation),
        cmocka_unit_test(probe_animated),
        cmocka_unit_test(probe_walk_comes_first),
        cmocka_unit_test(probe_jpeg_without_dqt),
        cmocka_unit_test(probe_webp_over_limit),
    };
    int failed = cmocka_run_group_tests(tests, setup, NULL);
    pm3k_global_cleanup();
    return failed;
}
