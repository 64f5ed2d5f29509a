/* pm3k — ISO BMFF box walker: where moov and mdat are, whether the file was
 * cut off, and whether its sample tables declare more than it can hold.
 *
 * libavformat's mov demuxer allocates its index and tables from the counts
 * a file declares (a few kilobytes can declare a hundred million samples),
 * and dispatches boxes by their type wherever they stand. So this walk
 * visits the boxes the demuxer parses, with the demuxer's own reading of
 * sizes (a box never ends past its container; size 0 runs to the end of it),
 * and holds every count against the room its box has, the bytes the file
 * has and the bounds in mp4box.h, before the demuxer sees any of it. It
 * reads through a small window over pm3k__source_read, so it costs the same
 * over HTTP ranges (--deep) as on a local file; every loop is bounded by a
 * box, a count checked against its box, or a bound. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "probe/mp4box.h"

#define FOURCC(a, b, c, d)                                                                         \
    ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define ROOT FOURCC('r', 'o', 'o', 't') /* the file, as the demuxer names it */
#define WINDOW 4096
/* Bytes of a sample entry before its child boxes, by kind (the fields
 * libavformat reads first: the 16-byte entry header, then the visual or
 * the sound description). */
#define VISUAL_ENTRY_HEADER 86
#define SOUND_ENTRY_HEADER 36
#define OTHER_ENTRY_HEADER 16
/* What libavformat keeps per entry of each table (its in-memory sizes). */
#define INDEX_ENTRY_BYTES 24 /* AVIndexEntry */
#define CTTS_ENTRY_BYTES 8   /* one per sample once expanded */
#define FRAGMENT_ITEM_BYTES 32
#define FRAGMENT_STREAM_BYTES 56
#define DATA_ENTRY_BYTES 128 /* MOVDref, one per dref entry */
#define META_KEY_BYTES 40    /* a pointer and the smallest allocation, per key */
/* A box read whole is read, then copied (codec parameters, strings
 * widened to UTF-8). */
#define WHOLE_BOX_COPIES 2

typedef struct walker {
    pm3k__source *src;
    pm3k__mp4_layout *out;
    int64_t size; /* of the file, -1 unknown */
    uint8_t window[WINDOW];
    int64_t window_start;
    size_t window_len;
    bool failed; /* a problem or a read error: stop walking */
    bool isom;   /* the demuxer reads sound entries the ISO way */
    int track;   /* the trak the demuxer would apply a table to, -1 none */
    bool in_trak;
    bool moov_seen;
    /* the fragment the last tfhd described */
    bool tfhd_seen;
    uint32_t frag_track_id, frag_duration, frag_size;
} walker;

