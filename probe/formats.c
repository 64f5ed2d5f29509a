/* pm3k — the media-format table: one row per format (see probe/formats.h
 * for what each field means and who reads it).
 *
 * Rows are in signature order, which is the order of their ids. */
#include <ctype.h>
#include <pthread.h>
#include <string.h>

#include "probe/formats.h"

#define MAGIC PM3K__MAGIC
#define LIST PM3K__LIST
#define VIDEO PM3K__FORMAT_VIDEO
#define IMAGE PM3K__FORMAT_IMAGE

/* HEIF's brands, which AVIF files use too (a mif1 file of AV1 images lists
 * avif among its compatible brands). */
static const char *const heif_brands[] = {"heic", "heix", "hevc", "hevx", "heim", "heis",
                                          "hevm", "hevs", "mif1", "msf1", "mif2", NULL};

static const pm3k__format formats[PM3K__MEDIA__COUNT] = {
    {.media = PM3K__MEDIA_UNKNOWN, .name = "unknown", .label = "unknown"},
    {.media = PM3K__MEDIA_EMPTY, .name = "empty", .label = "empty"},

    /* ---- ISO BMFF: the brand decides ---- */
    {.media = PM3K__MEDIA_AVIF,
     .name = "avif",
     .label = "AVIF",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_FTYP,
                     .brands = LIST("avif", "avis"),
                     .brands_within = heif_brands}},
     .extensions = LIST("avif", "heif"),
     .mime_types = LIST("image/avif")},
    {.media = PM3K__MEDIA_HEIC,
     .name = "heic",
     .label = "HEIC",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_FTYP, .brands = heif_brands}},
     .extensions = LIST("heic", "heif"),
     .mime_types = LIST("image/heic", "image/heif")},
    /* Camera RAW that is not TIFF inside (CR2, NEF, ARW and DNG are, and
     * are the TIFF row): a CR3 is ISO BMFF and would pass for an MP4. */
    {.media = PM3K__MEDIA_CAMERA_RAW,
     .name = "camera_raw",
     .label = "camera RAW",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_FTYP, .brands = LIST("crx ")},
                    {.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "FUJIFILMCCD-RAW")}},
                    {.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "IIRO\x08\0\0\0")}}},
     .extensions = LIST("cr3", "raf", "orf"),
     .mime_types = LIST("image/x-canon-cr3", "image/x-fuji-raf", "image/x-olympus-orf")},
    /* An iPhone .MOV and an .mp4 differ only in brand, and PM3K takes
     * both: their names are interchangeable. */
    {.media = PM3K__MEDIA_MOV,
     .name = "mov",
     .label = "MOV",
     .kind = VIDEO,
     .signatures = {{.test = PM3K__TEST_FTYP, .brands = LIST("qt  ")},
                    {.test = PM3K__TEST_QT_BOX,
                     .boxes = LIST("moov", "mdat", "wide", "free", "skip", "pnot")}},
     .extensions = LIST("mov", "mp4", "m4v"),
     .mime_types = LIST("video/quicktime"),
     .demuxer = "mov",
     .iso_bmff = true,
     .accept = PM3K__ACCEPT_YES},
    {.media = PM3K__MEDIA_MP4,
     .name = "mp4",
     .label = "MP4",
     .kind = VIDEO,
     .signatures = {{.test = PM3K__TEST_FTYP}},
     .extensions = LIST("mp4", "m4v", "mov", "3gp", "3g2"),
     .mime_types = LIST("video/mp4", "video/x-m4v"),
     .demuxer = "mov",
     .iso_bmff = true,
     .accept = PM3K__ACCEPT_YES},

    /* ---- EBML: the DocType decides ---- */
    {.media = PM3K__MEDIA_WEBM,
     .name = "webm",
     .label = "WebM",
     .kind = VIDEO,
     .signatures = {{.test = PM3K__TEST_EBML, .doctype = "webm"}},
     .extensions = LIST("webm", "mkv"),
     .mime_types = LIST("video/webm"),
     .demuxer = "matroska"},
    {.media = PM3K__MEDIA_MATROSKA,
     .name = "matroska",
     .label = "Matroska",
     .kind = VIDEO,
     .signatures = {{.test = PM3K__TEST_EBML}},
     .extensions = LIST("mkv"),
     .mime_types = LIST("video/x-matroska"),
     .demuxer = "matroska"},

    /* ---- fixed signatures ---- */
    {.media = PM3K__MEDIA_AVI,
     .name = "avi",
     .label = "AVI",
     .kind = VIDEO,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "RIFF"), MAGIC(8, "AVI ")}}},
     .extensions = LIST("avi"),
     .mime_types = LIST("video/x-msvideo", "video/avi"),
     .demuxer = "avi"},
    {.media = PM3K__MEDIA_WEBP,
     .name = "webp",
     .label = "WebP",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "RIFF"), MAGIC(8, "WEBP")}}},
     .extensions = LIST("webp"),
     .mime_types = LIST("image/webp"),
     .loader = PM3K__LOADER_WEBP,
     .accept = PM3K__ACCEPT_YES},
    {.media = PM3K__MEDIA_JPEG,
     .name = "jpeg",
     .label = "JPEG",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "\xFF\xD8\xFF")}}},
     .extensions = LIST("jpg", "jpeg", "jpe", "jfif"),
     .mime_types = LIST("image/jpeg", "image/jpg", "image/pjpeg"),
     .loader = PM3K__LOADER_JPEG,
     .accept = PM3K__ACCEPT_YES},
    {.media = PM3K__MEDIA_PNG,
     .name = "png",
     .label = "PNG",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "\x89PNG\r\n\x1A\n")}}},
     .extensions = LIST("png"),
     .mime_types = LIST("image/png"),
     .loader = PM3K__LOADER_PNG,
     .accept = PM3K__ACCEPT_EXTERNAL},
    {.media = PM3K__MEDIA_GIF,
     .name = "gif",
     .label = "GIF",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "GIF87a")}},
                    {.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "GIF89a")}}},
     .extensions = LIST("gif"),
     .mime_types = LIST("image/gif")},
    {.media = PM3K__MEDIA_TIFF,
     .name = "tiff",
     .label = "TIFF",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "II*\0")}},
                    {.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "MM\0*")}}},
     .extensions = LIST("tif", "tiff"),
     .mime_types = LIST("image/tiff")},
    {.media = PM3K__MEDIA_BMP,
     .name = "bmp",
     .label = "BMP",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_BMP}},
     .extensions = LIST("bmp"),
     .mime_types = LIST("image/bmp", "image/x-ms-bmp")},
    {.media = PM3K__MEDIA_ICO,
     .name = "ico",
     .label = "ICO",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_ICO}},
     .extensions = LIST("ico", "cur"),
     .mime_types = LIST("image/x-icon", "image/vnd.microsoft.icon")},
    {.media = PM3K__MEDIA_PSD,
     .name = "psd",
     .label = "PSD",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "8BPS\0\1")}},
                    {.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "8BPS\0\2")}}},
     .extensions = LIST("psd", "psb"),
     .mime_types = LIST("image/vnd.adobe.photoshop")},
    {.media = PM3K__MEDIA_QOI,
     .name = "qoi",
     .label = "QOI",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "qoif")}}},
     .extensions = LIST("qoi"),
     .mime_types = LIST("image/qoi")},
    {.media = PM3K__MEDIA_JPEG2000,
     .name = "jpeg2000",
     .label = "JPEG 2000",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "\0\0\0\x0CjP  \r\n\x87\n")}},
                    {.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "\xFF\x4F\xFF\x51")}}},
     .extensions = LIST("jp2", "j2k", "jpf", "jpx", "j2c", "jpc", "jpm"),
     .mime_types = LIST("image/jp2", "image/jpx", "image/jpm")},
    {.media = PM3K__MEDIA_JPEGXL,
     .name = "jxl",
     .label = "JPEG XL",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "\0\0\0\x0CJXL \r\n\x87\n")}},
                    {.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "\xFF\x0A")}}},
     .extensions = LIST("jxl"),
     .mime_types = LIST("image/jxl")},
    {.media = PM3K__MEDIA_EXR,
     .name = "exr",
     .label = "OpenEXR",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "\x76\x2F\x31\x01")}}},
     .extensions = LIST("exr"),
     .mime_types = LIST("image/x-exr")},
    /* Names another format uses too are not listed (a folder walk would
     * take them): .hdr (ENVI and Analyze headers), .rgb (raw pixel dumps),
     * .pfm (printer fonts). Their content is still recognised. */
    {.media = PM3K__MEDIA_HDR,
     .name = "hdr",
     .label = "Radiance HDR",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "#?RADIANCE")}},
                    {.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "#?RGBE")}}},
     .mime_types = LIST("image/vnd.radiance")},
    {.media = PM3K__MEDIA_DDS,
     .name = "dds",
     .label = "DDS",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "DDS \x7C\0\0\0")}}},
     .extensions = LIST("dds"),
     .mime_types = LIST("image/vnd-ms.dds")},
    {.media = PM3K__MEDIA_ICNS,
     .name = "icns",
     .label = "ICNS",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "icns")}}},
     .extensions = LIST("icns"),
     .mime_types = LIST("image/icns")},
    {.media = PM3K__MEDIA_SGI,
     .name = "sgi",
     .label = "SGI",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_SGI}},
     .extensions = LIST("sgi"),
     .mime_types = LIST("image/sgi", "image/x-sgi")},
    {.media = PM3K__MEDIA_FLV,
     .name = "flv",
     .label = "FLV",
     .kind = VIDEO,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "FLV\x01")}}},
     .extensions = LIST("flv"),
     .mime_types = LIST("video/x-flv"),
     .demuxer = "flv"},
    {.media = PM3K__MEDIA_OGG,
     .name = "ogg",
     .label = "Ogg",
     .kind = VIDEO,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "OggS")}}},
     .extensions = LIST("ogv"),
     .mime_types = LIST("video/ogg"),
     .demuxer = "ogg"},
    {.media = PM3K__MEDIA_MPEGPS,
     .name = "mpegps",
     .label = "MPEG-PS",
     .kind = VIDEO,
     .signatures = {{.test = PM3K__TEST_MAGIC, .magic = {MAGIC(0, "\x00\x00\x01\xBA")}}},
     .extensions = LIST("mpg", "mpeg"),
     .mime_types = LIST("video/mpeg"),
     .demuxer = "mpeg"},
    {.media = PM3K__MEDIA_ASF,
     .name = "asf",
     .label = "ASF",
     .kind = VIDEO,
     .signatures = {{.test = PM3K__TEST_MAGIC,
                     .magic = {MAGIC(0, "\x30\x26\xB2\x75\x8E\x66\xCF\x11")}}},
     .extensions = LIST("wmv"),
     .mime_types = LIST("video/x-ms-asf"),
     .demuxer = "asf"},

    /* ---- weak signatures last ---- */
    {.media = PM3K__MEDIA_PNM,
     .name = "pnm",
     .label = "PNM",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_PNM}},
     .extensions = LIST("pnm", "pbm", "pgm", "ppm", "pam"),
     .mime_types = LIST("image/x-portable-anymap", "image/x-portable-bitmap",
                        "image/x-portable-graymap", "image/x-portable-pixmap")},
    {.media = PM3K__MEDIA_SVG,
     .name = "svg",
     .label = "SVG",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_SVG}},
     .extensions = LIST("svg"),
     .mime_types = LIST("image/svg+xml")},
    {.media = PM3K__MEDIA_MPEGTS,
     .name = "mpegts",
     .label = "MPEG-TS",
     .kind = VIDEO,
     /* 188-byte packets; 192 (M2TS/BDAV: camcorder .mts, Blu-ray .m2ts, a
      * 4-byte timestamp first); 204 (with DVB's error correction) */
     .signatures = {{.test = PM3K__TEST_TS_SYNC, .packet = 188, .sync_offset = 0},
                    {.test = PM3K__TEST_TS_SYNC, .packet = 192, .sync_offset = 4},
                    {.test = PM3K__TEST_TS_SYNC, .packet = 204, .sync_offset = 0}},
     .extensions = LIST("ts", "mts", "m2ts"),
     /* TypeScript sources and modules go by these too */
     .shared_extensions = LIST("ts", "mts"),
     .mime_types = LIST("video/mp2t"),
     .demuxer = "mpegts"},
    /* TGA has no magic: a header whose every field makes sense is the
     * weakest signature of all. */
    {.media = PM3K__MEDIA_TGA,
     .name = "tga",
     .label = "TGA",
     .kind = IMAGE,
     .signatures = {{.test = PM3K__TEST_TGA}},
     .extensions = LIST("tga"),
     .mime_types = LIST("image/x-tga", "image/x-targa")},
};

