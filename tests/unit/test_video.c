/* Unit tests for the pure parts of the video checks: rotation and display
 * geometry (probe/video.c) and the top-level MP4 box walker (probe/mp4box.c)
 * on crafted byte buffers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe/mp4box.h"
#include "probe/probe_int.h"
#include "probe/video_int.h"

/* ---- rotation and display size ---- */

static void rotation_is_clockwise_and_snapped(void **state)
{
    (void)state;
    /* av_display_rotation_get: counterclockwise positive; a phone held
     * upright stores -90, which a viewer turns 90 degrees clockwise. */
    assert_int_equal(pm3k__rotation_clockwise(-90.0), 90);
    assert_int_equal(pm3k__rotation_clockwise(90.0), 270);
    assert_int_equal(pm3k__rotation_clockwise(180.0), 180);
    assert_int_equal(pm3k__rotation_clockwise(-180.0), 180);
    assert_int_equal(pm3k__rotation_clockwise(0.0), 0);
    assert_int_equal(pm3k__rotation_clockwise(-0.0), 0);
    assert_int_equal(pm3k__rotation_clockwise(NAN), 0);
    assert_int_equal(pm3k__rotation_clockwise(INFINITY), 0);
    /* fixed-point matrices give angles a hair off */
    assert_int_equal(pm3k__rotation_clockwise(-89.9999), 90);
    assert_int_equal(pm3k__rotation_clockwise(90.0001), 270);
    assert_int_equal(pm3k__rotation_clockwise(-270.0), 270);
    assert_int_equal(pm3k__rotation_clockwise(720.0), 0);
    /* odd angles snap to the nearest quarter turn */
    assert_int_equal(pm3k__rotation_clockwise(-100.0), 90);
    assert_int_equal(pm3k__rotation_clockwise(-30.0), 0);
}

static void display(int w, int h, int sar_num, int sar_den, int rotation, double *dw, double *dh)
{
    pm3k__video_geometry g = {.coded_width = w,
                              .coded_height = h,
                              .sar_num = sar_num,
                              .sar_den = sar_den,
                              .rotation = rotation};
    pm3k__video_display_size(&g);
    *dw = g.display_width;
    *dh = g.display_height;
}

static void display_size_applies_sar_then_rotation(void **state)
{
    double w, h;
    (void)state;
    /* a phone video: coded landscape, turned upright */
    display(1920, 1080, 1, 1, 90, &w, &h);
    assert_float_equal(w, 1080, 1e-9);
    assert_float_equal(h, 1920, 1e-9);
    assert_string_equal(pm3k__video_orientation(w, h), "portrait");
    /* coded portrait with the same rotation displays landscape */
    display(1080, 1920, 1, 1, 90, &w, &h);
    assert_float_equal(w, 1920, 1e-9);
    assert_float_equal(h, 1080, 1e-9);
    assert_string_equal(pm3k__video_orientation(w, h), "landscape");
    display(1080, 1920, 1, 1, 270, &w, &h);
    assert_string_equal(pm3k__video_orientation(w, h), "landscape");
    /* half turns do not swap */
    display(1080, 1920, 1, 1, 180, &w, &h);
    assert_float_equal(w, 1080, 1e-9);
    assert_float_equal(h, 1920, 1e-9);
    /* anamorphic: a square coded picture with 9:16 pixels is 9:16 */
    display(1080, 1080, 9, 16, 0, &w, &h);
    assert_float_equal(w, 607.5, 1e-9);
    assert_float_equal(h, 1080, 1e-9);
    assert_false(pm3k__video_off_9_16(w, h, 0.01));
    /* coded portrait, wide pixels: landscape on screen */
    display(540, 960, 2, 1, 0, &w, &h);
    assert_float_equal(w, 1080, 1e-9);
    assert_float_equal(h, 960, 1e-9);
    assert_string_equal(pm3k__video_orientation(w, h), "landscape");
    /* SAR then rotation: 1440x1080 with 4:3 pixels, turned */
    display(1440, 1080, 4, 3, 90, &w, &h);
    assert_float_equal(w, 1080, 1e-9);
    assert_float_equal(h, 1920, 1e-9);
    /* unknown SAR terms mean square pixels */
    display(1080, 1920, 0, 1, 0, &w, &h);
    assert_float_equal(w, 1080, 1e-9);
    display(1080, 1920, 1, 0, 0, &w, &h);
    assert_float_equal(w, 1080, 1e-9);
    display(1080, 1920, -4, 3, 0, &w, &h);
    assert_float_equal(w, 1080, 1e-9);
}

