/* pm3k — structure walks for JPEG, PNG and WebP without decoding pixels.
 *
 * A half-copied photo keeps an intact header, so a header-only load with
 * libvips says nothing is wrong; PM3K's conversion then fails with
 * image_convert_failed. A hostile one declares more than it holds, or
 * tables no decoder has, and a header load would allocate for it or pass
 * it. These walks look at the structure instead, before libvips does.
 * Every read goes through pm3k__source_read into one bounded window, every
 * index is checked against the data actually read, and every walk either
 * moves forward or stops at a fixed bound (tests/fuzz/fuzz_imgend.c). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

#include "probe/imgend.h"

/* The window: big enough to scan entropy-coded JPEG data quickly. */
#define WINDOW_BYTES 32768
/* A JPEG's tail is looked at first; zero padding inside it is skipped. */
#define JPEG_TAIL_BYTES 4096
/* PNG chunk headers are 8 bytes: from a local file a small refill keeps
 * the walk from copying the data of the IDAT chunks it skips. A remote
 * source pays per request, not per byte, so it gets the whole window. */
#define PNG_REFILL_LOCAL_BYTES 64

typedef struct reader {
    pm3k__source *src;
    int64_t size;  /* the source's size */
    uint8_t *buf;  /* the window */
    size_t cap;    /* room in buf */
    size_t refill; /* bytes read per refill (at least what is asked) */
    int64_t off;   /* file offset of buf[0] */
    size_t len;    /* valid bytes in buf */
    bool failed;   /* a read failed: the result is READ_ERROR */
} reader;

/* n bytes (1 <= n <= cap) at off, or NULL when they are not all in the file
 * (or a read failed). *avail, when given, gets the bytes readable from off
 * in the window (>= n). */
static const uint8_t *reader_at(reader *r, int64_t off, size_t n, size_t *avail)
{
    if (off < 0 || n == 0 || n > r->cap || off > r->size || (int64_t)n > r->size - off)
        return NULL;
    if (off < r->off || off - r->off > (int64_t)r->len ||
        (int64_t)n > (int64_t)r->len - (off - r->off)) {
        size_t want = r->refill < n ? n : r->refill;
        if (want > r->cap)
            want = r->cap;
        if ((int64_t)want > r->size - off)
            want = (size_t)(r->size - off);
        int64_t got = pm3k__source_read(r->src, off, r->buf, want);
        r->off = off;
        r->len = 0;
        if (got < 0) {
            r->failed = true;
            return NULL;
        }
        r->len = (size_t)got;
        /* A short read means the file is shorter than its size said. */
        if (r->len < n)
            return NULL;
    }
    size_t start = (size_t)(off - r->off);
    if (avail)
        *avail = r->len - start;
    return r->buf + start;
}

static int byte_at(reader *r, int64_t off)
{
    const uint8_t *p = reader_at(r, off, 1, NULL);
    return p ? *p : -1;
}

static long be16_at(reader *r, int64_t off)
{
    const uint8_t *p = reader_at(r, off, 2, NULL);
    return p ? (long)p[0] << 8 | p[1] : -1;
}

/* Offset of the next `value` byte in [pos, end), or -1. */
static int64_t find_byte(reader *r, int64_t pos, int64_t end, uint8_t value)
{
    if (end > r->size)
        end = r->size;
    while (pos < end) {
        size_t avail;
        const uint8_t *p = reader_at(r, pos, 1, &avail);
        if (!p)
            return -1;
        if ((int64_t)avail > end - pos)
            avail = (size_t)(end - pos);
        const uint8_t *hit = memchr(p, value, avail);
        if (hit)
            return pos + (hit - p);
        pos += (int64_t)avail;
    }
    return -1;
}

