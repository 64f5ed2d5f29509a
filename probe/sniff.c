/* pm3k — classify content by its first bytes, before any library sees it.
 *
 * Left to themselves, libvips hands an MP4 or AVI to its ImageMagick loader
 * and libavformat opens HEIC as MOV or picks image2 for ".jpg" names; the
 * signature decides which library gets the file. Bounded reads only: every
 * index is checked against len (tests/fuzz/fuzz_sniff.c). */
#include <ctype.h>
#include <string.h>

#include "probe/probe_int.h"

static const struct {
    pm3k__media media;
    const char *name;
    bool video, image;
} media_info[] = {
    {PM3K__MEDIA_UNKNOWN, "unknown", false, false},  {PM3K__MEDIA_EMPTY, "empty", false, false},
    {PM3K__MEDIA_MP4, "mp4", true, false},           {PM3K__MEDIA_MOV, "mov", true, false},
    {PM3K__MEDIA_MATROSKA, "matroska", true, false}, {PM3K__MEDIA_WEBM, "webm", true, false},
    {PM3K__MEDIA_AVI, "avi", true, false},           {PM3K__MEDIA_MPEGTS, "mpegts", true, false},
    {PM3K__MEDIA_MPEGPS, "mpegps", true, false},     {PM3K__MEDIA_FLV, "flv", true, false},
    {PM3K__MEDIA_OGG, "ogg", true, false},           {PM3K__MEDIA_ASF, "asf", true, false},
    {PM3K__MEDIA_JPEG, "jpeg", false, true},         {PM3K__MEDIA_PNG, "png", false, true},
    {PM3K__MEDIA_WEBP, "webp", false, true},         {PM3K__MEDIA_GIF, "gif", false, true},
    {PM3K__MEDIA_TIFF, "tiff", false, true},         {PM3K__MEDIA_BMP, "bmp", false, true},
    {PM3K__MEDIA_HEIC, "heic", false, true},         {PM3K__MEDIA_AVIF, "avif", false, true},
};

