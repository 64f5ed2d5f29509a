/* libFuzzer target for probe/imgend.c: any bytes, checked as a JPEG, a PNG
 * and a WebP, through an in-memory pm3k__source. The checks must never read
 * outside what the source returned, never loop without moving forward, and
 * never report a cut without saying why. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probe/imgend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const pm3k__media media[] = {PM3K__MEDIA_JPEG, PM3K__MEDIA_PNG, PM3K__MEDIA_WEBP};
    /* A source with a path reads like a local file, without like a remote
     * one (the PNG walk refills differently). */
    for (size_t i = 0; i < 2 * sizeof media / sizeof media[0]; i++) {
        pm3k__source src;
        pm3k__memory m;
        pm3k__source_memory(&src, &m, data, size, "fuzz");
        src.path = i % 2 ? "fuzz.bin" : NULL;
        char reason[128];
        pm3k__imgend rc = pm3k__imgend_check(&src, media[i / 2], reason, sizeof reason);
        if (rc == PM3K__IMGEND_READ_ERROR)
            __builtin_trap(); /* the memory source never fails */
        if (rc == PM3K__IMGEND_CUT && memchr(reason, '\0', sizeof reason) == NULL)
            __builtin_trap();
    }
    return 0;
}
