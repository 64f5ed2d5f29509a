/* Unit tests for the sample-table checks of the MP4 box walker
 * (probe/mp4box.c) on files built box by box in memory: every table the
 * demuxer allocates from a count is held against its box, the file and the
 * bounds; fragments are counted; the walk follows the demuxer's reading of
 * the box tree. (The top-level layout is tested in test_video.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe/mp4box.h"
#include "probe/probe_int.h"

/* ---- building files ---- */

typedef struct buf {
    uint8_t *data;
    size_t len, cap;
    size_t open[24];
    int depth;
} buf;

static void put(buf *b, const void *bytes, size_t len)
{
    if (b->len + len > b->cap) {
        b->cap = (b->len + len) * 2 + 4096;
        b->data = realloc(b->data, b->cap);
        assert_non_null(b->data);
    }
    memcpy(b->data + b->len, bytes, len);
    b->len += len;
}

static void u8(buf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void u32(buf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(b, p, 4);
}

static void u64(buf *b, uint64_t v)
{
    u32(b, (uint32_t)(v >> 32));
    u32(b, (uint32_t)v);
}

static void zeros(buf *b, size_t n)
{
    static const uint8_t block[4096];
    for (; n > sizeof block; n -= sizeof block)
        put(b, block, sizeof block);
    put(b, block, n);
}

static void open_box(buf *b, const char *type)
{
    assert_true(b->depth < 24);
    b->open[b->depth++] = b->len;
    u32(b, 0);
    put(b, type, 4);
}

/* A full box: version and flags after the header. */
static void open_full(buf *b, const char *type, uint8_t version, uint32_t flags)
{
    open_box(b, type);
    u32(b, (uint32_t)version << 24 | flags);
}

static void close_box(buf *b)
{
    size_t start = b->open[--b->depth];
    uint32_t size = (uint32_t)(b->len - start);
    for (int i = 0; i < 4; i++)
        b->data[start + (size_t)i] = (uint8_t)(size >> (24 - 8 * i));
}

/* A table box: count, then `entries` entries of entry_bytes (zeros but
 * for a 1 at the start of each, a valid count or run). */
static void table(buf *b, const char *type, uint32_t count, uint32_t entries, size_t entry_bytes)
{
    open_full(b, type, 0, 0);
    u32(b, count);
    for (uint32_t i = 0; i < entries; i++) {
        u32(b, 1);
        zeros(b, entry_bytes - 4);
    }
    close_box(b);
}

/* What a track's tables say; a table is written with room for `room`
 * entries (room == count unless a test shortens it). */
typedef struct spec {
    uint32_t samples, sample_size, size_room;
    uint32_t chunks, chunk_room;
    uint32_t spc; /* one stsc run of spc samples a chunk */
    uint32_t times, time_count, time_delta;
    const char *extra; /* one more table: its type, count 5 with room for 4 */
} spec;

static void stbl(buf *b, const spec *s)
{
    open_box(b, "stbl");
    open_full(b, "stsd", 0, 0);
    u32(b, 1);
    open_box(b, "avc1");
    zeros(b, 78);
    close_box(b);
    close_box(b);
    open_full(b, "stts", 0, 0);
    u32(b, s->times);
    for (uint32_t i = 0; i < s->times; i++) {
        u32(b, s->time_count);
        u32(b, s->time_delta);
    }
    close_box(b);
    open_full(b, "stsc", 0, 0);
    u32(b, 1);
    u32(b, 1);
    u32(b, s->spc);
    u32(b, 1);
    close_box(b);
    open_full(b, "stsz", 0, 0);
    u32(b, s->sample_size);
    u32(b, s->samples);
    for (uint32_t i = 0; i < s->size_room; i++)
        u32(b, 100);
    close_box(b);
    open_full(b, "stco", 0, 0);
    u32(b, s->chunks);
    for (uint32_t i = 0; i < s->chunk_room; i++)
        u32(b, 64);
    close_box(b);
    if (s->extra) {
        size_t bytes = 8;
        if (strcmp(s->extra, "stsc") == 0 || strcmp(s->extra, "elst") == 0)
            bytes = 12;
        else if (strcmp(s->extra, "stss") == 0 || strcmp(s->extra, "stps") == 0)
            bytes = 4;
        table(b, s->extra, 5, 4, bytes);
    }
    close_box(b);
}

static void trak(buf *b, uint32_t id, const char *handler, const spec *s)
{
    open_box(b, "trak");
    open_full(b, "tkhd", 0, 3);
    zeros(b, 8);
    u32(b, id);
    zeros(b, 68);
    close_box(b);
    open_box(b, "mdia");
    open_full(b, "mdhd", 0, 0);
    zeros(b, 8);
    u32(b, 1000);
    u32(b, 2000);
    zeros(b, 4);
    close_box(b);
    open_full(b, "hdlr", 0, 0);
    u32(b, 0);
    put(b, handler, 4);
    zeros(b, 13);
    close_box(b);
    open_box(b, "minf");
    stbl(b, s);
    close_box(b);
    close_box(b);
    close_box(b);
}

static void mvhd(buf *b, uint32_t duration)
{
    open_full(b, "mvhd", 0, 0);
    zeros(b, 8);
    u32(b, 1000);
    u32(b, duration);
    zeros(b, 80);
    close_box(b);
}

/* 30 samples of 100 bytes in 3 chunks of 10, 33 ms each. */
static spec good(void)
{
    return (spec){.samples = 30,
                  .size_room = 30,
                  .chunks = 3,
                  .chunk_room = 3,
                  .spc = 10,
                  .times = 1,
                  .time_count = 30,
                  .time_delta = 33};
}

/* ftyp, mdat of 4000 bytes, then a moov with one video trak of s. */
static void movie(buf *b, const spec *s)
{
    b->len = 0;
    open_box(b, "ftyp");
    put(b, "isom\0\0\0\0isom", 12);
    close_box(b);
    open_box(b, "mdat");
    zeros(b, 4000);
    close_box(b);
    open_box(b, "moov");
    mvhd(b, 1000);
    trak(b, 1, "vide", s);
    close_box(b);
}

static void walk_as(const buf *b, int64_t size, pm3k__mp4_layout *l)
{
    pm3k__source src;
    pm3k__memory m;
    pm3k__source_memory(&src, &m, b->data, b->len, "mem");
    src.size = size;
    pm3k__mp4_walk(&src, l);
    /* bounded: a window per box looked at, and the tables it holds */
    assert_true(src.bytes_read <=
                4096 * (int64_t)(l->box_count + l->inner_boxes + 64) + 2 * (int64_t)b->len);
}

static void walk(const buf *b, pm3k__mp4_layout *l)
{
    walk_as(b, (int64_t)b->len, l);
}

static void assert_problem(const pm3k__mp4_layout *l, const char *part)
{
    if (!strstr(l->problem, part))
        fail_msg("problem \"%s\" does not say \"%s\"", l->problem, part);
}

/* ---- the tests ---- */

static void a_true_movie_declares_what_it_holds(void **state)
{
    buf b = {0};
    pm3k__mp4_layout l;
    spec s = good();
    (void)state;
    movie(&b, &s);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    assert_int_equal(l.track_count, 1);
    const pm3k__mp4_track *t = pm3k__mp4_track_by_id(&l, 1);
    assert_non_null(t);
    assert_string_equal(t->handler, "vide");
    assert_string_equal(t->sample_entry, "avc1");
    assert_int_equal(t->samples, 30);
    assert_int_equal(t->chunks, 3);
    assert_int_equal(t->chunk_samples, 30);
    assert_int_equal(t->time_samples, 30);
    assert_int_equal(t->time_duration, 990);
    assert_int_equal(t->timescale, 1000);
    assert_int_equal(t->duration, 2000);
    assert_false(t->duration_unknown);
    assert_int_equal(l.movie_timescale, 1000);
    assert_int_equal(l.movie_duration, 1000);
    assert_false(l.fragmented);
    assert_true(l.moov_at_end);
    assert_int_equal(l.horizon, (int64_t)b.len);
    assert_true(l.index_bytes > 30 * 24);
    assert_null(pm3k__mp4_track_by_id(&l, 2));
    free(b.data);
}

/* Every table libavformat allocates from a count: a count one more than
 * its box holds is refused. */
static void every_table_count_is_held_against_its_box(void **state)
{
    static const char *const tables[] = {"stts", "ctts", "stss", "stps", "stsc", "elst", NULL};
    buf b = {0};
    pm3k__mp4_layout l;
    (void)state;
    spec s = good();
    s.size_room = 29;
    movie(&b, &s);
    walk(&b, &l);
    assert_problem(&l, "the 'stsz' table of track 1 declares 30 sample sizes but its box has "
                       "room for 29");
    s = good();
    s.chunk_room = 2;
    movie(&b, &s);
    walk(&b, &l);
    assert_problem(&l, "the 'stco' table of track 1 declares 3 entries but its box has room for 2");
    s = good();
    s.times = 2;
    s.time_count = 15;
    movie(&b, &s);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    for (int i = 0; tables[i]; i++) {
        s = good();
        s.extra = tables[i];
        movie(&b, &s);
        walk(&b, &l);
        char want[64];
        snprintf(want, sizeof want, "the '%s' table of track 1 declares 5 entries", tables[i]);
        assert_problem(&l, want);
    }
    free(b.data);
}

/* A movie whose one trak's stbl holds what write writes. */
static void movie_with(buf *b, void (*write)(buf *))
{
    b->len = 0;
    open_box(b, "ftyp");
    put(b, "isom\0\0\0\0isom", 12);
    close_box(b);
    open_box(b, "mdat");
    zeros(b, 4000);
    close_box(b);
    open_box(b, "moov");
    mvhd(b, 1000);
    open_box(b, "trak");
    open_box(b, "mdia");
    open_box(b, "minf");
    open_box(b, "stbl");
    write(b);
    close_box(b);
    close_box(b);
    close_box(b);
    close_box(b);
    close_box(b);
}

static void sbgp_rap(buf *b)
{
    open_full(b, "sbgp", 1, 0);
    put(b, "rap ", 4);
    u32(b, 0);
    u32(b, 1000);
    zeros(b, 8);
    close_box(b);
}

static void sbgp_roll(buf *b)
{
    open_full(b, "sbgp", 0, 0);
    put(b, "roll", 4);
    u32(b, 1000);
    close_box(b);
}

static void sgpd_sync(buf *b)
{
    open_full(b, "sgpd", 1, 0);
    put(b, "sync", 4);
    u32(b, 1);
    u32(b, 100);
    zeros(b, 10);
    close_box(b);
}

static void stz2_4bit(buf *b)
{
    open_full(b, "stz2", 0, 0);
    zeros(b, 3);
    u8(b, 4);
    u32(b, 21); /* 21 nibbles: 11 bytes */
    zeros(b, 10);
    close_box(b);
}

static void stz2_bad_field(buf *b)
{
    open_full(b, "stz2", 0, 0);
    zeros(b, 3);
    u8(b, 7); /* the demuxer refuses it, with an error */
    u32(b, 1000000);
    close_box(b);
}

static void co64_top_bit(buf *b)
{
    open_full(b, "co64", 0, 0);
    u32(b, 2);
    u64(b, 64);
    u64(b, 0x8000000000000040ULL);
    close_box(b);
}

static void sdtp_big(buf *b)
{
    open_full(b, "sdtp", 0, 0);
    zeros(b, 1000);
    close_box(b);
}

static void cmov(buf *b)
{
    open_box(b, "cmov");
    zeros(b, 16);
    close_box(b);
}

static void groups_compact_sizes_and_offsets(void **state)
{
    buf b = {0};
    pm3k__mp4_layout l;
    (void)state;
    movie_with(&b, sbgp_rap);
    walk(&b, &l);
    assert_problem(&l, "the 'sbgp' table of track 1 declares 1000 entries but its box has room "
                       "for 1");
    /* a grouping the demuxer does not read is not counted */
    movie_with(&b, sbgp_roll);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    movie_with(&b, sgpd_sync);
    walk(&b, &l);
    assert_problem(&l, "the 'sgpd' table of track 1 declares 100 entries");
    movie_with(&b, stz2_4bit);
    walk(&b, &l);
    assert_problem(&l, "the 'stz2' table of track 1 declares 21 sample sizes but its box has room "
                       "for 20");
    movie_with(&b, stz2_bad_field);
    walk(&b, &l);
    assert_problem(&l, "the 'stz2' table of track 1 has sizes of 7 bits");
    movie_with(&b, co64_top_bit);
    walk(&b, &l);
    assert_problem(&l, "chunk 2 of track 1 starts at byte 9223372036854775872, which no file "
                       "reaches");
    movie_with(&b, sdtp_big);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    assert_true(l.index_bytes >= 996);
    movie_with(&b, cmov);
    walk(&b, &l);
    assert_problem(&l, "compressed (cmov)");
    free(b.data);
}

static void schm_cenc(buf *b)
{
    open_full(b, "schm", 0, 0);
    put(b, "cenc", 4);
    u32(b, 0x10000);
    close_box(b);
}

static void tenc(buf *b)
{
    open_full(b, "tenc", 1, 0);
    zeros(b, 36);
    close_box(b);
}

static void pssh(buf *b)
{
    open_full(b, "pssh", 1, 0);
    zeros(b, 16);
    u32(b, 100000000); /* key IDs, none here */
    close_box(b);
}

static void keys_many(buf *b)
{
    open_full(b, "keys", 0, 0);
    u32(b, 260000000);
    u32(b, 12);
    put(b, "mdtaname", 8);
    close_box(b);
}

static void keys_two(buf *b)
{
    open_full(b, "keys", 0, 0);
    u32(b, 2);
    for (int i = 0; i < 2; i++) {
        u32(b, 12);
        put(b, "mdtaname", 8);
    }
    close_box(b);
}

/* 1.3 million data references of 12 bytes: the demuxer's own bound, but
 * 128 bytes each in its memory. */
static void dref_many(buf *b)
{
    open_box(b, "dinf");
    open_full(b, "dref", 0, 0);
    u32(b, 1300000);
    zeros(b, 1300000 * 12);
    close_box(b);
    close_box(b);
}

/* (the demuxer reads it wherever it stands, as the walk does) */
static void avcc_of(buf *b, size_t payload)
{
    open_box(b, "avcC");
    zeros(b, payload);
    close_box(b);
}

/* a timecode entry whose rest the demuxer reads whole */
static void tmcd_big(buf *b)
{
    open_full(b, "stsd", 0, 0);
    u32(b, 1);
    open_box(b, "tmcd");
    zeros(b, 16 * 1024 * 1024);
    close_box(b);
    close_box(b);
}

static void avcc_big(buf *b)
{
    avcc_of(b, 16 * 1024 * 1024);
}

static void avcc_1mb(buf *b)
{
    avcc_of(b, 1024 * 1024);
}

static void udta_of(buf *b, const char *type)
{
    open_box(b, "udta");
    open_box(b, type);
    zeros(b, 16 * 1024 * 1024);
    close_box(b);
    close_box(b);
}

static void udta_name_big(buf *b)
{
    udta_of(b, "\xA9nam");
}

static void udta_free_big(buf *b)
{
    udta_of(b, "free");
}

/* What the demuxer allocates from besides the sample tables: encryption
 * tables it follows past their boxes (the media is refused), keys and data
 * references, boxes it reads whole. */
static void boxes_beyond_the_sample_tables(void **state)
{
    buf b = {0};
    pm3k__mp4_layout l;
    (void)state;
    movie_with(&b, schm_cenc);
    walk(&b, &l);
    assert_problem(&l, "its media is encrypted (scheme 'cenc' of track 1)");
    movie_with(&b, tenc);
    walk(&b, &l);
    assert_problem(&l, "its media is encrypted (a 'tenc' box of track 1)");
    movie_with(&b, pssh);
    walk(&b, &l);
    assert_problem(&l, "its media is encrypted (a 'pssh' box of track 1)");
    /* before any track the demuxer ignores them */
    b.len = 0;
    schm_cenc(&b);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    movie_with(&b, keys_many);
    walk(&b, &l);
    assert_problem(&l, "the 'keys' table of track 1 declares 260000000 entries but its box has "
                       "room for 1");
    movie_with(&b, keys_two);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    movie_with(&b, dref_many);
    walk(&b, &l);
    assert_problem(&l, "would need over 160 MB of memory");
    movie_with(&b, avcc_big);
    walk(&b, &l);
    assert_problem(&l, "its 'avcC' box of track 1 is 16777224 bytes, which the demuxer would read "
                       "into memory whole: pm3k reads such a box up to 16 MiB");
    movie_with(&b, tmcd_big);
    walk(&b, &l);
    assert_problem(&l, "its 'tmcd' sample description of track 1 is 16777224 bytes");
    movie_with(&b, avcc_1mb);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    assert_true(l.index_bytes >= 2 * 1024 * 1024);
    movie_with(&b, udta_name_big);
    walk(&b, &l);
    assert_problem(&l, "its '?nam' box of track 1 is 16777224 bytes");
    /* padding in udta is skipped, not read */
    movie_with(&b, udta_free_big);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    free(b.data);
}

/* Counts no table backs: samples of a constant size, time-table totals,
 * chunk runs. */
static void counts_are_held_against_the_file(void **state)
{
    buf b = {0};
    pm3k__mp4_layout l;
    (void)state;
    spec s = good();
    /* 50 million samples of 1 byte in one chunk of one run */
    s.samples = 50000000;
    s.sample_size = 1;
    s.size_room = 0;
    s.chunks = 1;
    s.chunk_room = 1;
    s.spc = 50000000;
    s.time_count = 50000000;
    movie(&b, &s);
    walk(&b, &l);
    assert_problem(&l, "declares 50000000 samples of 1 bytes (50000000 bytes), more than the "
                       "file's");
    /* a file that big may hold them, but not the index pm3k allows */
    walk_as(&b, 4000000000, &l);
    assert_problem(&l, "would need over 160 MB of memory");
    /* the same in a file of 60 MB: fine */
    s.samples = s.spc = s.time_count = 4000000;
    movie(&b, &s);
    walk_as(&b, 60000000, &l);
    assert_string_equal(l.problem, "");
    /* a time table declaring more samples than the file has bytes */
    s = good();
    s.time_count = 1u << 30;
    movie(&b, &s);
    walk(&b, &l);
    assert_problem(&l, "the time table (stts) of track 1 declares 1073741824 samples");
    /* ... also in a track that holds no sample at all */
    s = (spec){.times = 1, .time_count = 50000000, .time_delta = 512};
    movie(&b, &s);
    walk(&b, &l);
    assert_problem(&l, "declares 50000000 samples, more than the file's");
    /* chunk runs placing other samples than the size table has */
    s = good();
    s.spc = 11;
    movie(&b, &s);
    walk(&b, &l);
    assert_problem(&l, "place 33 samples but the sample table (stsz) declares 30");
    s = good();
    s.samples = 29;
    s.size_room = 29;
    movie(&b, &s);
    walk(&b, &l);
    assert_problem(&l, "place 30 samples but the sample table (stsz) declares 29");
    /* no chunks, no times: the demuxer drops the runs; nothing declared */
    s = (spec){.spc = 5};
    movie(&b, &s);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    assert_int_equal(l.tracks[0].samples, 0);
    free(b.data);
}

static void stsc_runs(buf *b, const uint32_t *firsts, size_t n, uint32_t chunks)
{
    open_full(b, "stsc", 0, 0);
    u32(b, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        u32(b, firsts[i]);
        u32(b, 2);
        u32(b, 1);
    }
    close_box(b);
    open_full(b, "stsz", 0, 0);
    u32(b, 100);
    u32(b, 2 * chunks);
    close_box(b);
    table(b, "stco", chunks, chunks, 4);
}

static void runs_in_order(buf *b)
{
    static const uint32_t firsts[] = {1, 3, 4};
    stsc_runs(b, firsts, 3, 5);
}

static void runs_out_of_order(buf *b)
{
    static const uint32_t firsts[] = {1, 4, 3};
    stsc_runs(b, firsts, 3, 5);
}

static void runs_past_the_chunks(buf *b)
{
    static const uint32_t firsts[] = {1, 6};
    stsc_runs(b, firsts, 2, 5);
}

static void chunk_runs(void **state)
{
    buf b = {0};
    pm3k__mp4_layout l;
    (void)state;
    movie_with(&b, runs_in_order);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    assert_int_equal(l.tracks[0].chunk_samples, 10);
    movie_with(&b, runs_out_of_order);
    walk(&b, &l);
    assert_problem(&l, "names chunks out of order or past its 5 chunks");
    movie_with(&b, runs_past_the_chunks);
    walk(&b, &l);
    assert_problem(&l, "names chunks out of order or past its 5 chunks");
    free(b.data);
}

/* Sound libavformat reads chunk by chunk counts PCM frames: a compressed
 * one (IMA4) holds more of them than the file has bytes, and its index has
 * an entry per chunk piece, not per frame. */
static void sound_read_by_chunk(void **state)
{
    buf b = {0};
    pm3k__mp4_layout l;
    (void)state;
    spec s = {.samples = 20000,
              .sample_size = 1,
              .chunks = 2,
              .chunk_room = 2,
              .spc = 10000,
              .times = 1,
              .time_count = 20000,
              .time_delta = 1};
    b.len = 0;
    open_box(&b, "moov");
    trak(&b, 1, "soun", &s);
    close_box(&b);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    assert_true(pm3k__mp4_sound_by_chunk(&l.tracks[0]));
    assert_true(l.index_bytes < 20000 * 24);
    /* video timed the same way is held against the file */
    b.len = 0;
    open_box(&b, "moov");
    trak(&b, 1, "vide", &s);
    close_box(&b);
    walk(&b, &l);
    assert_problem(&l, "declares 20000 samples of 1 bytes");
    /* the runs must still place the frames the size table counts */
    s.spc = 10001;
    b.len = 0;
    open_box(&b, "moov");
    trak(&b, 1, "soun", &s);
    close_box(&b);
    walk(&b, &l);
    assert_problem(&l, "place 20002 samples");
    free(b.data);
}

/* A meta box without hdlr that runs to the end of a file of unknown size:
 * the word scan ends where the data does. */
static void meta_scan_ends_with_the_data(void **state)
{
    buf b = {0};
    pm3k__mp4_layout l;
    (void)state;
    open_box(&b, "moov");
    close_box(&b);
    u32(&b, 0);
    put(&b, "meta", 4);
    zeros(&b, 10000);
    walk_as(&b, -1, &l);
    assert_string_equal(l.problem, "");
    assert_int_equal(l.box_count, 2);
    free(b.data);
}

/* A fragmented movie: mvex/trex for track 1, then fragments. */
static void fragmented(buf *b, bool mehd)
{
    spec s = {0};
    b->len = 0;
    open_box(b, "ftyp");
    put(b, "isom\0\0\0\0isom", 12);
    close_box(b);
    open_box(b, "moov");
    mvhd(b, 0xFFFFFFFF);
    trak(b, 1, "vide", &s);
    open_box(b, "mvex");
    if (mehd) {
        open_full(b, "mehd", 0, 0);
        u32(b, 2500);
        close_box(b);
    }
    open_full(b, "trex", 0, 0);
    u32(b, 1);
    u32(b, 1);
    u32(b, 40); /* default duration */
    u32(b, 7);  /* default size */
    u32(b, 0);
    close_box(b);
    close_box(b);
    close_box(b);
}

/* A moof with a trun of count samples: per-sample durations of 50 when
 * with_durations (room for `room` of them), else the defaults. */
static void fragment(buf *b, uint32_t count, bool with_durations, uint32_t room)
{
    open_box(b, "moof");
    open_full(b, "mfhd", 0, 0);
    u32(b, 1);
    close_box(b);
    open_box(b, "traf");
    open_full(b, "tfhd", 0, 0x020000);
    u32(b, 1);
    close_box(b);
    open_full(b, "trun", 0, 0x000001 | (with_durations ? 0x100 : 0));
    u32(b, count);
    u32(b, 0);
    for (uint32_t i = 0; with_durations && i < room; i++)
        u32(b, 50);
    close_box(b);
    close_box(b);
    close_box(b);
    open_box(b, "mdat");
    zeros(b, 100);
    close_box(b);
}

static void fragments_are_counted(void **state)
{
    buf b = {0};
    pm3k__mp4_layout l;
    (void)state;
    fragmented(&b, true);
    fragment(&b, 10, false, 0);
    fragment(&b, 4, true, 4);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    assert_true(l.fragmented);
    assert_int_equal(l.moof_count, 2);
    assert_int_equal(l.mehd_duration, 2500);
    assert_true(l.movie_duration_unknown);
    const pm3k__mp4_track *t = pm3k__mp4_track_by_id(&l, 1);
    assert_int_equal(t->samples, 0);
    assert_int_equal(t->fragment_samples, 14);
    assert_int_equal(t->fragment_duration, 10 * 40 + 4 * 50);
    assert_int_equal(t->trex_duration, 40);
    assert_int_equal(t->trex_size, 7);

    /* a trun with per-sample fields shorter than its count */
    fragmented(&b, false);
    fragment(&b, 5, true, 4);
    walk(&b, &l);
    assert_problem(&l, "the 'trun' table of track 1 declares 5 entries but its box has room for 4");
    assert_int_equal(l.mehd_duration, 0);
    /* without per-sample sizes: the default size times the count must fit */
    fragmented(&b, false);
    fragment(&b, 50000000, false, 0);
    walk(&b, &l);
    assert_problem(&l, "a 'trun' table of track 1 declares 50000000 samples of 7 bytes");
    /* a trun before any tfhd (or of another track) is not read */
    fragmented(&b, false);
    open_box(&b, "moof");
    open_full(&b, "trun", 0, 0);
    u32(&b, 50000000);
    close_box(&b);
    close_box(&b);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    free(b.data);
}

static void sidx(buf *b, uint16_t refs, uint16_t room)
{
    open_full(b, "sidx", 0, 0);
    u32(b, 1);
    u32(b, 1000);
    u32(b, 0);
    u32(b, 0);
    u32(b, refs); /* reserved 16 bits, then the count */
    for (uint16_t i = 0; i < room; i++) {
        u32(b, 100);
        u32(b, 40);
        u32(b, 0x90000000);
    }
    close_box(b);
}

static void bounds_of_the_walk(void **state)
{
    buf b = {0};
    pm3k__mp4_layout l;
    (void)state;
    /* more tracks than pm3k reads */
    b.len = 0;
    open_box(&b, "moov");
    for (uint32_t i = 0; i <= PM3K__MP4_MAX_TRACKS; i++)
        trak(&b, i + 1, "soun", &(spec){0});
    close_box(&b);
    walk(&b, &l);
    assert_problem(&l, "more than 64 tracks");
    /* more inner boxes than the walk looks at */
    b.len = 0;
    open_box(&b, "moov");
    open_box(&b, "udta");
    for (int i = 0; i <= PM3K__MP4_MAX_INNER_BOXES; i++)
        put(&b,
            "\0\0\0\x08"
            "free",
            8);
    close_box(&b);
    close_box(&b);
    walk(&b, &l);
    assert_problem(&l, "more than 262144 boxes");
    /* fragment index entries: a segment index too long */
    fragmented(&b, false);
    sidx(&b, 3, 3);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    assert_int_equal(l.sidx_refs, 3);
    fragmented(&b, false);
    sidx(&b, 3, 2);
    walk(&b, &l);
    assert_problem(&l, "the 'sidx' table of track 1 declares 3 entries but its box has room "
                       "for 2");
    fragmented(&b, false);
    for (int i = 0; i < 3; i++)
        sidx(&b, 65535 / 6 * 2 + 1, 65535 / 6 * 2 + 1);
    walk(&b, &l);
    assert_problem(&l, "more than 32768 fragments");
    free(b.data);
}

/* Table boxes count wherever the demuxer reads them: inside a sample
 * entry, a meta box, a hoov box; not in a second moov, which it skips, nor
 * after a trak out of place, where it ends the container. */
static void the_demuxer_reading_of_the_tree(void **state)
{
    buf b = {0};
    pm3k__mp4_layout l;
    (void)state;
    /* stsz inside the avc1 sample entry's child boxes */
    b.len = 0;
    open_box(&b, "moov");
    open_box(&b, "trak");
    open_box(&b, "mdia");
    open_full(&b, "hdlr", 0, 0);
    u32(&b, 0);
    put(&b, "vide", 4);
    zeros(&b, 12);
    close_box(&b);
    open_full(&b, "stsd", 0, 0);
    u32(&b, 1);
    open_box(&b, "avc1");
    zeros(&b, 78);
    table(&b, "stss", 1000, 1, 4);
    close_box(&b);
    close_box(&b);
    close_box(&b);
    close_box(&b);
    close_box(&b);
    walk(&b, &l);
    assert_problem(&l, "the 'stss' table of track 1 declares 1000 entries");
    /* a meta box: found by its hdlr, word by word */
    b.len = 0;
    open_box(&b, "moov");
    open_box(&b, "trak");
    open_full(&b, "meta", 0, 0);
    open_full(&b, "hdlr", 0, 0);
    zeros(&b, 20);
    close_box(&b);
    table(&b, "ctts", 1000, 1, 8);
    close_box(&b);
    close_box(&b);
    close_box(&b);
    walk(&b, &l);
    assert_problem(&l, "the 'ctts' table of track 1 declares 1000 entries");
    /* hoov holding a movie header is the movie */
    b.len = 0;
    open_box(&b, "hoov");
    mvhd(&b, 1000);
    open_box(&b, "trak");
    table(&b, "stts", 1000, 1, 8);
    close_box(&b);
    close_box(&b);
    walk(&b, &l);
    assert_int_equal(l.moov_offset, 0);
    assert_problem(&l, "'stts' table of track 1 declares 1000 entries");
    /* a second moov is skipped, as the demuxer skips it */
    b.len = 0;
    open_box(&b, "moov");
    close_box(&b);
    open_box(&b, "moov");
    open_box(&b, "trak");
    table(&b, "stts", 1000, 1, 8);
    close_box(&b);
    close_box(&b);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    assert_int_equal(l.track_count, 0);
    /* a trak inside mdia ends the mdia */
    b.len = 0;
    open_box(&b, "moov");
    open_box(&b, "trak");
    open_box(&b, "mdia");
    open_box(&b, "trak");
    close_box(&b);
    table(&b, "stts", 1000, 1, 8);
    close_box(&b);
    close_box(&b);
    close_box(&b);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    assert_int_equal(l.track_count, 1);
    /* a box whose size runs past its container ends with it */
    b.len = 0;
    open_box(&b, "moov");
    open_box(&b, "trak");
    size_t stts = b.len;
    open_full(&b, "stts", 0, 0);
    u32(&b, 2);
    zeros(&b, 16);
    close_box(&b);
    b.data[stts + 3] = 200; /* the stts claims 200 bytes */
    close_box(&b);
    close_box(&b);
    walk(&b, &l);
    assert_string_equal(l.problem, "");
    free(b.data);
}

/* Where the walk stops, the demuxer's reading stops. */
static void horizon_and_read_errors(void **state)
{
    buf b = {0};
    pm3k__mp4_layout l;
    spec s = good();
    (void)state;
    movie(&b, &s);
    size_t end = b.len;
    put(&b,
        "\x01\x02\x03\x04\x05\x06\x07\x08"
        "moov",
        12);
    walk(&b, &l);
    assert_true(l.junk);
    assert_int_equal(l.horizon, (int64_t)end);
    walk_as(&b, -1, &l);
    assert_int_equal(l.horizon, (int64_t)end);
    b.len = end;
    walk_as(&b, -1, &l);
    assert_int_equal(l.horizon, -1);
    free(b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_true_movie_declares_what_it_holds),
        cmocka_unit_test(every_table_count_is_held_against_its_box),
        cmocka_unit_test(groups_compact_sizes_and_offsets),
        cmocka_unit_test(boxes_beyond_the_sample_tables),
        cmocka_unit_test(counts_are_held_against_the_file),
        cmocka_unit_test(chunk_runs),
        cmocka_unit_test(sound_read_by_chunk),
        cmocka_unit_test(meta_scan_ends_with_the_data),
        cmocka_unit_test(fragments_are_counted),
        cmocka_unit_test(bounds_of_the_walk),
        cmocka_unit_test(the_demuxer_reading_of_the_tree),
        cmocka_unit_test(horizon_and_read_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
