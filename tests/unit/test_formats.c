/* Unit tests for the media-format table (probe/formats.c) and the sniffer
 * that reads it (probe/sniff.c): the rows are consistent, every row is
 * recognised from a sample of its content, the table order settles the
 * signatures that overlap, and the name lookups give what the checks use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe/formats.h"
#include "probe/probe_int.h"

static size_t list_len(const char *const *list)
{
    size_t n = 0;
    while (list && list[n])
        n++;
    return n;
}

static bool list_has(const char *const *list, const char *word)
{
    for (size_t i = 0; i < list_len(list); i++)
        if (strcmp(list[i], word) == 0)
            return true;
    return false;
}

static void rows_are_indexed_and_complete(void **state)
{
    (void)state;
    for (int i = 0; i < PM3K__MEDIA__COUNT; i++) {
        const pm3k__format *f = pm3k__format_get((pm3k__media)i);
        assert_int_equal(f->media, i);
        assert_non_null(f->name);
        assert_non_null(f->label);
        bool content = i != PM3K__MEDIA_UNKNOWN && i != PM3K__MEDIA_EMPTY;
        if (!content) {
            assert_int_equal(f->kind, PM3K__FORMAT_NONE);
            assert_int_equal(f->signatures[0].test, PM3K__TEST_NONE);
            assert_null(f->extensions);
            continue;
        }
        if (f->signatures[0].test == PM3K__TEST_NONE)
            fail_msg("row %s has no signature", f->name);
        /* signatures are contiguous: the sniffer stops at none */
        for (size_t s = 1; s < PM3K__MAX_SIGNATURES; s++)
            if (f->signatures[s - 1].test == PM3K__TEST_NONE)
                assert_int_equal(f->signatures[s].test, PM3K__TEST_NONE);
        assert_true(list_len(f->extensions) <= PM3K__MAX_EXTENSIONS);
        for (size_t e = 0; e < list_len(f->extensions); e++)
            for (const char *c = f->extensions[e]; *c; c++)
                assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'));
        const char *major = f->kind == PM3K__FORMAT_VIDEO ? "video/" : "image/";
        for (size_t m = 0; m < list_len(f->mime_types); m++)
            assert_memory_equal(f->mime_types[m], major, 6);
        if (f->kind == PM3K__FORMAT_VIDEO) {
            if (!f->demuxer)
                fail_msg("video row %s names no demuxer", f->name);
            assert_int_equal(f->loader, PM3K__LOADER_NONE);
            assert_int_not_equal(f->accept, PM3K__ACCEPT_EXTERNAL);
        } else {
            assert_int_equal(f->kind, PM3K__FORMAT_IMAGE);
            assert_null(f->demuxer);
            /* an accepted image is read; a refused one is not */
            if ((f->accept == PM3K__ACCEPT_NO) != (f->loader == PM3K__LOADER_NONE))
                fail_msg("image row %s: accepted and loader disagree", f->name);
        }
    }
    /* an id out of range is the unknown row */
    assert_int_equal(pm3k__format_get(PM3K__MEDIA__COUNT)->media, PM3K__MEDIA_UNKNOWN);
}

static void names_and_mime_types_are_unique(void **state)
{
    (void)state;
    for (int i = 0; i < PM3K__MEDIA__COUNT; i++)
        for (int j = i + 1; j < PM3K__MEDIA__COUNT; j++) {
            const pm3k__format *a = pm3k__format_get((pm3k__media)i);
            const pm3k__format *b = pm3k__format_get((pm3k__media)j);
            assert_string_not_equal(a->name, b->name);
            for (size_t m = 0; m < list_len(a->mime_types); m++)
                if (list_has(b->mime_types, a->mime_types[m]))
                    fail_msg("%s is the MIME type of %s and %s", a->mime_types[m], a->name,
                             b->name);
        }
}

/* ---- samples of every format ---- */

typedef struct sample {
    uint8_t bytes[600];
    size_t len;
} sample;

static void put(sample *s, size_t at, const void *bytes, size_t len)
{
    assert_true(at + len <= sizeof s->bytes);
    memcpy(s->bytes + at, bytes, len);
    if (at + len > s->len)
        s->len = at + len;
}

/* An ftyp box of size 24: major brand, minor version 0, two compatible
 * brands. */