static void set_media(pm3k__sniff *out, pm3k__media media)
{
    out->media = media;
    for (size_t i = 0; i < sizeof media_info / sizeof media_info[0]; i++)
        if (media_info[i].media == media) {
            out->name = media_info[i].name;
            out->video = media_info[i].video;
            out->image = media_info[i].image;
        }
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static bool brand_is(const uint8_t *brand, const char *const *list)
{
    for (; *list; list++)
        if (memcmp(brand, *list, 4) == 0)
            return true;
    return false;
}

static const char *const heif_brands[] = {"heic", "heix", "hevc", "hevx", "heim", "heis",
                                          "hevm", "hevs", "mif1", "msf1", "mif2", NULL};
static const char *const avif_brands[] = {"avif", "avis", NULL};

/* ISO BMFF ftyp: major brand at 8, minor version at 12, compatible brands
 * from 16 to the box end. HEIF and AVIF are images; "qt  " is QuickTime. */
static void sniff_ftyp(const uint8_t *buf, size_t len, pm3k__sniff *out)
{
    uint32_t box = be32(buf);
    size_t end = box < len ? box : len;
    const uint8_t *major = buf + 8;
    memcpy(out->brand, major, 4);
    out->brand[4] = '\0';
    for (size_t i = 0; i < 4; i++)
        if (!isprint((unsigned char)out->brand[i]))
            out->brand[i] = '?';
    if (brand_is(major, avif_brands)) {
        set_media(out, PM3K__MEDIA_AVIF);
        return;
    }
    if (brand_is(major, heif_brands)) {
        /* mif1 files carrying AV1 images say so in the compatible brands. */
        for (size_t off = 16; off + 4 <= end; off += 4)
            if (brand_is(buf + off, avif_brands)) {
                set_media(out, PM3K__MEDIA_AVIF);
                return;
            }
        set_media(out, PM3K__MEDIA_HEIC);
        return;
    }
    set_media(out, memcmp(major, "qt  ", 4) == 0 ? PM3K__MEDIA_MOV : PM3K__MEDIA_MP4);
}

/* Matroska and WebM share EBML; the DocType element (0x4282) in the EBML
 * header says which. */
static void sniff_ebml(const uint8_t *buf, size_t len, pm3k__sniff *out)
{
    size_t limit = len < 64 ? len : 64;
    set_media(out, PM3K__MEDIA_MATROSKA);
    for (size_t i = 4; i + 7 <= limit; i++)
        if (buf[i] == 0x42 && buf[i + 1] == 0x82 && (buf[i + 2] & 0x80)) {
            size_t n = buf[i + 2] & 0x7F;
            if (n == 4 && i + 3 + 4 <= limit && memcmp(buf + i + 3, "webm", 4) == 0)
                set_media(out, PM3K__MEDIA_WEBM);
            return;
        }
}

static bool is_quicktime_box(const uint8_t *buf, size_t len)
{
    static const char *const boxes[] = {"moov", "mdat", "wide", "free", "skip", "pnot", NULL};
    if (len < 8)
        return false;
    uint32_t size = be32(buf);
    /* 0 = to end of file, 1 = 64-bit size follows; else at least a header. */
    if (size != 0 && size != 1 && size < 8)
        return false;
    return brand_is(buf + 4, boxes);
}

static bool is_bmp(const uint8_t *buf, size_t len)
{
    if (len < 18 || buf[0] != 'B' || buf[1] != 'M')
        return false;
    uint32_t dib = le32(buf + 14);
    return dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 ||
           dib == 124;
}

static bool is_mpegts(const uint8_t *buf, size_t len)
{
    return len >= 3 * 188 && buf[0] == 0x47 && buf[188] == 0x47 && buf[376] == 0x47;
}

void pm3k__sniff_buffer(const uint8_t *buf, size_t len, pm3k__sniff *out)
{
    memset(out, 0, sizeof *out);
    set_media(out, len == 0 ? PM3K__MEDIA_EMPTY : PM3K__MEDIA_UNKNOWN);
    if (len >= 12 && memcmp(buf + 4, "ftyp", 4) == 0 && be32(buf) >= 12)
        sniff_ftyp(buf, len, out);
    else if (is_quicktime_box(buf, len))
        set_media(out, PM3K__MEDIA_MOV);
    else if (len >= 4 && memcmp(buf, "\x1A\x45\xDF\xA3", 4) == 0)
        sniff_ebml(buf, len, out);
    else if (len >= 12 && memcmp(buf, "RIFF", 4) == 0 && memcmp(buf + 8, "AVI ", 4) == 0)
        set_media(out, PM3K__MEDIA_AVI);
    else if (len >= 12 && memcmp(buf, "RIFF", 4) == 0 && memcmp(buf + 8, "WEBP", 4) == 0)
        set_media(out, PM3K__MEDIA_WEBP);
    else if (len >= 3 && memcmp(buf, "\xFF\xD8\xFF", 3) == 0)
        set_media(out, PM3K__MEDIA_JPEG);
    else if (len >= 8 && memcmp(buf, "\x89PNG\r\n\x1A\n", 8) == 0)
        set_media(out, PM3K__MEDIA_PNG);
    else if (len >= 6 && (memcmp(buf, "GIF87a", 6) == 0 || memcmp(buf, "GIF89a", 6) == 0))
        set_media(out, PM3K__MEDIA_GIF);
    else if (len >= 4 && (memcmp(buf, "II*\0", 4) == 0 || memcmp(buf, "MM\0*", 4) == 0))
        set_media(out, PM3K__MEDIA_TIFF);
    else if (is_bmp(buf, len))
        set_media(out, PM3K__MEDIA_BMP);
    else if (len >= 4 && memcmp(buf, "FLV\x01", 4) == 0)
        set_media(out, PM3K__MEDIA_FLV);
    else if (len >= 4 && memcmp(buf, "OggS", 4) == 0)
        set_media(out, PM3K__MEDIA_OGG);
    else if (len >= 4 && memcmp(buf, "\x00\x00\x01\xBA", 4) == 0)
        set_media(out, PM3K__MEDIA_MPEGPS);
    else if (len >= 8 && memcmp(buf, "\x30\x26\xB2\x75\x8E\x66\xCF\x11", 8) == 0)
        set_media(out, PM3K__MEDIA_ASF);
    else if (is_mpegts(buf, len))
        set_media(out, PM3K__MEDIA_MPEGTS);
}

/* ---- extensions ---- */

static const struct {
    const char *ext;
    pm3k__media media[3];
} extension_table[] = {
    /* ISO BMFF names are interchangeable: an iPhone .MOV and an .mp4 differ
     * only in brand, and PM3K takes both. */
    {"mp4", {PM3K__MEDIA_MP4, PM3K__MEDIA_MOV}},
    {"m4v", {PM3K__MEDIA_MP4, PM3K__MEDIA_MOV}},
    {"mov", {PM3K__MEDIA_MOV, PM3K__MEDIA_MP4}},
    {"mkv", {PM3K__MEDIA_MATROSKA, PM3K__MEDIA_WEBM}},
    {"webm", {PM3K__MEDIA_WEBM}},
    {"avi", {PM3K__MEDIA_AVI}},
    {"jpg", {PM3K__MEDIA_JPEG}},
    {"jpeg", {PM3K__MEDIA_JPEG}},
    {"png", {PM3K__MEDIA_PNG}},
    {"webp", {PM3K__MEDIA_WEBP}},
    {"gif", {PM3K__MEDIA_GIF}},
    {"tif", {PM3K__MEDIA_TIFF}},
    {"tiff", {PM3K__MEDIA_TIFF}},
    {"bmp", {PM3K__MEDIA_BMP}},
    {"heic", {PM3K__MEDIA_HEIC}},
    {"heif", {PM3K__MEDIA_HEIC, PM3K__MEDIA_AVIF}},
    {"avif", {PM3K__MEDIA_AVIF}},
};

bool pm3k__extension_fits(const char *ext, pm3k__media media, bool *known)
{
    *known = false;
    for (size_t i = 0; i < sizeof extension_table / sizeof extension_table[0]; i++) {
        if (strcmp(ext, extension_table[i].ext) != 0)
            continue;
        *known = true;
        for (size_t j = 0; j < 3; j++)
            if (extension_table[i].media[j] == media && media != PM3K__MEDIA_UNKNOWN)
                return true;
        return false;
    }
    return true;
}

bool pm3k__extension_is_image(const char *ext)
{
    static const char *const images[] = {"jpg",  "jpeg", "png",  "webp", "gif",  "tif",
                                         "tiff", "bmp",  "heic", "heif", "avif", NULL};
    for (const char *const *p = images; *p; p++)
        if (strcmp(ext, *p) == 0)
            return true;
    return false;
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