typedef struct box {
    uint32_t type;
    int64_t start, payload, end; /* end: as far as its container lets it */
} box;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static void fourcc_text(uint32_t type, char out[5])
{
    for (int i = 0; i < 4; i++) {
        char c = (char)(type >> (24 - 8 * i));
        out[i] = c >= 0x20 && c <= 0x7E ? c : '?';
    }
    out[4] = '\0';
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    return a != 0 && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* ---- reading ---- */

/* Up to len (at most WINDOW) bytes at off into dst: the count there is
 * (short only where the data ends), -1 on a read error. */
static int64_t get(walker *w, int64_t off, uint8_t *dst, size_t len)
{
    if (off < 0)
        return 0;
    if (off < w->window_start || off - w->window_start + (int64_t)len > (int64_t)w->window_len) {
        int64_t got = pm3k__source_read(w->src, off, w->window, sizeof w->window);
        if (got < 0) {
            w->out->read_error = true;
            w->failed = true;
            return -1;
        }
        w->window_start = off;
        w->window_len = (size_t)got;
    }
    size_t at = (size_t)(off - w->window_start);
    size_t n = w->window_len - at < len ? w->window_len - at : len;
    memcpy(dst, w->window + at, n);
    return (int64_t)n;
}

/* len bytes at off, zeros where the data ends (as the demuxer's readers
 * return them); false only on a read error. */
static bool fields(walker *w, int64_t off, uint8_t *dst, size_t len)
{
    memset(dst, 0, len);
    return get(w, off, dst, len) >= 0;
}

/* A table entry of len bytes at off; false where the data ends before it
 * (where the demuxer's loops stop too) or on a read error. */
static bool entry(walker *w, int64_t off, uint8_t *dst, size_t len)
{
    return get(w, off, dst, len) == (int64_t)len;
}

/* ---- problems ---- */

static bool problem(walker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record why the tables cannot be true (the first reason wins) and stop. */
static bool problem(walker *w, const char *fmt, ...)
{
    if (!w->out->problem[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->out->problem, sizeof w->out->problem, fmt, ap);
        va_end(ap);
    }
    w->failed = true;
    return false;
}

static pm3k__mp4_track *current(walker *w)
{
    return w->track >= 0 ? &w->out->tracks[w->track] : NULL;
}

/* " of track 2" for messages, "" outside a track. */
static const char *track_text(walker *w, char *buf, size_t len)
{
    const pm3k__mp4_track *t = current(w);
    buf[0] = '\0';
    if (t)
        snprintf(buf, len, " of track %u", t->track_id ? t->track_id : (unsigned)w->track + 1);
    return buf;
}

/* The demuxer would keep entries * bytes_each more bytes. */
static bool spend(walker *w, uint64_t entries, uint64_t bytes_each)
{
    pm3k__mp4_layout *out = w->out;
    out->index_bytes = add_sat(out->index_bytes, mul_sat(entries, bytes_each));
    if (out->index_bytes <= (uint64_t)PM3K__MP4_MAX_INDEX_BYTES)
        return true;
    return problem(w,
                   "its sample tables and headers would need over %lld MB of memory in the "
                   "demuxer, more than pm3k reads (about 4 million samples)",
                   PM3K__MP4_MAX_INDEX_BYTES / 1000000);
}

/* A table of count entries of entry_bytes each, after head bytes of the
 * box's payload: the box must have room for them, and the demuxer's copy
 * (cost bytes an entry) must fit the index bound. */
static bool table(walker *w, const box *b, uint64_t count, uint64_t entry_bytes, int64_t head,
                  uint64_t cost)
{
    int64_t room = b->end - b->payload - head;
    uint64_t fits = room > 0 ? (uint64_t)room / entry_bytes : 0;
    if (count > fits) {
        char type[5], track[32];
        fourcc_text(b->type, type);
        return problem(w, "the '%s' table%s declares %llu entries but its box has room for %llu",
                       type, track_text(w, track, sizeof track), (unsigned long long)count,
                       (unsigned long long)fits);
    }
    return spend(w, count, cost);
}

/* ---- box headers ---- */

/* The box at off in a container that ends at end, as the demuxer reads it.
 * 1: a box; 0: none (fewer than 8 bytes left, or a size below its header);
 * -1: a read error. */
static int inner_box(walker *w, int64_t off, int64_t end, box *b)
{
    uint8_t h[16];
    if (end - off < 8)
        return 0;
    int64_t got = get(w, off, h, sizeof h);
    if (got < 0)
        return -1;
    if (got < 8)
        return 0;
    uint64_t size = be32(h);
    int64_t header = 8;
    b->type = be32(h + 4);
    if (size == 1 && end - off >= 16) {
        if (got < 16)
            return 0;
        size = be64(h + 8);
        header = 16;
    } else if (size == 0) {
        size = (uint64_t)(end - off);
    }
    if (size < (uint64_t)header)
        return 0;
    b->start = off;
    b->payload = off + header;
    b->end = size > (uint64_t)(end - off) ? end : off + (int64_t)size;
    return 1;
}

static void visit(walker *w, const box *b, uint32_t parent, int depth);

/* Visit the boxes between start and end, children of parent. */
static void walk_inner(walker *w, int64_t start, int64_t end, uint32_t parent, int depth)
{
    /* Deeper, the demuxer stops with an error: nothing there is read. */
    if (depth > PM3K__MP4_MAX_DEPTH)
        return;
    for (int64_t off = start; !w->failed && off < end;) {
        box b;
        if (inner_box(w, off, end, &b) <= 0)
            return;
        if (++w->out->inner_boxes > PM3K__MP4_MAX_INNER_BOXES) {
            problem(w, "it has more than %d boxes inside its top-level boxes",
                    PM3K__MP4_MAX_INNER_BOXES);
            return;
        }
        /* The demuxer ends a container at a trak or mdat out of place. */
        if ((b.type == FOURCC('t', 'r', 'a', 'k') || b.type == FOURCC('m', 'd', 'a', 't')) &&
            parent != ROOT && parent != FOURCC('m', 'o', 'o', 'v'))
            return;
        visit(w, &b, parent, depth);
        off = b.end;
    }
}

/* ---- movie and track headers ---- */

/* A version 0 (32-bit) or 1 (64-bit) duration; *unknown when all ones. */
static uint64_t duration_field(const uint8_t *p, bool wide, bool *unknown)
{
    uint64_t d = wide ? be64(p) : be32(p);
    *unknown = wide ? d == UINT64_MAX : d == UINT32_MAX;
    return d;
}

static void read_mvhd(walker *w, const box *b)
{
    uint8_t f[32];
    if (!fields(w, b->payload, f, sizeof f))
        return;
    bool wide = f[0] == 1;
    w->out->movie_timescale = be32(f + (wide ? 20 : 12));
    w->out->movie_duration =
        duration_field(f + (wide ? 24 : 16), wide, &w->out->movie_duration_unknown);
}

static void read_mehd(walker *w, const box *b)
{
    uint8_t f[12];
    bool unknown;
    if (!fields(w, b->payload, f, sizeof f))
        return;
    uint64_t d = duration_field(f + 4, f[0] == 1, &unknown);
    w->out->mehd_duration = unknown ? 0 : d;
}

static void read_tkhd(walker *w, const box *b)
{
    uint8_t f[24];
    pm3k__mp4_track *t = current(w);
    if (t && fields(w, b->payload, f, sizeof f))
        t->track_id = be32(f + (f[0] == 1 ? 20 : 12));
}

static void read_mdhd(walker *w, const box *b)
{
    uint8_t f[32];
    pm3k__mp4_track *t = current(w);
    if (!t || !fields(w, b->payload, f, sizeof f))
        return;
    bool wide = f[0] == 1;
    t->timescale = be32(f + (wide ? 20 : 12));
    t->duration = duration_field(f + (wide ? 24 : 16), wide, &t->duration_unknown);
}

static void read_hdlr(walker *w, const box *b)
{
    uint8_t f[12];
    pm3k__mp4_track *t = current(w);
    if (t && w->in_trak && fields(w, b->payload, f, sizeof f) && !t->handler[0])
        fourcc_text(be32(f + 8), t->handler);
}

/* stsd: the sample entries, whose trailing child boxes (avcC, wave, ...)
 * the demuxer parses like any other. */
static void read_stsd(walker *w, const box *b, int depth)
{
    uint8_t f[8];
    pm3k__mp4_track *t = current(w);
    if (!t || !fields(w, b->payload, f, sizeof f))
        return;
    uint32_t entries = be32(f + 4);
    /* The demuxer refuses more (an error, nothing read). */
    if (entries == 0 || entries > 1024 || entries > (uint64_t)(b->end - b->start) / 8)
        return;
    t->sample_entries = entries;
    int64_t limit = w->size >= 0 ? w->size : INT64_MAX;
    int64_t off = b->payload + 8;
    for (uint32_t i = 0; i < entries && !w->failed && off < limit; i++) {
        uint8_t e[18];
        if (!fields(w, off, e, sizeof e))
            return;
        uint32_t size = be32(e);
        if (size <= 7)
            return;
        if (i == 0)
            fourcc_text(be32(e + 4), t->sample_entry);
        int64_t head = OTHER_ENTRY_HEADER;
        if (strcmp(t->handler, "vide") == 0) {
            head = VISUAL_ENTRY_HEADER;
        } else if (strcmp(t->handler, "soun") == 0) {
            /* QuickTime sound description versions 1 and 2 add fields */
            uint16_t version = (uint16_t)(e[16] << 8 | e[17]);
            bool quicktime_fields = !w->isom || f[0] == 0;
            head = SOUND_ENTRY_HEADER;
            if (quicktime_fields && version == 1)
                head += 16;
            else if (quicktime_fields && version == 2)
                head += 36;
        }
        int64_t end = limit - off < (int64_t)size ? limit : off + size;
        if (end - off > head + 8)
            walk_inner(w, off + head, end, FOURCC('s', 't', 's', 'd'), depth + 1);
        /* The rest of some entries (timecode, data) is read whole too. */
        if (!w->failed && end - off > PM3K__MP4_MAX_WHOLE_BOX) {
            char type[5], track[32];
            fourcc_text(be32(e + 4), type);
            problem(w,
                    "its '%s' sample description%s is %lld bytes, which the demuxer may read "
                    "into memory whole: pm3k reads such a box up to %lld MiB",
                    type, track_text(w, track, sizeof track), (long long)(end - off),
                    PM3K__MP4_MAX_WHOLE_BOX / (1024 * 1024));
            return;
        }
        off += size;
    }
}

/* ---- sample tables (stbl) ---- */

static void read_stts(walker *w, const box *b)
{
    uint8_t f[8];
    pm3k__mp4_track *t = current(w);
    if (!t || !fields(w, b->payload, f, sizeof f))
        return;
    uint32_t entries = be32(f + 4);
    /* Outside its trak a table changes no index (already built): only its
     * count is held against its box. */
    if (!table(w, b, entries, 8, 8, 8) || !w->in_trak)
        return;
    t->time_entries = entries;
    t->time_samples = 0;
    t->time_duration = 0;
    t->first_delta = 0;
    /* The counts: bounded by the box, which holds them. */
    for (uint32_t i = 0; i < entries; i++) {
        uint8_t e[8];
        if (!entry(w, b->payload + 8 + 8 * (int64_t)i, e, sizeof e))
            return;
        t->time_samples += be32(e);
        t->time_duration = add_sat(t->time_duration, mul_sat(be32(e), be32(e + 4)));
        if (i == 0)
            t->first_delta = be32(e + 4);
    }
}

/* stsz (a constant size, or a table of 32-bit sizes) and stz2 (a table of
 * 4-, 8- or 16-bit sizes). */
static void read_sizes(walker *w, const box *b)
{
    uint8_t f[12];
    pm3k__mp4_track *t = current(w);
    if (!t || !fields(w, b->payload, f, sizeof f))
        return;
    uint32_t count = be32(f + 8);
    uint32_t constant = 0, bits = 32;
    if (b->type == FOURCC('s', 't', 's', 'z'))
        constant = be32(f + 4);
    else
        bits = f[7];
    if (w->in_trak) {
        t->samples = count;
        t->sample_size = constant;
    }
    if (constant)
        return;
    if (bits != 4 && bits != 8 && bits != 16 && bits != 32) {
        /* the demuxer refuses it too, with an error */
        char track[32];
        problem(w, "the 'stz2' table%s has sizes of %u bits, which no file has",
                track_text(w, track, sizeof track), bits);
        return;
    }
    uint64_t need = (mul_sat(count, bits) + 4) / 8;
    int64_t room = b->end - b->payload - 12;
    if (room < 0 || need > (uint64_t)room) {
        char type[5], track[32];
        fourcc_text(b->type, type);
        problem(w, "the '%s' table%s declares %u sample sizes but its box has room for %llu", type,
                track_text(w, track, sizeof track), count,
                room > 0 ? (unsigned long long)((uint64_t)room * 8 / bits) : 0ULL);
        return;
    }
    /* the demuxer's array of sizes and the bytes it reads them from */
    spend(w, count, 4 + (bits + 7) / 8);
}

static void read_stsc(walker *w, const box *b)
{
    uint8_t f[8];
    pm3k__mp4_track *t = current(w);
    if (!t || !fields(w, b->payload, f, sizeof f))
        return;
    uint32_t entries = be32(f + 4);
    if (!table(w, b, entries, 12, 8, 12) || t->has_stsc || !w->in_trak)
        return;
    /* The demuxer keeps the first stsc; its runs are read when the chunk
     * count is known, at the end of the trak. */
    t->has_stsc = true;
    t->stsc_at = b->payload + 8;
    t->stsc_entries = entries;
}

/* stco/co64: the chunk offsets. A 64-bit offset the demuxer cannot hold
 * (it turns them into 0) is refused here. */
static void read_chunks(walker *w, const box *b)
{
    uint8_t f[8];
    bool wide = b->type == FOURCC('c', 'o', '6', '4');
    pm3k__mp4_track *t = current(w);
    if (!t || !w->in_trak || !fields(w, b->payload, f, sizeof f))
        return;
    uint32_t entries = be32(f + 4);
    if (!table(w, b, entries, wide ? 8 : 4, 8, 8) || t->has_stco)
        return;
    t->has_stco = true;
    t->chunks = entries;
    for (uint32_t i = 0; wide && i < entries; i++) {
        uint8_t e[8];
        char track[32];
        if (!entry(w, b->payload + 8 + 8 * (int64_t)i, e, sizeof e))
            return;
        if (be64(e) > (uint64_t)INT64_MAX) {
            problem(w, "chunk %u%s starts at byte %llu, which no file reaches", i + 1,
                    track_text(w, track, sizeof track), (unsigned long long)be64(e));
            return;
        }
    }
}

/* The tables that are only counted: entries of entry_bytes after head
 * bytes, each costing cost bytes in the demuxer. */
static void read_counted(walker *w, const box *b, uint64_t entry_bytes, int64_t head, uint64_t cost)
{
    uint8_t f[4];
    if (current(w) && fields(w, b->payload + head - 4, f, sizeof f))
        table(w, b, be32(f), entry_bytes, head, cost);
}

/* sbgp and sgpd: the demuxer reads only the 'rap ' and 'sync' groups. */
static void read_groups(walker *w, const box *b)
{
    uint8_t f[16];
    if (!current(w) || !fields(w, b->payload, f, sizeof f))
        return;
    uint32_t grouping = be32(f + 4);
    bool v1 = f[0] >= 1;
    if (b->type == FOURCC('s', 'b', 'g', 'p')) {
        if (grouping != FOURCC('r', 'a', 'p', ' ') && grouping != FOURCC('s', 'y', 'n', 'c'))
            return;
        table(w, b, be32(f + (v1 ? 12 : 8)), 8, v1 ? 16 : 12, 8);
        return;
    }
    if (grouping != FOURCC('s', 'y', 'n', 'c'))
        return;
    uint32_t length = v1 ? be32(f + 8) : 0;
    int64_t head = f[0] >= 2 ? 16 : v1 ? 12 : 8;
    uint8_t c[4];
    if (fields(w, b->payload + head, c, sizeof c))
        table(w, b, be32(c), length ? length : v1 ? 5 : 1, head + 4, 1);
}

static void read_edit_list(walker *w, const box *b)
{
    uint8_t f[8];
    if (current(w) && fields(w, b->payload, f, sizeof f))
        table(w, b, be32(f + 4), f[0] == 1 ? 20 : 12, 8, 0);
}

/* dref: the demuxer allocates a data reference per entry it is told of
 * (its own bound: one per 12 bytes of the box), before reading any. */
static void read_dref(walker *w, const box *b)
{
    uint8_t f[8];
    if (!current(w) || !fields(w, b->payload, f, sizeof f))
        return;
    uint64_t entries = be32(f + 4);
    int64_t payload = b->end - b->payload;
    if (entries > 0 && payload > 0 && entries <= (uint64_t)(payload - 1) / 12 + 1)
        spend(w, entries, DATA_ENTRY_BYTES);
}

/* keys (QuickTime metadata): the demuxer zero-fills a pointer per key it
 * is told of before reading any, and each key is at least 8 bytes. */
static void read_keys(walker *w, const box *b)
{
    uint8_t f[8];
    int saved = w->track;
    if (!w->in_trak)
        w->track = -1; /* the movie's metadata, of no track */
    if (b->end - b->payload >= 8 && fields(w, b->payload, f, sizeof f))
        table(w, b, be32(f + 4), 8, 8, META_KEY_BYTES);
    w->track = saved;
}

/* A scheme (schm), track encryption (tenc) or DRM system (pssh) box makes
 * the demuxer read the encryption tables (senc, saiz, saio, pssh), whose
 * counts it follows past their boxes, bounded only by the end of the file
 * (a constant IV costs a sample no byte at all). Encrypted media cannot be
 * posted anyway: such a file goes to no demuxer. Before any track the
 * demuxer ignores these boxes. */
static void read_protection(walker *w, const box *b)
{
    uint8_t f[8];
    char type[5], scheme[5], track[32];
    if (!current(w))
        return;
    fourcc_text(b->type, type);
    track_text(w, track, sizeof track);
    if (b->type == FOURCC('s', 'c', 'h', 'm') && b->end - b->payload >= 8 &&
        fields(w, b->payload, f, sizeof f)) {
        fourcc_text(be32(f + 4), scheme);
        if (!w->out->problem[0])
            w->out->encrypted = true;
        problem(w,
                "its media is encrypted (scheme '%s'%s): neither pm3k nor TikTok reads "
                "encrypted video; post the original without DRM",
                scheme, track);
        return;
    }
    if (!w->out->problem[0])
        w->out->encrypted = true;
    problem(w,
            "its media is encrypted (a '%s' box%s): neither pm3k nor TikTok reads encrypted "
            "video; post the original without DRM",
            type, track);
}

/* ---- fragments (mvex, moof, sidx) ---- */

static pm3k__mp4_track *track_by_id(walker *w, uint32_t id)
{
    for (unsigned i = 0; i < w->out->track_count; i++)
        if (w->out->tracks[i].track_id == id)
            return &w->out->tracks[i];
    return NULL;
}

/* One more entry of the demuxer's fragment index (a moof, a sidx
 * reference): it holds an item per entry, with a part per track. */
static bool fragment_entries(walker *w, uint64_t entries)
{
    const pm3k__mp4_layout *out = w->out;
    if (add_sat(out->moof_count, out->sidx_refs) > PM3K__MP4_MAX_FRAGMENTS)
        return problem(w, "it has more than %d fragments", PM3K__MP4_MAX_FRAGMENTS);
    return spend(w, entries,
                 FRAGMENT_ITEM_BYTES + FRAGMENT_STREAM_BYTES * (uint64_t)(out->track_count + 1));
}

static void read_trex(walker *w, const box *b)
{
    uint8_t f[20];
    if (!fields(w, b->payload, f, sizeof f))
        return;
    pm3k__mp4_track *t = track_by_id(w, be32(f + 4));
    if (t) {
        t->trex_duration = be32(f + 12);
        t->trex_size = be32(f + 16);
    }
}

/* tfhd: the track of the fragment and its defaults, as the demuxer takes
 * them (the trex ones unless the tfhd gives its own). */
static void read_tfhd(walker *w, const box *b)
{
    uint8_t f[36];
    if (!fields(w, b->payload, f, sizeof f))
        return;
    uint32_t flags = be32(f) & 0xFFFFFF;
    uint32_t id = be32(f + 4);
    const pm3k__mp4_track *t = track_by_id(w, id);
    const uint8_t *p = f + 8;
    if (flags & 0x01)
        p += 8; /* base data offset */
    if (flags & 0x02)
        p += 4; /* sample description index */
    w->tfhd_seen = id != 0;
    w->frag_track_id = id;
    w->frag_duration = t ? t->trex_duration : 0;
    w->frag_size = t ? t->trex_size : 0;
    if (flags & 0x08) {
        w->frag_duration = be32(p);
        p += 4;
    }
    if (flags & 0x10)
        w->frag_size = be32(p);
}

static int popcount_nibble(uint32_t bits)
{
    return (int)(bits & 1) + (int)(bits >> 1 & 1) + (int)(bits >> 2 & 1) + (int)(bits >> 3 & 1);
}

/* trun: its samples go into the demuxer's index. Without per-sample
 * fields a count is backed by nothing in the box: its samples of the
 * default size must fit the file. */
static void read_trun(walker *w, const box *b)
{
    uint8_t f[8];
    char track[32];
    pm3k__mp4_track *t = w->tfhd_seen ? track_by_id(w, w->frag_track_id) : NULL;
    if (!t || !fields(w, b->payload, f, sizeof f))
        return; /* the demuxer skips it, or fails */
    uint32_t flags = be32(f) & 0xFFFFFF, count = be32(f + 4);
    int64_t head = 8 + (flags & 0x01 ? 4 : 0) + (flags & 0x04 ? 4 : 0);
    int per_sample = 4 * popcount_nibble(flags >> 8 & 0xF);
    int saved = w->track;
    w->track = (int)(t - w->out->tracks);
    bool ok = per_sample ? table(w, b, count, (uint64_t)per_sample, head, 0) : true;
    if (ok && !(flags & 0x200) && w->size >= 0 &&
        mul_sat(count, w->frag_size ? w->frag_size : 1) > (uint64_t)w->size)
        ok = problem(w,
                     "a 'trun' table%s declares %u samples of %u bytes, more than the file's "
                     "%lld bytes hold",
                     track_text(w, track, sizeof track), count, w->frag_size, (long long)w->size);
    w->track = saved;
    if (!ok || !spend(w, count, INDEX_ENTRY_BYTES + CTTS_ENTRY_BYTES))
        return;
    t->fragment_samples = add_sat(t->fragment_samples, count);
    if (!(flags & 0x100)) {
        t->fragment_duration = add_sat(t->fragment_duration, mul_sat(count, w->frag_duration));
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint8_t d[4];
        if (!entry(w, b->payload + head + (int64_t)i * per_sample, d, sizeof d))
            return;
        t->fragment_duration = add_sat(t->fragment_duration, be32(d));
    }
}

static void read_sidx(walker *w, const box *b)
{
    uint8_t f[32];
    if (!fields(w, b->payload, f, sizeof f))
        return;
    bool wide = f[0] == 1;
    int64_t head = wide ? 32 : 24;
    uint16_t count = (uint16_t)(f[head - 2] << 8 | f[head - 1]);
    if (!table(w, b, count, 12, head, 0))
        return;
    w->out->sidx_refs += count;
    fragment_entries(w, count);
}

/* ---- containers ---- */

/* The samples the stsc runs put into the chunks, as the demuxer reads the
 * runs (the first run starting at chunk 1). False when the runs are out of
 * order or name chunks that do not exist. */
static bool chunk_samples(walker *w, pm3k__mp4_track *t, uint64_t *total)
{
    uint64_t sum = 0, prev_first = 0, prev_count = 0;
    *total = 0;
    for (uint32_t i = 0; i < t->stsc_entries; i++) {
        uint8_t e[12];
        if (!entry(w, t->stsc_at + 12 * (int64_t)i, e, sizeof e))
            break; /* the data ends: the demuxer has no more runs either */
        uint64_t first = i == 0 ? 1 : be32(e), count = be32(e + 4);
        if (count == 0 || first <= prev_first || first > t->chunks)
            return false;
        if (i > 0)
            sum = add_sat(sum, mul_sat(prev_count, first - prev_first));
        prev_first = first;
        prev_count = count;
    }
    if (t->stsc_entries > 0)
        sum = add_sat(sum, mul_sat(prev_count, t->chunks - prev_first + 1));
    *total = sum;
    return true;
}

bool pm3k__mp4_sound_by_chunk(const pm3k__mp4_track *t)
{
    return strcmp(t->handler, "soun") == 0 && t->time_entries == 1 && t->first_delta == 1;
}

/* Samples that are bytes of the file: of a constant size, or timed by the
 * time table, they cannot outnumber its bytes. (Sound read by chunk counts
 * PCM frames, which a compressed sound packs several to a byte.) */
static bool samples_fit(walker *w, const pm3k__mp4_track *t, const char *track)
{
    if (w->size < 0 || pm3k__mp4_sound_by_chunk(t))
        return true;
    uint64_t sample_bytes = mul_sat(t->samples, t->sample_size);
    if (sample_bytes > (uint64_t)w->size)
        return problem(w,
                       "the sample table%s declares %llu samples of %u bytes (%llu bytes), more "
                       "than the file's %lld bytes hold",
                       track, (unsigned long long)t->samples, t->sample_size,
                       (unsigned long long)sample_bytes, (long long)w->size);
    if (t->time_samples > (uint64_t)w->size)
        return problem(w,
                       "the time table (stts)%s declares %llu samples, more than the file's %lld "
                       "bytes hold",
                       track, (unsigned long long)t->time_samples, (long long)w->size);
    return true;
}

/* At the end of a trak, the counts its tables declare must agree and fit
 * the file: the demuxer builds its index from them now. */
static void finish_track(walker *w, pm3k__mp4_track *t)
{
    char track[32];
    track_text(w, track, sizeof track);
    /* without chunks and times the demuxer drops the stsc */
    if (t->chunks == 0 && t->time_entries == 0)
        t->stsc_entries = 0;
    if (!samples_fit(w, t, track))
        return;
    if (!chunk_samples(w, t, &t->chunk_samples)) {
        problem(w, "the chunk table (stsc)%s names chunks out of order or past its %llu chunks",
                track, (unsigned long long)t->chunks);
        return;
    }
    if (t->samples == 0 && t->chunks == 0)
        return;
    if (t->chunk_samples != t->samples) {
        problem(w,
                "the chunk tables (stsc, stco)%s place %llu samples but the sample table (stsz) "
                "declares %llu",
                track, (unsigned long long)t->chunk_samples, (unsigned long long)t->samples);
        return;
    }
    /* The index: an entry a sample, and the composition offsets expanded
     * to one a sample; sound read by chunk has an entry per 160 to 1024
     * samples of a chunk. */
    if (pm3k__mp4_sound_by_chunk(t))
        spend(w, t->chunks + t->samples / 160, INDEX_ENTRY_BYTES);
    else
        spend(w, t->samples, INDEX_ENTRY_BYTES + (t->has_ctts ? CTTS_ENTRY_BYTES : 0));
}

static void visit_trak(walker *w, const box *b, int depth)
{
    pm3k__mp4_layout *out = w->out;
    if (out->track_count >= PM3K__MP4_MAX_TRACKS) {
        problem(w, "it has more than %d tracks", PM3K__MP4_MAX_TRACKS);
        return;
    }
    int index = (int)out->track_count++;
    w->track = index;
    w->in_trak = true;
    walk_inner(w, b->payload, b->end, FOURCC('t', 'r', 'a', 'k'), depth + 1);
    /* A trak in a moov in this trak (the demuxer reads it too) has ended
     * the demuxer's "in a trak" already; this trak's index is built from its
     * own tables, and tables from here on go to the last trak begun. */
    w->in_trak = false;
    w->track = index;
    if (!w->failed)
        finish_track(w, &out->tracks[index]);
    w->track = (int)out->track_count - 1;
}

/* The first moov is the one the demuxer reads (it skips any other); a hoov
 * box that starts with a movie header is one too. */
static void visit_moov(walker *w, const box *b, uint32_t parent, int depth)
{
    if (b->type == FOURCC('h', 'o', 'o', 'v')) {
        uint8_t h[8];
        if (!fields(w, b->payload, h, sizeof h) || (be32(h + 4) != FOURCC('m', 'v', 'h', 'd') &&
                                                    be32(h + 4) != FOURCC('c', 'm', 'o', 'v')))
            return;
    }
    if (w->moov_seen)
        return;
    w->moov_seen = true;
    if (parent == ROOT || w->out->moov_offset < 0)
        w->out->moov_offset = b->start;
    walk_inner(w, b->payload, b->end, FOURCC('m', 'o', 'o', 'v'), depth + 1);
}

/* meta: the demuxer looks for an hdlr box word by word and reads the
 * boxes from there. */
static void visit_meta(walker *w, const box *b, int depth)
{
    for (int64_t at = b->payload; at + 8 < b->end && !w->failed;) {
        uint8_t words[WINDOW];
        int64_t got = get(w, at, words, sizeof words);
        if (got < 4)
            return; /* where the data ends the demuxer stops too */
        for (int64_t i = 0; i + 4 <= got && at + i + 8 < b->end; i += 4)
            if (be32(words + i) == FOURCC('h', 'd', 'l', 'r')) {
                walk_inner(w, at + i - 4, b->end, FOURCC('m', 'e', 't', 'a'), depth + 1);
                return;
            }
        at += got - got % 4;
    }
}

static bool is_container(uint32_t type)
{
    static const uint32_t types[] = {
        FOURCC('m', 'd', 'i', 'a'), FOURCC('m', 'i', 'n', 'f'), FOURCC('s', 't', 'b', 'l'),
        FOURCC('e', 'd', 't', 's'), FOURCC('d', 'i', 'n', 'f'), FOURCC('m', 'v', 'e', 'x'),
        FOURCC('t', 'r', 'a', 'f'), FOURCC('t', 'r', 'e', 'f'), FOURCC('u', 'd', 't', 'a'),
        FOURCC('s', 'i', 'n', 'f'), FOURCC('s', 'c', 'h', 'i'), FOURCC('i', 'l', 's', 't'),
        FOURCC('w', 'a', 'v', 'e')};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i] == type)
            return true;
    return false;
}

