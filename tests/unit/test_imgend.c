/* Unit tests for probe/imgend.c: the structure walks of JPEG, PNG and WebP
 * and the header copy, on crafted buffers through an in-memory source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "probe/imgend.h"
#include "probe/probe_int.h"

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

/* A string literal, embedded NULs and all. */
#define PUT(b, literal) put((b), (literal), sizeof(literal) - 1)

static void put_fill(bytes *b, uint8_t value, size_t count)
{
    for (size_t i = 0; i < count; i++)
        put(b, &value, 1);
}

static void put_byte(bytes *b, unsigned v)
{
    uint8_t c = (uint8_t)v;
    put(b, &c, 1);
}

static void put_be16(bytes *b, unsigned v)
{
    put_byte(b, v >> 8);
    put_byte(b, v);
}

static void put_be32(bytes *b, uint32_t v)
{
    put_be16(b, v >> 16);
    put_be16(b, v & 0xFFFF);
}

static void put_le32(bytes *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        put_byte(b, v >> (8 * i));
}

static pm3k__imgend check_info(const bytes *b, pm3k__media media, pm3k__imgend_info *info,
                               char *reason)
{
    pm3k__source src;
    pm3k__memory m;
    pm3k__source_memory(&src, &m, b->data, b->len, "memory");
    return pm3k__imgend_check(&src, media, info, reason, 256);
}

static pm3k__imgend check(const bytes *b, pm3k__media media, char *reason)
{
    return check_info(b, media, NULL, reason);
}

static int64_t failing_read_at(void *ctx, int64_t offset, void *buf, size_t len)
{
    pm3k__source *src = ctx;
    snprintf(src->error, sizeof src->error, "injected read error");
    return -1;
}

/* ---- JPEG segments ---- */

static void jpeg_dqt(bytes *b, unsigned table)
{
    PUT(b, "\xFF\xDB\x00\x43");
    put_byte(b, table);
    put_fill(b, 1, 64);
}

/* One Huffman table: class (0 DC, 1 AC), number, 16 counts, symbols. */
static void jpeg_dht(bytes *b, unsigned tcth, const uint8_t counts[16], const uint8_t *symbols)
{
    unsigned total = 0;
    for (int i = 0; i < 16; i++)
        total += counts[i];
    PUT(b, "\xFF\xC4");
    put_be16(b, 2 + 17 + total);
    put_byte(b, tcth);
    put(b, counts, 16);
    put(b, symbols, total);
}

typedef struct component {
    unsigned id, hv, table; /* hv: the SOF's sampling byte, or the SOS's TdTa */
} component;

static void jpeg_sof(bytes *b, unsigned marker, unsigned precision, unsigned width, unsigned height,
                     size_t count, const component *c)
{
    put_byte(b, 0xFF);
    put_byte(b, marker);
    put_be16(b, (unsigned)(8 + 3 * count));
    put_byte(b, precision);
    put_be16(b, height);
    put_be16(b, width);
    put_byte(b, (unsigned)count);
    for (size_t i = 0; i < count; i++) {
        put_byte(b, c[i].id);
        put_byte(b, c[i].hv);
        put_byte(b, c[i].table);
    }
}

static void jpeg_sos(bytes *b, size_t count, const component *c, unsigned ss, unsigned se,
                     unsigned ahal)
{
    PUT(b, "\xFF\xDA");
    put_be16(b, (unsigned)(6 + 2 * count));
    put_byte(b, (unsigned)count);
    for (size_t i = 0; i < count; i++) {
        put_byte(b, c[i].id);
        put_byte(b, c[i].hv);
    }
    put_byte(b, ss);
    put_byte(b, se);
    put_byte(b, ahal);
}

/* Entropy-coded data with a stuffed 0xFF and a restart marker. */
static void jpeg_entropy(bytes *b)
{
    PUT(b, "\x12\x34\xFF\x00\x56\xFF\xD0\x78\x9A");
}

static const component gray = {1, 0x11, 0};
static const component gray_scan = {1, 0x00, 0};

/* SOI, APP0, DQT 0, a one-component baseline frame, its scan, data. The
 * caller appends EOI (or not). */
static void jpeg_body(bytes *b)
{
    PUT(b, "\xFF\xD8");
    PUT(b, "\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00");
    jpeg_dqt(b, 0);
    jpeg_sof(b, 0xC0, 8, 16, 16, 1, &gray);
    jpeg_sos(b, 1, &gray_scan, 0, 63, 0);
    jpeg_entropy(b);
}

