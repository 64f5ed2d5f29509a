/* pm3k — image rules for photo posts: type, size, pixel size, animation,
 * and whether the file is whole and sound.
 *
 * The structure walk of probe/imgend.c runs first, on the file itself: a
 * chunk or marker that declares more than the file holds, a decompression
 * bomb or tables no decoder has are found there, before libvips sees a
 * byte. libvips then gets a bounded copy in memory of what a header-only
 * load reads (a JPEG's segments up to its first scan, a PNG's IHDR, PLTE,
 * tRNS and eXIf, a WebP's first frame and metadata), never the file: no
 * map of a file that can change under the run, no loader that allocates by
 * what a file declares. The loader is the format's own (never
 * vips_image_new_from_file, whose loader search could hand a hostile file
 * to ImageMagick); no pixel is decoded. This runs on several worker
 * threads: libvips's error buffer is global, so its text never decides
 * anything here and it is cleared after a failed load. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vips/vips.h>

#include "core/rules_int.h"
#include "core/medialib_calls.h"
#include "probe/imgend.h"
#include "probe/probe_int.h"

/* A WebP's copy holds its first frame: it is read only up to the image
 * limit (what PM3K itself would fetch) and at most this much. */
#define WEBP_COPY_MAX_BYTES PM3K__IMGEND_MAX_HEADER_BYTES

typedef enum header_result {
    HEADER_READ,   /* image holds the header */
    HEADER_BAD,    /* libvips cannot read the header, or the walk found it unsound */
    HEADER_SKIPPED /* not measured: a WebP over the limit, a walk that reached a bound */
} header_result;

/* What reading the file found out, before anything is reported. */
typedef struct image_read {
    pm3k__imgend walk;
    char reason[256]; /* the walk's, on CUT and INVALID */
    pm3k__imgend_info info;
    uint8_t *copy; /* what libvips reads */
    VipsImage *image;
    header_result header;
    bool changed;    /* a local file changed while it was read */
    bool read_error; /* src->error says why */
} image_read;

/* ---- reading ---- */

/* Whether a local file's size, data or inode changed between two looks. */
static bool stat_differs(const struct stat *a, const struct stat *b)
{
    return a->st_size != b->st_size || a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
           a->st_mtim.tv_nsec != b->st_mtim.tv_nsec || a->st_ctim.tv_sec != b->st_ctim.tv_sec ||
           a->st_ctim.tv_nsec != b->st_ctim.tv_nsec;
}

static int load_from_memory(pm3k__loader loader, const uint8_t *data, size_t len, VipsImage **out)
{
    VipsSource *source = vips_source_new_from_memory(data, len);
    int rc = -1;
    if (!source)
        return -1;
    switch (loader) {
    case PM3K__LOADER_JPEG:
        rc = vips_jpegload_source(source, out, NULL);
        break;
    case PM3K__LOADER_PNG:
        rc = vips_pngload_source(source, out, NULL);
        break;
    case PM3K__LOADER_WEBP:
        rc = vips_webpload_source(source, out, NULL);
        break;
    case PM3K__LOADER_NONE:
        break;
    }
    VIPS_UNREF(source);
    return rc;
}

/* Copy the header the walk found and load it with the format's loader. */
static void load_header(const pm3k_probe_config *config, pm3k__source *src,
                        const pm3k__format *format, image_read *rd)
{
    int64_t bound = PM3K__IMGEND_MAX_HEADER_BYTES + 64;
    if (format->loader == PM3K__LOADER_WEBP)
        bound = config->limits.max_image_bytes < WEBP_COPY_MAX_BYTES
                    ? config->limits.max_image_bytes
                    : WEBP_COPY_MAX_BYTES;
    /* A walk that could not tell (a bound reached) says nothing is wrong
     * either: the header is then not measured. */
    rd->header = rd->walk == PM3K__IMGEND_UNCHECKED ? HEADER_SKIPPED : HEADER_BAD;
    if (!rd->info.header_ok || rd->info.copy_bytes <= 0)
        return;
    rd->header = HEADER_BAD;
    if (rd->info.copy_bytes > bound) {
        rd->header = HEADER_SKIPPED;
        return;
    }
    rd->copy = malloc((size_t)rd->info.copy_bytes);
    if (!rd->copy)
        return;
    switch (
        pm3k__imgend_copy(src, format->media, &rd->info, rd->copy, (size_t)rd->info.copy_bytes)) {
    case PM3K__IMGEND_COMPLETE:
        break;
    case PM3K__IMGEND_READ_ERROR:
        rd->read_error = true;
        return;
    default:
        /* fewer bytes than the walk found: the file shrank */
        rd->changed = src->path != NULL;
        return;
    }
    if (load_from_memory(format->loader, rd->copy, (size_t)rd->info.copy_bytes, &rd->image) == 0) {
        rd->header = HEADER_READ;
        return;
    }
    VIPS_UNREF(rd->image);
    vips_error_clear();
}

