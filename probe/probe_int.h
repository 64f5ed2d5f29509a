/* pm3k — probe internals shared by the probe/ sources (not public). */
#ifndef PM3K_PROBE_INT_H
#define PM3K_PROBE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/report_int.h" /* pm3k__format_mb */
#include "pm3k/probe.h"
#include "pm3k/report.h"
#include "probe/formats.h"

/* ---- content signatures (probe/sniff.c, from the table in probe/formats.c) ---- */

typedef struct pm3k__sniff {
    pm3k__media media;
    const pm3k__format *format; /* its row: never NULL */
    char brand[5];              /* ISO BMFF major brand, "" otherwise */
} pm3k__sniff;

/* How many leading bytes the sniffer wants (it copes with fewer). */
#define PM3K__SNIFF_BYTES 4096

void pm3k__sniff_buffer(const uint8_t *buf, size_t len, pm3k__sniff *out);

/* ---- byte sources (probe/source.c; HTTP ranges in probe/remote.c) ---- */

typedef struct pm3k__source {
    void *ctx;
    const char *name; /* path or URL, for messages */
    const char *path; /* local path, or NULL when the source is remote */
    int fd;           /* with path: the file's open descriptor, which every read and load
                         must use (never the path again: the file may have been swapped
                         since it was opened); -1 for a remote source */
    int64_t size;     /* total size in bytes, -1 when unknown */
    /* Read up to len bytes at offset into buf. Returns the number of bytes
     * read (short only at end of data), or -1 on error (then *error says why). */
    int64_t (*read_at)(void *ctx, int64_t offset, void *buf, size_t len);
    int64_t bytes_read; /* bytes delivered by read_at so far (the bytes_read fact) */
    char error[256];    /* why the last read failed */
} pm3k__source;

/* A source over bytes in memory (tests and fuzz targets; size = len, no
 * path). mem must outlive src. */
typedef struct pm3k__memory {
    const uint8_t *data;
    size_t len;
} pm3k__memory;
void pm3k__source_memory(pm3k__source *src, pm3k__memory *mem, const void *data, size_t len,
                         const char *name);

/* A source over a local file open as fd (size from fstat); every read is a
 * pread on fd. */
void pm3k__source_file(pm3k__source *src, int fd, const char *path, int64_t size);

/* Read through src->read_at, counting bytes. */
int64_t pm3k__source_read(pm3k__source *src, int64_t offset, void *buf, size_t len);

/* ---- media checks: fill facts and findings of an item ----
 *
 * Both need FFmpeg and libvips loaded (pm3k__medialib_load, core/medialib.h):
 * pm3k_probe_file loads them, and a batch does before it queues a file or a
 * --deep URL. */

/* Video rules (probe/video.c), from libavformat headers and the MP4 boxes.
 * The item's kind is video; sniff says what the signature found. */
void pm3k__probe_video(const pm3k_probe_config *config, pm3k__source *src, const pm3k__sniff *sniff,
                       pm3k_item *item);

/* Image rules (probe/image.c), from libvips header-only loads and the end
 * checks. The item's kind is image. */
void pm3k__probe_image(const pm3k_probe_config *config, pm3k__source *src, const pm3k__sniff *sniff,
                       pm3k_item *item);

/* The dispatch every media probe shares, local (probe/probe.c) or --deep
 * (probe/remote.c). */

/* Read the first bytes of src and sniff them; false on a read error (then
 * src->error says why). */
bool pm3k__sniff_source(pm3k__source *src, pm3k__sniff *out);
/* Whether the media gets the image checks (else the video checks): the
 * --photo context, else the sniffed format's kind, else the extension ext
 * (lowercase, "" for none). */
bool pm3k__probe_as_image(const pm3k_probe_config *config, const pm3k__sniff *sniff,
                          const char *ext);
/* Add the facts every media has (content_type, size_bytes, extension), the
 * extension check, then the video or image checks, to item. */
void pm3k__probe_sniffed(const pm3k_probe_config *config, pm3k__source *src,
                         const pm3k__sniff *sniff, const char *ext, pm3k_item *item);

#endif
