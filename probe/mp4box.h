/* pm3k — a bounded walker over the boxes of an ISO BMFF (MP4/MOV) file
 * (internal). It reads box headers and the counts of the sample tables,
 * through pm3k__source_read, to tell where moov and mdat are, whether a box
 * runs past the end of the file (a half-copied MP4), and whether the tables
 * declare more than the file can hold, before libavformat allocates an
 * index from them; so is everything else the demuxer allocates from a
 * count or a length (keys, data references, boxes it reads whole), and
 * encrypted media is refused. It visits the boxes libavformat's mov demuxer parses,
 * wherever they stand (the demuxer dispatches by type, not by parent).
 * tests/fuzz/fuzz_mp4box.c fuzzes it. */
#ifndef PM3K_PROBE_MP4BOX_H
#define PM3K_PROBE_MP4BOX_H

#include <stdbool.h>
#include <stdint.h>

#include "probe/probe_int.h"

/* Engine bounds (docs/rules.md, "Engine bounds"). Top-level boxes looked
 * at: a real file has a handful, a fragmented one two per fragment; the
 * demuxer is shown no byte past the last one walked. */
#define PM3K__MP4_MAX_BOXES 32768
/* Boxes inside the top-level ones (moov, moof, ...), all together. */
#define PM3K__MP4_MAX_INNER_BOXES 262144
/* Nesting the demuxer follows (its own limit: deeper is an error there). */
#define PM3K__MP4_MAX_DEPTH 10
#define PM3K__MP4_MAX_TRACKS 64
/* Fragment index entries (moof boxes and sidx references): the demuxer
 * inserts each into a sorted array. */
#define PM3K__MP4_MAX_FRAGMENTS 32768
/* The memory the demuxer's index and tables would take, as the tables
 * declare it: about 40 bytes a sample, so some 4 million samples. */
#define PM3K__MP4_MAX_INDEX_BYTES (160LL * 1000 * 1000)
/* A box the demuxer reads into memory whole (a codec configuration, a
 * handler name, an ICC profile, cover art, a metadata string): real ones
 * are kilobytes. Its bytes count against the index bound too. */
#define PM3K__MP4_MAX_WHOLE_BOX (16LL * 1024 * 1024)

/* What the boxes of one trak declare (the counts as written, not checked
 * against each other: pm3k__mp4_walk does that). */
typedef struct pm3k__mp4_track {
    uint32_t track_id;    /* tkhd */
    char handler[5];      /* hdlr handler type: "vide", "soun", ... */
    char sample_entry[5]; /* the first stsd entry's type: "avc1", "vvc1", ... */
    uint32_t sample_entries;
    uint32_t timescale;     /* mdhd */
    uint64_t duration;      /* mdhd, in timescale units */
    bool duration_unknown;  /* mdhd says all ones: not known */
    uint64_t samples;       /* stsz/stz2 sample count */
    uint32_t sample_size;   /* stsz constant size; 0: a table of sizes */
    uint64_t chunks;        /* stco/co64 entries */
    uint64_t chunk_samples; /* samples the stsc runs put into those chunks */
    uint64_t time_samples;  /* sum of the stts counts */
    uint32_t time_entries;  /* stts entries */
    uint32_t first_delta;   /* the first stts duration */
    uint64_t time_duration; /* sum of the stts counts times durations, timescale units */
    bool has_ctts;
    /* fragments (mvex/trex, moof/traf/trun) */
    uint32_t trex_duration, trex_size;
    uint64_t fragment_samples;
    uint64_t fragment_duration; /* sum of the trun sample durations, timescale units */
    /* where the first stsc's entries are (read when the trak ends) */
    int64_t stsc_at;
    uint32_t stsc_entries;
    bool has_stsc, has_stco;
} pm3k__mp4_track;

typedef struct pm3k__mp4_layout {
    unsigned box_count;  /* top-level boxes seen */
    bool capped;         /* stopped at PM3K__MP4_MAX_BOXES: the rest is unknown */
    bool junk;           /* stopped at bytes that are not a box header */
    bool read_error;     /* the source failed to deliver a header */
    int64_t moov_offset; /* -1 when there is no moov box */
    int64_t mdat_offset; /* first mdat carrying data, -1 when none */
    bool moov_at_end;    /* media data comes before the moov box */
    /* The first top-level box that claims more bytes than the file has. */
    bool overrun;
    char overrun_type[5]; /* its four-character type */
    int64_t overrun_end;  /* the offset where it claims to end */
    /* The demuxer may read bytes [0, horizon): the walk looked at them. -1:
     * no bound (the size is unknown). */
    int64_t horizon;

    /* What the boxes declare. */
    unsigned inner_boxes;     /* boxes walked below the top level */
    uint32_t movie_timescale; /* mvhd */
    uint64_t movie_duration;  /* mvhd, movie timescale units */
    bool movie_duration_unknown;
    bool fragmented;        /* an mvex box: samples may live in moof fragments */
    uint64_t mehd_duration; /* mvex/mehd fragment duration, movie timescale; 0: none */
    unsigned moof_count;
    uint64_t sidx_refs; /* segment index references */
    unsigned track_count;
    pm3k__mp4_track tracks[PM3K__MP4_MAX_TRACKS];
    uint64_t index_bytes; /* what the declared tables would cost the demuxer */
    /* Why the tables cannot be what they say ("" when they can): a count
     * the file cannot hold, a table shorter than its count, a bound of the
     * walk. The file is then unreadable and goes to no demuxer. */
    char problem[224];
    bool encrypted; /* the problem is that the media is encrypted (CENC, DRM) */
} pm3k__mp4_layout;

/* Walk the boxes of src (src->size must be known, or -1 to walk until the
 * data ends). Always fills out. Reads go through a 4 KiB window: the box
 * headers, the counts of the tables, and the entries of stts, stsc, co64 and
 * trun (each bounded by its box and by the bounds above). */
void pm3k__mp4_walk(pm3k__source *src, pm3k__mp4_layout *out);

/* Whether libavformat reads the sound of t chunk by chunk (its time table
 * is one run of 1-tick samples: PCM frames), with an index entry per up to
 * 1024 samples of a chunk rather than one per sample. */
bool pm3k__mp4_sound_by_chunk(const pm3k__mp4_track *t);

/* The track whose tkhd track_ID is id, or NULL. */
const pm3k__mp4_track *pm3k__mp4_track_by_id(const pm3k__mp4_layout *layout, uint32_t id);

#endif