#undef MAGIC
#undef LIST
#undef VIDEO
#undef IMAGE

const pm3k__format *pm3k__format_get(pm3k__media media)
{
    if ((int)media < 0 || media >= PM3K__MEDIA__COUNT)
        return &formats[PM3K__MEDIA_UNKNOWN];
    return &formats[media];
}

static bool list_has(const char *const *list, const char *word)
{
    for (; list && *list; list++)
        if (strcmp(*list, word) == 0)
            return true;
    return false;
}

const pm3k__format *pm3k__format_by_mime_type(const char *essence)
{
    for (size_t i = 0; i < PM3K__MEDIA__COUNT; i++)
        if (list_has(formats[i].mime_types, essence))
            return &formats[i];
    return NULL;
}

/* ---- extensions ---- */

bool pm3k__extension_fits(const char *ext, pm3k__media media, bool *known)
{
    *known = false;
    for (size_t i = 0; i < PM3K__MEDIA__COUNT && !*known; i++)
        *known = list_has(formats[i].extensions, ext);
    if (!*known)
        return true;
    return list_has(pm3k__format_get(media)->extensions, ext);
}

bool pm3k__extension_is_image(const char *ext)
{
    for (size_t i = 0; i < PM3K__MEDIA__COUNT; i++)
        if (formats[i].kind == PM3K__FORMAT_IMAGE && list_has(formats[i].extensions, ext))
            return true;
    return false;
}

