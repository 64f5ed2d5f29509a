/* pm3k — the media-format table (internal; data in probe/formats.c).
 *
 * One row per format pm3k knows, holding every fact about it: how its
 * content is recognised, the file names and Content-Types it goes by,
 * whether it is a video or an image, which libavformat demuxer or libvips
 * loader reads it, and whether PM3K takes it. The sniffer (probe/sniff.c),
 * the folder walk's default extensions (probe/walk.c), the video and image
 * checks (probe/video.c, probe/image.c), the Content-Type mapping
 * (probe/urlcheck.c) and the extension checks all read it; adding a format
 * is adding a row (and its id below). tests/unit/test_formats.c checks that
 * the rows are consistent. */
#ifndef PM3K_PROBE_FORMATS_H
#define PM3K_PROBE_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The row ids, in the order the signatures are tried: the first row whose
 * signature matches decides. The ISO BMFF rows come first (an ftyp box at
 * byte 4 fits behind any signature of the first four bytes, and the brand
 * decides), and within them the specific brands before MP4, which takes
 * any ftyp; WebM before Matroska (the DocType decides); the image formats
 * recognised from text (PNM, SVG) late, then MPEG-TS, as a sync byte every
 * 188 bytes is a weak signature (a GIF starts with it), and TGA last: it
 * has no magic at all, only a header that must make sense. */
typedef enum pm3k__media {
    PM3K__MEDIA_UNKNOWN, /* content of no format below */
    PM3K__MEDIA_EMPTY,   /* zero bytes */
    PM3K__MEDIA_AVIF,
    PM3K__MEDIA_HEIC,
    PM3K__MEDIA_CAMERA_RAW, /* Canon CR3 (ftyp "crx "), Fujifilm RAF, Olympus ORF */
    PM3K__MEDIA_MOV,        /* QuickTime: "qt  " brand, or a bare moov/mdat/wide/free first box */
    PM3K__MEDIA_MP4,        /* ISO BMFF that is not QuickTime or HEIF (mp4, m4v, m4a, 3gp) */
    PM3K__MEDIA_WEBM,
    PM3K__MEDIA_MATROSKA,
    PM3K__MEDIA_AVI,
    PM3K__MEDIA_WEBP,
    PM3K__MEDIA_JPEG,
    PM3K__MEDIA_PNG,
    PM3K__MEDIA_GIF,
    PM3K__MEDIA_TIFF,
    PM3K__MEDIA_BMP,
    PM3K__MEDIA_ICO, /* and CUR */
    PM3K__MEDIA_PSD,
    PM3K__MEDIA_QOI,
    PM3K__MEDIA_JPEG2000, /* JP2 container or bare codestream */
    PM3K__MEDIA_JPEGXL,   /* container or bare codestream */
    PM3K__MEDIA_EXR,
    PM3K__MEDIA_HDR, /* Radiance RGBE */
    PM3K__MEDIA_DDS,
    PM3K__MEDIA_ICNS,
    PM3K__MEDIA_SGI,
    PM3K__MEDIA_FLV,
    PM3K__MEDIA_OGG,
    PM3K__MEDIA_MPEGPS,
    PM3K__MEDIA_ASF,
    PM3K__MEDIA_PNM, /* PBM, PGM, PPM, PAM, PFM */
    PM3K__MEDIA_SVG,
    PM3K__MEDIA_MPEGTS,
    PM3K__MEDIA_TGA,
    PM3K__MEDIA__COUNT
} pm3k__media;

typedef enum pm3k__format_kind {
    PM3K__FORMAT_NONE, /* unknown or empty content */
    PM3K__FORMAT_VIDEO,
    PM3K__FORMAT_IMAGE
} pm3k__format_kind;

/* How a signature is tested (probe/sniff.c). All reads are bounded by the
 * bytes there are. */
typedef enum pm3k__test {
    PM3K__TEST_NONE,    /* ends a row's signatures */
    PM3K__TEST_MAGIC,   /* .magic: fixed bytes at fixed offsets, all of them */
    PM3K__TEST_FTYP,    /* an ISO BMFF ftyp box: size >= 12 at 0, "ftyp" at 4, major brand at 8,
                           compatible brands from 16; .brands and .brands_within say which */
    PM3K__TEST_QT_BOX,  /* a bare QuickTime first box: a plausible size, then a type of .boxes */
    PM3K__TEST_EBML,    /* an EBML header (1A 45 DF A3) whose first DocType is .doctype */
    PM3K__TEST_BMP,     /* "BM" and a DIB header size a BMP version uses */
    PM3K__TEST_TS_SYNC, /* the sync byte 0x47 at .sync_offset and one and two .packet later */
    PM3K__TEST_ICO,     /* an ICO or CUR directory: type, count and a sane first entry */
    PM3K__TEST_SGI,     /* the SGI magic 474 with a sane storage, depth and dimension */
    PM3K__TEST_PNM,     /* "P1".."P7", "PF" or "Pf", whitespace, then a size or PAM header */
    PM3K__TEST_SVG,     /* XML text whose root element is svg (after a prolog, comments,
                           a DOCTYPE), within the bytes sniffed */
    PM3K__TEST_TGA      /* a TGA header whose every field makes sense (TGA has no magic;
                           its optional footer is at the end, which the sniff never reads) */
} pm3k__test;