/* Boxes the demuxer reads into memory whole wherever they stand: codec
 * configurations, names, ICC profiles, chapter lists, uuid payloads. */
static bool is_read_whole(uint32_t type)
{
    static const uint32_t types[] = {
        FOURCC('a', 'v', 'c', 'C'), FOURCC('h', 'v', 'c', 'C'), FOURCC('a', 'v', '1', 'C'),
        FOURCC('v', 'v', 'c', 'C'), FOURCC('g', 'l', 'b', 'l'), FOURCC('e', 's', 'd', 's'),
        FOURCC('s', 't', 'r', 'f'), FOURCC('w', 'a', 'v', 'e'), FOURCC('A', 'R', 'E', 'S'),
        FOURCC('a', 'v', 's', 's'), FOURCC('j', 'p', '2', 'h'), FOURCC('S', 'M', 'I', ' '),
        FOURCC('a', 'l', 'a', 'c'), FOURCC('d', 'v', 'c', '1'), FOURCC('d', 'f', 'L', 'a'),
        FOURCC('d', 'O', 'p', 's'), FOURCC('w', 'f', 'e', 'x'), FOURCC('A', 'C', 'L', 'R'),
        FOURCC('A', 'P', 'R', 'G'), FOURCC('A', 'A', 'L', 'P'), FOURCC('h', 'd', 'l', 'r'),
        FOURCC('f', 't', 'y', 'p'), FOURCC('u', 'u', 'i', 'd'), FOURCC('c', 'o', 'l', 'r'),
        FOURCC('c', 'h', 'p', 'l'), FOURCC('c', 'h', 'a', 'p'), FOURCC('-', '-', '-', '-'),
        FOURCC('k', 'i', 'n', 'd'), FOURCC('d', 'm', 'l', 'p'), FOURCC('c', 'h', 'a', 'n'),
        FOURCC('s', 'v', '3', 'd'), FOURCC('t', 'm', 'c', 'd'), FOURCC('i', 'l', 'o', 'c')};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i] == type)
            return true;
    return false;
}

