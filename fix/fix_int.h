/* pm3k fix — internals shared by fix/fix.c (the plan), fix/remux.c
 * (libavformat) and fix/image.c (libvips). */
#ifndef PM3K_FIX_INT_H
#define PM3K_FIX_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "pm3k/fix.h"
#include "pm3k/report.h"

/* ---- videos (fix/remux.c) ---- */

/* Whether every stream of the video at path can be carried in MP4 as it
 * is. When one cannot, adds stream_not_mp4 to item and returns false; a
 * file libavformat cannot open adds fix_failed. */
bool pm3k__remux_check(const char *path, pm3k_item *item);

/* Remux path into MP4 at temp_path (an existing temporary file): every
 * stream copied packet by packet, stream side data (the display matrix),
 * the sample aspect ratio, dispositions and metadata kept, the moov first.
 * PM3K_ERR_UNSUPPORTED with the reason in err when libavformat refuses;
 * PM3K_ERR_ABORTED when *cancel became non-zero. */
pm3k_code pm3k__remux(const char *path, const char *temp_path, const volatile int *cancel,
                      pm3k_error *err);

/* ---- images (fix/image.c) ---- */

typedef enum pm3k__image_type {
    PM3K__IMAGE_JPEG,
    PM3K__IMAGE_WEBP,
    PM3K__IMAGE_PNG
} pm3k__image_type;

typedef struct pm3k__image_job {
    const char *path;      /* the input */
    bool heif;             /* HEIC/AVIF: libvips' HEIF module is loaded first */
    pm3k__image_type type; /* what to write */
    int max_side;          /* fit inside max_side x max_side, never upscaled */
    long long max_bytes;   /* the result's size limit: the quality comes down to fit */
    bool keep_metadata;    /* else only the colour profile stays */
} pm3k__image_job;

/* What the conversion found and chose. */
typedef struct pm3k__image_result {
    int frames; /* pages of the input (> 1: animated, only the first was kept) */
    int width, height;
    int quality; /* JPEG/WebP quality used; 0 for PNG */
} pm3k__image_result;

/* Whether libvips, as pm3k sets it up (untrusted loaders blocked), has a
 * loader for the image at path (of the type named type, for the message);
 * heif loads libvips' HEIF module first. When not, *why says so. */
bool pm3k__image_readable(const char *path, bool heif, const char *type, pm3k_error *why);

/* Convert job->path and write the result to out. PM3K_ERR_UNSUPPORTED
 * with the reason in err when libvips cannot read or write it, or the
 * result cannot be made small enough. */
pm3k_code pm3k__fix_image(const pm3k__image_job *job, FILE *out, pm3k__image_result *result,
                          pm3k_error *err);

#endif
