/* pm3k — image rules for photo posts: type, size, pixel size, and whether
 * the file was cut off.
 *
 * Dimensions come from libvips header-only loads: the format's own loader
 * (never vips_image_new_from_file, whose loader search could hand a hostile
 * file to ImageMagick), no pixel is decoded. Truncation is found by the
 * cheap end checks in probe/imgend.c. This runs on several worker threads:
 * libvips's error buffer is global, so its text never decides anything here
 * and it is cleared after a failed load. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "core/medialib_calls.h"
#include "probe/imgend.h"
#include "probe/probe_int.h"

/* ---- a VipsSource over a pm3k__source ----
 *
 * JPEG and PNG headers are read through our source, local or remote, so the
 * bytes libvips reads are counted in bytes_read and a remote file (--deep)
 * is read with the same code as a local one. */

typedef struct vips_cursor {
    pm3k__source *src;
    int64_t pos;
} vips_cursor;

static gint64 cursor_read(VipsSourceCustom *custom, void *buffer, gint64 length, gpointer data)
{
    vips_cursor *c = data;
    if (length <= 0 || (c->src->size >= 0 && c->pos >= c->src->size))
        return 0;
    int64_t n = pm3k__source_read(c->src, c->pos, buffer, (size_t)length);
    if (n < 0)
        return -1;
    c->pos += n;
    return n;
}

static gint64 cursor_seek(VipsSourceCustom *custom, gint64 offset, int whence, gpointer data)
{
    vips_cursor *c = data;
    int64_t base;
    /* Without a known size libvips must treat the source as a pipe. */
    if (c->src->size < 0)
        return -1;
    switch (whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = c->pos;
        break;
    case SEEK_END:
        base = c->src->size;
        break;
    default:
        return -1;
    }
    if ((offset < 0 && -offset > base) || (offset > 0 && offset > INT64_MAX - base))
        return -1;
    c->pos = base + offset;
    return c->pos;
}

typedef enum header_result {
    HEADER_READ,   /* *out holds the header */
    HEADER_BAD,    /* libvips cannot read the header */
    HEADER_SKIPPED /* not measured: a remote WebP too big to read whole */
} header_result;

/* Header-only load with the loader of the sniffed format's row. */
static header_result load_header(const pm3k_probe_config *config, pm3k__source *src,
                                 pm3k__loader loader, VipsImage **out)
{
    VipsImage *image = NULL;
    VipsSourceCustom *custom = NULL;
    VipsSource *file = NULL;
    vips_cursor cursor = {.src = src, .pos = 0};
    int rc = -1;

    *out = NULL;
    if (loader == PM3K__LOADER_WEBP && src->path && src->fd >= 0) {
        /* libvips maps the whole of a WebP source; a file maps for free.
         * Through the descriptor the signature was read from, never the
         * path: a file swapped in since (even a FIFO) must not be checked
         * in its place. libwebp reads the chunk headers of the map, so the
         * header costs a few pages, not the file; those bytes do not pass
         * through src and are not in bytes_read. */
        file = vips_source_new_from_descriptor(src->fd);
        if (file)
            rc = vips_webpload_source(file, &image, NULL);
        goto out;
    }
    /* A remote WebP would be read whole: only when it is within the limit. */
    if (loader == PM3K__LOADER_WEBP &&
        (src->size < 0 || src->size > config->limits.max_image_bytes))
        return HEADER_SKIPPED;
    custom = vips_source_custom_new();
    if (!custom)
        goto out;
    g_signal_connect(custom, "read", G_CALLBACK(cursor_read), &cursor);
    g_signal_connect(custom, "seek", G_CALLBACK(cursor_seek), &cursor);
    switch (loader) {
    case PM3K__LOADER_JPEG:
        rc = vips_jpegload_source(VIPS_SOURCE(custom), &image, NULL);
        break;
    case PM3K__LOADER_PNG:
        rc = vips_pngload_source(VIPS_SOURCE(custom), &image, NULL);
        break;
    case PM3K__LOADER_WEBP:
        rc = vips_webpload_source(VIPS_SOURCE(custom), &image, NULL);
        break;
    case PM3K__LOADER_NONE:
        break;
    }

out:
    if (rc != 0) {
        VIPS_UNREF(image);
        vips_error_clear();
    }
    VIPS_UNREF(custom);
    VIPS_UNREF(file);
    *out = image;
    return image ? HEADER_READ : HEADER_BAD;
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
        pm3k_item_add(item, PM3K_RULE_UNSUPPORTED_IMAGE_TYPE, "content_type",
                      "content of an unknown type", "accepted", accepted, PM3K_END);
    else
        pm3k_item_add(item, PM3K_RULE_UNSUPPORTED_IMAGE_TYPE, "accepted", accepted, PM3K_END);
}

