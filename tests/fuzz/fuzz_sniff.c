/* libFuzzer target for probe/sniff.c and the lookups of probe/formats.c:
 * the signature tests and the extension helpers must stay in bounds on any
 * bytes, and the sniff must always name a row of the format table. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probe/probe_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pm3k__sniff sniff;
    pm3k__sniff_buffer(data, size, &sniff);
    if (!sniff.format || sniff.format->media != sniff.media || !sniff.format->name)
        __builtin_trap();

    /* the same bytes as a path: extension parsing */
    char path[256], ext[16];
    size_t n = size < sizeof path - 1 ? size : sizeof path - 1;
    memcpy(path, data, n);
    path[n] = '\0';
    bool known;
    pm3k__path_extension(path, ext, sizeof ext);
    (void)pm3k__extension_fits(ext, sniff.media, &known);
    (void)pm3k__extension_is_image(ext);
    return 0;
}
