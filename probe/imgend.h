/* pm3k — cheap end checks for images (internal): does a JPEG, PNG or WebP
 * reach its end, or was it cut off after an intact header? */
#ifndef PM3K_IMGEND_H
#define PM3K_IMGEND_H

#include <stddef.h>

#include "probe/probe_int.h"

typedef enum pm3k__imgend {
    PM3K__IMGEND_COMPLETE,  /* the data reaches its end marker */
    PM3K__IMGEND_CUT,       /* cut off or broken after the header: reason says where */
    PM3K__IMGEND_UNCHECKED, /* cannot tell: unknown size, other format, bound reached */
    PM3K__IMGEND_READ_ERROR /* the source failed: src->error says why */
} pm3k__imgend;

/* Bounds of the walks, so a hostile file cannot make them run long. */
#define PM3K__IMGEND_MAX_PNG_CHUNKS 1000000
#define PM3K__IMGEND_MAX_JPEG_MARKERS 1000000

/* Check the end of src (src->size must be known) as the format `media`
 * (JPEG, PNG or WebP; other media are UNCHECKED):
 *  - JPEG: an EOI marker (FF D9) after the first SOS. The file's tail is
 *    tried first (ends in FF D9, maybe followed by zero padding); otherwise
 *    the markers are walked to the first SOS and the entropy-coded data is
 *    scanned for EOI (FF 00 is a stuffed byte, FF D0..D7 are restart
 *    markers). Data after the EOI (Motion Photos) is fine.
 *  - PNG: the chunks are walked (length, type, data, CRC) up to IEND; a chunk
 *    running past the end of the file is a cut.
 *  - WebP: the RIFF size + 8 must not exceed the file size.
 * Reads only through pm3k__source_read, into bounded buffers. On CUT,
 * reason (reason_len > 0) holds a lowercase explanation. */
pm3k__imgend pm3k__imgend_check(pm3k__source *src, pm3k__media media, char *reason,
                                size_t reason_len);

#endif