static void check_size(const pm3k_limits *limits, const pm3k__source *src, pm3k_item *item)
{
    char size_mb[32];
    if (src->size < 0 || src->size <= limits->max_image_bytes)
        return;
    pm3k_item_add(item, PM3K_RULE_IMAGE_TOO_LARGE_IMAGE, "size_mb",
                  pm3k__format_mb(src->size, size_mb, sizeof size_mb), PM3K_END);
}

/* Facts from the header, then the pixel-size rule. The EXIF orientation
 * does not change the verdict: the limit applies to each side. */
static void check_header(const pm3k_limits *limits, VipsImage *image, pm3k_item *item)
{
    int width = vips_image_get_width(image);
    int height = vips_image_get_height(image);

    pm3k_item_fact_int(item, "width", width);
    pm3k_item_fact_int(item, "height", height);
    if (vips_image_get_typeof(image, VIPS_META_ORIENTATION)) {
        int orientation;
        if (vips_image_get_int(image, VIPS_META_ORIENTATION, &orientation) == 0)
            pm3k_item_fact_int(item, "orientation", orientation);
        else
            vips_error_clear();
    }
    pm3k_item_fact_int(item, "bands", vips_image_get_bands(image));
    pm3k_item_fact_bool(item, "has_alpha", vips_image_hasalpha(image));
    if (width > limits->max_image_side || height > limits->max_image_side)
        pm3k_item_add(item, PM3K_RULE_IMAGE_TOO_LARGE_PX, PM3K_END);
}

/* The end checks. When libvips could not read the header either, the end
 * check's reason is the more precise one (a WebP cut anywhere fails the
 * header load); otherwise header_reason is reported. */
static void check_end(pm3k__source *src, const pm3k__sniff *sniff, const char *header_reason,
                      pm3k_item *item)
{
    char reason[256];
    switch (pm3k__imgend_check(src, sniff->media, reason, sizeof reason)) {
    case PM3K__IMGEND_CUT:
        pm3k_item_add(item, PM3K_RULE_UNREADABLE_MEDIA_IMAGE, "reason", reason, PM3K_END);
        break;
    case PM3K__IMGEND_READ_ERROR:
        pm3k_item_add(item,
                      src->path ? PM3K_RULE_INPUT_UNREADABLE : PM3K_RULE_FETCH_ERROR_TRANSIENT,
                      "reason", src->error[0] ? src->error : "read error", PM3K_END);
        break;
    case PM3K__IMGEND_COMPLETE:
    case PM3K__IMGEND_UNCHECKED:
        if (header_reason)
            pm3k_item_add(item, PM3K_RULE_UNREADABLE_MEDIA_IMAGE, "reason", header_reason,
                          PM3K_END);
        break;
    }
}

void pm3k__probe_image(const pm3k_probe_config *config, pm3k__source *src, const pm3k__sniff *sniff,
                       pm3k_item *item)
{
    const pm3k_limits *limits = &config->limits;
    const pm3k__format *format = sniff->format;
    char reason[96];
    VipsImage *image = NULL;

    /* Messages name the limits the checks compare against. */
    pm3k_item_set_limits(item, limits);
    if (format->kind != PM3K__FORMAT_IMAGE || format->accept == PM3K__ACCEPT_NO) {
        check_other_type(config, sniff, item);
        goto out;
    }
    if (format->accept == PM3K__ACCEPT_EXTERNAL && !limits->png_allowed)
        pm3k_item_add(item, PM3K_RULE_UNSUPPORTED_IMAGE_TYPE, "accepted", accepted_types(limits),
                      PM3K_END);

    /* The accepted types (even a PNG refused for PM3K storage: the other
     * limits still tell the user what to fix). */
    check_size(limits, src, item);
    switch (load_header(config, src, format->loader, &image)) {
    case HEADER_BAD:
        snprintf(reason, sizeof reason, "libvips cannot read the %s header", format->label);
        check_end(src, sniff, reason, item);
        break;
    case HEADER_READ:
        check_header(limits, image, item);
        check_end(src, sniff, NULL, item);
        break;
    case HEADER_SKIPPED:
        check_end(src, sniff, NULL, item);
        break;
    }

out:
    VIPS_UNREF(image);
    pm3k_item_fact_int(item, "bytes_read", src->bytes_read);
}
