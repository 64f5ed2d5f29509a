/* pm3k — classify content by its first bytes, before any library sees it.
 *
 * Left to themselves, libvips hands an MP4 or AVI to its ImageMagick loader
 * and libavformat opens HEIC as MOV or picks image2 for ".jpg" names; the
 * signature decides which library gets the file. The signatures are rows of
 * the format table (probe/formats.c), tried in table order; this file holds
 * the tests they name. Bounded reads only: every index is checked against
 * len (tests/fuzz/fuzz_sniff.c). */
#include <ctype.h>
#include <string.h>

#include "probe/probe_int.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Whether a four-byte code (a brand, a box type) is one of list. */
static bool code_in(const uint8_t *code, const char *const *list)
{
    for (; list && *list; list++)
        if (memcmp(code, *list, 4) == 0)
            return true;
    return false;
}

static bool magic_matches(const pm3k__magic *magic, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < 2 && magic[i].len > 0; i++)
        if ((size_t)magic[i].offset + magic[i].len > len ||
            memcmp(buf + magic[i].offset, magic[i].bytes, magic[i].len) != 0)
            return false;
    return true;
}

static bool is_ftyp(const uint8_t *buf, size_t len)
{
    return len >= 12 && memcmp(buf + 4, "ftyp", 4) == 0 && be32(buf) >= 12;
}

/* ISO BMFF ftyp: major brand at 8, minor version at 12, compatible brands
 * from 16 to the box end. */
static bool ftyp_matches(const pm3k__signature *sig, const uint8_t *buf, size_t len)
{
    if (!is_ftyp(buf, len))
        return false;
    const uint8_t *major = buf + 8;
    if (!sig->brands || code_in(major, sig->brands))
        return true;
    if (!code_in(major, sig->brands_within))
        return false;
    uint32_t box = be32(buf);
    size_t end = box < len ? box : len;
    for (size_t off = 16; off + 4 <= end; off += 4)
        if (code_in(buf + off, sig->brands))
            return true;
    return false;
}

static bool qt_box_matches(const pm3k__signature *sig, const uint8_t *buf, size_t len)
{
    if (len < 8)
        return false;
    uint32_t size = be32(buf);
    /* 0 = to end of file, 1 = 64-bit size follows; else at least a header. */
    if (size != 0 && size != 1 && size < 8)
        return false;
    return code_in(buf + 4, sig->boxes);
}

/* An EBML variable-length integer at buf[*pos]: 1 to 8 bytes, its length
 * told by the leading zero bits of the first. An element ID keeps its length
 * marker, a size does not. False when it is no vint or does not fit in len. */
static bool ebml_vint(const uint8_t *buf, size_t len, size_t *pos, bool is_id, uint64_t *value)
{
    if (*pos >= len || buf[*pos] == 0)
        return false;
    size_t n = 1;
    while (!(buf[*pos] & (0x80 >> (n - 1))))
        n++;
    if (n > len - *pos)
        return false;
    uint64_t v = is_id ? buf[*pos] : buf[*pos] & (0xFFu >> n);
    for (size_t i = 1; i < n; i++)
        v = v << 8 | buf[*pos + i];
    *pos += n;
    *value = v;
    return true;
}

/* The DocType element (0x4282) among the children of the EBML header says
 * what the file is; without one (or with doctype NULL) any EBML file
 * matches. Every size may be written in any of its lengths (a muxer may
 * spell the DocType's 4 as 0x40 0x04, or in 8 bytes). */
static bool ebml_matches(const pm3k__signature *sig, const uint8_t *buf, size_t len)
{
    size_t pos = 4;
    uint64_t header, id, size;
    if (len < 4 || memcmp(buf, "\x1A\x45\xDF\xA3", 4) != 0)
        return false;
    if (!sig->doctype)
        return true;
    if (!ebml_vint(buf, len, &pos, false, &header))
        return false;
    size_t end = header < len - pos ? pos + (size_t)header : len;
    while (ebml_vint(buf, end, &pos, true, &id) && ebml_vint(buf, end, &pos, false, &size)) {
        if (size > end - pos)
            return false;
        if (id == 0x4282) {
            /* a string may be padded with NUL bytes */
            size_t n = (size_t)size;
            while (n > 0 && buf[pos + n - 1] == 0)
                n--;
            return n == strlen(sig->doctype) && memcmp(buf + pos, sig->doctype, n) == 0;
        }
        pos += (size_t)size;
    }
    return false;
}

static bool bmp_matches(const uint8_t *buf, size_t len)
{
    if (len < 18 || buf[0] != 'B' || buf[1] != 'M')
        return false;
    uint32_t dib = le32(buf + 14);
    return dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 ||
           dib == 124;
}

