/* libFuzzer target for the MP4 box walker (probe/mp4box.c): the input is
 * the whole file, read through an in-memory pm3k__source. The walk also
 * pretends the file is larger or of unknown size, as a remote source can.
 * Besides staying in bounds, a walk that finds no problem must have checked
 * what it promises: every count within the file and the bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probe/mp4box.h"
#include "probe/probe_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_tables(const pm3k__mp4_layout *l, int64_t claimed_size)
{
    if (l->problem[0] || l->read_error)
        return;
    if (l->index_bytes > (uint64_t)PM3K__MP4_MAX_INDEX_BYTES ||
        l->moof_count + l->sidx_refs > PM3K__MP4_MAX_FRAGMENTS)
        __builtin_trap();
    for (unsigned i = 0; i < l->track_count; i++) {
        const pm3k__mp4_track *t = &l->tracks[i];
        /* sound read by chunk counts PCM frames, not bytes */
        bool bytes = claimed_size >= 0 && !pm3k__mp4_sound_by_chunk(t);
        if (bytes && t->sample_size &&
            t->samples * (uint64_t)t->sample_size > (uint64_t)claimed_size)
            __builtin_trap();
        if (bytes && t->time_samples > (uint64_t)claimed_size)
            __builtin_trap();
        if ((t->samples || t->chunks) && t->chunk_samples != t->samples)
            __builtin_trap();
    }
}

static void check(const uint8_t *data, size_t size, int64_t claimed_size)
{
    pm3k__source src;
    pm3k__memory m;
    pm3k__source_memory(&src, &m, data, size, "fuzz");
    src.size = claimed_size;
    pm3k__mp4_layout layout;
    pm3k__mp4_walk(&src, &layout);
    /* The walk is bounded: a window per box looked at (and the tables,
     * read once or twice each), at most the caps. */
    int64_t window = size < 4096 ? (int64_t)size : 4096;
    if (layout.box_count > PM3K__MP4_MAX_BOXES ||
        layout.inner_boxes > PM3K__MP4_MAX_INNER_BOXES + 1 ||
        layout.track_count > PM3K__MP4_MAX_TRACKS ||
        src.bytes_read >
            8 * (int64_t)(layout.box_count + layout.inner_boxes + 2) * window + 16 * (int64_t)size)
        __builtin_trap();
    if (layout.moov_at_end && (layout.moov_offset < 0 || layout.mdat_offset < 0))
        __builtin_trap();
    if (layout.overrun && claimed_size >= 0 && layout.overrun_end <= claimed_size)
        __builtin_trap();
    if (layout.overrun && strlen(layout.overrun_type) != 4)
        __builtin_trap();
    if (!memchr(layout.problem, '\0', sizeof layout.problem))
        __builtin_trap();
    if (layout.horizon < -1 || (claimed_size >= 0 && layout.horizon > claimed_size))
        __builtin_trap();
    check_tables(&layout, claimed_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size, (int64_t)size);
    check(data, size, -1);
    check(data, size, (int64_t)size + 1000000);
    return 0;
}
