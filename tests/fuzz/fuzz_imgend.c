/* libFuzzer target for probe/imgend.c: any bytes, walked as a JPEG, a PNG
 * and a WebP, through an in-memory pm3k__source, then the header copy the
 * walk describes. The walks must never read outside what the source
 * returned, never loop without moving forward, never report a cut or an
 * invalid structure without saying why, and describe only a copy that
 * lies in the bytes they walked. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/imgend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The copy the walk describes must be made from the same bytes. */
static void check_copy(pm3k__source *src, pm3k__media media, const pm3k__imgend_info *info)
{
    if (info->span_count > PM3K__IMGEND_MAX_SPANS || info->frames < 0)
        __builtin_trap();
    if (!info->header_ok || info->copy_bytes <= 0 || info->copy_bytes > (1 << 20))
        return;
    uint8_t *copy = malloc((size_t)info->copy_bytes);
    if (!copy)
        return;
    if (pm3k__imgend_copy(src, media, info, copy, (size_t)info->copy_bytes) !=
        PM3K__IMGEND_COMPLETE)
        __builtin_trap();
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const pm3k__media media[] = {PM3K__MEDIA_JPEG, PM3K__MEDIA_PNG, PM3K__MEDIA_WEBP};
    /* A source with a path reads like a local file, without like a remote
     * one (the PNG walk refills differently). */
    for (size_t i = 0; i < 2 * sizeof media / sizeof media[0]; i++) {
        pm3k__source src;
        pm3k__memory m;
        pm3k__imgend_info info;
        pm3k__source_memory(&src, &m, data, size, "fuzz");
        src.path = i % 2 ? "fuzz.bin" : NULL;
        char reason[128];
        pm3k__imgend rc = pm3k__imgend_check(&src, media[i / 2], &info, reason, sizeof reason);
        if (rc == PM3K__IMGEND_READ_ERROR)
            __builtin_trap(); /* the memory source never fails */
        if ((rc == PM3K__IMGEND_CUT || rc == PM3K__IMGEND_INVALID) &&
            (memchr(reason, '\0', sizeof reason) == NULL || reason[0] == '\0'))
            __builtin_trap();
        check_copy(&src, media[i / 2], &info);
    }
    return 0;
}