static bool ts_sync_matches(const pm3k__signature *sig, const uint8_t *buf, size_t len)
{
    size_t packet = sig->packet, first = sig->sync_offset;
    if (packet == 0 || len < 3 * packet || first + 2 * packet >= len)
        return false;
    return buf[first] == 0x47 && buf[first + packet] == 0x47 && buf[first + 2 * packet] == 0x47;
}

/* ---- image formats without a plain magic ---- */

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[1] << 8 | p[0]);
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* ICO/CUR: reserved 0, type 1 (icon) or 2 (cursor), a count, then the
 * first 16-byte directory entry: reserved 0, a size and an offset past the
 * directory. An icon's entry also has 0 or 1 planes and a real bit depth
 * (a cursor keeps its hotspot there). */
static bool ico_matches(const uint8_t *buf, size_t len)
{
    if (len < 22 || buf[0] != 0 || buf[1] != 0 || buf[3] != 0 || (buf[2] != 1 && buf[2] != 2))
        return false;
    uint16_t count = le16(buf + 4);
    const uint8_t *entry = buf + 6;
    if (count == 0 || entry[3] != 0 || le32(entry + 8) == 0 || le32(entry + 12) < 6u + 16u * count)
        return false;
    if (buf[2] == 2)
        return true;
    uint16_t planes = le16(entry + 4), bits = le16(entry + 6);
    return planes <= 1 && (bits == 0 || bits == 1 || bits == 4 || bits == 8 || bits == 16 ||
                           bits == 24 || bits == 32);
}

/* SGI: magic 474, storage 0 (verbatim) or 1 (RLE), 1 or 2 bytes per
 * channel, 1..3 dimensions and sides that are not zero. */
static bool sgi_matches(const uint8_t *buf, size_t len)
{
    if (len < 12 || be16(buf) != 474 || buf[2] > 1 || buf[3] < 1 || buf[3] > 2)
        return false;
    uint16_t dimension = be16(buf + 4);
    return dimension >= 1 && dimension <= 3 && be16(buf + 6) > 0 && be16(buf + 8) > 0 &&
           be16(buf + 10) > 0;
}

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* PBM/PGM/PPM (P1..P6), PAM (P7) and PFM (PF, Pf): the magic, whitespace,
 * comments, then the width's first digit, or a PAM header keyword. */
static bool pnm_matches(const uint8_t *buf, size_t len)
{
    if (len < 4 || buf[0] != 'P' || !is_space(buf[2]))
        return false;
    bool pam = buf[1] == '7';
    if (!pam && !(buf[1] >= '1' && buf[1] <= '6') && buf[1] != 'F' && buf[1] != 'f')
        return false;
    size_t i = 3;
    while (i < len) {
        if (is_space(buf[i])) {
            i++;
        } else if (buf[i] == '#') {
            while (i < len && buf[i] != '\n')
                i++;
        } else {
            break;
        }
    }
    if (i >= len)
        return false;
    return pam ? buf[i] >= 'A' && buf[i] <= 'Z' : buf[i] >= '0' && buf[i] <= '9';
}

/* Offset just past the first `end` at or after i, or len. */
static size_t skip_past(const uint8_t *buf, size_t len, size_t i, const char *end)
{
    size_t n = strlen(end);
    for (; i + n <= len; i++)
        if (memcmp(buf + i, end, n) == 0)
            return i + n;
    return len;
}

static bool starts_with(const uint8_t *buf, size_t len, size_t i, const char *text)
{
    size_t n = strlen(text);
    return i + n <= len && memcmp(buf + i, text, n) == 0;
}

/* Whether the element at buf[i] ('<') is svg, or PREFIX:svg. */
static bool svg_element_at(const uint8_t *buf, size_t len, size_t i)
{
    size_t name = i + 1, colon = name;
    while (colon < len && colon < name + 32 &&
           (isalnum(buf[colon]) || buf[colon] == '_' || buf[colon] == '-' || buf[colon] == '.'))
        colon++;
    if (colon < len && buf[colon] == ':')
        name = colon + 1;
    if (!starts_with(buf, len, name, "svg") || name + 3 >= len)
        return false;
    uint8_t after = buf[name + 3];
    return is_space(after) || after == '>' || after == '/';
}

/* SVG: text (a UTF-8 BOM allowed) whose first element is svg; the XML
 * declaration, processing instructions, comments and a DOCTYPE (with an
 * internal subset) may come first. Only the bytes sniffed are looked at. */
