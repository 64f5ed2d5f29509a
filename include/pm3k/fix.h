/* pm3k — fix: turn a failing file into one PM3K and TikTok accept, without
 * re-encoding (videos remuxed to MP4 with every stream copied, images
 * converted and resized with libvips). */
#ifndef PM3K_FIX_H
#define PM3K_FIX_H

#include <stdbool.h>
#include <stdint.h>

#include "pm3k/error.h"
#include "pm3k/probe.h"
#include "pm3k/report.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pm3k_fix_options {
    /* The checks the input and the output both get (limits, hosting). */
    pm3k_probe_config probe;
    /* Folder runs: the type an image whose type is not accepted becomes,
     * "jpg" (the default when NULL) or "webp". */
    const char *to_format;
    bool keep_metadata; /* images: keep EXIF/XMP/IPTC (the colour profile is always kept) */
    bool force;         /* replace an output that exists */
    bool in_place;      /* the output is the input itself */
    bool dry_run;       /* plan only: nothing is written */
    /* Called with the temporary file's path when one is made, and with NULL
     * once it is gone (renamed into place or removed): a signal handler can
     * then remove it. May be NULL. */
    void (*on_temp)(void *userdata, const char *temp_path);
    void *userdata;
    /* Non-zero stops the fix at the next packet or file (PM3K_ERR_ABORTED);
     * the temporary file is removed. May be NULL. */
    const volatile int *cancel;
    /* The items' input position (pm3k_item_set_input); -1 for none. */
    int64_t input;
} pm3k_fix_options;

void pm3k_fix_options_init(pm3k_fix_options *options);

/* Fix one file. output is the file to write (NULL with in_place, or for a
 * dry run without one). *out is the `fix` item: the input's findings as
 * fixable / fix_refused / not_fixed, what was done (fixed, fix_planned,
 * nothing_to_fix) or why not, the output path (fact `output`) and, once
 * written, the output's probe item (fact `output_probe`). Problems with the
 * file are findings; the return is not OK only when memory runs out, the
 * media libraries cannot be loaded, or the run was cancelled. */
pm3k_code pm3k_fix_file(const pm3k_fix_options *options, const char *input, const char *output,
                        pm3k_item **out, pm3k_error *err);

/* Fix one file into the folder out_dir: the output is out_dir/NAME, NAME
 * the input's file name with the extension of what is written. */
pm3k_code pm3k_fix_file_into(const pm3k_fix_options *options, const char *input,
                             const char *out_dir, pm3k_item **out, pm3k_error *err);

/* Fix every media file under the folder in_dir (walked as probe walks it,
 * in sorted order) into the same tree under out_dir (NULL with in_place or
 * a dry run), the output names taking the extension of what is written.
 * Each item goes to on_item, then is freed. */
pm3k_code pm3k_fix_folder(const pm3k_fix_options *options, const char *in_dir, const char *out_dir,
                          pm3k_item_fn on_item, void *userdata, pm3k_error *err);

#ifdef __cplusplus
}
#endif
#endif