/* Walk, copy and load; a local file is looked at before and after, so a
 * file that changed meanwhile is not judged on a mix of two versions. */
static void read_image(const pm3k_probe_config *config, pm3k__source *src,
                       const pm3k__format *format, image_read *rd)
{
    struct stat before, after;
    bool local = src->path && src->fd >= 0 && fstat(src->fd, &before) == 0;

    if (local && (int64_t)before.st_size != src->size)
        rd->changed = true;
    rd->walk = pm3k__imgend_check(src, format->media, &rd->info, rd->reason, sizeof rd->reason);
    if (rd->walk == PM3K__IMGEND_READ_ERROR)
        rd->read_error = true;
    else
        load_header(config, src, format, rd);
    if (local && (fstat(src->fd, &after) != 0 || stat_differs(&before, &after)))
        rd->changed = true;
}

static void image_read_release(image_read *rd)
{
    VIPS_UNREF(rd->image);
    free(rd->copy);
}

/* ---- the rules ---- */

static const char *accepted_types(const pm3k_limits *limits)
{
    return limits->png_allowed ? "JPEG, WebP or PNG" : "JPEG or WebP (PM3K-hosted photos)";
}

static bool named_as_image(const pm3k_item *item)
{
    char *ext = pm3k_item_fact_text(item, "extension");
    bool image = ext && pm3k__extension_is_image(ext);
    free(ext);
    return image;
}

/* Content of a type PM3K does not take (an image row that is not accepted,
 * a video, unknown or no content). Zero bytes, and unknown bytes
 * under an image name (a text file called .png, a header destroyed by a bad
 * copy), are unreadable_media: PM3K would take them for an image and fail
 * to convert them (image_convert_failed). Every other type, a video in a
 * photo post, and unknown bytes under any other name are
 * unsupported_image_type. The name only chooses between two failures; the
 * failure itself always comes from the content. Size and pixel limits are
 * not checked for these: PM3K refuses the type first, and a conversion
 * changes both. */
static void check_other_type(const pm3k_probe_config *config, const pm3k__sniff *sniff,
                             pm3k_item *item)
{
    const char *accepted = accepted_types(&config->limits);
    if (sniff->media == PM3K__MEDIA_EMPTY)
        pm3k_item_add(item, PM3K_RULE_UNREADABLE_MEDIA_IMAGE, "reason",
                      "the file is empty (0 bytes)", PM3K_END);
    else if (sniff->media == PM3K__MEDIA_UNKNOWN && named_as_image(item))
        pm3k_item_add(item, PM3K_RULE_UNREADABLE_MEDIA_IMAGE, "reason",
                      "the content is not JPEG, WebP, PNG or any other known image format",
                      PM3K_END);
    else if (sniff->media == PM3K__MEDIA_UNKNOWN)
        pm3k__item_add_fix(item, PM3K_RULE_UNSUPPORTED_IMAGE_TYPE, PM3K__FIX_IMAGE_UNKNOWN,
                           "content_type", "content of an unknown type", "accepted", accepted,
                           PM3K_END);
    else
        pm3k__item_add_fix(item, PM3K_RULE_UNSUPPORTED_IMAGE_TYPE,
                           pm3k__format_get(sniff->media)->kind == PM3K__FORMAT_VIDEO
                               ? PM3K__FIX_IMAGE_IS_VIDEO
                               : PM3K__FIX_IMAGE_CONVERT,
                           "accepted", accepted, PM3K_END);
}

static void check_size(const pm3k_limits *limits, const pm3k__source *src, pm3k_item *item)
{
    char size_mb[32];
    if (src->size < 0 || src->size <= limits->max_image_bytes)
        return;
    pm3k_item_add(item, PM3K_RULE_IMAGE_TOO_LARGE_IMAGE, "size_mb",
                  pm3k__format_mb(src->size, size_mb, sizeof size_mb), PM3K_END);
}

/* The EXIF orientation as stored: libvips's own orientation field is
 * clamped to 1..8, so a stored 0 or 9 would read as a valid 1 or 8. The
 * exif-ifd0-Orientation field starts with the stored value. */