/* A box the demuxer reads whole costs its bytes (and a copy) in memory,
 * however large: each is held to PM3K__MP4_MAX_WHOLE_BOX, and all of them
 * to the index bound. The entries of udta and ilst are metadata strings
 * and cover art, read whole too. */
static bool hold_whole(walker *w, const box *b, uint32_t parent)
{
    bool metadata =
        (parent == FOURCC('u', 'd', 't', 'a') || parent == FOURCC('i', 'l', 's', 't')) &&
        !is_container(b->type) && b->type != FOURCC('m', 'e', 't', 'a') &&
        b->type != FOURCC('f', 'r', 'e', 'e') && b->type != FOURCC('s', 'k', 'i', 'p');
    if (!metadata && !is_read_whole(b->type))
        return true;
    int64_t bytes = b->end - b->start;
    if (bytes > PM3K__MP4_MAX_WHOLE_BOX) {
        char type[5], track[32];
        fourcc_text(b->type, type);
        return problem(w,
                       "its '%s' box%s is %lld bytes, which the demuxer would read into memory "
                       "whole: pm3k reads such a box up to %lld MiB",
                       type, w->in_trak ? track_text(w, track, sizeof track) : "", (long long)bytes,
                       PM3K__MP4_MAX_WHOLE_BOX / (1024 * 1024));
    }
    return spend(w, (uint64_t)bytes, WHOLE_BOX_COPIES);
}