static sample ftyp(const char *major, const char *compat1, const char *compat2)
{
    sample s = {{0}, 0};
    put(&s, 0,
        "\0\0\0\x18"
        "ftyp",
        8);
    put(&s, 8, major, 4);
    put(&s, 12, "\0\0\0\0", 4);
    put(&s, 16, compat1, 4);
    put(&s, 20, compat2, 4);
    return s;
}

/* An EBML header whose DocType is doctype, padded to 64 bytes. */
static sample ebml(const char *doctype)
{
    static const uint8_t head[] = {0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0xF7,
                                   0x81, 0x01, 0x42, 0xF2, 0x81, 0x04, 0x42, 0xF3, 0x81, 0x08};
    sample s = {{0}, 0};
    uint8_t id[3] = {0x42, 0x82, (uint8_t)(0x80 | strlen(doctype))};
    put(&s, 0, head, sizeof head);
    put(&s, sizeof head, id, sizeof id);
    put(&s, sizeof head + 3, doctype, strlen(doctype));
    s.len = 64;
    return s;
}

static sample bytes_at0(const void *bytes, size_t len, size_t total)
{
    sample s = {{0}, 0};
    put(&s, 0, bytes, len);
    if (total > s.len)
        s.len = total;
    return s;
}

/* A sample of the content of media; false for rows without content. */
static bool sample_of(pm3k__media media, sample *s)
{
    static const uint8_t bmp[18] = {'B', 'M', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0};
    switch (media) {
    case PM3K__MEDIA_UNKNOWN:
    case PM3K__MEDIA_EMPTY:
    case PM3K__MEDIA__COUNT:
        return false;
    case PM3K__MEDIA_AVIF:
        *s = ftyp("avif", "mif1", "miaf");
        return true;
    case PM3K__MEDIA_HEIC:
        *s = ftyp("heic", "mif1", "heic");
        return true;
    case PM3K__MEDIA_MOV:
        *s = ftyp("qt  ", "qt  ", "\0\0\0\0");
        return true;
    case PM3K__MEDIA_MP4:
        *s = ftyp("isom", "isom", "avc1");
        return true;
    case PM3K__MEDIA_WEBM:
        *s = ebml("webm");
        return true;
    case PM3K__MEDIA_MATROSKA:
        *s = ebml("matroska");
        return true;
    case PM3K__MEDIA_AVI:
        *s = bytes_at0("RIFF\0\0\0\0AVI LIST", 16, 0);
        return true;
    case PM3K__MEDIA_WEBP:
        *s = bytes_at0("RIFF\0\0\0\0WEBPVP8 ", 16, 0);
        return true;
    case PM3K__MEDIA_JPEG:
        *s = bytes_at0("\xFF\xD8\xFF\xE0", 4, 0);
        return true;
    case PM3K__MEDIA_PNG:
        *s = bytes_at0("\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR", 16, 0);
        return true;
    case PM3K__MEDIA_GIF:
        *s = bytes_at0("GIF89a", 6, 0);
        return true;
    case PM3K__MEDIA_TIFF:
        *s = bytes_at0("MM\0*", 4, 0);
        return true;
    case PM3K__MEDIA_BMP:
        *s = bytes_at0(bmp, sizeof bmp, 0);
        return true;
    case PM3K__MEDIA_FLV:
        *s = bytes_at0("FLV\x01\x05", 5, 0);
        return true;
    case PM3K__MEDIA_OGG:
        *s = bytes_at0("OggS\0\x02", 6, 0);
        return true;
    case PM3K__MEDIA_MPEGPS:
        *s = bytes_at0("\0\0\x01\xBA\x44", 5, 0);
        return true;
    case PM3K__MEDIA_ASF:
        *s = bytes_at0("\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9", 10, 0);
        return true;
    case PM3K__MEDIA_CAMERA_RAW:
        *s = ftyp("crx ", "crx ", "isom");
        return true;
    case PM3K__MEDIA_ICO: {
        static const uint8_t ico[22] = {0, 0,  1, 0,    1, 0, 16, 16, 0, 0, 1,
                                        0, 32, 0, 0x68, 4, 0, 0,  22, 0, 0, 0};
        *s = bytes_at0(ico, sizeof ico, 0);
        return true;
    }
    case PM3K__MEDIA_PSD:
        *s = bytes_at0("8BPS\0\1\0\0", 8, 0);
        return true;
    case PM3K__MEDIA_QOI:
        *s = bytes_at0("qoif\0\0\0\x40", 8, 0);
        return true;
    case PM3K__MEDIA_JPEG2000:
        *s = bytes_at0("\0\0\0\x0CjP  \r\n\x87\n\0\0\0\x14"
                       "ftypjp2 ",
                       20, 0);
        return true;
    case PM3K__MEDIA_JPEGXL:
        *s = bytes_at0("\0\0\0\x0CJXL \r\n\x87\n", 12, 0);
        return true;
    case PM3K__MEDIA_EXR:
        *s = bytes_at0("\x76\x2F\x31\x01\x02\0\0\0", 8, 0);
        return true;
    case PM3K__MEDIA_HDR:
        *s = bytes_at0("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n", 34, 0);
        return true;
    case PM3K__MEDIA_DDS:
        *s = bytes_at0("DDS \x7C\0\0\0\x07\x10\0\0", 12, 0);
        return true;
    case PM3K__MEDIA_ICNS:
        *s = bytes_at0("icns\0\0\x10\0", 8, 0);
        return true;
    case PM3K__MEDIA_SGI:
        *s = bytes_at0("\x01\xDA\x00\x01\x00\x03\x00\x40\x00\x40\x00\x03", 12, 0);
        return true;
    case PM3K__MEDIA_PNM:
        *s = bytes_at0("P6\n# a comment\n64 48\n255\n", 25, 0);
        return true;
    case PM3K__MEDIA_SVG:
        *s = bytes_at0("<?xml version=\"1.0\"?>\n<!-- made by hand -->\n"
                       "<svg xmlns=\"http://www.w3.org/2000/svg\">",
                       84, 0);
        return true;
    case PM3K__MEDIA_TGA: {
        static const uint8_t tga[18] = {0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 48, 0, 24, 0x20};
        *s = bytes_at0(tga, sizeof tga, 0);
        return true;
    }
    case PM3K__MEDIA_MPEGTS:
        *s = bytes_at0("\x47\x40\x00\x10", 4, 3 * 188);
        s->bytes[188] = 0x47;
        s->bytes[376] = 0x47;
        return true;
    }
    return false;
}

