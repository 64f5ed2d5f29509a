/* pm3k — structure walks for images (internal): is a JPEG, PNG or WebP
 * whole and sound, which bytes may a header load see, is it animated?
 *
 * The walk runs before libvips sees a byte of the file: a chunk or marker
 * that declares more than the file holds, a decompression bomb or tables a
 * decoder refuses are found here, and libvips is then given only a bounded
 * copy of the parts a header load reads (pm3k__imgend_copy), never the file
 * itself. */
#ifndef PM3K_IMGEND_H
#define PM3K_IMGEND_H

#include <stddef.h>

#include "probe/probe_int.h"

typedef enum pm3k__imgend {
    PM3K__IMGEND_COMPLETE,  /* sound, and the data reaches its end marker */
    PM3K__IMGEND_CUT,       /* cut off: a part runs past the end of the file (reason says where) */
    PM3K__IMGEND_INVALID,   /* a structure decoders refuse (reason says what) */
    PM3K__IMGEND_UNCHECKED, /* cannot tell: unknown size, other format, bound reached */
    PM3K__IMGEND_READ_ERROR /* the source failed: src->error says why */
} pm3k__imgend;

/* Bounds of the walks, so a hostile file cannot make them run long. */
#define PM3K__IMGEND_MAX_PNG_CHUNKS 1000000
#define PM3K__IMGEND_MAX_JPEG_MARKERS 1000000
#define PM3K__IMGEND_MAX_WEBP_CHUNKS 1000000
/* The header copy (a JPEG's segments before its first scan, a PNG's IHDR,
 * PLTE, tRNS and eXIf): more is no photo's metadata but a memory bomb. */
#define PM3K__IMGEND_MAX_HEADER_BYTES (32 * 1024 * 1024)
/* What a PNG's compressed chunks (zTXt, iTXt, iCCP) may inflate to, all
 * together: libpng inflates each of them whole in a header load. */
#define PM3K__IMGEND_MAX_INFLATE_BYTES (64 * 1024 * 1024)
#define PM3K__IMGEND_MAX_SPANS 8

/* A byte range of the file. */
typedef struct pm3k__imgend_span {
    int64_t offset;
    int64_t length;
} pm3k__imgend_span;

/* What a walk learnt besides its verdict. */
typedef struct pm3k__imgend_info {
    /* The header copy is sound enough to load: every byte of it lies in the
     * file and it is within PM3K__IMGEND_MAX_HEADER_BYTES (a WebP's copy
     * holds its first frame, whatever its size: the caller bounds it). */
    bool header_ok;
    pm3k__imgend_span spans[PM3K__IMGEND_MAX_SPANS]; /* the copy's parts, in order */
    size_t span_count;
    int64_t copy_bytes; /* the size of the copy pm3k__imgend_copy makes */
    int64_t frames;     /* frames of an animation (APNG acTL, WebP ANMF); 0 when still */
} pm3k__imgend_info;

/* Walk src (src->size must be known) as the format `media` (JPEG, PNG or
 * WebP; other media are UNCHECKED):
 *  - JPEG: the marker segments up to the first scan (each must lie in the
 *    file), the frame header (precision, size, components, sampling) and
 *    the tables each scan uses (DQT; DHT unless libjpeg's standard tables
 *    stand in); then an EOI (FF D9) after the first SOS: the tail is tried
 *    first unless the frame has more scans, whose segments are then walked
 *    and checked too. FF 00 is a stuffed byte, FF D0..D7 restart markers.
 *    Data after the EOI (Motion Photos) is fine.
 *  - PNG: the chunks (length, type, data, CRC) up to IEND, IHDR first and
 *    an IDAT before IEND; a chunk running past the end of the file is a
 *    cut; zTXt, iTXt and iCCP are inflated (not kept) to count what they
 *    hold; an acTL before the first IDAT gives the frames.
 *  - WebP: the RIFF size + 8 must not exceed the file size, and the chunks
 *    (VP8X, ANIM, ANMF and the chunks inside each frame, ICCP, EXIF, XMP,
 *    VP8, VP8L, ALPH) must each lie within the RIFF data.
 * Reads only through pm3k__source_read, into bounded buffers. On CUT and
 * INVALID, reason (reason_len > 0) holds a lowercase explanation. info may
 * be NULL. */
pm3k__imgend pm3k__imgend_check(pm3k__source *src, pm3k__media media, pm3k__imgend_info *info,
                                char *reason, size_t reason_len);

/* Make the header copy info describes into buf (cap >= info->copy_bytes):
 * a JPEG's bytes up to its first scan and an EOI; a PNG's signature, the
 * kept chunks (an eXIf found after the image data moved before it), an
 * empty IDAT and IEND; a WebP's RIFF header over the kept chunks and its
 * first frame. COMPLETE, CUT when the file returned fewer bytes than the
 * walk found (it shrank), or READ_ERROR. */
pm3k__imgend pm3k__imgend_copy(pm3k__source *src, pm3k__media media, const pm3k__imgend_info *info,
                               uint8_t *buf, size_t cap);

#endif