bool pm3k__extension_shared(const char *ext)
{
    for (size_t i = 0; i < PM3K__MEDIA__COUNT; i++)
        if (formats[i].shared_extensions && list_has(formats[i].shared_extensions, ext))
            return true;
    return false;
}

static const char *all_extensions[PM3K__MEDIA__COUNT * PM3K__MAX_EXTENSIONS + 1];
static pthread_once_t all_extensions_once = PTHREAD_ONCE_INIT;

static void collect_extensions(void)
{
    size_t count = 0;
    for (size_t i = 0; i < PM3K__MEDIA__COUNT; i++) {
        const char *const *ext = formats[i].extensions;
        for (size_t j = 0; ext && ext[j] && j < PM3K__MAX_EXTENSIONS; j++)
            if (!list_has(all_extensions, ext[j]))
                all_extensions[count++] = ext[j];
    }
    all_extensions[count] = NULL;
}

const char *const *pm3k__format_extensions(void)
{
    pthread_once(&all_extensions_once, collect_extensions);
    return all_extensions;
}

const char *pm3k__path_extension(const char *path, char *buf, size_t buflen)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    buf[0] = '\0';
    if (!dot || dot == base || strlen(dot + 1) >= buflen)
        return buf;
    size_t i = 0;
    for (const char *p = dot + 1; *p; p++)
        buf[i++] = (char)tolower((unsigned char)*p);
    buf[i] = '\0';
    return buf;
}
