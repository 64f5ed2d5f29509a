/* libFuzzer target for the top-level MP4 box walker (probe/mp4box.c): the
 * input is the whole file, read through an in-memory pm3k__source. Half the
 * runs also pretend the file is larger or of unknown size, as a remote source
 * can. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probe/mp4box.h"
#include "probe/probe_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *data, size_t size, int64_t claimed_size)
{
    pm3k__source src;
    pm3k__memory m;
    pm3k__source_memory(&src, &m, data, size, "fuzz");
    src.size = claimed_size;
    pm3k__mp4_layout layout;
    pm3k__mp4_walk(&src, &layout);
    /* The walk is bounded: one 16-byte header per box, at most the cap. */
    if (layout.box_count > PM3K__MP4_MAX_BOXES ||
        src.bytes_read > 16 * (int64_t)(layout.box_count + 1))
        __builtin_trap();
    if (layout.moov_at_end && (layout.moov_offset < 0 || layout.mdat_offset < 0))
        __builtin_trap();
    if (layout.overrun && claimed_size >= 0 && layout.overrun_end <= claimed_size)
        __builtin_trap();
    if (layout.overrun && strlen(layout.overrun_type) != 4)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size, (int64_t)size);
    check(data, size, -1);
    check(data, size, (int64_t)size + 1000000);
    return 0;
}