/* Bytes at an offset: PM3K__MAGIC(8, "AVI "). */
typedef struct pm3k__magic {
    uint16_t offset;
    uint8_t len;
    const char *bytes;
} pm3k__magic;

/* clang-format off */
#define PM3K__MAGIC(offset, literal) {(offset), sizeof(literal) - 1, (literal)}
/* clang-format on */
/* A NULL-ended list of strings, for the list fields of a row. */
#define PM3K__LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

typedef struct pm3k__signature {
    pm3k__test test;
    pm3k__magic magic[2];             /* MAGIC (len 0 ends) */
    const char *const *brands;        /* FTYP: major brands (4 chars each); NULL takes any */
    const char *const *brands_within; /* FTYP: also a major brand of these when one of the
                                         compatible brands is one of .brands */
    const char *const *boxes;         /* QT_BOX: first-box types */
    const char *doctype;              /* EBML: the DocType; NULL takes any EBML file */
    uint16_t packet;                  /* TS_SYNC: packet size in bytes */
    uint16_t sync_offset;             /* TS_SYNC: where the first sync byte is */
} pm3k__signature;

/* Whether PM3K takes a format. */
typedef enum pm3k__accept {
    PM3K__ACCEPT_NO,      /* unsupported_container / unsupported_image_type */
    PM3K__ACCEPT_YES,     /* everywhere */
    PM3K__ACCEPT_EXTERNAL /* not for photos on PM3K storage (pm3k_limits.png_allowed) */
} pm3k__accept;

/* The libvips loader that reads an image's header (probe/image.c). */
typedef enum pm3k__loader {
    PM3K__LOADER_NONE, /* not read: PM3K refuses the type before any other limit */
    PM3K__LOADER_JPEG, /* vips_jpegload_source */
    PM3K__LOADER_PNG,  /* vips_pngload_source */
    PM3K__LOADER_WEBP  /* vips_webpload_source, which maps the whole source */
} pm3k__loader;

#define PM3K__MAX_SIGNATURES 3
/* Extensions one row may list (tests/unit/test_formats.c checks it). */
#define PM3K__MAX_EXTENSIONS 8

typedef struct pm3k__format {
    pm3k__media media; /* the row's id: rows are indexed by it */
    const char *name;  /* the content_type fact: "mp4", "jpeg", "unknown" */
    const char *label; /* for people: the container fact ("MP4"), "JPEG" in messages */
    pm3k__format_kind kind;
    pm3k__signature signatures[PM3K__MAX_SIGNATURES]; /* any one of them recognises it */
    /* Lowercase file extensions (no dot) the content fits under, its own
     * first; a name that another row lists and this one does not is an
     * extension_mismatch. Every listed extension is in the folder walk's
     * default list. */
    const char *const *extensions;
    /* Those of .extensions that files which are not media go by too (.ts
     * and .mts: TypeScript): a walked or listed file of such a name whose
     * content is not media is skipped, not failed. */
    const char *const *shared_extensions;
    const char *const *mime_types; /* Content-Type essences that name it */
    const char *demuxer;           /* video: libavformat's short name */
    bool iso_bmff;                 /* video: top-level boxes walked first (probe/mp4box.c) */
    pm3k__loader loader;           /* image: the header loader (accepted types only) */
    pm3k__accept accept;
} pm3k__format;

/* The row of media (the UNKNOWN row for an id out of range). */
const pm3k__format *pm3k__format_get(pm3k__media media);

/* The row whose mime_types list essence (lowercase, no parameters), or
 * NULL. */
const pm3k__format *pm3k__format_by_mime_type(const char *essence);

/* Whether ext (lowercase, no dot) fits content of type media. *known says
 * whether any row lists ext; an extension no row lists fits anything (true,
 * no check then). */
bool pm3k__extension_fits(const char *ext, pm3k__media media, bool *known);

/* Whether an image row lists ext (used to pick the item kind only for
 * content that says nothing, e.g. a missing or empty file). */
bool pm3k__extension_is_image(const char *ext);

/* Whether files that are not media go by ext too (lowercase, no dot). */
bool pm3k__extension_shared(const char *ext);

/* Every extension of the table once, in table order, NULL-ended: the folder
 * walk's default list. */
const char *const *pm3k__format_extensions(void);

/* The lowercase extension of a path ("" when none); points into buf. */
const char *pm3k__path_extension(const char *path, char *buf, size_t buflen);

#endif
