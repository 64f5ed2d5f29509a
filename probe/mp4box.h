/* pm3k — a bounded walker over the top-level boxes of an ISO BMFF (MP4/MOV)
 * file (internal). It reads box headers only, through pm3k__source_read, to
 * tell where moov and mdat are and whether a box runs past the end of the
 * file (a half-copied MP4). tests/fuzz/fuzz_mp4box.c fuzzes it. */
#ifndef PM3K_PROBE_MP4BOX_H
#define PM3K_PROBE_MP4BOX_H

#include <stdbool.h>
#include <stdint.h>

#include "probe/probe_int.h"

/* At most this many top-level boxes are looked at; a real file has a handful
 * (fragmented ones two per fragment). */
#define PM3K__MP4_MAX_BOXES 1024

typedef struct pm3k__mp4_layout {
    unsigned box_count;  /* top-level boxes seen */
    bool capped;         /* stopped at PM3K__MP4_MAX_BOXES: the rest is unknown */
    bool junk;           /* stopped at bytes that are not a box header */
    bool read_error;     /* the source failed to deliver a header */
    int64_t moov_offset; /* -1 when there is no moov box */
    int64_t mdat_offset; /* first mdat carrying data, -1 when none */
    bool moov_at_end;    /* media data comes before the moov box */
    /* The first box that claims more bytes than the file has. */
    bool overrun;
    char overrun_type[5]; /* its four-character type */
    int64_t overrun_end;  /* the offset where it claims to end */
} pm3k__mp4_layout;

/* Walk the top-level boxes of src (src->size must be known, or -1 to walk
 * until the data ends). Always fills out; never reads more than one 16-byte
 * header per box. */
void pm3k__mp4_walk(pm3k__source *src, pm3k__mp4_layout *out);

#endif