static void visit_table(walker *w, const box *b)
{
    switch (b->type) {
    case FOURCC('m', 'v', 'h', 'd'):
        read_mvhd(w, b);
        break;
    case FOURCC('m', 'e', 'h', 'd'):
        read_mehd(w, b);
        break;
    case FOURCC('t', 'k', 'h', 'd'):
        read_tkhd(w, b);
        break;
    case FOURCC('m', 'd', 'h', 'd'):
        read_mdhd(w, b);
        break;
    case FOURCC('h', 'd', 'l', 'r'):
        read_hdlr(w, b);
        break;
    case FOURCC('s', 't', 't', 's'):
        read_stts(w, b);
        break;
    case FOURCC('s', 't', 's', 'z'):
    case FOURCC('s', 't', 'z', '2'):
        read_sizes(w, b);
        break;
    case FOURCC('s', 't', 's', 'c'):
        read_stsc(w, b);
        break;
    case FOURCC('s', 't', 'c', 'o'):
    case FOURCC('c', 'o', '6', '4'):
        read_chunks(w, b);
        break;
    case FOURCC('c', 't', 't', 's'):
        read_counted(w, b, 8, 8, 8);
        if (current(w))
            current(w)->has_ctts = true;
        break;
    case FOURCC('s', 't', 's', 's'):
    case FOURCC('s', 't', 'p', 's'):
        read_counted(w, b, 4, 8, 4);
        break;
    case FOURCC('s', 'd', 't', 'p'):
        if (current(w) && b->end - b->payload > 4)
            spend(w, (uint64_t)(b->end - b->payload - 4), 1);
        break;
    case FOURCC('s', 'b', 'g', 'p'):
    case FOURCC('s', 'g', 'p', 'd'):
        read_groups(w, b);
        break;
    case FOURCC('e', 'l', 's', 't'):
        read_edit_list(w, b);
        break;
    case FOURCC('t', 'r', 'e', 'x'):
        read_trex(w, b);
        break;
    case FOURCC('t', 'f', 'h', 'd'):
        read_tfhd(w, b);
        break;
    case FOURCC('t', 'r', 'u', 'n'):
        read_trun(w, b);
        break;
    case FOURCC('s', 'i', 'd', 'x'):
        read_sidx(w, b);
        break;
    case FOURCC('d', 'r', 'e', 'f'):
        read_dref(w, b);
        break;
    case FOURCC('k', 'e', 'y', 's'):
        read_keys(w, b);
        break;
    case FOURCC('s', 'c', 'h', 'm'):
    case FOURCC('t', 'e', 'n', 'c'):
    case FOURCC('p', 's', 's', 'h'):
        read_protection(w, b);
        break;
    default:
        break;
    }
}