static pm3k__media sniff(const sample *s)
{
    pm3k__sniff out;
    pm3k__sniff_buffer(s->bytes, s->len, &out);
    assert_ptr_equal(out.format, pm3k__format_get(out.media));
    return out.media;
}

/* A row added without a sample here fails: every signature is tried. */
static void every_row_is_sniffed_from_a_sample(void **state)
{
    (void)state;
    for (int i = PM3K__MEDIA_EMPTY + 1; i < PM3K__MEDIA__COUNT; i++) {
        sample s;
        if (!sample_of((pm3k__media)i, &s))
            fail_msg("no sample of %s", pm3k__format_get((pm3k__media)i)->name);
        if (sniff(&s) != (pm3k__media)i)
            fail_msg("a sample of %s is sniffed as %s", pm3k__format_get((pm3k__media)i)->name,
                     pm3k__format_get(sniff(&s))->name);
        /* its first three bytes alone are the same row or unknown, never
         * another row */
        pm3k__media shorter;
        s.len = 3;
        shorter = sniff(&s);
        assert_true(shorter == (pm3k__media)i || shorter == PM3K__MEDIA_UNKNOWN);
    }
}

static void other_signatures_of_a_row(void **state)
{
    (void)state;
    static const uint8_t mov[16] = {0, 0, 0, 8, 'w', 'i', 'd', 'e', 0, 0, 0, 8, 'm', 'd', 'a', 't'};
    sample s = bytes_at0(mov, sizeof mov, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_MOV);
    s.bytes[3] = 4; /* a box smaller than its header */
    assert_int_equal(sniff(&s), PM3K__MEDIA_UNKNOWN);
    s = bytes_at0("GIF87a", 6, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_GIF);
    s = bytes_at0("GIF88a", 6, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_UNKNOWN);
    s = bytes_at0("II*\0", 4, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_TIFF);
    /* an AV1 image under a HEIF brand says so among the compatible brands */
    s = ftyp("mif1", "miaf", "avif");
    assert_int_equal(sniff(&s), PM3K__MEDIA_AVIF);
    s = ftyp("mif1", "miaf", "heic");
    assert_int_equal(sniff(&s), PM3K__MEDIA_HEIC);
    /* an avif compatible brand under an MP4 brand is still MP4 */
    s = ftyp("isom", "avif", "mp41");
    assert_int_equal(sniff(&s), PM3K__MEDIA_MP4);
    /* EBML without a DocType, or another one, is Matroska */
    s = ebml("webmx");
    assert_int_equal(sniff(&s), PM3K__MEDIA_MATROSKA);
    static const uint8_t bare_ebml[4] = {0x1A, 0x45, 0xDF, 0xA3};
    s = bytes_at0(bare_ebml, sizeof bare_ebml, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_MATROSKA);
    /* a BMP header size no version uses */
    static const uint8_t bmp[18] = {'B', 'M', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 41, 0, 0, 0};
    s = bytes_at0(bmp, sizeof bmp, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_UNKNOWN);
    /* MPEG-TS needs three whole packets */
    sample ts;
    assert_true(sample_of(PM3K__MEDIA_MPEGTS, &ts));
    ts.len = 3 * 188 - 1;
    assert_int_equal(sniff(&ts), PM3K__MEDIA_UNKNOWN);
    /* M2TS (BDAV, camcorder .mts): 192-byte packets behind a 4-byte
     * timestamp; and 204-byte packets */
    s = bytes_at0("\0\0\0\0\x47\x40\x00\x10", 8, 3 * 192);
    s.bytes[196] = 0x47;
    s.bytes[388] = 0x47;
    assert_int_equal(sniff(&s), PM3K__MEDIA_MPEGTS);
    s.bytes[388] = 0;
    assert_int_equal(sniff(&s), PM3K__MEDIA_UNKNOWN);
    s = bytes_at0("\x47\x40\x00\x10", 4, 3 * 204);
    s.bytes[204] = 0x47;
    s.bytes[408] = 0x47;
    assert_int_equal(sniff(&s), PM3K__MEDIA_MPEGTS);
}