static void orientation_and_aspect(void **state)
{
    (void)state;
    assert_string_equal(pm3k__video_orientation(1080, 1080), "square");
    assert_string_equal(pm3k__video_orientation(1080.4, 1080), "square");
    assert_string_equal(pm3k__video_orientation(1081, 1080), "landscape");
    assert_string_equal(pm3k__video_orientation(1079, 1080), "portrait");
    assert_false(pm3k__video_off_9_16(1080, 1920, 0.01));
    assert_false(pm3k__video_off_9_16(720, 1280, 0.01));
    /* 320x568 is 0.16 % off: still 9:16 */
    assert_false(pm3k__video_off_9_16(320, 568, 0.01));
    assert_true(pm3k__video_off_9_16(1080, 1350, 0.01));
    assert_true(pm3k__video_off_9_16(1080, 1440, 0.01));
    /* the tolerance is relative to 0.5625 */
    assert_false(pm3k__video_off_9_16(0.5625 * 1.009 * 1000, 1000, 0.01));
    assert_true(pm3k__video_off_9_16(0.5625 * 1.011 * 1000, 1000, 0.01));
    assert_true(pm3k__video_off_9_16(0.5625 * 0.989 * 1000, 1000, 0.01));
    assert_false(pm3k__video_off_9_16(0.5625 * 1.011 * 1000, 1000, 0.02));
    assert_true(pm3k__video_off_9_16(1080, 0, 0.01));
}

/* ---- the nominal frame rate and codec names ---- */

static void assert_near(double got, double want)
{
    if (!(fabs(got - want) < 1e-3))
        fail_msg("%f, expected %f", got, want);
}

static void nominal_frame_rate(void **state)
{
    const char *basis;
    (void)state;
    /* a 60 fps phone video whose durations alternate by one tick */
    assert_near(pm3k__nominal_fps(60.06, 60.0, &basis), 60.0);
    assert_string_equal(basis, "standard_rate");
    /* without a base rate, or with one far off (a VFR stream's fine clock) */
    assert_near(pm3k__nominal_fps(60.06, 0.0, &basis), 60.0);
    assert_near(pm3k__nominal_fps(60.06, 120.0, &basis), 60.0);
    assert_string_equal(basis, "standard_rate");
    /* NTSC rates are standard rates of their own */
    assert_near(pm3k__nominal_fps(59.94, 60.0, &basis), 60000.0 / 1001);
    assert_near(pm3k__nominal_fps(29.97, 0, &basis), 30000.0 / 1001);
    /* an average that is a standard rate is the average */
    assert_near(pm3k__nominal_fps(30.0, 29.97, &basis), 30.0);
    assert_string_equal(basis, "average");
    /* no standard rate near: the base rate when near the average */
    assert_near(pm3k__nominal_fps(61.5, 61.0, &basis), 61.0);
    assert_string_equal(basis, "base_rate");
    /* else the average itself: 62 fps is 62 */
    assert_near(pm3k__nominal_fps(62.0, 120.0, &basis), 62.0);
    assert_string_equal(basis, "average");
    assert_near(pm3k__nominal_fps(22.5, 0, &basis), 22.5);
    /* 2 % is the tolerance: 61.3 is not 60 */
    assert_near(pm3k__nominal_fps(60.0 * 1.019, 0, &basis), 60.0);
    assert_near(pm3k__nominal_fps(60.0 * 1.021, 0, &basis), 60.0 * 1.021);
    /* only a base rate, or nothing */
    assert_near(pm3k__nominal_fps(0, 25.0, &basis), 25.0);
    assert_string_equal(basis, "base_rate");
    assert_near(pm3k__nominal_fps(0, 0, &basis), 0.0);
    assert_near(pm3k__nominal_fps(NAN, 0, &basis), 0.0);
}

/* libavformat's codec_tag: the fourcc, first character in the low byte */
static uint32_t tag(const char *fourcc)
{
    return (uint32_t)(uint8_t)fourcc[0] | (uint32_t)(uint8_t)fourcc[1] << 8 |
           (uint32_t)(uint8_t)fourcc[2] << 16 | (uint32_t)(uint8_t)fourcc[3] << 24;
}

static void codec_names(void **state)
{
    char buf[16];
    (void)state;
    assert_string_equal(pm3k__codec_name("h264", false, tag("avc1"), buf, sizeof buf), "h264");
    assert_string_equal(pm3k__codec_name("none", true, tag("vvc1"), buf, sizeof buf), "vvc");
    assert_string_equal(pm3k__codec_name("none", true, tag("vvi1"), buf, sizeof buf), "vvc");
    assert_string_equal(pm3k__codec_name("none", true, tag("evc1"), buf, sizeof buf), "evc");
    /* no name known: the fourcc itself, unprintable bytes replaced */
    assert_string_equal(pm3k__codec_name("none", true, tag("xyz9"), buf, sizeof buf), "xyz9");
    assert_string_equal(pm3k__codec_name("none", true,
                                         tag("a\x01\xff"
                                             "b"),
                                         buf, sizeof buf),
                        "a??b");
    assert_string_equal(pm3k__codec_name("none", true, 0, buf, sizeof buf), "unknown");
    assert_string_equal(pm3k__codec_name(NULL, false, tag("abcd"), buf, sizeof buf), "abcd");
}