static void visit(walker *w, const box *b, uint32_t parent, int depth)
{
    if (!hold_whole(w, b, parent))
        return;
    switch (b->type) {
    case FOURCC('m', 'o', 'o', 'v'):
    case FOURCC('h', 'o', 'o', 'v'):
        visit_moov(w, b, parent, depth);
        return;
    case FOURCC('t', 'r', 'a', 'k'):
        visit_trak(w, b, depth);
        return;
    case FOURCC('m', 'e', 't', 'a'):
        visit_meta(w, b, depth);
        return;
    case FOURCC('s', 't', 's', 'd'):
        read_stsd(w, b, depth);
        return;
    case FOURCC('m', 'v', 'e', 'x'):
        w->out->fragmented = true;
        break;
    case FOURCC('m', 'o', 'o', 'f'):
        /* the demuxer forgets the last tfhd at each moof */
        w->out->moof_count++;
        w->tfhd_seen = false;
        if (fragment_entries(w, 1))
            walk_inner(w, b->payload, b->end, b->type, depth + 1);
        return;
    case FOURCC('c', 'm', 'o', 'v'):
        problem(w, "its movie header is compressed (cmov), which pm3k does not read");
        return;
    default:
        break;
    }
    if (is_container(b->type))
        walk_inner(w, b->payload, b->end, b->type, depth + 1);
    else
        visit_table(w, b);
}

