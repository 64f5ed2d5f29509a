/* pm3k — top-level ISO BMFF box walker: where moov and mdat are, and
 * whether the file was cut off. libavformat does the real demuxing; this
 * only reads box headers, so it can say "moov missing" or "mdat runs past the
 * end" precisely and cheaply (also over HTTP ranges). Every read is bounded
 * and the walk stops after PM3K__MP4_MAX_BOXES boxes. */
#include <string.h>

#include "probe/mp4box.h"

static uint64_t be32(const uint8_t *p)
{
    return (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return be32(p) << 32 | be32(p + 4);
}

/* Top-level box types are four printable ASCII characters; anything else is
 * trailing junk (padding some tools append), not a box. */
static bool is_box_type(const uint8_t *type)
{
    for (int i = 0; i < 4; i++)
        if (type[i] < 0x20 || type[i] > 0x7E)
            return false;
    return true;
}

static void note_overrun(pm3k__mp4_layout *out, const uint8_t *type, int64_t claimed_end)
{
    out->overrun = true;
    memcpy(out->overrun_type, type, 4);
    out->overrun_type[4] = '\0';
    out->overrun_end = claimed_end;
}

void pm3k__mp4_walk(pm3k__source *src, pm3k__mp4_layout *out)
{
    const int64_t end = src->size; /* -1: unknown, walk until the data ends */
    int64_t offset = 0;

    memset(out, 0, sizeof *out);
    out->moov_offset = -1;
    out->mdat_offset = -1;

    while (end < 0 || offset < end) {
        uint8_t header[16];
        if (out->box_count >= PM3K__MP4_MAX_BOXES) {
            out->capped = true;
            break;
        }
        int64_t got = pm3k__source_read(src, offset, header, sizeof header);
        if (got < 0) {
            out->read_error = true;
            break;
        }
        /* Fewer than 8 bytes left cannot hold a box: padding, ignored. */
        if (got < 8)
            break;
        if (!is_box_type(header + 4)) {
            out->junk = true;
            break;
        }
        uint64_t size = be32(header);
        uint64_t header_len = 8;
        bool to_end = false;
        if (size == 1) {
            /* 64-bit largesize follows the type. */
            if (got < 16) {
                /* The file ends inside the header (a source that delivers
                 * less than its size says is not a box's fault). */
                if (end >= 0 && offset + 16 > end)
                    note_overrun(out, header + 4, offset + 16);
                break;
            }
            size = be64(header + 8);
            header_len = 16;
            if (size < 16) {
                out->junk = true;
                break;
            }
        } else if (size == 0) {
            to_end = true; /* the box runs to the end of the file */
        } else if (size < 8) {
            out->junk = true;
            break;
        }
        out->box_count++;

        bool has_payload =
            to_end ? (end < 0 || end - offset > (int64_t)header_len) : size > header_len;
        if (memcmp(header + 4, "moov", 4) == 0 && out->moov_offset < 0)
            out->moov_offset = offset;
        else if (memcmp(header + 4, "mdat", 4) == 0 && out->mdat_offset < 0 && has_payload)
            out->mdat_offset = offset;

        if (to_end)
            break;
        if (size > (uint64_t)(INT64_MAX - offset)) {
            note_overrun(out, header + 4, INT64_MAX);
            break;
        }
        int64_t box_end = offset + (int64_t)size;
        if (end >= 0 && box_end > end) {
            note_overrun(out, header + 4, box_end);
            break;
        }
        offset = box_end;
    }
    out->moov_at_end =
        out->moov_offset >= 0 && out->mdat_offset >= 0 && out->mdat_offset < out->moov_offset;
}