/* An EBML header with EBMLVersion, EBMLReadVersion and a DocType whose
 * size is written as doc_size; the header's own size in one byte, or in
 * eight when long_header, or as header_size when that is not 0. */
static sample ebml_sized(const uint8_t *doc_size, size_t doc_len, const char *doctype,
                         bool long_header, uint8_t header_size)
{
    static const uint8_t version[] = {0x42, 0x86, 0x81, 0x01, 0x42, 0xF7, 0x81, 0x01};
    size_t body = sizeof version + 2 + doc_len + strlen(doctype);
    uint8_t header[8] = {0x01, 0, 0, 0, 0, 0, 0, (uint8_t)body};
    sample s = {{0}, 0};
    size_t at = 0;
    put(&s, at, "\x1A\x45\xDF\xA3", 4);
    at += 4;
    if (header_size || !long_header) {
        header[0] = header_size ? header_size : (uint8_t)(0x80 | body);
        put(&s, at++, header, 1);
    } else {
        put(&s, at, header, sizeof header);
        at += sizeof header;
    }
    put(&s, at, version, sizeof version);
    at += sizeof version;
    put(&s, at, "\x42\x82", 2);
    at += 2;
    put(&s, at, doc_size, doc_len);
    at += doc_len;
    put(&s, at, doctype, strlen(doctype));
    return s;
}

/* EBML sizes are variable-length integers of 1 to 8 bytes: a DocType size
 * written long (as JavaScript muxers do) is the same DocType. */