static void orientation_facts(VipsImage *image, pm3k_item *item)
{
    static const char field[] = "exif-ifd0-Orientation";
    const char *text = NULL;
    char *end;
    if (!vips_image_get_typeof(image, field))
        return;
    if (vips_image_get_string(image, field, &text) != 0 || !text) {
        vips_error_clear();
        return;
    }
    long value = strtol(text, &end, 10);
    if (end == text)
        return;
    if (value >= 1 && value <= 8)
        pm3k_item_fact_int(item, "orientation", value);
    else
        pm3k_item_fact_int(item, "orientation_invalid", value);
}

/* Facts from the header, then the pixel-size rule. The EXIF orientation
 * does not change the verdict: the limit applies to each side. */
static void check_header(const pm3k_limits *limits, VipsImage *image, pm3k_item *item)
{
    int width = vips_image_get_width(image);
    int height = vips_image_get_height(image);

    pm3k_item_fact_int(item, "width", width);
    pm3k_item_fact_int(item, "height", height);
    orientation_facts(image, item);
    pm3k_item_fact_int(item, "bands", vips_image_get_bands(image));
    pm3k_item_fact_bool(item, "has_alpha", vips_image_hasalpha(image));
    if (width > limits->max_image_side || height > limits->max_image_side)
        pm3k_item_add(item, PM3K_RULE_IMAGE_TOO_LARGE_PX, PM3K_END);
}

/* What the walk and the load found. When libvips could not read the header
 * either, the walk's reason is the more precise one. */
static void report_read(const pm3k_probe_config *config, const pm3k__format *format,
                        const image_read *rd, pm3k_item *item)
{
    char reason[96];
    if (rd->image)
        check_header(&config->limits, rd->image, item);
    if (rd->info.frames > 0)
        pm3k_item_fact_int(item, "frames", rd->info.frames);
    if (rd->info.frames > 1)
        pm3k_item_add(item, PM3K_RULE_ANIMATED_IMAGE, PM3K_END);
    switch (rd->walk) {
    case PM3K__IMGEND_CUT:
    case PM3K__IMGEND_INVALID:
        pm3k_item_add(item, PM3K_RULE_UNREADABLE_MEDIA_IMAGE, "reason", rd->reason, PM3K_END);
        break;
    case PM3K__IMGEND_COMPLETE:
    case PM3K__IMGEND_UNCHECKED:
        if (rd->header != HEADER_BAD)
            break;
        snprintf(reason, sizeof reason, "libvips cannot read the %s header", format->label);
        pm3k_item_add(item, PM3K_RULE_UNREADABLE_MEDIA_IMAGE, "reason", reason, PM3K_END);
        break;
    case PM3K__IMGEND_READ_ERROR:
        break;
    }
}

void pm3k__probe_image(const pm3k_probe_config *config, pm3k__source *src, const pm3k__sniff *sniff,
                       pm3k_item *item)
{
    const pm3k_limits *limits = &config->limits;
    const pm3k__format *format = sniff->format;
    image_read rd = {.header = HEADER_BAD};

    /* Messages name the limits the checks compare against. */
    pm3k_item_set_limits(item, limits);
    if (format->kind != PM3K__FORMAT_IMAGE || format->accept == PM3K__ACCEPT_NO) {
        check_other_type(config, sniff, item);
        goto out;
    }
    read_image(config, src, format, &rd);
    /* A file that changed, or could not be read, is judged on nothing. */
    if (rd.changed) {
        pm3k__item_add_fix(item, PM3K_RULE_INPUT_UNREADABLE, PM3K__FIX_INPUT_CHANGED, "reason",
                           "the file changed while it was checked", PM3K_END);
        goto out;
    }
    if (rd.read_error) {
        if (src->path)
            pm3k__item_add_fix(item, PM3K_RULE_INPUT_UNREADABLE, PM3K__FIX_INPUT_OTHER, "reason",
                               src->error[0] ? src->error : "read error", PM3K_END);
        else
            pm3k_item_add(item, PM3K_RULE_FETCH_ERROR_TRANSIENT, "reason",
                          src->error[0] ? src->error : "read error", PM3K_END);
        goto out;
    }
    /* The accepted types (even a PNG refused for PM3K storage: the other
     * limits still tell the user what to fix). */
    if (format->accept == PM3K__ACCEPT_EXTERNAL && !limits->png_allowed)
        pm3k__item_add_fix(item, PM3K_RULE_UNSUPPORTED_IMAGE_TYPE, PM3K__FIX_IMAGE_CONVERT,
                           "accepted", accepted_types(limits), PM3K_END);
    check_size(limits, src, item);
    report_read(config, format, &rd, item);

out:
    image_read_release(&rd);
    pm3k_item_fact_int(item, "bytes_read", src->bytes_read);
}
