/* pm3k — end checks for JPEG, PNG and WebP without decoding pixels.
 *
 * A half-copied photo keeps an intact header, so a header-only load with
 * libvips says nothing is wrong; PM3K's conversion then fails with
 * image_convert_failed. These checks look for the format's end instead.
 * Every read goes through pm3k__source_read into one bounded window, every
 * index is checked against the data actually read, and every walk either
 * moves forward or stops at a fixed bound (tests/fuzz/fuzz_imgend.c). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

/* Offset of the next 0xFF at or after pos, or -1. */
static int64_t find_ff(reader *r, int64_t pos)
{
    while (pos < r->size) {
        size_t avail;
        const uint8_t *p = reader_at(r, pos, 1, &avail);
        if (!p)
            return -1;
        const uint8_t *hit = memchr(p, 0xFF, avail);
        if (hit)
            return pos + (hit - p);
        pos += (int64_t)avail;
    }
    return -1;
}

static pm3k__imgend cut(reader *r, char *reason, size_t reason_len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static pm3k__imgend cut(reader *r, char *reason, size_t reason_len, const char *fmt, ...)
{
    if (r->failed)
        return PM3K__IMGEND_READ_ERROR;
    if (reason && reason_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, reason_len, fmt, ap);
        va_end(ap);
    }
    return PM3K__IMGEND_CUT;
}

/* ---- JPEG ---- */

static bool is_standalone_marker(int marker)
{
    /* TEM, SOI and RSTn carry no length. */
    return marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7);
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

/* Walk the marker segments from SOI to the first SOS; *scan gets the offset
 * of the entropy-coded data that follows the SOS header. Bytes between
 * segments are skipped up to the next 0xFF, as libjpeg does. */
static pm3k__imgend jpeg_first_scan(reader *r, int64_t *scan, char *reason, size_t reason_len)
{
    int64_t pos = 2;
    for (long markers = 0; markers < PM3K__IMGEND_MAX_JPEG_MARKERS; markers++) {
        int64_t ff = find_ff(r, pos);
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
        if (marker == 0xDA) {
            *scan = ff + 2 + length;
            return PM3K__IMGEND_COMPLETE;
        }
        pos = ff + 2 + length;
    }
    return PM3K__IMGEND_UNCHECKED;
}

/* Scan from the first scan's data to EOI. Inside entropy-coded data 0xFF is
 * always followed by 0x00 (stuffing) or a restart marker; any other marker
 * (DHT, SOS of a progressive file's next scan, ...) has a length and is
 * skipped whole, so its payload cannot fake an EOI. */
static pm3k__imgend jpeg_scan_to_eoi(reader *r, int64_t pos, char *reason, size_t reason_len)
{
    long markers = 0;
    while (markers < PM3K__IMGEND_MAX_JPEG_MARKERS) {
        int64_t ff = find_ff(r, pos);
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
        if (length < 0)
            return cut(r, reason, reason_len,
                       "the file is cut off inside the marker at byte %" PRId64, ff);
        /* A length below 2 is corrupt; step over the marker alone. */
        pos = ff + 2 + (length >= 2 ? length : 0);
    }
    return PM3K__IMGEND_UNCHECKED;
}

static pm3k__imgend check_jpeg(reader *r, char *reason, size_t reason_len)
{
    if (jpeg_tail_has_eoi(r))
        return PM3K__IMGEND_COMPLETE;
    if (r->failed)
        return PM3K__IMGEND_READ_ERROR;
    int64_t scan = 0;
    pm3k__imgend rc = jpeg_first_scan(r, &scan, reason, reason_len);
    if (rc != PM3K__IMGEND_COMPLETE)
        return rc;
    return jpeg_scan_to_eoi(r, scan, reason, reason_len);
}

/* ---- PNG ---- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool is_chunk_type(const uint8_t *t)
{
    for (int i = 0; i < 4; i++)
        if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
            return false;
    return true;
}

static pm3k__imgend check_png(reader *r, char *reason, size_t reason_len)
{
    int64_t pos = 8; /* after the signature */
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
            return cut(r, reason, reason_len, "invalid chunk type at byte %" PRId64, pos);
        if (length > 0x7FFFFFFFu)
            return cut(r, reason, reason_len,
                       "chunk '%s' at byte %" PRId64 " has an invalid length", type, pos);
        int64_t end = pos + 12 + (int64_t)length;
        if (end > r->size)
            return cut(r, reason, reason_len,
                       "chunk '%s' at byte %" PRId64 " runs past the end of the file "
                       "(it needs %" PRId64 " bytes, the file has %" PRId64 ")",
                       type, pos, end, r->size);
        if (memcmp(type, "IEND", 4) == 0)
            return PM3K__IMGEND_COMPLETE;
        pos = end;
    }
    return PM3K__IMGEND_UNCHECKED;
}

/* ---- WebP ---- */

static pm3k__imgend check_webp(reader *r, char *reason, size_t reason_len)
{
    r->refill = 12;
    const uint8_t *p = reader_at(r, 0, 12, NULL);
    if (!p)
        return cut(r, reason, reason_len, "the file is shorter than a RIFF header");
    if (memcmp(p, "RIFF", 4) != 0 || memcmp(p + 8, "WEBP", 4) != 0)
        return PM3K__IMGEND_UNCHECKED;
    int64_t riff = (int64_t)((uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
                             (uint32_t)p[7] << 24);
    if (riff < 4)
        return cut(r, reason, reason_len, "invalid RIFF size %" PRId64, riff);
    if (riff + 8 > r->size)
        return cut(r, reason, reason_len,
                   "the RIFF header says %" PRId64 " bytes, the file has %" PRId64, riff + 8,
                   r->size);
    return PM3K__IMGEND_COMPLETE;
}

pm3k__imgend pm3k__imgend_check(pm3k__source *src, pm3k__media media, char *reason,
                                size_t reason_len)
{
    uint8_t window[WINDOW_BYTES];
    reader r = {.src = src,
                .size = src->size,
                .buf = window,
                .cap = sizeof window,
                .refill = sizeof window};
    if (reason && reason_len > 0)
        reason[0] = '\0';
    if (src->size < 0)
        return PM3K__IMGEND_UNCHECKED;
    switch (media) {
    case PM3K__MEDIA_JPEG:
        return check_jpeg(&r, reason, reason_len);
    case PM3K__MEDIA_PNG:
        return check_png(&r, reason, reason_len);
    case PM3K__MEDIA_WEBP:
        return check_webp(&r, reason, reason_len);
    default:
        return PM3K__IMGEND_UNCHECKED;
    }
}