static void ebml_sizes_of_any_length(void **state)
{
    (void)state;
    static const uint8_t one[] = {0x84}, two[] = {0x40, 0x04},
                         eight[] = {0x01, 0, 0, 0, 0, 0, 0, 0x04};
    sample s = ebml_sized(one, sizeof one, "webm", false, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_WEBM);
    s = ebml_sized(two, sizeof two, "webm", false, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_WEBM);
    s = ebml_sized(eight, sizeof eight, "webm", false, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_WEBM);
    s = ebml_sized(eight, sizeof eight, "webm", true, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_WEBM);
    /* a DocType padded with NUL bytes */
    static const uint8_t six[] = {0x86};
    s = ebml_sized(six, sizeof six, "webm", false, 0x80 | 18);
    s.len += 2;
    assert_int_equal(sniff(&s), PM3K__MEDIA_WEBM);
    /* another DocType, long or short, is Matroska */
    static const uint8_t eight_8[] = {0x01, 0, 0, 0, 0, 0, 0, 0x08};
    s = ebml_sized(eight_8, sizeof eight_8, "matroska", true, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_MATROSKA);
    s = ebml_sized(two, sizeof two, "webz", false, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_MATROSKA);
    /* a DocType size past the header is no DocType */
    static const uint8_t huge[] = {0x01, 0, 0, 0, 0, 0, 0x10, 0x04};
    s = ebml_sized(huge, sizeof huge, "webm", false, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_MATROSKA);
    /* the DocType outside the header's size is not the header's */
    s = ebml_sized(one, sizeof one, "webm", false, 0x88);
    assert_int_equal(sniff(&s), PM3K__MEDIA_MATROSKA);
    /* a zero byte where a size starts is no size */
    static const uint8_t zero[] = {0x00};
    s = ebml_sized(zero, sizeof zero, "webm", false, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_MATROSKA);
    /* the header cut inside a size */
    s = ebml_sized(eight, sizeof eight, "webm", true, 0);
    s.len = 8;
    assert_int_equal(sniff(&s), PM3K__MEDIA_MATROSKA);
}

/* Where two signatures fit the same bytes, the table order decides. */
static void table_order_settles_overlaps(void **state)
{
    (void)state;
    /* an ftyp box behind a JPEG's first bytes: ISO BMFF comes first */
    sample s = ftyp("isom", "isom", "mp41");
    s.bytes[0] = 0xFF;
    s.bytes[1] = 0xD8;
    s.bytes[2] = 0xFF;
    assert_int_equal(sniff(&s), PM3K__MEDIA_MP4);
    /* a bare QuickTime box behind the same bytes */
    s = bytes_at0("\xFF\xD8\xFF\xE0moov", 8, 0);
    assert_int_equal(sniff(&s), PM3K__MEDIA_MOV);
    /* a GIF with sync bytes where MPEG-TS has them: MPEG-TS comes last */
    s = bytes_at0("GIF89a", 6, 3 * 188);
    s.bytes[188] = 0x47;
    s.bytes[376] = 0x47;
    assert_int_equal(sniff(&s), PM3K__MEDIA_GIF);
    /* a box of size 8 is no ftyp */
    s = ftyp("isom", "isom", "mp41");
    s.bytes[3] = 8;
    assert_int_equal(sniff(&s), PM3K__MEDIA_UNKNOWN);
}

static void sniff_keeps_the_brand(void **state)
{
    (void)state;
    pm3k__sniff out;
    sample s = ftyp("qt  ", "qt  ", "\0\0\0\0");
    pm3k__sniff_buffer(s.bytes, s.len, &out);
    assert_string_equal(out.brand, "qt  ");
    s = ftyp("is\x01m", "isom", "mp41");
    pm3k__sniff_buffer(s.bytes, s.len, &out);
    assert_int_equal(out.media, PM3K__MEDIA_MP4);
    assert_string_equal(out.brand, "is?m");
    s = bytes_at0("\xFF\xD8\xFF\xE0", 4, 0);
    pm3k__sniff_buffer(s.bytes, s.len, &out);
    assert_string_equal(out.brand, "");
    pm3k__sniff_buffer(NULL, 0, &out);
    assert_int_equal(out.media, PM3K__MEDIA_EMPTY);
    assert_string_equal(out.format->name, "empty");
    pm3k__sniff_buffer((const uint8_t *)"hello, world", 12, &out);
    assert_int_equal(out.media, PM3K__MEDIA_UNKNOWN);
    assert_string_equal(out.format->name, "unknown");
}

/* ---- names ---- */