static void jpeg_complete(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    pm3k__imgend_info info;
    jpeg_body(&b);
    PUT(&b, "\xFF\xD9");
    assert_int_equal(check_info(&b, PM3K__MEDIA_JPEG, &info, reason), PM3K__IMGEND_COMPLETE);
    assert_true(info.header_ok);
    assert_int_equal(info.frames, 0);
    /* zero padding after the EOI: still the fast path */
    put_fill(&b, 0x00, 100);
    assert_int_equal(check(&b, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_COMPLETE);
    free(b.data);
}

static void jpeg_truncated(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    pm3k__imgend_info info;
    jpeg_body(&b);
    assert_int_equal(check_info(&b, PM3K__MEDIA_JPEG, &info, reason), PM3K__IMGEND_CUT);
    assert_non_null(strstr(reason, "EOI"));
    /* the header is whole: it may still be measured */
    assert_true(info.header_ok);
    /* cut right after a stuffed 0xFF: the last two bytes are FF 00 */
    bytes shorter = {.data = b.data, .len = b.len - 5};
    assert_int_equal(check(&shorter, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_CUT);
    /* cut after the 0xFF of a marker */
    PUT(&b, "\xFF");
    assert_int_equal(check(&b, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_CUT);
    /* cut inside the header, before any SOS */
    shorter.len = 40;
    assert_int_equal(check_info(&shorter, PM3K__MEDIA_JPEG, &info, reason), PM3K__IMGEND_CUT);
    assert_false(info.header_ok);
    free(b.data);
}

/* Data after the EOI (a Motion Photo's MP4) must pass, however long. */
static void jpeg_trailing_data(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    jpeg_body(&b);
    PUT(&b, "\xFF\xD9");
    put_be32(&b, 0x18);
    PUT(&b, "ftypmp42");
    for (int i = 0; i < 10000; i++)
        put_byte(&b, (unsigned)(i * 7 + 1)); /* includes 0xFF bytes, never FF D9 at the end */
    PUT(&b, "\x01\x02");
    assert_int_equal(check(&b, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_COMPLETE);
    free(b.data);
}

static void jpeg_eoi_before_scan(void **state)
{
    (void)state;
    char reason[256];
    bytes b = {0};
    PUT(&b, "\xFF\xD8\xFF\xE0\x00\x04\x00\x00\xFF\xD9\x01\x02");
    assert_int_equal(check(&b, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_CUT);
    assert_non_null(strstr(reason, "before any scan data"));
    free(b.data);
}

/* A segment that declares more than the file holds is found before any
 * loader sees the file: the header is not sound. */
static void jpeg_segment_past_end(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    pm3k__imgend_info info;
    PUT(&b, "\xFF\xD8\xFF\xE1\xFF\xFF"
            "Exif\0\0");
    put_fill(&b, 0x20, 300);
    assert_int_equal(check_info(&b, PM3K__MEDIA_JPEG, &info, reason), PM3K__IMGEND_CUT);
    assert_non_null(strstr(reason, "the APP1 segment at byte 2 runs past the end of the file"));
    assert_false(info.header_ok);
    free(b.data);
}

/* A progressive frame: a DC scan, then a DHT whose symbols hold FF D9
 * (skipped whole, never taken for the EOI), then an AC scan using it. */
static void jpeg_progressive_scans(void **state)
{
    (void)state;
    static const uint8_t counts[16] = {0, 2};
    static const component ac_scan = {1, 0x02, 0};
    bytes b = {0};
    char reason[256];
    PUT(&b, "\xFF\xD8");
    jpeg_dqt(&b, 0);
    jpeg_sof(&b, 0xC2, 8, 16, 16, 1, &gray);
    jpeg_sos(&b, 1, &gray_scan, 0, 0, 0);
    jpeg_entropy(&b);
    jpeg_dht(&b, 0x12, counts, (const uint8_t *)"\xFF\xD9");
    jpeg_sos(&b, 1, &ac_scan, 1, 63, 0);
    PUT(&b, "\x11\x22\x33");
    assert_int_equal(check(&b, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_CUT);
    PUT(&b, "\xFF\xD9");
    PUT(&b, "trailer");
    assert_int_equal(check(&b, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_COMPLETE);
    free(b.data);

    /* the same AC scan before its table is defined: every scan of a
     * progressive file is checked, even when the file ends with EOI */
    b = (bytes){0};
    PUT(&b, "\xFF\xD8");
    jpeg_dqt(&b, 0);
    jpeg_sof(&b, 0xC2, 8, 16, 16, 1, &gray);
    jpeg_sos(&b, 1, &gray_scan, 0, 0, 0);
    jpeg_entropy(&b);
    jpeg_sos(&b, 1, &ac_scan, 1, 63, 0);
    PUT(&b, "\x11\x22\xFF\xD9");
    assert_int_equal(check(&b, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "AC Huffman table 2"));
    free(b.data);
}

/* One frame and scan, built from parts, checked. */
static pm3k__imgend jpeg_frame(unsigned sof, unsigned precision, unsigned width, size_t count,
                               const component *frame, size_t scan_count, const component *scan,
                               unsigned ss, unsigned se, bool dqt, char *reason)
{
    bytes b = {0};
    PUT(&b, "\xFF\xD8");
    if (dqt)
        for (unsigned t = 0; t < 4; t++)
            jpeg_dqt(&b, t);
    jpeg_sof(&b, sof, precision, width, 16, count, frame);
    jpeg_sos(&b, scan_count, scan, ss, se, 0);
    jpeg_entropy(&b);
    PUT(&b, "\xFF\xD9");
    pm3k__imgend rc = check(&b, PM3K__MEDIA_JPEG, reason);
    free(b.data);
    return rc;
}

static void jpeg_quantization_tables(void **state)
{
    (void)state;
    char reason[256];
    /* no DQT at all */
    assert_int_equal(jpeg_frame(0xC0, 8, 16, 1, &gray, 1, &gray_scan, 0, 63, false, reason),
                     PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "component 1 uses quantization table 0, which no DQT"));
    /* a lossless frame has none */
    assert_int_equal(jpeg_frame(0xC3, 8, 16, 1, &gray, 1, &gray_scan, 1, 0, false, reason),
                     PM3K__IMGEND_COMPLETE);
    /* a DQT with table number 4 */
    bytes b = {0};
    PUT(&b, "\xFF\xD8");
    jpeg_dqt(&b, 4);
    assert_int_equal(check(&b, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "quantization table 4"));
    free(b.data);

    /* non-interleaved scans: component 2's table may come after the first
     * scan, but not after its own */
    static const component two[2] = {{1, 0x11, 0}, {2, 0x11, 1}};
    static const component second = {2, 0x00, 0};
    for (int late = 0; late < 2; late++) {
        b = (bytes){0};
        PUT(&b, "\xFF\xD8");
        jpeg_dqt(&b, 0);
        jpeg_sof(&b, 0xC0, 8, 16, 16, 2, two);
        jpeg_sos(&b, 1, &gray_scan, 0, 63, 0);
        jpeg_entropy(&b);
        if (!late)
            jpeg_dqt(&b, 1);
        jpeg_sos(&b, 1, &second, 0, 63, 0);
        jpeg_entropy(&b);
        if (late)
            jpeg_dqt(&b, 1);
        PUT(&b, "\xFF\xD9");
        assert_int_equal(check(&b, PM3K__MEDIA_JPEG, reason),
                         late ? PM3K__IMGEND_INVALID : PM3K__IMGEND_COMPLETE);
        free(b.data);
    }
}

static void jpeg_huffman_tables(void **state)
{
    (void)state;
    char reason[256];
    static const component dc2 = {1, 0x20, 0}, ac3 = {1, 0x03, 0};
    /* tables 0 and 1 fall back to the standard tables (Motion JPEG) */
    assert_int_equal(jpeg_frame(0xC0, 8, 16, 1, &gray, 1, &gray_scan, 0, 63, true, reason),
                     PM3K__IMGEND_COMPLETE);
    /* 2 and 3 have none */
    assert_int_equal(jpeg_frame(0xC0, 8, 16, 1, &gray, 1, &dc2, 0, 63, true, reason),
                     PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "DC Huffman table 2"));
    assert_int_equal(jpeg_frame(0xC1, 8, 16, 1, &gray, 1, &ac3, 0, 63, true, reason),
                     PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "AC Huffman table 3"));
    /* arithmetic coding needs no Huffman table */
    assert_int_equal(jpeg_frame(0xC9, 8, 16, 1, &gray, 1, &dc2, 0, 63, true, reason),
                     PM3K__IMGEND_COMPLETE);

    static const uint8_t fits[16] = {0, 2}, overfull[16] = {2}, wide[16] = {1};
    struct {
        unsigned tcth, scan;
        const uint8_t *counts, *symbols;
        pm3k__imgend want;
    } tables[] = {
        {0x02, 0x20, fits, (const uint8_t *)"\x01\x02", PM3K__IMGEND_COMPLETE},
        /* two codes of one bit leave none for the rest */
        {0x02, 0x20, overfull, (const uint8_t *)"\x01\x02", PM3K__IMGEND_INVALID},
        {0x02, 0x20, wide, (const uint8_t *)"\x10", PM3K__IMGEND_INVALID},  /* a DC symbol > 15 */
        {0x12, 0x02, wide, (const uint8_t *)"\x10", PM3K__IMGEND_COMPLETE}, /* fine for AC */
        {0x13, 0x00, overfull, (const uint8_t *)"\x01\x02", PM3K__IMGEND_COMPLETE}, /* unused */
        {0x24, 0x00, fits, (const uint8_t *)"\x01\x02", PM3K__IMGEND_INVALID},      /* class 2 */
    };
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        bytes b = {0};
        component scan = {1, tables[i].scan, 0};
        PUT(&b, "\xFF\xD8");
        jpeg_dqt(&b, 0);
        jpeg_dht(&b, tables[i].tcth, tables[i].counts, tables[i].symbols);
        jpeg_sof(&b, 0xC0, 8, 16, 16, 1, &gray);
        jpeg_sos(&b, 1, &scan, 0, 63, 0);
        jpeg_entropy(&b);
        PUT(&b, "\xFF\xD9");
        if (check(&b, PM3K__MEDIA_JPEG, reason) != tables[i].want)
            fail_msg("DHT %zu: %s", i, reason);
        free(b.data);
    }
}

static void jpeg_frame_headers(void **state)
{
    (void)state;
    char reason[256];
    static const component color[3] = {{1, 0x22, 0}, {2, 0x11, 1}, {3, 0x11, 1}};
    static const component color_scan[3] = {{1, 0x00, 0}, {2, 0x11, 0}, {3, 0x11, 0}};
    static const component big[3] = {{1, 0x22, 0}, {2, 0x22, 1}, {3, 0x22, 1}};
    static const component fractional[2] = {{1, 0x31, 0}, {2, 0x21, 0}};
    static const component frac_scan[2] = {{1, 0x00, 0}, {2, 0x00, 0}};
    static const component five = {1, 0x51, 0}, tq4 = {1, 0x11, 4};
    static const component missing = {7, 0x00, 0}, twice[2] = {{1, 0x00, 0}, {1, 0x00, 0}};
    struct {
        unsigned sof, precision, width;
        size_t count;
        const component *frame;
        size_t scan_count;
        const component *scan;
        unsigned ss, se;
        pm3k__imgend want;
        const char *says;
    } cases[] = {
        {0xC0, 8, 16, 3, color, 3, color_scan, 0, 63, PM3K__IMGEND_COMPLETE, ""},
        {0xC0, 8, 0, 1, &gray, 1, &gray_scan, 0, 63, PM3K__IMGEND_INVALID, "0x16"},
        {0xC0, 12, 16, 1, &gray, 1, &gray_scan, 0, 63, PM3K__IMGEND_INVALID, "12-bit"},
        {0xC1, 12, 16, 1, &gray, 1, &gray_scan, 0, 63, PM3K__IMGEND_COMPLETE, ""},
        {0xC3, 16, 16, 1, &gray, 1, &gray_scan, 1, 0, PM3K__IMGEND_COMPLETE, ""},
        {0xC3, 1, 16, 1, &gray, 1, &gray_scan, 1, 0, PM3K__IMGEND_INVALID, "1-bit"},
        {0xC0, 8, 16, 1, &five, 1, &gray_scan, 0, 63, PM3K__IMGEND_INVALID, "sampling 5x1"},
        {0xC0, 8, 16, 1, &tq4, 1, &gray_scan, 0, 63, PM3K__IMGEND_INVALID, "quantization table 4"},
        {0xC0, 8, 16, 2, fractional, 2, frac_scan, 0, 63, PM3K__IMGEND_INVALID, "does not divide"},
        {0xC0, 8, 16, 3, big, 3, color_scan, 0, 63, PM3K__IMGEND_INVALID, "12 blocks per MCU"},
        {0xC0, 8, 16, 1, &gray, 1, &missing, 0, 63, PM3K__IMGEND_INVALID, "component 7"},
        {0xC0, 8, 16, 1, &gray, 2, twice, 0, 63, PM3K__IMGEND_INVALID, "names it twice"},
        /* progressive: a DC scan must end at 0; an AC scan has one component */
        {0xC2, 8, 16, 1, &gray, 1, &gray_scan, 0, 5, PM3K__IMGEND_INVALID, "progressive"},
        {0xC2, 8, 16, 3, color, 3, color_scan, 1, 63, PM3K__IMGEND_INVALID, "progressive"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pm3k__imgend rc = jpeg_frame(cases[i].sof, cases[i].precision, cases[i].width,
                                     cases[i].count, cases[i].frame, cases[i].scan_count,
                                     cases[i].scan, cases[i].ss, cases[i].se, true, reason);
        if (rc != cases[i].want || !strstr(reason, cases[i].says))
            fail_msg("case %zu: %d, '%s'", i, rc, reason);
    }

    /* eleven components; a second frame header; a scan before any frame */
    component eleven[11];
    for (unsigned i = 0; i < 11; i++)
        eleven[i] = (component){i + 1, 0x11, 0};
    assert_int_equal(jpeg_frame(0xC0, 8, 16, 11, eleven, 1, &gray_scan, 0, 63, true, reason),
                     PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "11 components"));
    bytes b = {0};
    PUT(&b, "\xFF\xD8");
    jpeg_dqt(&b, 0);
    jpeg_sof(&b, 0xC0, 8, 16, 16, 1, &gray);
    jpeg_sof(&b, 0xC0, 8, 16, 16, 1, &gray);
    assert_int_equal(check(&b, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "a second frame header"));
    b.len = 2 + 69;
    jpeg_sos(&b, 1, &gray_scan, 0, 63, 0);
    assert_int_equal(check(&b, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "before any frame header"));
    free(b.data);
}

/* More metadata before the first scan than any photo has is refused, not
 * handed to a header load that would keep it all. */
static void jpeg_header_bound(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    PUT(&b, "\xFF\xD8");
    while (b.len <= PM3K__IMGEND_MAX_HEADER_BYTES) {
        PUT(&b, "\xFF\xE1\xFF\xFF");
        put_fill(&b, 0, 0xFFFD);
    }
    jpeg_dqt(&b, 0);
    jpeg_sof(&b, 0xC0, 8, 16, 16, 1, &gray);
    jpeg_sos(&b, 1, &gray_scan, 0, 63, 0);
    PUT(&b, "\x12\xFF\xD9");
    assert_int_equal(check(&b, PM3K__MEDIA_JPEG, reason), PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "over 32 MiB of metadata"));
    free(b.data);
}

/* The copy is the header up to the scan data, and an EOI. */
static void jpeg_header_copy(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    pm3k__imgend_info info;
    pm3k__source src;
    pm3k__memory m;
    jpeg_body(&b);
    PUT(&b, "\xFF\xD9");
    assert_int_equal(check_info(&b, PM3K__MEDIA_JPEG, &info, reason), PM3K__IMGEND_COMPLETE);
    size_t header = b.len - 9 - 2; /* the entropy data and the EOI */
    assert_int_equal(info.copy_bytes, header + 2);
    uint8_t copy[256];
    pm3k__source_memory(&src, &m, b.data, b.len, "memory");
    assert_int_equal(pm3k__imgend_copy(&src, PM3K__MEDIA_JPEG, &info, copy, sizeof copy),
                     PM3K__IMGEND_COMPLETE);
    assert_memory_equal(copy, b.data, header);
    assert_memory_equal(copy + header, "\xFF\xD9", 2);
    /* a buffer too small is refused, a source that shrank is a cut */
    assert_int_equal(pm3k__imgend_copy(&src, PM3K__MEDIA_JPEG, &info, copy, header),
                     PM3K__IMGEND_UNCHECKED);
    pm3k__source_memory(&src, &m, b.data, 20, "memory");
    assert_int_equal(pm3k__imgend_copy(&src, PM3K__MEDIA_JPEG, &info, copy, sizeof copy),
                     PM3K__IMGEND_CUT);
    src.ctx = &src;
    src.read_at = failing_read_at;
    assert_int_equal(pm3k__imgend_copy(&src, PM3K__MEDIA_JPEG, &info, copy, sizeof copy),
                     PM3K__IMGEND_READ_ERROR);
    free(b.data);
}

/* ---- PNG ---- */

static void png_chunk(bytes *b, const char *type, uint32_t length, size_t actual)
{
    put_be32(b, length);
    put(b, type, 4);
    put_fill(b, 0xAB, actual);
    put_be32(b, 0x12345678); /* CRC: not checked */
}

static void png_chunk_data(bytes *b, const char *type, const void *data, size_t len)
{
    put_be32(b, (uint32_t)len);
    put(b, type, 4);
    put(b, data, len);
    put_be32(b, 0x12345678);
}

static void png_head(bytes *b)
{
    PUT(b, "\x89PNG\r\n\x1A\n");
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
    assert_int_equal(check(&b, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_COMPLETE);
    /* data after IEND is not PM3K's concern */
    PUT(&b, "junk");
    assert_int_equal(check(&b, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_COMPLETE);
    free(b.data);
}

static void png_chunk_past_end(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    pm3k__imgend_info info;
    png_head(&b);
    png_chunk(&b, "IDAT", 5000, 100); /* says 5000 bytes, has 100 */
    assert_int_equal(check_info(&b, PM3K__MEDIA_PNG, &info, reason), PM3K__IMGEND_CUT);
    assert_non_null(strstr(reason, "'IDAT'"));
    assert_non_null(strstr(reason, "past the end"));
    /* cut in the image data: the header before it may still be measured */
    assert_true(info.header_ok);
    free(b.data);
}

/* A text chunk that declares 1 GiB right after IHDR: the header is not
 * sound, so no loader gets to allocate for it. */
static void png_text_bomb(void **state)
{
    (void)state;
    char reason[256];
    pm3k__imgend_info info;
    static const char *const kinds[] = {"tEXt", "zTXt", "iTXt"};
    for (size_t i = 0; i < 3; i++) {
        bytes b = {0};
        png_head(&b);
        png_chunk(&b, kinds[i], 0x3FFFFFF0u, 8);
        assert_int_equal(check_info(&b, PM3K__MEDIA_PNG, &info, reason), PM3K__IMGEND_CUT);
        assert_non_null(strstr(reason, "runs past the end of the file"));
        assert_false(info.header_ok);
        free(b.data);
    }
}

static void png_without_iend(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    png_head(&b);
    png_chunk(&b, "IDAT", 10, 10);
    assert_int_equal(check(&b, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_CUT);
    assert_non_null(strstr(reason, "IEND"));
    /* cut inside a chunk header */
    b.len -= 20;
    assert_int_equal(check(&b, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_CUT);
    free(b.data);
}

static void png_bad_chunks(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    png_head(&b);
    png_chunk(&b, "ID\x01T", 0, 0);
    assert_int_equal(check(&b, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "invalid chunk type"));
    free(b.data);

    b = (bytes){0};
    png_head(&b);
    png_chunk(&b, "IDAT", 0xFFFFFFFFu, 0);
    assert_int_equal(check(&b, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "invalid length"));
    free(b.data);

    /* IHDR first; an IDAT before IEND */
    b = (bytes){0};
    PUT(&b, "\x89PNG\r\n\x1A\n");
    png_chunk(&b, "tEXt", 4, 4);
    png_chunk(&b, "IHDR", 13, 13);
    assert_int_equal(check(&b, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "not a 13-byte IHDR"));
    free(b.data);
    b = (bytes){0};
    png_head(&b);
    png_chunk(&b, "IEND", 0, 0);
    assert_int_equal(check(&b, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "no image data"));
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
    assert_int_equal(pm3k__imgend_check(&src, PM3K__MEDIA_PNG, NULL, NULL, 0),
                     PM3K__IMGEND_COMPLETE);
    assert_true(src.bytes_read < 2 * 1024);
    /* a remote one: one window per chunk, still far from the whole file */
    pm3k__source_memory(&src, &m, b.data, b.len, "memory");
    assert_int_equal(pm3k__imgend_check(&src, PM3K__MEDIA_PNG, NULL, NULL, 0),
                     PM3K__IMGEND_COMPLETE);
    assert_true(src.bytes_read < (int64_t)b.len / 4);
    free(b.data);
}

/* zlib data of `mib` MiB of zeros. */
static void put_deflated_zeros(bytes *b, size_t mib)
{
    static uint8_t zeros[1 << 20];
    uint8_t out[65536];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit(&zs, 9), Z_OK);
    for (size_t i = 0; i <= mib; i++) {
        zs.next_in = zeros;
        zs.avail_in = i < mib ? sizeof zeros : 0;
        int flush = i < mib ? Z_NO_FLUSH : Z_FINISH, ret;
        do {
            zs.next_out = out;
            zs.avail_out = sizeof out;
            ret = deflate(&zs, flush);
            put(b, out, sizeof out - zs.avail_out);
        } while (zs.avail_out == 0 && ret != Z_STREAM_END);
    }
    deflateEnd(&zs);
}

/* A compressed chunk whose data is `mib` MiB of zeros: keyword, the fields
 * of its kind, then the stream. */
static void png_compressed(bytes *b, const char *type, size_t mib)
{
    bytes data = {0};
    if (strcmp(type, "iTXt") == 0)
        PUT(&data, "XML:com.adobe.xmp\0\1\0en\0\0");
    else
        PUT(&data, "Comment\0\0");
    put_deflated_zeros(&data, mib);
    png_chunk_data(b, type, data.data, data.len);
    free(data.data);
}

static void png_decompression_bombs(void **state)
{
    (void)state;
    char reason[256];
    static const char *const kinds[] = {"zTXt", "iTXt", "iCCP"};
    for (size_t i = 0; i < 3; i++) {
        bytes b = {0};
        png_head(&b);
        png_compressed(&b, kinds[i], 1); /* fine */
        png_chunk(&b, "IDAT", 10, 10);
        png_chunk(&b, "IEND", 0, 0);
        assert_int_equal(check(&b, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_COMPLETE);
        free(b.data);
        b = (bytes){0};
        png_head(&b);
        png_chunk(&b, "IDAT", 10, 10);
        png_compressed(&b, kinds[i], 65); /* after the image data too */
        png_chunk(&b, "IEND", 0, 0);
        assert_int_equal(check(&b, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_INVALID);
        assert_non_null(strstr(reason, "decompression bomb"));
        assert_non_null(strstr(reason, kinds[i]));
        free(b.data);
    }
    /* many chunks each far below any limit: the bound is on all of them */
    bytes b = {0};
    png_head(&b);
    for (int i = 0; i < 5; i++)
        png_compressed(&b, "zTXt", 16);
    png_chunk(&b, "IDAT", 10, 10);
    png_chunk(&b, "IEND", 0, 0);
    assert_int_equal(check(&b, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_INVALID);
    free(b.data);
    /* an uncompressed iTXt, a broken stream and a keyword without its NUL
     * are not inflated */
    b = (bytes){0};
    png_head(&b);
    png_chunk_data(&b, "iTXt", "key\0\0\0en\0\0text", 15);
    png_chunk_data(&b, "zTXt", "key\0\0\x78\x9C\xFF\xFF\xFF", 10);
    png_chunk(&b, "zTXt", 200, 200);
    png_chunk(&b, "IDAT", 10, 10);
    png_chunk(&b, "IEND", 0, 0);
    assert_int_equal(check(&b, PM3K__MEDIA_PNG, reason), PM3K__IMGEND_COMPLETE);
    free(b.data);
}

static void png_animation(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    pm3k__imgend_info info;
    png_head(&b);
    png_chunk_data(&b, "acTL", "\0\0\0\x07\0\0\0\0", 8);
    png_chunk(&b, "IDAT", 10, 10);
    png_chunk_data(&b, "acTL", "\0\0\0\x09\0\0\0\0", 8); /* after IDAT: not APNG */
    png_chunk(&b, "IEND", 0, 0);
    assert_int_equal(check_info(&b, PM3K__MEDIA_PNG, &info, reason), PM3K__IMGEND_COMPLETE);
    assert_int_equal(info.frames, 7);
    free(b.data);
}

/* The copy holds the signature, IHDR, PLTE, tRNS and the first eXIf
 * (moved before the image data), an empty IDAT and IEND; no text, no ICC
 * profile, no image data. */
static void png_header_copy(void **state)
{
    (void)state;
    bytes b = {0};
    char reason[256];
    pm3k__imgend_info info;
    pm3k__source src;
    pm3k__memory m;
    png_head(&b);
    png_chunk(&b, "PLTE", 6, 6);
    png_compressed(&b, "zTXt", 1);
    png_chunk(&b, "tRNS", 2, 2);
    png_chunk(&b, "IDAT", 300, 300);
    png_chunk(&b, "eXIf", 20, 20);
    png_chunk(&b, "eXIf", 30, 30);
    png_chunk(&b, "IEND", 0, 0);
    assert_int_equal(check_info(&b, PM3K__MEDIA_PNG, &info, reason), PM3K__IMGEND_COMPLETE);
    assert_true(info.header_ok);
    assert_int_equal(info.span_count, 4);
    size_t want = 8 + 25 + 18 + 14 + 32 + 24;
    assert_int_equal(info.copy_bytes, want);
    uint8_t copy[256];
    pm3k__source_memory(&src, &m, b.data, b.len, "memory");
    assert_int_equal(pm3k__imgend_copy(&src, PM3K__MEDIA_PNG, &info, copy, sizeof copy),
                     PM3K__IMGEND_COMPLETE);
    assert_memory_equal(copy, b.data, 8 + 25 + 18);
    assert_memory_equal(copy + 8 + 25 + 18 + 4, "tRNS", 4);
    assert_memory_equal(copy + 8 + 25 + 18 + 14 + 4, "eXIf", 4);
    assert_memory_equal(copy + want - 24,
                        "\0\0\0\0IDAT\x35\xAF\x06\x1E\0\0\0\0IEND\xAE\x42\x60\x82", 24);
    free(b.data);
}

/* ---- WebP ---- */

static void webp_chunk(bytes *b, const char *tag, uint32_t size, size_t actual)
{
    put(b, tag, 4);
    put_le32(b, size);
    put_fill(b, 0x55, actual + (actual & 1));
}

static void webp_riff(bytes *b, uint32_t riff_size)
{
    PUT(b, "RIFF");
    put_le32(b, riff_size);
    PUT(b, "WEBP");
}

/* Set the RIFF size to what follows it. */
static void webp_close(bytes *b)
{
    uint32_t riff = (uint32_t)(b->len - 8);
    for (int i = 0; i < 4; i++)
        b->data[4 + i] = (uint8_t)(riff >> (8 * i));
}

static void webp_sizes(void **state)
{
    (void)state;
    char reason[256];
    bytes b = {0};
    webp_riff(&b, 0);
    webp_chunk(&b, "VP8 ", 100, 100);
    webp_close(&b);
    assert_int_equal(check(&b, PM3K__MEDIA_WEBP, reason), PM3K__IMGEND_COMPLETE);
    put_fill(&b, 0, 10); /* trailing bytes */
    assert_int_equal(check(&b, PM3K__MEDIA_WEBP, reason), PM3K__IMGEND_COMPLETE);
    b.len = 60; /* cut */
    assert_int_equal(check(&b, PM3K__MEDIA_WEBP, reason), PM3K__IMGEND_CUT);
    assert_non_null(strstr(reason, "RIFF"));
    free(b.data);

    b = (bytes){0};
    webp_riff(&b, 2); /* impossible size */
    assert_int_equal(check(&b, PM3K__MEDIA_WEBP, reason), PM3K__IMGEND_CUT);
    b.len = 9;
    assert_int_equal(check(&b, PM3K__MEDIA_WEBP, reason), PM3K__IMGEND_CUT);
    free(b.data);
}

static void webp_chunks(void **state)
{
    (void)state;
    char reason[256];
    struct {
        const char *first, *second;
        uint32_t second_size;
        size_t second_actual;
        pm3k__imgend want;
        const char *says;
    } cases[] = {
        {"VP8 ", "EXIF", 0xFFFFFFF0u, 4, PM3K__IMGEND_CUT, "'EXIF' at byte 120 runs past"},
        {"VP8 ", "XMP ", 9, 9, PM3K__IMGEND_COMPLETE, ""},
        {"ICCP", "VP8 ", 9, 9, PM3K__IMGEND_INVALID, "the first chunk is 'ICCP'"},
        {"VP8X", "VP8X", 10, 10, PM3K__IMGEND_INVALID, "misplaced"},
        {"VP8X", "ANIM", 4, 4, PM3K__IMGEND_INVALID, "ANIM chunk at byte 120 is too short"},
        {"VP8X", "ANMF", 10, 10, PM3K__IMGEND_INVALID, "ANMF chunk at byte 120 is too short"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bytes b = {0};
        webp_riff(&b, 0);
        webp_chunk(&b, cases[i].first, 100, 100);
        webp_chunk(&b, cases[i].second, cases[i].second_size, cases[i].second_actual);
        webp_close(&b);
        pm3k__imgend rc = check(&b, PM3K__MEDIA_WEBP, reason);
        if (rc != cases[i].want || !strstr(reason, cases[i].says))
            fail_msg("case %zu: %d, '%s'", i, rc, reason);
        free(b.data);
    }
    /* a chunk inside a frame that runs past its ANMF; stray bytes */
    bytes b = {0};
    webp_riff(&b, 0);
    webp_chunk(&b, "VP8X", 10, 10);
    PUT(&b, "ANMF");
    put_le32(&b, 16 + 8 + 4);
    put_fill(&b, 0, 16);
    PUT(&b, "VP8L");
    put_le32(&b, 400);
    put_fill(&b, 0, 4);
    webp_close(&b);
    assert_int_equal(check(&b, PM3K__MEDIA_WEBP, reason), PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "runs past its ANMF chunk"));
    free(b.data);
    b = (bytes){0};
    webp_riff(&b, 0);
    webp_chunk(&b, "VP8 ", 10, 10);
    PUT(&b, "\0\0\0");
    webp_close(&b);
    assert_int_equal(check(&b, PM3K__MEDIA_WEBP, reason), PM3K__IMGEND_INVALID);
    assert_non_null(strstr(reason, "3 stray bytes"));
    free(b.data);
}

/* An animation: the frames are counted, and the copy holds the first
 * frame only (and each metadata chunk once). */
static void webp_animation(void **state)
{
    (void)state;
    char reason[256];
    pm3k__imgend_info info;
    pm3k__source src;
    pm3k__memory m;
    for (int animated = 0; animated < 2; animated++) {
        bytes b = {0};
        webp_riff(&b, 0);
        PUT(&b, "VP8X\x0A\0\0\0");
        put_byte(&b, animated ? 0x02 : 0x00);
        put_fill(&b, 0, 9);
        webp_chunk(&b, "ANIM", 6, 6);
        for (int i = 0; i < 3; i++) {
            PUT(&b, "ANMF");
            put_le32(&b, 16 + 8 + 6);
            put_fill(&b, (uint8_t)i, 16);
            webp_chunk(&b, "VP8L", 5, 5);
        }
        webp_chunk(&b, "EXIF", 8, 8);
        webp_chunk(&b, "EXIF", 8, 8);
        webp_chunk(&b, "XYZW", 8, 8);
        webp_close(&b);
        assert_int_equal(check_info(&b, PM3K__MEDIA_WEBP, &info, reason), PM3K__IMGEND_COMPLETE);
        assert_int_equal(info.frames, animated ? 3 : 0);
        assert_int_equal(info.span_count, 4);
        assert_int_equal(info.copy_bytes, 12 + 18 + 14 + 38 + 16);
        uint8_t copy[256];
        pm3k__source_memory(&src, &m, b.data, b.len, "memory");
        assert_int_equal(pm3k__imgend_copy(&src, PM3K__MEDIA_WEBP, &info, copy, sizeof copy),
                         PM3K__IMGEND_COMPLETE);
        assert_memory_equal(copy, "RIFF\x5A\0\0\0WEBPVP8X", 16);
        assert_memory_equal(copy + 12 + 18 + 14, "ANMF", 4);
        assert_int_equal(copy[12 + 18 + 14 + 8], 0); /* the first frame */
        assert_memory_equal(copy + 12 + 18 + 14 + 38, "EXIF", 4);
        free(b.data);
    }
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
    src.ctx = &src;
    src.read_at = failing_read_at;
    assert_int_equal(pm3k__imgend_check(&src, PM3K__MEDIA_JPEG, NULL, NULL, 0),
                     PM3K__IMGEND_READ_ERROR);
    assert_string_equal(src.error, "injected read error");
    pm3k__source_memory(&src, &m, b.data, b.len, "memory");
    src.size = -1;
    assert_int_equal(pm3k__imgend_check(&src, PM3K__MEDIA_JPEG, NULL, NULL, 0),
                     PM3K__IMGEND_UNCHECKED);
    pm3k__source_memory(&src, &m, b.data, b.len, "memory");
    assert_int_equal(pm3k__imgend_check(&src, PM3K__MEDIA_GIF, NULL, NULL, 0),
                     PM3K__IMGEND_UNCHECKED);
    free(b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jpeg_complete),
        cmocka_unit_test(jpeg_truncated),
        cmocka_unit_test(jpeg_trailing_data),
        cmocka_unit_test(jpeg_eoi_before_scan),
        cmocka_unit_test(jpeg_segment_past_end),
        cmocka_unit_test(jpeg_progressive_scans),
        cmocka_unit_test(jpeg_quantization_tables),
        cmocka_unit_test(jpeg_huffman_tables),
        cmocka_unit_test(jpeg_frame_headers),
        cmocka_unit_test(jpeg_header_bound),
        cmocka_unit_test(jpeg_header_copy),
        cmocka_unit_test(png_complete),
        cmocka_unit_test(png_chunk_past_end),
        cmocka_unit_test(png_text_bomb),
        cmocka_unit_test(png_without_iend),
        cmocka_unit_test(png_bad_chunks),
        cmocka_unit_test(png_walk_skips_data),
        cmocka_unit_test(png_decompression_bombs),
        cmocka_unit_test(png_animation),
        cmocka_unit_test(png_header_copy),
        cmocka_unit_test(webp_sizes),
        cmocka_unit_test(webp_chunks),
        cmocka_unit_test(webp_animation),
        cmocka_unit_test(read_errors_and_unknown_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
