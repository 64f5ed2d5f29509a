/* pm3k fix — images converted with libvips: the EXIF orientation applied,
 * fitted inside the side limit (never upscaled), the first frame of an
 * animation, metadata stripped but the colour profile, and the quality
 * lowered until the result fits the size limit. */
#include <stdio.h>
#include <string.h>

#include "core/medialib.h"
#include "core/medialib_calls.h"
#include "fix/fix_int.h"

/* The most pixels (width x height of the first page) fix decodes from one
 * image: a 200-megapixel phone photo fits; a header that claims more (a
 * decompression bomb in a type probe does not walk) is refused before any
 * pixel is decoded. */
#define MAX_PIXELS (16384LL * 16384LL)

/* JPEG/WebP qualities tried, best first. */
static const int qualities[] = {90, 80, 70, 60, 50, 40};

static pm3k_code vips_failed(pm3k_error *err, const char *what)
{
    char reason[256];
    snprintf(reason, sizeof reason, "%s", vips_error_buffer());
    vips_error_clear();
    size_t n = strlen(reason);
    while (n > 0 && (reason[n - 1] == '\n' || reason[n - 1] == ' '))
        reason[--n] = '\0';
    return pm3k_error_set(err, PM3K_ERR_UNSUPPORTED, "%s%s%s", what, reason[0] ? ": " : "", reason);
}

/* Keep only the colour profile (and libvips' own fields, which cannot be
 * removed): EXIF, XMP, IPTC, comments and thumbnails go. */
static void strip_metadata(VipsImage *image)
{
    gchar **fields = vips_image_get_fields(image);
    for (gchar **f = fields; f && *f; f++)
        if (strcmp(*f, VIPS_META_ICC_NAME) != 0)
            vips_image_remove(image, *f);
    g_strfreev(fields);
}

/* JPEG has no alpha: transparent areas become white, not black. */
static pm3k_code flatten(VipsImage **image, pm3k_error *err)
{
    static const double white[] = {255, 255, 255};
    if (!vips_image_hasalpha(*image))
        return PM3K_OK;
    VipsArrayDouble *background = vips_array_double_new(white, 3);
    VipsImage *flat = NULL;
    int rc = vips_flatten(*image, &flat, "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    if (rc != 0)
        return vips_failed(err, "cannot flatten the alpha channel");
    g_object_unref(*image);
    *image = flat;
    return PM3K_OK;
}

static int save(VipsImage *image, pm3k__image_type type, int quality, void **buf, size_t *len)
{
    switch (type) {
    case PM3K__IMAGE_JPEG:
        return vips_image_write_to_buffer(image, ".jpg", buf, len, "Q", quality, NULL);
    case PM3K__IMAGE_WEBP:
        return vips_image_write_to_buffer(image, ".webp", buf, len, "Q", quality, NULL);
    case PM3K__IMAGE_PNG:
        return vips_image_write_to_buffer(image, ".png", buf, len, "compression", 9, NULL);
    }
    return -1;
}

/* The best quality whose result fits max_bytes, written to out. */
static pm3k_code encode(const pm3k__image_job *job, VipsImage *image, FILE *out,
                        pm3k__image_result *result, pm3k_error *err)
{
    size_t tries = job->type == PM3K__IMAGE_PNG ? 1 : sizeof qualities / sizeof qualities[0];
    size_t len = 0;
    for (size_t i = 0; i < tries; i++) {
        void *buf = NULL;
        if (save(image, job->type, qualities[i], &buf, &len) != 0)
            return vips_failed(err, "libvips cannot write the image");
        if ((long long)len <= job->max_bytes) {
            size_t written = fwrite(buf, 1, len, out);
            g_free(buf);
            if (written != len)
                return pm3k_error_set(err, PM3K_ERR_IO, "write error");
            result->quality = job->type == PM3K__IMAGE_PNG ? 0 : qualities[i];
            return PM3K_OK;
        }
        g_free(buf);
    }
    return pm3k_error_set(err, PM3K_ERR_UNSUPPORTED,
                          "even at the lowest quality tried the image is %zu bytes, over the "
                          "%lld-byte limit",
                          len, job->max_bytes);
}

/* The header alone (no pixel is decoded): refuse what would not fit. */
static pm3k_code check_pixels(const char *path, pm3k_error *err)
{
    VipsImage *header = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!header)
        return vips_failed(err, "libvips cannot read the image");
    int width = vips_image_get_width(header), height = vips_image_get_height(header);
    g_object_unref(header);
    if ((long long)width * height > MAX_PIXELS)
        return pm3k_error_set(err, PM3K_ERR_UNSUPPORTED,
                              "the image is %dx%d, more than the %lld pixels pm3k fix decodes",
                              width, height, MAX_PIXELS);
    return PM3K_OK;
}

static int page_count(VipsImage *image)
{
    int pages = 1;
    if (vips_image_get_typeof(image, VIPS_META_N_PAGES) &&
        vips_image_get_int(image, VIPS_META_N_PAGES, &pages) != 0) {
        vips_error_clear();
        pages = 1;
    }
    return pages;
}

bool pm3k__image_readable(const char *path, bool heif, const char *type, pm3k_error *why)
{
    if (heif && pm3k__medialib_load_heif(why) != PM3K_OK)
        return false;
    if (vips_foreign_find_load(path))
        return true;
    vips_error_clear();
    pm3k_error_set(why, PM3K_ERR_UNSUPPORTED,
                   "libvips has no loader for %s here (pm3k leaves out its untrusted loaders, "
                   "such as ImageMagick)",
                   type);
    return false;
}

pm3k_code pm3k__fix_image(const pm3k__image_job *job, FILE *out, pm3k__image_result *result,
                          pm3k_error *err)
{
    VipsImage *image = NULL;
    pm3k_code rc = PM3K_OK;

    memset(result, 0, sizeof *result);
    if (job->heif && (rc = pm3k__medialib_load_heif(err)) != PM3K_OK)
        return rc;
    if ((rc = check_pixels(job->path, err)) != PM3K_OK)
        return rc;
    /* thumbnail loads the first page only, applies the EXIF orientation
     * and shrinks (never enlarges) to fit the box, keeping the aspect. */
    if (vips_thumbnail(job->path, &image, job->max_side, "height", job->max_side, "size",
                       VIPS_SIZE_DOWN, NULL) != 0)
        return vips_failed(err, "libvips cannot read the image");
    result->frames = page_count(image);
    result->width = vips_image_get_width(image);
    result->height = vips_image_get_height(image);
    if (!job->keep_metadata)
        strip_metadata(image);
    if (job->type == PM3K__IMAGE_JPEG && (rc = flatten(&image, err)) != PM3K_OK)
        goto out;
    rc = encode(job, image, out, result, err);
out:
    g_object_unref(image);
    return rc;
}