static void extensions_fit_their_rows(void **state)
{
    (void)state;
    bool known;
    /* ISO BMFF names are interchangeable */
    assert_true(pm3k__extension_fits("mp4", PM3K__MEDIA_MOV, &known) && known);
    assert_true(pm3k__extension_fits("mov", PM3K__MEDIA_MP4, &known) && known);
    assert_true(pm3k__extension_fits("mkv", PM3K__MEDIA_WEBM, &known) && known);
    assert_false(pm3k__extension_fits("webm", PM3K__MEDIA_MATROSKA, &known));
    assert_true(known);
    assert_false(pm3k__extension_fits("jpg", PM3K__MEDIA_PNG, &known));
    assert_false(pm3k__extension_fits("mp4", PM3K__MEDIA_UNKNOWN, &known));
    assert_true(known);
    /* a name no row lists fits anything */
    assert_true(pm3k__extension_fits("xyz", PM3K__MEDIA_JPEG, &known));
    assert_false(known);
    assert_true(pm3k__extension_fits("", PM3K__MEDIA_MP4, &known));
    assert_false(known);

    assert_true(pm3k__extension_is_image("heif"));
    assert_true(pm3k__extension_is_image("tif"));
    assert_false(pm3k__extension_is_image("mp4"));
    assert_false(pm3k__extension_is_image(""));

    char ext[16];
    assert_string_equal(pm3k__path_extension("dir/Clip.MP4", ext, sizeof ext), "mp4");
    assert_string_equal(pm3k__path_extension("dir.d/clip", ext, sizeof ext), "");
    assert_string_equal(pm3k__path_extension(".hidden", ext, sizeof ext), "");
    assert_string_equal(pm3k__path_extension("a.waytoolongextension", ext, sizeof ext), "");
}

static void mime_types_name_rows(void **state)
{
    (void)state;
    assert_int_equal(pm3k__format_by_mime_type("video/mp4")->media, PM3K__MEDIA_MP4);
    assert_int_equal(pm3k__format_by_mime_type("video/x-m4v")->media, PM3K__MEDIA_MP4);
    assert_int_equal(pm3k__format_by_mime_type("video/quicktime")->media, PM3K__MEDIA_MOV);
    assert_int_equal(pm3k__format_by_mime_type("image/pjpeg")->media, PM3K__MEDIA_JPEG);
    assert_int_equal(pm3k__format_by_mime_type("image/heif")->media, PM3K__MEDIA_HEIC);
    assert_null(pm3k__format_by_mime_type("video/x-foo"));
    assert_null(pm3k__format_by_mime_type(""));
}

/* The walk takes what `pm3k probe --help` and the README list, each once. */
static void walk_default_is_every_extension(void **state)
{
    (void)state;
    static const char *const documented[] = {
        "mp4", "m4v", "mov", "3gp", "3g2", "webm", "mkv", "avi", "ts", "mts", "m2ts", "flv",
        "wmv", "mpg", "mpeg", "ogv", "jpg", "jpeg", "jpe", "jfif", "png", "webp", "gif", "tif",
        "tiff", "bmp", "heic", "heif", "avif", "cr3", "raf", "orf", "ico", "cur", "psd", "psb",
        "qoi", "jp2", "j2k", "jpf", "jpx", "j2c", "jpc", "jpm", "jxl", "exr", "dds", "icns",
        "sgi", "pnm", "pbm", "pgm", "ppm", "pam", "svg", "tga", NULL};
    const char *const *all = pm3k_walk_default_extensions();
    assert_ptr_equal(all, pm3k__format_extensions());
    assert_int_equal(list_len(all), list_len(documented));
    for (size_t i = 0; documented[i]; i++)
        if (!list_has(all, documented[i]))
            fail_msg("the walk does not take .%s", documented[i]);
    for (int i = 0; i < PM3K__MEDIA__COUNT; i++) {
        const pm3k__format *f = pm3k__format_get((pm3k__media)i);
        for (size_t e = 0; e < list_len(f->extensions); e++)
            assert_true(list_has(all, f->extensions[e]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_are_indexed_and_complete),
        cmocka_unit_test(names_and_mime_types_are_unique),
        cmocka_unit_test(every_row_is_sniffed_from_a_sample),
        cmocka_unit_test(other_signatures_of_a_row),
        cmocka_unit_test(ebml_sizes_of_any_length),
        cmocka_unit_test(table_order_settles_overlaps),
        cmocka_unit_test(sniff_keeps_the_brand),
        cmocka_unit_test(extensions_fit_their_rows),
        cmocka_unit_test(mime_types_name_rows),
        cmocka_unit_test(walk_default_is_every_extension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