/* ---- the box walker over an in-memory source ---- */

/* Every read fails. */
static int64_t failing_read_at(void *ctx, int64_t offset, void *buf, size_t len)
{
    return -1;
}

/* A growing byte buffer to build files in. */
typedef struct bytes {
    uint8_t data[8 * (PM3K__MP4_MAX_BOXES + 128)];
    size_t len;
} bytes;

static void put32(bytes *b, uint32_t v)
{
    assert_true(b->len + 4 <= sizeof b->data);
    for (int i = 3; i >= 0; i--)
        b->data[b->len++] = (uint8_t)(v >> (8 * i));
}

static void put64(bytes *b, uint64_t v)
{
    put32(b, (uint32_t)(v >> 32));
    put32(b, (uint32_t)v);
}

static void put_box(bytes *b, const char *type, uint32_t size)
{
    size_t start = b->len;
    put32(b, size);
    assert_true(b->len + 4 <= sizeof b->data);
    memcpy(b->data + b->len, type, 4);
    b->len += 4;
    /* zero payload, as far as the buffer holds it */
    while (size >= 8 && b->len < start + size && b->len < sizeof b->data)
        b->data[b->len++] = 0;
}

static void walk(const bytes *b, int64_t size, pm3k__mp4_layout *out)
{
    pm3k__source src;
    pm3k__memory m;
    pm3k__source_memory(&src, &m, b->data, b->len, "mem");
    src.size = size;
    pm3k__mp4_walk(&src, out);
    /* one bounded window read per box at most */
    assert_true(src.bytes_read <= (int64_t)(4096 * (out->box_count + out->inner_boxes + 1)));
}

static void fast_start_and_moov_at_end(void **state)
{
    pm3k__mp4_layout l;
    bytes b = {0};
    (void)state;
    put_box(&b, "ftyp", 24);
    put_box(&b, "moov", 100);
    put_box(&b, "free", 8);
    put_box(&b, "mdat", 1000);
    walk(&b, (int64_t)b.len, &l);
    assert_int_equal(l.box_count, 4);
    assert_int_equal(l.moov_offset, 24);
    assert_int_equal(l.mdat_offset, 132);
    assert_false(l.moov_at_end);
    assert_false(l.overrun);
    assert_false(l.junk);
    assert_false(l.capped);

    b.len = 0;
    put_box(&b, "ftyp", 24);
    put_box(&b, "free", 8);
    put_box(&b, "mdat", 1000);
    put_box(&b, "moov", 100);
    walk(&b, (int64_t)b.len, &l);
    assert_true(l.moov_at_end);
    assert_int_equal(l.mdat_offset, 32);
    assert_int_equal(l.moov_offset, 1032);

    /* an empty mdat placeholder before moov is not media data */
    b.len = 0;
    put_box(&b, "ftyp", 24);
    put_box(&b, "mdat", 8);
    put_box(&b, "moov", 100);
    put_box(&b, "mdat", 500);
    walk(&b, (int64_t)b.len, &l);
    assert_false(l.moov_at_end);
    assert_int_equal(l.mdat_offset, 132);
}

static void truncation_is_an_overrun(void **state)
{
    pm3k__mp4_layout l;
    bytes b = {0};
    (void)state;
    /* moov at the end, cut inside mdat: no moov, mdat overruns */
    put_box(&b, "ftyp", 24);
    put_box(&b, "mdat", 5000);
    b.len = 24 + 2000;
    walk(&b, (int64_t)b.len, &l);
    assert_int_equal(l.moov_offset, -1);
    assert_true(l.overrun);
    assert_string_equal(l.overrun_type, "mdat");
    assert_int_equal(l.overrun_end, 5024);

    /* a fast-start file cut in mdat keeps its moov */
    b.len = 0;
    put_box(&b, "ftyp", 24);
    put_box(&b, "moov", 100);
    put_box(&b, "mdat", 5000);
    b.len = 124 + 10;
    walk(&b, (int64_t)b.len, &l);
    assert_int_equal(l.moov_offset, 24);
    assert_true(l.overrun);
    assert_int_equal(l.overrun_end, 5124);

    /* a 64-bit header cut short */
    b.len = 0;
    put_box(&b, "ftyp", 24);
    put32(&b, 1);
    memcpy(b.data + b.len, "mdat", 4);
    b.len += 4;
    put32(&b, 0);
    walk(&b, (int64_t)b.len, &l);
    assert_true(l.overrun);
    assert_string_equal(l.overrun_type, "mdat");
}