/* ---- the top level ---- */

/* Top-level box types are four printable ASCII characters; anything else is
 * trailing junk (padding some tools append), not a box. */
static bool is_box_type(const uint8_t *type)
{
    for (int i = 0; i < 4; i++)
        if (type[i] < 0x20 || type[i] > 0x7E)
            return false;
    return true;
}

static void note_overrun(pm3k__mp4_layout *out, uint32_t type, int64_t claimed_end)
{
    out->overrun = true;
    fourcc_text(type, out->overrun_type);
    out->overrun_end = claimed_end;
}

/* The top-level box at offset: 1 and *b (with *to_end for size 0, and
 * *claimed the end it claims), 0 to stop the walk (the reason noted in
 * out), -1 on a read error. */
static int top_box(walker *w, int64_t offset, box *b, bool *to_end, uint64_t *claimed)
{
    pm3k__mp4_layout *out = w->out;
    const int64_t end = w->size;
    uint8_t header[16];
    int64_t got = get(w, offset, header, sizeof header);
    if (got < 0)
        return -1;
    /* Fewer than 8 bytes left cannot hold a box: padding, ignored. */
    if (got < 8)
        return 0;
    if (!is_box_type(header + 4)) {
        out->junk = true;
        return 0;
    }
    uint64_t size = be32(header);
    int64_t header_len = 8;
    *to_end = false;
    if (size == 1) {
        /* 64-bit largesize follows the type. */
        if (got < 16) {
            /* The file ends inside the header (a source that delivers
             * less than its size says is not a box's fault). */
            if (end >= 0 && offset + 16 > end)
                note_overrun(out, be32(header + 4), offset + 16);
            return 0;
        }
        size = be64(header + 8);
        header_len = 16;
        if (size < 16) {
            out->junk = true;
            return 0;
        }
    } else if (size == 0) {
        *to_end = true; /* the box runs to the end of the file */
    } else if (size < 8) {
        out->junk = true;
        return 0;
    }
    b->type = be32(header + 4);
    b->start = offset;
    b->payload = offset + header_len;
    b->end = end >= 0 ? end : INT64_MAX;
    if (!*to_end && size <= (uint64_t)(b->end - offset))
        b->end = offset + (int64_t)size;
    *claimed = size;
    return 1;
}