static bool svg_matches(const uint8_t *buf, size_t len)
{
    size_t i = starts_with(buf, len, 0, "\xEF\xBB\xBF") ? 3 : 0;
    while (i < len) {
        if (is_space(buf[i])) {
            i++;
        } else if (starts_with(buf, len, i, "<?")) {
            i = skip_past(buf, len, i + 2, "?>");
        } else if (starts_with(buf, len, i, "<!--")) {
            i = skip_past(buf, len, i + 4, "-->");
        } else if (starts_with(buf, len, i, "<!DOCTYPE")) {
            /* an internal subset [...] may hold '>' */
            size_t close = skip_past(buf, len, i, ">"), subset = skip_past(buf, len, i, "[");
            i = subset < close ? skip_past(buf, len, skip_past(buf, len, subset, "]"), ">") : close;
        } else {
            return buf[i] == '<' && svg_element_at(buf, len, i);
        }
    }
    return false;
}

/* TGA: an 18-byte header of a color map type 0 or 1, an image type
 * (color-mapped, true-color or gray, raw or RLE) that agrees with it, a
 * color map that is there exactly when the type says so, sides that are
 * not zero, a pixel depth the type allows and a descriptor without the
 * interleaving bits TGA 2 dropped. */
static bool tga_matches(const uint8_t *buf, size_t len)
{
    if (len < 18 || buf[1] > 1)
        return false;
    /* types 1..3, and 9..11 for the same run-length encoded */
    uint8_t type = buf[2] & 0x07, depth = buf[16];
    bool mapped = type == 1;
    if (type < 1 || type > 3 || (buf[2] & ~0x0B) != 0 || mapped != (buf[1] == 1))
        return false;
    uint16_t map_length = le16(buf + 5);
    uint8_t map_bits = buf[7];
    if (mapped ? map_length == 0 ||
                     (map_bits != 15 && map_bits != 16 && map_bits != 24 && map_bits != 32)
               : le16(buf + 3) != 0 || map_length != 0 || map_bits != 0)
        return false;
    if (le16(buf + 12) == 0 || le16(buf + 14) == 0 || (buf[17] & 0xC0) != 0 || (buf[17] & 0x0F) > 8)
        return false;
    if (type == 2)
        return depth == 15 || depth == 16 || depth == 24 || depth == 32;
    return depth == 8 || depth == 16;
}

static bool signature_matches(const pm3k__signature *sig, const uint8_t *buf, size_t len)
{
    switch (sig->test) {
    case PM3K__TEST_NONE:
        return false;
    case PM3K__TEST_MAGIC:
        return magic_matches(sig->magic, buf, len);
    case PM3K__TEST_FTYP:
        return ftyp_matches(sig, buf, len);
    case PM3K__TEST_QT_BOX:
        return qt_box_matches(sig, buf, len);
    case PM3K__TEST_EBML:
        return ebml_matches(sig, buf, len);
    case PM3K__TEST_BMP:
        return bmp_matches(buf, len);
    case PM3K__TEST_TS_SYNC:
        return ts_sync_matches(sig, buf, len);
    case PM3K__TEST_ICO:
        return ico_matches(buf, len);
    case PM3K__TEST_SGI:
        return sgi_matches(buf, len);
    case PM3K__TEST_PNM:
        return pnm_matches(buf, len);
    case PM3K__TEST_SVG:
        return svg_matches(buf, len);
    case PM3K__TEST_TGA:
        return tga_matches(buf, len);
    }
    return false;
}

static void set_media(pm3k__sniff *out, pm3k__media media)
{
    out->media = media;
    out->format = pm3k__format_get(media);
}

void pm3k__sniff_buffer(const uint8_t *buf, size_t len, pm3k__sniff *out)
{
    memset(out, 0, sizeof *out);
    set_media(out, len == 0 ? PM3K__MEDIA_EMPTY : PM3K__MEDIA_UNKNOWN);
    if (len == 0)
        return;
    if (is_ftyp(buf, len)) {
        memcpy(out->brand, buf + 8, 4);
        for (size_t i = 0; i < 4; i++)
            if (!isprint((unsigned char)out->brand[i]))
                out->brand[i] = '?';
    }
    for (int media = PM3K__MEDIA_EMPTY + 1; media < PM3K__MEDIA__COUNT; media++) {
        const pm3k__format *format = pm3k__format_get((pm3k__media)media);
        for (size_t i = 0; i < PM3K__MAX_SIGNATURES; i++)
            if (signature_matches(&format->signatures[i], buf, len)) {
                set_media(out, (pm3k__media)media);
                return;
            }
    }
}