static pm3k__imgend verdict(reader *r, pm3k__imgend rc, char *reason, size_t reason_len,
                            const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static pm3k__imgend verdict(reader *r, pm3k__imgend rc, char *reason, size_t reason_len,
                            const char *fmt, va_list ap)
{
    if (r->failed)
        return PM3K__IMGEND_READ_ERROR;
    if (reason && reason_len > 0)
        vsnprintf(reason, reason_len, fmt, ap);
    return rc;
}

static pm3k__imgend cut(reader *r, char *reason, size_t reason_len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static pm3k__imgend invalid(reader *r, char *reason, size_t reason_len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static pm3k__imgend cut(reader *r, char *reason, size_t reason_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pm3k__imgend rc = verdict(r, PM3K__IMGEND_CUT, reason, reason_len, fmt, ap);
    va_end(ap);
    return rc;
}

static pm3k__imgend invalid(reader *r, char *reason, size_t reason_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pm3k__imgend rc = verdict(r, PM3K__IMGEND_INVALID, reason, reason_len, fmt, ap);
    va_end(ap);
    return rc;
}

static void keep_span(pm3k__imgend_info *info, int64_t offset, int64_t length)
{
    if (info->span_count < PM3K__IMGEND_MAX_SPANS)
        info->spans[info->span_count++] = (pm3k__imgend_span){offset, length};
}

static int64_t spans_total(const pm3k__imgend_info *info)
{
    int64_t total = 0;
    for (size_t i = 0; i < info->span_count; i++)
        total += info->spans[i].length;
    return total;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* ---- JPEG ----
 *
 * What libjpeg(-turbo) checks, and when: the frame header and the first
 * scan's header while reading the header, the tables a scan uses only when
 * it decodes that scan (a header load passes a JPEG whose quantization
 * tables are never defined; every decoder then refuses it). The checks
 * below are libjpeg's, made before any decoder runs. */

#define JPEG_MAX_COMPONENTS 10 /* libjpeg's MAX_COMPONENTS */
#define JPEG_MAX_BLOCKS_IN_MCU 10

typedef struct jpeg_component {
    uint8_t id, h, v, tq;
    bool latched; /* its quantization table was taken by a scan */
} jpeg_component;

typedef struct jpeg_state {
    int sof; /* the frame header's marker, 0 before it */
    int count;
    jpeg_component comp[JPEG_MAX_COMPONENTS];
    unsigned dqt;            /* bit n: quantization table n defined */
    unsigned dc, ac;         /* bit n: Huffman table n defined */
    unsigned dc_bad, ac_bad; /* bit n: Huffman table n is malformed */
    int scan_components;     /* of the first scan */
} jpeg_state;

static bool is_standalone_marker(int marker)
{
    /* TEM, SOI and RSTn carry no length. */
    return marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7);
}

/* SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC). */
static bool is_sof(int marker)
{
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

static bool sof_progressive(int sof)
{
    return sof == 0xC2 || sof == 0xC6 || sof == 0xCA || sof == 0xCE;
}

static bool sof_lossless(int sof)
{
    return sof == 0xC3 || sof == 0xC7 || sof == 0xCB || sof == 0xCF;
}

static bool sof_huffman(int sof)
{
    return sof < 0xC8;
}

static bool precision_fits(int sof, int precision)
{
    if (sof == 0xC0)
        return precision == 8;
    if (sof_lossless(sof))
        return precision >= 2 && precision <= 16;
    return precision == 8 || precision == 12;
}

/* The frame header: SOFn, length, P, Y, X, Nf, then Nf x (C, HV, Tq). */
static pm3k__imgend jpeg_read_sof(reader *r, jpeg_state *st, int64_t ff, long length, char *reason,
                                  size_t reason_len)
{
    int marker = byte_at(r, ff + 1);
    if (st->sof)
        return invalid(r, reason, reason_len, "a second frame header (SOF) at byte %" PRId64, ff);
    const uint8_t *p = length >= 8 ? reader_at(r, ff + 4, (size_t)length - 2, NULL) : NULL;
    if (!p)
        return invalid(r, reason, reason_len, "invalid frame header at byte %" PRId64, ff);
    int precision = p[0], height = p[1] << 8 | p[2], width = p[3] << 8 | p[4], count = p[5];
    if (count < 1 || count > JPEG_MAX_COMPONENTS)
        return invalid(r, reason, reason_len,
                       "the frame header at byte %" PRId64 " has %d components (1..%d)", ff, count,
                       JPEG_MAX_COMPONENTS);
    if (length != 8 + 3 * count)
        return invalid(r, reason, reason_len, "invalid frame header at byte %" PRId64, ff);
    if (!precision_fits(marker, precision))
        return invalid(r, reason, reason_len,
                       "the frame header (SOF%d) says %d-bit samples, which it cannot have",
                       marker - 0xC0, precision);
    if (width == 0 || height == 0)
        return invalid(r, reason, reason_len, "the frame header says the image is %dx%d", width,
                       height);
    int max_h = 1, max_v = 1;
    for (int i = 0; i < count; i++) {
        jpeg_component *c = &st->comp[i];
        *c = (jpeg_component){p[6 + 3 * i], (uint8_t)(p[7 + 3 * i] >> 4), p[7 + 3 * i] & 0x0F,
                              p[8 + 3 * i], false};
        if (c->h < 1 || c->h > 4 || c->v < 1 || c->v > 4 || (!sof_lossless(marker) && c->tq > 3))
            return invalid(r, reason, reason_len,
                           "component %d of the frame header has sampling %dx%d and "
                           "quantization table %d (1..4, 1..4 and 0..3)",
                           c->id, c->h, c->v, c->tq);
        max_h = c->h > max_h ? c->h : max_h;
        max_v = c->v > max_v ? c->v : max_v;
    }
    /* libjpeg upsamples by whole factors only. */
    for (int i = 0; i < count; i++)
        if (max_h % st->comp[i].h || max_v % st->comp[i].v)
            return invalid(r, reason, reason_len,
                           "component %d's sampling %dx%d does not divide the frame's %dx%d",
                           st->comp[i].id, st->comp[i].h, st->comp[i].v, max_h, max_v);
    st->sof = marker;
    st->count = count;
    return PM3K__IMGEND_COMPLETE;
}

/* DQT: tables of (PqTq, 64 values of 1 or 2 bytes); libjpeg takes a short
 * last table, but not a table number over 3. */
static pm3k__imgend jpeg_read_dqt(reader *r, jpeg_state *st, int64_t ff, long length, char *reason,
                                  size_t reason_len)
{
    int64_t pos = ff + 4, end = ff + 2 + length;
    while (pos < end) {
        int pqtq = byte_at(r, pos);
        if (pqtq < 0)
            break;
        if ((pqtq & 0x0F) > 3)
            return invalid(r, reason, reason_len,
                           "quantization table %d at byte %" PRId64 " (0..3 exist)", pqtq & 0x0F,
                           pos);
        st->dqt |= 1u << (pqtq & 0x0F);
        pos += 1 + ((pqtq >> 4) ? 128 : 64);
    }
    return PM3K__IMGEND_COMPLETE;
}

/* Whether the code lengths fit, as jpeg_make_d_derived_tbl checks: no
 * length may hold more codes than are left, the all-ones code excluded. */
static bool huffman_lengths_fit(const uint8_t *counts)
{
    int64_t code = 0;
    for (int length = 1; length <= 16; length++) {
        code += counts[length - 1];
        if (code >= (int64_t)1 << length)
            return false;
        code <<= 1;
    }
    return true;
}

/* DHT: tables of (TcTh, 16 counts, the symbols). */
static pm3k__imgend jpeg_read_dht(reader *r, jpeg_state *st, int64_t ff, long length, char *reason,
                                  size_t reason_len)
{
    int64_t pos = ff + 4, end = ff + 2 + length;
    while (pos < end) {
        const uint8_t *p = end - pos >= 17 ? reader_at(r, pos, 17, NULL) : NULL;
        int total = 0;
        for (int i = 1; p && i <= 16; i++)
            total += p[i];
        if (!p || total > 256 || total > end - pos - 17 || (p[0] & ~0x13) != 0)
            return invalid(r, reason, reason_len, "invalid Huffman table (DHT) at byte %" PRId64,
                           pos);
        bool ac = p[0] & 0x10;
        unsigned bit = 1u << (p[0] & 0x03);
        bool bad = !huffman_lengths_fit(p + 1);
        /* A DC symbol is a bit count: 0..15. */
        const uint8_t *symbols = total > 0 ? reader_at(r, pos + 17, (size_t)total, NULL) : NULL;
        for (int i = 0; !ac && symbols && i < total; i++)
            bad = bad || symbols[i] > 15;
        *(ac ? &st->ac : &st->dc) |= bit;
        *(ac ? &st->ac_bad : &st->dc_bad) &= ~bit;
        *(ac ? &st->ac_bad : &st->dc_bad) |= bad ? bit : 0;
        pos += 17 + total;
    }
    return PM3K__IMGEND_COMPLETE;
}

/* A Huffman table a scan uses: defined and sound, or 0/1, for which
 * libjpeg-turbo has the standard tables (Motion JPEG frames carry none). */
static pm3k__imgend jpeg_huffman_used(reader *r, const jpeg_state *st, bool ac, int table, int id,
                                      char *reason, size_t reason_len)
{
    unsigned defined = ac ? st->ac : st->dc, bad = ac ? st->ac_bad : st->dc_bad;
    const char *kind = ac ? "AC" : "DC";
    if (table > 3 || (!(defined & (1u << table)) && table > 1))
        return invalid(r, reason, reason_len,
                       "a scan codes component %d with %s Huffman table %d, which no DHT "
                       "before it defines",
                       id, kind, table);
    if (bad & (1u << table))
        return invalid(r, reason, reason_len,
                       "%s Huffman table %d, which a scan uses, has impossible code lengths", kind,
                       table);
    return PM3K__IMGEND_COMPLETE;
}

static pm3k__imgend jpeg_scan_tables(reader *r, jpeg_state *st, int index, int tables, int ss,
                                     int ah, char *reason, size_t reason_len)
{
    jpeg_component *c = &st->comp[index];
    pm3k__imgend rc = PM3K__IMGEND_COMPLETE;
    if (sof_huffman(st->sof)) {
        bool progressive = sof_progressive(st->sof);
        /* A progressive scan codes either DC (first pass only) or AC. */
        if (!progressive || (ss == 0 && ah == 0))
            rc = jpeg_huffman_used(r, st, false, tables >> 4, c->id, reason, reason_len);
        if (rc == PM3K__IMGEND_COMPLETE && (!progressive || ss > 0) && !sof_lossless(st->sof))
            rc = jpeg_huffman_used(r, st, true, tables & 0x0F, c->id, reason, reason_len);
    }
    /* libjpeg takes a component's quantization table at its first scan. */
    if (rc == PM3K__IMGEND_COMPLETE && !c->latched && !sof_lossless(st->sof)) {
        if (!(st->dqt & (1u << c->tq)))
            return invalid(r, reason, reason_len,
                           "component %d uses quantization table %d, which no DQT before its "
                           "first scan defines",
                           c->id, c->tq);
        c->latched = true;
    }
    return rc;
}

static bool progression_fits(int components, int ss, int se, int ah, int al)
{
    bool fits = ss == 0 ? se == 0 : ss <= se && se <= 63 && components == 1;
    return fits && (ah == 0 || al == ah - 1) && al <= 13;
}

/* SOS: Ns, Ns x (Cs, TdTa), Ss, Se, AhAl. */
static pm3k__imgend jpeg_read_sos(reader *r, jpeg_state *st, int64_t ff, long length, char *reason,
                                  size_t reason_len)
{
    if (!st->sof)
        return invalid(r, reason, reason_len,
                       "a scan (SOS) at byte %" PRId64 " comes before any frame header", ff);
    const uint8_t *p = length >= 6 ? reader_at(r, ff + 4, (size_t)length - 2, NULL) : NULL;
    int count = p ? p[0] : 0;
    if (!p || count < 1 || count > 4 || length != 6 + 2 * count)
        return invalid(r, reason, reason_len, "invalid scan header (SOS) at byte %" PRId64, ff);
    int ss = p[1 + 2 * count], se = p[2 + 2 * count], ah = p[3 + 2 * count] >> 4,
        al = p[3 + 2 * count] & 0x0F;
    if (sof_progressive(st->sof) && !progression_fits(count, ss, se, ah, al))
        return invalid(r, reason, reason_len,
                       "the progressive scan at byte %" PRId64 " has invalid parameters", ff);
    unsigned seen = 0;
    int blocks = 0;
    for (int i = 0; i < count; i++) {
        int index = 0;
        while (index < st->count && st->comp[index].id != p[1 + 2 * i])
            index++;
        if (index == st->count || (seen & (1u << index)))
            return invalid(r, reason, reason_len,
                           "the scan at byte %" PRId64 " names component %d, which the frame "
                           "does not have (or names it twice)",
                           ff, p[1 + 2 * i]);
        seen |= 1u << index;
        blocks += st->comp[index].h * st->comp[index].v;
        pm3k__imgend rc = jpeg_scan_tables(r, st, index, p[2 + 2 * i], ss, ah, reason, reason_len);
        if (rc != PM3K__IMGEND_COMPLETE)
            return rc;
    }
    if (count > 1 && blocks > JPEG_MAX_BLOCKS_IN_MCU)
        return invalid(r, reason, reason_len,
                       "the scan at byte %" PRId64 " has %d blocks per MCU (at most %d)", ff,
                       blocks, JPEG_MAX_BLOCKS_IN_MCU);
    if (!st->scan_components)
        st->scan_components = count;
    return PM3K__IMGEND_COMPLETE;
}

/* A segment whose tables or headers matter: read and check it. */
static pm3k__imgend jpeg_segment(reader *r, jpeg_state *st, int marker, int64_t ff, long length,
                                 char *reason, size_t reason_len)
{
    if (is_sof(marker))
        return jpeg_read_sof(r, st, ff, length, reason, reason_len);
    if (marker == 0xDB)
        return jpeg_read_dqt(r, st, ff, length, reason, reason_len);
    if (marker == 0xC4)
        return jpeg_read_dht(r, st, ff, length, reason, reason_len);
    if (marker == 0xDA)
        return jpeg_read_sos(r, st, ff, length, reason, reason_len);
    return PM3K__IMGEND_COMPLETE;
}

/* For messages: "APP1", "COM", "DQT", "SOF0", "marker F7". */
static const char *marker_name(int marker, char *buf, size_t len)
{
    if (marker >= 0xE0 && marker <= 0xEF)
        snprintf(buf, len, "APP%d", marker - 0xE0);
    else if (is_sof(marker))
        snprintf(buf, len, "SOF%d", marker - 0xC0);
    else
        snprintf(buf, len, "%s",
                 marker == 0xFE   ? "COM"
                 : marker == 0xDB ? "DQT"
                 : marker == 0xC4 ? "DHT"
                 : marker == 0xDA ? "SOS"
                 : marker == 0xDD ? "DRI"
                                  : "marker");
    return buf;
}

/* The fast path: the file ends with EOI, maybe followed by zero padding. */
static bool jpeg_tail_has_eoi(reader *r)
{
    size_t n = r->size < JPEG_TAIL_BYTES ? (size_t)r->size : JPEG_TAIL_BYTES;
    const uint8_t *p = reader_at(r, r->size - (int64_t)n, n, NULL);
    if (!p)
        return false;
    while (n > 0 && p[n - 1] == 0x00)
        n--;
    return n >= 2 && p[n - 2] == 0xFF && p[n - 1] == 0xD9;
}

/* Walk the marker segments from SOI to the first SOS, checking each; *scan
 * gets the offset of the entropy-coded data that follows the SOS header,
 * where the header copy ends. Bytes between segments are skipped up to the
 * next 0xFF, as libjpeg does. */
static pm3k__imgend jpeg_header(reader *r, jpeg_state *st, pm3k__imgend_info *info, int64_t *scan,
                                char *reason, size_t reason_len)
{
    int64_t pos = 2;
    for (long markers = 0; markers < PM3K__IMGEND_MAX_JPEG_MARKERS; markers++) {
        int64_t ff = find_byte(r, pos, r->size, 0xFF);
        int marker = ff < 0 ? -1 : byte_at(r, ff + 1);
        while (marker == 0xFF) { /* fill bytes before a marker */
            ff++;
            marker = byte_at(r, ff + 1);
        }
        if (marker < 0)
            return cut(r, reason, reason_len,
                       "the file ends at byte %" PRId64 " before any scan data (no SOS marker)",
                       r->size);
        if (marker == 0xD9)
            return cut(r, reason, reason_len,
                       "the image ends (EOI at byte %" PRId64 ") before any scan data", ff);
        if (is_standalone_marker(marker) || marker == 0x00) {
            pos = ff + 2;
            continue;
        }
        long length = be16_at(r, ff + 2);
        if (length < 2)
            return cut(r, reason, reason_len,
                       length < 0 ? "the file ends inside the marker at byte %" PRId64
                                  : "invalid marker segment length at byte %" PRId64,
                       ff);
        if (ff + 2 + length > r->size) {
            char name[16];
            return cut(r, reason, reason_len,
                       "the %s segment at byte %" PRId64 " runs past the end of the file (it "
                       "needs %" PRId64 " bytes, the file has %" PRId64 ")",
                       marker_name(marker, name, sizeof name), ff, ff + 2 + length, r->size);
        }
        if (ff + 2 + length > PM3K__IMGEND_MAX_HEADER_BYTES)
            return invalid(r, reason, reason_len, "over %d MiB of metadata before the image data",
                           PM3K__IMGEND_MAX_HEADER_BYTES >> 20);
        if (marker == 0xDA) {
            /* The header is whole: a load may see it, whatever the scan
             * header below says. */
            *scan = ff + 2 + length;
            info->header_ok = true;
            keep_span(info, 0, *scan);
            info->copy_bytes = *scan + 2;
        }
        pm3k__imgend rc = jpeg_segment(r, st, marker, ff, length, reason, reason_len);
        if (rc != PM3K__IMGEND_COMPLETE || marker == 0xDA)
            return rc;
        pos = ff + 2 + length;
    }
    return invalid(r, reason, reason_len, "more than %d marker segments before the image data",
                   PM3K__IMGEND_MAX_JPEG_MARKERS);
}

/* Scan from the first scan's data to EOI. Inside entropy-coded data 0xFF is
 * always followed by 0x00 (stuffing) or a restart marker; any other marker
 * (DHT, SOS of a progressive file's next scan, ...) has a length, is
 * checked when it matters and skipped whole, so its payload cannot fake an
 * EOI. */
static pm3k__imgend jpeg_scan_to_eoi(reader *r, jpeg_state *st, int64_t pos, char *reason,
                                     size_t reason_len)
{
    long markers = 0;
    while (markers < PM3K__IMGEND_MAX_JPEG_MARKERS) {
        int64_t ff = find_byte(r, pos, r->size, 0xFF);
        int next = ff < 0 ? -1 : byte_at(r, ff + 1);
        if (next < 0)
            return cut(r, reason, reason_len,
                       "no end-of-image marker (EOI) after the scan data: the file is cut off "
                       "at byte %" PRId64,
                       r->size);
        if (next == 0xD9)
            return PM3K__IMGEND_COMPLETE;
        if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
            pos = ff + 2;
            continue;
        }
        if (next == 0xFF) {
            pos = ff + 1;
            continue;
        }
        markers++;
        long length = is_standalone_marker(next) ? 0 : be16_at(r, ff + 2);
        if (length < 0 || ff + 2 + length > r->size)
            return cut(r, reason, reason_len,
                       "the file is cut off inside the marker at byte %" PRId64, ff);
        /* A length below 2 is corrupt; step over the marker alone. */
        if (length >= 2) {
            pm3k__imgend rc = jpeg_segment(r, st, next, ff, length, reason, reason_len);
            if (rc != PM3K__IMGEND_COMPLETE)
                return rc;
        }
        pos = ff + 2 + (length >= 2 ? length : 0);
    }
    return PM3K__IMGEND_UNCHECKED;
}

static pm3k__imgend check_jpeg(reader *r, pm3k__imgend_info *info, char *reason, size_t reason_len)
{
    jpeg_state st = {0};
    int64_t scan = 0;
    pm3k__imgend rc = jpeg_header(r, &st, info, &scan, reason, reason_len);
    if (rc != PM3K__IMGEND_COMPLETE)
        return rc;
    /* A frame of several scans has segments after the first that matter
     * (the tables of its later scans): walk them all. */
    bool more_scans = sof_progressive(st.sof) || st.scan_components < st.count;
    if (!more_scans && jpeg_tail_has_eoi(r))
        return PM3K__IMGEND_COMPLETE;
    if (r->failed)
        return PM3K__IMGEND_READ_ERROR;
    return jpeg_scan_to_eoi(r, &st, scan, reason, reason_len);
}

/* ---- PNG ---- */

static bool is_chunk_type(const uint8_t *t)
{
    for (int i = 0; i < 4; i++)
        if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
            return false;
    return true;
}

/* Inflate [pos, end) into nothing, adding what comes out to *inflated and
 * stopping past the bound. A broken stream just ends: libpng skips such a
 * chunk with a warning. */
static void inflate_range(reader *r, int64_t pos, int64_t end, int64_t *inflated)
{
    uint8_t out[16384];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK)
        return;
    int ret = Z_OK;
    while (pos < end && ret == Z_OK && *inflated <= PM3K__IMGEND_MAX_INFLATE_BYTES) {
        size_t n = end - pos < (int64_t)r->cap ? (size_t)(end - pos) : r->cap;
        const uint8_t *p = reader_at(r, pos, n, NULL);
        if (!p)
            break;
        zs.next_in = p;
        zs.avail_in = (uInt)n;
        /* Each pass consumes input or fills out, or inflate stops. */
        do {
            zs.next_out = out;
            zs.avail_out = sizeof out;
            ret = inflate(&zs, Z_NO_FLUSH);
            *inflated += (int64_t)(sizeof out - zs.avail_out);
        } while (ret == Z_OK && (zs.avail_in > 0 || zs.avail_out == 0) &&
                 *inflated <= PM3K__IMGEND_MAX_INFLATE_BYTES);
        /* no progress without more input: the next piece brings it */
        if (ret == Z_BUF_ERROR)
            ret = Z_OK;
        pos += (int64_t)n;
    }
    inflateEnd(&zs);
}

/* Where the compressed data of a zTXt, iCCP or compressed iTXt chunk
 * (data at pos, length bytes) starts, or -1: after the keyword's NUL and
 * the method byte; an iTXt also has a flag, a language and a translated
 * keyword. */
static int64_t compressed_data_at(reader *r, const char *type, int64_t pos, int64_t length)
{
    int64_t end = pos + length;
    int64_t nul = find_byte(r, pos, end < pos + 80 ? end : pos + 80, 0x00);
    if (nul < 0)
        return -1;
    if (memcmp(type, "iTXt", 4) != 0)
        return nul + 2 <= end ? nul + 2 : -1;
    if (byte_at(r, nul + 1) != 1) /* not compressed */
        return -1;
    int64_t language = find_byte(r, nul + 3, end, 0x00);
    int64_t translated = language < 0 ? -1 : find_byte(r, language + 1, end, 0x00);
    return translated < 0 ? -1 : translated + 1;
}

/* An ancillary chunk before the first IDAT that a header load needs (IHDR,
 * PLTE, tRNS) or that the walk reads (acTL). */
static void png_header_chunk(reader *r, pm3k__imgend_info *info, const char *type, int64_t pos,
                             uint32_t length, bool *have_plte, bool *have_trns)
{
    if (memcmp(type, "PLTE", 4) == 0 && !*have_plte) {
        *have_plte = true;
        keep_span(info, pos, 12 + (int64_t)length);
    } else if (memcmp(type, "tRNS", 4) == 0 && !*have_trns) {
        *have_trns = true;
        keep_span(info, pos, 12 + (int64_t)length);
    } else if (memcmp(type, "acTL", 4) == 0 && length >= 8) {
        const uint8_t *p = reader_at(r, pos + 8, 4, NULL);
        info->frames = p ? be32(p) : 0;
    }
}

typedef struct png_walk {
    bool seen_idat, have_exif, have_plte, have_trns;
    int64_t inflated;
} png_walk;

/* One chunk whose header is sound and whose data lies in the file. */
static pm3k__imgend png_chunk(reader *r, pm3k__imgend_info *info, png_walk *w, const char *type,
                              int64_t pos, uint32_t length, char *reason, size_t reason_len)
{
    if (!w->seen_idat)
        png_header_chunk(r, info, type, pos, length, &w->have_plte, &w->have_trns);
    /* An eXIf after the image data is moved before it in the copy
     * (libvips reads only the chunks before IDAT); one over the bound is
     * left out, its orientation unread. */
    if (memcmp(type, "eXIf", 4) == 0 && !w->have_exif &&
        spans_total(info) + 12 + length <= PM3K__IMGEND_MAX_HEADER_BYTES) {
        w->have_exif = true;
        keep_span(info, pos, 12 + (int64_t)length);
    }
    if (memcmp(type, "zTXt", 4) == 0 || memcmp(type, "iTXt", 4) == 0 ||
        memcmp(type, "iCCP", 4) == 0) {
        int64_t data = compressed_data_at(r, type, pos + 8, length);
        if (data >= 0)
            inflate_range(r, data, pos + 8 + (int64_t)length, &w->inflated);
        if (w->inflated > PM3K__IMGEND_MAX_INFLATE_BYTES)
            return invalid(r, reason, reason_len,
                           "a decompression bomb: the compressed chunks up to '%s' at byte "
                           "%" PRId64 " inflate to over %d MiB",
                           type, pos, PM3K__IMGEND_MAX_INFLATE_BYTES >> 20);
    }
    if (memcmp(type, "IEND", 4) == 0 && !w->seen_idat)
        return invalid(r, reason, reason_len, "no image data: IEND comes before any IDAT chunk");
    return PM3K__IMGEND_COMPLETE;
}

static pm3k__imgend check_png(reader *r, pm3k__imgend_info *info, char *reason, size_t reason_len)
{
    int64_t pos = 8; /* after the signature */
    png_walk w = {0};
    r->refill = r->src->path ? PNG_REFILL_LOCAL_BYTES : r->cap;
    for (long chunks = 0; chunks < PM3K__IMGEND_MAX_PNG_CHUNKS; chunks++) {
        const uint8_t *p = reader_at(r, pos, 8, NULL);
        if (!p)
            return cut(r, reason, reason_len,
                       "no IEND chunk: the file ends at byte %" PRId64 " after %ld chunks", r->size,
                       chunks);
        uint32_t length = be32(p);
        char type[5];
        memcpy(type, p + 4, 4);
        type[4] = '\0';
        if (!is_chunk_type(p + 4))
            return invalid(r, reason, reason_len, "invalid chunk type at byte %" PRId64, pos);
        if (length > 0x7FFFFFFFu)
            return invalid(r, reason, reason_len,
                           "chunk '%s' at byte %" PRId64 " has an invalid length", type, pos);
        int64_t end = pos + 12 + (int64_t)length;
        /* A header load stops at the first IDAT's header: what comes after
         * (a cut in the image data) does not keep it from being measured. */
        if (memcmp(type, "IDAT", 4) == 0 && !w.seen_idat && chunks > 0) {
            w.seen_idat = true;
            info->header_ok = spans_total(info) <= PM3K__IMGEND_MAX_HEADER_BYTES;
        }
        if (end > r->size)
            return cut(r, reason, reason_len,
                       "chunk '%s' at byte %" PRId64 " runs past the end of the file "
                       "(it needs %" PRId64 " bytes, the file has %" PRId64 ")",
                       type, pos, end, r->size);
        if (chunks == 0 && (memcmp(type, "IHDR", 4) != 0 || length != 13))
            return invalid(r, reason, reason_len, "the first chunk is '%s', not a 13-byte IHDR",
                           type);
        if (chunks == 0)
            keep_span(info, pos, end - pos);
        pm3k__imgend rc = png_chunk(r, info, &w, type, pos, length, reason, reason_len);
        if (rc != PM3K__IMGEND_COMPLETE)
            return rc;
        if (memcmp(type, "IEND", 4) == 0)
            return PM3K__IMGEND_COMPLETE;
        pos = end;
    }
    return PM3K__IMGEND_UNCHECKED;
}

/* ---- WebP ---- */

#define WEBP_VP8X_ANIMATION 0x02

/* The chunks inside an ANMF frame (after its 16-byte header) must each lie
 * within it. */
static pm3k__imgend webp_frame(reader *r, int64_t pos, uint32_t size, char *reason,
                               size_t reason_len)
{
    int64_t at = pos + 8 + 16, end = pos + 8 + (int64_t)size + (size & 1);
    if (size < 16)
        return invalid(r, reason, reason_len, "the ANMF chunk at byte %" PRId64 " is too short",
                       pos);
    for (int chunks = 0; at < end && chunks < 64; chunks++) {
        const uint8_t *p = end - at >= 8 ? reader_at(r, at, 8, NULL) : NULL;
        uint32_t sub = p ? le32(p + 4) : 0;
        if (!p || (int64_t)sub + (sub & 1) > end - at - 8)
            return invalid(r, reason, reason_len,
                           "a chunk of the frame at byte %" PRId64 " runs past its ANMF chunk",
                           pos);
        at += 8 + (int64_t)sub + (sub & 1);
    }
    return PM3K__IMGEND_COMPLETE;
}

typedef struct webp_walk {
    int64_t frames;
    uint8_t flags; /* VP8X's */
    unsigned kept; /* bit n: a chunk of kind n of webp_kept is in the copy */
} webp_walk;

/* The chunks a header load reads, each kept once (the first frame stands
 * for an animation: libvips looks at every frame, which costs time by
 * the square of their number). */
static const char webp_kept[][5] = {"VP8X", "ANIM", "ANMF", "ICCP", "ALPH",
                                    "VP8 ", "VP8L", "EXIF", "XMP "};

static void webp_keep(pm3k__imgend_info *info, webp_walk *w, const uint8_t *tag, int64_t pos,
                      int64_t whole)
{
    for (unsigned i = 0; i < sizeof webp_kept / sizeof webp_kept[0]; i++)
        if (memcmp(tag, webp_kept[i], 4) == 0 && !(w->kept & (1u << i))) {
            w->kept |= 1u << i;
            keep_span(info, pos, whole);
        }
}

/* One top-level chunk that lies in the RIFF data. */
static pm3k__imgend webp_chunk(reader *r, pm3k__imgend_info *info, webp_walk *w, const uint8_t *tag,
                               int64_t pos, uint32_t size, long index, char *reason,
                               size_t reason_len)
{
    bool image = !memcmp(tag, "VP8 ", 4) || !memcmp(tag, "VP8L", 4);
    if (index == 0 && memcmp(tag, "VP8X", 4) != 0 && !image)
        return invalid(r, reason, reason_len, "the first chunk is '%.4s', not VP8X, VP8 or VP8L",
                       (const char *)tag);
    if (!memcmp(tag, "VP8X", 4)) {
        const uint8_t *p = index == 0 && size >= 10 ? reader_at(r, pos + 8, 1, NULL) : NULL;
        if (!p)
            return invalid(r, reason, reason_len,
                           "a misplaced or short VP8X chunk at byte %" PRId64, pos);
        w->flags = *p;
    } else if (!memcmp(tag, "ANIM", 4) && size < 6) {
        return invalid(r, reason, reason_len, "the ANIM chunk at byte %" PRId64 " is too short",
                       pos);
    } else if (!memcmp(tag, "ANMF", 4)) {
        pm3k__imgend rc = webp_frame(r, pos, size, reason, reason_len);
        if (rc != PM3K__IMGEND_COMPLETE)
            return rc;
        w->frames++;
    }
    webp_keep(info, w, tag, pos, 8 + (int64_t)size + (size & 1));
    return PM3K__IMGEND_COMPLETE;
}

static pm3k__imgend check_webp(reader *r, pm3k__imgend_info *info, char *reason, size_t reason_len)
{
    r->refill = 12;
    const uint8_t *p = reader_at(r, 0, 12, NULL);
    if (!p)
        return cut(r, reason, reason_len, "the file is shorter than a RIFF header");
    if (memcmp(p, "RIFF", 4) != 0 || memcmp(p + 8, "WEBP", 4) != 0)
        return PM3K__IMGEND_UNCHECKED;
    int64_t riff = (int64_t)le32(p + 4);
    if (riff < 4)
        return cut(r, reason, reason_len, "invalid RIFF size %" PRId64, riff);
    if (riff + 8 > r->size)
        return cut(r, reason, reason_len,
                   "the RIFF header says %" PRId64 " bytes, the file has %" PRId64, riff + 8,
                   r->size);
    webp_walk w = {0};
    int64_t pos = 12, end = riff + 8;
    for (long index = 0; pos < end && index < PM3K__IMGEND_MAX_WEBP_CHUNKS; index++) {
        p = end - pos >= 8 ? reader_at(r, pos, 8, NULL) : NULL;
        if (!p)
            return invalid(r, reason, reason_len,
                           "%" PRId64 " stray bytes at the end of the RIFF data", end - pos);
        uint32_t size = le32(p + 4);
        uint8_t tag[4];
        memcpy(tag, p, 4);
        if ((int64_t)size + (size & 1) > end - pos - 8)
            return cut(r, reason, reason_len,
                       "chunk '%.4s' at byte %" PRId64 " runs past the end of the RIFF data "
                       "(it needs %" PRId64 " bytes, there are %" PRId64 ")",
                       (const char *)tag, pos, pos + 8 + (int64_t)size + (size & 1), end);
        pm3k__imgend rc = webp_chunk(r, info, &w, tag, pos, size, index, reason, reason_len);
        if (rc != PM3K__IMGEND_COMPLETE)
            return rc;
        pos += 8 + (int64_t)size + (size & 1);
    }
    if (pos < end)
        return PM3K__IMGEND_UNCHECKED;
    info->frames = (w.flags & WEBP_VP8X_ANIMATION) ? w.frames : 0;
    info->header_ok = true;
    info->copy_bytes = 12 + spans_total(info);
    return PM3K__IMGEND_COMPLETE;
}

pm3k__imgend pm3k__imgend_check(pm3k__source *src, pm3k__media media, pm3k__imgend_info *info,
                                char *reason, size_t reason_len)
{
    uint8_t window[WINDOW_BYTES];
    pm3k__imgend_info scratch;
    reader r = {.src = src,
                .size = src->size,
                .buf = window,
                .cap = sizeof window,
                .refill = sizeof window};
    if (!info)
        info = &scratch;
    memset(info, 0, sizeof *info);
    if (reason && reason_len > 0)
        reason[0] = '\0';
    if (src->size < 0)
        return PM3K__IMGEND_UNCHECKED;
    switch (media) {
    case PM3K__MEDIA_JPEG:
        return check_jpeg(&r, info, reason, reason_len);
    case PM3K__MEDIA_PNG: {
        pm3k__imgend rc = check_png(&r, info, reason, reason_len);
        /* signature, the chunks, an empty IDAT and IEND */
        info->copy_bytes = 8 + spans_total(info) + 24;
        return rc;
    }
    case PM3K__MEDIA_WEBP:
        return check_webp(&r, info, reason, reason_len);
    default:
        return PM3K__IMGEND_UNCHECKED;
    }
}

/* ---- the header copy ---- */

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The format's bytes before the spans; *len gets their count. */
static void copy_prefix(pm3k__media media, const pm3k__imgend_info *info, uint8_t *buf, size_t *len)
{
    *len = 0;
    if (media == PM3K__MEDIA_PNG) {
        memcpy(buf, "\x89PNG\r\n\x1A\n", 8);
        *len = 8;
    } else if (media == PM3K__MEDIA_WEBP) {
        uint32_t riff = (uint32_t)(info->copy_bytes - 8);
        memcpy(buf, "RIFF", 4);
        for (int i = 0; i < 4; i++)
            buf[4 + i] = (uint8_t)(riff >> (8 * i));
        memcpy(buf + 8, "WEBP", 4);
        *len = 12;
    }
}

/* The format's bytes after the spans. */
static size_t copy_suffix(pm3k__media media, uint8_t *p)
{
    if (media == PM3K__MEDIA_JPEG) {
        memcpy(p, "\xFF\xD9", 2);
        return 2;
    }
    if (media == PM3K__MEDIA_PNG) {
        /* An empty IDAT and IEND, each with its CRC: a header load stops
         * at the first IDAT's header. */
        put_be32(p, 0);
        memcpy(p + 4, "IDAT", 4);
        put_be32(p + 8, 0x35AF061Eu);
        put_be32(p + 12, 0);
        memcpy(p + 16, "IEND", 4);
        put_be32(p + 20, 0xAE426082u);
        return 24;
    }
    return 0;
}

pm3k__imgend pm3k__imgend_copy(pm3k__source *src, pm3k__media media, const pm3k__imgend_info *info,
                               uint8_t *buf, size_t cap)
{
    size_t len;
    if (info->copy_bytes < 0 || (uint64_t)info->copy_bytes > cap)
        return PM3K__IMGEND_UNCHECKED;
    copy_prefix(media, info, buf, &len);
    for (size_t i = 0; i < info->span_count; i++) {
        const pm3k__imgend_span *s = &info->spans[i];
        if (s->length < 0 || (uint64_t)s->length > cap - len)
            return PM3K__IMGEND_UNCHECKED;
        int64_t got = pm3k__source_read(src, s->offset, buf + len, (size_t)s->length);
        if (got < 0)
            return PM3K__IMGEND_READ_ERROR;
        if (got < s->length)
            return PM3K__IMGEND_CUT;
        len += (size_t)s->length;
    }
    uint8_t suffix[24];
    size_t suffix_len = copy_suffix(media, suffix);
    if (cap - len < suffix_len)
        return PM3K__IMGEND_UNCHECKED;
    memcpy(buf + len, suffix, suffix_len);
    len += suffix_len;
    return len == (size_t)info->copy_bytes ? PM3K__IMGEND_COMPLETE : PM3K__IMGEND_UNCHECKED;
}