/* The top-level boxes, in order; the demuxer is then shown no byte past
 * the last one looked at. */
static void walk_top(walker *w)
{
    pm3k__mp4_layout *out = w->out;
    const int64_t end = w->size; /* -1: unknown, walk until the data ends */
    int64_t offset = 0;
    while (!w->failed && (end < 0 || offset < end)) {
        box b;
        bool to_end;
        uint64_t size;
        if (out->box_count >= PM3K__MP4_MAX_BOXES) {
            out->capped = true;
            break;
        }
        int r = top_box(w, offset, &b, &to_end, &size);
        if (r <= 0)
            break;
        out->box_count++;
        bool has_payload = to_end ? (end < 0 || end - offset > b.payload - b.start)
                                  : size > (uint64_t)(b.payload - b.start);
        if (b.type == FOURCC('m', 'd', 'a', 't') && out->mdat_offset < 0 && has_payload)
            out->mdat_offset = offset;
        if (b.type == FOURCC('f', 't', 'y', 'p')) {
            uint8_t brand[4];
            w->isom = fields(w, b.payload, brand, sizeof brand) && memcmp(brand, "qt  ", 4) != 0;
        }
        visit(w, &b, ROOT, 1);
        if (to_end)
            return;
        if (size > (uint64_t)(INT64_MAX - offset)) {
            note_overrun(out, b.type, INT64_MAX);
            return;
        }
        int64_t box_end = offset + (int64_t)size;
        if (end >= 0 && box_end > end) {
            note_overrun(out, b.type, box_end);
            return;
        }
        offset = box_end;
    }
    if (out->capped || out->junk)
        out->horizon = offset;
}

void pm3k__mp4_walk(pm3k__source *src, pm3k__mp4_layout *out)
{
    walker w = {.src = src, .out = out, .size = src->size, .track = -1};
    memset(out, 0, sizeof *out);
    out->moov_offset = -1;
    out->mdat_offset = -1;
    out->horizon = src->size;
    walk_top(&w);
    out->moov_at_end =
        out->moov_offset >= 0 && out->mdat_offset >= 0 && out->mdat_offset < out->moov_offset;
}

const pm3k__mp4_track *pm3k__mp4_track_by_id(const pm3k__mp4_layout *layout, uint32_t id)
{
    for (unsigned i = 0; i < layout->track_count; i++)
        if (layout->tracks[i].track_id == id)
            return &layout->tracks[i];
    return NULL;
}