static void large_and_to_end_sizes(void **state)
{
    pm3k__mp4_layout l;
    bytes b = {0};
    (void)state;
    /* size 1: a 64-bit largesize that runs exactly to the end (the sparse
     * oversize test file) is fine; the file size, not the buffer, decides */
    put_box(&b, "ftyp", 24);
    put_box(&b, "moov", 100);
    put32(&b, 1);
    memcpy(b.data + b.len, "free", 4);
    b.len += 4;
    put64(&b, 150000000 - 124);
    walk(&b, 150000000, &l);
    assert_int_equal(l.box_count, 3);
    assert_false(l.overrun);
    walk(&b, 150000000 - 1, &l);
    assert_true(l.overrun);
    assert_string_equal(l.overrun_type, "free");
    assert_int_equal(l.overrun_end, 150000000);

    /* a largesize smaller than its own header is junk */
    b.len = 124;
    put32(&b, 1);
    memcpy(b.data + b.len, "free", 4);
    b.len += 4;
    put64(&b, 15);
    walk(&b, (int64_t)b.len, &l);
    assert_true(l.junk);
    assert_int_equal(l.box_count, 2);

    /* an absurd largesize cannot wrap the offset */
    b.len = 124;
    put32(&b, 1);
    memcpy(b.data + b.len, "mdat", 4);
    b.len += 4;
    put64(&b, UINT64_MAX);
    walk(&b, (int64_t)b.len, &l);
    assert_true(l.overrun);
    assert_int_equal(l.overrun_end, INT64_MAX);

    /* size 0: the box runs to the end of the file */
    b.len = 0;
    put_box(&b, "ftyp", 24);
    put_box(&b, "moov", 100);
    put_box(&b, "mdat", 0);
    b.len += 300;
    walk(&b, (int64_t)b.len, &l);
    assert_int_equal(l.box_count, 3);
    assert_int_equal(l.mdat_offset, 124);
    assert_false(l.overrun);
    assert_false(l.moov_at_end);
}

static void junk_padding_cap_and_errors(void **state)
{
    pm3k__mp4_layout l;
    bytes b = {0};
    (void)state;
    /* fewer than 8 trailing bytes are padding */
    put_box(&b, "ftyp", 24);
    put_box(&b, "moov", 100);
    b.len += 5;
    walk(&b, (int64_t)b.len, &l);
    assert_int_equal(l.box_count, 2);
    assert_false(l.junk);
    assert_false(l.overrun);

    /* a type that is not four printable characters is not a box */
    b.len = 124;
    put_box(&b, "\x01\x02\x03\x04", 5000);
    walk(&b, (int64_t)b.len, &l);
    assert_true(l.junk);
    assert_false(l.overrun);
    assert_int_equal(l.box_count, 2);

    /* sizes 2..7 are invalid */
    b.len = 124;
    put_box(&b, "free", 7);
    walk(&b, (int64_t)b.len, &l);
    assert_true(l.junk);

    /* thousands of tiny boxes: the walk stops at the cap */
    b.len = 0;
    for (int i = 0; i < PM3K__MP4_MAX_BOXES + 100; i++)
        put_box(&b, "free", 8);
    walk(&b, (int64_t)b.len, &l);
    assert_true(l.capped);
    assert_int_equal(l.box_count, PM3K__MP4_MAX_BOXES);
    assert_int_equal(l.moov_offset, -1);

    /* unknown size: walk until the data ends */
    b.len = 0;
    put_box(&b, "ftyp", 24);
    put_box(&b, "mdat", 40);
    put_box(&b, "moov", 100);
    walk(&b, -1, &l);
    assert_int_equal(l.box_count, 3);
    assert_true(l.moov_at_end);

    /* a failing source */
    pm3k__source src;
    pm3k__memory m;
    pm3k__source_memory(&src, &m, b.data, b.len, "mem");
    src.read_at = failing_read_at;
    pm3k__mp4_walk(&src, &l);
    assert_true(l.read_error);
    assert_int_equal(l.moov_offset, -1);

    /* nothing at all */
    b.len = 0;
    walk(&b, 0, &l);
    assert_int_equal(l.box_count, 0);
    assert_int_equal(l.moov_offset, -1);
    assert_int_equal(l.mdat_offset, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rotation_is_clockwise_and_snapped),
        cmocka_unit_test(display_size_applies_sar_then_rotation),
        cmocka_unit_test(orientation_and_aspect),
        cmocka_unit_test(nominal_frame_rate),
        cmocka_unit_test(codec_names),
        cmocka_unit_test(fast_start_and_moov_at_end),
        cmocka_unit_test(truncation_is_an_overrun),
        cmocka_unit_test(large_and_to_end_sizes),
        cmocka_unit_test(junk_padding_cap_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
